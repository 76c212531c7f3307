"""The Image segmentation page (see :mod:`gui.pages.segmentation.page`)."""

from gui.pages.segmentation.page import SegmentationPage

__all__ = ["SegmentationPage"]
