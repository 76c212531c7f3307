"""The page's work: one-line calls into core.preprocessing, run by the TaskRunner."""

from __future__ import annotations

from core.preprocessing import fit_digits, prepare_digits, sweep_digits
from gui.tasks import estimate_cost

#: the digits: 1,347 training rows x 64 features
ROWS, FEATURES = 1347, 64
#: lbfgs passes over the distances, roughly (the exact pipeline needs ~1,000 iterations)
PASSES = 50


def prepare(progress=None):
    return prepare_digits(progress=progress)


def fit(data, k: int, standardize: bool):
    return fit_digits(data, k, standardize)


def sweep(data, ks: list[int], standardize: bool, on_fit, progress=None):
    return sweep_digits(data, ks, standardize, progress=progress, on_fit=on_fit)


def cost(ks: list[int] | int = 1) -> float:
    """rows x features x k x passes of fitting the pipeline for these ks."""
    total = sum(ks) if isinstance(ks, list) else int(ks)
    return estimate_cost(ROWS, FEATURES, total, PASSES)
