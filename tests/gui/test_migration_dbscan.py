"""A ClusterLab 0.1.0 user opens the DBSCAN page: their settings and per-dataset work are
migrated (QSettings keys -> declared settings; eps, instances and max distance per dataset,
0.1.0's JSON inside QSettings -> dbscan-datasets.json), and saving again works."""

from __future__ import annotations

import json

import pytest

from tests.gui.drivers import DBSCANDriver

#: What the 0.1.0 fixture holds for DBSCAN (tests/fixtures/v0_1_0/README.md)
V010_INSTANCES = [(-0.5, 0.0), (0.0, 0.5), (1.0, -0.1), (2.0, 1.0), (-0.5, 0.0), (1.9, 0.4)]


def test_a_010_user_keeps_their_dbscan_work(v010_user, window, open_page, qtbot):
    ini, data = v010_user
    d = DBSCANDriver.open(open_page, qtbot)
    d.wait_idle(lambda: d.prediction() is not None)
    assert d.dataset() == "moons"
    assert d.eps() == pytest.approx(0.2)
    assert d.clustering().eps == pytest.approx(0.2)
    assert d.min_samples() == 6 and d.clustering().min_samples == 6
    assert d.n_neighbors() == 50
    assert d.max_distance() == pytest.approx(0.25)
    assert d.prediction().max_distance == pytest.approx(0.25)
    # the six instances: listed, drawn and classified
    assert d.instances() == pytest.approx(V010_INSTANCES)
    assert [r[1] for r in d.instance_rows()] == ["(-0.5, 0)", "(0, 0.5)", "(1, -0.1)", "(2, 1)",
                                                 "(-0.5, 0)", "(1.9, 0.4)"]
    assert d.prediction().labels.size == 6
    assert "DBSCAN(eps=0.20, min_samples=6)" in d.code()
    # the per-dataset work now lives in the data folder
    doc = json.loads((data / "dbscan-datasets.json").read_text())
    assert doc["version"] == 2
    moons = doc["datasets"]["moons"]
    assert moons["eps"] == pytest.approx(0.2) and moons["max_distance"] == pytest.approx(0.25)
    assert [tuple(p) for p in moons["instances"]] == pytest.approx(V010_INSTANCES)

    # saving again works: change things, reopen, they are back
    d.set_min_samples(7)
    d.set_eps("0.3")
    d.add_instance(0.5, 0.25)
    d.wait_idle(lambda: d.clustering().eps == pytest.approx(0.3)
                and d.clustering().min_samples == 7 and d.prediction() is not None
                and d.prediction().labels.size == 7)
    window.close()

    again, d2 = DBSCANDriver.open_in_new_window(qtbot)
    assert d2.dataset() == "moons"
    assert d2.eps() == pytest.approx(0.3) and d2.clustering().eps == pytest.approx(0.3)
    assert d2.min_samples() == 7
    assert d2.max_distance() == pytest.approx(0.25)
    assert len(d2.instances()) == 7
    again.close()
    settings = ini.read_text()
    assert "pages" in settings and "dbscan" in settings


@pytest.fixture
def damaged_v010_user(v010_user):
    """0.1.0's settings with its eps_by_dataset JSON damaged (before the window reads them)."""
    ini, data = v010_user
    text = ini.read_text()
    assert 'eps_by_dataset={\\"moons\\": 0.2}' in text
    ini.write_text(text.replace('eps_by_dataset={\\"moons\\": 0.2}', "eps_by_dataset={oops"))
    return ini, data


def test_a_damaged_010_value_does_not_stop_the_page(damaged_v010_user, window, open_page,
                                                    qtbot):
    d = DBSCANDriver.open(open_page, qtbot)
    d.wait_idle()
    assert d.dataset() == "moons"
    assert d.eps() == pytest.approx(0.05)  # the chapter's, the damaged value is skipped
    assert len(d.instances()) == 6 and d.max_distance() == pytest.approx(0.25)
    assert d.min_samples() == 6
