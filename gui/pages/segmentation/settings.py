"""The segmentation page's settings, declared once (QSettings group ``segmentation``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from gui.persist import PageSettings

from .state import DEFAULT_IMAGE, DEFAULT_K, DEFAULT_SEED, K_MAX, K_MIN, MODES, clamp_k


@dataclass
class SegmentationSettings(PageSettings):
    SECTION: ClassVar[str] = "segmentation"
    VERSION: ClassVar[int] = 2

    image: str = DEFAULT_IMAGE  # "sample:china", "sample:flower" or an opened image's key
    k: int = DEFAULT_K
    seed: int = DEFAULT_SEED
    mode: str = "side"  # "side" (next to each other) or "overlay" (a split line)
    split: int = 500  # where the overlay's split line is, in thousandths of the width

    @classmethod
    def migrate(cls, values: dict, version: int) -> dict:
        """0.1.0 (version 1) wrote only ``segmentation/k``, as a string, whatever it was."""
        out: dict = {}
        if version < 2:
            try:
                out["k"] = clamp_k(int(float(values.get("k", DEFAULT_K))))
            except (TypeError, ValueError):
                pass
        return out

    def __post_init__(self) -> None:
        self.k = min(K_MAX, max(K_MIN, int(self.k)))
        if self.mode not in MODES:
            self.mode = "side"
        self.split = min(1000, max(0, int(self.split)))
        self.seed = max(0, int(self.seed))
