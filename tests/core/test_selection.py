"""core.selection: parity with scikit-learn, the elbow rule, bounded memory, bad input."""

from __future__ import annotations

import dataclasses
import tracemalloc

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import metrics
from sklearn.cluster import KMeans
from sklearn.datasets import load_iris, make_blobs
from threadpoolctl import threadpool_limits

import core.selection as sel
from core.datasets import load_builtin
from core.errors import Cancelled, DataError
from core.selection import (
    KSweep,
    SilhouetteDiagram,
    elbow_ratios,
    find_elbow,
    silhouette_diagram,
    silhouette_samples,
    silhouette_score,
    study_k,
    sweep_k,
)

CHAPTER_INERTIAS = [3534.8, 1149.6, 653.2, 261.8, 211.6, 169.2, 141.4, 119.1, 102.6]
TOL = 1e-10


@pytest.fixture(scope="module")
def blobs():
    return load_builtin("blobs").X


@pytest.fixture(scope="module")
def chapter_sweep(blobs):
    return sweep_k(blobs, range(1, 10))


def _separated_blobs(n_blobs: int, seed: int, n_features: int = 2):
    """make_blobs with ``n_blobs`` centres at least 8 standard deviations apart."""
    rng = np.random.default_rng(seed)
    centers: list[np.ndarray] = []
    while len(centers) < n_blobs:
        c = rng.uniform(-25, 25, size=n_features)
        if all(np.linalg.norm(c - o) >= 8 for o in centers):
            centers.append(c)
    sizes = [int(s) for s in rng.integers(80, 300, size=n_blobs)]
    X, y = make_blobs(n_samples=sizes, centers=np.array(centers),
                      cluster_std=rng.uniform(0.4, 1.0, size=n_blobs), random_state=seed)
    return X, y


# --------------------------------------------------------------------------- silhouette parity

def _parity_cases():
    iris = load_iris().data
    X5, _ = make_blobs(n_samples=700, centers=5, random_state=3)
    X3d, _ = make_blobs(n_samples=400, n_features=6, centers=4, random_state=1)
    rng = np.random.default_rng(0)
    return [
        ("iris-kmeans3", iris, KMeans(3, random_state=42).fit_predict(iris)),
        ("blobs5-kmeans7", X5, KMeans(7, random_state=0).fit_predict(X5)),
        ("6d-random-labels", X3d, rng.integers(0, 4, size=len(X3d))),
        ("strings", iris, np.array(["setosa", "other", "x"])[rng.integers(0, 3, size=150)]),
        ("negative-labels", X5, rng.integers(-3, 3, size=len(X5))),
    ]


@pytest.mark.parametrize("name,X,labels", _parity_cases(), ids=lambda v: v if isinstance(v, str) else "")
def test_silhouette_samples_equals_scikit_learn(name, X, labels):
    ours = silhouette_samples(X, labels)
    ref = metrics.silhouette_samples(X, labels)
    np.testing.assert_allclose(ours, ref, rtol=0, atol=TOL)
    assert silhouette_score(X, labels) == pytest.approx(metrics.silhouette_score(X, labels),
                                                        abs=TOL)


def test_silhouette_handles_singletons_and_duplicates_like_scikit_learn():
    X = np.array([[0, 0], [0, 0], [0, 0], [5, 5], [5, 5], [9, 1], [2, 2], [2, 2.0]])
    labels = np.array([0, 0, 1, 2, 2, 3, 1, 4])  # cluster 3 has one point, 0 is two duplicates
    ours = silhouette_samples(X, labels)
    ref = metrics.silhouette_samples(X, labels)
    np.testing.assert_allclose(ours, ref, rtol=0, atol=TOL)
    assert ours[5] == 0.0  # a point alone in its cluster


def test_chunking_gives_the_same_values_whatever_the_chunk(monkeypatch):
    X, _ = make_blobs(n_samples=1003, centers=4, random_state=5)
    labels = KMeans(4, random_state=42).fit_predict(X)
    ref = metrics.silhouette_samples(X, labels)
    for rows in (1, 7, 64, 1003):
        monkeypatch.setattr(sel, "MIN_CHUNK_ROWS", rows)
        monkeypatch.setattr(sel, "CHUNK_BYTES", 1)  # so the chunk is MIN_CHUNK_ROWS rows
        np.testing.assert_allclose(silhouette_samples(X, labels), ref, rtol=0, atol=TOL)


