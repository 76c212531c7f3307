"""Image segmentation by colour clustering: K-Means on a photo's colours, many times faster.

``segment_image(rgb, k)`` gives what the chapter computes with
``KMeans(n_clusters=k).fit(image.reshape(-1, 3))``: a palette of ``k`` colours, every
pixel's colour index (its nearest palette colour), the segmented image and the inertia
over all pixels. It reaches the same objective (tested against scikit-learn over seeds,
photos and k) at a fraction of the cost, because it never runs K-Means on the pixels:

1. **Colour bins with counts.** K-Means on the pixels only depends on which colours occur
   how often. One pass over the pixels sorts them into 32 768 colour bins (5 bits per
   channel) and sums, per bin, its pixels and their colours (``np.bincount``): no sort, no
   per-pixel float array, memory bounded by the bins (a 24-megapixel photo is processed
   in chunks, with progress and Cancel). An image with only a few hundred bins in use (a
   drawing, a tiny image) gets exact distinct colours instead of bins.
2. **Many cheap starts.** Eight weighted k-means++ initialisations (scikit-learn's greedy
   variant), each followed by eight weighted Lloyd steps, run at once on the coarser 4-bit
   bins (a few hundred to 4 096 points: one matrix product per step for all of them).
   One k-means++ run, as in ``KMeans(n_init=1)``, lands in a poor local optimum now and
   then; the best of eight rarely does, so the result is as good as scikit-learn's or
   better, not only faster.
3. **Convergence on the 5-bit bins.** The two best starts converge (scikit-learn's
   tolerance) on the 5-bit bins, each bin weighted by its pixels at the mean of their
   colours; the better one gives the palette.
4. **Exact labels by lookup.** A bin is a small cube of colours: when the whole cube lies
   on one side of every boundary between palette colours (an exact test on the cube's
   corners), all its pixels take that colour through a lookup. Only the pixels of the
   few cubes that straddle a boundary get their distances computed. So every pixel gets
   its exactly nearest palette colour, as ``KMeans.predict`` would give.

The inertia is exactly ``KMeans.inertia_``'s definition, the sum over all pixels of the
squared distance to the pixel's palette colour, computed from the bins' sums (and the
straddling pixels one by one). Distances use ``||x||² - 2 x·c + ||c||²`` as one small
matrix product, and the nearest centre comes from one element-wise minimum of keys that
carry the centre's index in their lowest bits (see :func:`_keyed_min`). BLAS runs on one
thread for these thin products.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from core.errors import DataError
from core.progress import ProgressFn, report, scaled
from core.threads import single_threaded

__all__ = [
    "CHAPTER_N_COLORS",
    "PALETTE_HEADER",
    "PREVIEW_SIDE",
    "STRIP_SIDE",
    "ColorTable",
    "PreparedImage",
    "Segmentation",
    "ShownSegmentation",
    "Strip",
    "chapter_strip",
    "color_table",
    "count_colors",
    "fade",
    "highlight",
    "palette_hex",
    "palette_rows",
    "pixel_inertia",
    "prepare_image",
    "preview",
    "preview_step",
    "save_image",
    "save_palette",
    "segment_for_display",
    "segment_image",
    "segment_strip",
]

#: The numbers of colours of the chapter's figure (original, then 10, 8, 6, 4 and 2 colours).
CHAPTER_N_COLORS = (10, 8, 6, 4, 2)

#: Pixels handled per chunk (progress and Cancel between chunks, bounded temporaries).
CHUNK_PIXELS = 1_000_000

#: An image with at most this many 5-bit colour bins in use gets exact distinct colours.
EXACT_BELOW_BINS = 512

#: Largest number of colours ``segment_image`` accepts.
MAX_COLORS = 256

#: :func:`color_table` sums colours with integer counts by low bits above this many pixels.
LOW_BITS_ABOVE = 2_000_000

#: :func:`count_colors` uses a 2^24-bin histogram above this many pixels instead of a sort.
HISTOGRAM_ABOVE = 3_000_000

_BIN_BITS = 5  # the bins pixels are counted in
_N_STARTS = 8  # k-means++ starts, on the coarse bins
_START_ITER = 8  # Lloyd steps of every start before the best ones are picked
_FINALISTS = 2  # the best starts that converge on the 5-bit bins
_START_BITS = 4  # coarse bins for the starts: 4 bits per channel (at most 4 096 bins)
_TOL = 1e-4  # scikit-learn's default, relative to the mean variance of the pixels
_MAX_ITER = 300


@dataclass(frozen=True)
class ColorTable:
    """An image's colours, counted in bins: what :func:`segment_image` clusters.

    ``bits`` is 5 (32 768 colour bins, a bin spans 8 values per channel) or 8 (each bin is
    one exact colour: images with few colours). ``bins`` holds the codes of the bins in
    use (channel c at bits ``c * bits``), ``counts`` their pixels, ``sums`` the sum of
    their pixels' colours. ``codes`` gives every pixel's bin: its 15-bit code (5-bit
    bins) or its index into ``bins`` (exact colours); a per-bin value ``v`` becomes a
    per-pixel one through ``lut[codes]`` with ``lut = np.empty(lut_size); lut[slots] = v``.
    ``sq_total`` is the sum over all pixels of ``||colour||²``.
    """

    rgb: np.ndarray  # (H, W, 3) uint8, C-contiguous
    codes: np.ndarray  # (H * W,) uint16: bin code (bits 5) or index into bins (bits 8)
    bins: np.ndarray  # (m,) int64 bin codes
    counts: np.ndarray  # (m,) int64
    sums: np.ndarray  # (m, 3) float64
    sq_total: float
    bits: int
    # derived arrays the clustering reuses from one k to the next (built on first use)
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def shape(self) -> tuple[int, int]:
        return int(self.rgb.shape[0]), int(self.rgb.shape[1])

    @property
    def n_pixels(self) -> int:
        return int(self.codes.size)

    @property
    def n_bins(self) -> int:
        return int(self.bins.size)

    @property
    def lut_size(self) -> int:
        return 1 << (3 * self.bits) if self.bits < 8 else self.n_bins

    @property
    def slots(self) -> np.ndarray:
        """Where each bin's value goes in a lookup table indexed by ``codes``."""
        return self.bins if self.bits < 8 else np.arange(self.n_bins)

    @property
    def means(self) -> np.ndarray:
        """Mean colour of each bin, (m, 3)."""
        return self.sums / self.counts[:, None]

    def corners(self) -> np.ndarray:
        """Lowest colour of each bin's cube, (m, 3) float64."""
        mask = (1 << self.bits) - 1
        shift = 8 - self.bits
        out = np.empty((self.n_bins, 3), dtype=np.float64)
        for c in range(3):
            out[:, c] = ((self.bins >> (c * self.bits)) & mask) << shift
        return out


