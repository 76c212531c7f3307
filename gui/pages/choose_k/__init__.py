"""The "Choosing k" lab page (see page.py)."""

from gui.pages.choose_k.page import ChooseKPage

__all__ = ["ChooseKPage"]
