"""A ClusterLab 0.1.0 user opens Digits: labelling: their five hand labels (tiles 0..4 = 4, 8,
0, 6, 1) and their percentile (30), which 0.1.0 kept in digits-labels.json, are all there,
then saved in today's format; 0.1.0's files are kept as a copy."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from gui.settings import settings as app_settings
from tests.gui.drivers import DigitsLabellingDriver

V010_DATA = Path(__file__).parents[1] / "fixtures" / "v0_1_0" / "data"


def open_window(qtbot) -> tuple:
    from gui.app import MainWindow

    win = MainWindow()
    qtbot.addWidget(win)
    win.resize(1320, 820)
    win.show()
    page = win.show_page("digits-labelling")
    page.ensure_started()
    with qtbot.waitSignal(page.result_drawn, timeout=120_000):
        pass
    d = DigitsLabellingDriver(page, qtbot)
    d.wait_idle()
    return win, d


def test_a_010_user_keeps_their_labels_and_percentile(v010_user, qtbot):
    from gui.app import create_app

    _ini, data = v010_user
    create_app()
    first, d = open_window(qtbot)
    # what the page shows: the five labels, the percentile
    assert d.gallery_labels()[:5].tolist() == [4, 8, 0, 6, 1]
    assert (d.gallery_labels()[5:] == -1).all()
    assert d.counter() == "5 of 50 labelled"
    assert d.percentile() == 30
    assert d.percentile_text() == "keep the 30 % closest"
    assert d.bar_names()[3] == "partial 30%"
    assert d.view() == "representatives"

    # saved in today's format at once (on the writer thread); 0.1.0's two files kept, byte
    # for byte
    d.wait_saved()
    meta = json.loads((data / "digits-labels.json").read_text())
    assert meta["version"] == 2 and "percentile" not in meta
    np.testing.assert_array_equal(np.load(data / "digits-labels.npz")["hand"], d.hand_labels())
    for suffix in (".json", ".npz"):
        assert (data / f"digits-labels-0.1.0{suffix}").read_bytes() == \
            (V010_DATA / f"digits-labels{suffix}").read_bytes()
    doc = json.loads(app_settings().value("pages/digits_labelling"))
    assert doc["version"] == 2 and doc["values"]["percentile"] == 30

    # labelling goes on, and is saved again
    d.label(5, 2)
    assert d.counter() == "6 of 50 labelled"
    d.wait_saved()
    hand = np.load(data / "digits-labels.npz")["hand"]
    assert hand[d.representatives()[:6]].tolist() == [4, 8, 0, 6, 1, 2]
    first.close()

    # a restart: everything is read from the new files and settings
    second, d2 = open_window(qtbot)
    assert d2.gallery_labels()[:6].tolist() == [4, 8, 0, 6, 1, 2]
    assert d2.percentile() == 30
    assert (data / "digits-labels-0.1.0.json").read_bytes() == \
        (V010_DATA / "digits-labels.json").read_bytes()
    second.close()
