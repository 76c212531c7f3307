"""Density-based clustering: DBSCAN with bounded memory, k-distance curves, and
the chapter's KNN classifier for new instances.

``run_dbscan(X, eps, min_samples)`` gives the same clustering as
``sklearn.cluster.DBSCAN(eps=eps, min_samples=min_samples).fit(X)``: the same
core samples, the same noise, the same clusters numbered the same way (in the
order of their first core sample), and every border sample in the cluster
scikit-learn puts it in (the lowest-numbered cluster among its core
neighbours). scikit-learn keeps every eps-neighbourhood in memory at once (its
peak grows with n × the mean neighbourhood size); this module never does:

Every neighbour decision is scikit-learn's own: where scikit-learn searches
with a KD-tree (up to 15 features, more than 11 points), squared distances are
compared with eps² as its tree does (a point at exactly eps may or may not be a
neighbour, as in scikit-learn), and the ties its node bounds decide are asked
of the same ``KDTree(X, leaf_size=30)``; where scikit-learn uses brute force (more
than 15 features, or 11 points or fewer, its ``NearestNeighbors`` rule) its
rounding is allowed for and the same brute-force search answers the ties.

* For one to three features (tree inputs), points are binned into a grid of
  cells of side ``eps / sqrt(d)``. Any two points of one cell are closer than
  eps, so a cell holding at least ``min_samples`` points makes all of them core
  samples and all its core samples belong to one cluster. Only points of
  sparser cells need a neighbour count, and only pairs of neighbouring cells
  need a connectivity test (bounding boxes, then the two extreme core samples
  along the offset, then an exact test in bounded blocks). A pair whose squared
  distance lies within a relative 1e-12 of eps² is decided by scikit-learn's
  search itself. The cost depends on the number of cells, not on the number of
  neighbour pairs.
* Otherwise (the "chunked" method, and "brute" where scikit-learn uses brute
  force), the points are put in the order of a KD-tree and cut into blocks;
  the squared distances between two blocks whose bounding balls and boxes come
  within eps are one matrix product (|x|² − 2x·y + |y|², tile by tile, at any
  number of features), and a pair is decided from it unless it lies within the
  rounding of that product and of scikit-learn's own test: those few are summed
  feature by feature, and the ties asked of scikit-learn's search (in both
  directions: its brute force is not symmetric). Each pair is found once, for
  both of its points. The pairs are kept, as int32 arrays, as long as they fit
  in half of ``memory_limit`` (then one pass suffices, like scikit-learn);
  beyond that the blocks not kept are searched again. Core–core pairs are
  reduced to the components they join (a link that holds one way only is
  followed like scikit-learn's expansion does); a non-core point joins the
  lowest-numbered cluster among the core samples that have it as a neighbour.
  Block sizes follow an estimate of the mean neighbourhood (measured on a
  sample before the work starts); if even small blocks would exceed
  ``memory_limit``, :class:`DataError` says so before the work starts.

``k_distances`` and ``suggest_eps`` help choose eps; ``knn_classify`` is the
chapter's way to assign new instances to clusters (or call them anomalies).
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field

import numpy as np

from core.errors import DataError
from core.progress import ProgressFn, report, scaled, timed_chunks
from core.threads import let_others_run
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
    #: trees built later for this data (run_dbscan keeps scikit-learn's KD-tree here)
    cache: dict = field(default_factory=dict, repr=False, compare=False)

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

    def order(self) -> np.ndarray:
        """The rows of the data in the tree's order (each leaf's points are contiguous)."""
        return self._tree.indices

    def query_radius(self, Q: np.ndarray, r: float, count_only: bool = False,
                     return_distance: bool = False):
        """The points within ``r`` of each row of Q (indices), or how many."""
        if count_only:
            return np.asarray(self._tree.query_ball_point(Q, r, return_length=True),
                              dtype=np.int64).reshape(-1)
        out = np.empty(Q.shape[0], dtype=object)
        for start in range(0, Q.shape[0], self._BLOCK):
            lists = self._tree.query_ball_point(Q[start:start + self._BLOCK], r,
                                                return_sorted=False)
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
    flat = _concatenate(neigh).astype(np.int64, copy=False)
    if pos is not None:
        mapped = pos[flat]
        keep = mapped >= 0
        rows = _repeat(np.arange(len(neigh)), lengths)
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

#: scikit-learn's DBSCAN builds its KD-tree with this leaf size (its default).
SKLEARN_LEAF_SIZE = 30
#: ``NearestNeighbors``' default n_neighbors: with n_samples // 2 <= this, 'auto' is brute force.
_SKLEARN_N_NEIGHBORS = 5
#: With more features than this, scikit-learn's 'auto' neighbour search is brute force.
_SKLEARN_MAX_TREE_FEATURES = 15
#: Squared distances within this relative band around eps² are floating-point ties:
#: scikit-learn's own search decides them.
_TIE = 1e-12
#: Up to this many rows, scikit-learn's brute-force neighbourhoods are asked for all rows at
#: once, as its DBSCAN asks (see _Search): a few milliseconds.
_BRUTE_ASK_ALL_ROWS = 2_000


#: From this many rows on, scikit-learn's KD-tree (asked only about rare ties) is built in a
#: process of its own where the program allows it (:mod:`core.offprocess`): its build holds
#: the GIL (~2.4 µs a row: 2.4 s for 1,000,000 x 2), which froze every other thread, a GUI's
#: included. Receiving it takes ~40 ms a million rows.
SKLEARN_TREE_PROCESS_ROWS = 20_000


_SKLEARN_TREE_LOCK = threading.Lock()


def _build_sklearn_kdtree(X: np.ndarray):
    from sklearn.neighbors import KDTree

    return KDTree(X, leaf_size=SKLEARN_LEAF_SIZE, metric="euclidean")


def _build_sklearn_kdtree_of(path: str):
    return _build_sklearn_kdtree(np.load(path))


def _sklearn_kdtree(X: np.ndarray):
    """scikit-learn's KD-tree over X, as its DBSCAN builds it (big X: in another process)."""
    from core import offprocess

    if X.shape[0] < SKLEARN_TREE_PROCESS_ROWS or not offprocess.enabled():
        return _build_sklearn_kdtree(X)
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory(prefix="clusterlab-") as folder:
        # X goes by file (written without the GIL; pickled, it held the GIL ~100 ms)
        path = str(Path(folder) / "X.npy")
        np.save(path, X)
        return offprocess.maybe_in_process(_build_sklearn_kdtree_of, path,
                                           fallback=lambda: _build_sklearn_kdtree(X))


