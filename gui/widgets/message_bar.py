"""A non-modal bar above the page for errors, warnings and notes."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton

_STYLES = {
    "error": ("#fdecea", "#b3261e", "✖"),
    "warning": ("#fff4e5", "#8a5300", "⚠"),
    "info": ("#e8f1fb", "#0b4f8a", "ℹ"),
}


class MessageBar(QFrame):
    """Shows one message at a time with optional action buttons; never blocks the window."""

    closed = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("MessageBar")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        self._icon = QLabel()
        self._text = QLabel()
        self._text.setWordWrap(True)
        self._text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self._icon)
        layout.addWidget(self._text, 1)
        self._buttons: list[QPushButton] = []
        self._button_row = QHBoxLayout()
        layout.addLayout(self._button_row)
        close = QToolButton()
        close.setText("×")
        close.setToolTip("Dismiss this message (Esc)")
        close.setAutoRaise(True)
        close.clicked.connect(self.dismiss)
        layout.addWidget(close)
        self.level = ""
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.dismiss)
        self.hide()

    def text(self) -> str:
        return self._text.text()

    def show_message(self, text: str, level: str = "error",
                     actions: list[tuple[str, Callable[[], None]]] | None = None,
                     timeout_ms: int | None = None, detail: str = "") -> None:
        """Show ``text``; ``actions`` are (label, callback) buttons; info notes fade out."""
        bg, fg, icon = _STYLES.get(level, _STYLES["info"])
        self.level = level
        self.setStyleSheet(
            f"#MessageBar {{ background: {bg}; border: 1px solid {fg}; border-radius: 4px; }}"
            f"#MessageBar QLabel {{ color: {fg}; }}"
        )
        self._icon.setText(icon)
        self._text.setText(text)
        self._text.setToolTip(detail)
        for button in self._buttons:
            button.deleteLater()
        self._buttons = []
        for label, callback in actions or []:
            button = QPushButton(label)
            button.clicked.connect(lambda _=False, cb=callback: (self.dismiss(), cb()))
            self._button_row.addWidget(button)
            self._buttons.append(button)
        if timeout_ms is None and level == "info" and not actions:
            timeout_ms = 6000
        if timeout_ms:
            self._timer.start(timeout_ms)
        else:
            self._timer.stop()
        self.show()

    def action_labels(self) -> list[str]:
        return [b.text() for b in self._buttons]

    def trigger_action(self, label: str) -> None:
        for button in self._buttons:
            if button.text() == label:
                button.click()
                return
        raise KeyError(label)

    def put_away(self) -> None:
        """Hide the message without dismissing it (another page is shown; it comes back)."""
        self._timer.stop()
        self.hide()

    def dismiss(self) -> None:
        self._timer.stop()
        self.hide()
        self.closed.emit()
