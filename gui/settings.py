"""Where ClusterLab keeps its settings and the user's work.

``CLUSTERLAB_DATA_DIR`` overrides the data folder (the tests point it at a
temporary folder); settings are an INI file in the user's config folder.
"""

from __future__ import annotations

import atexit
import os
from pathlib import Path

from PySide6.QtCore import (
    QAbstractEventDispatcher,
    QCoreApplication,
    QEvent,
    QSettings,
    QStandardPaths,
    QThread,
    QTimer,
)

ORG = "ClusterLab"
APP = "ClusterLab"


def data_dir() -> Path:
    """The folder for the user's saved work (labels, sessions), created if needed. A file
    standing where the folder should be is moved aside (``*.unreadable-<time>``) first."""
    override = os.environ.get("CLUSTERLAB_DATA_DIR")
    if override:
        path = Path(override)
    else:
        base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.GenericDataLocation)
        path = Path(base or Path.home() / ".local" / "share") / "clusterlab"
    if path.exists() and not path.is_dir():
        import time

        path.replace(path.with_name(f"{path.name}.unreadable-{time.strftime('%Y%m%d-%H%M%S')}"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def clean_data_dir() -> list[Path]:
    """At start: remove the temp files interrupted saves left in the data folder."""
    from core.storage import clean_stale_temp_files

    return clean_stale_temp_files(data_dir())


#: How long after the last change the settings are written (milliseconds).
SYNC_AFTER_MS = 1000


class SettingsStore(QSettings):
    """QSettings that writes its file once changes pause, on a thread of its own.

    QSettings writes on the turn after a change, on the GUI thread: a lock file and a temp
    file, each flushed to the disk (``fdatasync``), then a rename. That took 1-4 ms a time,
    10-40 ms when the disk was busy, and once in a while 80-140 ms (the bench's "blocked"
    stalls of K-Means' fits, a turn with 2 ms of CPU). A Python thread would not help:
    PySide holds the GIL through ``sync()``. So the file is written :data:`SYNC_AFTER_MS`
    after the last change (a drag of a slider writes once, when it ends) by another
    QSettings object on the same file, which lives in a Qt thread with no Python in it: its
    C++ event handler writes, with the GIL free. QSettings objects of one file share their
    keys (and a lock), so that object writes this one's changes, and other QSettings
    objects of the process see a change at once, as before. ``sync()`` still writes at
    once, where it is called; the window's close calls it, and the store writes as it goes.
    """

    def __init__(self, *args):
        super().__init__(*args)
        self._sync_timer = QTimer(self)
        self._sync_timer.setSingleShot(True)
        self._sync_timer.setInterval(SYNC_AFTER_MS)
        self._sync_timer.timeout.connect(self._write_in_background)
        # The writer is made now, while nothing waits to be written: a QSettings object
        # writes its file's pending changes as it is made (in the thread that makes it).
        self._writer = None
        if self.format() == QSettings.Format.IniFormat and QCoreApplication.instance():
            self._writer = _writer_for(self.fileName())

    def setValue(self, key: str, value) -> None:  # noqa: N802 - Qt's name
        super().setValue(key, value)
        self._sync_soon()

    def remove(self, key: str) -> None:
        super().remove(key)
        self._sync_soon()

    def _sync_soon(self) -> None:
        if QAbstractEventDispatcher.instance() is None:  # (the app has gone: written as the
            return  # store goes)
        self._sync_timer.start()

    def _write_in_background(self) -> None:
        if self._writer is None:  # (a store of another kind, or made before the app: here)
            self.sync()
            return
        QCoreApplication.postEvent(self._writer, QEvent(QEvent.Type.UpdateRequest))

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.UpdateRequest:  # (QSettings' write on the next turn)
            if not self._sync_timer.isActive():
                self._sync_timer.start()  # (a change made past setValue/remove: e.g. clear)
            return True
        return super().event(event)


#: The thread that writes settings files, and its QSettings object for each file.
_WRITER_THREAD: QThread | None = None
_WRITERS: dict[str, QSettings] = {}


def _writer_for(path: str) -> QSettings:
    """The QSettings object that writes ``path``, in the writing thread (started once, and
    stopped as the process ends). An ``UpdateRequest`` event posted to it writes the file:
    QSettings' own handler, in C++, on that thread. (Kept for the process: a QObject of
    another thread is not deleted from this one.)"""
    global _WRITER_THREAD
    if _WRITER_THREAD is None:
        _WRITER_THREAD = QThread()
        _WRITER_THREAD.setObjectName("clusterlab-settings")
        _WRITER_THREAD.start()
        atexit.register(stop_writing)
    writer = _WRITERS.get(path)
    if writer is None:
        writer = _WRITERS[path] = QSettings(path, QSettings.Format.IniFormat)
        writer.moveToThread(_WRITER_THREAD)
    return writer


def stop_writing() -> None:
    """Let the writing thread finish what was asked of it and stop (at the process's end: a
    QThread still running as Python goes would abort the process)."""
    global _WRITER_THREAD
    thread, _WRITER_THREAD = _WRITER_THREAD, None
    if thread is not None:
        thread.quit()
        thread.wait()
    _WRITERS.clear()


def settings() -> QSettings:
    """The application's settings store (INI format, per user)."""
    return SettingsStore(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORG, APP)


def open_settings() -> tuple[QSettings, str | None]:
    """The settings store, read defensively at start: (store, what happened or None).

    A settings file QSettings cannot parse (cut short by a crash) or cannot read (a
    folder, no permission) would be ignored, and then never saved again: it is moved
    aside (``*.unreadable-<date-time>``) and ClusterLab starts with its defaults; the
    sentence says where the old file is.
    """
    from core.storage import set_aside

    store = settings()
    store.allKeys()  # QSettings parses on first use; status() says how that went
    status = store.status()
    if status == QSettings.Status.NoError:
        return store, None
    path = Path(store.fileName())
    del store
    aside = set_aside(path) if path.exists() else None
    store = settings()
    if aside is None:
        return store, (f"The settings file {path} could not be read; ClusterLab starts with "
                       "its default settings.")
    return store, (f"The settings file '{path.name}' could not be read; it was kept as "
                   f"{aside.name} in {aside.parent}, and ClusterLab starts with its default "
                   "settings.")
