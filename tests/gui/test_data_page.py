"""The Data page's new behaviour: big tables are drawn from work done off the GUI thread,
and its "Show code" runs as printed."""

from __future__ import annotations

import numpy as np
import pytest

from gui.pages.data.snippets import data_code
from tests.gui.drivers import DataDriver


def test_a_million_points_are_drawn_as_one_image(window, open_page, qtbot, tmp_path):
    data = DataDriver.open(open_page, qtbot)
    rng = np.random.default_rng(0)
    xy = rng.normal(size=(1_000_000, 2))
    path = tmp_path / "million.npy"
    np.save(path, xy)
    data.open_file(path, timeout=120_000)
    assert data.points_shown() == 1_000_000
    assert data.is_raster()
    np.testing.assert_array_equal(data.coordinates_shown(), xy)
    assert data.distinct_colours() == 1  # unlabelled: one grey
    assert "Rows: 1,000,000" in data.summary_text()
    data.wait_idle()  # the image of the points is made by a task
    assert data.raster_pixels_drawn() > 10_000
    # recolouring and coming back reuse what was loaded: still a million points, drawn
    data.set_colour_by_labels(False)
    data.set_dataset("blobs")
    assert data.points_shown() == 2000 and not data.is_raster()
    data.set_dataset(data.dataset_key_of("million.npy"))
    data.wait_idle()
    assert data.points_shown() == 1_000_000 and data.raster_pixels_drawn() > 10_000


def test_the_snippet_runs_as_printed(window, open_page, qtbot, monkeypatch):
    """The blobs' and the iris' (PCA) "Show code", executed with a stand-in for pyplot."""
    data = DataDriver.open(open_page, qtbot)
    x, y, kw = data.run_code(monkeypatch)
    np.testing.assert_array_equal(np.c_[x, y], data.coordinates_shown())
    np.testing.assert_array_equal(kw["c"], data.dataset_shown().y)

    data.set_dataset("iris")
    x, y, kw = data.run_code(monkeypatch)
    np.testing.assert_allclose(np.abs(np.c_[x, y]), np.abs(data.coordinates_shown()),
                               atol=1e-9)


def test_the_snippet_without_labels_has_no_colours():
    code = data_code("X = [[0, 1], [2, 3]]\n", "raw", labelled=False)
    assert "c=y" not in code and "plt.scatter(X[:, 0], X[:, 1], s=1)" in code



@pytest.fixture
def gone_recent_file(tmp_path):
    """A recent file (File ▸ Open, last session) that was deleted since."""
    from gui.settings import settings as app_settings

    store = app_settings()
    store.setValue("data/recent_files", [str(tmp_path / "gone.csv")])
    store.sync()
    return "gone.csv"


def test_a_dataset_that_cannot_be_read_leaves_the_one_shown(gone_recent_file, window, open_page,
                                                             qtbot):
    data = DataDriver.open(open_page, qtbot)
    data.set_dataset(data.dataset_key_of(gone_recent_file), wait=False)
    qtbot.waitUntil(lambda: window.message_bar.isVisible() and window.message_bar.level == "error",
                    timeout=10_000)
    data.wait_idle()
    assert "gone.csv" in window.message_bar.text()
    assert data.dataset_key() == "blobs"  # the picker is back on what is drawn
    assert data.points_shown() == 2000 and "Rows: 2,000" in data.summary_text()
    from gui.settings import settings as app_settings

    assert '"last_dataset": "blobs"' in app_settings().value("pages/data")  # saved as shown