def test_sample_size_uses_the_same_rows_as_scikit_learn(blobs):
    labels = KMeans(5, random_state=42).fit_predict(blobs)
    for seed in (0, 7, 42):
        ours = silhouette_score(blobs, labels, sample_size=300, random_state=seed)
        ref = metrics.silhouette_score(blobs, labels, sample_size=300, random_state=seed)
        assert ours == pytest.approx(ref, abs=TOL)
    diagram = silhouette_diagram(blobs, labels, sample_size=300, random_state=7)
    assert diagram.n_points == 300 and diagram.indices is not None
    assert diagram.mean == pytest.approx(
        metrics.silhouette_score(blobs, labels, sample_size=300, random_state=7), abs=TOL)



def test_a_seeded_sample_is_drawn_once_and_stays_scikit_learns(blobs):
    import core.selection as sel

    labels = KMeans(5, random_state=42).fit_predict(blobs)
    sel._SAMPLES.clear()
    first = sel._sample_indices(blobs.shape[0], 300, 11)
    again = sel._sample_indices(blobs.shape[0], 300, np.int64(11))
    assert again is first and not first.flags.writeable  # kept, and nobody can change it
    np.testing.assert_array_equal(first, np.random.RandomState(11).permutation(blobs.shape[0])[:300])
    assert silhouette_score(blobs, labels, sample_size=300, random_state=11) == pytest.approx(
        metrics.silhouette_score(blobs, labels, sample_size=300, random_state=11), abs=TOL)
    # a generator's draws depend on its state: not kept
    rng = np.random.RandomState(3)
    a = sel._sample_indices(blobs.shape[0], 300, rng)
    b = sel._sample_indices(blobs.shape[0], 300, rng)
    assert a.flags.writeable and not np.array_equal(a, b)
    for seed in range(sel._SAMPLES_KEPT + 2):  # only the last few are kept
        sel._sample_indices(blobs.shape[0], 300, 100 + seed)
    assert len(sel._SAMPLES) == sel._SAMPLES_KEPT


def test_a_big_seeded_sample_is_drawn_in_a_helper_process_with_scikit_learns_rows(
        monkeypatch):
    import core.offprocess as offprocess
    import core.selection as sel

    asked = []
    real = offprocess.call_in_process

    def recording(fn, *args):
        asked.append((fn.__name__, args))
        return real(fn, *args)

    monkeypatch.setattr(sel, "SAMPLE_PROCESS_ROWS", 5_000)
    monkeypatch.setattr(offprocess, "call_in_process", recording)
    offprocess.enable(True)
    try:
        sel._SAMPLES.clear()
        rows = sel._sample_indices(6_000, 300, 5)
        small = sel._sample_indices(4_000, 300, 5)  # under the threshold: here
    finally:
        offprocess.enable(False)
        sel._SAMPLES.clear()
    assert asked == [("_draw_sample", (6_000, 300, 5))]
    np.testing.assert_array_equal(rows, np.random.RandomState(5).permutation(6_000)[:300])
    np.testing.assert_array_equal(small, np.random.RandomState(5).permutation(4_000)[:300])
    assert not rows.flags.writeable

@settings(max_examples=40, deadline=None)
@given(
    data=st.data(),
    n=st.integers(3, 60),
    d=st.integers(1, 4),
)
def test_silhouette_property_parity_on_random_grids(data, n, d):
    # Integer coordinates on a small grid: many exact duplicates and ties.
    coords = data.draw(st.lists(st.integers(-4, 4), min_size=n * d, max_size=n * d))
    X = np.array(coords, dtype=np.float64).reshape(n, d) * 0.5
    n_labels = data.draw(st.integers(2, n - 1))
    labels = np.array(data.draw(st.lists(st.integers(0, n_labels - 1), min_size=n, max_size=n)))
    if not 2 <= np.unique(labels).size <= n - 1:
        labels[0], labels[1] = 0, 1
        labels[2:] = labels[2:] % 2
    ours = silhouette_samples(X, labels)
    np.testing.assert_allclose(ours, metrics.silhouette_samples(X, labels), rtol=0, atol=TOL)
    assert np.all(ours >= -1 - 1e-12) and np.all(ours <= 1 + 1e-12)


