"""Gaussian mixtures: parity with scikit-learn (fits, EM step by step, sweeps, Bayesian
weights, the chapter's numbers computed with scikit-learn here), bad input, cancelling."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_iris, make_blobs, make_moons
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import BayesianGaussianMixture, GaussianMixture
from threadpoolctl import threadpool_limits

from core.datasets import load_builtin
from core.errors import Cancelled, DataError
from core.mixture import (
    COVARIANCE_TYPES,
    EMStepper,
    anomalies,
    chapter_data,
    ellipse,
    fit_bayesian_gmm,
    fit_gmm,
    gmm_regions,
    predict_proba,
    sample,
    score_samples,
    sweep_components,
)


@pytest.fixture(autouse=True)
def _one_blas_thread():
    """The references too: a 2-thread BLAS on a busy 2-core machine is many times slower."""
    with threadpool_limits(limits=1):
        yield


@pytest.fixture(scope="module")
def X() -> np.ndarray:
    return chapter_data()


@pytest.fixture(scope="module")
def chapter_gm(X):
    return GaussianMixture(n_components=3, n_init=10, random_state=42).fit(X)


def sk_fit(X, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return GaussianMixture(**kw).fit(X)


def assert_same_model(ours, gm, X, atol=1e-9):
    np.testing.assert_allclose(ours.weights, gm.weights_, atol=atol, rtol=0)
    np.testing.assert_allclose(ours.means, gm.means_, atol=atol, rtol=0)
    np.testing.assert_allclose(ours.covariances, gm.covariances_, atol=atol, rtol=0)
    np.testing.assert_allclose(ours.precisions_cholesky, gm.precisions_cholesky_, atol=1e-7,
                               rtol=1e-9)


def test_chapter_data_is_the_issues():
    X1, _ = make_blobs(n_samples=1000, centers=((4, -4), (0, 0)), random_state=42)
    X1 = X1.dot(np.array([[0.374, 0.95], [0.732, 0.598]]))
    X2, _ = make_blobs(n_samples=250, centers=1, random_state=42)
    np.testing.assert_array_equal(chapter_data(), np.r_[X1, X2 + [6, -8]])
    np.testing.assert_array_equal(load_builtin("mixture").X, chapter_data())


@pytest.mark.parametrize("cov", COVARIANCE_TYPES)
@pytest.mark.parametrize("data", ["chapter", "iris"])
def test_fit_equals_scikit_learn(cov, data, X):
    Xd = X if data == "chapter" else load_iris().data
    k = 3
    ours = fit_gmm(Xd, k, cov, n_init=2, random_state=7)
    gm = sk_fit(Xd, n_components=k, covariance_type=cov, n_init=2, random_state=7)
    assert_same_model(ours, gm, Xd)
    np.testing.assert_array_equal(ours.labels, gm.predict(Xd))
    np.testing.assert_allclose(ours.probabilities, gm.predict_proba(Xd), atol=1e-9)
    assert ours.n_iter == gm.n_iter_
    assert ours.converged == gm.converged_
    assert ours.lower_bound == pytest.approx(gm.lower_bound_, abs=1e-9)
    np.testing.assert_allclose(ours.lower_bounds, gm.lower_bounds_, atol=1e-9)
    assert ours.bic == pytest.approx(gm.bic(Xd), abs=1e-6)
    assert ours.aic == pytest.approx(gm.aic(Xd), abs=1e-6)
    assert ours.n_parameters == gm._n_parameters()


@pytest.mark.parametrize("init", ["random", "random_from_data", "k-means++"])
def test_fit_with_other_initialisations(init, X):
    ours = fit_gmm(X, 4, "full", n_init=2, init_params=init, random_state=3)
    gm = sk_fit(X, n_components=4, n_init=2, init_params=init, random_state=3)
    assert_same_model(ours, gm, X)


def test_not_converged_warns_like_scikit_learn(X):
    ours = fit_gmm(X, 3, "diag", max_iter=2)
    with pytest.warns(ConvergenceWarning) as rec:
        GaussianMixture(3, covariance_type="diag", max_iter=2, random_state=42).fit(X)
    assert not ours.converged
    assert str(rec[0].message) in ours.warnings


@pytest.mark.parametrize("cov", COVARIANCE_TYPES)
@pytest.mark.parametrize("init", ["kmeans", "random"])
def test_em_stepper_equals_scikit_learn_at_every_iteration(cov, init):
    Xs, _ = make_blobs(n_samples=150, centers=3, cluster_std=[1.0, 2.0, 0.6],
                       random_state=5)
    stepper = EMStepper(Xs, 3, cov, init_params=init, random_state=11)
    w0, m0, p0 = stepper.initial_params()
    # Iteration 0 is scikit-learn's own initialisation for that random_state.
    gm0 = GaussianMixture(3, covariance_type=cov, init_params=init, max_iter=0,
                          random_state=11).fit(Xs)
    np.testing.assert_allclose(stepper.means, gm0.means_, atol=1e-12)
    np.testing.assert_allclose(stepper.covariances, gm0.covariances_, atol=1e-12)
    t = 0
    while stepper.step():
        t += 1
        gm = sk_fit(Xs, n_components=3, covariance_type=cov, max_iter=t, n_init=1,
                    weights_init=w0, means_init=m0, precisions_init=p0)
        np.testing.assert_allclose(stepper.weights, gm.weights_, atol=1e-9, rtol=0)
        np.testing.assert_allclose(stepper.means, gm.means_, atol=1e-9, rtol=0)
        np.testing.assert_allclose(stepper.covariances, gm.covariances_, atol=1e-9, rtol=0)
        assert stepper.lower_bound == pytest.approx(gm.lower_bound_, abs=1e-9)
        assert stepper.converged == gm.converged_
        np.testing.assert_array_equal(stepper.labels, gm.predict(Xs))
        np.testing.assert_allclose(stepper.responsibilities, gm.predict_proba(Xs), atol=1e-9)
        assert t < 500
    assert stepper.converged and stepper.iteration == t >= 2
    np.testing.assert_allclose(stepper.lower_bounds, gm.lower_bounds_, atol=1e-9)


def test_stepper_back_and_reset_return_exactly(X):
    s = EMStepper(X, 3)
    first = s.history[0]
    s.step()
    after_one = (s.means, s.lower_bound)
    s.step()
    assert s.back() and s.iteration == 1
    np.testing.assert_array_equal(s.means, after_one[0])
    assert s.lower_bound == after_one[1]
    s.run(100)
    assert s.converged and not s.step()
    assert s.back() and not s.converged
    assert s.step() and s.converged
    n = s.iteration
    assert len(s.history) == n + 1 and len(s.lower_bounds) == n
    s.reset()
    assert s.iteration == 0 and s.lower_bound == -np.inf and not s.back()
    np.testing.assert_array_equal(s.means, first.means)
    # A run to convergence is the fit with n_init=1.
    s.run(100)
    gm = GaussianMixture(3, random_state=42).fit(X)
    np.testing.assert_allclose(s.means, gm.means_, atol=1e-9)
    assert s.result().bic == pytest.approx(gm.bic(X), abs=1e-6)


@pytest.mark.parametrize("cov", ["full", "spherical"])
def test_two_half_steps_are_one_step(cov, X):
    whole, halves = EMStepper(X, 3, cov), EMStepper(X, 3, cov)
    assert halves.phase == "M" and halves.e_responsibilities is None
    w0, m0, p0 = halves.initial_params()
    while whole.step():
        before = halves.history[-1]
        assert halves.step(half=True) and halves.phase == "E"
        # The E step: the parameters stay, the responsibilities are scikit-learn's
        # predict_proba of the parameters before the M step.
        t = halves.iteration
        np.testing.assert_array_equal(halves.means, before.means)
        assert len(halves.lower_bounds) == t
        if t == 0:
            gm = GaussianMixture(3, covariance_type=cov)
            gm.weights_, gm.means_, gm.covariances_ = before.weights, before.means, \
                before.covariances
            gm.precisions_cholesky_ = before.precisions_cholesky
            gm.n_features_in_ = X.shape[1]
        else:
            gm = sk_fit(X, n_components=3, covariance_type=cov, max_iter=t, n_init=1,
                        weights_init=w0, means_init=m0, precisions_init=p0)
        np.testing.assert_allclose(halves.e_responsibilities, gm.predict_proba(X),
                                   atol=1e-9, rtol=0)
        assert halves.step(half=True) and halves.phase == "M"
        # The M step: the same parameters, lower bound and convergence as one whole step.
        assert halves.iteration == whole.iteration == t + 1
        for name in ("weights", "means", "covariances", "precisions_cholesky"):
            np.testing.assert_array_equal(getattr(halves, name), getattr(whole, name))
        assert halves.lower_bound == whole.lower_bound
        assert halves.converged == whole.converged
        # The colours stay those of the E step until the next E step.
        np.testing.assert_allclose(halves.e_responsibilities, gm.predict_proba(X),
                                   atol=1e-9, rtol=0)
    assert halves.converged and not halves.step(half=True)


def test_half_steps_go_back_exactly(X):
    s = EMStepper(X, 3)
    assert not s.back(half=True)
    s.step()
    s.step()
    at_two = (s.means, s.responsibilities, s.e_responsibilities, s.log_likelihood)
    s.step(half=True)
    at_two_e = (s.means, s.e_responsibilities, s.log_likelihood)
    s.step(half=True)
    assert s.back(half=True) and s.phase == "E" and s.iteration == 2
    np.testing.assert_array_equal(s.means, at_two_e[0])
    np.testing.assert_array_equal(s.e_responsibilities, at_two_e[1])
    assert s.log_likelihood == at_two_e[2]
    assert s.back(half=True) and s.phase == "M" and s.iteration == 2
    np.testing.assert_array_equal(s.means, at_two[0])
    np.testing.assert_array_equal(s.responsibilities, at_two[1])
    np.testing.assert_array_equal(s.e_responsibilities, at_two[2])
    # A whole step from phase E finishes the iteration; a whole Back from phase E returns
    # to its start.
    s.step(half=True)
    assert s.step() and s.phase == "M" and s.iteration == 3
    s.step(half=True)
    assert s.back() and s.phase == "M" and s.iteration == 3
    s.reset()
    assert s.phase == "M" and s.iteration == 0 and s.e_responsibilities is None


def test_sweep_equals_scikit_learn(X):
    sweep = sweep_components(X, range(1, 5), "tied", n_init=2, random_state=42)
    for k, bic, aic in zip(sweep.ks, sweep.bics, sweep.aics, strict=True):
        gm = sk_fit(X, n_components=k, covariance_type="tied", n_init=2, random_state=42)
        assert bic == pytest.approx(gm.bic(X), abs=1e-6)
        assert aic == pytest.approx(gm.aic(X), abs=1e-6)
    assert sweep.fit(3).n_components == 3


@pytest.mark.parametrize("prior", [None, 0.01, 10_000.0])
def test_bayesian_equals_scikit_learn(prior, X):
    ours = fit_bayesian_gmm(X[::5], 6, weight_concentration_prior=prior, n_init=2,
                            random_state=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        bgm = BayesianGaussianMixture(n_components=6, weight_concentration_prior=prior,
                                      n_init=2, random_state=1).fit(X[::5])
    np.testing.assert_allclose(ours.weights, bgm.weights_, atol=1e-12)
    np.testing.assert_allclose(ours.means, bgm.means_, atol=1e-12)
    np.testing.assert_allclose(ours.covariances, bgm.covariances_, atol=1e-12)
    np.testing.assert_array_equal(ours.labels, bgm.predict(X[::5]))
    assert ours.converged == bgm.converged_


# ----------------------------------------------------------------- the chapter's table


def test_chapter_fit_weights_bic_aic(X, chapter_gm):
    ours = fit_gmm(X, 3, n_init=10, random_state=42)
    assert_same_model(ours, chapter_gm, X)
    assert ours.bic == pytest.approx(chapter_gm.bic(X), abs=1e-6)
    assert ours.aic == pytest.approx(chapter_gm.aic(X), abs=1e-6)
    # The table's rounding, taken from scikit-learn's own result.
    np.testing.assert_array_equal(np.round(ours.weights, 2), np.round(chapter_gm.weights_, 2))
    assert round(ours.bic, 1) == round(chapter_gm.bic(X), 1)


def test_chapter_anomalies(X, chapter_gm):
    ours = fit_gmm(X, 3, n_init=10, random_state=42)
    found = anomalies(ours, X, 2)
    densities = chapter_gm.score_samples(X)
    threshold = np.percentile(densities, 2)
    assert found.threshold == pytest.approx(threshold, abs=1e-9)
    np.testing.assert_array_equal(found.mask, densities < threshold)
    assert found.count == int(np.sum(densities < threshold))
    np.testing.assert_allclose(score_samples(ours, X), densities, atol=1e-9)


def test_chapter_bic_chooses_three(X):
    sweep = sweep_components(X, range(1, 11), n_init=10, random_state=42)
    bics = [GaussianMixture(n_components=k, n_init=10, random_state=42).fit(X).bic(X)
            for k in range(1, 11)]
    np.testing.assert_allclose(sweep.bics, bics, atol=1e-6)
    assert sweep.best_bic == 1 + int(np.argmin(bics)) == 3


def test_chapter_bayesian_weights(X):
    ours = fit_bayesian_gmm(X, 10, n_init=10, max_iter=500, random_state=42)
    bgm = BayesianGaussianMixture(n_components=10, n_init=10, max_iter=500,
                                  random_state=42).fit(X)
    np.testing.assert_allclose(ours.weights, bgm.weights_, atol=1e-12)
    assert ours.n_effective(0.005) == int(np.sum(bgm.weights_ > 0.005)) == 3


def test_chapter_bayesian_weights_on_the_moons():
    Xm, _ = make_moons(n_samples=1000, noise=0.05, random_state=42)
    ours = fit_bayesian_gmm(Xm, 10, n_init=10, random_state=42)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        bgm = BayesianGaussianMixture(n_components=10, n_init=10, random_state=42).fit(Xm)
    np.testing.assert_allclose(ours.weights, bgm.weights_, atol=1e-12)
    assert ours.n_effective(0.01) == int(np.sum(bgm.weights_ > 0.01))
    assert ours.n_effective(0.01) >= 6  # spread over many components, not 2


# ----------------------------------------------------------------- using a model


def test_predict_proba_and_sample_equal_scikit_learn(X, chapter_gm):
    ours = fit_gmm(X, 3, n_init=10)
    np.testing.assert_allclose(predict_proba(ours, X[:20]), chapter_gm.predict_proba(X[:20]),
                               atol=1e-9)
    pts, comps = sample(ours, 6, random_state=42)
    chapter_gm.random_state = 42
    sk_pts, sk_comps = chapter_gm.sample(6)
    np.testing.assert_allclose(pts, sk_pts, atol=1e-9)
    np.testing.assert_array_equal(comps, sk_comps)


@pytest.mark.parametrize("cov", COVARIANCE_TYPES)
def test_regions_are_the_density_and_the_predictions(cov, X):
    ours = fit_gmm(X, 3, cov)
    reg = gmm_regions(ours, (-6, 8), (-10, 6), 60)
    assert reg.log_density.shape == reg.labels.shape == (60, 60)
    gx, gy = np.meshgrid(reg.xs, reg.ys)
    grid = np.c_[gx.ravel(), gy.ravel()]
    np.testing.assert_allclose(reg.log_density.ravel(), score_samples(ours, grid),
                               rtol=1e-5, atol=1e-4)
    gm = sk_fit(X, n_components=3, covariance_type=cov, random_state=42)
    assert np.mean(reg.labels.ravel() == gm.predict(grid)) > 0.999


def _regions_reference(result, xs, ys):
    """The grid as the first implementation computed it: every component on the whole grid
    (float32, the same operations), argmax and log-sum-exp over the components' axis."""
    prec = np.stack([np.linalg.inv(c) for c in result.full_covariances()])
    k = result.n_components
    wlp = np.empty((k, ys.size, xs.size), dtype=np.float32)
    for c in range(k):
        dx, dy = xs - result.means[c, 0], ys - result.means[c, 1]
        const = (-np.log(2 * np.pi) + 0.5 * np.log(np.linalg.det(prec[c]))
                 + np.log(result.weights[c]))
        wlp[c] = np.multiply.outer(np.float32(-prec[c, 0, 1] * dy), np.float32(dx))
        wlp[c] += np.float32(const - 0.5 * prec[c, 1, 1] * dy * dy)[:, None]
        wlp[c] += np.float32(-0.5 * prec[c, 0, 0] * dx * dx)[None, :]
    from scipy.special import logsumexp

    return logsumexp(wlp.astype(float), axis=0), wlp.argmax(axis=0)


