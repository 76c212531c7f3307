"""core.segmentation: K-Means on an image's colours, at scikit-learn's quality."""

from __future__ import annotations

import dataclasses
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import Cancelled, DataError
from core.images import sample_image
from core.segmentation import (
    CHAPTER_N_COLORS,
    Segmentation,
    color_table,
    count_colors,
    palette_hex,
    pixel_inertia,
    segment_image,
    segment_strip,
)

PHOTOS = ("china", "flower")
KS = (2, 4, 8, 16)
# The grid has seeds 0-4; the suite checks seeds 0-2 (24 plain fits, ~10 s) unless
# CLUSTERLAB_FULL_GRID=1; bench/bench_segmentation.py always checks the full grid.
SEEDS = range(5) if os.environ.get("CLUSTERLAB_FULL_GRID") == "1" else range(3)


@pytest.fixture(scope="module")
def photos() -> dict[str, np.ndarray]:
    return {name: sample_image(name) for name in PHOTOS}


@pytest.fixture(scope="module")
def plain_inertias(photos) -> dict[tuple[str, int, int], float]:
    """Inertia of plain ``KMeans(n_clusters=k, random_state=seed).fit(pixels)``, fitted once."""
    from sklearn.cluster import KMeans

    out = {}
    for name, img in photos.items():
        X = img.reshape(-1, 3)
        for k in KS:
            for seed in SEEDS:
                out[name, k, seed] = KMeans(n_clusters=k, random_state=seed).fit(X).inertia_
    return out


def brute_inertia(img: np.ndarray, palette: np.ndarray, labels: np.ndarray) -> float:
    """KMeans.inertia_'s definition, pixel by pixel, in float64."""
    X = img.reshape(-1, 3).astype(np.float64)
    d = X - np.asarray(palette, dtype=np.float64)[np.asarray(labels).reshape(-1)]
    return float((d * d).sum())


def small_photo(name="china", step=4) -> np.ndarray:
    """A 107×160 version of a sample photo: real colours, fast tests."""
    return np.ascontiguousarray(sample_image(name)[::step, ::step])


# -- the quality bar ------------------------------------------------------------------------------

def test_quality_bar_against_plain_kmeans_on_all_pixels(photos, plain_inertias):
    """The issue's quality bar: both sample photos, k in (2, 4, 8, 16), several seeds.

    For each photo and k, the mean inertia (over all pixels) of ``segment_image`` over the
    seeds is at most 1 % above the mean of plain ``KMeans(n_clusters=k,
    random_state=seed).fit(pixels)``, and no single run is more than 3 % above the plain run
    with the same seed. To keep the suite fast this checks a representative subset, seeds
    0-2 (the plain fits are computed once for the module); set CLUSTERLAB_FULL_GRID=1 for
    the issue's full grid of seeds 0-4, which bench/bench_segmentation.py always checks.
    """
    failures = []
    for name, img in photos.items():
        for k in KS:
            ours = []
            plain = []
            for seed in SEEDS:
                seg = segment_image(img, k, random_state=seed)
                ours.append(seg.inertia)
                plain.append(plain_inertias[name, k, seed])
                if seg.inertia > 1.03 * plain[-1]:
                    failures.append(f"{name} k={k} seed={seed}: {seg.inertia / plain[-1]:.4f}")
            ratio = np.mean(ours) / np.mean(plain)
            if ratio > 1.01:
                failures.append(f"{name} k={k}: mean ratio {ratio:.4f}")
    assert not failures, failures


@pytest.mark.parametrize("name", PHOTOS)
def test_inertia_is_kmeans_inertia_over_all_pixels(photos, name):
    img = photos[name]
    seg = segment_image(img, 8, random_state=3)
    assert seg.inertia == pytest.approx(brute_inertia(img, seg.palette, seg.labels), rel=1e-10)
    assert seg.inertia == pytest.approx(pixel_inertia(img, seg.palette, seg.labels), rel=1e-10)


def test_inertia_and_labels_match_scikit_learns_nearest_centres(photos):
    """scikit-learn's own nearest-centre search over every pixel gives our labels and inertia."""
    from sklearn.metrics import pairwise_distances_argmin_min

    img = photos["flower"]
    seg = segment_image(img, 6, random_state=0)
    nearest, dist = pairwise_distances_argmin_min(img.reshape(-1, 3).astype(np.float64),
                                                  seg.palette)
    assert float((dist ** 2).sum()) == pytest.approx(seg.inertia, rel=1e-9)
    assert np.mean(nearest == seg.labels.reshape(-1)) > 0.9999  # exact ties may differ


