"""A word-wrapped label that is always given the height its text needs."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel


def _needed_height(label: QLabel) -> int:
    """The height ``label``'s text needs at its width (its minimum height is reset to 0:
    heightForWidth never answers less than the minimum)."""
    label.setMinimumHeight(0)
    return label.heightForWidth(label.width())


class WrappingLabel(QLabel):
    """A word-wrapped label that asks for the height its text needs at its current width.

    (In a scroll area, a plain wrapped QLabel may be given the height of fewer lines.)
    """

    def __init__(self, text: str = "", parent=None):
        super().__init__(text, parent)
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

    def _fit(self) -> None:
        if self.width() > 0:
            current = self.minimumHeight()
            need = _needed_height(self)
            self.setMinimumHeight(need if need > 0 else current)

    def setText(self, text: str) -> None:  # noqa: N802 - Qt override
        super().setText(text)
        self._fit()

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._fit()


class SteadyLabel(QLabel):
    """A word-wrapped label that keeps the tallest height its texts needed at its width: a
    shorter text leaves the room as it was, a longer one gets more, a new width starts
    anew.

    For a text under a plot that changes with what the plot shows (a legend): a legend
    that lost a line with new data and got it back with the result resized the plot twice,
    which moved the plot under the cursor and laid it out and painted it anew each time.
    """

    def __init__(self, text: str = "", parent=None):
        super().__init__(text, parent)
        self.setWordWrap(True)

    def _fit(self, keep: bool) -> None:
        if self.width() <= 0:
            return
        current = self.minimumHeight()
        self.setMinimumHeight(max(_needed_height(self), current if keep else 0))

    def setText(self, text: str) -> None:  # noqa: N802 - Qt override
        super().setText(text)
        self._fit(keep=True)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self._fit(keep=False)


def reserve_lines(label: QLabel, lines: int, padding: int = 4, wrap: bool = True) -> QLabel:
    """Word-wrap ``label`` (unless ``wrap`` is False: a text of explicit lines) and give it
    the fixed height of ``lines`` lines of text, so that a longer or shorter text neither
    widens the window nor moves what is below it."""
    label.setWordWrap(wrap)
    label.setFixedHeight(lines * label.fontMetrics().lineSpacing() + padding)
    label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
    return label


__all__ = ["SteadyLabel", "WrappingLabel", "reserve_lines"]