def sklearn_uses_brute(n_samples: int, n_features: int) -> bool:
    """Whether ``sklearn.cluster.DBSCAN`` (algorithm='auto') searches neighbours by brute force."""
    return (n_features > _SKLEARN_MAX_TREE_FEATURES
            or n_samples // 2 <= _SKLEARN_N_NEIGHBORS)


class _Search:
    """scikit-learn's eps-neighbourhoods on X, as its DBSCAN decides them.

    ``brute``: whether scikit-learn searches by brute force here (else with its
    ``KDTree(X, leaf_size=30)``). :meth:`contains` asks scikit-learn's own search
    (its brute force, or that KD-tree, kept in the :class:`NeighborIndex`'s cache
    when there is one) about the rare pairs whose squared distance is too close to
    eps² for anything else to decide. :meth:`neighbours` (the grid method) asks a
    GIL-free tree (:class:`_Tree`) for candidates within a slightly larger radius,
    sums their squared distances feature by feature like scikit-learn's tree does
    and compares them with eps²; ties (within a relative 1e-12 of eps², where the
    tree's node bounds may decide) are asked with :meth:`contains`.
    """

    def __init__(self, X: np.ndarray, eps: float, index: NeighborIndex | None = None):
        self.X, self.eps, self.eps2 = X, eps, eps * eps
        self.brute = sklearn_uses_brute(*X.shape)
        self._index = index
        self._sk = None
        self._tree_ = None
        if self.brute:
            from sklearn.neighbors import NearestNeighbors

            self._sk = NearestNeighbors(radius=eps, algorithm="brute",
                                        leaf_size=SKLEARN_LEAF_SIZE, metric="euclidean").fit(X)
        self._all = None  # scikit-learn's N(i) of every row, when asked so (see _sklearn)

    @property
    def tree(self):
        """The GIL-free tree over X (the index's, else built once)."""
        if self._tree_ is None:
            self._tree_ = self._index.tree if self._index is not None else _tree(self.X)
        return self._tree_

    def _sklearn_tree(self):
        if self._sk is None:
            cache = self._index.cache if self._index is not None else {}
            key = ("sklearn-kdtree", SKLEARN_LEAF_SIZE)
            with _SKLEARN_TREE_LOCK:  # (runs superseded by a newer one share its build)
                if key not in cache:
                    cache[key] = _sklearn_kdtree(self.X)
            self._sk = cache[key]
        return self._sk

    def _sklearn(self, rows: np.ndarray):
        """scikit-learn's own N(i) for the rows (object array of index arrays)."""
        if self.brute and self.X.shape[0] <= _BRUTE_ASK_ALL_ROWS:
            # scikit-learn's brute force rounds a distance differently with the rows queried
            # together (its matrix products are made per block of queries): DBSCAN asks for
            # all of X at once, so a tie asked about one row alone could come out the other
            # way (4 points at exactly eps in 8 features). Small data is asked as DBSCAN
            # asks, once, at the first tie.
            if self._all is None:
                self._all = self._sk.radius_neighbors(self.X, return_distance=False)
            return self._all[rows]
        if self.brute:
            return self._sk.radius_neighbors(self.X[rows], return_distance=False)
        return self._sklearn_tree().query_radius(self.X[rows], r=self.eps,
                                                 return_distance=False)

    def neighbours(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """N(i) for each i in ``rows`` (i itself included), where scikit-learn uses its
        KD-tree: (count per row, indices)."""
        neigh = self.tree.query_radius(self.X[rows], r=self.eps * (1.0 + 1e-9))
        lengths, cols = _flatten(neigh)
        del neigh
        qi = _repeat(rows, lengths)
        sure, tie = _three_way(_sq_dist_rows(self.X, qi, cols), self.eps2)
        if tie.any():
            sure[tie] = self.contains(qi[tie], cols[tie])
        which = _repeat(np.arange(rows.size), lengths)[sure]
        return np.bincount(which, minlength=rows.size).astype(np.int64), cols[sure]

    def counts(self, rows: np.ndarray) -> np.ndarray:
        """|N(i)| for each i in ``rows``."""
        return self.neighbours(rows)[0]

    def contains(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """Whether j[k] is in scikit-learn's N(i[k]), for each k (asked for the rare ties)."""
        out = np.zeros(i.size, dtype=bool)
        if i.size == 0:
            return out
        uniq, inv = np.unique(i, return_inverse=True)
        neigh = self._sklearn(uniq)
        for k in range(i.size):
            out[k] = bool(np.any(neigh[inv[k]] == j[k]))
        return out

    def tie_band(self, sq_norms_i: np.ndarray, sq_norms_j: np.ndarray) -> np.ndarray | float:
        """How far from eps² a squared distance (summed feature by feature) may lie and
        scikit-learn still decide it either way: its brute force computes
        |x|² − 2x·y + |y|², whose rounding grows with the norms; its tree's point test
        is that very sum, and only its node bounds decide within a relative 1e-12."""
        if not self.brute:
            return _TIE * self.eps2
        d = self.X.shape[1]
        return 4e-15 * (d + 4) * (sq_norms_i + sq_norms_j) + _TIE * self.eps2


def _sq_dist(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """Row-wise squared distances summed feature by feature (the KD-tree's own order)."""
    diff = A[:, 0] - B[:, 0]
    s = diff * diff
    for k in range(1, A.shape[1]):
        diff = A[:, k] - B[:, k]
        s = s + diff * diff
    return s


def _sq_dist_rows(X: np.ndarray, i: np.ndarray, j: np.ndarray, block: int = 1 << 16) -> np.ndarray:
    """``_sq_dist(X[i], X[j])`` in blocks of pairs (bounded memory)."""
    out = np.empty(i.size, dtype=np.float64)
    for s in range(0, i.size, block):
        out[s:s + block] = _sq_dist(X[i[s:s + block]], X[j[s:s + block]])
    return out


def _three_way(s: np.ndarray, eps2: float) -> tuple[np.ndarray, np.ndarray]:
    """(surely within eps, a tie to ask the search about) for squared distances ``s``."""
    sure = s < eps2 * (1.0 - _TIE)
    tie = ~sure & (s <= eps2 * (1.0 + _TIE))
    return sure, tie


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
    to three features where scikit-learn uses its KD-tree, else chunks),
    ``"grid"`` or ``"chunked"``; all give the same result. Where scikit-learn
    uses brute force the chunks use it too, and ``result.method`` is
    ``"brute"``. ``index``: a :func:`neighbor_index` of this X, whose tree is then
    used instead of building a new one (a GUI builds it once per dataset).
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
    # Squared distances (scikit-learn's and these) must not overflow.
    top = float(np.max(np.abs(X))) if X.size else 0.0
    if not math.isfinite(4.0 * d * top * top + eps * eps):
        raise DataError(
            f"The data's values (up to {top:.3g}) or eps are too large for squared distances "
            "in floating point; divide the data and eps by a power of ten first.")
    report(progress, 0.0)
    if method == "grid" and d > 3:
        raise DataError(f"The grid method works with one to three features; the data has {d}.")
    _index_tree(index, X)  # an index of other data is refused
    search = _Search(X, eps, index)
    grid = None
    if d <= 3 and method != "chunked" and not search.brute:
        grid = _grid_geometry(X, eps)
    if grid is not None:
        result = _dbscan_grid(X, eps, min_samples, grid, search, memory_limit, progress)
    else:
        result = _dbscan_chunked(X, eps, min_samples, search, memory_limit, progress)
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


def _number_components(comp_of_core: np.ndarray, n_comp: int, core_idx: np.ndarray,
                       one_way: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """Cluster numbers of the core samples, as scikit-learn's ``dbscan_inner`` gives them.

    Components (joined by neighbour relations that hold both ways) are numbered
    in the order of their first core sample. ``one_way`` (a, b): core samples
    (positions in ``comp_of_core``) where b is a neighbour of a but not a of b (a
    floating-point tie); scikit-learn's expansion, seed by seed in index order,
    follows such a link only forwards, and only into components no earlier seed
    reached. The same walk is done here on the components.
    """
    first = np.full(n_comp, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first, comp_of_core, core_idx)
    order = np.argsort(first, kind="stable")
    rank = np.empty(n_comp, dtype=np.int64)
    if one_way is not None:
        ca, cb = comp_of_core[one_way[0]], comp_of_core[one_way[1]]
        keep = ca != cb
        ca, cb = ca[keep], cb[keep]
    if one_way is None or ca.size == 0:
        rank[order] = np.arange(n_comp)
        return rank[comp_of_core]
    links: dict[int, list[int]] = {}
    for x, y in zip(ca.tolist(), cb.tolist()):
        links.setdefault(x, []).append(y)
    rank.fill(-1)
    label = 0
    for c in order.tolist():
        if rank[c] >= 0:
            continue
        rank[c] = label
        stack = [c]
        while stack:
            for y in links.get(stack.pop(), ()):
                if rank[y] < 0:
                    rank[y] = label
                    stack.append(y)
        label += 1
    return rank[comp_of_core]


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


def _dbscan_grid(X, eps, min_samples, grid: _Grid, search: _Search, memory_limit,
                 progress) -> DBSCANResult:
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
    cell_sorted = _group_ids(new)  # cell id of each point, in sorted order
    del new, skey
    report(progress, 0.05)

    # Core samples: everything in a dense cell; scikit-learn's own count for the rest.
    core_sorted = _repeat(cell_count >= min_samples, cell_count)
    sparse_pos = np.flatnonzero(~core_sorted)
    if sparse_pos.size and min_samples <= n:
        rows = order[sparse_pos]
        counts = np.empty(rows.size, dtype=np.int64)
        step = 5000
        sub = scaled(progress, 0.05, 0.45)
        for start in range(0, rows.size, step):
            counts[start:start + step] = search.counts(rows[start:start + step])
            report(sub, min(rows.size, start + step) / rows.size)
        core_sorted[sparse_pos] = counts >= min_samples
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
    grouped_pos = np.full(n, -1, dtype=np.int64)
    grouped_pos[corder] = np.arange(corder.size)
    cnew = np.empty(corder.size, dtype=bool)
    cnew[0] = True
    np.not_equal(ccell[1:], ccell[:-1], out=cnew[1:])
    cstart = np.flatnonzero(cnew)
    ccount = np.diff(np.append(cstart, corder.size))
    ckey = cell_key[ccell[cstart]]
    n_cells = cstart.size
    core_cell = _group_ids(cnew)  # core-cell id of each grouped core sample
    del cnew
    lo = _reduceat(np.minimum, P, cstart)
    hi = _reduceat(np.maximum, P, cstart)

    edges_a, edges_b = [], []
    one_way: tuple[list, list] = ([], [])
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
        # Necessary: the bounding boxes of the two cells' core samples are within eps
        # (with a margin, so that no tie is dropped here).
        gap = np.maximum(0.0, np.maximum(lo[b] - hi[a], lo[a] - hi[b]))
        maybe = (gap * gap).sum(axis=1) <= eps2 * (1.0 + 1e-9)
        a, b = a[maybe], b[maybe]
        if a.size == 0:
            continue
        # Sufficient: the core sample of a farthest along the offset and the one of b
        # farthest back are surely within eps.
        direction = off.astype(np.float64)
        proj = P @ direction
        pa = _arg_extreme(proj, cstart, core_cell, largest=True)
        pb = _arg_extreme(proj, cstart, core_cell, largest=False)
        sure, _ = _three_way(_sq_dist(P[pa[a]], P[pb[b]]), eps2)
        edges_a.append(a[sure])
        edges_b.append(b[sure])
        a, b = a[~sure], b[~sure]
        if a.size:
            hit = _pairs_within(P, corder, grouped_pos, cstart, ccount, a, b, eps, search,
                                    memory_limit, one_way)
            edges_a.append(a[hit])
            edges_b.append(b[hit])
        report(progress, 0.45 + 0.3 * (t + 1) / n_off)
    ea = np.concatenate(edges_a) if edges_a else np.empty(0, np.int64)
    eb = np.concatenate(edges_b) if edges_b else np.empty(0, np.int64)
    graph = coo_matrix((np.ones(ea.size, dtype=np.int8), (ea, eb)), shape=(n_cells, n_cells))
    n_comp, cell_comp = connected_components(graph, directed=False)
    del graph, ea, eb
    comp_grouped = cell_comp[core_cell].astype(np.int64)
    ties = (np.concatenate(one_way[0]).astype(np.int64) if one_way[0] else np.empty(0, np.int64),
            np.concatenate(one_way[1]).astype(np.int64) if one_way[1] else np.empty(0, np.int64))
    labels_grouped = _number_components(comp_grouped, n_comp, corder, ties)
    labels_core = np.empty(n, dtype=np.int64)
    labels_core[corder] = labels_grouped
    labels_core = labels_core[core_idx]
    del P, comp_grouped, labels_grouped
    report(progress, 0.8)

    # Border samples: non-core points that some core sample has within eps.
    candidates = np.flatnonzero(~core_mask)
    border_idx, border_lab = np.empty(0, np.int64), np.empty(0, np.int64)
    if candidates.size:
        border_idx, border_lab = _assign_border(X, core_idx, labels_core, candidates, eps,
                                                min_samples, search, memory_limit,
                                                scaled(progress, 0.8, 1.0))
    return _finish(labels_core, core_idx, n, border_idx, border_lab, eps, min_samples, "grid")


def _assign_border(X: np.ndarray, core_idx: np.ndarray, labels_core: np.ndarray,
                   candidates: np.ndarray, eps: float, min_samples: int, search: _Search,
                   memory_limit: int, progress: ProgressFn | None):
    """Border samples among ``candidates`` (non-core) and their clusters.

    A non-core point has fewer than ``min_samples`` neighbours, so each query
    returns few core samples: chunks stay small. It joins the lowest-numbered
    cluster among the core samples that have it within eps, like scikit-learn
    (ties asked in scikit-learn's direction, from the core sample).
    """
    core_pos = _core_positions(X.shape[0], core_idx)
    eps2 = eps * eps
    reach = eps * (1.0 + 1e-9)
    found_idx, found_lab = [], []
    per_row = 48 * min_samples + 200
    step = int(max(1, min(20_000, memory_limit // 8 // per_row)))
    for start in range(0, candidates.size, step):
        sel = candidates[start:start + step]
        lengths, cols = _flatten(search.tree.query_radius(X[sel], r=reach), core_pos)
        if lengths.sum():
            rows = _repeat(sel, lengths)
            sure, tie = _three_way(_sq_dist_rows(X, rows, core_idx[cols]), eps2)
            if tie.any():
                sure[tie] = search.contains(core_idx[cols[tie]], rows[tie])
            rows, labs = rows[sure], labels_core[cols[sure]]
            if rows.size:
                found_idx.append(rows)
                found_lab.append(labs)
        report(progress, (start + sel.size) / candidates.size)
    if not found_idx:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    return _min_label_per_point(np.concatenate(found_idx), np.concatenate(found_lab))


#: Elements handed to one ``ufunc.reduceat`` call (see :func:`_reduceat`).
_REDUCE_ELEMS = 1 << 18

#: Arrays joined by one ``np.concatenate`` call, elements made by one ``np.repeat`` call
#: (:func:`_concatenate`, :func:`_repeat`).
_JOIN_ARRAYS = 2048
#: Elements one np.repeat call makes (512 KB of int64): np.repeat holds the GIL to its end,
#: page faults of its new output included, which on a virtual machine whose host takes
#: freed memory back cost up to ~8 ms a megabyte (1M elements: 40-70 ms measured here).
_REPEAT_ELEMS = 1 << 16


def _concatenate(arrays) -> np.ndarray:
    """``np.concatenate(list(arrays))`` of many small 1-D integer arrays (a neighbour list
    per point), :data:`_JOIN_ARRAYS` at a time: one call over 150,000 arrays held the GIL
    for 300-400 ms (a GUI on another thread froze), these ~10 ms each; joining the pieces
    copies without it."""
    n = len(arrays)
    if n == 0:
        return np.empty(0, np.int64)
    if n <= _JOIN_ARRAYS:
        return np.concatenate(list(arrays))
    return np.concatenate([np.concatenate(list(arrays[s:s + _JOIN_ARRAYS]))
                           for s in range(0, n, _JOIN_ARRAYS)])


def _repeat(values: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """``np.repeat(values, counts)`` (1-D, one count per value) in calls that each make
    about :data:`_REPEAT_ELEMS` elements, copied into place: one call holds the GIL to the
    end (15M elements: 20-130 ms, and ~450 ms for 10M where each new page of its output
    costs a host's page fault), these well under a millisecond each; the copies run without
    it. The same result."""
    values, counts = np.asarray(values), np.asarray(counts)
    ends = np.cumsum(counts)
    total = int(ends[-1]) if ends.size else 0
    if total <= _REPEAT_ELEMS:
        return np.repeat(values, counts)
    cuts = np.searchsorted(ends, np.arange(_REPEAT_ELEMS, total, _REPEAT_ELEMS), side="right")
    bounds = np.unique(np.concatenate(([0], cuts, [counts.size])))
    out = np.empty(total, dtype=values.dtype)
    for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist()):
        start = int(ends[a - 1]) if a else 0
        out[start:int(ends[b - 1])] = np.repeat(values[a:b], counts[a:b])
    return out


def _group_ids(starts: np.ndarray) -> np.ndarray:
    """``np.cumsum(starts) - 1`` for a bool array marking where each group starts: the id of
    each element's group. numpy's cumsum of a bool array casts as it goes and holds the GIL
    to the end (35-90 ms over 1-2M elements measured here); of int64 it does not."""
    ids = starts.astype(np.int64)
    np.cumsum(ids, out=ids)
    ids -= 1
    return ids


def _reduceat(ufunc, a: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """``ufunc.reduceat(a, starts, axis=0)`` for strictly increasing ``starts``, in calls of
    whole segments and about :data:`_REDUCE_ELEMS` elements: one call holds the GIL from
    start to end (60-80 ms on 150,000 x 64), these a millisecond or two each, with the GIL
    handed over between them (:func:`core.threads.let_others_run`). The same result (each
    segment is reduced in the same order)."""
    n, m = a.shape[0], starts.size
    rows = max(1, _REDUCE_ELEMS // max(1, a.size // max(n, 1)))
    if n <= rows or m < 2 or not np.all(starts[1:] > starts[:-1]):
        return ufunc.reduceat(a, starts, axis=0)
    parts, b = [], 0
    while b < m:
        e = max(b + 1, int(np.searchsorted(starts, starts[b] + rows, side="left")))
        end = int(starts[e]) if e < m else n
        parts.append(ufunc.reduceat(a[starts[b]:end], starts[b:e] - starts[b], axis=0))
        b = e
        let_others_run()  # (a loop of reduceat calls kept a waiting thread off to its end)
    return np.concatenate(parts)


def _min_label_per_point(points: np.ndarray, labels: np.ndarray):
    """(unique points, the smallest label given to each)."""
    uniq, inv = np.unique(points, return_inverse=True)
    best = np.full(uniq.size, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(best, inv, labels)
    return uniq.astype(np.int64), best


def _arg_extreme(values: np.ndarray, starts: np.ndarray, group: np.ndarray,
                 largest: bool) -> np.ndarray:
    """Position of the largest (or smallest) value of each contiguous group."""
    red = np.maximum if largest else np.minimum
    best = _reduceat(red, values, starts)
    at = np.flatnonzero(values == best[group])
    first = np.empty(starts.size, dtype=np.int64)
    # The first position of each group where the extreme is reached.
    g = group[at]
    keep = np.empty(at.size, dtype=bool)
    keep[0] = True
    np.not_equal(g[1:], g[:-1], out=keep[1:])
    first[g[keep]] = at[keep]
    return first


def _ties(search: _Search, corder, pi, pj, one_way) -> bool:
    """Tied pairs (rows of P): True if one holds both ways; one-way ones go to ``one_way``."""
    fwd = search.contains(corder[pi], corder[pj])
    back = search.contains(corder[pj], corder[pi])
    one_way[0].extend([pi[fwd & ~back], pj[back & ~fwd]])
    one_way[1].extend([pj[fwd & ~back], pi[back & ~fwd]])
    return bool(np.any(fwd & back))


def _pairs_within(P, corder, grouped_pos, cstart, ccount, a, b, eps: float,
                  search: _Search, memory_limit: int, one_way) -> np.ndarray:
    """For each cell pair (a[i], b[i]), whether some core sample of a is within eps of one of b.

    All sample pairs are compared, in blocks of bounded size; a pair of cells
    too big for one block is tested with the search's tree instead (``grouped_pos``
    maps rows of X to rows of P, -1 for the others). Ties are asked of
    scikit-learn's search (``corder`` maps rows of P to rows of X); a tie that
    holds one way only is appended to the lists ``one_way`` (from, to) instead.
    """
    eps2 = eps * eps
    hit = np.zeros(a.size, dtype=bool)
    sizes = ccount[a] * ccount[b]
    block = int(max(1 << 14, min(_PAIR_BLOCK, memory_limit // 16 // 80)))
    big = np.flatnonzero(sizes > block)
    for i in big:
        ia = np.arange(cstart[a[i]], cstart[a[i]] + ccount[a[i]])
        ib = np.arange(cstart[b[i]], cstart[b[i]] + ccount[b[i]])
        for s in range(0, ia.size, _KNN_CHUNK):
            rows = ia[s:s + _KNN_CHUNK]
            neigh = search.tree.query_radius(P[rows], r=eps * (1.0 + 1e-9))
            lengths, flat = _flatten(neigh, grouped_pos)
            del neigh
            inside = (flat >= ib[0]) & (flat <= ib[-1])
            which = _repeat(np.arange(rows.size), lengths)[inside]
            lengths = np.bincount(which, minlength=rows.size)
            flat = flat[inside]
            if not lengths.sum():
                continue
            pi = _repeat(rows, lengths)
            pj = flat
            sure, tie = _three_way(_sq_dist_rows(P, pi, pj), eps2)
            if sure.any():
                hit[i] = True
                break
            if tie.any():
                hit[i] = _ties(search, corder, pi[tie], pj[tie], one_way)
                if hit[i]:
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
        pair = _repeat(np.arange(sel.size), sz)
        local = np.arange(total) - _repeat(np.cumsum(sz) - sz, sz)
        nb = ccount[b[sel]][pair]
        i = cstart[a[sel]][pair] + local // nb
        j = cstart[b[sel]][pair] + local % nb
        close, tie = _three_way(_sq_dist_rows(P, i, j), eps2)
        if tie.any():
            t = np.flatnonzero(tie)
            fwd = search.contains(corder[i[t]], corder[j[t]])
            back = search.contains(corder[j[t]], corder[i[t]])
            close[t] = fwd & back
            one_way[0].extend([i[t[fwd & ~back]], j[t[back & ~fwd]]])
            one_way[1].extend([j[t[fwd & ~back]], i[t[back & ~fwd]]])
        hit[sel] = np.bincount(pair[close], minlength=sel.size) > 0
        begin = end
    return hit


# -- the blocked method (any number of features) -------------------------------------------------

#: Points per block of the blocked search: one tile of squared distances is at most
#: _BLOCK x _TILE_COLS doubles.
_BLOCK = 256
_TILE_COLS = 4096
#: The rounding of |x|² − 2x·y + |y|² (our matrix product) stays below this x (d + 4) x
#: (|x|² + |y|²); the bound is about twenty times the worst case of a dot product's rounding.
_GEMM_ERR = 8e-15


def _merge_edges(root: np.ndarray, ra: np.ndarray, rb: np.ndarray) -> np.ndarray:
    """``root`` after joining the components of each edge (ra[i], rb[i]) (core positions)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n_core = root.size
    ra, rb = root[ra], root[rb]
    keep = ra != rb
    if not keep.any():
        return root
    ra, rb = ra[keep], rb[keep]
    g = coo_matrix((np.ones(ra.size, np.int32), (ra, rb)), shape=(n_core, n_core))
    del ra, rb
    _, comp = connected_components(g, directed=False)
    smallest = np.full(comp.max() + 1, n_core, dtype=np.int64)
    np.minimum.at(smallest, comp, np.arange(n_core))
    return smallest[comp[root]]


class _BlockedPairs:
    """Every pair of points within eps, as scikit-learn's search decides it, block by block.

    The points are put in the order of a KD-tree (its leaves are contiguous, so
    consecutive points are close) and cut into blocks of ``block`` points, each
    with its bounding ball and box. For a block a and every block b >= a whose
    ball and box are within eps of a's, the squared distances of all their pairs come from one
    matrix product (|x|² − 2x·y + |y|², the arithmetic of scikit-learn's brute
    force, fast at any number of features); only a tile of ``block`` x ``tile``
    of them exists at a time. A pair clearly inside eps (by more than the
    rounding of both that product and scikit-learn's own test) is a neighbour
    both ways; the few near eps² are summed feature by feature, and those still
    within scikit-learn's tie band are asked of scikit-learn's search, in both
    directions.

    :meth:`row` gives, for block a, the pairs that hold both ways (i, j), i ≠ j,
    and those that hold one way only (from, to): ``to`` in N(from), not the
    reverse. Indices are rows of X. :attr:`self_in` says whether each point is in
    its own neighbourhood (always, except in scikit-learn's brute force on
    points whose norms dwarf eps).
    """

    def __init__(self, X: np.ndarray, eps: float, search: _Search, block: int, tile: int):
        n, d = X.shape
        self.X, self.eps2, self.search, self.block = X, eps * eps, search, int(block)
        self.tile = int(tile)
        # one tile of squared distances and its mask, reused (no allocation per tile)
        self._g = np.empty(self.block * self.tile)
        self._m = np.empty(self.block * self.tile, dtype=bool)
        self.perm = np.asarray(search.tree.order(), dtype=np.int64)
        P = X[self.perm]
        nrm = np.einsum("ij,ij->i", P, P)
        self.nrm = nrm
        # [x, |x|², 1] . [-2y, 1, |y|²] = |x|² - 2x·y + |y|²
        self.A = np.empty((n, d + 2))
        self.A[:, :d] = P
        self.A[:, d] = nrm
        self.A[:, d + 1] = 1.0
        self.B = np.empty((d + 2, n))
        self.B[:d] = -2.0 * P.T
        self.B[d] = 1.0
        self.B[d + 1] = nrm
        self.err = _GEMM_ERR * (d + 4)
        self.starts = np.arange(0, n, self.block)
        self.stops = np.minimum(self.starts + self.block, n)
        self.n_blocks = self.starts.size
        centres = _reduceat(np.add, P, self.starts) / (self.stops - self.starts)[:, None]
        owner = np.repeat(np.arange(self.n_blocks), self.stops - self.starts)
        radius = np.sqrt(_reduceat(
            np.maximum,
            np.einsum("ij,ij->i", P - centres[owner], P - centres[owner]), self.starts))
        self.centres, self.radius = centres, radius
        self.lo = _reduceat(np.minimum, P, self.starts)
        self.hi = _reduceat(np.maximum, P, self.starts)
        self.max_nrm = _reduceat(np.maximum, nrm, self.starts)
        # Blocks whose balls are farther apart than this hold no pair that rounding could
        # bring within eps.
        top = float(nrm.max()) if n else 0.0
        self.reach = (math.sqrt(self.eps2 + 2 * self.err * top + search.tie_band(top, top))
                      * (1 + 1e-6) + 1e-9 * math.sqrt(top))
        # A point outside its own neighbourhood: scikit-learn's brute force may say so when
        # the rounding of |x|² − 2x·x + |x|² reaches eps².
        self.self_in = np.ones(n, dtype=bool)
        if search.brute:
            band = search.tie_band(nrm, nrm)
            doubt = np.flatnonzero(band >= self.eps2)
            if doubt.size:
                rows = self.perm[doubt]
                self.self_in[rows] = search.contains(rows, rows)

    def row(self, a: int):
        """(both-ways i, j), (one-way from, to) for the pairs of block a with blocks >= a."""
        lo, hi = self.starts[a], self.stops[a]
        gap = np.sqrt(np.einsum("ij,ij->i", self.centres[a:] - self.centres[a],
                                self.centres[a:] - self.centres[a]))
        box = np.maximum(0.0, np.maximum(self.lo[a:] - self.hi[a], self.lo[a] - self.hi[a:]))
        near = a + np.flatnonzero((gap <= self.radius[a] + self.radius[a:] + self.reach)
                                  & (np.einsum("ij,ij->i", box, box) <= self.reach ** 2))
        Aa = self.A[lo:hi]
        gi_l, gj_l, g_l = [], [], []
        # runs of consecutive candidate blocks, one matrix product each
        cut = np.flatnonzero(np.diff(near) != 1) + 1
        for run in np.split(near, cut):
            c0 = int(self.starts[run[0]])
            c_end = int(self.stops[run[-1]])
            for c in range(c0, c_end, self.tile):
                let_others_run()  # (each tile's numpy calls kept a waiting thread off ~15 ms)
                c1 = min(c_end, c + self.tile)
                G = np.matmul(Aa, self.B[:, c:c1],
                              out=self._g[:(hi - lo) * (c1 - c)].reshape(hi - lo, c1 - c))
                b_first = int(np.searchsorted(self.stops, c, side="right"))
                b_last = int(np.searchsorted(self.starts, c1 - 1, side="right")) - 1
                margin = self.err * (self.max_nrm[a] + self.max_nrm[b_first:b_last + 1].max())
                margin += self.search.tie_band(self.max_nrm[a],
                                               self.max_nrm[b_first:b_last + 1].max())
                mask = np.less_equal(G, self.eps2 + margin,
                                     out=self._m[:G.size].reshape(G.shape))
                if c < hi:  # the diagonal block: pairs i < j only
                    k = min(hi, c1) - c
                    mask[:, :k] &= _upper(hi - lo, c - lo, k)
                flat = np.flatnonzero(mask)  # 1-D: several times faster than np.nonzero
                if flat.size:
                    r, q = np.divmod(flat, c1 - c)
                    gi_l.append(r + lo)
                    gj_l.append(q + c)
                    g_l.append(G.ravel()[flat])
        if not gi_l:
            e = np.empty(0, np.int64)
            return (e, e), (e, e)
        gi, gj, g = np.concatenate(gi_l), np.concatenate(gj_l), np.concatenate(g_l)
        del gi_l, gj_l, g_l
        ni, nj = self.nrm[gi], self.nrm[gj]
        band = self.search.tie_band(ni, nj)
        m = self.err * (ni + nj) + band
        sure = g < self.eps2 - m
        doubt = np.flatnonzero(~sure & (g <= self.eps2 + m))
        oi, oj = self.perm[gi], self.perm[gj]
        one_from, one_to = np.empty(0, np.int64), np.empty(0, np.int64)
        if doubt.size:
            s = _sq_dist_rows(self.X, oi[doubt], oj[doubt])
            bd = band[doubt] if np.ndim(band) else band
            inside = s < self.eps2 - bd
            ask = doubt[np.abs(s - self.eps2) <= bd]
            sure[doubt[inside]] = True
            if ask.size:
                fwd = self.search.contains(oi[ask], oj[ask])
                back = self.search.contains(oj[ask], oi[ask])
                sure[ask[fwd & back]] = True
                one_from = np.concatenate([oi[ask[fwd & ~back]], oj[ask[back & ~fwd]]])
                one_to = np.concatenate([oj[ask[fwd & ~back]], oi[ask[back & ~fwd]]])
        return (oi[sure], oj[sure]), (one_from, one_to)


def _upper(rows: int, offset: int, cols: int) -> np.ndarray:
    """mask[r, q] = (q + offset > r): the pairs i < j of a diagonal block's tile."""
    return (np.arange(cols)[None, :] + offset) > np.arange(rows)[:, None]


def _neighbour_count_estimate(X: np.ndarray, eps: float, sample: np.ndarray) -> np.ndarray:
    """About |N(i)| for the sampled rows (a matrix product in tiles: no tree at high d)."""
    Xs = X[sample]
    ns = np.einsum("ij,ij->i", Xs, Xs)
    out = np.zeros(sample.size, dtype=np.int64)
    for c in range(0, X.shape[0], 16384):
        Y = X[c:c + 16384]
        D = ns[:, None] - 2.0 * (Xs @ Y.T) + np.einsum("ij,ij->i", Y, Y)[None, :]
        out += np.count_nonzero(eps * eps >= D, axis=1)
    return np.maximum(out, 1)


def _dbscan_chunked(X, eps, min_samples, search: _Search, memory_limit,
                    progress) -> DBSCANResult:
    n, d = X.shape
    method = "brute" if search.brute else "chunked"
    # Estimate the neighbourhood sizes on a sample before any large query.
    rng = np.random.default_rng(0)
    sample = np.sort(rng.choice(n, size=256, replace=False)) if n > 256 else np.arange(n)
    counts_s = _neighbour_count_estimate(X, eps, sample)
    mean_count = float(np.mean(counts_s))
    # A margin for the variance of the estimate and for denser blocks.
    per_row = max(1.0, 2.0 * mean_count + 3.0 * float(np.std(counts_s))) * _BYTES_PER_EDGE
    # X in the tree's order, twice, with its norms (the operands of the matrix products)
    fixed = n * (_BYTES_PER_POINT_BASE + 16 * d) + n * 16 * (d + 3)
    budget = memory_limit - fixed
    rows_per_chunk = int(budget // 2 // per_row) if budget > 0 else 0
    if rows_per_chunk < min(MIN_CHUNK_ROWS, n):
        need = 2 * min(MIN_CHUNK_ROWS, n) * per_row + fixed
        raise DataError(
            f"With eps={eps:g}, a point has about {mean_count:,.0f} of the {n:,} points "
            f"within eps, so even {min(MIN_CHUNK_ROWS, n)} neighbourhoods at a time need about "
            f"{_human_bytes(need)}, more than the {_human_bytes(memory_limit)} allowed. "
            "Choose a smaller eps (the k-distance curve suggests one) or cluster a sample "
            "of the rows.")
    store_budget = budget // 2
    idx_type = np.int32 if n < 2 ** 31 else np.int64
    # a tile of squared distances (and its mask) in a quarter of the budget
    block = max(MIN_CHUNK_ROWS, min(_BLOCK, rows_per_chunk, int(math.sqrt(budget / 36))))
    tile = max(block, min(_TILE_COLS, int(budget // 4 // (9 * block))))
    pairs = _BlockedPairs(X, eps, search, block, tile)
    nb = pairs.n_blocks
    report(progress, 0.02)

    # Pass 1: every neighbourhood size (the core samples); the pairs kept while they fit.
    counts = pairs.self_in.astype(np.int64)
    stored: list[tuple] = []
    one_way: list[tuple[np.ndarray, np.ndarray]] = []
    stored_bytes = 0
    first_unstored = nb
    for a in range(nb):
        (i, j), (f, t) = pairs.row(a)
        counts += np.bincount(i, minlength=n)
        counts += np.bincount(j, minlength=n)
        if f.size:
            counts += np.bincount(f, minlength=n)
            one_way.append((f, t))
        if first_unstored == nb:
            i, j = i.astype(idx_type), j.astype(idx_type)
            if stored_bytes + i.nbytes + j.nbytes <= store_budget:
                stored.append((i, j))
                stored_bytes += i.nbytes + j.nbytes
            else:
                first_unstored = a
        del i, j
        report(progress, 0.02 + 0.63 * (a + 1) / nb)
    core_mask = counts >= min_samples
    del counts
    core_idx = np.flatnonzero(core_mask)
    n_core = core_idx.size
    if n_core == 0:
        return _finish(np.empty(0, np.int64), core_idx, n, np.empty(0, np.int64),
                       np.empty(0, np.int64), eps, min_samples, method)
    position = _core_positions(n, core_idx)
    # root[i]: the representative (smallest member) of the component of core sample i.
    root = np.arange(n_core, dtype=np.int64)
    border_v: list[np.ndarray] = []  # border samples
    border_q: list[np.ndarray] = []  # a core sample that has each within eps
    edges_a: list[np.ndarray] = []
    edges_b: list[np.ndarray] = []
    n_edges = 0

    def take(i: np.ndarray, j: np.ndarray) -> None:
        """Pairs within eps both ways: core-core edges and border candidates."""
        nonlocal root, n_edges
        ci, cj = core_mask[i], core_mask[j]
        both = ci & cj
        edges_a.append(position[i[both]])
        edges_b.append(position[j[both]])
        n_edges += int(np.count_nonzero(both))
        border_v.append(j[ci & ~cj])
        border_q.append(i[ci & ~cj])
        border_v.append(i[cj & ~ci])
        border_q.append(j[cj & ~ci])
        if n_edges > max(n_core, 1 << 20):
            root = _merge_edges(root, np.concatenate(edges_a), np.concatenate(edges_b))
            edges_a.clear()
            edges_b.clear()
            n_edges = 0

    while stored:
        take(*stored.pop(0))
    report(progress, 0.7)
    # Pass 2: the blocks whose pairs did not fit, searched again.
    for a in range(first_unstored, nb):
        (i, j), _ = pairs.row(a)
        take(i, j)
        report(progress, 0.7 + 0.25 * (a + 1 - first_unstored) / (nb - first_unstored))
    if edges_a:
        root = _merge_edges(root, np.concatenate(edges_a), np.concatenate(edges_b))
    # One-way pairs (ties): from a core sample to a core sample, a link scikit-learn's
    # expansion follows forwards only; from a core sample to another point, a border.
    f = np.concatenate([p[0] for p in one_way] or [np.empty(0, np.int64)]).astype(np.int64)
    t = np.concatenate([p[1] for p in one_way] or [np.empty(0, np.int64)]).astype(np.int64)
    from_core = core_mask[f]
    to_core = core_mask[t]
    border_v.append(t[from_core & ~to_core])
    border_q.append(f[from_core & ~to_core])
    links = from_core & to_core
    _, comp = np.unique(root, return_inverse=True)
    labels_core = _number_components(comp.astype(np.int64), int(comp.max()) + 1, core_idx,
                                     (position[f[links]], position[t[links]]))
    bv = np.concatenate(border_v).astype(np.int64)
    bq = np.concatenate(border_q).astype(np.int64)
    if bv.size:
        border_idx, border_lab = _min_label_per_point(bv, labels_core[position[bq]])
    else:
        border_idx, border_lab = np.empty(0, np.int64), np.empty(0, np.int64)
    return _finish(labels_core, core_idx, n, border_idx, border_lab, eps, min_samples, method)


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
        raise DataError(f"k={k} needs more than {k:,} points; the data has {n:,}.")
    tree = _index_tree(index, X)
    if sklearn_uses_brute(n, X.shape[1]):
        # Where scikit-learn's own neighbour search is brute force (many features), so is
        # this: its blocked distance kernel, without the GIL, is ~3x faster than a KD-tree
        # there (20,000 x 64: 1.3 s against 4 s), and its numbers are scikit-learn's.
        from sklearn.neighbors import NearestNeighbors

        brute = NearestNeighbors(n_neighbors=k + 1, algorithm="brute").fit(X)

        def query(Q):
            return brute.kneighbors(Q, return_distance=True)[0]
    else:
        tree = tree if tree is not None else _tree(X)

        def query(Q):
            return tree.query(Q, k=k + 1)[0]
    report(progress, 0.1)
    out = np.empty(n, dtype=np.float64)
    for start, stop in timed_chunks(n, most=_KNN_CHUNK, row_cost=float(n) * X.shape[1]):
        out[start:stop] = query(X[start:stop])[:, k]
        report(progress, 0.1 + 0.9 * stop / n)
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
    "sklearn_uses_brute",
    "suggest_eps",
]
