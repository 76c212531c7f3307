"""A ClusterLab 0.1.0 user opens Choosing k: their settings are shown and the sweep uses them."""

from __future__ import annotations

import json

import numpy as np
from PySide6.QtCore import QSettings

from tests.gui.drivers import ChooseKDriver


def test_0_1_0_settings_are_migrated_and_saved_again(v010_user, window, open_page, qtbot):
    ini, _data = v010_user
    ck = ChooseKDriver.open(open_page, qtbot)
    # what 0.1.0 wrote: blobs, k from 1 to 7, random_state 3, no sample, more scores, 2, 3, 5
    assert ck.dataset() == "blobs"
    assert ck.k_range() == (1, 7)
    assert ck.seed() == 3
    assert ck.sample() == (False, 10_000)
    assert ck.more_scores()
    assert ck.diagram_ks_text() == "2, 3, 5"
    # ... and what the page shows comes from them
    np.testing.assert_array_equal(ck.curve_data("inertia")[0], np.arange(1, 8))
    assert ck.curve_visible("calinski_harabasz") and ck.curve_visible("davies_bouldin")
    assert ck.diagram_ks_shown() == [2, 3, 5]
    sweep = ck.sweep()
    assert sweep.random_state == 3 and sweep.sample_size is None

    # Saving again writes the declared, versioned settings, which a new page reads back.
    ck.set_k_range(None, 8)
    window.settings.sync()
    stored = json.loads(QSettings(str(ini), QSettings.Format.IniFormat).value("pages/choose_k"))
    assert stored["version"] == 2
    assert stored["values"]["k_max"] == 8 and stored["values"]["random_state"] == 3
    assert stored["values"]["diagram_ks"] == "2, 3, 5"
    assert ck.reopened_controls() == {
        "dataset": "blobs", "k_min": 1, "k_max": 8, "random_state": 3, "sample": False,
        "sample_size": 10_000, "more_scores": True, "diagram_ks": "2, 3, 5"}