@dataclass(frozen=True)
class Segmentation:
    """An image reduced to ``len(palette)`` colours.

    ``palette[i]`` is cluster ``i``'s centre (float, like ``KMeans.cluster_centers_``),
    ordered by decreasing share; ``labels`` is every pixel's cluster (``int32``, (H, W)),
    always its nearest palette colour; ``image`` is the segmented image (each pixel
    replaced by its rounded palette colour); ``shares[i]`` the fraction of pixels in
    cluster ``i`` (``counts[i]`` pixels); ``inertia`` the sum over all pixels of the
    squared distance to their palette colour (``KMeans.inertia_``). ``n_colors`` is the
    number asked for; the palette is shorter only when the image has fewer colours.
    """

    image: np.ndarray
    palette: np.ndarray
    labels: np.ndarray
    shares: np.ndarray
    counts: np.ndarray  # pixels per colour, int64
    inertia: float
    n_colors: int
    random_state: int | None
    n_iter: int  # Lloyd iterations of the convergence on the 5-bit bins

    @property
    def palette_uint8(self) -> np.ndarray:
        """The palette rounded to displayable colours, (k, 3) ``uint8``."""
        return _round_colors(self.palette)

    @property
    def n_palette(self) -> int:
        """Number of colours in the palette (``n_colors`` unless the image has fewer)."""
        return int(self.palette.shape[0])


# ---------------------------------------------------------------------------------------------
# Validation and colour bins
# ---------------------------------------------------------------------------------------------

def _as_rgb(rgb) -> np.ndarray:
    """A C-contiguous (H, W, 3) uint8 array, or a DataError (see :func:`core.images.as_rgb`)."""
    from core.images import as_rgb

    return as_rgb(rgb)


def _pack_bytes(flat: np.ndarray, start: int, stop: int) -> np.ndarray:
    """Pixels ``start:stop`` of a contiguous uint8 RGB buffer as uint32 ``r | g<<8 | b<<16``.

    Each pixel's 3 bytes and the next byte are read as one little-endian uint32 (an
    unaligned strided view, no copy) and the fourth byte is masked off: one pass instead
    of three channel gathers. The image's very last pixel has no next byte and is packed
    on its own.
    """
    n = flat.size // 3
    out = np.empty(stop - start, dtype=np.uint32)
    count = stop - start - (1 if stop == n else 0)
    if count > 0:
        window = np.ndarray((count,), dtype="<u4", buffer=flat, offset=3 * start,
                            strides=(3,))
        np.bitwise_and(window, np.uint32(0xFFFFFF), out=out[:count])
    if stop == n:
        r, g, b = (int(v) for v in flat[3 * n - 3:])
        out[-1] = r | g << 8 | b << 16
    return out


def _byte_square_sum(flat: np.ndarray) -> float:
    """Sum of the squares of all bytes (exact, in integers)."""
    return float(np.square(flat, dtype=np.uint32).sum(dtype=np.uint64))