def test_silhouette_memory_stays_bounded():
    """No n × n matrix: 6 000 points would need 288 MB for one; we stay under 10 MB."""
    rng = np.random.default_rng(1)
    X = rng.normal(size=(6000, 2))
    labels = rng.integers(0, 5, size=6000)
    tracemalloc.start()
    try:
        silhouette_samples(X, labels)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 10 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"


def test_silhouette_reports_progress_and_can_be_cancelled(monkeypatch):
    monkeypatch.setattr(sel, "CHUNK_BYTES", 1)
    monkeypatch.setattr(sel, "MIN_CHUNK_ROWS", 50)
    X, _ = make_blobs(n_samples=500, centers=3, random_state=0)
    labels = KMeans(3, random_state=42).fit_predict(X)
    seen: list[float] = []
    silhouette_samples(X, labels, progress=seen.append)
    assert len(seen) == 10 and seen == sorted(seen) and seen[-1] == 1.0

    calls = []

    def cancel_at_third(fraction):
        calls.append(fraction)
        if len(calls) == 3:
            raise Cancelled()

    with pytest.raises(Cancelled):
        silhouette_samples(X, labels, progress=cancel_at_third)
    assert len(calls) == 3


# --------------------------------------------------------------------------- diagram

def test_silhouette_diagram_is_sorted_bands_of_scikit_learns_values(blobs):
    labels = KMeans(4, random_state=42).fit_predict(blobs)
    diagram = silhouette_diagram(blobs, labels)
    ref = metrics.silhouette_samples(blobs, labels)
    assert isinstance(diagram, SilhouetteDiagram)
    assert diagram.n_clusters == 4
    np.testing.assert_array_equal(diagram.clusters, [0, 1, 2, 3])
    np.testing.assert_array_equal(diagram.sizes, np.bincount(labels))
    for c in range(4):
        band = diagram.coefficients[c]
        assert np.all(np.diff(band) >= 0)
        np.testing.assert_allclose(band, np.sort(ref[labels == c]), rtol=0, atol=TOL)
        assert diagram.means[c] == pytest.approx(ref[labels == c].mean(), abs=TOL)
    assert diagram.mean == pytest.approx(metrics.silhouette_score(blobs, labels), abs=TOL)
    np.testing.assert_allclose(diagram.samples, ref, rtol=0, atol=TOL)
    assert diagram.indices is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        diagram.mean = 0.0
    assert not diagram.coefficients[0].flags.writeable


# --------------------------------------------------------------------------- sweep

def test_sweep_equals_scikit_learn_on_the_chapters_blobs(blobs, chapter_sweep):
    sweep = chapter_sweep
    assert isinstance(sweep, KSweep)
    np.testing.assert_array_equal(sweep.ks, np.arange(1, 10))
    for i, k in enumerate(range(1, 10)):
        model = KMeans(n_clusters=k, random_state=42).fit(blobs)
        assert sweep.inertias[i] == pytest.approx(model.inertia_, rel=1e-10)
        np.testing.assert_array_equal(sweep.labels[i], model.labels_)
        np.testing.assert_allclose(sweep.centers[i], model.cluster_centers_, rtol=0, atol=1e-10)
        if k == 1:
            assert np.isnan(sweep.silhouettes[i]) and np.isnan(sweep.davies_bouldin[i])
            assert np.isnan(sweep.calinski_harabasz[i])
            assert sweep.diagram(1) is None
            continue
        assert sweep.silhouettes[i] == pytest.approx(
            metrics.silhouette_score(blobs, model.labels_), abs=TOL)
        assert sweep.calinski_harabasz[i] == pytest.approx(
            metrics.calinski_harabasz_score(blobs, model.labels_), rel=1e-10)
        assert sweep.davies_bouldin[i] == pytest.approx(
            metrics.davies_bouldin_score(blobs, model.labels_), rel=1e-10)


