"""The DBSCAN page's work: one-line calls into ``core.density``, and their estimated cost
(rows x features x k, see :func:`gui.tasks.estimate_cost`) so cheap work runs inline and
the rest on a worker thread."""

from __future__ import annotations

import time

import numpy as np

from core.density import k_distances, knn_classify, knn_regions, neighbor_index, run_dbscan
from core.progress import scaled
from core.storage import save_json
from gui.tasks import estimate_cost
from gui.widgets.dbscan_plot import SIZED_MAX, cluster_colors

#: Columns of the decision-region grid.
REGION_RESOLUTION = 240


def load(ctx, key: str):
    """The dataset, its 2-D view, the view's bounds and the neighbour index (always a
    worker: reading a file and building trees)."""
    # (scikit-learn's KNN is imported here, on the worker: the first KNN may run inline, and
    # importing scikit-learn takes about a second)
    import sklearn.neighbors  # noqa: F401

    ds, proj = ctx.load_view(key)
    bounds = (proj.coords.min(axis=0), proj.coords.max(axis=0))
    return key, ds, proj, bounds, neighbor_index(ds.X, proj.coords)


def save(path, doc: dict) -> None:
    """Write the page's per-dataset work (atomically: temp file, fsync, rename)."""
    save_json(path, doc)


def _colors(result):
    """A big cloud is drawn by colour only: its per-point colours, prepared here."""
    return cluster_colors(result) if result.labels.size > SIZED_MAX else None


def dbscan(X, eps: float, min_samples: int, index=None, progress=None):
    """The clustering, the time it took and (a big cloud) its colours; ``index`` (the
    dataset's neighbour index) spares building trees, which holds the GIL."""
    t0 = time.perf_counter()
    result = run_dbscan(X, eps, min_samples, index=index, progress=progress)
    return result, time.perf_counter() - t0, _colors(result)


def kdist(X, k: int, index=None, progress=None):
    return k_distances(X, k, index=index, progress=progress)


def knn(X, result, X_new, n_neighbors: int, max_distance: float):
    return knn_classify(X, result, X_new, n_neighbors, max_distance)


def regions(X, result, x_range, y_range, n_neighbors: int, max_distance: float, lift,
            progress=None):
    return knn_regions(X, result, x_range, y_range, resolution=REGION_RESOLUTION,
                       n_neighbors=n_neighbors, max_distance=max_distance, lift=lift,
                       progress=progress)


def compare(X, eps_a: float, eps_b: float, min_samples: int, index=None, progress=None):
    a = run_dbscan(X, eps_a, min_samples, index=index, progress=scaled(progress, 0.0, 0.5))
    b = run_dbscan(X, eps_b, min_samples, index=index, progress=scaled(progress, 0.5, 1.0))
    return (a, b), (_colors(a), _colors(b))


def hover_count(index, point: np.ndarray, eps: float) -> int:
    return index.count_within(point, eps)


# -- costs ------------------------------------------------------------------------------------
def _log2(n: int) -> int:
    return max(1, int(n).bit_length())


def dbscan_cost(X, min_samples: int, runs: int = 1) -> float:
    """A tree over X, a kNN query per point, the components: n·d·(log n + min_samples)."""
    n, d = X.shape
    return estimate_cost(n, d, _log2(n) + max(min_samples, 1), passes=2 * runs)


def kdist_cost(X, k: int) -> float:
    n, d = X.shape
    return estimate_cost(n, d, _log2(n) + k + 1, passes=2)


def knn_cost(X, result, m: int, n_neighbors: int) -> float:
    """Checking the whole data (a pass over X), fitting the KNN on the core samples, then m
    queries of n_neighbors. (Without the pass, one instance added beside a few core samples
    of 150,000 x 64 points counted as cheap and held the GUI thread ~50 ms.)"""
    n, d = X.shape
    n_core = result.n_core
    return (estimate_cost(n, d) + estimate_cost(n_core, d, _log2(n_core))
            + estimate_cost(m, d, n_neighbors, _log2(n_core)))


def regions_cost(X, result, cells: int, n_neighbors: int) -> float:
    return knn_cost(X, result, cells, n_neighbors)


def hover_cost(X) -> float:
    """One neighbourhood count: up to every point in many dimensions (trees degrade)."""
    n, d = X.shape
    return estimate_cost(n, d) if d > 3 else estimate_cost(_log2(n), d, 64)


__all__ = ["compare", "dbscan", "hover_count", "kdist", "knn", "load", "regions"]
