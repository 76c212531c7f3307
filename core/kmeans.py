"""K-Means, as scikit-learn computes it, and as a person can watch it.

* :func:`fit_kmeans` gives the same centres, labels and inertia as
  ``sklearn.cluster.KMeans`` with the same arguments. It runs scikit-learn's
  own single-run kernels (Lloyd or Elkan) one iteration at a time, so a long
  fit reports progress and can be cancelled, and it returns the initial
  centres of the run that won.
* :class:`LloydStepper` walks through Lloyd's iterations one at a time, and
  back. After ``t`` steps its centres are those of
  ``KMeans(init=..., n_init=1, max_iter=t, algorithm="lloyd")``.
* :func:`decision_regions`, :func:`soft_assignment` and
  :func:`init_variability` feed the views (regions background, the
  soft-clustering table, the histogram of final inertias).

Like ``KMeans.fit`` on dense data, the work is done on the data centred by its
mean and the centres are shifted back at the end; the tolerance is scaled by
the mean variance of the features; convergence is strict (no label changed) or
when the squared centre shift is within the tolerance; empty clusters are
relocated to the points farthest from their centres.
"""

from __future__ import annotations

import functools
import numbers
import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from core.errors import DataError
from core.progress import ProgressFn, report, scaled
from core.validation import as_data_matrix

__all__ = [
    "INIT_METHODS",
    "DecisionRegions",
    "KMeansResult",
    "LloydStepper",
    "SoftAssignment",
    "StepperHistory",
    "VariabilityResult",
    "decision_regions",
    "distances_to_centers",
    "fit_kmeans",
    "init_variability",
    "inertia_histogram",
    "soft_assignment",
    "kernel_status",
]

INIT_METHODS = ("k-means++", "random")
ALGORITHMS = ("lloyd", "elkan")

#: Labels of at most this many bytes are kept for ``LloydStepper.back()``;
#: older ones are recomputed (the assignment is deterministic, so exactly).
LABEL_CACHE_BYTES = 128 * 2**20


# --------------------------------------------------------------------------- results


def _frozen(a, dtype=None) -> np.ndarray:
    out = np.array(a, dtype=dtype, copy=True)
    out.setflags(write=False)
    return out


@dataclass(frozen=True)
class KMeansResult:
    """A fitted K-Means model.

    ``centers`` (k, d), ``labels`` (n,), ``inertia`` and ``n_iter`` are those
    of ``KMeans.cluster_centers_``, ``labels_``, ``inertia_`` and ``n_iter_``.
    ``init`` holds the initial centres of the run that won; ``run_inertias``
    the final inertia of every run (``n_init`` of them).
    """

    centers: np.ndarray
    labels: np.ndarray
    inertia: float
    n_iter: int
    init: np.ndarray
    n_clusters: int
    init_method: str
    n_init: int
    algorithm: str
    max_iter: int
    random_state: int | None
    run_inertias: np.ndarray
    best_run: int
    #: with ``fit_kmeans(..., history=True)``: the centres (n_iter + 1, k, d) after every
    #: iteration of the run that won, starting with its initial centres (``history[t]`` is
    #: ``KMeans(init=init, n_init=1, max_iter=t).fit(X).cluster_centers_``)
    history: np.ndarray | None = None
    #: the inertia (n_iter + 1,) of the points labelled by the nearest of ``history[t]``
    history_inertia: np.ndarray | None = None
    #: whether the winning run stopped by scikit-learn's rule (not by reaching max_iter)
    converged: bool = True
    #: what scikit-learn would warn about this fit, as sentences (fewer distinct clusters
    #: than k, no convergence); nothing is written to stderr
    warnings: tuple[str, ...] = ()

    @property
    def score(self) -> float:
        """What ``KMeans.score(X)`` returns on the training data: minus the inertia."""
        return -self.inertia


@dataclass(frozen=True)
class StepperHistory:
    """Centres (t+1, k, d) and inertia (t+1,) of iterations 0..t of a :class:`LloydStepper`."""

    centers: np.ndarray
    inertia: np.ndarray

    def __len__(self) -> int:
        return int(self.inertia.shape[0])


@dataclass(frozen=True)
class DecisionRegions:
    """The nearest centre of every cell of a grid (row 0 at ``y_range[0]``).

    ``labels`` is (ny, nx); ``x`` and ``y`` are the coordinates of the cell
    centres the labels were computed at.
    """

    labels: np.ndarray
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    x: np.ndarray
    y: np.ndarray


@dataclass(frozen=True)
class SoftAssignment:
    """``distances`` (m, k): what ``KMeans.transform(X_new)`` gives; ``labels``: ``predict``."""

    distances: np.ndarray
    labels: np.ndarray


@dataclass(frozen=True)
class VariabilityResult:
    """Final inertia of ``n_runs`` single-initialisation fits.

    Run ``i`` is ``KMeans(n_clusters, init=init, n_init=1,
    random_state=seeds[i])``.
    """

    init: str
    n_clusters: int
    inertias: np.ndarray
    n_iter: np.ndarray
    seeds: np.ndarray

    @property
    def best(self) -> float:
        return float(self.inertias.min())

    @property
    def worst(self) -> float:
        return float(self.inertias.max())

    def share_near_best(self, best: float | None = None, rel: float = 0.01) -> float:
        """Fraction of runs whose inertia is within ``rel`` of ``best`` (default: their own)."""
        best = self.best if best is None else best
        return float(np.mean(self.inertias <= best * (1 + rel)))


# --------------------------------------------------------------------------- validation


def _check_X(X, what: str = "The data") -> np.ndarray:
    return as_data_matrix(X, what, purpose="K-Means", copy=True)


def _check_k(n_clusters, n_samples: int) -> int:
    if isinstance(n_clusters, bool) or not isinstance(n_clusters, numbers.Integral):
        raise DataError(f"The number of clusters must be a whole number, not {n_clusters!r}.")
    k = int(n_clusters)
    if k < 1:
        raise DataError(f"The number of clusters must be at least 1, not {k}.")
    if k > n_samples:
        raise DataError(
            f"K-Means cannot make {k} clusters from {n_samples} "
            f"point{'s' if n_samples != 1 else ''}: choose k ≤ {n_samples}."
        )
    return k


