"""The K-Means page's work: one-line calls into core, run by the task runner."""

from __future__ import annotations

import numpy as np

from core.kmeans import (
    LloydStepper,
    decision_regions,
    distances_to_centers,
    fit_kmeans,
    inertia_histogram,
    init_variability,
    soft_assignment,
)
from core.progress import scaled
from gui.pages.kmeans.state import ELONGATED_GOOD_INIT, FitParams, Frame
from gui.tasks import estimate_cost
from gui.widgets.palette import colors_for_labels


def frame(stepper: LloydStepper, X: np.ndarray, projection) -> Frame:
    """What the views draw of the stepper now (its colours and 2-D centres included)."""
    hist = stepper.history
    trail = projection.transform(hist.centers.reshape(-1, hist.centers.shape[-1]))
    return Frame(stepper.iteration, stepper.centers, stepper.labels, stepper.inertia,
                 stepper.converged, stepper.n_iter, stepper.n_changed, hist.centers,
                 hist.inertia, colors_for_labels(stepper.labels, stepper.n_clusters),
                 projection.transform(stepper.centers),
                 trail.reshape(hist.centers.shape[0], -1, 2),
                 distances_to_centers(X, stepper.centers, stepper.labels))


def load(ctx, key: str):
    return ctx.load_view(key)


def fit(ctx, p: FitParams, progress=None):
    """Fit like KMeans, keeping the winning run's history: a stepper stands at its end."""
    ds, proj = ctx.load_view(p.key)
    init, n_init = (p.placed, 1) if p.init == "hand" else (p.init, p.n_init)
    result = fit_kmeans(ds.X, p.k, init=init, n_init=n_init, algorithm=p.algorithm,
                        max_iter=p.max_iter, random_state=p.random_state, history=True,
                        progress=progress)
    stepper = LloydStepper.from_result(ds.X, result)
    return p, ds, proj, result, stepper, frame(stepper, ds.X, proj)


def init(ctx, p: FitParams):
    """A stepper at iteration 0 from hand-placed centroids (no fit yet)."""
    ds, proj = ctx.load_view(p.key)
    stepper = LloydStepper(ds.X, p.k, init=p.placed)
    return p, ds, proj, None, stepper, frame(stepper, ds.X, proj)


def step(stepper: LloydStepper, X: np.ndarray, projection, action: str) -> Frame:
    """``step``, ``back``, ``reset`` or ``to:<t>``, then the frame to draw."""
    if action == "step":
        stepper.step()
    elif action == "back":
        stepper.back()
    elif action == "reset":
        stepper.reset()
    elif action.startswith("to:"):
        stepper.run_to(int(action[3:]))
    return frame(stepper, X, projection)


def iterations(X: np.ndarray, k: int, init: np.ndarray, steps: int = 3) -> np.ndarray:
    """Centres of iterations 0..steps from this init (the chapter's Figure 9-4)."""
    return fit_kmeans(X, k, init=init, n_init=1, max_iter=steps, history=True).history


def compare(X: np.ndarray, k: int, spec1: tuple, spec2: tuple, progress=None):
    return tuple(fit_kmeans(X, k, init=init, n_init=n_init, random_state=seed,
                            progress=scaled(progress, i / 2, (i + 1) / 2))
                 for i, (init, seed, n_init) in enumerate((spec1, spec2)))


def variability(X: np.ndarray, k: int, n_runs: int, seed: int, progress=None):
    """(random, k-means++) runs, and the histogram of their inertias (edges, counts)."""
    rnd = init_variability(X, k, "random", n_runs, seed, progress=scaled(progress, 0, 0.5))
    pp = init_variability(X, k, "k-means++", n_runs, seed, progress=scaled(progress, 0.5, 1))
    return (rnd, pp), inertia_histogram(rnd.inertias, pp.inertias)


def limits(ctx, progress=None):
    ds = ctx.load_dataset("elongated")
    return (ds, fit_kmeans(ds.X, 3, init=ELONGATED_GOOD_INIT, n_init=1, random_state=42,
                           progress=scaled(progress, 0.0, 0.5)),
            fit_kmeans(ds.X, 3, random_state=42, progress=scaled(progress, 0.5, 1.0)))


def regions(request):
    """The decision regions a view asked for (a :class:`RegionRequest`)."""
    r = decision_regions(request.centers, request.x_range, request.y_range, request.resolution)
    return r.labels, r.x_range, r.y_range


def soft(centers: np.ndarray, points: np.ndarray):
    return soft_assignment(centers, points)


def distances(X, centers, labels) -> np.ndarray:
    return distances_to_centers(X, centers, labels)


# -- costs (rows x features x k x passes) ---------------------------------------------------------
def regions_cost(request) -> float:
    nx, ny = request.resolution
    return estimate_cost(nx * ny, 2, len(request.centers))
