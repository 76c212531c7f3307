"""The digits_labelling lab page (being moved into this package)."""

from gui.pages.digits_labelling_page import DigitsLabellingPage

__all__ = ["DigitsLabellingPage"]
