"""The DBSCAN lab page (see ``page.py``).

``DBSCANPage`` is imported on first use, so the Qt-free modules of the package
(``state``, ``snippets``) can be used without Qt.
"""

from __future__ import annotations

from typing import Any

__all__ = ["DBSCANPage"]


def __getattr__(name: str) -> Any:
    if name == "DBSCANPage":
        from gui.pages.dbscan.page import DBSCANPage

        return DBSCANPage
    raise AttributeError(name)