def color_table(rgb, progress: ProgressFn | None = None, *,
                chunk_pixels: int = CHUNK_PIXELS,
                exact_below_bins: int = EXACT_BELOW_BINS,
                low_bits_above: int = LOW_BITS_ABOVE) -> ColorTable:
    """Count an image's colours in 5-bit bins (see :class:`ColorTable`), in one pass.

    Images with at most ``exact_below_bins`` bins in use get one bin per exact colour.
    ``progress(fraction)`` is called between chunks of ``chunk_pixels`` pixels. Two ways
    to sum the bins' colours give the same numbers: weighted ``bincount`` s (faster on
    ordinary photos) and, above ``low_bits_above`` pixels, counts by (bin, low bits of a
    channel), integers only (faster on large photos).
    """
    arr = _as_rgb(rgb)
    flat = arr.reshape(-1)
    n = arr.shape[0] * arr.shape[1]
    size = 1 << (3 * _BIN_BITS)
    raw = np.empty(n, dtype=np.uint16)
    low_bits = n > low_bits_above
    if low_bits:
        # per channel, pixels counted by (bin, the channel's 3 low bits): the bins' counts,
        # sums and sums of squares follow exactly from these counts alone
        low = np.zeros((3, size * 8), dtype=np.int64)
    else:
        counts = np.zeros(size, dtype=np.int64)
        sums_t = np.zeros((3, size), dtype=np.float64)
        sq_total = 0
    chunk = max(1, int(chunk_pixels))
    for s in range(0, n, chunk):
        e = min(n, s + chunk)
        p = _pack_bytes(flat, s, e)
        code = (p >> 3) & 0x1F
        code |= (p >> 6) & 0x3E0
        code |= (p >> 9) & 0x7C00
        raw[s:e] = code
        if low_bits:
            base = code.astype(np.intp) << 3
            for c in range(3):
                key = (p >> (8 * c)) & 7 if c else p & 7
                key = base | key
                low[c] += np.bincount(key, minlength=size * 8)
        else:
            code = code.astype(np.intp)  # bincount would convert it for each call
            counts += np.bincount(code, minlength=size)
            block = flat[3 * s:3 * e]
            for c in range(3):
                channel = block[c::3].astype(np.float64)
                sums_t[c] += np.bincount(code, weights=channel, minlength=size)
                sq_total += int(channel @ channel)  # exact: integers below 2^53
        report(progress, e / n)
    if low_bits:
        low = low.reshape(3, size, 8)
        counts = low[0].sum(axis=1)
    used = np.flatnonzero(counts)
    if used.size <= exact_below_bins:
        return _exact_table(arr, progress)
    if low_bits:
        v = np.arange(8, dtype=np.int64)
        sums = np.empty((used.size, 3), dtype=np.float64)
        sq_total = 0
        n_b = counts[used]
        for c in range(3):
            hi = ((used >> (5 * c)) & 0x1F) << 3  # the bin's lowest value in channel c
            h = low[c][used]  # (m, 8)
            s1 = h @ v
            sums[:, c] = hi * n_b + s1
            sq_total += int((hi * hi * n_b + 2 * hi * s1 + h @ (v * v)).sum())
    else:
        sums = np.ascontiguousarray(sums_t[:, used].T)
    return ColorTable(rgb=arr, codes=raw, bins=used.astype(np.int64), counts=counts[used],
                      sums=sums, sq_total=float(sq_total), bits=_BIN_BITS)


def _exact_table(arr: np.ndarray, progress: ProgressFn | None) -> ColorTable:
    """One bin per distinct colour (an image with few colours: they fit in uint16)."""
    flat = arr.reshape(-1)
    n = arr.shape[0] * arr.shape[1]
    packed = _pack_bytes(flat, 0, n)
    keys, inverse, counts = np.unique(packed, return_inverse=True, return_counts=True)
    colors = np.empty((keys.size, 3), dtype=np.float64)
    for c in range(3):
        colors[:, c] = (keys >> (8 * c)) & 0xFF
    report(progress, 1.0)
    return ColorTable(rgb=arr, codes=inverse.astype(np.uint16).reshape(-1),
                      bins=keys.astype(np.int64), counts=counts.astype(np.int64),
                      sums=colors * counts[:, None], sq_total=_byte_square_sum(flat), bits=8)


def count_colors(rgb, *, histogram_above: int = HISTOGRAM_ABOVE) -> int:
    """The number of distinct colours of an image (a sort, or a 2^24-bin histogram)."""
    arr = _as_rgb(rgb)
    flat = arr.reshape(-1)
    n = arr.shape[0] * arr.shape[1]
    if n <= histogram_above:
        return int(np.unique(_pack_bytes(flat, 0, n)).size)
    seen = np.zeros(1 << 24, dtype=np.bool_)
    for s in range(0, n, CHUNK_PIXELS):
        seen[_pack_bytes(flat, s, min(n, s + CHUNK_PIXELS))] = True
    return int(np.count_nonzero(seen))


# ---------------------------------------------------------------------------------------------
# Weighted K-Means on a few thousand points
# ---------------------------------------------------------------------------------------------

_INDEX_BITS = 8  # labels packed into the low mantissa bits of a distance (k <= 256)
_INDEX_MASK = np.int64((1 << _INDEX_BITS) - 1)


def _keyed_min(d: np.ndarray, axis: int) -> tuple[np.ndarray, np.ndarray]:
    """Index and value of the minimum along ``axis`` of squared distances ``d`` (in place).

    Each entry's index along ``axis`` is written into the 8 lowest mantissa bits of its
    (non-negative, hence order-preserving) float bits: one element-wise minimum then gives
    distance and index together, several times faster than ``argmin`` along short rows.
    The distance loses 2^-44 (float64) or 2^-15 (float32) of relative precision; exact ties
    go to the lower index, as with ``argmin``.
    """
    np.maximum(d, 0.0, out=d)
    itype = np.int64 if d.dtype == np.float64 else np.int32
    mask = itype((1 << _INDEX_BITS) - 1)
    keys = d.view(itype)
    keys &= ~mask
    shape = [1] * d.ndim
    shape[axis] = d.shape[axis]
    keys |= np.arange(d.shape[axis], dtype=itype).reshape(shape)
    best = keys.min(axis=axis)
    labels = (best & mask).astype(np.intp)
    best &= ~mask
    return labels, best.view(d.dtype)


def _augmented(centers: np.ndarray, dtype=np.float64) -> np.ndarray:
    """(k, 5) rows ``[-2c, ||c||², 1]``: times a point's ``[x, 1, ||x||²]`` gives ||x - c||²."""
    k = centers.shape[0]
    out = np.empty((k, 5), dtype=np.float64)
    out[:, :3] = -2.0 * centers
    out[:, 3] = np.einsum("ij,ij->i", centers, centers)
    out[:, 4] = 1.0
    return out.astype(dtype, copy=False)