def test_every_pixel_gets_its_nearest_palette_colour():
    img = small_photo("flower")
    seg = segment_image(img, 10, random_state=1)
    X = img.reshape(-1, 3).astype(np.float64)
    d = ((X[:, None, :] - seg.palette[None, :, :]) ** 2).sum(axis=2)
    own = d[np.arange(len(X)), seg.labels.reshape(-1)]
    np.testing.assert_allclose(own, d.min(axis=1), rtol=0, atol=1e-6)


def test_same_partition_and_centres_as_scikit_learn_on_well_separated_colours():
    """Four flat patches with a little noise: K-Means has one answer, both find it."""
    from sklearn.cluster import KMeans

    rng = np.random.default_rng(0)
    base = np.array([[200, 30, 30], [30, 180, 40], [40, 40, 210], [230, 230, 60]])
    img = np.zeros((40, 60, 3), dtype=np.int64)
    img[:20, :30], img[:20, 30:], img[20:, :30], img[20:, 30:] = base
    img = np.clip(img + rng.integers(-12, 13, size=img.shape), 0, 255).astype(np.uint8)
    seg = segment_image(img, 4, random_state=42)
    km = KMeans(n_clusters=4, random_state=42).fit(img.reshape(-1, 3))
    order = np.argsort(-np.bincount(km.labels_, minlength=4), kind="stable")
    mapping = {int(old): new for new, old in enumerate(order)}
    # same partition up to the order of the clusters
    ours = seg.labels.reshape(-1)
    theirs = np.array([mapping[int(v)] for v in km.labels_])
    pairs = set(zip(ours.tolist(), theirs.tolist()))
    assert len(pairs) == 4
    ours_sorted = seg.palette[np.lexsort(seg.palette.T[::-1])]
    theirs_sorted = km.cluster_centers_[np.lexsort(km.cluster_centers_.T[::-1])]
    np.testing.assert_allclose(ours_sorted, theirs_sorted, atol=1e-6)
    assert seg.inertia == pytest.approx(km.inertia_, rel=1e-9)


# -- what a Segmentation holds --------------------------------------------------------------------

def test_result_fields_shapes_and_consistency():
    img = small_photo()
    seg = segment_image(img, 6, random_state=42)
    assert isinstance(seg, Segmentation)
    h, w = img.shape[:2]
    assert seg.image.shape == (h, w, 3) and seg.image.dtype == np.uint8
    assert seg.labels.shape == (h, w) and seg.labels.dtype == np.int32
    assert seg.palette.shape == (6, 3) and seg.palette.dtype == np.float64
    assert seg.n_colors == 6 and seg.n_palette == 6
    counts = np.bincount(seg.labels.reshape(-1), minlength=6)
    np.testing.assert_array_equal(seg.counts, counts)
    np.testing.assert_allclose(seg.shares, counts / (h * w))
    assert seg.shares.sum() == pytest.approx(1.0)
    assert np.all(np.diff(seg.shares) <= 0), "palette ordered by decreasing share"
    np.testing.assert_array_equal(seg.image, seg.palette_uint8[seg.labels])
    np.testing.assert_array_equal(seg.palette_uint8, np.clip(np.rint(seg.palette), 0, 255))
    # each palette colour is (about) the mean of its pixels: a K-Means fixed point
    X = img.reshape(-1, 3).astype(np.float64)
    for i in range(6):
        mean = X[seg.labels.reshape(-1) == i].mean(axis=0)
        assert np.abs(mean - seg.palette[i]).max() < 3.0


def test_result_is_frozen_and_read_only():
    seg = segment_image(small_photo(), 3)
    with pytest.raises(dataclasses.FrozenInstanceError):
        seg.inertia = 0.0  # type: ignore[misc]
    for arr in (seg.image, seg.palette, seg.labels, seg.shares, seg.counts):
        assert not arr.flags.writeable


def test_same_seed_same_result_other_seed_may_differ():
    img = small_photo("flower")
    a = segment_image(img, 8, random_state=7)
    b = segment_image(img, 8, random_state=7)
    np.testing.assert_array_equal(a.palette, b.palette)
    np.testing.assert_array_equal(a.labels, b.labels)
    assert a.inertia == b.inertia


