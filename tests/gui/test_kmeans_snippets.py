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


def test_state_json_keeps_the_parameters_and_the_hand_made_work():
    import json

    from gui.pages.kmeans.state import KMeansState

    state, _, _ = _state()
    state.placed = {"blobs": [[-3.0, 3.0], [0.0, 2.0]]}
    state.x_new = {"blobs": [[0.0, 2.0]], "moons": []}
    again = KMeansState.from_json(json.loads(json.dumps(state.to_json())))
    assert again.placed == state.placed and again.x_new == state.x_new
    assert again.params.settings() == state.params.settings()
    np.testing.assert_array_equal(again.x_new_for("blobs", 2), [[0.0, 2.0]])
    assert again.x_new_for("moons", 2).shape == (0, 2)


def test_the_snippet_of_a_full_data_pass_names_the_backend():
    from dataclasses import replace

    from gui.pages.kmeans import snippets
    from gui.pages.kmeans.state import FullInfo

    state, result, stepper = _state(step_back=1)
    info = FullInfo(path="/data/big.npy", n_rows=20_000, init=np.array(stepper.init_centers),
                    max_iter=300, random_state=42)
    full = replace(state.frame, full=info)
    state.frame = full
    code = snippets.fit_code(state)
    assert "fit_kmeans_streaming(path, 5, init=init, max_iter=" in code and "client" not in code
    # the initial centroids are printed exactly (the passes reproduce the page to 1e-9)
    assert repr(float(stepper.init_centers[0, 0])) in code
    state.frame = replace(full, full=replace(info, mode="local", workers=3,
                                             where="a local cluster of 3 workers"))
    code = snippets.fit_code(state)
    assert 'client = connect("local", n_workers=3)' in code and "client=client)" in code
    compile(code, "snippet", "exec")
    state.frame = replace(full, full=replace(info, mode="remote", address="tcp://10.0.0.5:8786"))
    code = snippets.fit_code(state)
    assert "client = Client('tcp://10.0.0.5:8786')" in code
    compile(code, "snippet", "exec")