class _Points:
    """Weighted colours with what every Lloyd step reuses (squared norms, weighted columns)."""

    def __init__(self, X: np.ndarray, w: np.ndarray, keys: np.ndarray | None = None,
                 key_bits: int = 8):
        self.keys = keys
        self.key_bits = key_bits
        self.X = np.ascontiguousarray(X, dtype=np.float64)
        self.w = np.ascontiguousarray(w, dtype=np.float64)
        self.n = self.X.shape[0]
        # rows x, y, z, 1, ||x||²: one product with _augmented(centers) gives the distances
        self.XA = np.empty((5, self.n), dtype=np.float64)
        self.XA[:3] = self.X.T
        self.XA[3] = 1.0
        np.einsum("ij,ij->j", self.XA[:3], self.XA[:3], out=self.XA[4])
        self.x_sq = self.XA[4]
        self._XA32: np.ndarray | None = None
        self._wX: list[np.ndarray] | None = None
        self.total = float(self.w.sum())

    @property
    def wX(self) -> list[np.ndarray]:
        """Each channel times the weights (for weighted means)."""
        if self._wX is None:
            self._wX = [self.w * self.XA[j] for j in range(3)]
        return self._wX

    def assign(self, centers: np.ndarray, *, distances: bool = True, block: int = 65_536
               ) -> tuple[np.ndarray, np.ndarray | None]:
        """Nearest centre of every point and (if ``distances``) the squared distance to it."""
        n = self.n
        labels = np.empty(n, dtype=np.intp)
        mind = np.empty(n, dtype=np.float64) if distances else None
        ca = _augmented(centers)
        for s in range(0, n, block):
            e = min(n, s + block)
            lab, dist = _keyed_min(ca @ self.XA[:, s:e], axis=0)
            labels[s:e] = lab
            if mind is not None:
                mind[s:e] = dist
        return labels, mind

    @property
    def XA32(self) -> np.ndarray:
        if self._XA32 is None:
            self._XA32 = self.XA.astype(np.float32)
        return self._XA32

    def means(self, labels: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Weighted sums of each cluster's points (k, 3) and each cluster's weight (k,)."""
        wsum = np.bincount(labels, weights=self.w, minlength=k)
        sums = np.empty((k, 3), dtype=np.float64)
        for j in range(3):
            sums[:, j] = np.bincount(labels, weights=self.wX[j], minlength=k)
        return sums, wsum

    def binned(self, bits: int) -> _Points:
        """The points pooled into 2^(3*bits) colour bins, each at its weighted mean.

        Needs ``keys``: each point's colour (or bin) with ``key_bits`` bits per channel,
        channel c at bits ``c * key_bits``; the bins get keys of the same form.
        """
        kb = self.key_bits
        shift = kb - bits
        mask = (1 << bits) - 1
        k = self.keys.astype(np.intp)
        idx = (k >> shift) & mask
        idx |= ((k >> (kb + shift)) & mask) << bits
        idx |= ((k >> (2 * kb + shift)) & mask) << (2 * bits)
        size = 1 << (3 * bits)
        wsum = np.bincount(idx, weights=self.w, minlength=size)
        used = np.flatnonzero(wsum)
        X = np.empty((used.size, 3), dtype=np.float64)
        for j in range(3):
            X[:, j] = np.bincount(idx, weights=self.wX[j], minlength=size)[used]
        wsum = wsum[used]
        X /= wsum[:, None]
        return _Points(X, wsum, used, bits)


def _lloyd(P: _Points, centers: np.ndarray, tol: float, max_iter: int,
           progress: ProgressFn | None = None) -> tuple[np.ndarray, int]:
    """Weighted Lloyd iterations until the centres move less than ``tol`` (squared, summed).

    Returns the centres and the number of iterations. Like scikit-learn, an empty cluster
    moves to the point farthest from its centre.
    """
    k = centers.shape[0]
    centers = centers.copy()
    labels = None
    n_iter = 0
    for n_iter in range(1, max_iter + 1):
        new_labels, _ = P.assign(centers, distances=False)
        sums, wsum = P.means(new_labels, k)
        empty = wsum <= 0
        new_centers = centers.copy()
        full = ~empty
        new_centers[full] = sums[full] / wsum[full, None]
        if empty.any():
            _, mind = P.assign(centers)
            far = np.argsort(mind)[::-1][: int(empty.sum())]
            new_centers[np.flatnonzero(empty)[: far.size]] = P.X[far]
        shift = float(((new_centers - centers) ** 2).sum())
        centers = new_centers
        converged = labels is not None and np.array_equal(labels, new_labels)
        labels = new_labels
        report(progress, n_iter / max_iter)
        if converged or shift <= tol:
            break
    return centers, n_iter


def _kmeans_plusplus_batch(P: _Points, k: int, n_starts: int,
                           rng: np.random.Generator) -> np.ndarray:
    """``n_starts`` independent weighted greedy k-means++ initialisations, (S, k, 3).

    scikit-learn's variant (2 + log k candidates per centre, the one that lowers the
    potential most wins), vectorised over the starts: one matrix product per centre.
    """
    n, w, S = P.n, P.w, n_starts
    n_trials = 2 + int(np.log(k))
    centers = np.empty((S, k, 3), dtype=np.float64)
    cum_w = np.cumsum(w)
    first = np.minimum(np.searchsorted(cum_w, rng.random(S) * cum_w[-1], side="right"), n - 1)
    centers[:, 0] = P.X[first]
    closest = _augmented(centers[:, 0]) @ P.XA  # (S, n)
    np.maximum(closest, 0.0, out=closest)
    rows = np.arange(S)
    for c in range(1, k):
        cum = np.cumsum(closest * w, axis=1)  # (S, n)
        tot = cum[:, -1]
        cand = np.empty((S, n_trials), dtype=np.intp)
        draws = rng.random((S, n_trials)) * tot[:, None]
        for s_ in range(S):
            cand[s_] = np.searchsorted(cum[s_], draws[s_], side="right")
        np.clip(cand, 0, n - 1, out=cand)
        d = (_augmented(P.X[cand.ravel()]) @ P.XA).reshape(S, n_trials, n)
        np.minimum(d, closest[:, None, :], out=d)
        pot = d @ w  # (S, trials)
        best = pot.argmin(axis=1)
        pick = cand[rows, best]
        centers[:, c] = P.X[pick]
        # a start whose points all sit on centres (fewer colours than k) keeps its last centre
        degenerate = tot <= 0
        if degenerate.any():
            centers[degenerate, c] = centers[degenerate, c - 1]
        closest = d[rows, best]
        np.maximum(closest, 0.0, out=closest)
    return centers


def _lloyd_batch(P: _Points, centers: np.ndarray, n_iter: int) -> tuple[np.ndarray, np.ndarray]:
    """``n_iter`` weighted Lloyd steps for S solutions at once, (S, k, 3) -> centres, inertias.

    One matrix product, one minimum and four bincounts per step for all the starts; the
    distances are float32 (these are only starting points; the inertias that pick the best
    are accurate to about 1e-5).
    """
    S, k, _ = centers.shape
    n = P.n
    offsets = (np.arange(S) * k)[:, None]
    w_rep = np.tile(P.w, S)
    wX_rep = [np.tile(c, S) for c in P.wX]
    centers = centers.copy()
    flat = centers.reshape(S * k, 3)
    for it in range(n_iter + 1):
        d = (_augmented(flat, np.float32) @ P.XA32).reshape(S, k, n)
        lab, dist = _keyed_min(d, axis=1)  # (S, n) each
        if it == n_iter:
            return centers, dist.astype(np.float64) @ P.w
        idx = (lab + offsets).ravel()
        wsum = np.bincount(idx, weights=w_rep, minlength=S * k)
        full = wsum > 0
        for j in range(3):
            sums = np.bincount(idx, weights=wX_rep[j], minlength=S * k)
            flat[full, j] = sums[full] / wsum[full]
        # an empty cluster keeps its centre here; the converging Lloyd below relocates it
    raise AssertionError("unreachable")


def _points(table: ColorTable) -> _Points:
    """The table's bins as weighted points at their means (kept with the table)."""
    P = table._cache.get("points")
    if P is None:
        P = table._cache["points"] = _Points(table.means, table.counts, table.bins,
                                             table.bits)
    return P