def _check_init(init, k: int, d: int):
    """``"k-means++"``, ``"random"`` or a float64 (k, d) array."""
    if isinstance(init, str):
        if init not in INIT_METHODS:
            raise DataError(f"init must be 'k-means++', 'random' or an array of centres, not '{init}'.")
        return init
    try:
        arr = np.array(init, dtype=np.float64, order="C", copy=True)
    except (TypeError, ValueError) as exc:
        raise DataError("The initial centres must be numbers.") from exc
    if arr.ndim != 2 or arr.shape != (k, d):
        raise DataError(
            f"The initial centres have shape {arr.shape}, but {k} cluster"
            f"{'s' if k != 1 else ''} of {d} feature{'s' if d != 1 else ''} need shape ({k}, {d})."
        )
    if not np.all(np.isfinite(arr)):
        raise DataError("The initial centres contain missing or infinite values.")
    return arr


def _check_positive_int(value, name: str, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise DataError(f"{name} must be a whole number of at least {minimum}, not {value!r}.")
    return int(value)


def _check_random_state(random_state):
    from sklearn.utils import check_random_state

    if random_state is not None and not isinstance(random_state, np.random.RandomState):
        if isinstance(random_state, bool) or not isinstance(random_state, numbers.Integral):
            raise DataError(f"random_state must be a whole number or None, not {random_state!r}.")
        if not 0 <= int(random_state) < 2**32:
            raise DataError(f"random_state must be between 0 and 2**32 - 1, not {random_state}.")
        random_state = int(random_state)
    return check_random_state(random_state)


# --------------------------------------------------------------------------- centred data

#: Tables whose centred copies are kept (:func:`_centred`): the last ones worked on.
KEEP_CENTRED = 2


class _Centred:
    """A table's column means and ``Xc = X - mean``; ``cols`` (``Xc``'s columns, contiguous)
    made when first asked for. Read-only. (It keeps no reference to the table itself: a
    table kept only by this would never be freed.)"""

    def __init__(self, X: np.ndarray):
        self.mean = X.mean(axis=0)
        self.Xc = X - self.mean
        self.mean.setflags(write=False)
        self.Xc.setflags(write=False)
        self._cols: np.ndarray | None = None
        self._var: float | None = None
        self._lock = threading.Lock()

    @property
    def cols(self) -> np.ndarray:
        with self._lock:
            if self._cols is None:
                cols = np.ascontiguousarray(self.Xc.T)
                cols.setflags(write=False)
                self._cols = cols
            return self._cols

    def tolerance(self, X: np.ndarray, tol: float) -> float:
        """scikit-learn's tolerance: ``tol`` times the mean variance of the features of
        ``X`` (the table centred here: computed once)."""
        if tol == 0:
            return 0.0
        if self._var is None:
            self._var = float(np.mean(np.var(X, axis=0)))
        return self._var * tol


_centred_kept: OrderedDict[int, tuple[weakref.ref, _Centred]] = OrderedDict()
_centred_lock = threading.Lock()


def _centred(X) -> tuple[np.ndarray, _Centred]:
    """``X`` checked, and centred (:class:`_Centred`): shared by the fits and steppers on it.

    A stepper holds ``X - mean`` and its columns (twice the table: 150 000 x 64 is 154 MB),
    and each new one made them again from a fresh copy of ``X``; the one it replaced was then
    freed on the GUI thread, where giving 154 MB back to the system took 10-13 ms of a turn.
    For a table that cannot change (a read-only array: the app's datasets) they are made
    once and kept while the table lives, for the last :data:`KEEP_CENTRED` tables.
    """
    key = id(X) if _read_only(X) else None
    if key is not None:
        with _centred_lock:
            kept = _centred_kept.get(key)
            if kept is not None and kept[0]() is X:
                _centred_kept.move_to_end(key)
                return X, kept[1]
    if key is None:
        X = _check_X(X)
        return X, _Centred(X)
    X = as_data_matrix(X, "The data", purpose="K-Means")  # (checked; read-only: not copied)
    c = _Centred(X)
    with _centred_lock:
        _centred_kept[key] = (weakref.ref(X, functools.partial(
            _forget_centred, _centred_kept, _centred_lock, key)), c)
        _centred_kept.move_to_end(key)
        dropped = [_centred_kept.popitem(last=False)
                   for _ in range(len(_centred_kept) - KEEP_CENTRED)]
    del dropped  # (freed outside the lock)
    return X, c


def _forget_centred(table: OrderedDict, lock: threading.Lock, key: int,
                    ref: weakref.ref) -> None:
    """A kept table was freed: its centred copy goes too (``table``, ``lock``: bound when it
    was kept, so this works at interpreter exit too)."""
    with lock:
        kept = table.get(key)
        gone = table.pop(key) if kept is not None and kept[0] is ref else None
    del gone


def _read_only(X) -> bool:
    """Whether ``X`` is a float64 C-contiguous 2-D array nothing can write to: it and every
    array it views read-only, and what they view is read-only memory."""
    if not (isinstance(X, np.ndarray) and X.ndim == 2 and X.dtype == np.float64
            and X.flags.c_contiguous):
        return False
    a = X
    while isinstance(a, np.ndarray):
        if a.flags.writeable:
            return False
        a = a.base
    if a is None:
        return True
    try:
        return memoryview(a).readonly
    except TypeError:
        return False


# --------------------------------------------------------------------------- kernels


class _Kernels:
    """scikit-learn's compiled K-Means kernels, or None when they cannot be trusted.

    They are private (``_k_means_lloyd.lloyd_iter_chunked_dense``, the elkan ones,
    ``_inertia_dense``) and called with many positional arguments, so a new
    scikit-learn may change them. Once per process, before the first fit (scikit-learn
    is imported lazily, so not when this module is imported), they are run on a tiny
    problem and compared with the numpy path; on ANY failure (missing, another
    signature, another answer) every fit uses the numpy path, and :func:`kernel_status`
    says why (the About box shows it).
    """

    _loaded = False
    lloyd_iter = None
    elkan_init_bounds = None
    elkan_iter = None
    inertia = None
    n_threads = 1
    failure: str | None = None

    @classmethod
    def get(cls):
        if not cls._loaded:
            cls._loaded = True
            try:
                from sklearn.utils._openmp_helpers import _openmp_effective_n_threads

                cls.n_threads = int(_openmp_effective_n_threads())
            except Exception:  # noqa: BLE001 - private helper: any failure means "unknown"
                import os

                cls.n_threads = os.cpu_count() or 1
            try:
                cls._load()
                _check_kernels(cls)
            except Exception as exc:  # noqa: BLE001 - any failure: the tested numpy path
                cls.lloyd_iter = cls.elkan_init_bounds = cls.elkan_iter = cls.inertia = None
                cls.failure = f"{type(exc).__name__}: {exc}"
        return cls if cls.lloyd_iter is not None else None

    @classmethod
    def _load(cls) -> None:
        from sklearn.cluster._k_means_common import _inertia_dense
        from sklearn.cluster._k_means_elkan import elkan_iter_chunked_dense, init_bounds_dense
        from sklearn.cluster._k_means_lloyd import lloyd_iter_chunked_dense

        cls.lloyd_iter = staticmethod(lloyd_iter_chunked_dense)
        cls.elkan_init_bounds = staticmethod(init_bounds_dense)
        cls.elkan_iter = staticmethod(elkan_iter_chunked_dense)
        cls.inertia = staticmethod(_inertia_dense)


def _check_kernels(kernels) -> None:
    """Run the kernels on a tiny problem; raise unless they agree with the numpy path."""
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [5.0, 5.0], [5.0, 6.0], [6.0, 5.0],
                  [9.0, 0.0], [9.5, 0.5]])
    Xc = X - X.mean(axis=0)
    start = Xc[[0, 1, 3]].copy()
    want = _single_numpy(Xc, start.copy(), 20, 0.0, None, _Lloyd(Xc, 3, use_kernels=False))
    for name, single in (("lloyd", _single_lloyd), ("elkan", _single_elkan)):
        got = single(Xc, start.copy(), 20, 0.0, None, kernels)
        if not (np.array_equal(np.asarray(got[0]), want[0])
                and np.allclose(got[2], want[2], atol=1e-9)
                and abs(got[1] - want[1]) <= 1e-9 * max(1.0, want[1])):
            raise RuntimeError(f"the {name} kernel gave another answer than the numpy path")


