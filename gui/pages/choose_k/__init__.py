"""The choose_k lab page (being moved into this package)."""

from gui.pages.choose_k_page import ChooseKPage

__all__ = ["ChooseKPage"]
