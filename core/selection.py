"""Choosing the number of clusters: inertia and scores against k, silhouette diagrams.

The chapter's recipe, as a library:

``sweep_k(X, ks)``
    fits ``KMeans(n_clusters=k, random_state=42)`` for every k and returns a
    :class:`KSweep` with the inertias, silhouette scores, Calinski-Harabasz and
    Davies-Bouldin scores, and every fit's labels and centres (scikit-learn's
    numbers for the same calls).
``find_elbow(ks, inertias)``
    the k at the elbow of the inertia curve (see its docstring for the rule).
``silhouette_diagram(X, labels)``
    the per-cluster sorted silhouette coefficients of the chapter's Figure 9-10,
    as a :class:`SilhouetteDiagram`.
``study_k(X, ks)``
    the sweep plus everything a view of it needs, computed once: every k's
    silhouette diagram, cluster sizes, centres in the 2-D view and (for 2-D
    data) decision-region grid, so that selecting a k costs nothing.
``silhouette_samples(X, labels)`` / ``silhouette_score(X, labels)``
    the same values as scikit-learn's functions of those names, computed in row
    chunks so that memory stays bounded (a few MB of distances at a time, never
    an n × n matrix) with progress reports and cancellation between chunks.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from core.errors import DataError, warnings_as_sentences
from core.kmeans import decision_regions
from core.progress import ProgressFn, report, scaled
from core.projection import project_2d
from core.threads import single_threaded
from core.validation import as_data_matrix

__all__ = [
    "KStudy",
    "KSweep",
    "SilhouetteDiagram",
    "elbow_ratios",
    "find_elbow",
    "silhouette_diagram",
    "silhouette_samples",
    "silhouette_score",
    "study_k",
    "sweep_k",
]

#: Bytes of distances computed at once by the chunked silhouette (a block that stays in cache).
CHUNK_BYTES = 2 * 1024 * 1024

#: Fewest rows per chunk (fewer would make the Python loop overhead show).
MIN_CHUNK_ROWS = 8

#: Up to this many rows, the sweep runs scikit-learn and BLAS on one thread (much faster).
SINGLE_THREAD_MAX_ROWS = 100_000

#: Gains (inertia decreases) below this share of the curve's height count as this share.
ELBOW_GAIN_FLOOR = 1e-4


# --------------------------------------------------------------------------- validation

#: Distance terms (pairs × (features + 6)) per second the exact silhouette is assumed to
#: manage when estimating up front (measured 0.8e9 on a busy 2-core machine; kept lower).
SILHOUETTE_TERMS_PER_SECOND = 5e8
#: Longest an exact silhouette or sweep may be estimated to take before it is refused.
MAX_EXACT_SECONDS = 600.0
#: Most memory a sweep's results may be estimated to need before it is refused.
MAX_SWEEP_BYTES = 2 * 1024 ** 3


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} seconds"
    if seconds < 5400:
        return f"{seconds / 60:.0f} minutes"
    return f"{seconds / 3600:.0f} hours"


def check_exact_silhouette(m: int, d: int, n_scores: int = 1) -> None:
    """Refuse, before any work, an exact silhouette estimated to take too long.

    Its cost is every pair of the ``m`` rows, ``n_scores`` times; the sentence
    says how long it would take and how to get an estimate quickly instead
    (``DataError.fix`` is ``"sample_size"``).
    """
    terms = float(m) * float(m) * (d + 6) * max(1, n_scores)
    seconds = terms / SILHOUETTE_TERMS_PER_SECOND
    if seconds > MAX_EXACT_SECONDS:
        times = f" for {n_scores} values of k" if n_scores > 1 else ""
        raise DataError(
            f"An exact silhouette of {m:,} points compares every pair of points: about "
            f"{terms:.1e} distance terms{times}, roughly {_duration(seconds)} on this computer. "
            "Sample the rows for the silhouette (sample_size=10000 estimates it in seconds) "
            "or use fewer points.", fix="sample_size", fix_label="Sample 10,000 rows")


def _check_X(X, what: str = "The data") -> np.ndarray:
    return as_data_matrix(X, what, purpose="choosing k", min_rows=2)


def _check_labels(labels, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(distinct labels, codes 0..c-1) for ``labels`` of length ``n``."""
    labels = np.asarray(labels)
    if labels.ndim != 1 or labels.shape[0] != n:
        raise DataError(f"There must be one label per point: {n:,} points but "
                        f"{labels.size:,} labels.")
    classes, codes = np.unique(labels, return_inverse=True)
    c = len(classes)
    if not 2 <= c <= n - 1:
        raise DataError(
            f"The silhouette needs between 2 and {n - 1:,} clusters for {n:,} points "
            f"(one less than the number of points); these labels form {c}.")
    return classes, codes.astype(np.intp)