def kernel_status() -> str:
    """One sentence: which K-Means kernels the fits use (for the About box)."""
    if _Kernels.get() is not None:
        return "K-Means uses scikit-learn's compiled kernels (checked on a test problem)."
    return ("K-Means uses its own numpy path: scikit-learn's private kernels failed the "
            f"check at start-up ({_Kernels.failure}). Results are the same, fits slower.")


def _numpy_assign(Xc: np.ndarray, centers: np.ndarray, labels: np.ndarray,
                  chunk: int = 65536) -> float:
    """Nearest centre of every row (into ``labels``) and the inertia, in plain numpy."""
    n, d = Xc.shape
    k = centers.shape[0]
    total = 0.0
    best = np.empty(min(chunk, n))
    dist = np.empty_like(best)
    tmp = np.empty_like(best)
    mask = np.empty(best.shape, dtype=bool)
    for s in range(0, n, chunk):
        e = min(n, s + chunk)
        rows = Xc[s:e]
        m = e - s
        b, dd, t, mk = best[:m], dist[:m], tmp[:m], mask[:m]
        lab = labels[s:e]
        for j in range(k):
            out = b if j == 0 else dd
            np.subtract(rows[:, 0], centers[j, 0], out=out)
            np.multiply(out, out, out=out)
            for f in range(1, d):
                np.subtract(rows[:, f], centers[j, f], out=t)
                np.multiply(t, t, out=t)
                np.add(out, t, out=out)
            if j == 0:
                lab[:] = 0
            else:
                np.less(dd, b, out=mk)
                np.copyto(b, dd, where=mk)
                np.copyto(lab, j, where=mk)
        total += float(b.sum())
    return total


def _relocate_empty(Xc, centers_old, sums, weights, labels) -> None:
    """scikit-learn's ``_relocate_empty_clusters_dense`` (unit weights), in place."""
    empty = np.where(np.equal(weights, 0))[0].astype(np.int32)
    n_empty = empty.shape[0]
    if n_empty == 0:
        return
    distances = ((np.asarray(Xc) - np.asarray(centers_old)[labels]) ** 2).sum(axis=1)
    if np.max(distances) == 0:
        return
    far = np.argpartition(distances, -n_empty)[: -n_empty - 1: -1].astype(np.int32)
    for idx in range(n_empty):
        new_id = empty[idx]
        far_idx = far[idx]
        old_id = labels[far_idx]
        sums[old_id] -= Xc[far_idx]
        sums[new_id] = Xc[far_idx]
        weights[new_id] = 1.0
        weights[old_id] -= 1.0


def _average(sums: np.ndarray, weights: np.ndarray) -> None:
    """scikit-learn's ``_average_centers``, in place (same order, same quirks)."""
    argmax = int(np.argmax(weights))
    for j in range(sums.shape[0]):
        if weights[j] > 0:
            sums[j] *= 1.0 / weights[j]
        else:
            sums[j] = sums[argmax]


