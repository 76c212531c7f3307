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
    """The folder for the user's saved work (labels, sessions), created if needed."""
    override = os.environ.get("CLUSTERLAB_DATA_DIR")
    if override:
        path = Path(override)
    else:
        base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.GenericDataLocation)
        path = Path(base or Path.home() / ".local" / "share") / "clusterlab"
    path.mkdir(parents=True, exist_ok=True)
    return path


def settings() -> QSettings:
    """The application's settings store (INI format, per user)."""
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORG, APP)
