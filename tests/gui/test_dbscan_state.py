"""The DBSCAN page's state and "Show code" without Qt: the snippet of the default state runs
and reproduces the clustering and the predictions; the state round-trips through JSON."""

from __future__ import annotations

import subprocess
import sys
import types

import numpy as np
import pytest
from sklearn.cluster import DBSCAN

from core.datasets import load_builtin
from core.density import knn_classify, neighbor_index, run_dbscan
from core.projection import project_2d
from gui.pages.dbscan import snippets
from gui.pages.dbscan.state import CHAPTER_X_NEW, DBSCANState


def stub_pyplot(monkeypatch) -> list[str]:
    """A stand-in for matplotlib.pyplot's plotting calls (the snippet runs without a
    display); returns the list of the calls made."""
    plotted: list[str] = []
    pyplot = types.ModuleType("matplotlib.pyplot")
    for name in ("scatter", "title", "show"):
        setattr(pyplot, name, lambda *a, _n=name, **k: plotted.append(_n))
    mpl = types.ModuleType("matplotlib")
    mpl.pyplot = pyplot
    monkeypatch.setitem(sys.modules, "matplotlib", mpl)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", pyplot)
    return plotted


def chapter_state() -> DBSCANState:
    ds = load_builtin("moons")
    proj = project_2d(ds.X, ds.feature_names)
    state = DBSCANState()
    state.set_data(ds, proj, neighbor_index(ds.X, proj.coords), None)
    state.result = run_dbscan(ds.X, state.eps, state.min_samples)
    state.prediction = knn_classify(ds.X, state.result, state.lifted_instances(),
                                    state.n_neighbors, state.max_distance)
    return state


def test_the_state_and_its_snippet_import_no_qt():
    code = ("import sys, gui.pages.dbscan.state, gui.pages.dbscan.snippets; "
            "print('PySide6' in sys.modules or 'pyqtgraph' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


def test_the_default_states_snippet_runs(monkeypatch):
    state = chapter_state()
    assert state.eps == 0.05 and state.max_distance == 0.2
    assert state.instances == CHAPTER_X_NEW and not state.eps_from_curve
    plotted = stub_pyplot(monkeypatch)
    code = snippets.code(state)
    assert "DBSCAN(eps=0.05, min_samples=5)" in code
    namespace: dict = {}
    exec(compile(code, "<show code>", "exec"), namespace)
    np.testing.assert_array_equal(namespace["dbscan"].labels_,
                                  DBSCAN(eps=0.05, min_samples=5).fit(state.dataset.X).labels_)
    assert namespace["y_pred"].tolist() == state.prediction.labels.tolist() == [-1, 0, 3, -1]
    assert len(namespace["k_distances"]) == 1000
    assert plotted.count("scatter") == 3 and plotted[-1] == "show"


def test_titles_and_eps_as_the_chapter_prints_them():
    assert snippets.fmt_eps(0.05) == "0.05" and snippets.fmt_eps(0.2) == "0.20"
    assert snippets.fmt_eps(0.0534) == "0.0534" and snippets.fmt_eps(1.5) == "1.50"
    state = chapter_state()
    assert snippets.title(state.result) == "eps=0.05, min_samples=5: 7 clusters, 77 anomalies"
    assert [snippets.ordinal(k) for k in (1, 2, 3, 4, 11, 21)] == \
        ["1st", "2nd", "3rd", "4th", "11th", "21st"]


def test_the_state_round_trips_through_json():
    state = DBSCANState(eps=0.13, min_samples=7, n_neighbors=9, max_distance=0.3,
                        instances=[(1.0, 2.0)], show_regions=True, eps_a=0.1, eps_b=0.4)
    again = DBSCANState.from_json(state.to_json())
    assert again.to_json() == state.to_json()
    assert again.instances == [(1.0, 2.0)] and again.eps == 0.13


def test_other_data_waits_for_the_curve_and_keeps_what_was_stored():
    ds = load_builtin("iris")
    proj = project_2d(ds.X, ds.feature_names)
    state = DBSCANState()
    state.set_data(ds, proj, neighbor_index(ds.X, proj.coords), None)
    assert state.eps_from_curve and state.instances == [] and not state.planar
    from core.density import k_distances

    kd = k_distances(ds.X, 4)
    state.use_curve(kd, None)
    assert state.eps == pytest.approx(kd.knee) and state.max_distance == pytest.approx(kd.knee)
    # a stored eps is used as it is; the lifted instances live in the data's 4-D space
    state.set_data(ds, proj, state.index, {"eps": 0.4, "instances": [[0.0, 0.0]]})
    assert not state.eps_from_curve and state.eps == 0.4 and state.max_distance == 0.4
    np.testing.assert_allclose(state.lifted_instances(), proj.inverse_transform([[0.0, 0.0]]))