def test_k_equal_one_gives_the_mean_colour():
    img = small_photo()
    seg = segment_image(img, 1)
    np.testing.assert_allclose(seg.palette[0], img.reshape(-1, 3).mean(axis=0), atol=1e-9)
    assert seg.shares.tolist() == [1.0]


def test_fewer_distinct_colours_than_k_keeps_every_colour():
    img = np.zeros((10, 12, 3), dtype=np.uint8)
    img[:, 4:] = (255, 0, 0)
    img[7:, :] = (10, 20, 30)
    seg = segment_image(img, 8)
    assert seg.n_palette == 3 and seg.n_colors == 8
    assert seg.inertia == 0.0
    np.testing.assert_array_equal(seg.image, img)


def test_rgba_and_float_images_are_accepted():
    img = small_photo()
    rgba = np.dstack([img, np.full(img.shape[:2], 255, np.uint8)])
    a = segment_image(img, 4, random_state=0)
    b = segment_image(rgba, 4, random_state=0)  # a strided view: packed chunk by chunk
    c = segment_image(img.astype(np.float32), 4, random_state=0)
    np.testing.assert_array_equal(a.labels, b.labels)
    np.testing.assert_array_equal(a.labels, c.labels)


# -- the passes over the pixels ----------------------------------------------------------------------

def test_colour_table_counts_every_pixel_in_its_bin():
    img = small_photo("flower")
    table = color_table(img)
    assert table.bits == 5
    X = img.reshape(-1, 3).astype(np.int64)
    code = (X[:, 0] >> 3) | (X[:, 1] >> 3) << 5 | (X[:, 2] >> 3) << 10
    np.testing.assert_array_equal(table.codes, code)  # each pixel's 15-bit bin code
    np.testing.assert_array_equal(table.bins, np.unique(code))
    np.testing.assert_array_equal(table.counts, np.bincount(code)[table.bins])
    for c in range(3):
        np.testing.assert_allclose(table.sums[:, c],
                                   np.bincount(code, weights=X[:, c])[table.bins])
    assert table.sq_total == float((X * X).sum())
    assert table.counts.sum() == table.n_pixels == img.shape[0] * img.shape[1]
    # each pixel lies in its bin's cube
    corners = table.corners()[np.searchsorted(table.bins, table.codes)]
    assert np.all((corners <= X) & (corners + 7 >= X))


@pytest.mark.parametrize("low_bits_above", [10**9, 0])
def test_chunked_passes_give_the_same_table_and_result(low_bits_above):
    """Large photos are processed in chunks (progress and Cancel between them), their bins
    summed from integer counts by low bits (forced here on a small photo)."""
    img = small_photo("flower", step=2)
    whole = color_table(img)
    chunked = color_table(img, chunk_pixels=5_000, low_bits_above=low_bits_above)
    for name in ("codes", "bins", "counts", "sums"):
        np.testing.assert_array_equal(getattr(whole, name), getattr(chunked, name))
    assert whole.sq_total == chunked.sq_total
    a = segment_image(img, 8, random_state=5)
    b = segment_image(img, 8, random_state=5, chunk_pixels=5_000)
    np.testing.assert_array_equal(a.labels, b.labels)
    np.testing.assert_array_equal(a.image, b.image)
    assert a.inertia == pytest.approx(b.inertia, rel=1e-12)


def test_exact_colour_path_reaches_the_objective_too():
    """Few colours get one bin per exact colour; forced here on a photo."""
    from sklearn.cluster import KMeans

    img = small_photo("china", step=4)
    table = color_table(img, exact_below_bins=10**9)
    assert table.bits == 8
    assert table.n_bins == len(np.unique(img.reshape(-1, 3), axis=0))
    ours = segment_image(img, 8, random_state=0, colors=table)
    plain = KMeans(n_clusters=8, random_state=0).fit(img.reshape(-1, 3)).inertia_
    assert ours.inertia <= 1.03 * plain
    assert ours.inertia == pytest.approx(brute_inertia(img, ours.palette, ours.labels), rel=1e-10)


def test_count_colors():
    img = small_photo()
    expected = len(np.unique(img.reshape(-1, 3), axis=0))
    assert count_colors(img) == expected
    assert count_colors(img, histogram_above=0) == expected


