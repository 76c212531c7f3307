"""A combo box of every dataset the app knows (built-ins and the user's files)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox


class DatasetPicker(QComboBox):
    key_changed = Signal(str)

    def __init__(self, ctx, default: str = "blobs", parent=None):
        super().__init__(parent)
        self._ctx = ctx
        self.setToolTip("The dataset this page works on: the chapter's datasets or a file you "
                        "opened (File ▸ Open data…, or drop a CSV/NPY file on the window).")
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(18)
        self._populate(default)
        self.currentIndexChanged.connect(self._emit)
        ctx.datasets_changed.connect(self._refresh)

    def _populate(self, select: str) -> None:
        self.blockSignals(True)
        self.clear()
        for key, title in self._ctx.dataset_choices():
            self.addItem(title, key)
        index = self.findData(select)
        self.setCurrentIndex(max(index, 0))
        self.blockSignals(False)

    def _refresh(self) -> None:
        current = self.current_key()
        self._populate(current)
        if self.current_key() != current:
            self._emit()

    def _emit(self, *args) -> None:
        self.key_changed.emit(self.current_key())

    def current_key(self) -> str:
        return self.currentData() or ""

    def set_current_key(self, key: str) -> None:
        """Select ``key`` (emits ``key_changed`` if it changes)."""
        index = self.findData(key)
        if index >= 0:
            self.setCurrentIndex(index)
