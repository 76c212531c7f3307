"""Two plots side by side or one above the other, whichever shows the data larger."""

from __future__ import annotations

from PySide6.QtWidgets import QBoxLayout, QWidget


class SideBySide(QWidget):
    """Two plots side by side or one above the other, whichever shows the data larger."""

    def __init__(self, a: QWidget, b: QWidget, parent=None):
        super().__init__(parent)
        self._layout = QBoxLayout(QBoxLayout.Direction.LeftToRight, self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.addWidget(a, 1)
        self._layout.addWidget(b, 1)
        self._aspect = 1.0

    def set_data_aspect(self, width_over_height: float) -> None:
        """The data's width / height (with equal axis scales), to choose the arrangement."""
        self._aspect = float(width_over_height) if width_over_height > 0 else 1.0
        self._arrange(self.width(), self.height())

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        self._arrange(event.size().width(), event.size().height())
        super().resizeEvent(event)

    def _arrange(self, w: int, h: int) -> None:
        # Data of aspect a drawn in a w × h cell gets the scale min(w / a, h).
        side = min(w / 2 / self._aspect, h)
        stacked = min(w / self._aspect, h / 2)
        wide = side >= stacked
        direction = QBoxLayout.Direction.LeftToRight if wide else QBoxLayout.Direction.TopToBottom
        if self._layout.direction() != direction:
            self._layout.setDirection(direction)

    @property
    def side_by_side(self) -> bool:
        return self._layout.direction() == QBoxLayout.Direction.LeftToRight


__all__ = ["SideBySide"]