def _coarse(table: ColorTable) -> _Points:
    """The bins pooled into 4-bit bins, for the starts (kept with the table)."""
    A = table._cache.get("coarse")
    if A is None:
        P = _points(table)
        A = table._cache["coarse"] = P.binned(_START_BITS) if table.bits > _START_BITS else P
    return A


def _tolerance(table: ColorTable) -> float:
    """scikit-learn's tolerance: 1e-4 times the mean variance of the channels."""
    n = table.n_pixels
    mean = table.sums.sum(axis=0) / n
    return max(0.0, (table.sq_total / n - float(mean @ mean)) / 3.0) * _TOL


def _weighted_kmeans(table: ColorTable, k: int, rng: np.random.Generator,
                     progress: ProgressFn | None) -> tuple[np.ndarray, int]:
    """Centres of weighted K-Means on the table's bins; see the module docstring."""
    P = _points(table)
    A = _coarse(table)
    tol = _tolerance(table)
    # 2. many starts on the coarse bins, a few Lloyd steps each, all at once
    starts = _kmeans_plusplus_batch(A, k, _N_STARTS, rng)
    report(progress, 0.2)
    starts, inertias = _lloyd_batch(A, starts, _START_ITER)
    report(progress, 0.4)
    # 3. the best few converge on the 5-bit bins (coarse bins can misjudge close optima)
    finalists = np.argsort(inertias, kind="stable")[:_FINALISTS]
    best, best_inertia, best_iter = None, np.inf, 0
    for i, j in enumerate(finalists):
        lo = 0.4 + 0.6 * i / len(finalists)
        centers, n_iter = _lloyd(P, starts[j], tol, _MAX_ITER,
                                 scaled(progress, lo, lo + 0.6 / len(finalists)))
        inertia = float(P.w @ P.assign(centers)[1]) if len(finalists) > 1 else 0.0
        if inertia < best_inertia:
            best, best_inertia, best_iter = centers, inertia, n_iter
    return best, best_iter


# ---------------------------------------------------------------------------------------------
# Public entry points
# ---------------------------------------------------------------------------------------------

def _round_colors(palette: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(palette), 0, 255).astype(np.uint8)


def _check_n_colors(n_colors) -> int:
    try:
        k = int(n_colors)
    except (TypeError, ValueError) as exc:
        raise DataError(f"The number of colours must be a whole number, not {n_colors!r}.") \
            from exc
    if k != n_colors or k < 1 or k > MAX_COLORS:
        raise DataError(
            f"The number of colours must be a whole number between 1 and {MAX_COLORS}; "
            f"got {n_colors!r}.")
    return k


def segment_image(rgb, n_colors: int, random_state: int | None = 42,
                  progress: ProgressFn | None = None, *, colors: ColorTable | None = None,
                  chunk_pixels: int = CHUNK_PIXELS,
                  exact_below_bins: int = EXACT_BELOW_BINS) -> Segmentation:
    """Reduce an (H, W, 3) RGB image to ``n_colors`` colours with K-Means.

    Same objective as ``KMeans(n_clusters=n_colors, random_state=random_state)
    .fit(rgb.reshape(-1, 3))``, reached on the image's colour bins (see the module
    docstring). ``colors`` is the image's :func:`color_table`, if already computed (the
    k slider reuses it). ``chunk_pixels`` and ``exact_below_bins`` tune the passes over
    the pixels. ``progress(fraction)`` is called between steps and may raise ``Cancelled``.
    """
    k = _check_n_colors(n_colors)
    if colors is None:
        colors = color_table(rgb, scaled(progress, 0.0, 0.4), chunk_pixels=chunk_pixels,
                             exact_below_bins=exact_below_bins)
        progress = scaled(progress, 0.4, 1.0)
    return _segment(colors, k, random_state, progress, chunk_pixels)


