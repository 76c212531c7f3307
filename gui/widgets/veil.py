"""A translucent white veil over a widget whose content is stale (e.g. the curves of the
last dataset while the new one is computed); it takes the clicks meant for the stale view."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QWidget


class Veil(QWidget):
    def __init__(self, over: QWidget, alpha: int = 190):
        super().__init__(over)
        self._over = over
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.setObjectName("Veil")
        self.setStyleSheet(f"#Veil {{ background: rgba(255, 255, 255, {alpha}); }}")
        over.installEventFilter(self)
        self.hide()

    def set_shown(self, on: bool) -> None:
        if on:
            self.setGeometry(self._over.rect())
            self.raise_()
        self.setVisible(on)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if obj is self._over and event.type() == QEvent.Type.Resize:
            self.setGeometry(self._over.rect())
        return False
