"""core.semisupervised against the chapter's cells redone by hand with scikit-learn."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import DataError
from core.progress import Cancelled
from core.semisupervised import (
    CHAPTER_REPRESENTATIVE_LABELS,
    digits_split,
    evaluate,
    most_uncertain,
    partial_propagation,
    propagate,
    representatives,
    study,
    train,
)


@pytest.fixture(scope="module")
def split():
    return digits_split()


@pytest.fixture(scope="module")
def chapter(split):
    """The chapter's cells 56–69, by hand (with argmin: the closest instance)."""
    from sklearn.cluster import KMeans
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X_digits, y_digits = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X_digits, y_digits, random_state=42)
    k = 50
    kmeans = KMeans(n_clusters=k, random_state=42)
    X_digits_dist = kmeans.fit_transform(X_train)
    representative_digit_idx = X_digits_dist.argmin(axis=0)
    return dict(X_train=X_train, X_test=X_test, y_train=y_train, y_test=y_test, k=k,
                kmeans=kmeans, dist=X_digits_dist, idx=representative_digit_idx)


@pytest.fixture(scope="module")
def reps(split):
    return representatives(split.X_train, n_clusters=50, random_state=42)


def by_hand_partial(dist, labels, y_propagated, percentile):
    """The chapter's cell 67, verbatim but for the percentile."""
    X_cluster_dist = dist[np.arange(len(labels)), labels].copy()
    for i in range(dist.shape[1]):
        in_cluster = labels == i
        cluster_dist = X_cluster_dist[in_cluster]
        cutoff_distance = np.percentile(cluster_dist, percentile)
        above_cutoff = X_cluster_dist > cutoff_distance
        X_cluster_dist[in_cluster & above_cutoff] = -1
    partially_propagated = X_cluster_dist != -1
    return partially_propagated, y_propagated[partially_propagated]


def by_hand_score(X_fit, y_fit, X_test, y_test):
    """Cells 63/66/68 by hand. Under threadpool_limits(1), like core: with 2 BLAS threads on
    a busy 2-core machine the same lbfgs fits are many times slower; the numbers are the same."""
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        log_reg = LogisticRegression(max_iter=10_000, random_state=42)
        log_reg.fit(X_fit, y_fit)
        return log_reg.score(X_test, y_test)


# --------------------------------------------------------------------------- the split


def test_digits_split_is_the_chapters(split, chapter):
    for name in ("X_train", "X_test", "y_train", "y_test"):
        np.testing.assert_array_equal(getattr(split, name), chapter[name])
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    np.testing.assert_array_equal(X[split.train_index], split.X_train)
    np.testing.assert_array_equal(y[split.test_index], split.y_test)


# --------------------------------------------------------------------------- representatives


