"""The segmentation lab page (being moved into this package)."""

from gui.pages.segmentation_page import SegmentationPage

__all__ = ["SegmentationPage"]
