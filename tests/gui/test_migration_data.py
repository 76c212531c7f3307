"""A ClusterLab 0.1.0 user opens the Data page: it opens on the dataset they left."""

from __future__ import annotations

import json

from gui.settings import settings as app_settings
from tests.gui.drivers import DataDriver


def test_a_010_user_opens_the_data_page_on_the_moons(v010_user, window, open_page, qtbot):
    data = DataDriver.open(open_page, qtbot)
    assert data.dataset_key() == "moons"  # 0.1.0's data/last_dataset
    assert data.dataset_shown().key == "moons"
    assert data.points_shown() == 1000
    assert "Rows: 1,000" in data.summary_text()
    # saving again: the new layout, read back by the next window
    data.set_dataset("iris")
    doc = json.loads(app_settings().value("pages/data"))
    assert doc == {"version": 2, "values": {"last_dataset": "iris"}}



def test_the_new_dataset_is_the_one_the_next_window_opens_on(v010_user, window, open_page,
                                                             qtbot):
    DataDriver.open(open_page, qtbot).set_dataset("iris")
    window.close()
    from gui.app import MainWindow

    second = MainWindow()
    qtbot.addWidget(second)
    assert DataDriver(second.page("data"), qtbot).dataset_key() == "iris"
    second.close()
