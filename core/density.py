"""Density-based clustering: DBSCAN with bounded memory, k-distance curves, and
the chapter's KNN classifier for new instances.

``run_dbscan(X, eps, min_samples)`` gives the same clustering as
``sklearn.cluster.DBSCAN(eps=eps, min_samples=min_samples).fit(X)``: the same
core samples, the same noise, the same clusters numbered the same way (in the
order of their first core sample), and every border sample in the cluster
scikit-learn puts it in (the lowest-numbered cluster among its core
neighbours). scikit-learn keeps every eps-neighbourhood in memory at once (its
peak grows with n × the mean neighbourhood size); this module never does:

* For one to three features, points are binned into a grid of cells of side
  ``eps / sqrt(d)``. Any two points of one cell are closer than eps, so a cell
  holding at least ``min_samples`` points makes all of them core samples and
  all its core samples belong to one cluster. Only points of sparser cells
  need a neighbour count (a k-nearest-neighbour query, ``min_samples``
  neighbours each), and only pairs of neighbouring cells need a
  connectivity test (bounding boxes, then the two extreme core samples along
  the offset, then an exact test in bounded blocks). The cost depends on the
  number of cells, not on the number of neighbour pairs.
* With more features, neighbourhoods of core samples are queried in chunks
  sized from an estimate of the mean neighbourhood (measured on a sample
  before the work starts); each chunk's core–core edges are reduced to the
  components they join and merged into a global label array. If even small
  chunks would exceed ``memory_limit``, :class:`DataError` says so before the
  work starts.
* Border samples (non-core points with a core sample within eps) have fewer
  than ``min_samples`` neighbours by definition, so their queries are small.

``k_distances`` and ``suggest_eps`` help choose eps; ``knn_classify`` is the
chapter's way to assign new instances to clusters (or call them anomalies).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from core.errors import DataError
from core.progress import ProgressFn, report, scaled
from core.validation import as_data_matrix

#: Default bound on the working memory of :func:`run_dbscan`, in bytes.
DEFAULT_MEMORY_LIMIT = 1 << 30

#: Bytes one neighbour pair costs while a chunk of neighbourhoods is processed
#: (sklearn's index array, our row/column arrays, their roots and the sort).
_BYTES_PER_EDGE = 64
#: Bytes per point the whole run needs besides the chunks (tree, masks, labels).
_BYTES_PER_POINT_BASE = 120
#: Fewer rows than this per chunk and the per-chunk overhead dominates.
MIN_CHUNK_ROWS = 32
#: Number of elements of one block of the exact cell-pair test.
_PAIR_BLOCK = 1 << 21
#: Rows per chunk of the k-nearest-neighbour queries.
_KNN_CHUNK = 20_000
#: Up to this many new instances, the KNN compares them with every core sample.
_BRUTE_MAX_INSTANCES = 256


@dataclass(frozen=True)
class DBSCANResult:
    """The outcome of :func:`run_dbscan`, like scikit-learn's fitted ``DBSCAN``.

    ``labels`` (n,) int64, -1 for noise (anomalies); ``core_indices`` the
    sorted indices of the core samples (scikit-learn's
    ``core_sample_indices_``); ``core_mask``/``border_mask`` boolean (n,).
    """

    labels: np.ndarray
    core_indices: np.ndarray
    core_mask: np.ndarray
    border_mask: np.ndarray
    n_clusters: int
    n_noise: int
    eps: float
    min_samples: int
    method: str = "grid"

    @property
    def noise_mask(self) -> np.ndarray:
        return self.labels < 0

    @property
    def n_core(self) -> int:
        return int(self.core_indices.size)

    @property
    def n_border(self) -> int:
        return int(np.count_nonzero(self.border_mask))

    def core_labels(self) -> np.ndarray:
        """The cluster of every core sample, in the order of ``core_indices``."""
        return self.labels[self.core_indices]


@dataclass(frozen=True)
class KDistances:
    """Every point's distance to its k-th nearest neighbour (the point itself not counted).

    ``distances`` is sorted in increasing order (the k-distance curve);
    ``point_distances`` holds the same values in the order of the rows of X.
    ``knee_index`` is the position of the knee in ``distances`` and ``knee``
    its value (see :func:`knee_of_curve`). With ``k = min_samples - 1``, a
    point is a core sample of ``DBSCAN(eps, min_samples)`` exactly when its
    k-distance is at most eps.
    """

    k: int
    distances: np.ndarray
    point_distances: np.ndarray
    knee_index: int
    knee: float


@dataclass(frozen=True)
class KNNPrediction:
    """Clusters predicted for new instances by a KNN fitted on the core samples.

    ``labels`` (m,): the classifier's prediction, or -1 (anomaly) where the
    nearest core sample is farther than ``max_distance``; ``probabilities``
    (m, len(classes)) from ``predict_proba``, columns in the order of
    ``classes``; ``probability`` (m,) the probability of the predicted class
    (the largest one; 0 when there is no cluster at all); ``distances`` (m,)
    the distance to the nearest core sample and ``nearest_labels`` its cluster
    (the chapter's ``y_pred`` before the anomaly test).
    """

    labels: np.ndarray
    probabilities: np.ndarray
    classes: np.ndarray
    probability: np.ndarray
    distances: np.ndarray
    nearest_labels: np.ndarray
    n_neighbors: int
    max_distance: float


@dataclass(frozen=True)
class RegionGrid:
    """KNN predictions on a regular grid (row 0 at ``y_range[0]``), for a background."""

    labels: np.ndarray
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    n_classes: int


@dataclass(frozen=True)
class NeighborIndex:
    """A KD-tree over the data (for neighbour counts) and one over its 2-D view (for picking).

    Build it once in a worker with :func:`neighbor_index`; its queries of a
    single point take microseconds, so a GUI may call them on mouse moves.
    """

    tree: object = field(repr=False)
    view_tree: object = field(repr=False)
    n_samples: int = 0

    def count_within(self, point: np.ndarray, eps: float) -> int:
        """Number of data points within ``eps`` of ``point`` (a point counts itself)."""
        p = np.asarray(point, dtype=np.float64).reshape(1, -1)
        return int(self.tree.query_radius(p, r=float(eps), count_only=True)[0])

    def nearest_in_view(self, x: float, y: float) -> tuple[int, float]:
        """(index, distance) of the point drawn nearest to (x, y) in the 2-D view."""
        dist, ind = self.view_tree.query(np.array([[x, y]], dtype=np.float64), k=1)
        return int(ind[0, 0]), float(dist[0, 0])


# --------------------------------------------------------------------------- validation

def _check_X(X, what: str = "The data") -> np.ndarray:
    return as_data_matrix(X, what, purpose="DBSCAN")


def _check_eps(eps) -> float:
    try:
        eps = float(eps)
    except (TypeError, ValueError) as exc:
        raise DataError(f"eps must be a number, not {eps!r}.") from exc
    if not math.isfinite(eps) or eps <= 0:
        raise DataError(f"eps must be a positive distance, not {eps:g}.")
    return eps


def _check_min_samples(min_samples) -> int:
    if isinstance(min_samples, bool) or not float(min_samples).is_integer():
        raise DataError(f"min_samples must be a whole number, not {min_samples!r}.")
    min_samples = int(min_samples)
    if min_samples < 1:
        raise DataError(f"min_samples must be at least 1, not {min_samples}.")
    return min_samples


def _human_bytes(n: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"  # pragma: no cover


class _Tree:
    """A KD-tree (scipy's ``cKDTree``) behind the two calls of scikit-learn's trees used here.

    scikit-learn's ``KDTree``/``BallTree`` hold Python's GIL while they are built
    (2.4 s for 1,000,000 x 2 points, 3.9 s for 150,000 x 64 on this machine), so
    a GUI computing on a worker thread froze; ``cKDTree`` builds and queries
    without it. Neighbour lists are made in blocks, so the GIL is taken only
    briefly at a time.
    """

    _BLOCK = 256

    def __init__(self, X: np.ndarray):
        from scipy.spatial import cKDTree

        self._tree = cKDTree(X)

    def query(self, Q: np.ndarray, k: int = 1, return_distance: bool = True,
              sort_results: bool = True):
        """The k nearest points of each row of Q, nearest first: (distances, indices)."""
        dist, ind = self._tree.query(Q, k=int(k))
        if int(k) == 1:
            dist, ind = dist[:, None], ind[:, None]
        return (dist, ind.astype(np.intp)) if return_distance else ind.astype(np.intp)

    def query_radius(self, Q: np.ndarray, r: float, count_only: bool = False,
                     return_distance: bool = False):
        """The points within ``r`` of each row of Q (indices), or how many."""
        if count_only:
            return np.asarray(self._tree.query_ball_point(Q, r, return_length=True),
                              dtype=np.int64).reshape(-1)
        out = np.empty(Q.shape[0], dtype=object)
        for start in range(0, Q.shape[0], self._BLOCK):
            lists = self._tree.query_ball_point(Q[start:start + self._BLOCK], r)
            for j, found in enumerate(lists):
                out[start + j] = np.asarray(found, dtype=np.intp)
        return out


def _tree(X: np.ndarray) -> _Tree:
    return _Tree(X)


def _index_tree(index: NeighborIndex | None, X: np.ndarray):
    """The tree of ``index`` over X (None without an index)."""
    if index is None:
        return None
    if index.n_samples != X.shape[0]:
        raise DataError("This neighbour index was built on other data.")
    return index.tree


def _flatten(neigh, pos: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(count per query, concatenated indices) of a ``query_radius`` answer; with ``pos``,
    indices are mapped through it and those mapped to -1 dropped."""
    lengths = np.fromiter((a.size for a in neigh), dtype=np.int64, count=len(neigh))
    flat = (np.concatenate(list(neigh)).astype(np.int64) if len(neigh)
            else np.empty(0, np.int64))
    if pos is not None:
        mapped = pos[flat]
        keep = mapped >= 0
        rows = np.repeat(np.arange(len(neigh)), lengths)
        lengths = np.bincount(rows[keep], minlength=len(neigh)).astype(np.int64)
        flat = mapped[keep]
    return lengths, flat


def _unique(values: np.ndarray) -> np.ndarray:
    """The sorted distinct values, by sorting: numpy's hash-based ``np.unique`` holds the
    GIL (half a second for 2,000,000 values), its sort does not."""
    a = np.sort(np.asarray(values).ravel())
    if a.size == 0:
        return a
    keep = np.empty(a.size, dtype=bool)
    keep[0] = True
    np.not_equal(a[1:], a[:-1], out=keep[1:])
    return a[keep]


def _core_positions(n: int, core_idx: np.ndarray) -> np.ndarray:
    """Position of each point among the core samples, -1 for the others."""
    pos = np.full(n, -1, dtype=np.int64)
    pos[core_idx] = np.arange(core_idx.size)
    return pos


# --------------------------------------------------------------------------- DBSCAN

def run_dbscan(X, eps: float, min_samples: int = 5, *,
               memory_limit: int = DEFAULT_MEMORY_LIMIT, method: str = "auto",
               index: NeighborIndex | None = None,
               progress: ProgressFn | None = None) -> DBSCANResult:
    """DBSCAN of ``X`` (n, d): scikit-learn's clustering with bounded memory.

    Same core samples, noise and clusters (same numbering) as
    ``sklearn.cluster.DBSCAN(eps=eps, min_samples=min_samples).fit(X)``.
    ``memory_limit`` bounds the working memory in bytes; a :class:`DataError`
    explains, before the work starts, when the data or its neighbourhoods
    cannot be processed within it. ``method`` is ``"auto"`` (the grid for one
    to three features, else chunks), ``"grid"`` or ``"chunked"``; all give the
    same result. ``index``: a :func:`neighbor_index` of this X, whose tree is then
    used instead of building new ones (a GUI builds it once per dataset: building
    a tree holds Python's GIL, querying one does not).
    """
    if method not in ("auto", "grid", "chunked"):
        raise DataError(f"method must be 'auto', 'grid' or 'chunked', not {method!r}.")
    X = _check_X(X)
    eps = _check_eps(eps)
    min_samples = _check_min_samples(min_samples)
    n, d = X.shape
    base = n * (_BYTES_PER_POINT_BASE + 16 * d)
    if base > memory_limit:
        raise DataError(
            f"Clustering {n:,} points of {d} features needs about {_human_bytes(base)} of "
            f"working memory, more than the {_human_bytes(memory_limit)} allowed; "
            "cluster a sample of the rows instead.")
    report(progress, 0.0)
    if method == "grid" and d > 3:
        raise DataError(f"The grid method works with one to three features; the data has {d}.")
    tree = _index_tree(index, X)
    grid = _grid_geometry(X, eps) if (d <= 3 and method != "chunked") else None
    if grid is not None:
        result = _dbscan_grid(X, eps, min_samples, grid, memory_limit, progress, tree)
    else:
        result = _dbscan_chunked(X, eps, min_samples, memory_limit, progress, tree)
    report(progress, 1.0)
    return result


def _finish(labels_core: np.ndarray, core_idx: np.ndarray, n: int, border_idx: np.ndarray,
            border_labels: np.ndarray, eps: float, min_samples: int, method: str) -> DBSCANResult:
    labels = np.full(n, -1, dtype=np.int64)
    labels[core_idx] = labels_core
    labels[border_idx] = border_labels
    core_mask = np.zeros(n, dtype=bool)
    core_mask[core_idx] = True
    border_mask = (~core_mask) & (labels >= 0)
    n_clusters = int(labels_core.max()) + 1 if labels_core.size else 0
    for arr in (labels, core_idx, core_mask, border_mask):
        arr.setflags(write=False)
    return DBSCANResult(labels=labels, core_indices=core_idx, core_mask=core_mask,
                        border_mask=border_mask, n_clusters=n_clusters,
                        n_noise=int(np.count_nonzero(labels < 0)), eps=eps,
                        min_samples=min_samples, method=method)


def _number_components(comp_of_core: np.ndarray, n_comp: int, core_idx: np.ndarray) -> np.ndarray:
    """Renumber components in the order of their first core sample (as dbscan_inner does)."""
    first = np.full(n_comp, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first, comp_of_core, core_idx)
    order = np.argsort(first, kind="stable")
    rank = np.empty(n_comp, dtype=np.int64)
    rank[order] = np.arange(n_comp)
    return rank[comp_of_core]


def _core_by_knn(X: np.ndarray, rows: np.ndarray, min_samples: int, tree,
                 memory_limit: int, progress: ProgressFn | None) -> np.ndarray:
    """Whether each row of ``rows`` has at least ``min_samples`` points within eps.

    Returns the ``min_samples``-th smallest distance (the point itself included)
    of each row; the caller compares it with eps.
    """
    out = np.empty(rows.size, dtype=np.float64)
    per_row = 16 * min_samples + 64
    step = int(max(1, min(_KNN_CHUNK, memory_limit // 8 // per_row)))
    for start in range(0, rows.size, step):
        sel = rows[start:start + step]
        dist, _ = tree.query(X[sel], k=min_samples, return_distance=True, sort_results=True)
        out[start:start + step] = dist[:, -1]
        report(progress, (start + sel.size) / max(1, rows.size))
    return out


def _count_within(X: np.ndarray, rows: np.ndarray, eps: float, tree,
                  progress: ProgressFn | None) -> np.ndarray:
    counts = np.empty(rows.size, dtype=np.int64)
    step = 5000
    for start in range(0, rows.size, step):
        sel = rows[start:start + step]
        counts[start:start + step] = tree.query_radius(X[sel], r=eps, count_only=True)
        report(progress, (start + sel.size) / max(1, rows.size))
    return counts


def _core_mask_for(X, rows, eps, min_samples, tree, memory_limit, progress) -> np.ndarray:
    """Core test for ``rows``: a kNN query for small min_samples, a count otherwise."""
    n = X.shape[0]
    if min_samples > n:
        return np.zeros(rows.size, dtype=bool)
    if min_samples <= 128:
        kth = _core_by_knn(X, rows, min_samples, tree, memory_limit, progress)
        return kth <= eps
    return _count_within(X, rows, eps, tree, progress) >= min_samples


def _assign_border(X: np.ndarray, core_idx: np.ndarray, labels_core: np.ndarray,
                   candidates: np.ndarray, eps: float, min_samples: int, core_tree,
                   memory_limit: int, progress: ProgressFn | None,
                   core_pos: np.ndarray | None = None):
    """Border samples among ``candidates`` (non-core) and their clusters.

    A non-core point has fewer than ``min_samples`` neighbours, so each query
    returns fewer than ``min_samples`` core samples: chunks stay small. It joins
    the lowest-numbered cluster among its core neighbours, like scikit-learn.
    ``core_tree`` is over the core samples, or, with ``core_pos``
    (:func:`_core_positions`), over all of X.
    """
    if candidates.size == 0 or core_idx.size == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    found_idx, found_lab = [], []
    per_row = 48 * min_samples + 200
    step = int(max(1, min(20_000, memory_limit // 8 // per_row)))
    for start in range(0, candidates.size, step):
        sel = candidates[start:start + step]
        neigh = core_tree.query_radius(X[sel], r=eps, return_distance=False)
        lengths, flat = _flatten(neigh, core_pos)
        has = lengths > 0
        if has.any():
            labs = labels_core[flat]
            starts = np.concatenate([[0], np.cumsum(lengths[has])[:-1]])
            found_idx.append(sel[has])
            found_lab.append(np.minimum.reduceat(labs, starts))
        report(progress, (start + sel.size) / candidates.size)
    if not found_idx:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    return np.concatenate(found_idx), np.concatenate(found_lab)


# -- the grid method (one to three features) -----------------------------------------------------

@dataclass(frozen=True)
class _Grid:
    side: float
    origin: np.ndarray
    shape: np.ndarray  # cells per dimension, padded by 2 on each side
    strides: np.ndarray
    offsets: np.ndarray  # (m, d) neighbour offsets, lexicographically positive half


def _grid_geometry(X: np.ndarray, eps: float) -> _Grid | None:
    n, d = X.shape
    side = eps / math.sqrt(d) * (1.0 - 1e-9)
    lo = X.min(axis=0)
    span = X.max(axis=0) - lo
    cells = np.floor(span / side) + 5  # 2 cells of padding on each side
    if not np.all(np.isfinite(cells)) or float(np.prod(cells)) >= 2.0 ** 62:
        return None
    shape = cells.astype(np.int64)
    strides = np.ones(d, dtype=np.int64)
    for k in range(d - 2, -1, -1):
        strides[k] = strides[k + 1] * shape[k + 1]
    reach = int(math.ceil(math.sqrt(d))) + 1
    rng = np.arange(-reach, reach + 1)
    grids = np.meshgrid(*([rng] * d), indexing="ij")
    offs = np.stack([g.ravel() for g in grids], axis=1)
    gap = np.maximum(np.abs(offs) - 1, 0).astype(np.float64)
    near = (gap ** 2).sum(axis=1) * side * side <= eps * eps * (1 + 1e-6)
    keys = offs @ strides
    half = near & (keys > 0)
    return _Grid(side=side, origin=lo - 2 * side, shape=shape, strides=strides,
                 offsets=offs[half])


def _dbscan_grid(X, eps, min_samples, grid: _Grid, memory_limit, progress,
                 tree=None) -> DBSCANResult:
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n, d = X.shape
    eps2 = eps * eps
    coords = np.floor((X - grid.origin) / grid.side).astype(np.int64)
    np.clip(coords, 2, grid.shape - 3, out=coords)
    key = coords @ grid.strides
    del coords
    order = np.argsort(key, kind="stable")
    skey = key[order]
    del key
    new = np.empty(n, dtype=bool)
    new[0] = True
    np.not_equal(skey[1:], skey[:-1], out=new[1:])
    cell_start = np.flatnonzero(new)
    cell_key = skey[cell_start]
    cell_count = np.diff(np.append(cell_start, n))
    cell_sorted = np.cumsum(new) - 1  # cell id of each point, in sorted order
    del new, skey
    report(progress, 0.05)

    # Core samples: everything in a dense cell; a kNN query for the rest.
    core_sorted = np.repeat(cell_count >= min_samples, cell_count)
    sparse_pos = np.flatnonzero(~core_sorted)
    full_tree = tree  # a tree over X given by the caller (else built only when needed)
    if sparse_pos.size and min_samples <= n:
        tree = tree if tree is not None else _tree(X)
        rows = order[sparse_pos]
        core_sorted[sparse_pos] = _core_mask_for(X, rows, eps, min_samples, tree, memory_limit,
                                                 scaled(progress, 0.05, 0.45))
    report(progress, 0.45)
    core_mask = np.zeros(n, dtype=bool)
    core_mask[order[core_sorted]] = True
    core_idx = np.flatnonzero(core_mask)
    if core_idx.size == 0:
        return _finish(np.empty(0, np.int64), core_idx, n, np.empty(0, np.int64),
                       np.empty(0, np.int64), eps, min_samples, "grid")

    # Core samples sorted by cell; the cells that hold some.
    cpos = np.flatnonzero(core_sorted)
    corder = order[cpos]  # original index of each core sample, grouped by cell
    ccell = cell_sorted[cpos]
    del cpos, cell_sorted, core_sorted
    P = X[corder]
    cnew = np.empty(corder.size, dtype=bool)
    cnew[0] = True
    np.not_equal(ccell[1:], ccell[:-1], out=cnew[1:])
    cstart = np.flatnonzero(cnew)
    ccount = np.diff(np.append(cstart, corder.size))
    ckey = cell_key[ccell[cstart]]
    n_cells = cstart.size
    core_cell = np.cumsum(cnew) - 1  # core-cell id of each grouped core sample
    del cnew
    lo = np.minimum.reduceat(P, cstart, axis=0)
    hi = np.maximum.reduceat(P, cstart, axis=0)

    edges_a, edges_b = [], []
    n_off = len(grid.offsets)
    for t, off in enumerate(grid.offsets):
        nb_key = ckey + int(off @ grid.strides)
        pos = np.searchsorted(ckey, nb_key)
        pos[pos >= n_cells] = 0
        ok = ckey[pos] == nb_key
        a = np.flatnonzero(ok)
        b = pos[ok]
        if a.size == 0:
            continue
        # Necessary: the bounding boxes of the two cells' core samples are within eps.
        gap = np.maximum(0.0, np.maximum(lo[b] - hi[a], lo[a] - hi[b]))
        maybe = (gap * gap).sum(axis=1) <= eps2
        a, b = a[maybe], b[maybe]
        if a.size == 0:
            continue
        # Sufficient: the core sample of a farthest along the offset and the one of b
        # farthest back are within eps.
        direction = off.astype(np.float64)
        proj = P @ direction
        pa = _arg_extreme(proj, cstart, core_cell, largest=True)
        pb = _arg_extreme(proj, cstart, core_cell, largest=False)
        diff = P[pa[a]] - P[pb[b]]
        sure = (diff * diff).sum(axis=1) <= eps2
        edges_a.append(a[sure])
        edges_b.append(b[sure])
        a, b = a[~sure], b[~sure]
        if a.size:
            hit = _pairs_within(P, cstart, ccount, a, b, eps2, memory_limit)
            edges_a.append(a[hit])
            edges_b.append(b[hit])
        report(progress, 0.45 + 0.3 * (t + 1) / n_off)
    ea = np.concatenate(edges_a) if edges_a else np.empty(0, np.int64)
    eb = np.concatenate(edges_b) if edges_b else np.empty(0, np.int64)
    graph = coo_matrix((np.ones(ea.size, dtype=np.int8), (ea, eb)), shape=(n_cells, n_cells))
    n_comp, cell_comp = connected_components(graph, directed=False)
    del graph, ea, eb
    comp_grouped = cell_comp[core_cell].astype(np.int64)
    labels_grouped = _number_components(comp_grouped, n_comp, corder)
    labels_core = np.empty(n, dtype=np.int64)
    labels_core[corder] = labels_grouped
    labels_core = labels_core[core_idx]
    del P, comp_grouped, labels_grouped
    report(progress, 0.8)

    # Border samples: non-core points with a core sample within eps.
    candidates = np.flatnonzero(~core_mask)
    border_idx, border_lab = np.empty(0, np.int64), np.empty(0, np.int64)
    if candidates.size:
        if full_tree is not None:
            core_tree, core_pos = full_tree, _core_positions(n, core_idx)
        else:
            core_tree, core_pos = _tree(X[core_idx]), None
        border_idx, border_lab = _assign_border(X, core_idx, labels_core, candidates, eps,
                                                min_samples, core_tree, memory_limit,
                                                scaled(progress, 0.8, 1.0), core_pos)
    return _finish(labels_core, core_idx, n, border_idx, border_lab, eps, min_samples, "grid")


def _arg_extreme(values: np.ndarray, starts: np.ndarray, group: np.ndarray,
                 largest: bool) -> np.ndarray:
    """Position of the largest (or smallest) value of each contiguous group."""
    red = np.maximum if largest else np.minimum
    best = red.reduceat(values, starts)
    at = np.flatnonzero(values == best[group])
    first = np.empty(starts.size, dtype=np.int64)
    # The first position of each group where the extreme is reached.
    g = group[at]
    keep = np.empty(at.size, dtype=bool)
    keep[0] = True
    np.not_equal(g[1:], g[:-1], out=keep[1:])
    first[g[keep]] = at[keep]
    return first


def _pairs_within(P, cstart, ccount, a, b, eps2: float, memory_limit: int) -> np.ndarray:
    """For each cell pair (a[i], b[i]), whether some core sample of a is within eps of one of b.

    All sample pairs are compared, in blocks of bounded size; a pair of cells
    too big for one block is tested with a KD-tree instead.
    """
    hit = np.zeros(a.size, dtype=bool)
    sizes = ccount[a] * ccount[b]
    block = int(max(1 << 14, min(_PAIR_BLOCK, memory_limit // 16 // 80)))
    big = np.flatnonzero(sizes > block)
    for i in big:
        sa = P[cstart[a[i]]:cstart[a[i]] + ccount[a[i]]]
        sb = P[cstart[b[i]]:cstart[b[i]] + ccount[b[i]]]
        tree = _tree(sb)
        for s in range(0, sa.shape[0], _KNN_CHUNK):
            dist, _ = tree.query(sa[s:s + _KNN_CHUNK], k=1)
            if np.any(dist[:, 0] * dist[:, 0] <= eps2):
                hit[i] = True
                break
    small = np.flatnonzero(sizes <= block)
    if small.size == 0:
        return hit
    csum = np.cumsum(sizes[small])
    begin = 0
    while begin < small.size:
        base = csum[begin - 1] if begin else 0
        end = int(np.searchsorted(csum, base + block, side="right"))
        end = max(end, begin + 1)
        sel = small[begin:end]
        sz = sizes[sel]
        total = int(sz.sum())
        pair = np.repeat(np.arange(sel.size), sz)
        local = np.arange(total) - np.repeat(np.cumsum(sz) - sz, sz)
        nb = ccount[b[sel]][pair]
        i = cstart[a[sel]][pair] + local // nb
        j = cstart[b[sel]][pair] + local % nb
        diff = P[i] - P[j]
        close = (diff * diff).sum(axis=1) <= eps2
        hit[sel] = np.bincount(pair[close], minlength=sel.size) > 0
        begin = end
    return hit


# -- the chunked method (any number of features) -------------------------------------------------

def _dbscan_chunked(X, eps, min_samples, memory_limit, progress, tree=None) -> DBSCANResult:
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n, d = X.shape
    given = tree is not None
    tree = tree if given else _tree(X)
    # Estimate the neighbourhood sizes on a sample before any large query.
    rng = np.random.default_rng(0)
    sample = rng.choice(n, size=min(n, 256), replace=False) if n > 256 else np.arange(n)
    counts = tree.query_radius(X[sample], r=eps, count_only=True)
    mean_count = float(np.mean(counts))
    # A margin for the variance of the estimate and for denser chunks.
    per_row = max(1.0, 2.0 * mean_count + 3.0 * float(np.std(counts))) * _BYTES_PER_EDGE
    budget = memory_limit - n * (_BYTES_PER_POINT_BASE + 16 * d)
    rows_per_chunk = int(budget // per_row) if budget > 0 else 0
    if rows_per_chunk < min(MIN_CHUNK_ROWS, n):
        need = min(MIN_CHUNK_ROWS, n) * per_row + n * (_BYTES_PER_POINT_BASE + 16 * d)
        raise DataError(
            f"With eps={eps:g}, a point has about {mean_count:,.0f} of the {n:,} points "
            f"within eps, so even {min(MIN_CHUNK_ROWS, n)} neighbourhoods at a time need about "
            f"{_human_bytes(need)}, more than the {_human_bytes(memory_limit)} allowed. "
            "Choose a smaller eps (the k-distance curve suggests one) or cluster a sample "
            "of the rows.")
    report(progress, 0.02)

    core_mask = _core_mask_for(X, np.arange(n), eps, min_samples, tree, memory_limit,
                               scaled(progress, 0.02, 0.3))
    core_idx = np.flatnonzero(core_mask)
    n_core = core_idx.size
    if n_core == 0:
        return _finish(np.empty(0, np.int64), core_idx, n, np.empty(0, np.int64),
                       np.empty(0, np.int64), eps, min_samples, "chunked")
    # With the caller's tree over X, neighbours are filtered to the core samples; else a
    # tree over the core samples alone.
    core_pos = _core_positions(n, core_idx) if given else None
    core_tree = tree if given else _tree(X[core_idx])
    # root[i]: the representative (smallest member) of the component of core sample i.
    root = np.arange(n_core, dtype=np.int64)
    for start in range(0, n_core, rows_per_chunk):
        stop = min(n_core, start + rows_per_chunk)
        neigh = core_tree.query_radius(X[core_idx[start:stop]], r=eps, return_distance=False)
        lengths, cols = _flatten(neigh, core_pos)
        del neigh
        rows = np.repeat(np.arange(start, stop), lengths)
        ra, rb = root[rows], root[cols]
        del rows, cols
        keep = ra != rb
        ra, rb = ra[keep], rb[keep]
        if ra.size:
            pair = _unique(np.minimum(ra, rb) * n_core + np.maximum(ra, rb))
            ra, rb = pair // n_core, pair % n_core
            nodes, inv = np.unique(np.concatenate([ra, rb]), return_inverse=True)
            m = nodes.size
            g = coo_matrix((np.ones(ra.size, np.int8), (inv[:ra.size], inv[ra.size:])),
                           shape=(m, m))
            _, comp = connected_components(g, directed=False)
            smallest = np.full(comp.max() + 1, n_core, dtype=np.int64)
            np.minimum.at(smallest, comp, nodes)
            remap = np.arange(n_core, dtype=np.int64)
            remap[nodes] = smallest[comp]
            root = remap[root]
        report(progress, 0.3 + 0.5 * stop / n_core)
    _, comp = np.unique(root, return_inverse=True)
    labels_core = _number_components(comp.astype(np.int64), int(comp.max()) + 1, core_idx)
    candidates = np.flatnonzero(~core_mask)
    border_idx, border_lab = _assign_border(X, core_idx, labels_core, candidates, eps,
                                            min_samples, core_tree, memory_limit,
                                            scaled(progress, 0.8, 1.0), core_pos)
    return _finish(labels_core, core_idx, n, border_idx, border_lab, eps, min_samples, "chunked")


# --------------------------------------------------------------------------- choosing eps

def knee_of_curve(values: np.ndarray) -> int:
    """Index of the knee of an increasing curve (the sorted k-distance curve).

    The rule (the "kneedle" of Satopää et al., 2011): scale both axes to
    [0, 1], draw the straight line from the first point of the curve to the
    last, and take the point of the curve farthest below that line. On a
    k-distance curve this is where the flat part (points inside clusters)
    turns into the steep part (points in sparse regions): an eps there makes
    most points to its right noise. A flat curve has its knee at 0.
    """
    y = np.asarray(values, dtype=np.float64)
    n = y.size
    if n < 3:
        return max(0, n - 1)
    if not y[-1] > y[0]:
        return 0
    x = np.arange(n) / (n - 1)
    return int(np.argmax(x - (y - y[0]) / (y[-1] - y[0])))


def k_distances(X, k: int, *, index: NeighborIndex | None = None,
                progress: ProgressFn | None = None) -> KDistances:
    """Every point's distance to its k-th nearest other point, sorted: the k-distance curve.

    ``k = min_samples - 1`` gives the curve that decides DBSCAN's core samples.
    ``index``: a :func:`neighbor_index` of this X, whose tree is used (none is built).
    """
    X = _check_X(X)
    n = X.shape[0]
    if isinstance(k, bool) or not float(k).is_integer() or int(k) < 1:
        raise DataError(f"k must be a whole number of at least 1, not {k!r}.")
    k = int(k)
    if k >= n:
        raise DataError(f"k={k} needs more than {k} points; the data has {n}.")
    tree = _index_tree(index, X)
    tree = tree if tree is not None else _tree(X)
    report(progress, 0.1)
    out = np.empty(n, dtype=np.float64)
    step = _KNN_CHUNK
    for start in range(0, n, step):
        dist, _ = tree.query(X[start:start + step], k=k + 1)
        out[start:start + step] = dist[:, k]
        report(progress, 0.1 + 0.9 * min(n, start + step) / n)
    curve = np.sort(out)
    knee = knee_of_curve(curve)
    curve.setflags(write=False)
    out.setflags(write=False)
    return KDistances(k=k, distances=curve, point_distances=out, knee_index=knee,
                      knee=float(curve[knee]))


def suggest_eps(X, min_samples: int = 5, *, progress: ProgressFn | None = None) -> float:
    """An eps for ``DBSCAN(eps, min_samples)``: the knee of the (min_samples − 1)-distance curve.

    See :func:`knee_of_curve` for the rule.
    """
    min_samples = _check_min_samples(min_samples)
    if min_samples < 2:
        raise DataError("With min_samples=1 every point is a core sample; the k-distance "
                        "curve needs min_samples of at least 2.")
    return k_distances(X, min_samples - 1, progress=progress).knee


# --------------------------------------------------------------------------- new instances

def _check_knn_args(X, result: DBSCANResult, n_neighbors, max_distance):
    X = _check_X(X)
    if result.labels.shape[0] != X.shape[0]:
        raise DataError("This DBSCAN result was computed on other data.")
    if isinstance(n_neighbors, bool) or int(n_neighbors) != n_neighbors or n_neighbors < 1:
        raise DataError(f"n_neighbors must be a whole number of at least 1, not {n_neighbors!r}.")
    max_distance = float(max_distance)
    if not (max_distance > 0):
        raise DataError(f"max_distance must be a positive distance, not {max_distance:g}.")
    return X, int(n_neighbors), max_distance


def _fit_knn(X: np.ndarray, result: DBSCANResult, n_neighbors: int, algorithm: str = "auto"):
    from sklearn.neighbors import KNeighborsClassifier

    cores = X[result.core_indices]
    knn = KNeighborsClassifier(n_neighbors=int(min(n_neighbors, cores.shape[0])),
                               algorithm=algorithm)
    knn.fit(cores, result.core_labels())
    return knn


def _predict(knn, core_labels: np.ndarray, X_new: np.ndarray, max_distance: float):
    proba = knn.predict_proba(X_new)
    classes = knn.classes_.astype(np.int64)
    predicted = classes[np.argmax(proba, axis=1)]
    dist, idx = knn.kneighbors(X_new, n_neighbors=1)
    dist, idx = dist[:, 0], idx[:, 0]
    labels = np.where(dist > max_distance, -1, predicted).astype(np.int64)
    return labels, proba, classes, dist, core_labels[idx].astype(np.int64)


def knn_classify(X, result: DBSCANResult, X_new, n_neighbors: int = 50,
                 max_distance: float = 0.2) -> KNNPrediction:
    """The chapter's prediction for new instances after DBSCAN.

    ``KNeighborsClassifier(n_neighbors)`` fitted on the core samples and their
    clusters; ``predict`` and ``predict_proba`` for ``X_new``, and -1 (anomaly)
    where the nearest core sample is farther than ``max_distance``. With
    fewer core samples than ``n_neighbors`` all of them vote.
    """
    X, n_neighbors, max_distance = _check_knn_args(X, result, n_neighbors, max_distance)
    X_new = _check_X(X_new, "The new instances")
    if X_new.shape[1] != X.shape[1]:
        raise DataError(f"The new instances have {X_new.shape[1]} features but the data has "
                        f"{X.shape[1]}.")
    m = X_new.shape[0]
    if result.n_core == 0:
        return KNNPrediction(labels=np.full(m, -1, np.int64), probabilities=np.zeros((m, 0)),
                             classes=np.empty(0, np.int64), probability=np.zeros(m),
                             distances=np.full(m, np.inf), nearest_labels=np.full(m, -1, np.int64),
                             n_neighbors=n_neighbors, max_distance=max_distance)
    # A few instances: compared with every core sample (no tree to build, which would hold
    # the GIL for seconds on a big cloud); many: a tree.
    algorithm = "brute" if m <= _BRUTE_MAX_INSTANCES else "auto"
    knn = _fit_knn(X, result, n_neighbors, algorithm)
    labels, proba, classes, dist, nearest = _predict(knn, result.core_labels(), X_new,
                                                     max_distance)
    return KNNPrediction(labels=labels, probabilities=proba, classes=classes,
                         probability=proba.max(axis=1), distances=dist, nearest_labels=nearest,
                         n_neighbors=int(knn.n_neighbors), max_distance=max_distance)


def knn_regions(X, result: DBSCANResult, x_range, y_range, *, resolution: int = 200,
                n_neighbors: int = 50, max_distance: float = 0.2, lift=None,
                progress: ProgressFn | None = None) -> RegionGrid:
    """:func:`knn_classify` on a grid ``resolution`` cells wide over the given 2-D ranges.

    Cells are square in data units (the grid's height follows the ranges).
    ``lift`` maps grid points (m, 2) to feature space (for data with other than
    two features, see :func:`lift_from_view`); by default the grid points are
    the instances. Anomalies are -1.
    """
    X, n_neighbors, max_distance = _check_knn_args(X, result, n_neighbors, max_distance)
    (x0, x1), (y0, y1) = (float(v) for v in x_range), (float(v) for v in y_range)
    if not (x1 > x0 and y1 > y0) or not all(map(math.isfinite, (x0, x1, y0, y1))):
        raise DataError("The region to classify is empty.")
    nx = int(min(2000, max(2, resolution)))
    ny = int(min(4 * nx, max(2, round(nx * (y1 - y0) / (x1 - x0)))))
    xs = x0 + (np.arange(nx) + 0.5) * (x1 - x0) / nx
    ys = y0 + (np.arange(ny) + 0.5) * (y1 - y0) / ny
    gx, gy = np.meshgrid(xs, ys)
    grid = np.column_stack([gx.ravel(), gy.ravel()])
    pts = grid if lift is None else lift(grid)
    if pts.shape[1] != X.shape[1]:
        raise DataError(f"The grid has {pts.shape[1]} features but the data has {X.shape[1]}.")
    labels = np.full(grid.shape[0], -1, dtype=np.int64)
    if result.n_core:
        # KNeighborsClassifier's vote (uniform weights), on a tree built without the GIL
        core_labels = result.core_labels()
        classes = _unique(core_labels)
        tree = _tree(X[result.core_indices])
        k = int(min(n_neighbors, result.n_core))
        report(progress, 0.05)
        step = 8192
        for s in range(0, grid.shape[0], step):
            dist, ind = tree.query(pts[s:s + step], k=k)
            votes = np.searchsorted(classes, core_labels[ind])
            rows = np.repeat(np.arange(votes.shape[0]), k)
            counts = np.bincount(rows * classes.size + votes.ravel(),
                                 minlength=votes.shape[0] * classes.size)
            predicted = classes[np.argmax(counts.reshape(-1, classes.size), axis=1)]
            labels[s:s + step] = np.where(dist[:, 0] > max_distance, -1, predicted)
            report(progress, 0.05 + 0.95 * min(1.0, (s + step) / grid.shape[0]))
    return RegionGrid(labels=labels.reshape(ny, nx), x_range=(x0, x1), y_range=(y0, y1),
                      n_classes=max(1, result.n_clusters))


def lift_from_view(method: str, d: int, components=None, mean=None):
    """The inverse of a 2-D view onto the data's space, as a function of (n, 2) points.

    A thin wrapper of :meth:`core.projection.Projection.inverse_transform`.
    """
    from core.projection import Projection

    empty = np.zeros((0, 2))
    proj = Projection(empty, method, np.full(2, np.nan), ("", ""),
                      None if components is None else np.asarray(components, dtype=np.float64),
                      None if mean is None else np.asarray(mean, dtype=np.float64))

    return proj.inverse_transform


def neighbor_index(X, view: np.ndarray | None = None) -> NeighborIndex:
    """KD-trees for hover queries: over X (counts within eps) and over its 2-D view."""
    X = _check_X(X)
    view = X[:, :2] if view is None else np.ascontiguousarray(view, dtype=np.float64)
    return NeighborIndex(tree=_tree(X), view_tree=_tree(view), n_samples=X.shape[0])


__all__ = [
    "DBSCANResult",
    "KDistances",
    "KNNPrediction",
    "NeighborIndex",
    "RegionGrid",
    "k_distances",
    "knee_of_curve",
    "knn_classify",
    "knn_regions",
    "lift_from_view",
    "neighbor_index",
    "run_dbscan",
    "suggest_eps",
]