@pytest.mark.parametrize("cov", COVARIANCE_TYPES)
@pytest.mark.parametrize("k", [3, 10])
def test_regions_equal_the_reference_grid(cov, k, X):
    ours = fit_gmm(X, k, cov)
    # 150 rows: several blocks and a partial one
    reg = gmm_regions(ours, (X[:, 0].min() - 1, X[:, 0].max() + 1),
                      (X[:, 1].min() - 1, X[:, 1].max() + 1), 150)
    dens, labels = _regions_reference(ours, reg.xs, reg.ys)
    np.testing.assert_array_equal(reg.labels, labels)
    np.testing.assert_allclose(reg.log_density, dens, rtol=1e-4, atol=0)


def test_ellipse_is_one_sigma():
    cov = np.array([[4.0, 1.0], [1.0, 2.0]])
    pts = ellipse([1.0, -1.0], cov, n_sigma=2.0)
    d = pts - [1.0, -1.0]
    m = np.einsum("ij,jk,ik->i", d, np.linalg.inv(cov), d)
    np.testing.assert_allclose(m, 4.0, atol=1e-9)


# ----------------------------------------------------------------- bad input, cancel


@pytest.mark.parametrize("bad, words", [
    (np.array([[1.0, np.nan], [2.0, 3.0], [1.0, 1.0]]), "missing or infinite"),
    (np.array([[1.0, 2.0]]), "at least two"),
    ([["a", "b"], ["c", "d"]], "table of numbers"),
    (np.empty((0, 2)), "empty"),
])
def test_bad_data_is_explained(bad, words):
    with pytest.raises(DataError, match=words):
        fit_gmm(bad, 1)
    with pytest.raises(DataError, match=words):
        EMStepper(bad, 1)