def test_representatives_match_kmeans_by_hand(reps, chapter):
    km = chapter["kmeans"]
    np.testing.assert_array_equal(reps.indices, chapter["idx"])
    np.testing.assert_array_equal(reps.cluster_labels, km.labels_)
    np.testing.assert_allclose(reps.centers, km.cluster_centers_, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(reps.all_distances, chapter["dist"], rtol=1e-10, atol=1e-9)
    own = chapter["dist"][np.arange(len(km.labels_)), km.labels_]
    np.testing.assert_allclose(reps.distances, own, rtol=1e-10, atol=1e-9)
    assert reps.inertia == pytest.approx(km.inertia_, rel=1e-10)
    np.testing.assert_array_equal(reps.cluster_sizes, np.bincount(km.labels_, minlength=50))


def test_representative_is_the_closest_not_the_farthest(reps, chapter):
    """The chapter's code says argmax; the closest instance (argmin) is meant."""
    dist = chapter["dist"]
    assert not np.array_equal(reps.indices, dist.argmax(axis=0))
    for i, j in enumerate(reps.indices):
        assert reps.all_distances[j, i] == reps.all_distances[:, i].min()
    # Usually the representative lies in its own cluster; with random_state=42 one does not
    # (the closest instance to centroid 0 is even closer to centroid 37): the chapter's rule.
    own = reps.cluster_labels[reps.indices] == np.arange(50)
    assert own.sum() >= 45


def test_the_chapters_typed_labels_differ_from_truth_once(reps, split):
    truth = split.y_train[reps.indices]
    assert np.flatnonzero(truth != CHAPTER_REPRESENTATIVE_LABELS).tolist() == [6]


@pytest.mark.parametrize("bad, match", [
    (np.zeros((0, 3)), "no rows"),
    (np.zeros((2, 2, 2)), "rows × features"),
    (np.array([[1.0, np.nan], [0.0, 1.0]]), "missing or infinite"),
    (np.array([["a", "b"], ["c", "d"]]), "table of numbers"),
])
def test_representatives_bad_data(bad, match):
    with pytest.raises(DataError, match=match):
        representatives(bad, n_clusters=1)


@pytest.mark.parametrize("k, match", [(0, "at least 1"), (11, "at most 10"), (2.5, "whole")])
def test_representatives_bad_k(k, match):
    X = np.random.default_rng(0).normal(size=(10, 2))
    with pytest.raises(DataError, match=match):
        representatives(X, n_clusters=k)


# --------------------------------------------------------------------------- propagation


@pytest.mark.parametrize("labels_of", ["truth", "chapter"])
def test_propagate_matches_the_chapters_loop(reps, chapter, labels_of):
    km, k = chapter["kmeans"], chapter["k"]
    y_reps = (chapter["y_train"][chapter["idx"]] if labels_of == "truth"
              else CHAPTER_REPRESENTATIVE_LABELS)
    y_train_propagated = np.empty(len(chapter["X_train"]), dtype=np.int64)
    for i in range(k):
        y_train_propagated[km.labels_ == i] = y_reps[i]
    np.testing.assert_array_equal(propagate(reps.cluster_labels, y_reps), y_train_propagated)


@pytest.mark.parametrize("percentile", [25, 0, 10, 50, 73.5, 100])
def test_partial_propagation_matches_the_chapters_loop(reps, chapter, percentile):
    y_reps = CHAPTER_REPRESENTATIVE_LABELS
    y_prop = propagate(reps.cluster_labels, y_reps)
    mask, labels = by_hand_partial(chapter["dist"], chapter["kmeans"].labels_, y_prop, percentile)
    part = partial_propagation(reps.distances, reps.cluster_labels, y_reps, percentile)
    np.testing.assert_array_equal(part.mask, mask)
    np.testing.assert_array_equal(part.labels, labels)
    np.testing.assert_array_equal(part.indices, np.flatnonzero(mask))
    assert part.n_kept == mask.sum()
    # every cluster keeps at least its closest member
    for i in range(50):
        members = np.flatnonzero(reps.cluster_labels == i)
        assert part.mask[members[np.argmin(reps.distances[members])]]


def test_propagation_refuses_unlabelled_representatives(reps):
    y = CHAPTER_REPRESENTATIVE_LABELS.copy()
    y[[3, 7]] = -1
    with pytest.raises(DataError, match="2 representative.*no label"):
        propagate(reps.cluster_labels, y)
    with pytest.raises(DataError, match="no label"):
        partial_propagation(reps.distances, reps.cluster_labels, y, 25)
    with pytest.raises(DataError, match="50 clusters but only 10"):
        propagate(reps.cluster_labels, y[:10])


@pytest.mark.parametrize("pct", [-1, 100.5, "many"])
def test_partial_propagation_bad_percentile(reps, pct):
    with pytest.raises(DataError, match="percentile"):
        partial_propagation(reps.distances, reps.cluster_labels, CHAPTER_REPRESENTATIVE_LABELS,
                            pct)


def test_partial_propagation_bad_distances(reps):
    with pytest.raises(DataError, match="distances"):
        partial_propagation(reps.distances[:-1], reps.cluster_labels,
                            CHAPTER_REPRESENTATIVE_LABELS, 25)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(1, 60),
    k=st.integers(1, 6),
    percentile=st.floats(0, 100, allow_nan=False),
    seed=st.integers(0, 2**31 - 1),
)
def test_partial_propagation_property(n, k, percentile, seed):
    """On any clustering: the by-hand loop's mask; monotone in the percentile; 100 keeps all."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, k, size=n)
    labels[: min(k, n)] = np.arange(min(k, n))  # clusters 0..k'-1 all present
    k_eff = int(labels.max()) + 1
    dist = rng.random(n) * 10
    dist[rng.random(n) < 0.2] = 1.0  # ties
    y_reps = rng.integers(0, 10, size=k_eff)
    full = np.zeros((n, k_eff))
    full[np.arange(n), labels] = dist
    mask, lab = by_hand_partial(full, labels, y_reps[labels], percentile)
    part = partial_propagation(dist, labels, y_reps, percentile)
    np.testing.assert_array_equal(part.mask, mask)
    np.testing.assert_array_equal(part.labels, lab)
    assert partial_propagation(dist, labels, y_reps, 100).mask.all()
    more = partial_propagation(dist, labels, y_reps, min(100.0, percentile + 10))
    assert (more.mask | ~part.mask).all()  # superset
    for i in range(k_eff):  # each cluster keeps its closest instance
        assert part.mask[labels == i].any()


# --------------------------------------------------------------------------- evaluation


def test_the_four_evaluations_match_the_chapter_by_hand(split, reps, chapter):
    """Cells 57–69 with the chapter's typed labels (then the numbers are the chapter's)."""
    X_train, X_test, y_train, y_test = (chapter[n] for n in ("X_train", "X_test", "y_train",
                                                             "y_test"))
    y_reps = CHAPTER_REPRESENTATIVE_LABELS
    idx = chapter["idx"]
    assert evaluate(X_train, y_train, X_test, y_test) == by_hand_score(
        X_train, y_train, X_test, y_test)
    assert evaluate(X_train[:50], y_train[:50], X_test, y_test) == by_hand_score(
        X_train[:50], y_train[:50], X_test, y_test)
    assert evaluate(X_train[idx], y_reps, X_test, y_test) == by_hand_score(
        X_train[idx], y_reps, X_test, y_test)
    y_prop = y_reps[chapter["kmeans"].labels_]
    acc_prop = by_hand_score(X_train, y_prop, X_test, y_test)
    assert evaluate(X_train, propagate(reps.cluster_labels, y_reps), X_test, y_test) == acc_prop
    mask, y_part = by_hand_partial(chapter["dist"], chapter["kmeans"].labels_, y_prop, 25)
    part = partial_propagation(reps.distances, reps.cluster_labels, y_reps, 25)
    acc_part = by_hand_score(X_train[mask], y_part, X_test, y_test)
    assert evaluate(X_train[part.mask], part.labels, X_test, y_test) == acc_part

    s = study(split, reps, y_reps, percentile=25)
    assert s.representatives == by_hand_score(X_train[idx], y_reps, X_test, y_test)
    assert s.random == by_hand_score(X_train[:50], y_train[:50], X_test, y_test)
    assert s.propagated == acc_prop
    assert s.partial == acc_part
    assert s.partial_correct == (y_part == y_train[mask]).mean()
    assert s.propagated_correct == (y_prop == y_train).mean()
    assert s.n_partial == mask.sum()
    # the chapter's story: each step helps
    assert s.random < s.representatives < s.propagated < s.partial


def test_study_is_cancellable(split, reps):
    calls = []

    def progress(f):
        calls.append(f)
        if len(calls) == 2:
            raise Cancelled()

    with pytest.raises(Cancelled):
        study(split, reps, CHAPTER_REPRESENTATIVE_LABELS, progress=progress)
    assert calls == sorted(calls)


def test_evaluate_bad_input(split):
    X, y = split.X_train[:20], split.y_train[:20]
    with pytest.raises(DataError, match="two different classes"):
        evaluate(X, np.full(20, 3), split.X_test, split.y_test)
    with pytest.raises(DataError, match="19 labels for 20"):
        evaluate(X, y[:19], split.X_test, split.y_test)
    with pytest.raises(DataError, match="no label"):
        evaluate(X, np.where(np.arange(20) == 0, -1, y), split.X_test, split.y_test)
    with pytest.raises(DataError, match="features"):
        evaluate(X, y, split.X_test[:, :10], split.y_test)


# --------------------------------------------------------------------------- active learning


def test_most_uncertain_matches_predict_proba_by_hand(split, reps):
    t = train(split.X_train[reps.indices], CHAPTER_REPRESENTATIVE_LABELS, split.X_test,
              split.y_test)
    pool = np.setdiff1d(np.arange(len(split.X_train)), reps.indices)
    X_pool = split.X_train[pool]
    proba = t.model.predict_proba(X_pool).max(axis=1)
    expected = np.argsort(proba, kind="stable")[:10]
    got = most_uncertain(t.model, X_pool, 10)
    np.testing.assert_array_equal(got, expected)
    assert np.all(np.diff(proba[got]) >= 0)  # least certain first
    assert proba[got].max() <= np.sort(proba)[10]
    # more than the pool: every instance, once
    assert sorted(most_uncertain(t.model, X_pool[:7], 50).tolist()) == list(range(7))


def test_most_uncertain_in_distinct_clusters(split, reps):
    t = train(split.X_train[reps.indices], CHAPTER_REPRESENTATIVE_LABELS, split.X_test,
              split.y_test)
    X_pool = split.X_train
    groups = reps.cluster_labels
    got = most_uncertain(t.model, X_pool, 10, groups=groups)
    assert len(set(groups[got].tolist())) == 10
    proba = t.model.predict_proba(X_pool).max(axis=1)
    # the first pick is still the least certain instance of all
    assert got[0] == np.argsort(proba, kind="stable")[0]
    # with only two groups, the rest is filled by certainty
    two = most_uncertain(t.model, X_pool, 5, groups=np.arange(len(X_pool)) % 2)
    assert len(set(two.tolist())) == 5


def test_most_uncertain_bad_input(split, reps):
    t = train(split.X_train[reps.indices], CHAPTER_REPRESENTATIVE_LABELS, split.X_test,
              split.y_test)
    with pytest.raises(DataError, match="1 or more"):
        most_uncertain(t.model, split.X_train, 0)
    with pytest.raises(DataError, match="no rows"):
        most_uncertain(t.model, split.X_train[:0], 3)
    with pytest.raises(DataError, match="probabilities"):
        most_uncertain(object(), split.X_train, 3)
    with pytest.raises(DataError, match="group labels"):
        most_uncertain(t.model, split.X_train, 3, groups=[0, 1])


# --------------------------------------------------------------------------- scikit-learn's warnings

def test_fit_warnings_are_carried_not_printed(recwarn, capsys, monkeypatch):
    rng = np.random.default_rng(0)
    X = np.repeat(rng.normal(size=(3, 4)), 6, axis=0)
    reps = representatives(X, n_clusters=5, random_state=0)
    assert any("Number of distinct clusters (3)" in w for w in reps.warnings)
    # lbfgs stopped early by a tiny max_iter: scikit-learn's ConvergenceWarning, as a sentence
    Xd = rng.normal(size=(200, 8))
    y = (Xd[:, 0] + 0.1 * rng.normal(size=200) > 0).astype(int)
    import core.semisupervised as semi

    monkeypatch.setattr(semi, "MAX_ITER", 1)
    trained = train(Xd, y, Xd, y)
    assert any("lbfgs failed to converge" in w for w in trained.warnings)
    assert len(recwarn) == 0
    assert capsys.readouterr().err == ""


def test_the_chapters_study_has_no_warnings(split, reps):
    st = study(split, reps, CHAPTER_REPRESENTATIVE_LABELS)
    assert st.warnings == ()
