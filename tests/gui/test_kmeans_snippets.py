"""The K-Means page's "Show code", from its Qt-free state: the snippets run as printed."""

from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np
import pytest

from core.datasets import load_builtin
from core.kmeans import LloydStepper, fit_kmeans
from core.projection import project_2d


def _state(init="k-means++", n_init="auto", step_back=0):
    from gui.pages.kmeans.state import FitParams, Frame, KMeansState

    ds = load_builtin("blobs")
    p = FitParams("blobs", 5, init, n_init, "lloyd", 300, 42)
    result = fit_kmeans(ds.X, 5, init=init, n_init=n_init, random_state=42, history=True)
    stepper = LloydStepper.from_result(ds.X, result)
    for _ in range(step_back):
        stepper.back()
    frame = Frame(stepper.iteration, stepper.centers, stepper.labels, stepper.inertia,
                  stepper.converged, stepper.n_iter, stepper.n_changed, None, None, None,
                  None, None, None)
    return KMeansState(params=p, dataset=ds, projection=project_2d(ds.X), result=result,
                       stepper=stepper, frame=frame), result, stepper


def test_snippets_import_no_qt():
    code = ("import sys; import gui.pages.kmeans.snippets, gui.pages.kmeans.state; "
            "assert not any(m.startswith('PySide6') for m in sys.modules), 'Qt imported'")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=".")


def test_default_state_snippet_runs_and_gives_the_fit():
    from gui.pages.kmeans import snippets

    state, result, _ = _state()
    code = snippets.fit_code(state)
    ns: dict = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(code, ns)
    assert ns["kmeans"].inertia_ == pytest.approx(result.inertia, rel=1e-12)
    np.testing.assert_allclose(ns["kmeans"].transform(ns["X_new"]).round(2),
                               np.linalg.norm(ns["X_new"][:, None] - result.centers, axis=2)
                               .round(2))


def test_snippet_of_an_earlier_iteration_reproduces_it():
    from gui.pages.kmeans import snippets

    state, result, stepper = _state(init="random", n_init=3, step_back=2)
    code = snippets.iterations_code(state)
    assert "won = np.array" in code and "for max_iter in (1, 2, 3)" in code
    ns: dict = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(code, ns)
    assert ns["kmeans"].inertia_ == pytest.approx(result.inertia, rel=1e-12)
    assert f"max_iter={stepper.iteration}" in code