class _Lloyd:
    """The two halves of a Lloyd iteration on centred data."""

    def __init__(self, Xc: np.ndarray, n_clusters: int, use_kernels: bool = True,
                 n_threads: int | None = None, cols: np.ndarray | None = None):
        self.Xc = Xc
        self.k = n_clusters
        self.n, self.d = Xc.shape
        self.cols = np.ascontiguousarray(Xc.T) if cols is None else cols
        self.kernels = _Kernels.get() if use_kernels else None
        if n_threads is None:
            n_threads = _Kernels.n_threads if self.kernels is not None else 1
        self.n_threads = max(1, int(n_threads))
        self._weights = np.ones(self.n, dtype=np.float64)
        self._shift = np.zeros(n_clusters, dtype=np.float64)

    def assign(self, centers: np.ndarray, labels: np.ndarray) -> float:
        """Labels (written into ``labels``, int32) and inertia for ``centers``."""
        centers = np.ascontiguousarray(centers, dtype=np.float64)
        kern = self.kernels
        if kern is None:
            return _numpy_assign(self.Xc, centers, labels)
        kern.lloyd_iter(self.Xc, self._weights, centers, None, None, labels, self._shift,
                        self.n_threads, update_centers=False)
        return float(kern.inertia(self.Xc, self._weights, centers, labels, self.n_threads))

    def update(self, labels: np.ndarray, centers_old: np.ndarray) -> tuple[np.ndarray, float]:
        """New centres from ``labels`` (empty clusters relocated) and the squared total shift."""
        k = self.k
        weights = np.bincount(labels, minlength=k).astype(np.float64)
        sums = np.empty((k, self.d), dtype=np.float64)
        for f in range(self.d):
            sums[:, f] = np.bincount(labels, weights=self.cols[f], minlength=k)
        if not weights.all():
            _relocate_empty(self.Xc, centers_old, sums, weights, labels)
        _average(sums, weights)
        shift = np.sqrt(((sums - centers_old) ** 2).sum(axis=1))
        return sums, float((shift ** 2).sum())


# --------------------------------------------------------------------------- initialisation


def _draw_init(Xc: np.ndarray, X: np.ndarray, k: int, init, rs, x_sq) -> np.ndarray:
    """Initial centres in the original coordinates, drawn exactly as ``KMeans.fit`` does."""
    n = Xc.shape[0]
    if isinstance(init, str) and init == "k-means++":
        from sklearn.cluster import kmeans_plusplus

        weights = np.ones(n, dtype=np.float64)
        _, indices = kmeans_plusplus(Xc, k, sample_weight=weights, x_squared_norms=x_sq,
                                     random_state=rs)
        return X[indices]
    if isinstance(init, str) and init == "random":
        weights = np.ones(n, dtype=np.float64)
        seeds = rs.choice(n, size=k, replace=False, p=weights / weights.sum())
        return X[seeds]
    return np.array(init, dtype=np.float64, copy=True)


def _row_norms_sq(Xc: np.ndarray) -> np.ndarray:
    from sklearn.utils.extmath import row_norms

    return row_norms(Xc, squared=True)


# --------------------------------------------------------------------------- single runs


def _single_lloyd(Xc, centers_init, max_iter, tol, progress, kernels, trace=None):
    """scikit-learn's ``_kmeans_single_lloyd``, one iteration at a time.

    scikit-learn wraps it in ``threadpool_limits(1, "blas")``; the kernel's matrix products are
    256-row chunks, far below the size where OpenBLAS starts threads, and limiting measured no
    difference here. Changing the BLAS thread count from several threads at once (this runs on
    worker threads beside the window's) is what is avoided.
    """
    n = Xc.shape[0]
    k = centers_init.shape[0]
    weights = np.ones(n, dtype=np.float64)
    centers = np.ascontiguousarray(centers_init, dtype=np.float64)
    centers_new = np.zeros_like(centers)
    labels = np.full(n, -1, dtype=np.int32)
    labels_old = labels.copy()
    weight_in_clusters = np.zeros(k, dtype=np.float64)
    center_shift = np.zeros(k, dtype=np.float64)
    nt = kernels.n_threads
    strict = False
    for i in range(max_iter):
        report(progress, i / max_iter)
        kernels.lloyd_iter(Xc, weights, centers, centers_new, weight_in_clusters, labels,
                           center_shift, nt)
        if trace is not None:
            trace.record(centers, float(kernels.inertia(Xc, weights, centers, labels, nt)))
        centers, centers_new = centers_new, centers
        if np.array_equal(labels, labels_old):
            strict = True
            break
        if (center_shift ** 2).sum() <= tol:
            break
        labels_old[:] = labels
    converged = strict or (center_shift ** 2).sum() <= tol
    if not strict:
        kernels.lloyd_iter(Xc, weights, centers, centers, weight_in_clusters, labels,
                           center_shift, nt, update_centers=False)
    inertia = float(kernels.inertia(Xc, weights, centers, labels, nt))
    if trace is not None:
        trace.finish(centers, inertia, converged)
    return labels, inertia, centers, i + 1


def _single_elkan(Xc, centers_init, max_iter, tol, progress, kernels, trace=None):
    """scikit-learn's ``_kmeans_single_elkan``, one iteration at a time."""
    from sklearn.metrics.pairwise import euclidean_distances

    n = Xc.shape[0]
    k = centers_init.shape[0]
    weights = np.ones(n, dtype=np.float64)
    centers = np.ascontiguousarray(centers_init, dtype=np.float64)
    centers_new = np.zeros_like(centers)
    weight_in_clusters = np.zeros(k, dtype=np.float64)
    labels = np.full(n, -1, dtype=np.int32)
    labels_old = labels.copy()
    half = euclidean_distances(centers) / 2
    next_center = np.partition(np.asarray(half), kth=1, axis=0)[1]
    upper = np.zeros(n, dtype=np.float64)
    lower = np.zeros((n, k), dtype=np.float64)
    center_shift = np.zeros(k, dtype=np.float64)
    nt = kernels.n_threads
    kernels.elkan_init_bounds(Xc, centers, half, labels, upper, lower, n_threads=nt)
    strict = False
    for i in range(max_iter):
        report(progress, i / max_iter)
        kernels.elkan_iter(Xc, weights, centers, centers_new, weight_in_clusters, half,
                           next_center, upper, lower, labels, center_shift, nt)
        if trace is not None:
            trace.record(centers, float(kernels.inertia(Xc, weights, centers, labels, nt)))
        half = euclidean_distances(centers_new) / 2
        next_center = np.partition(np.asarray(half), kth=1, axis=0)[1]
        centers, centers_new = centers_new, centers
        if np.array_equal(labels, labels_old):
            strict = True
            break
        if (center_shift ** 2).sum() <= tol:
            break
        labels_old[:] = labels
    converged = strict or (center_shift ** 2).sum() <= tol
    if not strict:
        kernels.elkan_iter(Xc, weights, centers, centers, weight_in_clusters, half, next_center,
                           upper, lower, labels, center_shift, nt, update_centers=False)
    inertia = float(kernels.inertia(Xc, weights, centers, labels, nt))
    if trace is not None:
        trace.finish(centers, inertia, converged)
    return labels, inertia, centers, i + 1


