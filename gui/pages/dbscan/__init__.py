"""The DBSCAN lab page (see ``page.py``)."""

from gui.pages.dbscan.page import DBSCANPage

__all__ = ["DBSCANPage"]