def _sample_indices(n: int, sample_size: int | None, random_state) -> np.ndarray | None:
    """The rows scikit-learn's ``silhouette_score(..., sample_size, random_state)`` uses."""
    if sample_size is None:
        return None
    if isinstance(sample_size, bool) or not isinstance(sample_size, int | np.integer) \
            or sample_size < 2:
        raise DataError(f"The sample size must be a whole number of at least 2, "
                        f"not {sample_size!r}.")
    from sklearn.utils import check_random_state

    if not isinstance(random_state, int | np.integer) or isinstance(random_state, bool):
        # (a generator's draw depends on its state: drawn each time)
        return check_random_state(random_state).permutation(n)[:int(sample_size)].copy()
    key = (n, int(sample_size), int(random_state))
    rows = _SAMPLES.get(key)
    if rows is None:
        if n >= SAMPLE_PROCESS_ROWS:
            from core import offprocess

            rows = offprocess.maybe_in_process(_draw_sample, *key)
        else:
            rows = _draw_sample(*key)
        rows.setflags(write=False)
        while len(_SAMPLES) >= _SAMPLES_KEPT:
            _SAMPLES.pop(next(iter(_SAMPLES)))
        _SAMPLES[key] = rows
    return rows


#: The last few samples of rows drawn with an integer seed: (n, sample size, seed) -> rows.
#: Drawing one shuffles all n rows in a single call that holds the GIL (a million rows:
#: 15-30 ms, during which the window cannot paint); a page sweeps the same data again and
#: again, always with the same rows.
_SAMPLES: dict[tuple[int, int, int], np.ndarray] = {}
_SAMPLES_KEPT = 4
#: From this many rows on, a program that enabled helper processes (the app:
#: :mod:`core.offprocess`) draws a seeded sample in one, whose answer is only the sample:
#: the shuffle of every row then holds another interpreter's GIL.
SAMPLE_PROCESS_ROWS = 200_000


def _draw_sample(n: int, size: int, seed: int) -> np.ndarray:
    """``check_random_state(seed).permutation(n)[:size]`` for an integer seed (scikit-learn's
    ``check_random_state`` makes ``np.random.RandomState(seed)`` of it)."""
    return np.random.RandomState(seed).permutation(n)[:size].copy()


# --------------------------------------------------------------------------- silhouette