def _segment(table: ColorTable, k: int, random_state: int | None,
             progress: ProgressFn | None, chunk_pixels: int = CHUNK_PIXELS) -> Segmentation:
    with single_threaded():
        return _segment_inner(table, k, random_state, progress, chunk_pixels)


def _segment_inner(table: ColorTable, k: int, random_state: int | None,
                   progress: ProgressFn | None, chunk_pixels: int) -> Segmentation:
    rng = np.random.default_rng(random_state)
    P = _points(table)
    exact = table.bits == 8
    if exact and P.n <= k:
        # Fewer colours than asked: each colour is its own cluster, nothing is lost.
        centers, n_iter = P.X.copy(), 0
    else:
        centers, n_iter = _weighted_kmeans(table, k, rng, scaled(progress, 0.0, 0.6))
    # 4. exact labels: whole bins by lookup, straddling bins pixel by pixel
    bin_labels, straddles = _bin_labels(table, centers)
    found, counts_straddling, inertia_straddling, sq_straddling = _straddling(
        table, centers, bin_labels, straddles, scaled(progress, 0.6, 0.8), chunk_pixels)
    kk = centers.shape[0]
    whole = ~straddles
    counts = np.bincount(bin_labels[whole], weights=table.counts[whole], minlength=kk)
    counts = np.rint(counts).astype(np.int64) + counts_straddling
    # inertia of the whole bins from their sums: Σ||x||² - 2 c·Σx + n ||c||²
    c = centers[bin_labels[whole]]
    inertia_whole = (table.sq_total - sq_straddling
                     - 2.0 * np.einsum("ij,ij->", c, table.sums[whole])
                     + float(table.counts[whole] @ np.einsum("ij,ij->i", c, c)))
    inertia = max(0.0, inertia_whole) + inertia_straddling
    # order the palette by share, then paint
    order = np.argsort(-counts, kind="stable")
    rank = np.empty(kk, dtype=np.int32)
    rank[order] = np.arange(kk, dtype=np.int32)
    palette = np.ascontiguousarray(centers[order])
    counts = counts[order]
    labels, image = _paint(table, bin_labels, found, rank, _round_colors(palette),
                           scaled(progress, 0.8, 1.0), chunk_pixels)
    h, w = table.shape
    labels = labels.reshape(h, w)
    image = image.reshape(h, w, 3)
    shares = counts / float(table.n_pixels)
    for a in (palette, labels, image, counts, shares):
        a.setflags(write=False)
    return Segmentation(image=image, palette=palette, labels=labels, shares=shares,
                        counts=counts, inertia=float(inertia), n_colors=k,
                        random_state=random_state, n_iter=n_iter)


