"""The shared scatter view: bounds, and big clouds rasterised off the GUI thread."""

from __future__ import annotations

import numpy as np
import pytest


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


def test_points_rasterised_in_blocks_are_drawn_in_order(monkeypatch):
    from gui.widgets import canvases, scatter

    # 3 x 3 pixels over [0, 3): points 0 and 3 fall in one pixel, the later one on top;
    # point 2 is off the canvas, point 4 is NaN
    x = np.array([0.5, 1.5, 7.0, 0.6, np.nan, 2.5])
    y = np.array([0.5, 0.5, 0.5, 0.4, 1.0, 2.5])
    monkeypatch.setattr(canvases, "RASTER_BLOCK", 2)
    img = scatter.rasterize_indices(x, y, (0, 3), (0, 3), 3, 3, radius=0)
    np.testing.assert_array_equal(img, [[3, 1, -1], [-1, -1, -1], [-1, -1, 5]])
    # blocks or one call: the same canvas, discs included
    rng = np.random.default_rng(3)
    xy = rng.normal(size=(5_000, 2))
    blocks = scatter.rasterize_indices(xy[:, 0], xy[:, 1], (-2, 2), (-2, 2), 60, 40, radius=2)
    monkeypatch.setattr(canvases, "RASTER_BLOCK", 10_000)
    one = scatter.rasterize_indices(xy[:, 0], xy[:, 1], (-2, 2), (-2, 2), 60, 40, radius=2)
    np.testing.assert_array_equal(blocks, one)
    assert (blocks >= 0).mean() > 0.3


def test_a_canvas_no_longer_wanted_stops_half_made_and_is_not_kept(monkeypatch):
    from core.errors import Cancelled
    from gui.widgets import canvases, scatter

    monkeypatch.setattr(canvases, "RASTER_BLOCK", 1_000)
    xy = np.random.default_rng(4).normal(size=(10_000, 2))
    request = scatter.RasterRequest(xy, (-2.0, 2.0), (-2.0, 2.0), 50, 40, 1)
    reported = []

    def progress(fraction):  # a task's: cancelled once the first block is drawn
        reported.append(fraction)
        if len(reported) > 1:
            raise Cancelled()

    with pytest.raises(Cancelled):
        request.rasterize(progress)
    assert reported == [0.0, 0.1]  # stopped after one block of ten
    # the next view that wants it gets the whole canvas, not the half-made one
    whole = request.rasterize()
    expected = scatter.rasterize_indices(xy[:, 0], xy[:, 1], (-2, 2), (-2, 2), 50, 40, 1)
    np.testing.assert_array_equal(whole, expected)
    assert (whole >= 0).mean() > 0.3


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


def test_views_asking_for_the_same_canvas_share_one_made_once():
    import threading
    import time

    from gui.widgets import canvases
    from gui.widgets.scatter import RasterRequest, rasterize_indices

    canvases.forget()
    xy = np.random.default_rng(0).normal(size=(5_000, 2))
    made = []
    started, release = threading.Event(), threading.Event()

    def make():  # slow, so a second asker comes while it is made
        made.append(1)
        started.set()
        release.wait(5.0)
        return rasterize_indices(xy[:, 0], xy[:, 1], (-3, 3), (-3, 3), 40, 30, 1)

    request = RasterRequest(xy, (-3.0, 3.0), (-3.0, 3.0), 40, 30, 1)
    got = []
    first = threading.Thread(target=lambda: got.append(canvases.shared_canvas(xy, request.key,
                                                                              make)))
    first.start()
    assert started.wait(5.0)
    second = threading.Thread(target=lambda: got.append(canvases.shared_canvas(xy, request.key,
                                                                               make)))
    second.start()
    time.sleep(0.05)  # (it waits for the canvas being made)
    release.set()
    first.join(5.0)
    second.join(5.0)
    assert len(made) == 1 and len(got) == 2 and got[0] is got[1]  # made once, waited for
    assert not got[0].flags.writeable
    np.testing.assert_array_equal(request.rasterize(), got[0])  # what rasterize() makes
    assert request.rasterize() is got[0]  # kept
    # other points under the same key (ids of freed arrays recur) get a canvas of their own
    other = xy + 1.0
    assert canvases.shared_canvas(other, request.key, lambda: np.zeros((30, 40), np.int64)) \
        is not got[0]
    # another view size is another canvas
    smaller = RasterRequest(xy, (-3.0, 3.0), (-3.0, 3.0), 20, 15, 1)
    assert smaller.rasterize().shape == (15, 20)
    canvases.forget()


def test_titles_set_again_leave_the_plot_alone(qtbot):
    """A page draws each result with its axes' titles and its title: set again unchanged,
    pyqtgraph laid the plot out and painted it again (twice in the turn of K-Means' first
    result). Changed, or cut to a narrower view, they are set as before."""
    from PySide6.QtCore import QEvent, QObject

    from gui.widgets.scatter import ScatterView

    class Count(QObject):
        n = 0

        def eventFilter(self, obj, event):  # noqa: N802 - Qt's name
            if event.type() in (QEvent.Type.LayoutRequest, QEvent.Type.Paint):
                self.n += 1
            return False

    view = ScatterView()
    qtbot.addWidget(view)
    view.resize(400, 300)
    view.show()
    qtbot.waitExposed(view)
    view.set_points(np.random.default_rng(1).normal(size=(200, 2)))
    view.set_axis_titles("x1", "x2")
    view.set_title("a dataset")
    qtbot.wait(100)
    count = Count()
    view.plotItem.installEventFilter(count)
    view.viewport().installEventFilter(count)
    view.set_axis_titles("x1", "x2")
    view.set_title("a dataset")
    qtbot.wait(100)
    assert count.n == 0
    view.set_axis_titles("x1", "petal width")
    view.set_title("another dataset")
    qtbot.waitUntil(lambda: count.n > 0, timeout=5000)
    axes = view.plotItem.getAxis("bottom"), view.plotItem.getAxis("left")
    assert [a.labelText for a in axes] == ["x1", "petal width"]
    assert view.title() == "another dataset" == view.plotItem.titleLabel.text
    long = "a dataset whose name is much longer than the view is wide, " * 3
    view.set_title(long)
    assert view.plotItem.titleLabel.text.endswith("…") and view.title() == long
    view.plotItem.setTitle("set on the plot item")  # (as some tabs do)
    view.set_title(long)
    assert view.plotItem.titleLabel.text.endswith("…") and view.title() == long
    view.resize(800, 300)  # wider: the title is fitted again
    qtbot.waitUntil(lambda: len(view.plotItem.titleLabel.text) > 80, timeout=5000)
    assert view.title() == long
