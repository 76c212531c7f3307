"""core.preprocessing against the chapter's Pipeline built by hand with scikit-learn.

The references run under ``threadpool_limits(1)`` like core does: with 2 BLAS
threads on a busy 2-core machine the same lbfgs fits are many times slower;
the numbers are the same.
"""

from __future__ import annotations

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from core.errors import DataError
from core.preprocessing import fit_pipeline, pipeline_accuracy, sweep_pipeline
from core.progress import Cancelled
from core.semisupervised import digits_split


@pytest.fixture(scope="module")
def split():
    return digits_split()


def by_hand(split, k, standardize=False):
    from sklearn.cluster import KMeans
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    steps = [("kmeans", KMeans(n_clusters=k, random_state=42))]
    if standardize:
        steps.append(("scaler", StandardScaler()))
    steps.append(("log_reg", LogisticRegression(max_iter=10_000, random_state=42)))
    pipeline = Pipeline(steps)
    with threadpool_limits(1):
        pipeline.fit(split.X_train, split.y_train)
        return pipeline.score(split.X_test, split.y_test), int(pipeline[-1].n_iter_[0])


@pytest.fixture(scope="module")
def reference(split):
    """Cached by-hand fits: (k, standardize) -> (accuracy, n_iter)."""
    cache = {}

    def get(k, standardize):
        if (k, standardize) not in cache:
            cache[(k, standardize)] = by_hand(split, k, standardize)
        return cache[(k, standardize)]

    return get


@pytest.fixture(scope="module")
def baseline(split):
    from sklearn.linear_model import LogisticRegression

    with threadpool_limits(1):
        log_reg = LogisticRegression(max_iter=10_000, random_state=42)
        return log_reg.fit(split.X_train, split.y_train).score(split.X_test, split.y_test)


def test_chapter_exact_pipeline_matches_by_hand(split, reference):
    """The chapter's cell 51 (50 clusters, no scaling): same accuracy."""
    acc, n_iter = reference(50, False)
    fit = fit_pipeline(split.X_train, split.y_train, split.X_test, split.y_test, 50)
    assert fit.accuracy == acc
    assert fit.n_iter == n_iter
    assert not fit.standardize and fit.n_clusters == 50 and fit.seconds > 0
    assert fit.converged


def test_non_convergence_is_recorded_not_printed(split, recwarn, monkeypatch):
    import core.semisupervised

    # (the chapter's 10 000 iterations take seconds to exhaust; 5 show the same thing)
    monkeypatch.setattr(core.semisupervised, "MAX_ITER", 5)
    fit = fit_pipeline(split.X_train, split.y_train, split.X_test, split.y_test, 10)
    assert fit.n_iter == 5 and not fit.converged
    assert not [w for w in recwarn if "converge" in str(w.message)]


@pytest.mark.parametrize("k", [12, 20])
def test_standardized_pipeline_matches_by_hand(split, reference, k):
    acc, n_iter = reference(k, True)
    assert pipeline_accuracy(split.X_train, split.y_train, split.X_test, split.y_test, k,
                             standardize=True) == acc
    # the point of standardizing: lbfgs converges in a few dozen iterations
    assert n_iter < 200


def test_sweep_matches_by_hand_and_reports_progress(split, reference, baseline):
    seen = []
    ks = [8, 16, 24]
    sweep = sweep_pipeline(split.X_train, split.y_train, split.X_test, split.y_test, ks,
                           standardize=True, progress=seen.append)
    np.testing.assert_array_equal(sweep.ks, ks)
    np.testing.assert_array_equal(sweep.accuracies, [reference(k, True)[0] for k in ks])
    np.testing.assert_array_equal(sweep.n_iter, [reference(k, True)[1] for k in ks])
    assert sweep.baseline == baseline
    assert sweep.standardize
    assert sweep.best_k == ks[int(np.argmax(sweep.accuracies))]
    assert seen[0] == 0.0 and seen[-1] == 1.0 and seen == sorted(seen)
    assert len(seen) == len(ks) + 2  # start, baseline, one per k


def test_sweep_reuses_a_known_baseline(split, reference):
    sweep = sweep_pipeline(split.X_train, split.y_train, split.X_test, split.y_test, [8],
                           standardize=True, baseline=0.5)
    assert sweep.baseline == 0.5
    assert sweep.accuracies[0] == reference(8, True)[0]


def test_sweep_cancels_between_ks(split):
    calls = []
    done = []

    def progress(f):
        calls.append(f)
        if f > 0.3:
            raise Cancelled()

    with pytest.raises(Cancelled):
        sweep_pipeline(split.X_train, split.y_train, split.X_test, split.y_test,
                       [5, 6, 7, 8, 9], standardize=True, baseline=0.9, progress=progress,
                       on_fit=done.append)
    # stopped after the second k of five, not at the end; the finished fits were handed out
    assert calls == [0.0, 0.2, 0.4]
    assert [f.n_clusters for f in done] == [5, 6]
    assert all(f.standardize and f.converged for f in done)


@pytest.mark.parametrize("ks, match", [
    ([], "at least one"),
    ([0], "at least 1"),
    ([5, 10_000], "at most"),
    ([2.5], "whole"),
])
def test_sweep_bad_ks(split, ks, match):
    with pytest.raises(DataError, match=match):
        sweep_pipeline(split.X_train, split.y_train, split.X_test, split.y_test, ks,
                       baseline=0.9)


def test_pipeline_bad_input(split):
    X, y = split.X_train, split.y_train
    with pytest.raises(DataError, match="at most 1347"):
        pipeline_accuracy(X, y, split.X_test, split.y_test, 2000)
    with pytest.raises(DataError, match="labels for"):
        pipeline_accuracy(X, y[:-1], split.X_test, split.y_test, 5)
    bad = X.copy()
    bad[0, 0] = np.inf
    with pytest.raises(DataError, match="infinite"):
        pipeline_accuracy(bad, y, split.X_test, split.y_test, 5)
    with pytest.raises(DataError, match="features"):
        pipeline_accuracy(X, y, split.X_test[:, :3], split.y_test, 5)


def test_the_digits_helpers_are_the_pipeline_on_the_chapters_split(split, reference, baseline):
    from core.preprocessing import fit_digits, prepare_digits, sweep_digits

    seen = []
    data = prepare_digits(progress=seen.append)
    np.testing.assert_array_equal(data.split.X_train, split.X_train)
    assert data.baseline == baseline
    assert seen[0] == 0.0 and seen[-1] == 1.0
    assert fit_digits(data, 12, standardize=True).accuracy == reference(12, True)[0]
    fits = []
    sweep = sweep_digits(data, [8, 16], standardize=True, on_fit=fits.append)
    np.testing.assert_array_equal(sweep.accuracies, [reference(k, True)[0] for k in (8, 16)])
    assert sweep.baseline == baseline  # the known baseline, not refitted
    assert [f.n_clusters for f in fits] == [8, 16]