def test_bad_parameters_are_explained(X):
    with pytest.raises(DataError, match="only 3 points"):
        fit_gmm(X[:3], 5)
    with pytest.raises(DataError, match="at least 1"):
        fit_gmm(X, 0)
    with pytest.raises(DataError, match="covariance type"):
        fit_gmm(X, 2, "round")
    with pytest.raises(DataError, match="initialisation"):
        EMStepper(X, 2, init_params="best")
    with pytest.raises(DataError, match="n_init"):
        fit_gmm(X, 2, n_init=0)
    with pytest.raises(DataError, match="concentration prior"):
        fit_bayesian_gmm(X, 3, weight_concentration_prior=0)
    with pytest.raises(DataError, match="at least one"):
        sweep_components(X, [])
    result = fit_gmm(X, 2)
    with pytest.raises(DataError, match="between 0 and 100"):
        anomalies(result, X, 120)
    with pytest.raises(DataError, match="2 features"):
        score_samples(result, np.ones((3, 3)))
    iris = fit_gmm(load_iris().data, 2)
    with pytest.raises(DataError, match="2-D data"):
        gmm_regions(iris, (0, 1), (0, 1), 10)


def test_progress_reports_and_cancels(X):
    seen = []
    fit_gmm(X, 3, n_init=2, progress=seen.append)
    assert seen and seen[-1] == 1.0 and all(0 <= f <= 1 for f in seen)

    def cancel(fraction):
        raise Cancelled

    with pytest.raises(Cancelled):
        sweep_components(X, range(1, 4), n_init=2, progress=cancel)
    with pytest.raises(Cancelled):
        fit_bayesian_gmm(X, 3, progress=cancel)


def test_logsumexp_is_scikit_learns_to_the_bit():
    from sklearn.utils._array_api import _logsumexp as sk_lse

    from core.mixture import _logsumexp

    rng = np.random.default_rng(0)
    for k in (1, 3, 10):
        a = rng.normal(size=(2000, k)) * 50
        a[:10, 0] = a[:10, -1]  # ties at the maximum
        a[10:12] = -np.inf  # rows of zero probability
        np.testing.assert_array_equal(_logsumexp(a), sk_lse(a, axis=1))