def _silhouette_codes(X: np.ndarray, codes: np.ndarray, n_clusters: int,
                      progress: ProgressFn | None = None,
                      chunk_bytes: int | None = None) -> np.ndarray:
    """Silhouette coefficients for clean inputs (codes 0..c-1), in row chunks.

    For a chunk of rows, the Euclidean distances to every point are computed as
    scikit-learn does (``-2 x·y + |x|² + |y|²``, clipped at 0, zero diagonal,
    square root), with the columns sorted by cluster so that one
    ``np.add.reduceat`` gives each row's sum of distances to each cluster.
    Only ``rows × n`` distances exist at a time.
    """
    n = X.shape[0]
    freqs = np.bincount(codes, minlength=n_clusters)
    order = np.argsort(codes, kind="stable")
    position = np.empty(n, dtype=np.intp)  # column of every point in the sorted order
    position[order] = np.arange(n)
    starts = np.concatenate([[0], np.cumsum(freqs)[:-1]]).astype(np.intp)
    norms = np.einsum("ij,ij->i", X, X)  # what sklearn's row_norms(squared=True) computes
    sorted_norms = norms[order]
    # -2 · Xᵀ: scaling by a power of two is exact, so dot(x, -2 yᵀ) == -2 · dot(x, yᵀ).
    minus_2_xt = np.ascontiguousarray((-2.0 * X[order]).T)
    chunk_bytes = CHUNK_BYTES if chunk_bytes is None else chunk_bytes
    rows = int(min(n, max(MIN_CHUNK_ROWS, chunk_bytes // (8 * n))))
    buf = np.empty((rows, n), dtype=np.float64)
    sums = np.empty((n, n_clusters), dtype=np.float64)
    # Small matrix products: BLAS threads cost more than they bring (5x slower with 64
    # features on a busy 2-core machine).
    with single_threaded():
        _accumulate(X, minus_2_xt, norms, sorted_norms, position, starts, buf, sums, progress)
    rows_idx = np.arange(n)
    intra = sums[rows_idx, codes]
    sums[rows_idx, codes] = np.inf
    sums /= freqs
    inter = sums.min(axis=1)
    denom = (freqs - 1)[codes]
    with np.errstate(divide="ignore", invalid="ignore"):
        intra = intra / denom
        values = (inter - intra) / np.maximum(intra, inter)
    # NaN for clusters of one point (0/0), and where a = b = 0: scikit-learn gives 0.
    return np.nan_to_num(values, nan=0.0)


def _accumulate(X, minus_2_xt, norms, sorted_norms, position, starts, buf, sums,
                progress) -> None:
    """Fill ``sums[i, c]``: the sum of the distances from point i to the points of cluster c."""
    n = X.shape[0]
    rows = buf.shape[0]
    n_chunks = -(-n // rows)
    for i, start in enumerate(range(0, n, rows)):
        stop = min(n, start + rows)
        block = buf[: stop - start]
        np.dot(X[start:stop], minus_2_xt, out=block)
        block += norms[start:stop, None]
        block += sorted_norms
        np.maximum(block, 0.0, out=block)
        block[np.arange(stop - start), position[start:stop]] = 0.0
        np.sqrt(block, out=block)
        sums[start:stop] = np.add.reduceat(block, starts, axis=1)
        report(progress, (i + 1) / n_chunks)


def silhouette_samples(X, labels, *, progress: ProgressFn | None = None) -> np.ndarray:
    """The silhouette coefficient of every point, equal to scikit-learn's.

    Same values as ``sklearn.metrics.silhouette_samples(X, labels)`` (Euclidean
    distance; a point alone in its cluster gets 0), but computed in chunks of a
    few MB instead of blocks of up to 1 GB, and usually faster. ``progress`` is
    called after every chunk and may raise :class:`core.errors.Cancelled`.
    """
    X = _check_X(X)
    classes, codes = _check_labels(labels, X.shape[0])
    check_exact_silhouette(*X.shape)
    return _silhouette_codes(X, codes, len(classes), progress)


def silhouette_score(X, labels, *, sample_size: int | None = None, random_state=None,
                     progress: ProgressFn | None = None) -> float:
    """The mean silhouette coefficient, equal to ``sklearn.metrics.silhouette_score``.

    With ``sample_size``, it is computed on the same random subset of rows as
    scikit-learn's ``silhouette_score(X, labels, sample_size=..., random_state=...)``:
    a quick estimate for large data.
    """
    X = _check_X(X)
    idx = _sample_indices(X.shape[0], sample_size, random_state)
    labels = np.asarray(labels)
    if labels.ndim != 1 or labels.shape[0] != X.shape[0]:
        _check_labels(labels, X.shape[0])
    if idx is not None:
        X, labels = X[idx], labels[idx]
    check_exact_silhouette(*X.shape)
    return float(np.mean(silhouette_samples(X, labels, progress=progress)))


@dataclass(frozen=True)
class SilhouetteDiagram:
    """What the chapter's silhouette diagram (Figure 9-10) draws, for one clustering.

    ``clusters[i]`` is the label of the i-th band, ``coefficients[i]`` its
    points' silhouette coefficients sorted in increasing order, ``sizes[i]``
    its number of points and ``means[i]`` their mean; ``mean`` is the
    silhouette score (the dashed line). ``samples`` holds every point's
    coefficient in the order of the rows used, which are ``indices`` of the
    data when the diagram was computed on a sample (else None, all rows).
    """

    clusters: np.ndarray
    coefficients: tuple[np.ndarray, ...]
    sizes: np.ndarray
    means: np.ndarray
    mean: float
    samples: np.ndarray
    indices: np.ndarray | None = None

    @property
    def n_clusters(self) -> int:
        return int(len(self.clusters))

    @property
    def n_points(self) -> int:
        return int(self.samples.shape[0])


def _diagram(samples: np.ndarray, labels: np.ndarray,
             indices: np.ndarray | None) -> SilhouetteDiagram:
    classes, codes = np.unique(labels, return_inverse=True)
    order = np.lexsort((samples, codes))  # by cluster, then by coefficient
    sizes = np.bincount(codes, minlength=len(classes))
    bounds = np.concatenate([[0], np.cumsum(sizes)])
    ranked = samples[order]
    coefficients = tuple(_frozen(ranked[bounds[i]:bounds[i + 1]]) for i in range(len(classes)))
    sums = np.bincount(codes, weights=samples, minlength=len(classes))
    return SilhouetteDiagram(
        clusters=_frozen(classes),
        coefficients=coefficients,
        sizes=_frozen(sizes.astype(np.int64)),
        means=_frozen(sums / np.maximum(sizes, 1)),
        mean=float(np.mean(samples)),
        samples=_frozen(samples),
        indices=None if indices is None else _frozen(indices),
    )


def silhouette_diagram(X, labels, *, sample_size: int | None = None, random_state=None,
                       progress: ProgressFn | None = None) -> SilhouetteDiagram:
    """Every cluster's sorted silhouette coefficients, their sizes and means.

    The values are ``sklearn.metrics.silhouette_samples(X, labels)`` and the
    overall ``mean`` is ``silhouette_score(X, labels)`` (with ``sample_size``
    and ``random_state``, on the same random subset scikit-learn would use).
    Memory stays bounded (no n × n matrix); ``progress`` may cancel.
    """
    X = _check_X(X)
    labels = np.asarray(labels)
    if labels.ndim != 1 or labels.shape[0] != X.shape[0]:
        _check_labels(labels, X.shape[0])
    idx = _sample_indices(X.shape[0], sample_size, random_state)
    if idx is not None:
        X, labels = X[idx], labels[idx]
    samples = silhouette_samples(X, labels, progress=progress)
    return _diagram(samples, labels, idx)


# --------------------------------------------------------------------------- the elbow

def elbow_ratios(ks: Sequence[int], inertias: Sequence[float]) -> np.ndarray:
    """For every k, how sharply the inertia curve bends there (NaN where undefined).

    The *gain* of a step is the decrease of inertia per added cluster. The
    ratio at k is the gain of the step that reached k divided by the largest
    gain of any later step: how many times more the last useful cluster was
    worth than any cluster after it. Gains below ``ELBOW_GAIN_FLOOR`` (0.01 %)
    of the curve's height count as that floor, so a step where K-Means found
    no improvement (a poor local optimum, or a rounding-level change) does not
    read as an infinitely sharp elbow.

    The first k has no step before it and is NaN. With four ks or more, the
    last two are NaN too: an elbow needs at least two steps after it to show
    that the curve stays flat (a single small step can be a fluke of one fit).
    """
    ks_arr, curve = _check_curve(ks, inertias)
    gains = -np.diff(curve) / np.diff(ks_arr)
    height = float(np.max(curve) - np.min(curve))
    floor = max(ELBOW_GAIN_FLOOR * height, np.finfo(float).tiny)
    gains = np.maximum(gains, floor)
    later = np.maximum.accumulate(gains[::-1])[::-1]  # later[j] = max(gains[j:])
    ratios = np.full(len(ks_arr), np.nan)
    ratios[1:-1] = gains[:-1] / later[1:]
    if len(ks_arr) >= 4:
        ratios[-2] = np.nan
    return ratios


def find_elbow(ks: Sequence[int], inertias: Sequence[float]) -> int:
    """The k at the elbow of an inertia-vs-k curve.

    **Rule: the elbow is the k after which the gain of adding a cluster
    collapses the most.** The gain of a step is its decrease of inertia per
    added cluster; for every k with a step before and after it, we divide the
    gain of the step that reached k by the largest gain of any later step, and
    return the k with the largest ratio (see :func:`elbow_ratios`; the smaller
    k on a tie). With four ks or more, the elbow has at least two steps after
    it, so a single step that gains little by chance cannot make one.

    This is how a person reads the curve: before the elbow every cluster buys a
    big drop, after it no cluster buys much compared with the last one. The
    ratio does not depend on the units of inertia nor on how many ks are
    plotted after the elbow, unlike the "farthest point from the chord"
    (kneedle) rule, which on the chapter's inertias (3534.8, 1149.6, 653.2,
    261.8, 211.6, 169.2, 141.4, 119.1, 102.6 for k = 1..9) says 3 because the
    huge first drop tilts the chord. Here the ratios are 4.8 at k=2, 1.3 at
    k=3 and 7.8 at k=4 (391.4 then at most 50.2): the elbow is k=4, as the
    chapter says. Using the largest later gain, not just the next one, keeps
    a failed K-Means fit (a step that gains almost nothing followed by one
    that recovers) from faking an elbow.

    ``ks`` must be increasing with at least three values (an elbow needs a k
    before and after it).
    """
    ratios = elbow_ratios(ks, inertias)
    candidates = np.where(np.isnan(ratios), -np.inf, ratios)
    return int(np.asarray(ks)[int(np.argmax(candidates))])


def _check_curve(ks, inertias) -> tuple[np.ndarray, np.ndarray]:
    ks_arr = np.asarray(ks, dtype=np.float64).ravel()
    curve = np.asarray(inertias, dtype=np.float64).ravel()
    if ks_arr.shape != curve.shape:
        raise DataError(f"There must be one inertia per k: {ks_arr.size} values of k but "
                        f"{curve.size} inertias.")
    if ks_arr.size < 3:
        raise DataError("Finding an elbow needs at least three values of k (one before and "
                        "one after the elbow).")
    if not (np.all(np.isfinite(ks_arr)) and np.all(np.isfinite(curve))):
        raise DataError("The values of k and the inertias must all be finite numbers.")
    if np.any(np.diff(ks_arr) <= 0):
        raise DataError("The values of k must be increasing.")
    return ks_arr, curve


# --------------------------------------------------------------------------- the sweep

@dataclass(frozen=True)
class KSweep:
    """K-Means fitted for every k, with the scores the chapter plots against k.

    One entry per k of ``ks``: ``inertias`` (``inertia_``), ``silhouettes``
    (``silhouette_score``; NaN for k=1), ``calinski_harabasz`` and
    ``davies_bouldin`` (NaN for k=1), ``n_iter``, ``labels[i]`` and
    ``centers[i]`` of the fit. ``silhouette_values[i]`` holds every point's
    silhouette coefficient (a NaN row for k=1) for the rows ``sample_indices``
    (None: all rows); ``elbow`` is :func:`find_elbow` of the inertias (None
    with fewer than three ks).
    """

    ks: np.ndarray
    inertias: np.ndarray
    silhouettes: np.ndarray
    calinski_harabasz: np.ndarray
    davies_bouldin: np.ndarray
    n_iter: np.ndarray
    labels: np.ndarray
    centers: tuple[np.ndarray, ...]
    silhouette_values: np.ndarray
    sample_indices: np.ndarray | None
    elbow: int | None
    random_state: int | None
    sample_size: int | None = None
    #: scikit-learn's warnings during the fits ("k=5: Number of distinct clusters (3) …"),
    #: as sentences; nothing reaches stderr
    warnings: tuple[str, ...] = ()

    def index(self, k: int) -> int:
        hits = np.flatnonzero(self.ks == k)
        if not hits.size:
            raise KeyError(f"k={k} is not in this sweep (k = {', '.join(map(str, self.ks))}).")
        return int(hits[0])

    def labels_for(self, k: int) -> np.ndarray:
        return self.labels[self.index(k)]

    def centers_for(self, k: int) -> np.ndarray:
        return self.centers[self.index(k)]

    def diagram(self, k: int) -> SilhouetteDiagram | None:
        """The silhouette diagram of the fit with ``k`` clusters (None when undefined)."""
        i = self.index(k)
        values = self.silhouette_values[i]
        if np.isnan(values).any():
            return None
        labels = self.labels[i]
        if self.sample_indices is not None:
            labels = labels[self.sample_indices]
        return _diagram(values.copy(), labels, self.sample_indices)

    @property
    def best_silhouette(self) -> int | None:
        """The k with the highest silhouette score (None when none is defined)."""
        if np.all(np.isnan(self.silhouettes)):
            return None
        return int(self.ks[int(np.nanargmax(self.silhouettes))])


def _check_ks(ks, n: int) -> np.ndarray:
    try:
        values = [int(k) for k in ks]
    except (TypeError, ValueError) as exc:
        raise DataError("The values of k must be whole numbers.") from exc
    if not values:
        raise DataError("Give at least one value of k.")
    if any(k != float(f) for k, f in zip(values, ks)):
        raise DataError("The values of k must be whole numbers.")
    arr = np.unique(np.asarray(values, dtype=np.int64))
    if arr[0] < 1:
        raise DataError(f"k must be at least 1, not {arr[0]}.")
    if arr[-1] > n:
        raise DataError(f"k={arr[-1]} is more clusters than the {n} points of the data; "
                        f"choose k up to {n}.")
    return arr


def sweep_k(X, ks: Sequence[int] = range(1, 10), *, random_state: int | None = 42,
            sample_size: int | None = None, n_init="auto",
            progress: ProgressFn | None = None) -> KSweep:
    """Fit ``KMeans(n_clusters=k, random_state=random_state)`` for every k in ``ks``.

    Returns a :class:`KSweep` whose inertias, silhouette, Calinski-Harabasz
    and Davies-Bouldin scores equal scikit-learn's for the same calls
    (``silhouette_score(X, labels, sample_size=sample_size,
    random_state=random_state)`` with ``sample_size``: the same rows for every
    k). Reports progress per fit and per silhouette chunk; cancellable
    between them.
    """
    X = _check_X(X)
    n, d = X.shape
    ks_arr = _check_ks(ks, n)
    idx = _sample_indices(n, sample_size, random_state)
    Xs = X if idx is None else X[idx]
    m = Xs.shape[0]
    # Estimated up front: the silhouettes (every pair of the m rows, per k >= 2) and what
    # the results hold (every fit's labels, every silhouette coefficient).
    check_exact_silhouette(m, d, int(np.count_nonzero(ks_arr >= 2)))
    need = len(ks_arr) * (4 * n + 8 * m + 8 * int(ks_arr.max()) * d)
    if need > MAX_SWEEP_BYTES:
        raise DataError(
            f"Keeping the sweep's results for {n:,} points and {len(ks_arr)} values of k needs "
            f"about {need / 1024 ** 3:.1f} GB; sweep a sample of the rows or fewer values of k.")
    # On small data OpenMP/BLAS threads cost more than they bring (10-40x slower fits on a
    # busy 2-core machine); the results are the same up to the last bits of the sums.
    limits = single_threaded() if n <= SINGLE_THREAD_MAX_ROWS else contextlib.nullcontext()
    with limits:
        return _sweep(X, ks_arr, idx, Xs, random_state, sample_size, n_init, progress)


def _sweep(X, ks_arr, idx, Xs, random_state, sample_size, n_init, progress) -> KSweep:
    from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score

    from core.kmeans import fit_kmeans

    n, d = X.shape
    m = Xs.shape[0]
    # Rough cost of each part, so the progress bar moves evenly.
    fit_cost = np.array([n * max(d, 2) * k * 40.0 for k in ks_arr])
    sil_cost = np.array([0.0 if k == 1 else m * m * (max(d, 2) + 6.0) for k in ks_arr])
    total = float(fit_cost.sum() + sil_cost.sum()) or 1.0
    done = 0.0
    c = len(ks_arr)
    inertias = np.empty(c)
    silhouettes = np.full(c, np.nan)
    ch = np.full(c, np.nan)
    db = np.full(c, np.nan)
    n_iter = np.zeros(c, dtype=np.int64)
    labels = np.empty((c, n), dtype=np.int32)
    sil_values = np.full((c, m), np.nan)
    centers = []
    report(progress, 0.0)
    said: list[str] = []
    for i, k in enumerate(ks_arr):
        # KMeans(n_clusters=k, random_state=random_state, n_init=n_init).fit(X), number for
        # number, cancellable between iterations (scikit-learn's fit also ends with
        # len(set(labels)), which holds the GIL ~60 ms a million rows)
        with warnings_as_sentences(said, f"k={int(k)}: "):
            model = fit_kmeans(X, int(k), random_state=random_state, n_init=n_init,
                               progress=scaled(progress, done / total,
                                               (done + fit_cost[i]) / total))
        said.extend(f"k={int(k)}: {w}" for w in model.warnings
                    if f"k={int(k)}: {w}" not in said)
        inertias[i] = model.inertia
        n_iter[i] = model.n_iter
        labels[i] = model.labels
        centers.append(model.centers)
        done += fit_cost[i]
        report(progress, done / total)
        distinct = np.unique(model.labels).size
        if distinct >= 2:
            ch[i] = calinski_harabasz_score(X, model.labels)
            db[i] = davies_bouldin_score(X, model.labels)
            sub = model.labels if idx is None else model.labels[idx]
            classes, codes = np.unique(sub, return_inverse=True)
            if 2 <= len(classes) <= m - 1:
                part = scaled(progress, done / total, (done + sil_cost[i]) / total)
                values = _silhouette_codes(Xs, codes.astype(np.intp), len(classes), part)
                sil_values[i] = values
                silhouettes[i] = float(np.mean(values))
        done += sil_cost[i]
        report(progress, done / total)
    elbow = find_elbow(ks_arr, inertias) if c >= 3 else None
    return KSweep(
        ks=_frozen(ks_arr),
        inertias=_frozen(inertias),
        silhouettes=_frozen(silhouettes),
        calinski_harabasz=_frozen(ch),
        davies_bouldin=_frozen(db),
        n_iter=_frozen(n_iter),
        labels=_frozen(labels),
        centers=tuple(centers),
        silhouette_values=_frozen(sil_values),
        sample_indices=None if idx is None else _frozen(idx),
        elbow=elbow,
        random_state=random_state,
        sample_size=None if sample_size is None else int(sample_size),
        warnings=tuple(said),
    )


# --------------------------------------------------------------------------- the study

#: Share of the 2-D view's extent added on each side of the decision-region grid.
VIEW_PADDING = 0.08


@dataclass(frozen=True)
class KStudy:
    """A :class:`KSweep` and, for every k of it, what a view shows when k is selected.

    ``diagrams[i]`` is the silhouette diagram of ``sweep.ks[i]`` (None for k=1
    or when undefined), ``sizes[i]`` its clusters' sizes, ``centers_2d[i]`` its
    centres in the 2-D view (``projection.transform``), ``regions[i]`` its
    nearest-centre grid over ``x_range`` × ``y_range`` (None for data that is not
    2-D: the view is a projection). ``elbow_ratio`` is :func:`elbow_ratios` at the
    elbow (NaN without one); ``bounds`` is ((xmin, ymin), (xmax, ymax)) of the 2-D view.
    """

    sweep: KSweep
    diagrams: tuple[SilhouetteDiagram | None, ...]
    sizes: tuple[np.ndarray, ...]
    centers_2d: tuple[np.ndarray, ...]
    regions: tuple[np.ndarray, ...] | None
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    elbow_ratio: float
    bounds: tuple[tuple[float, float], tuple[float, float]] | None = None

    def index(self, k: int) -> int:
        return self.sweep.index(k)

    @property
    def warnings(self) -> tuple[str, ...]:
        """scikit-learn's warnings during the sweep's fits, as sentences."""
        return self.sweep.warnings

    def diagram(self, k: int) -> SilhouetteDiagram | None:
        return self.diagrams[self.index(k)]


def study_k(X, ks: Sequence[int] = range(1, 10), *, projection=None,
            random_state: int | None = 42, sample_limit: int | None = None,
            region_resolution: int = 300, name: str = "the data",
            progress: ProgressFn | None = None) -> KStudy:
    """:func:`sweep_k` and every k's diagram, sizes, 2-D centres and decision regions.

    ``projection`` is the data's 2-D view (a :class:`core.projection.Projection`;
    computed with ``project_2d`` when None). The silhouette is computed on
    ``sample_limit`` random rows when the data has more (scikit-learn's
    ``silhouette_score(..., sample_size=sample_limit)``), on all rows otherwise.
    ``name`` names the data in the sentence raised when k exceeds its rows.
    """
    X = _check_X(X)
    n = X.shape[0]
    ks_list = [int(k) for k in ks]
    if ks_list and max(ks_list) > n:
        raise DataError(f"k={max(ks_list)} is more clusters than the {n} points of "
                        f"{name}; lower the largest k to at most {n}.")
    if projection is None:
        projection = project_2d(X)
    report(progress, 0.01)
    sample = sample_limit if sample_limit is not None and n > sample_limit else None
    sweep = sweep_k(X, ks_list, random_state=random_state, sample_size=sample,
                    progress=scaled(progress, 0.03, 0.95))
    coords = np.asarray(projection.coords, dtype=np.float64)
    # column by column: reductions along the short axis of (n, 2) are ~30x slower
    lo = np.array([coords[:, 0].min(), coords[:, 1].min()])
    hi = np.array([coords[:, 0].max(), coords[:, 1].max()])
    pad = np.maximum((hi - lo) * VIEW_PADDING, 1e-9)
    x_range = (float(lo[0] - pad[0]), float(hi[0] + pad[0]))
    y_range = (float(lo[1] - pad[1]), float(hi[1] + pad[1]))
    regions = None
    if projection.method == "identity":
        regions = tuple(decision_regions(c, x_range, y_range, region_resolution).labels
                        for c in sweep.centers)
    diagrams = tuple(sweep.diagram(int(k)) for k in sweep.ks)
    sizes = tuple(_frozen(np.bincount(sweep.labels[i], minlength=int(k)).astype(np.int64))
                  for i, k in enumerate(sweep.ks))
    centers_2d = tuple(_frozen(projection.transform(c)) for c in sweep.centers)
    ratio = float("nan")
    if sweep.elbow is not None:
        ratio = float(elbow_ratios(sweep.ks, sweep.inertias)[sweep.index(sweep.elbow)])
    report(progress, 1.0)
    bounds = ((float(lo[0]), float(lo[1])), (float(hi[0]), float(hi[1])))
    return KStudy(sweep, diagrams, sizes, centers_2d, regions, x_range, y_range, ratio, bounds)


def _frozen(a: np.ndarray) -> np.ndarray:
    a = np.asarray(a)
    if a.flags.writeable and a.base is not None:
        a = a.copy()
    a.setflags(write=False)
    return a
