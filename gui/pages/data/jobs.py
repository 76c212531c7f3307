"""The Data page's work, run by the TaskRunner: load + project, and colour every point."""

from __future__ import annotations

import numpy as np

from core.datasets import Dataset, load_table
from gui.pages.data.state import Shown
from gui.tasks import estimate_cost
from gui.widgets.palette import colors_for_labels
from gui.widgets.scatter import RasterRequest, data_bounds

#: one grey for unlabelled points
GREY = np.array([[40, 40, 40, 255]], dtype=np.uint8)


def load(load_view, key: str, by_labels: bool, progress=None) -> Shown:
    """``load_view`` (the AppContext's shared cache: the dataset and its 2-D view), with a
    colour per point and the view's bounds; a file being read reports to ``progress``."""
    ds, projection = load_view(key, progress)
    return Shown(ds, projection, point_colors(ds, by_labels), data_bounds(projection.coords),
                 by_labels)


def relabel(ds: Dataset, column: str | None, progress=None, **fixes) -> Dataset:
    """The dataset's file read again with ``column`` as its labels (None: no labels); the
    other text columns are ignored, as the person chose among them. ``fixes``: more
    guided fixes (``drop_invalid=True``)."""
    options = {**ds.extra.get("load_options", {}), "drop_text": True, **fixes}
    return load_table(ds.source, target=column, progress=progress, **options)


def recolor(shown: Shown, by_labels: bool) -> Shown:
    return Shown(shown.dataset, shown.projection, point_colors(shown.dataset, by_labels),
                 shown.bounds, by_labels)


def point_colors(ds: Dataset, by_labels: bool) -> np.ndarray:
    """(n, 4) uint8: pixel colours, true-label colours, or one grey."""
    n = ds.n_samples
    if by_labels and "rgb" in ds.extra:
        rgba = np.empty((n, 4), dtype=np.uint8)
        rgba[:, :3] = ds.extra["rgb"]
        rgba[:, 3] = 255
        return rgba
    if by_labels and ds.y is not None:
        return colors_for_labels(ds.y, int(ds.y.max()) + 1)
    return np.repeat(GREY, n, axis=0)


def load_cost(ctx, key: str) -> float | None:
    """rows x features x 2 of projecting a dataset already in memory; None (unknown: a
    worker thread) when it must be read first."""
    ds = ctx.cached_dataset(key)
    return None if ds is None else estimate_cost(ds.n_samples, ds.n_features, 2)


def recolor_cost(shown: Shown) -> float:
    return estimate_cost(shown.dataset.n_samples, 4)


def rasterize(request: RasterRequest, progress=None) -> np.ndarray:
    """The scatter's index canvas for many points (see gui.widgets.scatter); stops once a
    newer one is wanted."""
    return request.rasterize(progress)


#: numpy passes over the points of one canvas (scale, floor, test, scatter, ...)
RASTER_PASSES = 10


def raster_cost(request: RasterRequest) -> float:
    return estimate_cost(len(request.xy), 2, 1, RASTER_PASSES)
