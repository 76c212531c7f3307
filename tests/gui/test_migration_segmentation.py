"""A ClusterLab 0.1.0 user opens the segmentation page: their k (5) is kept."""

from __future__ import annotations

import json

import numpy as np

from core.images import sample_image
from core.segmentation import segment_image
from tests.gui.drivers import SegmentationDriver


def test_v010_k_is_shown_and_used_then_saved_in_the_new_format(v010_user, window, open_page,
                                                                qtbot):
    ini, _data = v010_user
    assert "[segmentation]\nk=5" in ini.read_text()
    seg = SegmentationDriver.open(open_page, qtbot)
    # the slider and the spin box say 5, and the picture has 5 colours
    assert seg.k_shown() == (5, 5)
    seg.wait_result(k=5)
    shown = seg.result()
    assert shown.k == 5 and shown.seed == 42 and shown.key == "sample:china"
    assert len(np.unique(seg.segmented_image().reshape(-1, 3), axis=0)) == 5
    np.testing.assert_array_equal(seg.segmented_image(),
                                  segment_image(sample_image("china"), 5).image)
    assert len(seg.palette_shown()) == 5
    # what 0.1.0 did not write has the chapter's defaults
    assert seg.seed() == 42 and seg.mode() == "side" and seg.split() == 500
    saved = seg.saved_settings()
    assert (saved.k, saved.seed, saved.image, saved.mode) == (5, 42, "sample:china", "side")

    # saving again works: the new layout is written, and read back
    seg.set_k(6)
    seg.set_seed(3)
    seg.set_mode("overlay")
    store = window.ctx.settings
    store.sync()
    doc = json.loads(store.value("pages/segmentation"))
    assert doc["version"] == 2
    assert doc["values"]["k"] == 6 and doc["values"]["seed"] == 3
    assert doc["values"]["mode"] == "overlay"
    saved = seg.saved_settings()
    assert (saved.k, saved.seed, saved.mode) == (6, 3, "overlay")


def test_v010_settings_migrate_without_qt():
    from gui.pages.segmentation.settings import SegmentationSettings

    values = SegmentationSettings.migrate({"k": "5"}, 1)
    s = SegmentationSettings.from_values(values)
    assert (s.k, s.seed, s.image, s.mode, s.split) == (5, 42, "sample:china", "side", 500)
    # a k out of range or unreadable never stops the page
    assert SegmentationSettings.from_values(SegmentationSettings.migrate({"k": "99"}, 1)).k == 64
    assert SegmentationSettings.from_values(SegmentationSettings.migrate({"k": "x"}, 1)).k == 8
    assert SegmentationSettings.from_values({"mode": "sideways", "split": 5000}).mode == "side"
