"""The Digits: labelling lab page: hand-label representative digits, propagate the labels,
then active learning (see :mod:`gui.pages.digits_labelling.page`)."""

from gui.pages.digits_labelling.page import DigitsLabellingPage

__all__ = ["DigitsLabellingPage"]
