"""The Digits: preprocessing lab page (K-Means as a preprocessing step)."""

from gui.pages.digits_preprocessing.page import DigitsPreprocessingPage

__all__ = ["DigitsPreprocessingPage"]
