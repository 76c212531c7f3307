"""The segmentation page's tabs: the segmented photo, and the chapter's figure."""

from .segmented import SegmentedTab
from .strip import StripTab

__all__ = ["SegmentedTab", "StripTab"]
