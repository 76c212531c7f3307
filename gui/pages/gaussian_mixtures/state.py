"""The Gaussian mixtures page's state, Qt-free: its parameters and its last frozen results.

Every result is computed by a job (``jobs.py``) with everything a tab draws: points in the
data's 2-D view, the blended colours of the responsibilities, the ellipses, the density
grid. A tab only draws.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from core.datasets import Dataset
from core.mixture import (
    AnomalyResult,
    BayesianGMMResult,
    ComponentSweep,
    GMMRegions,
    GMMResult,
)
from core.projection import Projection

COVARIANCE_TYPES = ("full", "tied", "diag", "spherical")
REGION_RESOLUTION = 300
MAX_K = 20
#: the concentration-prior slider: 10 ** (PRIOR_MIN_EXP + i / PRIOR_STEPS), 0.01 to 10 000
PRIOR_MIN_EXP = -2
PRIOR_MAX_EXP = 4
PRIOR_STEPS = 10
BAYES_COMPONENTS = 10


def prior_value(index: int) -> float:
    """The weight_concentration_prior of slider position ``index``."""
    return float(10.0 ** (PRIOR_MIN_EXP + index / PRIOR_STEPS))


def prior_index(value: float) -> int:
    return int(round((math.log10(value) - PRIOR_MIN_EXP) * PRIOR_STEPS))


@dataclass(frozen=True)
class Drawing:
    """A mixture as drawn in the 2-D view: per component its mean, its 1σ and 2σ ellipses
    (closed polylines) and its weight; the point colours (responsibilities blended)."""

    means: np.ndarray
    ellipses_1: tuple[np.ndarray, ...]
    ellipses_2: tuple[np.ndarray, ...]
    weights: np.ndarray
    colors: np.ndarray
    regions: GMMRegions | None = None


@dataclass(frozen=True, eq=False)
class FitView:
    """The density tab's result: the fit, its drawing and its anomalies."""

    dataset: Dataset
    projection: Projection
    params: tuple
    result: GMMResult
    drawing: Drawing
    anomalies: AnomalyResult


@dataclass(frozen=True, eq=False)
class StepView:
    """One half-step of EM as drawn: ``phase`` "E" (the colours are the new
    responsibilities, the ellipses those of ``iteration``) or "M" (the ellipses moved, the
    colours are the responsibilities they were computed from; none before the first E step:
    every point equally likely)."""

    iteration: int
    phase: str
    converged: bool
    lower_bounds: np.ndarray
    log_likelihood: float
    drawing: Drawing
    weights: np.ndarray


@dataclass(frozen=True, eq=False)
class SweepView:
    dataset: Dataset
    params: tuple
    sweep: ComponentSweep
    drawings: tuple[Drawing, ...]


@dataclass(frozen=True, eq=False)
class BayesView:
    dataset: Dataset
    params: tuple
    result: BayesianGMMResult
    drawing: Drawing


@dataclass
class GMParams:
    """The page's parameters (also its settings' fields)."""

    dataset: str = "mixture"
    n_components: int = 3
    covariance_type: str = "full"
    n_init: int = 10
    random_state: int = 42
    percentile: int = 20  # tenths of a percent: 2.0 %
    sample_n: int = 200
    k_max: int = 10
    prior: int = 10  # slider position: 10 is 0.1, scikit-learn's default 1/n_components


@dataclass
class GMState(GMParams):
    """Parameters and last results; ``selected`` is the clicked point (row), ``selected_k``
    the k clicked on the BIC/AIC curves, ``samples`` the points drawn by Sample."""

    fit: FitView | None = None
    step: StepView | None = None
    sweep: SweepView | None = None
    bayes: BayesView | None = None
    selected: int | None = None
    selected_proba: np.ndarray | None = None
    selected_k: int | None = None
    samples: np.ndarray | None = None
    playing: bool = False
    sample_labels: np.ndarray | None = field(default=None, repr=False)

    def fit_params(self) -> tuple:
        return (self.dataset, self.n_components, self.covariance_type, self.n_init,
                self.random_state)

    def em_params(self) -> tuple:
        return (self.dataset, self.n_components, self.covariance_type, self.random_state)

    def sweep_params(self) -> tuple:
        return (self.dataset, self.k_max, self.covariance_type, self.n_init, self.random_state)

    def bayes_params(self) -> tuple:
        return (self.dataset, self.prior, self.n_init, self.random_state)

    @property
    def percentile_value(self) -> float:
        return self.percentile / 10.0

    def accept_fit(self, view: FitView) -> None:
        self.fit = view
        self.selected = None
        self.selected_proba = None
        self.samples = None

    def shown_settings(self) -> dict:
        if self.fit is None:
            return {}
        ds, k, cov, n_init, rs = self.fit.params
        return {"dataset": ds, "n_components": k, "covariance_type": cov, "n_init": n_init,
                "random_state": rs}


def proba_text(proba: np.ndarray | None, row: int | None) -> str:
    """The clicked point's predict_proba row as a sentence."""
    if proba is None or row is None:
        return "Click a point to see its probabilities (predict_proba)."
    parts = ", ".join(f"{p:.3f}" for p in proba)
    return f"Point {row}: predict_proba = [{parts}] → component {int(np.argmax(proba))}."


def anomaly_text(view: FitView) -> str:
    a = view.anomalies
    return (f"Density threshold at the {a.percentile:g} % percentile: log density "
            f"{a.threshold:.3f}; {a.count} anomalies.")


def fit_text(view: FitView) -> str:
    r = view.result
    w = " / ".join(f"{v:.2f}" for v in r.weights)
    conv = f"converged in {r.n_iter} iterations" if r.converged else \
        f"did NOT converge in {r.n_iter} iterations"
    return (f"weights {w}; BIC {r.bic:.1f}, AIC {r.aic:.1f}; {conv} "
            f"(lower bound {r.lower_bound:.4f}).")
