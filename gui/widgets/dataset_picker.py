"""A combo box of every dataset the app knows (built-ins and the user's files).

A table the user opens (File ▸ Open data, a dropped file, the command line, the Data page)
becomes the selection of every picker: those of the pages already built at once, and that of
a page built later when it is first shown (its settings are bound after the picker is made).
"""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QComboBox


class DatasetPicker(QComboBox):
    key_changed = Signal(str)

    def __init__(self, ctx, default: str = "blobs", parent=None, follow_images: bool = False):
        super().__init__(parent)
        self._ctx = ctx
        self.setToolTip("The dataset this page works on: the chapter's datasets or a file you "
                        "opened (File ▸ Open data…, or drop a CSV/NPY file on the window).")
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(18)
        self._populate(default)
        self.currentIndexChanged.connect(self._emit)
        ctx.datasets_changed.connect(self._refresh)
        self._follow_images = follow_images
        ctx.dataset_opened.connect(self._opened)
        ctx.dataset_replaced.connect(self._replaced)
        # A table opened before this page was built is taken up once its settings are bound
        # (after the picker is made): as the page starts (:meth:`adopt_opened`), or in the
        # next pass of the event loop, whichever comes first.
        self._to_adopt: str | None = ctx.opened_table
        self._adopted = False
        if self._to_adopt is not None:
            QTimer.singleShot(0, self, self.adopt_opened)

    def _opened(self, key: str) -> None:
        ds = self._ctx.cached_dataset(key)
        if self._follow_images or ds is None or "rgb" not in ds.extra:
            self.select_opened(key)

    def _replaced(self, key: str) -> None:
        if self.current_key() == key:  # read again: new data under the same key
            self._emit()

    def adopt_opened(self) -> bool:
        """Select the table opened before this picker was made, if it is not selected yet
        (once). True if taking it up changed the selection, now or earlier: ``key_changed``
        was emitted, so the page has already asked for its work on that table."""
        key, self._to_adopt = self._to_adopt, None
        if key is not None and self.current_key() != key and self.findData(key) >= 0:
            self.set_current_key(key)
            self._adopted = True
        return self._adopted

    def select_opened(self, key: str) -> None:
        """Select ``key``, a dataset just opened: ``key_changed`` even if it was selected (a
        file read again is new data)."""
        if self.current_key() == key:
            self._emit()
        else:
            self.set_current_key(key)

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
