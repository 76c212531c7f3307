"""A ClusterLab 0.1.0 user opens the K-Means page: their settings and session come back."""

from __future__ import annotations

import json

import numpy as np
from PySide6.QtCore import QSettings

from tests.conftest import V010
from tests.gui.drivers import KMeansDriver


def test_v010_kmeans_settings_and_session_are_migrated(v010_user, window, open_page, qtbot):
    ini, data = v010_user
    session = json.loads((V010 / "data" / "kmeans-session.json").read_text())
    placed = np.array(session["placed"]["blobs"])
    x_new = np.array(session["x_new"]["blobs"])
    assert placed.shape == (4, 2) and x_new.shape == (6, 2)

    km = KMeansDriver.open(open_page, qtbot)
    km.wait_idle()
    # the settings 0.1.0 wrote, one key per control, are what the controls show
    shown = km.params_shown()
    assert shown["dataset"] == "blobs" and shown["k"] == 4 and shown["init"] == "k-means++"
    assert shown["n_init"] == 0 and shown["n_init_text"] == "auto"
    assert shown["algorithm"] == "elkan" and shown["max_iter"] == 150
    assert shown["random_state"] == 7
    assert 'algorithm="elkan", max_iter=150, random_state=7' in window.code_panel.code()

    # the six new instances of the soft-clustering table
    header, rows = km.soft_table()
    assert header == ["#", "instance", "0", "1", "2", "3", "cluster"]
    assert len(rows) == 6
    assert [r[1] for r in rows] == ["(" + ", ".join(f"{v:.2f}" for v in p) + ")" for p in x_new]
    np.testing.assert_allclose(km.new_instances(), x_new)

    # the four hand-placed centroids: handles where they were, the model starts from them
    km.set_init("hand")
    np.testing.assert_allclose(km.handle_positions(), placed, atol=1e-9)
    np.testing.assert_allclose(km.initial_centers(), placed)
    assert km.iteration() == 0

    # saving again works: the new formats are written, and read back
    km.drag_centroid(0, -1.0, 2.5)
    moved = km.handle_positions()
    km.set_k(4)
    km.wait_saved()
    store = json.loads((data / "kmeans-datasets.json").read_text())
    assert store["version"] == 2
    np.testing.assert_allclose(store["datasets"]["blobs"]["placed"], moved)
    np.testing.assert_allclose(store["datasets"]["blobs"]["x_new"], x_new)
    np.testing.assert_allclose(km.saved_placed("blobs"), moved)
    settings = QSettings(str(ini), QSettings.Format.IniFormat)
    doc = json.loads(settings.value("pages/kmeans"))
    assert doc["version"] == 2
    assert doc["values"] == {"dataset": "blobs", "k": 4, "init": "hand", "n_init": 0,
                             "algorithm": "elkan", "max_iter": 150, "random_state": 7}