def test_the_chapters_reading_of_its_blobs(chapter_sweep):
    # The chapter: an elbow at k=4; the silhouette confirms 4, with 5 quite good as well.
    assert chapter_sweep.elbow == 4
    assert chapter_sweep.best_silhouette == 4
    s = dict(zip(chapter_sweep.ks.tolist(), chapter_sweep.silhouettes))
    assert s[5] > s[3] and s[5] > s[6]
    diagram = chapter_sweep.diagram(5)
    assert diagram.n_clusters == 5 and diagram.sizes.sum() == 2000
    assert chapter_sweep.labels.flags.writeable is False


def test_sweep_with_a_sample_and_another_seed_on_iris():
    X = load_iris().data
    sweep = sweep_k(X, [2, 3, 5], random_state=7, sample_size=100)
    for i, k in enumerate((2, 3, 5)):
        labels = KMeans(n_clusters=k, random_state=7).fit_predict(X)
        np.testing.assert_array_equal(sweep.labels[i], labels)
        assert sweep.silhouettes[i] == pytest.approx(
            metrics.silhouette_score(X, labels, sample_size=100, random_state=7), abs=TOL)
    assert sweep.silhouette_values.shape == (3, 100)
    assert sweep.diagram(3).n_points == 100
    assert sweep.elbow == find_elbow([2, 3, 5], sweep.inertias)


def test_sweep_reports_progress_and_stops_when_cancelled(blobs):
    seen: list[float] = []
    sweep_k(blobs, [1, 2, 3], progress=seen.append)
    assert seen[0] == 0.0 and seen[-1] == pytest.approx(1.0)
    assert seen == sorted(seen)

    fits = []

    def cancel_once_under_way(fraction):
        fits.append(fraction)
        if fraction > 0:
            raise Cancelled()

    # the fits report every iteration: Cancel stops the sweep inside its first fit
    with pytest.raises(Cancelled):
        sweep_k(blobs, range(1, 10), progress=cancel_once_under_way)
    assert fits[:-1] == [0.0] * (len(fits) - 1)
    assert 0 < fits[-1] < 1 / 9  # (k=1: the cheapest of the nine fits)


# --------------------------------------------------------------------------- elbow

def test_elbow_on_the_chapters_inertias_is_4_where_kneedle_says_3():
    ks = np.arange(1, 10)
    assert find_elbow(ks, CHAPTER_INERTIAS) == 4
    ratios = elbow_ratios(ks, CHAPTER_INERTIAS)
    assert np.isnan(ratios[0]) and np.isnan(ratios[-1]) and np.isnan(ratios[-2])
    assert ratios[3] == pytest.approx(391.4 / 50.2)
    assert ratios[1] == pytest.approx(2385.2 / 496.4)
    # The "farthest from the chord on normalised axes" rule says 3 on the same numbers.
    x = (ks - 1) / 8
    y = (np.array(CHAPTER_INERTIAS) - 102.6) / (3534.8 - 102.6)
    assert ks[np.argmax((1 - x) - y)] == 3


@pytest.mark.parametrize("n_blobs,seed", [(2, 1), (3, 2), (4, 3), (5, 4), (6, 5), (7, 6),
                                          (8, 7), (3, 8), (5, 9)])
def test_elbow_finds_the_number_of_well_separated_blobs(n_blobs, seed):
    X, _ = _separated_blobs(n_blobs, seed, n_features=2 if seed % 3 else 3)
    ks = range(1, n_blobs + 5)
    with threadpool_limits(1):
        inertias = [KMeans(k, n_init=10, random_state=0).fit(X).inertia_ for k in ks]
    assert find_elbow(ks, inertias) == n_blobs


@pytest.mark.parametrize("n_blobs,seed", [(3, 11), (4, 12), (6, 13)])
def test_sweep_elbow_on_blobs(n_blobs, seed):
    X, _ = _separated_blobs(n_blobs, seed)
    assert sweep_k(X, range(1, 10)).elbow == n_blobs


@settings(max_examples=60, deadline=None)
@given(scale=st.floats(1e-3, 1e6), shift=st.floats(-1e4, 1e4), extra=st.integers(0, 4))
def test_elbow_ignores_units_and_flat_tails(scale, shift, extra):
    inertias = np.array(CHAPTER_INERTIAS) * scale + shift
    assert find_elbow(range(1, 10), inertias) == 4
    # More ks after the elbow, each gaining a little less, do not move it.
    tail = [CHAPTER_INERTIAS[-1] - 10 * (i + 1) + i * i for i in range(extra)]
    assert find_elbow(range(1, 10 + extra), CHAPTER_INERTIAS + tail) == 4


