"""A ClusterLab 0.1.0 user opens Digits: preprocessing (0.1.0 saved nothing for it)."""

from __future__ import annotations

import json

from gui.settings import settings as app_settings
from tests.gui.drivers import DigitsPreprocessingDriver


def test_a_010_user_gets_the_defaults_and_their_changes_are_saved(v010_user, qtbot):
    from gui.app import MainWindow, create_app

    create_app()
    first = MainWindow()
    qtbot.addWidget(first)
    d = DigitsPreprocessingDriver(first.page("digits-preprocessing"), qtbot)
    assert (d.k(), d.standardize(), d.sweep_range()) == (50, False, (10, 150, 10))
    d.set_k(88)
    first.close()
    doc = json.loads(app_settings().value("pages/digits_preprocessing"))
    assert doc["version"] == 2 and doc["values"]["k"] == 88
    # the other pages' 0.1.0 keys are left alone
    assert app_settings().value("data/last_dataset") == "moons"
    second = MainWindow()
    qtbot.addWidget(second)
    assert DigitsPreprocessingDriver(second.page("digits-preprocessing"), qtbot).k() == 88
    second.close()
