"""The dbscan lab page (being moved into this package)."""

from gui.pages.dbscan_page import DBSCANPage

__all__ = ["DBSCANPage"]