def test_elbow_is_not_fooled_by_a_failed_fit():
    # K-Means at k=7 stuck in a poor optimum (gains nothing), k=8 recovers.
    inertias = [1000, 400, 150, 20, 15, 12, 12, 8, 7.5]
    assert find_elbow(range(1, 10), inertias) == 4
    # and a last fit worse than the previous one.
    assert find_elbow(range(1, 8), [1000, 400, 150, 20, 15, 14, 14.2]) == 4


def test_elbow_needs_two_steps_after_it():
    # k=8 → 9 gains almost nothing by chance: that alone does not make 8 an elbow.
    inertias = [1000, 300, 200, 120, 80, 60, 45, 35, 34.9]
    assert find_elbow(range(1, 10), inertias) == 2
    # With only three ks, the middle one is the only candidate.
    assert find_elbow([1, 2, 3], [10, 2, 1]) == 2


def test_elbow_with_uneven_ks():
    # Gains are per added cluster: 2 → 4 → 5 → 8.
    assert find_elbow([2, 4, 5, 8, 9], [1000, 200, 190, 180, 175]) == 4


# --------------------------------------------------------------------------- bad input

@pytest.mark.parametrize("X,labels,match", [
    (np.array([[0.0, np.nan], [1, 1], [2, 2]]), [0, 1, 1], "missing or infinite"),
    (np.array([[1.0, 2.0]]), [0], "at least two points"),
    (np.ones((5, 2)), [0, 1, 0], "one label per point"),
    (np.arange(10.0).reshape(5, 2), [0, 0, 0, 0, 0], "between 2 and 4 clusters"),
    (np.arange(10.0).reshape(5, 2), [0, 1, 2, 3, 4], "between 2 and 4 clusters"),
    ([["a", "b"], ["c", "d"]], [0, 1], "table of numbers"),
])
def test_bad_silhouette_input_is_explained(X, labels, match):
    with pytest.raises(DataError, match=match):
        silhouette_samples(X, labels)
    with pytest.raises(DataError, match=match):
        silhouette_diagram(X, labels)


def test_bad_sweep_input_is_explained(blobs):
    with pytest.raises(DataError, match="more clusters than the 3 points"):
        sweep_k(blobs[:3], [2, 4])
    with pytest.raises(DataError, match="at least 1"):
        sweep_k(blobs, [0, 2])
    with pytest.raises(DataError, match="at least one value"):
        sweep_k(blobs, [])
    with pytest.raises(DataError, match="whole numbers"):
        sweep_k(blobs, [2, 3.5])
    with pytest.raises(DataError, match="sample size"):
        sweep_k(blobs, [2, 3], sample_size=1)
    with pytest.raises(DataError, match="sample size"):
        silhouette_score(blobs, np.arange(2000) % 2, sample_size=10.5)


def test_bad_elbow_input_is_explained():
    with pytest.raises(DataError, match="at least three"):
        find_elbow([1, 2], [10, 5])
    with pytest.raises(DataError, match="increasing"):
        find_elbow([1, 3, 2], [10, 5, 4])
    with pytest.raises(DataError, match="one inertia per k"):
        find_elbow([1, 2, 3], [10, 5])
    with pytest.raises(DataError, match="finite"):
        find_elbow([1, 2, 3], [10, np.nan, 4])


# --------------------------------------------------------------------------- study_k