def _bin_labels(table: ColorTable, centers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each bin's nearest centre, and whether its cube straddles a boundary between two.

    A point x is nearer to c1 than to cj when (cj - c1)·x < (||cj||² - ||c1||²) / 2, a
    half-space; a cube lies in it when its corner that maximises (cj - c1)·x does, i.e.
    (cj - c1)·mid + half · ||cj - c1||₁ < (||cj||² - ||c1||²) / 2. Exact bins (one colour
    each) are points (half = 0), and their nearest centre is their colour's.
    """
    k = centers.shape[0]
    if table.bits == 8:
        mid, half = table.means, 0.0
    else:
        half = ((1 << (8 - table.bits)) - 1) / 2.0
        mid = table.corners() + half
    cc = np.einsum("ij,ij->i", centers, centers)
    G = mid @ centers.T  # (m, k)
    d = cc[None, :] - 2.0 * G
    first = d.argmin(axis=1)
    if k == 1 or half == 0.0:
        return first, np.zeros(first.size, dtype=bool)
    l1 = np.abs(centers[:, None, :] - centers[None, :, :]).sum(axis=2)  # (k, k)
    rows = np.arange(first.size)
    margin = (cc[None, :] - cc[first][:, None]) / 2.0 - (G - G[rows, first][:, None]) \
        - half * l1[first]
    margin[rows, first] = np.inf
    # a small safety margin: rounding must never let a straddling cube pass as whole
    straddles = (margin <= 1e-9 * (1.0 + np.abs(cc).max())).any(axis=1)
    return first, straddles


def _straddling(table: ColorTable, centers: np.ndarray, bin_labels: np.ndarray,
                straddles: np.ndarray, progress: ProgressFn | None, chunk_pixels: int):
    """The pixels of straddling bins and their nearest centres, chunk by chunk.

    Returns a list of (chunk start, pixel offsets, labels), how many of them each centre
    got, their inertia and their Σ||x||².
    """
    k = centers.shape[0]
    found: list[tuple[int, np.ndarray, np.ndarray]] = []
    counts = np.zeros(k, dtype=np.int64)
    inertia = sq = 0.0
    if not straddles.any():
        return found, counts, inertia, sq
    flag = np.zeros(table.lut_size, dtype=np.bool_)
    flag[table.slots[straddles]] = True
    flat = table.rgb.reshape(-1, 3)
    ca = _augmented(centers)
    n = table.n_pixels
    chunk = max(1, int(chunk_pixels))
    for s in range(0, n, chunk):
        e = min(n, s + chunk)
        idx = np.flatnonzero(np.take(flag, table.codes[s:e]))
        if idx.size:
            X = np.take(flat, idx + s, axis=0).astype(np.float64)  # (n_s, 3)
            XA = np.empty((5, idx.size), dtype=np.float64)
            XA[:3] = X.T
            XA[3] = 1.0
            np.einsum("ij,ij->j", XA[:3], XA[:3], out=XA[4])
            lab, dist = _keyed_min(ca @ XA, axis=0)
            inertia += float(dist.sum())  # ||x||² - 2x·c + ||c||²: exact to ~1e-12
            sq += float(XA[4].sum())
            counts += np.bincount(lab, minlength=k)
            found.append((s, idx, lab))
        report(progress, e / n)
    return found, counts, inertia, sq


def _paint(table: ColorTable, bin_labels: np.ndarray, found, rank: np.ndarray,
           pal_u8: np.ndarray, progress: ProgressFn | None, chunk_pixels: int
           ) -> tuple[np.ndarray, np.ndarray]:
    """Every pixel's label (numbered by share) and colour: its bin's, or its own if found."""
    n = table.n_pixels
    lut = np.zeros(table.lut_size, dtype=np.int32)
    lut[table.slots] = rank[bin_labels]
    labels = np.empty(n, dtype=np.int32)
    image = np.empty((n, 3), dtype=np.uint8)
    pending = iter(found)
    nxt = next(pending, None)
    chunk = max(1, int(chunk_pixels))
    for s in range(0, n, chunk):
        e = min(n, s + chunk)
        np.take(lut, table.codes[s:e], out=labels[s:e], mode="clip")
        while nxt is not None and nxt[0] < e:
            start, idx, lab = nxt
            labels[start + idx] = rank[lab]
            nxt = next(pending, None)
        np.take(pal_u8, labels[s:e], axis=0, out=image[s:e], mode="clip")
        report(progress, e / n)
    return labels, image


def segment_strip(rgb, n_colors: Sequence[int] = CHAPTER_N_COLORS,
                  random_state: int | None = 42, progress: ProgressFn | None = None, *,
                  colors: ColorTable | None = None) -> tuple[Segmentation, ...]:
    """The chapter's figure: the image segmented with each of ``n_colors`` (10, 8, 6, 4, 2).

    The colour bins are counted once and shared by every segmentation.
    """
    ks = [_check_n_colors(k) for k in n_colors]
    if not ks:
        raise DataError("Give at least one number of colours for the strip.")
    if colors is None:
        colors = color_table(rgb, scaled(progress, 0.0, 0.2))
        start = 0.2
    else:
        start = 0.0
    out = []
    step = (1.0 - start) / len(ks)
    for i, k in enumerate(ks):
        lo = start + i * step
        out.append(_segment(colors, k, random_state, scaled(progress, lo, lo + step)))
    return tuple(out)


def palette_hex(palette: np.ndarray) -> list[str]:
    """The palette as ``#rrggbb`` strings (rounded colours)."""
    return ["#{:02x}{:02x}{:02x}".format(*map(int, c)) for c in _round_colors(np.asarray(palette))]


PALETTE_HEADER = ["colour", "hex", "red", "green", "blue", "share", "pixels",
                  "centre_red", "centre_green", "centre_blue"]


def palette_rows(seg: Segmentation) -> list[list]:
    """One row per palette colour, matching :data:`PALETTE_HEADER` (for CSV export)."""
    rows = []
    for i, (hx, rgb, centre) in enumerate(zip(palette_hex(seg.palette), seg.palette_uint8,
                                              seg.palette)):
        rows.append([i, hx, int(rgb[0]), int(rgb[1]), int(rgb[2]),
                     round(float(seg.shares[i]), 6), int(seg.counts[i]),
                     round(float(centre[0]), 4), round(float(centre[1]), 4),
                     round(float(centre[2]), 4)])
    return rows


def save_palette(path, seg: Segmentation) -> None:
    """Save the palette: a CSV table (``.csv``) or one ``#rrggbb`` per line (any other name)."""
    import csv
    import io
    from pathlib import Path

    from core.storage import atomic_write_bytes

    if Path(path).suffix.lower() == ".csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(PALETTE_HEADER)
        writer.writerows(palette_rows(seg))
        text = buf.getvalue()
    else:
        text = "\n".join(palette_hex(seg.palette)) + "\n"
    atomic_write_bytes(path, text.encode("utf-8"))


def save_image(path, image: np.ndarray) -> None:
    """Save an RGB ``uint8`` image; the format follows the extension (PNG by default)."""
    import io
    from pathlib import Path

    from PIL import Image

    from core.storage import atomic_write_bytes

    suffix = Path(path).suffix.lower()
    fmt = {".jpg": "JPEG", ".jpeg": "JPEG", ".bmp": "BMP", ".tif": "TIFF", ".tiff": "TIFF",
           ".webp": "WEBP"}.get(suffix, "PNG")
    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(image, dtype=np.uint8), "RGB").save(
        buf, format=fmt, **({"compress_level": 1} if fmt == "PNG" else {}))
    atomic_write_bytes(path, buf.getvalue())


