"""The segmentation page's jobs: one-line calls into :mod:`core.segmentation`, run by the
task runner (tests monkeypatch these names)."""

from __future__ import annotations

from core.images import sample_image
from core.segmentation import (
    PREVIEW_SIDE,
    STRIP_SIDE,
    chapter_strip,
    highlight,
    save_image,
    save_palette,
    segment_for_display,
)
from gui.tasks import estimate_cost

__all__ = ["PREVIEW_SIDE", "STRIP_SIDE", "cost", "highlight_job", "save_image_job",
           "save_palette_job", "segment_job", "strip_job"]


def cost(n_pixels: int, k: int = 1) -> float:
    """The task runner's estimate for work over ``n_pixels`` RGB pixels with ``k`` colours."""
    return estimate_cost(n_pixels, 3, k)


def segment_job(image, sample: str | None, k: int, seed: int, progress=None):
    """(prepared image, shown segmentation): ``image`` is a PreparedImage, an RGB array, or
    None with ``sample`` the name of a sample photo."""
    return segment_for_display(image if image is not None else sample_image(sample), k, seed,
                               progress, max_side=PREVIEW_SIDE)


def highlight_job(view, index: int):
    return highlight(view, index)


def strip_job(image, seed: int, progress=None):
    return chapter_strip(image, seed, progress, max_side=STRIP_SIDE)


def save_image_job(path: str, image) -> None:
    save_image(path, image)


def save_palette_job(path: str, seg) -> None:
    save_palette(path, seg)
