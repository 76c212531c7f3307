"""The Choosing k page's Qt-free parts: its state, the "Diagrams for k" text, its snippet."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.cluster import KMeans

from core.datasets import load_builtin
from core.errors import DataError
from core.projection import project_2d
from core.selection import study_k
from gui.pages.choose_k import snippets
from gui.pages.choose_k.settings import ChooseKSettings
from gui.pages.choose_k.state import (
    ChooseKResult,
    ChooseKState,
    export_table,
    parse_ks,
    scatter_note,
    selection_facts,
)


@pytest.fixture(scope="module")
def result():
    ds = load_builtin("blobs")
    projection = project_2d(ds.X)
    study = study_k(ds.X, range(1, 10), projection=projection, random_state=42,
                    sample_limit=10_000)
    return ChooseKResult(ds, projection, study, ())


def test_parse_ks():
    assert parse_ks("3, 4, 5 6") == [3, 4, 5, 6]
    assert parse_ks("2;2, 7") == [2, 7]
    for bad, sentence in (("", "Type the values"), ("3, four", "'four' is not a whole number"),
                          ("1, 2", "at least 2 clusters"), ("2 3 4 5 6 7 8 9 10", "at most 8")):
        with pytest.raises(DataError, match=sentence):
            parse_ks(bad)


def test_state_round_trips_and_selects(result):
    state = ChooseKState(k_min=2, k_max=7, sample=False, diagram_ks=[2, 5])
    assert state.ks() == [2, 3, 4, 5, 6, 7] and state.sample_limit() is None
    again = ChooseKState.from_json(state.to_json())
    assert again.to_json() == state.to_json()
    assert ChooseKState(k_min=5, k_max=6).range_problem().startswith("The sweep needs")

    assert state.accept(result) == 4  # the elbow
    assert not state.select(4) and not state.select(12) and state.select(6)
    assert state.accept(result) == 6  # same dataset: the selection stays
    assert state.accept(result, pending_k=3) == 3
    facts = selection_facts(state)
    assert facts["k"] == 3 and sum(facts["sizes"]) == 2000
    assert state.shown_settings() == {"dataset": "blobs", "k_min": 1, "k_max": 9,
                                      "random_state": 42}
    header, rows = export_table(state)
    assert [r[0] for r in rows if r[7] == 1] == [3]
    assert scatter_note(state) == ""  # 2 000 points: no sample, and 2-D: regions


def test_the_default_snippet_runs_and_gives_the_shown_numbers(result):
    state = ChooseKState()
    state.accept(result)
    code = snippets.code(state)
    assert "Diagrams for k: 3, 4, 5, 6" in code and "cluster sizes k=4" in code
    namespace: dict = {}
    exec(compile(code.split("import matplotlib")[0], "<show code>", "exec"), namespace)
    np.testing.assert_allclose(namespace["inertias"], result.sweep.inertias, rtol=1e-10)
    X = load_builtin("blobs").X
    assert namespace["kmeans_per_k"][4].inertia_ == pytest.approx(
        KMeans(4, random_state=42).fit(X).inertia_)
    assert snippets.code(ChooseKState()) == ""


def test_settings_migrate_0_1_0_values():
    values = ChooseKSettings.migrate({"k_max": "7", "diagram_ks": ["2", " 3", "5"]}, 1)
    settings = ChooseKSettings.from_values(values)
    assert settings.k_max == 7 and settings.diagram_ks == "2, 3, 5"
