"""core.kmeans: parity with scikit-learn's KMeans, the stepper, regions, soft clustering."""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.cluster import KMeans

from core import kmeans as km_mod
from core.datasets import load_builtin
from core.errors import Cancelled, DataError
from core.kmeans import (
    LloydStepper,
    decision_regions,
    fit_kmeans,
    init_variability,
    soft_assignment,
)

GOOD_INIT = np.array([[-3, 3], [-3, 2], [-3, 1], [-1, 2], [0, 2]], dtype=float)
X_NEW = np.array([[0, 2], [3, 2], [-3, 3], [-3, 2.5]])
ELONGATED_INIT = np.array([[-1.5, 2.5], [0.5, 0], [4, 0]])


@pytest.fixture(scope="module")
def blobs():
    return load_builtin("blobs").X


def sk_fit(X, k, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return KMeans(n_clusters=k, **kw).fit(X)


def assert_same_fit(ours, theirs, rtol=1e-12):
    np.testing.assert_allclose(ours.centers, theirs.cluster_centers_, rtol=rtol, atol=1e-12)
    np.testing.assert_array_equal(ours.labels, theirs.labels_)
    assert ours.inertia == pytest.approx(theirs.inertia_, rel=1e-12)
    assert ours.n_iter == theirs.n_iter_


# --------------------------------------------------------------------------- fit_kmeans parity


@pytest.mark.parametrize("name,k,algorithm", [
    ("blobs", 5, "lloyd"), ("elongated", 3, "lloyd"), ("moons", 4, "lloyd"), ("iris", 3, "lloyd"),
    ("digits", 10, "lloyd"), ("blobs", 5, "elkan"), ("iris", 3, "elkan"), ("digits", 10, "elkan"),
])
def test_fit_matches_sklearn_on_the_catalog(name, k, algorithm):
    X = load_builtin(name).X
    for init, seed in (("k-means++", 42), ("random", 7)):
        ours = fit_kmeans(X, k, init=init, algorithm=algorithm, random_state=seed)
        theirs = sk_fit(X, k, init=init, algorithm=algorithm, random_state=seed)
        assert_same_fit(ours, theirs)
        assert ours.score == pytest.approx(theirs.score(X), rel=1e-12)


@pytest.mark.parametrize("seed", [0, 9, 123])
@pytest.mark.parametrize("n_init", ["auto", 1, 3])
def test_fit_matches_sklearn_for_seeds_and_n_init(blobs, seed, n_init):
    for init in ("k-means++", "random"):
        ours = fit_kmeans(blobs, 5, init=init, n_init=n_init, random_state=seed)
        theirs = sk_fit(blobs, 5, init=init, n_init=n_init, random_state=seed)
        assert_same_fit(ours, theirs)
        expected_runs = (10 if init == "random" else 1) if n_init == "auto" else n_init
        assert ours.n_init == expected_runs == len(ours.run_inertias)
        assert ours.inertia == ours.run_inertias.min() or ours.inertia <= ours.run_inertias.min()


def test_fit_with_an_array_init_and_max_iter(blobs):
    for max_iter in (1, 2, 5, 300):
        ours = fit_kmeans(blobs, 5, init=GOOD_INIT, n_init=1, max_iter=max_iter)
        theirs = sk_fit(blobs, 5, init=GOOD_INIT, n_init=1, max_iter=max_iter, random_state=42)
        assert_same_fit(ours, theirs)
        np.testing.assert_array_equal(ours.init, GOOD_INIT)
        assert ours.init_method == "array"


def test_the_winning_init_reproduces_the_fit(blobs):
    """The init that won, given back to KMeans, gives the same model."""
    ours = fit_kmeans(blobs, 5, init="random", n_init=10, random_state=3)
    again = sk_fit(blobs, 5, init=ours.init, n_init=1)
    np.testing.assert_allclose(again.cluster_centers_, ours.centers, rtol=1e-12, atol=1e-12)
    assert again.inertia_ == pytest.approx(ours.inertia, rel=1e-12)
    # and the init rows are data points, drawn as KMeans draws them
    assert all((blobs == row).all(axis=1).any() for row in ours.init)


def test_the_chapter_inertias_and_limits(blobs):
    good = fit_kmeans(blobs, 5, init=GOOD_INIT, n_init=1)
    rnd1 = fit_kmeans(blobs, 5, init="random", n_init=1, random_state=2)
    rnd2 = fit_kmeans(blobs, 5, init="random", n_init=1, random_state=9)
    # The chapter's documented numbers (In [20]-[22]): 211.6, 219.6, 211.6.
    assert good.inertia == pytest.approx(211.5985372581684, rel=1e-9)
    assert rnd1.inertia == pytest.approx(219.58201503602288, rel=1e-9)
    assert rnd2.inertia == pytest.approx(good.inertia, rel=1e-9)
    X = load_builtin("elongated").X
    kgood = fit_kmeans(X, 3, init=ELONGATED_INIT, n_init=1, random_state=42)
    kbad = fit_kmeans(X, 3, random_state=42)
    assert_same_fit(kgood, sk_fit(X, 3, init=ELONGATED_INIT, n_init=1, random_state=42))
    assert_same_fit(kbad, sk_fit(X, 3, random_state=42))
    assert kbad.inertia < kgood.inertia  # the lower inertia is the worse clustering


def test_elkan_with_one_cluster_runs_lloyd_like_sklearn(blobs):
    ours = fit_kmeans(blobs, 1, algorithm="elkan")
    theirs = sk_fit(blobs, 1, algorithm="elkan", random_state=42)
    assert_same_fit(ours, theirs)
    assert ours.algorithm == "elkan"


def test_fit_without_sklearn_kernels_still_matches(monkeypatch, blobs):
    monkeypatch.setattr(km_mod._Kernels, "get", classmethod(lambda cls: None))
    for init, seed in (("k-means++", 42), ("random", 5)):
        ours = fit_kmeans(blobs, 5, init=init, random_state=seed)
        theirs = sk_fit(blobs, 5, init=init, random_state=seed)
        np.testing.assert_allclose(ours.centers, theirs.cluster_centers_, rtol=1e-9, atol=1e-9)
        np.testing.assert_array_equal(ours.labels, theirs.labels_)
        assert ours.inertia == pytest.approx(theirs.inertia_, rel=1e-9)
        assert ours.n_iter == theirs.n_iter_


def test_fit_reports_progress_and_can_be_cancelled(blobs):
    seen = []
    fit_kmeans(blobs, 5, init="random", n_init=4, random_state=1, progress=seen.append)
    assert seen and seen[-1] == 1.0
    assert all(0.0 <= f <= 1.0 for f in seen)
    assert seen == sorted(seen)

    calls = []

    def cancel_after_three(fraction):
        calls.append(fraction)
        if len(calls) > 3:
            raise Cancelled()

    with pytest.raises(Cancelled):
        fit_kmeans(blobs, 5, init="random", n_init=10, random_state=1, progress=cancel_after_three)
    assert len(calls) == 4


def test_result_is_frozen(blobs):
    res = fit_kmeans(blobs, 5)
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.inertia = 0.0
    with pytest.raises(ValueError):
        res.centers[0, 0] = 1.0
    with pytest.raises(ValueError):
        res.labels[0] = 1


@pytest.mark.parametrize("kwargs,words", [
    ({"X": [[0, 1], [np.nan, 2], [3, 4]]}, "missing or infinite"),
    ({"X": [[0, 1], [np.inf, 2], [3, 4]]}, "missing or infinite"),
    ({"X": [["a", "b"], ["c", "d"]]}, "numbers"),
    ({"X": np.zeros((0, 2))}, "empty"),
    ({"X": np.zeros((2, 2, 2))}, "dimensions"),
    ({"n_clusters": 10}, "choose k ≤ 3"),
    ({"n_clusters": 0}, "at least 1"),
    ({"n_clusters": 2.5}, "whole number"),
    ({"init": "kmeans"}, "init must be"),
    ({"init": [[0, 0]]}, "shape"),
    ({"init": [[0, 0], [np.nan, 1]]}, "missing"),
    ({"algorithm": "full"}, "'full' is now called 'lloyd'"),
    ({"algorithm": "auto"}, "algorithm must be"),
    ({"max_iter": 0}, "max_iter"),
    ({"n_init": "many"}, "n_init"),
    ({"n_init": 0}, "n_init"),
    ({"random_state": -1}, "random_state"),
    ({"random_state": "seed"}, "random_state"),
])
def test_bad_input_is_explained(kwargs, words):
    args = {"X": [[0.0, 1.0], [1.0, 2.0], [3.0, 4.0]], "n_clusters": 2}
    args.update(kwargs)
    with pytest.raises(DataError) as info:
        fit_kmeans(**args)
    assert words in str(info.value)


# --------------------------------------------------------------------------- stepper parity


@pytest.mark.parametrize("name,k,seeds", [("blobs", 5, (5, 42, 3)), ("elongated", 3, (0, 1)),
                                          ("iris", 3, (0, 11)), ("moons", 6, (2,))])
@pytest.mark.parametrize("init", ["random", "k-means++"])
def test_stepper_matches_kmeans_after_t_steps(name, k, seeds, init):
    X = load_builtin(name).X
    for seed in seeds:
        st_ = LloydStepper(X, k, init=init, random_state=seed)
        # its initial centres are the ones KMeans draws: one step from them is KMeans' first step
        one = sk_fit(X, k, init=init, n_init=1, max_iter=1, algorithm="lloyd", random_state=seed)
        from_init = sk_fit(X, k, init=st_.init_centers, n_init=1, max_iter=1)
        np.testing.assert_allclose(from_init.cluster_centers_, one.cluster_centers_,
                                   rtol=0, atol=1e-12)
        for t in range(1, 11):
            st_.step()
            theirs = sk_fit(X, k, init=init, n_init=1, max_iter=t, algorithm="lloyd",
                            random_state=seed)
            np.testing.assert_allclose(st_.centers, theirs.cluster_centers_, rtol=0, atol=1e-9)
            np.testing.assert_array_equal(st_.labels, theirs.labels_)
            assert st_.inertia == pytest.approx(theirs.inertia_, rel=1e-9)
            if st_.converged:
                assert st_.n_iter == theirs.n_iter_


def test_random_init_is_drawn_like_kmeans(blobs):
    for seed in (0, 5, 42):
        stepper = LloydStepper(blobs, 5, init="random", random_state=seed)
        n = len(blobs)
        idx = np.random.RandomState(seed).choice(n, 5, replace=False, p=np.ones(n) / n)
        np.testing.assert_array_equal(stepper.init_centers, blobs[idx])


def test_kmeanspp_init_is_the_one_kmeans_uses(blobs):
    from sklearn.cluster import kmeans_plusplus
    from sklearn.utils.extmath import row_norms

    Xc = blobs - blobs.mean(axis=0)
    _, idx = kmeans_plusplus(Xc, 5, x_squared_norms=row_norms(Xc, squared=True),
                             random_state=np.random.RandomState(42))
    stepper = LloydStepper(blobs, 5, init="k-means++", random_state=42)
    np.testing.assert_array_equal(stepper.init_centers, blobs[idx])


def test_stepper_converges_like_kmeans(blobs):
    for init, seed in (("random", 5), ("k-means++", 42), (GOOD_INIT, 42)):
        stepper = LloydStepper(blobs, 5, init=init, random_state=seed)
        taken = stepper.run(300)
        theirs = sk_fit(blobs, 5, init=init, n_init=1, algorithm="lloyd", random_state=seed)
        assert stepper.converged
        assert taken == stepper.iteration == stepper.n_iter == theirs.n_iter_
        np.testing.assert_allclose(stepper.centers, theirs.cluster_centers_, atol=1e-9)
        assert stepper.inertia == pytest.approx(theirs.inertia_, rel=1e-9)
        assert stepper.step() is False  # converged: nothing moves
        assert stepper.iteration == taken


def test_the_chapter_iterations_figure(blobs):
    """Figure 9-4: random init, random_state=5, iterations 1 to 3."""
    stepper = LloydStepper(blobs, 5, init="random", random_state=5)
    stepper.run(3)
    hist = stepper.history
    assert len(hist) == 4
    for t in (1, 2, 3):
        theirs = sk_fit(blobs, 5, init="random", n_init=1, max_iter=t, random_state=5)
        np.testing.assert_allclose(hist.centers[t], theirs.cluster_centers_, atol=1e-9)
        assert hist.inertia[t] == pytest.approx(theirs.inertia_, rel=1e-9)


def test_back_restores_the_exact_previous_state(blobs):
    stepper = LloydStepper(blobs, 5, init="random", random_state=5)
    states = []
    for _ in range(6):
        states.append((stepper.iteration, stepper.centers.copy(), stepper.labels.copy(),
                       stepper.inertia, stepper.converged))
        stepper.step()
    for it, centers, labels, inertia, converged in reversed(states):
        assert stepper.back()
        assert stepper.iteration == it
        np.testing.assert_array_equal(stepper.centers, centers)
        np.testing.assert_array_equal(stepper.labels, labels)
        assert stepper.inertia == inertia
        assert stepper.converged == converged
        assert len(stepper.history) == it + 1
    assert stepper.back() is False
    # and forwards again, the same path
    stepper.run(5)
    np.testing.assert_array_equal(stepper.centers, states[5][1])


def test_back_recomputes_labels_it_no_longer_keeps(monkeypatch, blobs):
    monkeypatch.setattr(km_mod, "LABEL_CACHE_BYTES", 1)  # keep only the minimum
    stepper = LloydStepper(blobs, 5, init="random", random_state=5)
    labels = [stepper.labels.copy()]
    for _ in range(5):
        stepper.step()
        labels.append(stepper.labels.copy())
    assert len(stepper._cache) <= 3
    for t in range(4, -1, -1):
        stepper.back()
        np.testing.assert_array_equal(stepper.labels, labels[t])


def test_reset_history_and_inertia_never_increases(blobs):
    stepper = LloydStepper(blobs, 5, init="random", random_state=0)
    stepper.run(20)
    hist = stepper.history
    assert hist.centers.shape == (stepper.iteration + 1, 5, 2)
    assert np.all(np.diff(hist.inertia) <= 1e-9 * hist.inertia[0])
    np.testing.assert_array_equal(hist.centers[0], stepper.init_centers)
    first_labels = LloydStepper(blobs, 5, init="random", random_state=0).labels
    stepper.reset()
    assert stepper.iteration == 0 and not stepper.converged
    np.testing.assert_array_equal(stepper.centers, stepper.init_centers)
    np.testing.assert_array_equal(stepper.labels, first_labels)
    assert len(stepper.history) == 1


def test_n_changed_counts_points_that_switched(blobs):
    stepper = LloydStepper(blobs, 5, init="random", random_state=5)
    before = stepper.labels.copy()
    stepper.step()
    assert stepper.n_changed == int((stepper.labels != before).sum()) > 0


def test_empty_clusters_are_relocated_like_sklearn():
    rng = np.random.RandomState(0)
    X = np.r_[rng.normal(0, 1, (60, 2)), rng.normal(6, 1, (60, 2))]
    init = np.array([[0.0, 0.0], [6.0, 6.0], [100.0, 100.0], [-80.0, 50.0]])  # two get nothing
    stepper = LloydStepper(X, 4, init=init)
    for t in range(1, 6):
        stepper.step()
        theirs = sk_fit(X, 4, init=init, n_init=1, max_iter=t)
        np.testing.assert_allclose(stepper.centers, theirs.cluster_centers_, atol=1e-9)
        np.testing.assert_array_equal(stepper.labels, theirs.labels_)
    ours = fit_kmeans(X, 4, init=init)
    assert_same_fit(ours, sk_fit(X, 4, init=init, n_init=1))


def test_duplicate_points_with_more_clusters_than_values():
    X = np.array([[1.0, 1.0]] * 5 + [[2.0, 2.0]] * 5)
    ours = fit_kmeans(X, 3, init="random", n_init=1, random_state=0)
    theirs = sk_fit(X, 3, init="random", n_init=1, random_state=0)
    assert_same_fit(ours, theirs)
    stepper = LloydStepper(X, 3, init="random", random_state=0)
    stepper.run(10)
    np.testing.assert_allclose(stepper.centers, theirs.cluster_centers_, atol=1e-12)


def test_numpy_fallback_stepper_matches_kmeans(blobs):
    stepper = LloydStepper(blobs, 5, init="random", random_state=5, use_kernels=False)
    for t in range(1, 6):
        stepper.step()
        theirs = sk_fit(blobs, 5, init="random", n_init=1, max_iter=t, random_state=5)
        np.testing.assert_allclose(stepper.centers, theirs.cluster_centers_, atol=1e-9)
        np.testing.assert_array_equal(stepper.labels, theirs.labels_)
        assert stepper.inertia == pytest.approx(theirs.inertia_, rel=1e-9)


def test_stepper_rejects_bad_input():
    with pytest.raises(DataError, match="choose k"):
        LloydStepper(np.zeros((3, 2)), 4)
    with pytest.raises(DataError, match="shape"):
        LloydStepper(np.arange(10.0).reshape(5, 2), 2, init=np.zeros((3, 2)))
    with pytest.raises(DataError, match="missing"):
        LloydStepper([[0, 1], [np.nan, 1]], 1)
    stepper = LloydStepper(np.arange(10.0).reshape(5, 2), 2)
    with pytest.raises(DataError):
        stepper.run(-1)


points_2d = arrays(np.float64, st.tuples(st.integers(6, 40), st.integers(1, 3)),
                   elements=st.floats(-50, 50, allow_nan=False, width=32))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(X=points_2d, k=st.integers(1, 5), seed=st.integers(0, 10_000),
       init=st.sampled_from(["random", "k-means++"]), steps=st.integers(1, 6))
def test_property_stepper_equals_kmeans_and_back_is_exact(X, k, seed, init, steps):
    k = min(k, len(X))
    stepper = LloydStepper(X, k, init=init, random_state=seed)
    for _ in range(steps):
        before = (stepper.centers.copy(), stepper.labels.copy(), stepper.inertia)
        moved = stepper.step()
        if moved:
            stepper.back()
            np.testing.assert_array_equal(stepper.centers, before[0])
            np.testing.assert_array_equal(stepper.labels, before[1])
            assert stepper.inertia == before[2]
            stepper.step()
    theirs = sk_fit(X, k, init=init, n_init=1, max_iter=steps, random_state=seed)
    scale = max(1.0, float(np.abs(X).max()))
    np.testing.assert_allclose(stepper.centers, theirs.cluster_centers_, rtol=0,
                               atol=1e-9 * scale)
    assert stepper.inertia == pytest.approx(theirs.inertia_, rel=1e-9, abs=1e-9 * scale**2)


# --------------------------------------------------------------------------- regions, soft, variability


def test_decision_regions_are_the_nearest_centre_of_each_cell(blobs):
    res = fit_kmeans(blobs, 5)
    regions = decision_regions(res.centers, (-4, 1), (1, 3.5), (120, 80))
    assert regions.labels.shape == (80, 120)
    assert regions.x[0] == pytest.approx(-4 + 5 / 240) and regions.y[0] == pytest.approx(1 + 2.5 / 160)
    gx, gy = np.meshgrid(regions.x, regions.y)
    model = sk_fit(blobs, 5, random_state=42)
    expected = model.predict(np.c_[gx.ravel(), gy.ravel()]).reshape(gx.shape)
    assert np.mean(regions.labels == expected) > 0.9999  # ties on a border may differ
    assert set(np.unique(regions.labels)) == set(range(5))


def test_decision_regions_square_resolution_and_bad_input():
    centers = np.array([[0.0, 0.0], [1.0, 0.0]])
    regions = decision_regions(centers, (-1, 2), (-1, 1), 30)
    assert regions.labels.shape == (30, 30)
    assert (regions.labels[:, regions.x < 0.5] == 0).all()
    assert (regions.labels[:, regions.x > 0.5] == 1).all()
    assert decision_regions(centers[:1], (0, 1), (0, 1), 4).labels.max() == 0
    with pytest.raises(DataError, match="two features"):
        decision_regions(np.zeros((2, 3)), (0, 1), (0, 1), 10)
    with pytest.raises(DataError, match="start < stop"):
        decision_regions(centers, (1, 0), (0, 1), 10)
    with pytest.raises(DataError, match="at least one cell"):
        decision_regions(centers, (0, 1), (0, 1), 0)


@settings(max_examples=30, deadline=None)
@given(centers=arrays(np.float64, st.tuples(st.integers(1, 9), st.just(2)),
                      elements=st.floats(-10, 10, allow_nan=False)),
       nx=st.integers(1, 40), ny=st.integers(1, 40))
def test_property_regions_match_brute_force(centers, nx, ny):
    regions = decision_regions(centers, (-12, 12), (-11, 13), (nx, ny))
    gx, gy = np.meshgrid(regions.x, regions.y)
    d = (gx[..., None] - centers[:, 0]) ** 2 + (gy[..., None] - centers[:, 1]) ** 2
    best = d.min(axis=-1)
    chosen = np.take_along_axis(d, regions.labels[..., None].astype(int), axis=-1)[..., 0]
    np.testing.assert_array_equal(chosen, best)


def test_soft_assignment_is_transform_and_predict(blobs):
    model = sk_fit(blobs, 5, random_state=42)
    soft = soft_assignment(model.cluster_centers_, X_NEW)
    np.testing.assert_allclose(soft.distances, model.transform(X_NEW), rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(soft.labels, model.predict(X_NEW))
    assert soft_assignment(model.cluster_centers_, np.empty((0, 2))).distances.shape == (0, 5)
    with pytest.raises(DataError, match="feature"):
        soft_assignment(model.cluster_centers_, np.zeros((2, 3)))
    with pytest.raises(DataError, match="missing"):
        soft_assignment(model.cluster_centers_, [[np.nan, 0.0]])


def test_init_variability_matches_single_init_fits(blobs):
    seen = []
    res = init_variability(blobs, 5, "random", n_runs=6, random_state=10, progress=seen.append)
    assert res.inertias.shape == (6,) and list(res.seeds) == list(range(10, 16))
    for seed, inertia, n_iter in zip(res.seeds, res.inertias, res.n_iter):
        theirs = sk_fit(blobs, 5, init="random", n_init=1, random_state=int(seed))
        assert inertia == pytest.approx(theirs.inertia_, rel=1e-12)
        assert n_iter == theirs.n_iter_
    assert seen[-1] == 1.0 and seen == sorted(seen)
    assert res.best == res.inertias.min() and res.worst == res.inertias.max()
    assert 0 < res.share_near_best() <= 1
    pp = init_variability(blobs, 5, "k-means++", n_runs=3, random_state=0)
    assert pp.init == "k-means++" and pp.inertias.shape == (3,)


def test_init_variability_cancel_and_bad_input(blobs):
    def cancel(fraction):
        if fraction > 0.3:
            raise Cancelled()

    with pytest.raises(Cancelled):
        init_variability(blobs, 5, "random", n_runs=10, random_state=0, progress=cancel)
    with pytest.raises(DataError, match="init"):
        init_variability(blobs, 5, GOOD_INIT, n_runs=2)
    with pytest.raises(DataError, match="runs"):
        init_variability(blobs, 5, "random", n_runs=0)
    res = init_variability(blobs, 5, "random", n_runs=2, random_state=None)
    assert res.seeds.shape == (2,)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(X=points_2d, k=st.integers(1, 5), seed=st.integers(0, 10_000),
       init=st.sampled_from(["random", "k-means++"]), n_init=st.integers(1, 3),
       algorithm=st.sampled_from(["lloyd", "elkan"]))
def test_property_fit_equals_kmeans(X, k, seed, init, n_init, algorithm):
    k = min(k, len(X))
    ours = fit_kmeans(X, k, init=init, n_init=n_init, algorithm=algorithm, random_state=seed)
    theirs = sk_fit(X, k, init=init, n_init=n_init, algorithm=algorithm, random_state=seed)
    np.testing.assert_array_equal(ours.centers, theirs.cluster_centers_)
    np.testing.assert_array_equal(ours.labels, theirs.labels_)
    assert ours.inertia == theirs.inertia_
    assert ours.n_iter == theirs.n_iter_


# --------------------------------------------------------------------------- fit history


@pytest.mark.parametrize("algorithm", ["lloyd", "elkan"])
@pytest.mark.parametrize("init,seed", [("random", 5), ("k-means++", 42), ("random", 3)])
def test_fit_history_matches_kmeans_stopped_at_every_iteration(algorithm, init, seed):
    from sklearn.cluster import KMeans

    X = load_builtin("blobs").X
    r = fit_kmeans(X, 5, init=init, n_init=1, algorithm=algorithm, random_state=seed,
                   history=True)
    assert r.history.shape == (r.n_iter + 1, 5, 2)
    assert len(r.history_inertia) == r.n_iter + 1
    np.testing.assert_array_equal(r.history[-1], r.centers)
    np.testing.assert_array_equal(r.history[0], r.init)
    assert r.history_inertia[-1] == r.inertia
    for t in range(r.n_iter + 1):
        if t == 0:
            np.testing.assert_allclose(r.history[0], r.init)
            continue
        ref = KMeans(n_clusters=5, init=r.init, n_init=1, max_iter=t).fit(X)
        np.testing.assert_allclose(r.history[t], ref.cluster_centers_, atol=1e-9)
        assert r.history_inertia[t] == pytest.approx(ref.inertia_, rel=1e-9)
    assert r.converged


def test_fit_history_keeps_the_winning_run_and_feeds_a_stepper():
    X = load_builtin("blobs").X
    r = fit_kmeans(X, 5, init="random", n_init=4, random_state=7, history=True)
    assert r.n_init == 4
    np.testing.assert_array_equal(r.history[0], r.init)
    np.testing.assert_array_equal(r.history[-1], r.centers)
    plain = fit_kmeans(X, 5, init="random", n_init=4, random_state=7)
    assert plain.history is None and plain.inertia == r.inertia
    s = LloydStepper.from_result(X, r)
    assert s.iteration == r.n_iter and s.converged and s.n_iter == r.n_iter
    np.testing.assert_array_equal(s.centers, r.centers)
    replay = LloydStepper(X, 5, init=r.init)
    replay.run(300)
    np.testing.assert_allclose(s.history.centers, replay.history.centers, atol=1e-9)
    np.testing.assert_allclose(s.history.inertia, replay.history.inertia, rtol=1e-9)
    assert s.n_changed == replay.n_changed
    s.back()
    replay.back()
    np.testing.assert_array_equal(s.labels, replay.labels)
    assert s.n_changed == replay.n_changed
    s.reset()
    np.testing.assert_array_equal(s.centers, r.init)


def test_fit_history_stopped_by_max_iter_is_not_converged():
    X = load_builtin("blobs").X
    r = fit_kmeans(X, 5, init="random", n_init=1, random_state=5, max_iter=2, history=True)
    assert r.n_iter == 2 and not r.converged and len(r.history) == 3
    s = LloydStepper.from_result(X, r)
    assert not s.converged and s.iteration == 2


def test_inertia_histogram_shares_its_bins():
    from core.kmeans import inertia_histogram

    a, b = np.array([1.0, 2.0, 2.5, 4.0]), np.array([2.0, 2.0, 3.9])
    edges, (ca, cb) = inertia_histogram(a, b, bins=30)
    np.testing.assert_array_equal(edges, np.linspace(1.0, 4.0, 31))
    np.testing.assert_array_equal(ca, np.histogram(a, bins=edges)[0])
    assert ca.sum() == 4 and cb.sum() == 3
    edges, (c,) = inertia_histogram(np.array([5.0, 5.0]))
    assert edges[0] == 4.5 and edges[-1] == 5.5 and c.sum() == 2


def test_distances_to_centers_is_the_distance_to_the_own_centre():
    from core.kmeans import distances_to_centers

    rng = np.random.default_rng(0)
    X = rng.normal(size=(20_000, 3)) + 1000.0
    C = X[:4]
    labels = rng.integers(0, 4, len(X))
    d = distances_to_centers(X, C, labels, chunk=1000)
    np.testing.assert_allclose(d, np.linalg.norm(X - C[labels], axis=1), rtol=1e-12)


# --------------------------------------------------------------------------- scikit-learn's warnings

def test_fewer_distinct_points_than_k_is_said_not_printed(recwarn, capsys):
    import warnings as _w

    from sklearn.cluster import KMeans
    from sklearn.exceptions import ConvergenceWarning

    X = np.repeat(np.array([[0.0, 0.0], [5.0, 5.0], [9.0, 0.0]]), 4, axis=0)
    result = fit_kmeans(X, 5, random_state=0)
    assert len(recwarn) == 0
    assert capsys.readouterr().err == ""
    with _w.catch_warnings(record=True) as caught:
        _w.simplefilter("always")
        KMeans(n_clusters=5, random_state=0, n_init=1).fit(X)
    sk = [str(w.message) for w in caught if issubclass(w.category, ConvergenceWarning)]
    assert sk and result.warnings == (sk[0],)


def test_a_normal_fit_has_no_warnings(recwarn):
    X = np.random.default_rng(0).normal(size=(200, 2))
    assert fit_kmeans(X, 3).warnings == ()
    assert len(recwarn) == 0


def test_not_converging_is_said():
    X = np.random.default_rng(0).normal(size=(500, 2))
    result = fit_kmeans(X, 8, init="random", n_init=1, max_iter=1, history=True)
    assert not result.converged
    assert any("max_iter=1" in w for w in result.warnings)


# --------------------------------------------------------------------------- private kernels

@pytest.fixture
def fresh_kernels(monkeypatch):
    """_Kernels as before its first use; everything restored afterwards."""
    from core.kmeans import _Kernels

    for name in ("_loaded", "lloyd_iter", "elkan_init_bounds", "elkan_iter", "inertia",
                 "failure", "n_threads"):
        monkeypatch.setattr(_Kernels, name, getattr(_Kernels, name))
    monkeypatch.setattr(_Kernels, "_loaded", False)
    return _Kernels


def _changed_signature(*args):  # a future scikit-learn with one more argument
    if len(args) < 20:
        raise TypeError(f"lloyd_iter_chunked_dense() takes 20 arguments ({len(args)} given)")


def _wrong_answer(*args, **kwargs):  # runs, but leaves every output untouched
    return None


@pytest.mark.parametrize("fake", [_changed_signature, _wrong_answer])
def test_a_changed_private_kernel_falls_back_to_numpy(fresh_kernels, monkeypatch, fake):
    import sklearn.cluster._k_means_lloyd as lloyd_module
    from sklearn.cluster import KMeans

    from core.kmeans import kernel_status

    monkeypatch.setattr(lloyd_module, "lloyd_iter_chunked_dense", fake)
    X = np.random.default_rng(1).normal(size=(300, 3))
    ours = fit_kmeans(X, 4, random_state=0)
    assert fresh_kernels.get() is None
    ref = KMeans(4, random_state=0).fit(X)
    np.testing.assert_array_equal(ours.labels, ref.labels_)
    np.testing.assert_allclose(ours.centers, ref.cluster_centers_, atol=1e-9)
    status = kernel_status()
    assert "numpy path" in status and "failed" in status


def test_the_installed_kernels_pass_the_check(fresh_kernels):
    from core.kmeans import kernel_status

    assert fresh_kernels.get() is not None
    assert "compiled kernels" in kernel_status()


# -- centred data shared by the fits and steppers of a read-only table ---------------------------
def _frozen_table(seed: int = 0, n: int = 400, d: int = 3) -> np.ndarray:
    X = np.random.default_rng(seed).normal(size=(n, d))
    X.setflags(write=False)
    return X


def test_steppers_and_fits_on_a_read_only_table_share_its_centred_copy():
    """A stepper replaced by another on the same table frees no copy of the table (each
    held two, and the one dropped on the GUI thread took 10-13 ms to give back 154 MB)."""
    import gc
    import weakref

    X = _frozen_table()
    first = LloydStepper(X, 3, init="random", random_state=1)
    second = LloydStepper(X, 4, init="k-means++", random_state=2)
    fitted = fit_kmeans(X, 3, random_state=3, history=True)
    third = LloydStepper.from_result(X, fitted)
    shared = first._lloyd.Xc
    assert second._lloyd.Xc is shared and third._lloyd.Xc is shared
    assert second._lloyd.cols is first._lloyd.cols and not shared.flags.writeable
    kept = weakref.ref(shared)
    del first, second, third, shared
    gc.collect()
    assert kept() is not None  # the table's copy outlives its steppers...
    del X
    gc.collect()
    assert kept() is None  # ...not the table


def test_shared_centred_data_gives_the_same_numbers_as_a_private_copy():
    X = _frozen_table(1)
    own = X.copy()  # writeable: centred afresh each time
    assert own.flags.writeable
    for make in (lambda A: fit_kmeans(A, 4, random_state=0, history=True),
                 lambda A: fit_kmeans(A, 4, init="random", n_init=3, algorithm="elkan")):
        a, b = make(X), make(own)
        np.testing.assert_array_equal(a.labels, b.labels)
        np.testing.assert_array_equal(a.centers, b.centers)
        assert a.inertia == b.inertia
    s, t = (LloydStepper(A, 4, init="random", random_state=5) for A in (X, own))
    for _ in range(3):
        s.step()
        t.step()
    np.testing.assert_array_equal(s.centers, t.centers)
    assert s._lloyd.Xc is not t._lloyd.Xc


def test_a_writeable_table_is_centred_anew_so_its_changes_count():
    X = np.random.default_rng(2).normal(size=(300, 2))
    before = fit_kmeans(X, 2, random_state=0)
    X[:150] += 50.0  # the caller changed the table in place
    after = fit_kmeans(X, 2, random_state=0)
    assert after.inertia != before.inertia
    np.testing.assert_array_equal(after.labels,
                                  KMeans(2, random_state=0, n_init=1).fit(X).labels_)


def test_only_the_last_tables_centred_copies_are_kept(monkeypatch):
    import gc

    monkeypatch.setattr(km_mod, "_centred_kept", type(km_mod._centred_kept)())
    tables = [_frozen_table(seed) for seed in range(km_mod.KEEP_CENTRED + 2)]
    for X in tables:
        LloydStepper(X, 2, random_state=0)
    assert list(km_mod._centred_kept) == [id(X) for X in tables[-km_mod.KEEP_CENTRED:]]
    del X
    tables.pop()
    gc.collect()
    assert len(km_mod._centred_kept) == km_mod.KEEP_CENTRED - 1  # a table freed: its copy too
    view = np.random.default_rng(0).normal(size=(50, 2))
    readonly_view = view[:]
    readonly_view.setflags(write=False)
    LloydStepper(readonly_view, 2, random_state=0)  # its base can still change: not kept
    assert id(readonly_view) not in km_mod._centred_kept