def test_progress_rises_to_one_and_cancel_stops():
    img = small_photo("flower", step=2)
    seen: list[float] = []
    segment_image(img, 8, progress=seen.append, chunk_pixels=4_000)
    assert len(seen) > 10
    assert all(0.0 <= f <= 1.0 for f in seen)
    assert all(b >= a - 1e-12 for a, b in zip(seen, seen[1:])), "progress never goes back"
    assert seen[-1] == pytest.approx(1.0)

    calls = []

    def cancel_after_five(fraction):
        calls.append(fraction)
        if len(calls) > 5:
            raise Cancelled()

    with pytest.raises(Cancelled):
        segment_image(img, 8, progress=cancel_after_five, chunk_pixels=4_000)


def test_reusing_a_colour_table_gives_the_same_result():
    img = small_photo()
    table = color_table(img)
    a = segment_image(img, 5, random_state=2)
    b = segment_image(img, 5, random_state=2, colors=table)
    np.testing.assert_array_equal(a.labels, b.labels)
    assert a.inertia == b.inertia


# -- the chapter's strip and exports ----------------------------------------------------------------

def test_strip_is_the_chapters_colours_each_equal_to_a_single_segmentation():
    img = small_photo()
    strip = segment_strip(img)
    assert [s.n_colors for s in strip] == list(CHAPTER_N_COLORS) == [10, 8, 6, 4, 2]
    for seg in strip[::2]:
        alone = segment_image(img, seg.n_colors, random_state=42)
        np.testing.assert_array_equal(seg.labels, alone.labels)
        assert seg.inertia == alone.inertia
    # more colours never fit worse here
    inertias = [s.inertia for s in strip]
    assert inertias == sorted(inertias)


def test_palette_hex():
    assert palette_hex(np.array([[255, 0, 16.4], [0.6, 127.5, 254.9]])) == ["#ff0010", "#0180ff"]


# -- bad input ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("bad, words", [
    (np.zeros((4, 4), np.uint8), "shape"),
    (np.zeros((4, 4, 2), np.uint8), "shape"),
    (np.zeros((0, 4, 3), np.uint8), "empty"),
    (np.full((3, 3, 3), np.nan), "NaN"),
    (np.full((3, 3, 3), 300.0), "between 0 and 255"),
    (np.full((3, 3, 3), -1, np.int16), "between 0 and 255"),
    (np.array([[["a", "b", "c"]]]), "numbers"),
])
def test_bad_images_are_explained(bad, words):
    with pytest.raises(DataError, match=words):
        segment_image(bad, 2)


@pytest.mark.parametrize("k", [0, -3, 257, 2.5, "eight", None])
def test_bad_numbers_of_colours_are_explained(k):
    with pytest.raises(DataError, match="number of colours"):
        segment_image(small_photo(), k)


def test_empty_strip_is_refused():
    with pytest.raises(DataError, match="at least one"):
        segment_strip(small_photo(), ())


# -- properties ---------------------------------------------------------------------------------------

@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(h=st.integers(1, 12), w=st.integers(1, 12), k=st.integers(1, 6),
       levels=st.integers(1, 256), seed=st.integers(0, 2**31 - 1), binned=st.booleans())
def test_properties_on_small_random_images(h, w, k, levels, seed, binned):
    """Exact colours (few colours) or 5-bit bins with straddling cubes (forced): either way
    every pixel gets its nearest palette colour and the inertia is the pixels' own."""
    rng = np.random.default_rng(seed)
    values = np.linspace(0, 255, levels).round()
    img = values[rng.integers(0, levels, size=(h, w, 3))].astype(np.uint8)
    seg = segment_image(img, k, random_state=seed % 1000,
                        exact_below_bins=0 if binned else 10**9)
    n_distinct = len(np.unique(img.reshape(-1, 3), axis=0))
    if not binned:
        assert seg.n_palette == min(k, n_distinct)
    assert seg.shares.sum() == pytest.approx(1.0)
    assert seg.counts.sum() == h * w
    assert seg.inertia == pytest.approx(brute_inertia(img, seg.palette, seg.labels),
                                        rel=1e-9, abs=1e-9)
    X = img.reshape(-1, 3).astype(np.float64)
    d = ((X[:, None, :] - seg.palette[None]) ** 2).sum(axis=2)
    own = d[np.arange(h * w), seg.labels.reshape(-1)]
    np.testing.assert_allclose(own, d.min(axis=1), atol=1e-6)
    np.testing.assert_array_equal(seg.image, seg.palette_uint8[seg.labels])
    # the palette colours lie inside the image's colour range
    assert seg.palette.min() >= X.min() - 1e-9 and seg.palette.max() <= X.max() + 1e-9