def preview_step(shape, max_side: int = 1600) -> int:
    """The stride that brings an image of ``shape`` to at most ``max_side`` pixels a side."""
    h, w = int(shape[0]), int(shape[1])
    return max(1, -(-max(h, w) // int(max_side)))


def preview(image: np.ndarray, step: int) -> np.ndarray:
    """Every ``step``-th pixel of every ``step``-th row, contiguous (a display copy)."""
    return np.ascontiguousarray(image[::step, ::step])


def pixel_inertia(rgb, palette: np.ndarray, labels: np.ndarray) -> float:
    """Sum over all pixels of the squared distance to their palette colour (float64).

    The definition of ``KMeans.inertia_`` on ``rgb.reshape(-1, 3)``, computed pixel by pixel
    in chunks (for checking; :func:`segment_image` gets the same number from colour counts).
    """
    X = _as_rgb(rgb).reshape(-1, 3)
    lab = np.asarray(labels).reshape(-1)
    pal = np.asarray(palette, dtype=np.float64)
    total = 0.0
    for s in range(0, X.shape[0], CHUNK_PIXELS):
        d = X[s:s + CHUNK_PIXELS].astype(np.float64) - pal[lab[s:s + CHUNK_PIXELS]]
        total += float(np.einsum("ij,ij->", d, d))
    return total


# ---------------------------------------------------------------------------------------------
# What a viewer draws: reduced copies, computed with the segmentation (never while painting)
# ---------------------------------------------------------------------------------------------

#: Images are drawn from a copy with at most this many pixels a side.
PREVIEW_SIDE = 1600
#: The chapter's figure is drawn from copies with at most this many pixels a side.
STRIP_SIDE = 640


@dataclass(frozen=True)
class PreparedImage:
    """An image ready to be segmented again and again (the k slider reuses its colour bins).

    ``table`` is its :func:`color_table`, ``step`` the stride of the reduced copy a viewer
    draws (``original``, at most ``max_side`` pixels a side), ``n_colors`` the number of
    distinct colours of the image.
    """

    table: ColorTable
    step: int
    original: np.ndarray
    n_colors: int

    @property
    def rgb(self) -> np.ndarray:
        return self.table.rgb

    @property
    def shape(self) -> tuple[int, int]:
        return self.table.shape

    @property
    def n_pixels(self) -> int:
        return self.table.n_pixels


def prepare_image(rgb, max_side: int = PREVIEW_SIDE,
                  progress: ProgressFn | None = None) -> PreparedImage:
    """Count an image's colours and make the reduced copy a viewer draws."""
    table = color_table(rgb, progress)
    step = preview_step(table.rgb.shape, max_side)
    return PreparedImage(table, step, preview(table.rgb, step), count_colors(table.rgb))


@dataclass(frozen=True)
class ShownSegmentation:
    """A segmentation and the reduced copies a viewer draws (stride ``step``).

    ``segmented`` is the reduced segmented image, ``labels`` the reduced labels,
    ``faded`` the palette washed out (what is not highlighted, see :func:`highlight`),
    ``seconds`` the time the segmentation took.
    """

    seg: Segmentation
    step: int
    segmented: np.ndarray
    labels: np.ndarray
    faded: np.ndarray
    seconds: float


def segment_for_display(image, n_colors: int, random_state: int | None = 42,
                        progress: ProgressFn | None = None, *,
                        max_side: int = PREVIEW_SIDE
                        ) -> tuple[PreparedImage, ShownSegmentation]:
    """Segment ``image`` (an RGB array, or a :class:`PreparedImage` whose colour bins are
    reused) with :func:`segment_image` and make the copies a viewer draws."""
    import time

    start = time.perf_counter()
    if not isinstance(image, PreparedImage):
        image = prepare_image(image, max_side, scaled(progress, 0.0, 0.3))
        progress = scaled(progress, 0.3, 1.0)
    seg = segment_image(image.rgb, n_colors, random_state=random_state, progress=progress,
                        colors=image.table)
    seconds = time.perf_counter() - start
    step = image.step
    return image, ShownSegmentation(seg, step, preview(seg.image, step),
                                    preview(seg.labels, step), fade(seg.palette_uint8), seconds)


def fade(rgb: np.ndarray) -> np.ndarray:
    """Colours washed out towards light grey (what is not highlighted), ``uint8``."""
    return (np.asarray(rgb, dtype=np.uint16) * 3 // 10 + 178).astype(np.uint8)


def highlight(shown: ShownSegmentation, index: int) -> np.ndarray:
    """The reduced segmented image with palette colour ``index`` in colour and the others
    faded (``index < 0``: the segmented image itself). One gather, not a where over RGB."""
    if index < 0:
        return shown.segmented
    if index >= len(shown.seg.palette):
        raise DataError(f"There is no colour {index} in a palette of {len(shown.seg.palette)}.")
    colours = shown.faded.copy()
    colours[index] = shown.seg.palette_uint8[index]
    return np.take(colours, shown.labels, axis=0)


@dataclass(frozen=True)
class Strip:
    """The chapter's figure: the reduced original, then one reduced segmented image (and its
    inertia) per number of colours."""

    original: np.ndarray
    n_colors: tuple[int, ...]
    images: tuple[np.ndarray, ...]
    inertias: tuple[float, ...]
    random_state: int | None


def chapter_strip(image, random_state: int | None = 42, progress: ProgressFn | None = None,
                  *, n_colors: Sequence[int] = CHAPTER_N_COLORS,
                  max_side: int = STRIP_SIDE) -> Strip:
    """:func:`segment_strip` of ``image`` (an RGB array or a :class:`PreparedImage`) with
    the reduced copies (at most ``max_side`` pixels a side) a viewer draws."""
    table = image.table if isinstance(image, PreparedImage) else None
    rgb = image.rgb if isinstance(image, PreparedImage) else _as_rgb(image)
    segs = segment_strip(rgb, n_colors, random_state, progress, colors=table)
    step = preview_step(rgb.shape, max_side)
    return Strip(preview(rgb, step), tuple(int(s.n_colors) for s in segs),
                 tuple(preview(s.image, step) for s in segs),
                 tuple(float(s.inertia) for s in segs), random_state)
