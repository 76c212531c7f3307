"""The Data lab page: look at a dataset before clustering it."""

from gui.pages.data.page import DataPage

__all__ = ["DataPage"]