def test_overlapping_segmentations_restore_blas_threads():
    """The BLAS limit is process-wide: overlapping runs must leave it as they found it."""
    import threading

    from threadpoolctl import threadpool_info

    def blas_threads():
        return sorted(i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas")

    before = blas_threads()
    img = small_photo()
    threads = [threading.Thread(target=segment_image, args=(img, k)) for k in (3, 5, 7, 9)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert blas_threads() == before


# -- what a viewer draws (the segmentation page's jobs are one-line calls to these) ----------

def test_segment_for_display_is_segment_image_with_reduced_copies():
    from core.segmentation import PreparedImage, prepare_image, segment_for_display

    china = sample_image("china")
    prepared, shown = segment_for_display(china, 8, random_state=42)
    assert isinstance(prepared, PreparedImage) and prepared.step == 1
    np.testing.assert_array_equal(prepared.original, china)
    assert prepared.n_colors == count_colors(china) and prepared.shape == china.shape[:2]
    expected = segment_image(china, 8, random_state=42)
    np.testing.assert_array_equal(shown.seg.image, expected.image)
    np.testing.assert_array_equal(shown.segmented, expected.image)
    np.testing.assert_array_equal(shown.labels, expected.labels)
    assert shown.faded.shape == (8, 3) and shown.seconds >= 0
    # the prepared image is reused: same colour bins, same result for another k
    again, shown3 = segment_for_display(prepared, 3, random_state=42)
    assert again is prepared
    np.testing.assert_array_equal(shown3.seg.image, segment_image(china, 3).image)
    # a wide image is drawn from every 3rd pixel of every 3rd row
    wide = np.ascontiguousarray(np.tile(china[:40], (1, 6, 1)))
    prepared = prepare_image(wide, max_side=1600)
    assert prepared.step == 3
    np.testing.assert_array_equal(prepared.original, wide[::3, ::3])
    _, shown = segment_for_display(prepared, 4)
    np.testing.assert_array_equal(shown.segmented, shown.seg.image[::3, ::3])
    assert shown.seg.labels.shape == wide.shape[:2]


def test_highlight_keeps_one_colour_and_fades_the_others():
    from core.segmentation import fade, highlight, segment_for_display

    _, shown = segment_for_display(sample_image("china"), 6, random_state=42)
    assert highlight(shown, -1) is shown.segmented
    img = highlight(shown, 2)
    mask = shown.labels == 2
    np.testing.assert_array_equal(img[mask], shown.segmented[mask])
    np.testing.assert_array_equal(img[~mask], fade(shown.seg.palette_uint8)[shown.labels[~mask]])
    assert img[~mask].astype(int).mean() > shown.segmented[~mask].astype(int).mean()
    np.testing.assert_array_equal(fade(np.array([[0, 0, 0], [255, 255, 255]], np.uint8)),
                                  [[178, 178, 178], [254, 254, 254]])


def test_chapter_strip_reduced_copies_match_single_segmentations():
    from core.segmentation import chapter_strip, prepare_image

    china = sample_image("china")
    strip = chapter_strip(prepare_image(china), random_state=42)
    assert strip.n_colors == CHAPTER_N_COLORS and strip.random_state == 42
    step = 1  # 640 pixels wide: drawn as it is
    np.testing.assert_array_equal(strip.original, china[::step, ::step])
    for k, img, inertia in zip(strip.n_colors, strip.images, strip.inertias):
        seg = segment_image(china, k, random_state=42)
        np.testing.assert_array_equal(img, seg.image)
        assert inertia == pytest.approx(seg.inertia)
    small = chapter_strip(china, random_state=0, n_colors=(3,), max_side=320)
    np.testing.assert_array_equal(small.original, china[::2, ::2])
    assert small.images[0].shape == china[::2, ::2].shape


def test_float_images_in_0_1_are_scaled_like_matplotlib_reads_a_png():
    img = small_photo()
    as_read = img.astype(np.float32) / 255.0  # what matplotlib.pyplot.imread gives for a PNG
    a = segment_image(img, 4, random_state=0)
    b = segment_image(as_read, 4, random_state=0)
    np.testing.assert_array_equal(a.labels, b.labels)
    np.testing.assert_allclose(a.palette, b.palette)


@pytest.mark.parametrize("values", [np.array([0.5, 1.5, 200.25]), np.array([0.0, 2.5, 7.75])])
def test_other_fractional_float_images_are_refused(values):
    img = np.resize(values, (4, 4, 3))
    with pytest.raises(DataError, match="from 0 to 1"):
        segment_image(img, 2)
