"""K-Means as a preprocessing step: replace each instance by its distances to k centroids.

The chapter's pipeline is::

    Pipeline([("kmeans", KMeans(n_clusters=k, random_state=42)),
              ("log_reg", LogisticRegression(max_iter=10_000, random_state=42))])

With ``standardize=True`` a ``StandardScaler`` sits between the two steps: the
distances are large and unscaled, so lbfgs needs about a thousand iterations
without it (the chapter's numbers) and a few dozen with it (slightly different
numbers; not the chapter's).
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from core.errors import DataError
from core.progress import ProgressFn, report
from core.semisupervised import DigitsSplit, _check_fit, digits_split, make_classifier
from core.threads import single_threaded


def make_pipeline(n_clusters: int, random_state: int | None = 42, standardize: bool = False):
    """The chapter's scikit-learn ``Pipeline`` (with a ``StandardScaler`` if ``standardize``)."""
    from sklearn.cluster import KMeans
    from sklearn.pipeline import Pipeline

    steps = [("kmeans", KMeans(n_clusters=n_clusters, random_state=random_state))]
    if standardize:
        from sklearn.preprocessing import StandardScaler

        steps.append(("scaler", StandardScaler()))
    steps.append(("log_reg", make_classifier(random_state)))
    return Pipeline(steps)


def _check_k(n_clusters, n_samples: int) -> int:
    if isinstance(n_clusters, bool) or not isinstance(n_clusters, int | np.integer):
        raise DataError("The number of clusters must be a whole number.")
    k = int(n_clusters)
    if k < 1:
        raise DataError("The number of clusters must be at least 1.")
    if k > n_samples:
        raise DataError(f"Cannot make {k} clusters from {n_samples} training instances; "
                        f"choose at most {n_samples}.")
    return k


@dataclass(frozen=True)
class PipelineFit:
    """One fitted pipeline: its test accuracy, lbfgs iterations and fit time (seconds).

    ``converged`` is False when lbfgs stopped at ``max_iter`` (scikit-learn's
    ConvergenceWarning, which is not printed but recorded here).
    """

    n_clusters: int
    accuracy: float
    n_iter: int
    seconds: float
    standardize: bool
    converged: bool = True


def fit_pipeline(X_train, y_train, X_test, y_test, n_clusters: int,
                 random_state: int | None = 42, standardize: bool = False) -> PipelineFit:
    """Fit the chapter's pipeline with ``n_clusters`` clusters and score it on the test set."""
    X, y, Xt, yt = _check_fit(X_train, y_train, X_test, y_test)
    k = _check_k(n_clusters, X.shape[0])
    pipeline = make_pipeline(k, random_state, standardize)
    from sklearn.exceptions import ConvergenceWarning

    start = time.perf_counter()
    with single_threaded(), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        pipeline.fit(X, y)
        accuracy = float(pipeline.score(Xt, yt))
    seconds = time.perf_counter() - start
    log_reg = pipeline.named_steps["log_reg"]
    n_iter = int(np.max(log_reg.n_iter_))
    return PipelineFit(k, accuracy, n_iter, seconds, bool(standardize),
                       converged=n_iter < log_reg.max_iter)


def pipeline_accuracy(X_train, y_train, X_test, y_test, n_clusters: int,
                      random_state: int | None = 42, standardize: bool = False) -> float:
    """``pipeline.fit(X_train, y_train).score(X_test, y_test)`` for the chapter's pipeline."""
    return fit_pipeline(X_train, y_train, X_test, y_test, n_clusters, random_state,
                        standardize).accuracy


def baseline_accuracy(X_train, y_train, X_test, y_test, random_state: int | None = 42) -> float:
    """The classifier without clustering (the chapter's baseline, 0.9733 on the digits)."""
    from core.semisupervised import evaluate

    return evaluate(X_train, y_train, X_test, y_test, random_state)


