"""What the pages share: the background task runner, the dataset catalog, messages."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal

from core.datasets import BUILTIN_TITLES, Dataset, load_builtin, load_table
from core.errors import DataError
from core.projection import Projection, project_2d
from gui.tasks import TaskRunner

MAX_RECENT = 8
RECENT_KEY = "data/recent_files"
#: Longer than this, a "path" is not one (Linux allows 4096 bytes).
_MAX_PATH = 4096


def _is_path(value) -> bool:
    """Whether a value read back from the settings can be a file's path."""
    return (isinstance(value, str) and 0 < len(value) <= _MAX_PATH and "\x00" not in value
            and Path(value).is_absolute())


class AppContext(QObject):
    """Shared state of the running app, handed to every page.

    Built-in datasets are loaded lazily (scikit-learn is imported off the GUI
    thread); files the user opened are remembered and come back after a restart.
    """

    datasets_changed = Signal()
    images_changed = Signal()
    dataset_opened = Signal(str)  # key of a dataset the user just opened
    image_opened = Signal(str)  # key of an image the user just opened
    dataset_replaced = Signal(str)  # key of a dataset read again (e.g. with other labels)
    message_requested = Signal(str, str, object)  # text, level, actions
    #: the same message, with the page it belongs to ("" when said by no page) and a detail
    page_message_requested = Signal(str, str, object, str, str)
    navigate_requested = Signal(str, dict)  # page name, parameters for the page
    open_requested = Signal(str)  # "data" or "image": ask the window to show a file dialog

    def __init__(self, tasks: TaskRunner | None = None, settings=None, parent=None):
        super().__init__(parent)
        self.tasks = tasks or TaskRunner(self)
        self.settings = settings
        self._datasets: dict[str, Dataset] = {}
        self._views: dict[str, tuple[Dataset, Projection]] = {}
        self._user_keys: list[str] = []
        self._recent: list[str] = []
        self.images: dict[str, tuple[str, np.ndarray]] = {}
        #: the table the user opened last (this session): every page that can use it selects
        #: it, also a page first shown later (see gui.widgets.dataset_picker)
        self.opened_table: str | None = None
        self._locks: dict[str, threading.Lock] = {}
        self._locks_lock = threading.Lock()
        self.speaker: str | None = None  # the page whose callback runs (see speaking_for)
        self.image_codes: dict[str, str] = {}  # image key -> the code that reads its file
        #: what happened to a damaged list of recent files (for the message bar), or None
        self.notice: str | None = None
        if settings is not None:
            self._recent = self._read_recent(settings)

    def _read_recent(self, settings) -> list[str]:
        """The recent files, read defensively: a value that is not a list of file paths
        (a damaged settings file, another program's value) is kept under a dated key
        beside it, and the list starts with the paths it held that make sense."""
        raw = settings.value(RECENT_KEY)
        if raw is None or raw == "":
            return []
        values = [raw] if isinstance(raw, str) else raw
        if isinstance(values, list) and all(_is_path(p) for p in values):
            return values[:MAX_RECENT]
        import time

        aside = f"{RECENT_KEY}.unreadable-{time.strftime('%Y%m%d-%H%M%S')}"
        settings.setValue(aside, raw)
        settings.setValue(RECENT_KEY, [])
        self.notice = (f"The list of recent files could not be read; it was kept as "
                       f"'{aside}' in {settings.fileName()}, and the list starts afresh.")
        kept = [p for p in values if _is_path(p)] if isinstance(values, list) else []
        if kept:
            settings.setValue(RECENT_KEY, kept[:MAX_RECENT])
        return kept[:MAX_RECENT]

    # -- datasets -----------------------------------------------------------------------------
    def dataset_choices(self) -> list[tuple[str, str]]:
        """(key, title) of every dataset the user can pick: built-ins, then their files."""
        choices = [(name, title) for name, title in BUILTIN_TITLES.items()]
        seen = set()
        for key in self._user_keys:
            choices.append((key, self._datasets[key].name))
            seen.add(key)
        for path in self._recent:
            key = f"file:{Path(path).resolve()}"
            if key not in seen:
                choices.append((key, f"{Path(path).name} (recent)"))
                seen.add(key)
        return choices

    def cached_dataset(self, key: str) -> Dataset | None:
        return self._datasets.get(key)

    def load_dataset(self, key: str, progress=None) -> Dataset:
        """The dataset for ``key``; may import scikit-learn or read a file (reporting to
        ``progress``, which may cancel): call it in a task."""
        if key in self._datasets:
            return self._datasets[key]
        with self._lock_for(key):  # two pages (or a page and its preview) read a file once
            if key in self._datasets:
                return self._datasets[key]
            return self._load_dataset(key, progress)

    def _lock_for(self, key: str) -> threading.Lock:
        with self._locks_lock:
            return self._locks.setdefault(key, threading.Lock())

    def _load_dataset(self, key: str, progress=None) -> Dataset:
        if key.startswith("file:"):
            ds = load_table(key[5:], progress=progress)
        elif key in BUILTIN_TITLES:
            ds = load_builtin(key)
        else:
            raise DataError(f"There is no dataset called '{key}'.")
        self._datasets[key] = ds
        return ds

    def load_view(self, key: str, progress=None) -> tuple[Dataset, Projection]:
        """The dataset for ``key`` and its 2-D view (PCA beyond two features), computed once
        and shared by every page; call it in a task."""
        ds = self.load_dataset(key, progress)
        view = self._views.get(key)
        if view is None or view[0] is not ds:
            with self._lock_for(f"view:{key}"):  # projected once, shared by every page
                view = self._views.get(key)
                if view is None or view[0] is not ds:
                    view = self._views[key] = (ds, project_2d(ds.X, ds.feature_names))
        return view

    def add_dataset(self, ds: Dataset, opened: bool = True) -> str:
        """Register a dataset the user opened; returns its key. A table (not an image's
        pixels) becomes the selected data of every page that can use it. ``opened=False``:
        a dataset read again (other labels): the pages that show it draw it again
        (``dataset_replaced``), the others keep theirs."""
        key = ds.key
        if not opened:
            self._datasets[key] = ds
            self.datasets_changed.emit()
            self.dataset_replaced.emit(key)
            return key
        if "rgb" not in ds.extra:
            self.opened_table = key
        self._datasets[key] = ds
        if key not in self._user_keys:
            self._user_keys.append(key)
        if key.startswith("file:"):
            path = key[5:]
            self._recent = [path] + [p for p in self._recent if p != path][: MAX_RECENT - 1]
            if self.settings is not None:
                self.settings.setValue(RECENT_KEY, self._recent)
        self.datasets_changed.emit()
        self.dataset_opened.emit(key)
        return key

    # -- images --------------------------------------------------------------------------------
    def add_image(self, title: str, rgb: np.ndarray, key: str | None = None,
                  code: str = "") -> str:
        """Offer an image to the pages; ``code`` reads its file (``core.images.image_code``)."""
        key = key or f"image:{title}"
        self.images[key] = (title, rgb)
        self.image_codes[key] = code
        self.images_changed.emit()
        self.image_opened.emit(key)
        return key

    # -- messages and navigation -------------------------------------------------------------------
    @contextmanager
    def speaking_for(self, page: str) -> Iterator[None]:
        """Messages said inside belong to ``page`` (a task's result or error arriving while
        another page is shown is still that page's)."""
        previous, self.speaker = self.speaker, page
        try:
            yield
        finally:
            self.speaker = previous

    def show_message(self, text: str, level: str = "error",
                     actions: list[tuple[str, Callable[[], None]]] | None = None,
                     page: str | None = None, detail: str = "") -> None:
        """Say ``text`` in the message bar of ``page`` (by default the page speaking, see
        :meth:`speaking_for`, or else the page shown)."""
        page = page if page is not None else self.speaker
        self.message_requested.emit(text, level, actions or [])
        self.page_message_requested.emit(text, level, actions or [], page or "", detail)

    def navigate(self, page: str, **params) -> None:
        self.navigate_requested.emit(page, params)
