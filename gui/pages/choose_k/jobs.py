"""The page's one job, run by the TaskRunner: load the data's view and study k (core)."""

from __future__ import annotations

from core.selection import study_k
from gui.pages.choose_k.state import REGION_RESOLUTION, ChooseKResult
from gui.widgets.palette import colors_for_labels


def sweep(ctx, key: str, ks: list[int], random_state: int, sample_limit: int | None,
          progress=None) -> ChooseKResult:
    """The dataset ``key``, its 2-D view, ``core.selection.study_k`` of it and every k's
    point colours (worker side: nothing is left to compute when a k is selected)."""
    ds, projection = ctx.load_view(key)
    study = study_k(ds.X, ks, projection=projection, random_state=random_state,
                    sample_limit=sample_limit, region_resolution=REGION_RESOLUTION,
                    name=f"'{ds.name}'", progress=progress)
    return ChooseKResult(ds, projection, study, tuple(
        colors_for_labels(labels, int(k)) for k, labels in zip(study.sweep.ks, study.sweep.labels)))
