"""Where ClusterLab keeps its settings and the user's work.

``CLUSTERLAB_DATA_DIR`` overrides the data folder (the tests point it at a
temporary folder); settings are an INI file in the user's config folder.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths

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


def settings() -> QSettings:
    """The application's settings store (INI format, per user)."""
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORG, APP)


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
