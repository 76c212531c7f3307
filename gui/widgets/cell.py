"""A cell of a layout that a widget fills without the layout knowing it is there."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QSizePolicy, QWidget


class Cell(QWidget):
    """Holds one widget at its own size, outside any layout.

    A grid of plots made one per event-loop turn keeps its geometry: putting a plot into its
    cell does not lay the grid out again, so the plots already drawn are not resized (and
    repainted) each time one more is made. The cell expands like a plot would.
    """

    def __init__(self, parent=None, hints: tuple[QSize, QSize] | None = None):
        """``hints``: the (size hint, minimum size hint) the cell gives its layout, those of
        the widget it will hold (otherwise a plain widget's)."""
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._widget: QWidget | None = None
        self._hints = hints

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(self._hints[0]) if self._hints else super().sizeHint()

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(self._hints[1]) if self._hints else super().minimumSizeHint()

    def put(self, widget: QWidget) -> None:
        """Show ``widget`` filling the cell (the cell takes ownership of it)."""
        self._widget = widget
        widget.setParent(self)
        widget.setGeometry(self.rect())
        widget.show()

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        if self._widget is not None:
            self._widget.setGeometry(self.rect())
        super().resizeEvent(event)