def _single_numpy(Xc, centers_init, max_iter, tol, progress, lloyd: _Lloyd, trace=None):
    """The same run with the stepper's numpy halves (when the kernels are missing)."""
    n = Xc.shape[0]
    labels = np.empty(n, dtype=np.int32)
    labels_old = np.full(n, -1, dtype=np.int32)
    centers = np.ascontiguousarray(centers_init, dtype=np.float64)
    inertia = lloyd.assign(centers, labels)
    converged = False
    for i in range(max_iter):
        report(progress, i / max_iter)
        if trace is not None:
            trace.record(centers, inertia)
        new, shift_tot = lloyd.update(labels, centers)
        strict = np.array_equal(labels, labels_old)
        centers = new
        if strict:
            converged = True
            break
        labels_old[:] = labels
        inertia = lloyd.assign(centers, labels)
        if shift_tot <= tol:
            converged = True
            break
    if trace is not None:
        trace.finish(centers, inertia, converged)
    return labels, inertia, centers, i + 1


class _Trace:
    """The centres and inertia of every iteration of one run (``fit_kmeans(history=True)``)."""

    def __init__(self):
        self.centers: list[np.ndarray] = []
        self.inertia: list[float] = []
        self.converged = False

    def record(self, centers: np.ndarray, inertia: float) -> None:
        self.centers.append(np.array(centers, dtype=np.float64, copy=True))
        self.inertia.append(inertia)

    def finish(self, centers: np.ndarray, inertia: float, converged: bool) -> None:
        self.record(centers, inertia)
        self.converged = bool(converged)


def _same_clustering(labels1: np.ndarray, labels2: np.ndarray) -> bool:
    """Whether ``labels1`` determines ``labels2`` (scikit-learn's ``_is_same_clustering``)."""
    pairs = np.unique(np.stack([labels1, labels2]), axis=1)
    return pairs.shape[1] == np.unique(labels1).size


# --------------------------------------------------------------------------- fit


def fit_kmeans(
    X,
    n_clusters: int,
    init="k-means++",
    n_init="auto",
    algorithm: str = "lloyd",
    max_iter: int = 300,
    random_state=42,
    *,
    tol: float = 1e-4,
    progress: ProgressFn | None = None,
    history: bool = False,
) -> KMeansResult:
    """Fit K-Means like ``sklearn.cluster.KMeans(...).fit(X)``, with progress and Cancel.

    ``init`` is ``"k-means++"``, ``"random"`` or a (k, d) array of initial
    centres. ``n_init="auto"`` means one run for k-means++ and an array, ten
    for random. ``X`` is used as float64 (scikit-learn keeps float32 input in
    float32, so compare float64 data). ``progress`` is called once per
    iteration and may raise :class:`core.errors.Cancelled`. Bad arguments
    raise :class:`DataError`.

    ``history=True`` also keeps the winning run's path: ``result.history`` holds
    its centres after every iteration, starting with the initial ones (no
    second run is needed to step through the iterations), and
    ``result.history_inertia`` the inertia of each.
    """
    X, data = _centred(X)
    n, d = X.shape
    k = _check_k(n_clusters, n)
    init = _check_init(init, k, d)
    if algorithm not in ALGORITHMS:
        hint = " ('full' is now called 'lloyd')" if algorithm == "full" else ""
        raise DataError(f"algorithm must be 'lloyd' or 'elkan', not '{algorithm}'{hint}.")
    max_iter = _check_positive_int(max_iter, "max_iter")
    if isinstance(n_init, str):
        if n_init != "auto":
            raise DataError(f"n_init must be 'auto' or a whole number, not '{n_init}'.")
        runs = 10 if (isinstance(init, str) and init == "random") else 1
    else:
        runs = _check_positive_int(n_init, "n_init")
    if not isinstance(init, str):
        runs = 1
    if tol < 0:
        raise DataError(f"tol must be zero or positive, not {tol}.")
    rs = _check_random_state(random_state)
    tol_abs = data.tolerance(X, tol)
    used_algorithm = "lloyd" if (algorithm == "elkan" and k == 1) else algorithm

    X_mean, Xc = data.mean, data.Xc
    x_sq = _row_norms_sq(Xc)
    kernels = _Kernels.get()
    lloyd = None if kernels is not None else _Lloyd(Xc, k, use_kernels=False, cols=data.cols)

    best = None
    run_inertias = np.empty(runs)
    for run in range(runs):
        part = scaled(progress, run / runs, (run + 1) / runs)
        report(part, 0.0)
        init_centers = _draw_init(Xc, X, k, init, rs, x_sq)
        centers0 = init_centers - X_mean
        trace = _Trace() if history else None
        if kernels is None:
            out = _single_numpy(Xc, centers0, max_iter, tol_abs, part, lloyd, trace)
        elif used_algorithm == "elkan":
            out = _single_elkan(Xc, centers0, max_iter, tol_abs, part, kernels, trace)
        else:
            out = _single_lloyd(Xc, centers0, max_iter, tol_abs, part, kernels, trace)
        labels, inertia, centers, n_iter = out
        run_inertias[run] = inertia
        if best is None or (inertia < best[1] and not _same_clustering(labels, best[0])):
            best = (labels, inertia, centers, n_iter, init_centers, run, trace)
    report(progress, 1.0)
    labels, inertia, centers, n_iter, init_centers, best_run, trace = best
    centers = centers + X_mean
    path = path_inertia = None
    if trace is not None:
        path = np.stack(trace.centers) + X_mean
        path[0] = init_centers  # exactly the centres drawn
        path[-1] = centers
        path_inertia = np.asarray(trace.inertia, dtype=np.float64)
    converged = True if trace is None else trace.converged
    return KMeansResult(
        centers=_frozen(centers),
        labels=_frozen(labels, np.int32),
        inertia=float(inertia),
        n_iter=int(n_iter),
        init=_frozen(init_centers),
        n_clusters=k,
        init_method=init if isinstance(init, str) else "array",
        n_init=runs,
        algorithm=algorithm,
        max_iter=max_iter,
        random_state=(int(random_state) if isinstance(random_state, numbers.Integral) else None),
        run_inertias=_frozen(run_inertias),
        best_run=int(best_run),
        history=None if path is None else _frozen(path),
        history_inertia=None if path_inertia is None else _frozen(path_inertia),
        converged=converged,
        warnings=fit_warnings(labels, k, converged, max_iter),
    )


