"""The data lab page (being moved into this package)."""

from gui.pages.data_page import DataPage

__all__ = ["DataPage"]
