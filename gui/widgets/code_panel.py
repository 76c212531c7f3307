"""The "Show code" panel: the scikit-learn snippet that reproduces the current view."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QFont, QFontDatabase, QGuiApplication
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

#: what a Python needs to run the snippets, shown above them
REQUIREMENTS = ("Runs in a Python with ClusterLab's notebook extra: "
                '<code>pip install -e ".[notebook]"</code> in a clone of ClusterLab '
                "(it adds matplotlib).")
#: the narrowest the code panel's dock can be made
MINIMUM_WIDTH = 160


class CodePanel(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        top = QHBoxLayout()
        self._caption = QLabel("Python code that reproduces this page")
        self._caption.setWordWrap(True)  # a narrow dock wraps it rather than widening the window
        top.addWidget(self._caption, 1)
        self.copy_button = QPushButton("Copy")
        self.copy_button.setToolTip("Copy the code to the clipboard")
        self.copy_button.clicked.connect(self.copy)
        self._reset_timer = QTimer(self)
        self._reset_timer.setSingleShot(True)
        self._reset_timer.setInterval(1500)
        self._reset_timer.timeout.connect(lambda: self.copy_button.setText("Copy"))
        top.addWidget(self.copy_button)
        layout.addLayout(top)
        self.requirements = QLabel(REQUIREMENTS)
        self.requirements.setWordWrap(True)
        self.requirements.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.requirements.setToolTip(
            "The snippets use numpy, pandas, scikit-learn and Pillow (ClusterLab's own "
            "dependencies) and matplotlib for the plots: the notebook extra adds it.")
        layout.addWidget(self.requirements)
        self.editor = QPlainTextEdit()
        self.editor.setReadOnly(True)
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setStyleHint(QFont.StyleHint.Monospace)
        self.editor.setFont(font)
        self.editor.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        layout.addWidget(self.editor)

    def sizeHint(self):  # noqa: N802 - Qt override
        return QSize(300, 400)

    def minimumSizeHint(self):  # noqa: N802 - Qt override
        # The dock is the user's to resize: it never holds the window wide (the code scrolls).
        return QSize(MINIMUM_WIDTH, 120)

    def set_code(self, code: str) -> None:
        if code != self.editor.toPlainText():
            self.editor.setPlainText(code)

    def code(self) -> str:
        return self.editor.toPlainText()

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.code())
        self.copy_button.setText("Copied")
        self._reset_timer.start()
