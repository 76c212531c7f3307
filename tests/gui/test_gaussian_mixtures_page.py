"""The Gaussian mixtures page, driven through its driver: what the views hold equals
scikit-learn's numbers computed here."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import BayesianGaussianMixture, GaussianMixture
from threadpoolctl import threadpool_limits

from core.datasets import load_builtin
from gui.exports import render_image
from gui.pages.gaussian_mixtures.state import prior_index, prior_value
from tests.gui.drivers import GaussianMixturesDriver


@pytest.fixture
def gm_page(open_page, qtbot):
    return GaussianMixturesDriver.open(open_page, qtbot)


@pytest.fixture(scope="module")
def X():
    return load_builtin("mixture").X


def sk(X, **kw):
    with threadpool_limits(limits=1), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return GaussianMixture(**kw).fit(X)


def test_density_view_shows_the_chapters_fit(gm_page, X, window, artifacts_dir):
    gm = sk(X, n_components=3, n_init=10, random_state=42)
    np.testing.assert_allclose(gm_page.points(), X)
    assert sorted(gm_page.weight_labels()) == sorted(f"{w:.2f}" for w in gm.weights_)
    assert gm_page.ellipse_count() == 6  # 1σ and 2σ per component
    img = gm_page.density_image()
    assert img is not None and img.shape == (300, 300) and np.ptp(img) > 1
    assert gm_page.boundary_cells() > 100
    info = gm_page.info()
    assert f"BIC {gm.bic(X):.1f}" in info and f"AIC {gm.aic(X):.1f}" in info
    dens = gm.score_samples(X)
    threshold = np.percentile(dens, 2)
    assert f"{threshold:.3f}" in info and f"{int(np.sum(dens < threshold))} anomalies" in info
    np.testing.assert_allclose(np.sort(gm_page.anomaly_points(), axis=0),
                               np.sort(X[dens < threshold], axis=0))
    # Blended colours: a point's colour mixes the palette by its probabilities.
    colors = gm_page.point_colors()
    assert colors.shape == (len(X), 4) and len(np.unique(colors[:, :3], axis=0)) > 10
    render_image(window).save(str(artifacts_dir / "gaussian-mixtures.png"))


def test_covariance_switch_click_percentile_and_sample(gm_page, X):
    gm_page.set_covariance_type("tied")
    gm = sk(X, n_components=3, covariance_type="tied", n_init=10, random_state=42)
    assert sorted(gm_page.weight_labels()) == sorted(f"{w:.2f}" for w in gm.weights_)
    text = gm_page.click_point(7)
    row = gm.predict_proba(X[7:8])[0]
    assert text.startswith("Point 7:") and ", ".join(f"{p:.3f}" for p in row) in text

    gm_page.set_percentile(50)  # 5.0 %
    dens = gm.score_samples(X)
    assert len(gm_page.anomaly_points()) == int(np.sum(dens < np.percentile(dens, 5)))

    pts = gm_page.sample(40)
    gm.random_state = 42
    np.testing.assert_allclose(pts, gm.sample(40)[0], atol=1e-9)

    code = gm_page.code()
    ns: dict = {}
    exec(compile(code, "<show code>", "exec"), ns)  # noqa: S102 - the snippet runs as printed
    np.testing.assert_allclose(ns["gm"].weights_, gm.weights_, atol=1e-9)
    assert "gm.sample(40)" in code and "predict_proba(X[7:8])" in code
    header, rows = gm_page.export_table()
    assert header[-2:] == ["log_density", "anomaly"] and len(rows) == len(X)


def test_em_half_steps_colour_on_e_and_move_on_m(gm_page, X, window, artifacts_dir):
    gm_page.open_em()
    gm_page.reset()
    assert gm_page.em_phase().startswith("Initialisation")
    colours, ellipse = gm_page.em_colors().copy(), gm_page.em_ellipse(0)
    ref0 = sk(X, n_components=3, max_iter=0, random_state=42)
    for t in range(1, 4):
        gm_page.step()  # E: new colours (predict_proba of the parameters shown), same ellipses
        assert gm_page.em_phase() == "E step: responsibilities"
        assert f"iteration {t - 1}, then the E step of {t}" in gm_page.em_title()
        assert not np.array_equal(gm_page.em_colors(), colours)
        np.testing.assert_array_equal(gm_page.em_ellipse(0), ellipse)
        np.testing.assert_allclose(gm_page.em_colors()[:, :3].astype(float),
                                   np.rint(ref0.predict_proba(X) @ _palette(3)), atol=1)
        assert len(gm_page.lower_bound_curve()[0]) == t - 1
        colours = gm_page.em_colors().copy()
        gm_page.step()  # M: the ellipses move, the colours stay; one more lower bound
        assert gm_page.em_phase() == "M step: weights, means, covariances"
        assert f"iteration {t}" in gm_page.em_title()
        np.testing.assert_array_equal(gm_page.em_colors(), colours)
        assert not np.allclose(gm_page.em_ellipse(0), ellipse)
        assert len(gm_page.lower_bound_curve()[0]) == t
        ellipse = gm_page.em_ellipse(0)
        ref0 = sk(X, n_components=3, max_iter=t, random_state=42)
    # Back undoes one half-step: the M step (the ellipses go back), then the E step.
    gm_page.back()
    assert gm_page.em_phase().startswith("E step") and "iteration 2" in gm_page.em_title()
    assert not np.allclose(gm_page.em_ellipse(0), ellipse)
    np.testing.assert_array_equal(gm_page.em_colors(), colours)
    gm_page.back()
    assert gm_page.em_phase().startswith("M step") and "iteration 2" in gm_page.em_title()
    assert not np.array_equal(gm_page.em_colors(), colours)
    gm_page.step()
    render_image(window).save(str(artifacts_dir / "gaussian-mixtures-em-e-step.png"))
    code = gm_page.code()
    assert "max_iter=2" in code and "resp = gm.predict_proba(X)" in code
    ns: dict = {}
    exec(compile(code, "<show code>", "exec"), ns)  # noqa: S102
    np.testing.assert_allclose(np.rint(ns["resp"] @ _palette(3)),
                               gm_page.em_colors()[:, :3].astype(float), atol=1)


def test_em_step_back_reset_and_play(gm_page, X):
    gm_page.open_em()
    assert "iteration 0" in gm_page.em_title()
    for _ in range(3):
        gm_page.step_iteration()
    ref = sk(X, n_components=3, max_iter=3, random_state=42)
    its, bounds = gm_page.lower_bound_curve()
    np.testing.assert_array_equal(its, [1, 2, 3])
    np.testing.assert_allclose(bounds, ref.lower_bounds_, atol=1e-9)
    # After the M step the colours are the E step's: the responsibilities the parameters
    # of iteration 3 were computed from (those of iteration 2).
    ref2 = sk(X, n_components=3, max_iter=2, random_state=42)
    np.testing.assert_allclose(gm_page.em_colors()[:, :3].astype(float),
                               np.rint(ref2.predict_proba(X) @ _palette(3)), atol=1)
    before = gm_page.em_ellipse(0)
    gm_page.back()
    gm_page.back()
    assert "iteration 2" in gm_page.em_title() and len(gm_page.lower_bound_curve()[0]) == 2
    assert not np.allclose(gm_page.em_ellipse(0), before)
    gm_page.reset()
    assert "iteration 0" in gm_page.em_title()
    # Play stops when the user goes to another page (and is started again on return)
    window = gm_page.page.window()
    gm_page.start_play()
    window.show_page("data")
    assert not gm_page.playing()
    window.show_page("gaussian-mixtures")
    gm_page.wait_idle()
    gm_page.reset()
    gm_page.play_until_converged()
    full = sk(X, n_components=3, random_state=42)
    assert "converged" in gm_page.em_title()
    np.testing.assert_allclose(gm_page.lower_bound_curve()[1], full.lower_bounds_, atol=1e-9)
    header, rows = gm_page.export_table()
    assert header == ["iteration", "lower_bound"] and len(rows) == full.n_iter_
    ns: dict = {}
    exec(compile(gm_page.code(), "<show code>", "exec"), ns)  # noqa: S102
    np.testing.assert_allclose(ns["gm"].means_, full.means_, atol=1e-9)


def _palette(k):
    from gui.widgets.palette import palette_rgba

    return palette_rgba(k)[:, :3].astype(float)


def test_bic_aic_against_k_and_clicking_a_k(gm_page, X):
    gm_page.set_n_init(2)
    gm_page.open_choose_k()
    ks, bics = gm_page.bic_curve()
    fits = [sk(X, n_components=k, n_init=2, random_state=42) for k in range(1, 11)]
    np.testing.assert_array_equal(ks, np.arange(1, 11))
    np.testing.assert_allclose(bics, [f.bic(X) for f in fits], atol=1e-6)
    np.testing.assert_allclose(gm_page.aic_curve()[1], [f.aic(X) for f in fits], atol=1e-6)
    assert gm_page.best_marked() == 1 + int(np.argmin([f.bic(X) for f in fits])) == 3
    assert gm_page.click_k(5) == "k = 5"
    assert len(gm_page.weight_labels("Choosing k")) == 5
    ns: dict = {}
    exec(compile(gm_page.code(), "<show code>", "exec"), ns)  # noqa: S102
    np.testing.assert_allclose(ns["bics"], bics, atol=1e-6)


def test_bayesian_weights_follow_the_prior(gm_page, X):
    gm_page.set_n_init(1)
    gm_page.open_bayes()
    with threadpool_limits(limits=1):  # the page starts at scikit-learn's default prior
        bgm = BayesianGaussianMixture(n_components=10, max_iter=500, random_state=42).fit(X)
    np.testing.assert_allclose(gm_page.bayes_weights(), bgm.weights_, atol=1e-12)
    index = prior_index(10_000)
    assert prior_value(index) == pytest.approx(10_000)
    gm_page.set_prior_index(index)
    with threadpool_limits(limits=1), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        big = BayesianGaussianMixture(n_components=10, weight_concentration_prior=10_000.0,
                                      max_iter=500, random_state=42).fit(X)
    np.testing.assert_allclose(gm_page.bayes_weights(), big.weights_, atol=1e-12)
    # A large prior keeps weight on the unneeded components; a small one switches them off.
    assert gm_page.bayes_weights().min() > 1000 * bgm.weights_.min()
    header, rows = gm_page.export_table()
    assert header == ["component", "weight"] and len(rows) == 10
    ns: dict = {}
    exec(compile(gm_page.code(), "<show code>", "exec"), ns)  # noqa: S102
    np.testing.assert_allclose(ns["bgm"].weights_, big.weights_, atol=1e-12)


def test_pca_view_for_more_than_two_features(gm_page):
    gm_page.set_dataset("iris")
    assert gm_page.density_image() is None  # no density grid beyond 2-D
    assert gm_page.ellipse_count() == 6 and gm_page.points().shape == (150, 2)


def test_bad_input_is_explained_and_the_view_kept(gm_page, window, X):
    from core.datasets import Dataset

    window.ctx.add_dataset(Dataset(name="tiny", X=np.array([[0.0, 0.0], [1.0, 1.0]]),
                                   key="tiny"))
    gm_page.set_dataset("tiny", wait=False)
    assert window.message_bar.isVisible()
    assert "only 2 points" in window.message_bar.text()
    assert gm_page.dataset() == "mixture"
    np.testing.assert_allclose(gm_page.points(), X)
    assert gm_page.ellipse_count() == 6


def test_the_sweep_runs_in_the_background_and_cancels(gm_page):
    gm_page.start_choose_k()
    assert gm_page.tasks.busy  # the window stays free while BIC/AIC are computed
    gm_page.cancel()
    ks, _ = gm_page.bic_curve()
    assert ks is None or len(ks) == 0  # nothing half-done is drawn


def test_parameters_are_saved_as_declared_settings(gm_page, window):
    from gui.pages.gaussian_mixtures.settings import GaussianMixturesSettings
    from gui.persist import load_settings

    gm_page.set_covariance_type("spherical")
    gm_page.set_percentile(35)
    saved = load_settings(GaussianMixturesSettings, window.ctx.settings)
    assert saved.covariance_type == "spherical" and saved.percentile == 35


def test_bayesian_weights_spread_on_the_moons(gm_page):
    gm_page.set_dataset("moons")
    gm_page.open_bayes()
    Xm = load_builtin("moons").X
    with threadpool_limits(limits=1):
        bgm = BayesianGaussianMixture(n_components=10, n_init=10, max_iter=500,
                                      random_state=42).fit(Xm)
    np.testing.assert_allclose(gm_page.bayes_weights(), bgm.weights_, atol=1e-12)
    assert np.sum(gm_page.bayes_weights() > 0.01) == np.sum(bgm.weights_ > 0.01) >= 6
