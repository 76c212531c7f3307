"""The page's jobs, run by the TaskRunner: one-line calls into core.mixture, plus what a
tab draws (2-D view of the means and ellipses, blended colours, the density grid)."""

from __future__ import annotations

import numpy as np

from core.mixture import (
    EMStepper,
    anomalies,
    ellipse,
    fit_bayesian_gmm,
    fit_gmm,
    full_covariances,
    gmm_regions,
    predict_proba,
    sample,
    sweep_components,
)
from core.progress import scaled
from gui.pages.gaussian_mixtures.state import (
    BAYES_COMPONENTS,
    REGION_RESOLUTION,
    BayesView,
    Drawing,
    FitView,
    StepView,
    SweepView,
    prior_value,
)
from gui.widgets.palette import palette_rgba


def blend(resp: np.ndarray) -> np.ndarray:
    """Point colours: the components' colours mixed by the responsibilities (n, k)."""
    k = resp.shape[1]
    rgb = resp @ palette_rgba(k)[:, :3].astype(np.float64)
    out = np.empty((resp.shape[0], 4), dtype=np.uint8)
    out[:, :3] = np.clip(np.rint(rgb), 0, 255)
    out[:, 3] = 255
    return out


def bounds(xy: np.ndarray, pad: float = 0.08):
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    span = np.where(hi > lo, hi - lo, 1.0)
    return (lo[0] - pad * span[0], hi[0] + pad * span[0]), (lo[1] - pad * span[1],
                                                            hi[1] + pad * span[1])


def drawing(projection, weights, means, covs, resp, result=None) -> Drawing:
    """The mixture in the data's 2-D view (``covs`` full (k, d, d))."""
    m2 = projection.transform(means)
    if projection.method == "pca":
        W = projection.components
        c2 = np.einsum("ij,kjl,ml->kim", W, covs, W)
    elif projection.method == "pad":
        c2 = np.zeros((len(means), 2, 2))
        c2[:, 0, 0] = covs[:, 0, 0]
    else:
        c2 = covs
    regions = None
    if result is not None and projection.method == "identity":
        xr, yr = bounds(projection.coords)
        regions = gmm_regions(result, xr, yr, REGION_RESOLUTION)
    return Drawing(m2, tuple(ellipse(m, c, 1.0) for m, c in zip(m2, c2, strict=True)),
                   tuple(ellipse(m, c, 2.0) for m, c in zip(m2, c2, strict=True)),
                   np.asarray(weights, dtype=float), blend(resp), regions)


def fit(ctx, key, k, cov, n_init, random_state, percentile, progress=None) -> FitView:
    ds, projection = ctx.load_view(key)
    result = fit_gmm(ds.X, k, cov, n_init=n_init, random_state=random_state,
                     progress=progress)
    draw = drawing(projection, result.weights, result.means, result.full_covariances(),
                   result.probabilities, result)
    return FitView(ds, projection, (key, k, cov, n_init, random_state), result, draw,
                   anomalies(result, ds.X, percentile))


def threshold(view: FitView, percentile: float):
    return anomalies(view.result, view.dataset.X, percentile)


def proba(view: FitView, row: int) -> np.ndarray:
    return predict_proba(view.result, view.dataset.X[row:row + 1])[0]


def draw_samples(view: FitView, n: int, random_state: int) -> tuple[np.ndarray, np.ndarray]:
    pts, comps = sample(view.result, n, random_state=random_state)
    return view.projection.transform(pts), comps


def _step_view(stepper: EMStepper, projection) -> StepView:
    covs = full_covariances(stepper.covariances, stepper.covariance_type,
                            stepper.n_components, stepper.n_features)
    resp = stepper.e_responsibilities
    if resp is None:  # the initialisation: no E step yet
        resp = np.full((stepper.n_samples, stepper.n_components), 1.0 / stepper.n_components)
    draw = drawing(projection, stepper.weights, stepper.means, covs, resp)
    return StepView(stepper.iteration, stepper.phase, stepper.converged, stepper.lower_bounds,
                    stepper.log_likelihood, draw, stepper.weights)


def em_start(ctx, key, k, cov, random_state):
    """A new stepper at iteration 0, with its projection and first view."""
    ds, projection = ctx.load_view(key)
    stepper = EMStepper(ds.X, k, cov, random_state=random_state)
    return stepper, projection, _step_view(stepper, projection)


def em_move(stepper: EMStepper, projection, action: str) -> StepView:
    """``step`` or ``back`` one half-step (E or M), or ``reset`` the stepper (serial tasks:
    one at a time, in order)."""
    if action == "reset":
        stepper.reset()
    else:
        getattr(stepper, action)(half=True)
    return _step_view(stepper, projection)


def sweep(ctx, key, k_max, cov, n_init, random_state, progress=None) -> SweepView:
    ds, projection = ctx.load_view(key)
    ks = range(1, min(k_max, ds.X.shape[0]) + 1)
    result = sweep_components(ds.X, ks, cov, n_init=n_init, random_state=random_state,
                              progress=scaled(progress, 0.0, 0.95))
    draws = tuple(drawing(projection, f.weights, f.means, f.full_covariances(),
                          f.probabilities) for f in result.fits)
    return SweepView(ds, (key, k_max, cov, n_init, random_state), result, draws)


def bayes(ctx, key, prior_index, n_init, random_state, progress=None) -> BayesView:
    ds, projection = ctx.load_view(key)
    k = min(BAYES_COMPONENTS, ds.X.shape[0])
    result = fit_bayesian_gmm(ds.X, k, weight_concentration_prior=prior_value(prior_index),
                              n_init=n_init, max_iter=500, random_state=random_state,
                              progress=progress)
    resp = np.zeros((ds.X.shape[0], k))
    resp[np.arange(ds.X.shape[0]), result.labels] = 1.0
    draw = drawing(projection, result.weights, result.means, result.covariances, resp)
    return BayesView(ds, (key, prior_index, n_init, random_state), result, draw)