@dataclass(frozen=True)
class PipelineSweep:
    """Test accuracy of the pipeline for each k, with the baseline (no clustering)."""

    ks: np.ndarray
    accuracies: np.ndarray
    n_iter: np.ndarray
    seconds: np.ndarray
    baseline: float
    standardize: bool

    @property
    def best_k(self) -> int:
        return int(self.ks[int(np.argmax(self.accuracies))])


def sweep_pipeline(X_train, y_train, X_test, y_test, ks: Iterable[int],
                   random_state: int | None = 42, standardize: bool = False,
                   progress: ProgressFn | None = None,
                   baseline: float | None = None,
                   on_fit: Callable[[PipelineFit], None] | None = None) -> PipelineSweep:
    """Fit the pipeline for every k in ``ks``, reporting progress (and so allowing a
    cancel) between two ks. ``baseline`` skips recomputing a known baseline;
    ``on_fit`` receives each :class:`PipelineFit` as soon as it is done (so a caller
    keeps the finished ks when the sweep is cancelled)."""
    X, y, Xt, yt = _check_fit(X_train, y_train, X_test, y_test)
    ks = [_check_k(k, X.shape[0]) for k in ks]
    if not ks:
        raise DataError("Choose at least one number of clusters to try.")
    units = len(ks) + (1 if baseline is None else 0)
    done = 0
    report(progress, 0.0)
    if baseline is None:
        baseline = baseline_accuracy(X, y, Xt, yt, random_state)
        done += 1
        report(progress, done / units)
    fits = []
    for k in ks:
        fit = fit_pipeline(X, y, Xt, yt, k, random_state, standardize)
        fits.append(fit)
        if on_fit is not None:
            on_fit(fit)
        done += 1
        report(progress, done / units)
    arrays = dict(ks=np.array([f.n_clusters for f in fits], dtype=np.int64),
                  accuracies=np.array([f.accuracy for f in fits]),
                  n_iter=np.array([f.n_iter for f in fits], dtype=np.int64),
                  seconds=np.array([f.seconds for f in fits]))
    for a in arrays.values():
        a.setflags(write=False)
    return PipelineSweep(**arrays, baseline=float(baseline), standardize=bool(standardize))


@dataclass(frozen=True)
class DigitsPipelineData:
    """The chapter's digits split and its baseline (the classifier without clustering)."""

    split: DigitsSplit
    baseline: float

    @property
    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``(X_train, y_train, X_test, y_test)``, in the order the fitting functions take."""
        s = self.split
        return s.X_train, s.y_train, s.X_test, s.y_test


def prepare_digits(random_state: int = 42,
                   progress: ProgressFn | None = None) -> DigitsPipelineData:
    """Load the chapter's digits split and score the baseline on it."""
    report(progress, 0.0)
    split = digits_split(random_state)
    report(progress, 0.3)
    baseline = baseline_accuracy(split.X_train, split.y_train, split.X_test, split.y_test,
                                 random_state)
    report(progress, 1.0)
    return DigitsPipelineData(split, baseline)


def fit_digits(data: DigitsPipelineData, n_clusters: int,
               standardize: bool = False) -> PipelineFit:
    """:func:`fit_pipeline` on the chapter's digits split."""
    return fit_pipeline(*data.arrays, n_clusters, data.split.random_state, standardize)


def sweep_digits(data: DigitsPipelineData, ks: Iterable[int], standardize: bool = False,
                 progress: ProgressFn | None = None,
                 on_fit: Callable[[PipelineFit], None] | None = None) -> PipelineSweep:
    """:func:`sweep_pipeline` on the chapter's digits split, with its known baseline."""
    return sweep_pipeline(*data.arrays, ks, data.split.random_state, standardize,
                          progress=progress, baseline=data.baseline, on_fit=on_fit)


__all__ = ["DigitsPipelineData", "PipelineFit", "PipelineSweep", "baseline_accuracy",
           "fit_digits", "fit_pipeline", "make_pipeline", "pipeline_accuracy", "prepare_digits",
           "sweep_digits", "sweep_pipeline"]