def fit_warnings(labels: np.ndarray | None, k: int, converged: bool = True,
                 max_iter: int = 300, distinct: int | None = None) -> tuple[str, ...]:
    """The sentences scikit-learn's ``KMeans.fit`` would warn with for this fit (``distinct``
    clusters counted by the caller when it has no labels of every point)."""
    out = []
    if distinct is None:
        distinct = int(np.unique(labels).size)
    if distinct < k:
        # scikit-learn's ConvergenceWarning, word for word
        out.append(f"Number of distinct clusters ({distinct}) found smaller than n_clusters "
                   f"({k}). Possibly due to duplicate points in X.")
    if not converged:
        out.append(f"The fit stopped after max_iter={max_iter} iterations before the centres "
                   "settled; a larger max_iter lets it converge.")
    return tuple(out)


# --------------------------------------------------------------------------- stepper


class LloydStepper:
    """Lloyd's algorithm one iteration at a time, forwards and back.

    Iteration 0 holds the initial centres (drawn exactly as
    ``KMeans(init=init, n_init=1, random_state=random_state)`` draws them) and
    the labels they give. ``step()`` moves every centre to the mean of its
    points and relabels the points; after ``t`` steps, ``centers`` equal
    ``KMeans(init=init, n_init=1, max_iter=t, algorithm="lloyd",
    random_state=random_state).fit(X).cluster_centers_`` and ``labels`` its
    ``labels_``. Once scikit-learn's rule says it converged, ``step()`` does
    nothing; ``back()`` restores the previous state exactly.
    """

    def __init__(self, X, n_clusters: int, init="random", random_state=42, *,
                 tol: float = 1e-4, n_threads: int | None = 1,
                 use_kernels: bool = True):
        # One OpenMP thread by default: measured faster on a shared 2-core machine, and it
        # leaves the other core to the window that repaints between steps.
        X, data = _centred(X)
        Xc = data.Xc
        n, d = X.shape
        self.n_clusters = _check_k(n_clusters, n)
        init = _check_init(init, self.n_clusters, d)
        if tol < 0:
            raise DataError(f"tol must be zero or positive, not {tol}.")
        self.init_method = init if isinstance(init, str) else "array"
        self.random_state = random_state
        rs = _check_random_state(random_state)
        self.tol = data.tolerance(X, tol)
        self._mean = data.mean
        self._lloyd = _Lloyd(Xc, self.n_clusters, use_kernels=use_kernels, n_threads=n_threads,
                             cols=data.cols)
        x_sq = _row_norms_sq(Xc) if isinstance(init, str) and init == "k-means++" else None
        self.init_centers = _frozen(_draw_init(Xc, X, self.n_clusters, init, rs, x_sq))
        self.n_samples, self.n_features = n, d
        c0 = np.ascontiguousarray(self.init_centers - self._mean)
        labels = np.empty(n, dtype=np.int32)
        inertia = self._lloyd.assign(c0, labels)
        self._centers_c: list[np.ndarray] = [c0]
        self._centers_o: list[np.ndarray] = [self.init_centers]
        self._inertia: list[float] = [inertia]
        self._labels = labels
        self._labels.setflags(write=False)
        self._cache: dict[int, np.ndarray] = {0: labels}
        self._converged_at: int | None = None  # iteration reached by the converging step
        self._strict = False
        self._changed = 0

    @classmethod
    def from_result(cls, X, result: KMeansResult, *, tol: float = 1e-4,
                    n_threads: int | None = 1, use_kernels: bool = True) -> LloydStepper:
        """A stepper standing at the end of a fit made with ``fit_kmeans(..., history=True)``.

        Its history is the fit's (nothing is run again): ``back()`` walks the
        winning run's iterations, ``reset()`` goes to its initial centres.
        """
        if result.history is None or result.history_inertia is None:
            raise DataError("This fit kept no history: fit it with history=True.")
        X, data = _centred(X)
        n, d = X.shape
        self = cls.__new__(cls)
        self.n_clusters = result.n_clusters
        self.init_method = result.init_method
        self.random_state = result.random_state
        self.tol = data.tolerance(X, tol)
        self._mean = data.mean
        self._lloyd = _Lloyd(data.Xc, self.n_clusters, use_kernels=use_kernels,
                             n_threads=n_threads, cols=data.cols)
        self.init_centers = _frozen(result.history[0])
        self.n_samples, self.n_features = n, d
        self._centers_o = [_frozen(c) for c in result.history]
        self._centers_c = [np.ascontiguousarray(c - self._mean) for c in result.history]
        self._inertia = [float(v) for v in result.history_inertia]
        self._inertia[-1] = float(result.inertia)
        labels = np.array(result.labels, dtype=np.int32)
        labels.setflags(write=False)
        self._labels = labels
        t = len(self._centers_c) - 1
        self._cache = {t: labels}
        self._converged_at = t if result.converged else None
        self._strict = False
        self._changed = (int(np.count_nonzero(labels != self._labels_at(t - 1)))
                         if t > 0 else 0)
        return self

    # -- state ----------------------------------------------------------------------------------
    @property
    def iteration(self) -> int:
        """How many steps were taken (0: the initial centres)."""
        return len(self._centers_c) - 1

    @property
    def centers(self) -> np.ndarray:
        """The current centres (k, d), in the data's coordinates."""
        return self._centers_o[-1]

    @property
    def labels(self) -> np.ndarray:
        """The cluster of every point for the current centres (read-only int32)."""
        return self._labels

    @property
    def inertia(self) -> float:
        return self._inertia[-1]

    @property
    def score(self) -> float:
        return -self._inertia[-1]

    @property
    def converged(self) -> bool:
        """True once scikit-learn's rule stopped: no label changed, or the shift is within tol."""
        return self._converged_at is not None and self._converged_at == self.iteration

    @property
    def n_iter(self) -> int | None:
        """``KMeans.n_iter_`` once converged, else None."""
        return self._converged_at if self.converged else None

    @property
    def n_changed(self) -> int:
        """How many points changed cluster in the last step."""
        return self._changed

    @property
    def history(self) -> StepperHistory:
        centers = np.stack(self._centers_o)
        centers.setflags(write=False)
        return StepperHistory(centers=centers, inertia=_frozen(self._inertia))

    def _to_original(self, centers_c: np.ndarray) -> np.ndarray:
        out = centers_c + self._mean
        out.setflags(write=False)
        return out

    def _labels_at(self, t: int) -> np.ndarray:
        cached = self._cache.get(t)
        if cached is not None:
            return cached
        labels = np.empty(self.n_samples, dtype=np.int32)
        self._lloyd.assign(self._centers_c[t], labels)
        labels.setflags(write=False)
        self._remember(t, labels)
        return labels

    def _remember(self, t: int, labels: np.ndarray) -> None:
        self._cache[t] = labels
        budget = max(2, LABEL_CACHE_BYTES // max(1, labels.nbytes))
        if len(self._cache) > budget:
            keep = {t, self.iteration, self.iteration - 1}
            for key in sorted(self._cache):
                if len(self._cache) <= budget:
                    break
                if key not in keep:
                    del self._cache[key]

    # -- moves ------------------------------------------------------------------------------------
    def step(self) -> bool:
        """One Lloyd iteration; False (and no change) when already converged."""
        if self.converged:
            return False
        t = self.iteration
        labels = self._labels
        centers_old = self._centers_c[-1]
        new, shift_tot = self._lloyd.update(labels, centers_old)
        strict = t > 0 and np.array_equal(labels, self._labels_at(t - 1))
        if strict:
            new_labels = labels
            inertia = self._inertia[-1]
            self._changed = 0
        else:
            new_labels = np.empty(self.n_samples, dtype=np.int32)
            inertia = self._lloyd.assign(new, new_labels)
            new_labels.setflags(write=False)
            self._changed = int(np.count_nonzero(new_labels != labels))
        self._centers_c.append(new)
        self._centers_o.append(self._to_original(new))
        self._inertia.append(inertia)
        self._labels = new_labels
        self._remember(t + 1, new_labels)
        if strict or shift_tot <= self.tol:
            self._converged_at = t + 1
        return True

    def back(self) -> bool:
        """Undo the last step exactly; False at iteration 0."""
        t = self.iteration
        if t == 0:
            return False
        self._centers_c.pop()
        self._centers_o.pop()
        self._inertia.pop()
        self._cache.pop(t, None)
        self._labels = self._labels_at(t - 1)
        if self._converged_at is not None and self._converged_at > t - 1:
            self._converged_at = None
        self._changed = (int(np.count_nonzero(self._labels != self._labels_at(t - 2)))
                         if t - 1 > 0 else 0)
        return True

    def reset(self) -> None:
        """Back to iteration 0 (the initial centres)."""
        del self._centers_c[1:]
        del self._centers_o[1:]
        del self._inertia[1:]
        self._cache = {0: self._labels_at(0)}
        self._labels = self._cache[0]
        self._converged_at = None
        self._changed = 0

    def run(self, max_steps: int, progress: ProgressFn | None = None) -> int:
        """Step until converged or ``max_steps`` steps were taken; returns the steps taken."""
        max_steps = _check_positive_int(max_steps, "max_steps", minimum=0)
        taken = 0
        while taken < max_steps and not self.converged:
            report(progress, taken / max(1, max_steps))
            self.step()
            taken += 1
        report(progress, 1.0)
        return taken

    def run_to(self, iteration: int, progress: ProgressFn | None = None) -> None:
        """Go to ``iteration`` (backwards or forwards, stopping early when converged)."""
        while self.iteration > iteration:
            self.back()
        if self.iteration < iteration:
            self.run(iteration - self.iteration, progress)

    def predict(self, X_new) -> np.ndarray:
        """The nearest current centre of each row of ``X_new``."""
        return soft_assignment(self.centers, X_new).labels


# --------------------------------------------------------------------------- views


def _resolution(resolution) -> tuple[int, int]:
    if isinstance(resolution, numbers.Integral):
        nx = ny = int(resolution)
    else:
        try:
            nx, ny = (int(v) for v in resolution)
        except (TypeError, ValueError) as exc:
            raise DataError("resolution must be a number of cells or (nx, ny).") from exc
    if nx < 1 or ny < 1:
        raise DataError(f"The grid needs at least one cell each way, not {nx} × {ny}.")
    if nx * ny > 25_000_000:
        raise DataError(f"A {nx} × {ny} grid is too large to draw; use at most 25 million cells.")
    return nx, ny


def decision_regions(centers, x_range, y_range, resolution=500, *,
                     row_block: int = 48) -> DecisionRegions:
    """The nearest centre of every cell of a grid over ``x_range`` × ``y_range``.

    ``resolution`` is the number of cells each way, or ``(nx, ny)``. Labels are
    computed at the cell centres; row 0 is at ``y_range[0]``. Two features only.
    """
    centers = np.asarray(centers, dtype=np.float64)
    if centers.ndim != 2 or centers.shape[1] != 2 or centers.shape[0] == 0:
        raise DataError("Decision regions are drawn for centres of two features only.")
    if not np.all(np.isfinite(centers)):
        raise DataError("The centres contain missing or infinite values.")
    nx, ny = _resolution(resolution)
    x0, x1 = (float(v) for v in x_range)
    y0, y1 = (float(v) for v in y_range)
    if not all(np.isfinite(v) for v in (x0, x1, y0, y1)) or not (x1 > x0 and y1 > y0):
        raise DataError("The region to draw must have finite ranges with start < stop.")
    xs = x0 + (np.arange(nx) + 0.5) * ((x1 - x0) / nx)
    ys = y0 + (np.arange(ny) + 0.5) * ((y1 - y0) / ny)
    k = centers.shape[0]
    dtype = np.uint8 if k <= 255 else np.int32
    labels = np.zeros((ny, nx), dtype=dtype)
    if k > 1:
        dx2 = (xs[None, :] - centers[:, 0:1]) ** 2  # (k, nx)
        dy2 = (ys[None, :] - centers[:, 1:2]) ** 2  # (k, ny)
        rb = max(1, min(row_block, ny))
        best = np.empty((rb, nx))
        cand = np.empty((rb, nx))
        mask = np.empty((rb, nx), dtype=bool)
        for r0 in range(0, ny, rb):
            r1 = min(ny, r0 + rb)
            m = r1 - r0
            b, c, mk, out = best[:m], cand[:m], mask[:m], labels[r0:r1]
            np.add(dx2[0][None, :], dy2[0][r0:r1, None], out=b)
            for j in range(1, k):
                np.add(dx2[j][None, :], dy2[j][r0:r1, None], out=c)
                np.less(c, b, out=mk)
                np.copyto(b, c, where=mk)
                np.copyto(out, j, where=mk)
    labels.setflags(write=False)
    xs.setflags(write=False)
    ys.setflags(write=False)
    return DecisionRegions(labels, (x0, x1), (y0, y1), xs, ys)


def soft_assignment(centers, X_new) -> SoftAssignment:
    """Distances of every row of ``X_new`` to every centre (``transform``) and the nearest one."""
    centers = np.asarray(centers, dtype=np.float64)
    if centers.ndim != 2 or centers.shape[0] == 0:
        raise DataError("The centres must be a (k, d) table with at least one centre.")
    X_new = np.asarray(X_new, dtype=np.float64)
    if X_new.ndim == 1:
        X_new = X_new.reshape(1, -1) if X_new.size == centers.shape[1] else X_new[:, None]
    if X_new.ndim != 2 or X_new.shape[1] != centers.shape[1]:
        raise DataError(
            f"The new instances have {X_new.shape[-1] if X_new.ndim else 0} feature(s) but the "
            f"centres have {centers.shape[1]}."
        )
    if not np.all(np.isfinite(X_new)):
        raise DataError("The new instances contain missing or infinite values.")
    diff = X_new[:, None, :] - centers[None, :, :]
    distances = np.sqrt(np.einsum("mkd,mkd->mk", diff, diff))
    labels = (np.argmin(distances, axis=1).astype(np.int32) if X_new.shape[0]
              else np.empty(0, np.int32))
    return SoftAssignment(_frozen(distances), _frozen(labels))


def init_variability(X, n_clusters: int, init: str = "random", n_runs: int = 100,
                     random_state=0, progress: ProgressFn | None = None,
                     max_iter: int = 300) -> VariabilityResult:
    """Final inertia of ``n_runs`` single-initialisation fits (for a histogram).

    Run ``i`` is ``KMeans(n_clusters, init=init, n_init=1,
    random_state=random_state + i)``; with ``random_state=None`` the seeds are
    drawn at random (and returned).
    """
    if not isinstance(init, str) or init not in INIT_METHODS:
        raise DataError(f"init must be 'k-means++' or 'random', not {init!r}.")
    X = _check_X(X)
    k = _check_k(n_clusters, X.shape[0])
    n_runs = _check_positive_int(n_runs, "The number of runs")
    if random_state is None:
        seeds = np.random.default_rng().integers(0, 2**31 - 1, size=n_runs)
    else:
        if isinstance(random_state, bool) or not isinstance(random_state, numbers.Integral):
            raise DataError(f"random_state must be a whole number or None, not {random_state!r}.")
        if not 0 <= int(random_state) <= 2**32 - 1 - n_runs:
            raise DataError(f"random_state must be between 0 and {2**32 - 1 - n_runs}.")
        seeds = int(random_state) + np.arange(n_runs)
    inertias = np.empty(n_runs)
    n_iter = np.empty(n_runs, dtype=np.int64)
    for i, seed in enumerate(seeds):
        res = fit_kmeans(X, k, init=init, n_init=1, max_iter=max_iter, random_state=int(seed),
                         progress=scaled(progress, i / n_runs, (i + 1) / n_runs))
        inertias[i] = res.inertia
        n_iter[i] = res.n_iter
    report(progress, 1.0)
    return VariabilityResult(init, k, _frozen(inertias), _frozen(n_iter), _frozen(seeds, np.int64))


def distances_to_centers(X, centers, labels, chunk: int = 8192) -> np.ndarray:
    """The distance of every row of ``X`` to its own centre ``centers[labels]`` (n,).

    Computed in blocks of ``chunk`` rows: one (n, d) temporary costs page faults that made
    it 20 times slower on 150,000 x 64."""
    X = np.asarray(X, dtype=float)
    centers = np.asarray(centers, dtype=float)
    labels = np.asarray(labels)
    out = np.empty(len(X))
    for start in range(0, len(X), chunk):
        diff = X[start:start + chunk] - centers[labels[start:start + chunk]]
        out[start:start + chunk] = np.sqrt(np.einsum("ij,ij->i", diff, diff))
    return out


def inertia_histogram(*inertias, bins: int = 30) -> tuple[np.ndarray, list[np.ndarray]]:
    """Shared bin ``edges`` (bins + 1,) over every run's inertia and the ``counts`` of each
    group (a constant inertia gets a bin of width 1 around it)."""
    allv = np.concatenate([np.asarray(v, dtype=float).ravel() for v in inertias])
    lo, hi = float(allv.min()), float(allv.max())
    if hi - lo < 1e-9 * max(1.0, abs(hi)):
        lo, hi = lo - 0.5, hi + 0.5
    edges = np.linspace(lo, hi, bins + 1)
    return edges, [np.histogram(np.asarray(v, dtype=float), bins=edges)[0] for v in inertias]
