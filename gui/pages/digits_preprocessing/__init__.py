"""The digits_preprocessing lab page (being moved into this package)."""

from gui.pages.digits_preprocessing_page import DigitsPreprocessingPage

__all__ = ["DigitsPreprocessingPage"]