def test_study_k_precomputes_what_selecting_a_k_shows(blobs):
    from core.kmeans import decision_regions
    from core.projection import project_2d

    ks = range(1, 7)
    study = sel.study_k(blobs, ks, random_state=42)
    sweep = sweep_k(blobs, ks, random_state=42)
    np.testing.assert_array_equal(study.sweep.inertias, sweep.inertias)
    assert study.sweep.sample_size is None
    lo, hi = blobs.min(axis=0), blobs.max(axis=0)
    pad = (hi - lo) * sel.VIEW_PADDING
    assert study.x_range == pytest.approx((lo[0] - pad[0], hi[0] + pad[0]))
    assert study.y_range == pytest.approx((lo[1] - pad[1], hi[1] + pad[1]))
    assert study.bounds == ((lo[0], lo[1]), (hi[0], hi[1]))
    for i, k in enumerate(sweep.ks):
        np.testing.assert_array_equal(study.sizes[i], np.bincount(sweep.labels[i], minlength=k))
        np.testing.assert_allclose(study.centers_2d[i], sweep.centers[i])
        grid = decision_regions(sweep.centers[i], study.x_range, study.y_range, 300).labels
        np.testing.assert_array_equal(study.regions[i], grid)
        expected = sweep.diagram(int(k))
        got = study.diagram(int(k))
        if expected is None:
            assert got is None and k == 1
        else:
            assert got.mean == pytest.approx(expected.mean)
            np.testing.assert_array_equal(got.sizes, expected.sizes)
    assert study.elbow_ratio == pytest.approx(
        elbow_ratios(sweep.ks, sweep.inertias)[sweep.index(sweep.elbow)])
    # 2-D data only: a projected view gets no regions, and centres go through the projection
    iris = load_iris().data
    proj = project_2d(iris)
    study = sel.study_k(iris, [2, 3, 4], projection=proj, random_state=42)
    assert study.regions is None
    np.testing.assert_allclose(study.centers_2d[1], proj.transform(study.sweep.centers[1]))


def test_study_k_samples_only_larger_data_and_names_the_data(blobs):
    assert sel.study_k(blobs, [2, 3, 4], sample_limit=500).sweep.sample_size == 500
    assert sel.study_k(blobs, [2, 3, 4], sample_limit=5000).sweep.sample_size is None
    with pytest.raises(DataError, match="k=9 is more clusters than the 5 points of 'tiny'"):
        sel.study_k(np.arange(10.0).reshape(5, 2), range(1, 10), name="'tiny'")


def test_sweep_carries_sklearns_warnings_and_prints_nothing(recwarn, capsys):
    X = np.repeat(np.array([[0.0, 0.0], [5.0, 5.0], [9.0, 0.0]]), 5, axis=0)
    sweep = sweep_k(X, ks=[2, 3, 4, 5])
    assert len(recwarn) == 0
    assert capsys.readouterr().err == ""
    assert any(w.startswith("k=4: Number of distinct clusters (3)") for w in sweep.warnings)
    assert not any(w.startswith("k=2:") or w.startswith("k=3:") for w in sweep.warnings)
    study = study_k(X, ks=[2, 3, 4, 5])
    assert study.warnings == study.sweep.warnings and study.warnings


# --------------------------------------------------------------------------- estimated up front

def test_an_exact_sweep_of_a_million_points_is_refused_before_any_fit(monkeypatch):
    import sklearn.cluster

    from core.errors import DataError

    def no_fit(*args, **kwargs):
        raise AssertionError("a fit started")

    monkeypatch.setattr(sklearn.cluster.KMeans, "fit", no_fit)
    X = np.zeros((1_000_000, 2))
    X[:, 0] = np.arange(X.shape[0])
    with pytest.raises(DataError, match="exact silhouette of 1,000,000 points") as info:
        sweep_k(X, ks=range(1, 10))
    assert "hours" in str(info.value) and "sample_size" in str(info.value)
    assert info.value.fix == "sample_size"
    with pytest.raises(DataError, match="every pair of points"):
        silhouette_score(X, (X[:, 0] % 3).astype(int))


def test_a_sweep_whose_results_do_not_fit_in_memory_is_refused(monkeypatch):
    import core.selection as selection
    from core.errors import DataError

    monkeypatch.setattr(selection, "MAX_SWEEP_BYTES", 10_000)
    X = np.random.default_rng(0).normal(size=(2000, 2))
    with pytest.raises(DataError, match="needs about .* GB; sweep a sample"):
        sweep_k(X, ks=range(1, 10), sample_size=100)


def test_the_estimate_lets_the_chapter_through():
    from core.selection import check_exact_silhouette

    check_exact_silhouette(2000, 2, 8)  # the chapter's blobs: no refusal
