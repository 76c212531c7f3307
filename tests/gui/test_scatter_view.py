"""The shared scatter view: bounds, and big clouds rasterised off the GUI thread."""

from __future__ import annotations

import numpy as np


def test_bounds_skip_nan_and_inf_and_are_remembered():
    from gui.widgets.scatter import data_bounds

    xy = np.array([[0.0, 1.0], [np.nan, 5.0], [2.0, -np.inf], [-1.0, 3.0]])
    assert data_bounds(xy) == ((-1.0, 1.0), (0.0, 3.0))  # rows with NaN or inf left out
    big = np.random.default_rng(0).normal(size=(10_000, 2))
    first = data_bounds(big)
    assert first == ((big[:, 0].min(), big[:, 1].min()), (big[:, 0].max(), big[:, 1].max()))
    assert data_bounds(big) is first  # the same array: remembered, not computed again
    assert data_bounds(big.copy()) == first and data_bounds(big.copy()) is not first
    assert data_bounds(np.empty((0, 2))) is None
    assert data_bounds(np.full((3, 2), np.nan)) is None


def test_a_big_cloud_is_rasterised_by_a_task_and_drawn_when_it_comes(window, qtbot):
    from gui.widgets.scatter import ASYNC_RASTER_POINTS, ScatterView, rasterize_indices

    view = ScatterView()
    qtbot.addWidget(view)
    view.resize(400, 300)
    view.show()
    qtbot.waitExposed(view)
    xy = np.random.default_rng(1).normal(size=(ASYNC_RASTER_POINTS + 10, 2))
    labels = (xy[:, 0] > 0).astype(np.int64)
    view.set_points(xy, labels=labels, size=3)
    assert view.raster_pending  # asked for, not computed on the GUI thread
    qtbot.waitUntil(lambda: not view.raster_pending and not window.tasks.busy, timeout=20_000)
    image = view.raster_image()
    assert image is not None and image.shape[2] == 4
    (x0, x1), (y0, y1), w, h = view._canvas_geometry()
    expected = rasterize_indices(xy[:, 0], xy[:, 1], (x0, x1), (y0, y1), w, h, radius=1)
    assert image.shape[:2] == expected.shape
    np.testing.assert_array_equal(image[..., 3] > 0, expected >= 0)
    # recolouring the same points reuses the canvas: nothing is asked for
    view.set_labels(1 - labels)
    assert not view.raster_pending
    assert not np.array_equal(view.raster_image(), image)


def test_small_clouds_stay_on_the_gui_thread(window, qtbot):
    from gui.widgets.scatter import ScatterView

    view = ScatterView()
    qtbot.addWidget(view)
    view.resize(300, 200)
    view.show()
    xy = np.random.default_rng(2).normal(size=(20_000, 2))
    view.set_points(xy, size=3)
    assert not view.raster_pending and view.raster_image() is not None


def test_a_long_title_is_cut_and_never_widens_the_plot_beyond_its_view(qtbot):
    from gui.app import create_app
    from gui.widgets.scatter import ScatterView

    create_app()
    view = ScatterView()
    qtbot.addWidget(view)
    view.resize(170, 400)
    view.show()
    qtbot.waitExposed(view)
    view.set_title("Blobs (the chapter's 2 000 points) · 2,000 points × 2 features")
    assert view.plotItem.geometry().width() <= view.width()
    assert view.plotItem.titleLabel.text.endswith("…")
    assert "2,000 points" in view.plotItem.titleLabel.toolTip()
    view.set_title("k=4")
    assert view.plotItem.titleLabel.text == "k=4"
    assert view.plotItem.geometry().width() == view.width()
    view.set_title("A rather long title for a narrow scatter view")
    assert view.plotItem.titleLabel.text.endswith("…")
    view.resize(700, 400)
    assert view.plotItem.titleLabel.text == "A rather long title for a narrow scatter view"


def test_recolouring_many_times_keeps_one_symbol_per_colour_drawn(qtbot):
    """A long session recolours its views thousands of times: what the view keeps for
    drawing stays the size of what it shows (pyqtgraph's symbol atlas of each scatter item
    kept every colour it ever drew)."""
    from gui.app import create_app
    from gui.widgets.scatter import ScatterView

    create_app()
    view = ScatterView()
    qtbot.addWidget(view)
    xy = np.random.default_rng(0).normal(size=(300, 2))
    labels = np.arange(300) % 3
    view.set_points(xy, colors=np.zeros((300, 4), np.uint8) + 100)
    rng = np.random.default_rng(1)
    for _ in range(60):  # 60 recolourings, three colours each time, 180 colours in all
        table = rng.integers(0, 256, size=(3, 4), dtype=np.uint8)
        table[:, 3] = 255
        view.set_colors(table[labels])
    visible = [item for item in view.scatter_items() if item.isVisible()]
    assert len(visible) == 3
    assert all(len(item.fragmentAtlas) <= 1 for item in view.scatter_items())
    # and it draws what it was given: each item has its points, in its colour
    assert sorted(len(item.data) for item in visible) == [100, 100, 100]
