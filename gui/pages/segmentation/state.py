"""The segmentation page's state, Qt-free: its parameters and its last frozen results.

The parameters (:class:`Params`) are what the controls say; the results are frozen core
objects: the prepared images (colour bins + the reduced copy drawn), the segmentation on
screen (:class:`Shown`), the highlighted picture (:class:`Painted`) and the chapter's
figure (:class:`StripShown`). The tabs draw this state; they never compute.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace

import numpy as np

from core.segmentation import PreparedImage, ShownSegmentation, Strip

SAMPLES = {"sample:china": ("china.jpg (sample photo)", "china"),
           "sample:flower": ("flower.jpg (sample photo)", "flower")}
DEFAULT_IMAGE = "sample:china"
DEFAULT_K = 8  # the chapter's KMeans(n_clusters=8) on the photo's colours
DEFAULT_SEED = 42
K_MIN, K_MAX = 2, 64
MODES = ("side", "overlay")
MAX_CACHED_IMAGES = 3
LARGE_PIXELS = 4_000_000  # a larger image's colour table is dropped when another is shown


def clamp_k(k: int) -> int:
    return min(K_MAX, max(K_MIN, int(k)))


@dataclass(frozen=True)
class Params:
    """What the controls ask for."""

    image: str = DEFAULT_IMAGE
    k: int = DEFAULT_K
    seed: int = DEFAULT_SEED
    mode: str = "side"
    split: int = 500  # thousandths of the width
    highlight: int = -1  # the selected palette colour, -1: none


@dataclass(frozen=True)
class Shown:
    """The segmentation on screen: of which image, with which k and seed."""

    key: str
    title: str
    k: int
    seed: int
    image: PreparedImage
    view: ShownSegmentation

    @property
    def seg(self):
        return self.view.seg


@dataclass(frozen=True)
class Painted:
    """The segmented picture with palette colour ``index`` highlighted (computed by a job)."""

    shown: Shown
    index: int
    image: np.ndarray


@dataclass(frozen=True)
class StripShown:
    key: str
    title: str
    seed: int
    shape: tuple[int, int]
    strip: Strip


@dataclass
class SegmentationState:
    params: Params = field(default_factory=Params)
    images: dict[str, PreparedImage] = field(default_factory=dict)
    shown: Shown | None = None
    painted: Painted | None = None
    strip: StripShown | None = None
    strip_pending: tuple[str, int] | None = None
    strip_progress: float | None = None
    strip_error: str | None = None
    titles: dict[str, str] = field(default_factory=dict)  # image key -> title, in menu order
    image_codes: dict[str, str] = field(default_factory=dict)  # image key -> code reading it
    loading: str | None = None  # the title of an image being loaded for the first time

    # -- parameters -----------------------------------------------------------------------
    def set(self, **changes) -> Params:
        self.params = replace(self.params, **changes)
        return self.params

    def to_json(self) -> str:
        """The parameters (the page has no other hand-made work)."""
        return json.dumps(asdict(self.params), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> SegmentationState:
        known = set(Params.__dataclass_fields__)
        values = {k: v for k, v in json.loads(text).items() if k in known}
        return cls(params=Params(**values))

    def title_of(self, key: str) -> str:
        return self.titles.get(key, key)

    # -- results ---------------------------------------------------------------------------
    def remember(self, key: str, image: PreparedImage) -> None:
        """Keep a few prepared images for the slider; a large one only while it is shown."""
        self.images.pop(key, None)
        self.images[key] = image
        for other in [k for k, v in self.images.items()
                      if k != key and v.n_pixels > LARGE_PIXELS]:
            del self.images[other]
        while len(self.images) > MAX_CACHED_IMAGES:
            del self.images[next(iter(self.images))]

    def show(self, shown: Shown) -> None:
        self.remember(shown.key, shown.image)
        self.shown = shown
        self.painted = None
        self.params = replace(self.params, highlight=-1)

    def displayed(self) -> np.ndarray | None:
        """The reduced segmented picture as it should be drawn (with the highlight once
        its job delivered it)."""
        s = self.shown
        if s is None:
            return None
        p = self.painted
        if (self.params.highlight >= 0 and p is not None and p.shown is s
                and p.index == self.params.highlight):
            return p.image
        return s.view.segmented

    def strip_wanted(self) -> tuple[str, int] | None:
        """(image key, seed) the chapter's figure should show, when it is not shown yet."""
        if self.shown is None:
            return None
        want = (self.shown.key, self.shown.seed)
        have = None if self.strip is None else (self.strip.key, self.strip.seed)
        return None if want in (have, self.strip_pending) else want
