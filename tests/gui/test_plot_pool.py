"""Plots made ahead of time: a page's plots come from a stock the window keeps filled."""

from __future__ import annotations


def test_plots_come_from_the_stock_which_is_refilled_while_idle(window, qtbot):
    from gui.widgets import plot_pool
    from gui.widgets.scatter import ScatterView, make_plot

    qtbot.waitUntil(lambda: plot_pool.in_stock() == plot_pool.STOCK, timeout=20_000)
    ready = list(plot_pool._stock)
    view = ScatterView()
    plot = make_plot("Inertia", "k", "inertia")
    qtbot.addWidget(view)
    qtbot.addWidget(plot)
    assert view.plotItem in ready and plot.plotItem in ready
    assert plot_pool.in_stock() == plot_pool.STOCK - 2
    assert plot.plotItem.titleLabel.text == "Inertia"
    assert plot.plotItem.getAxis("bottom").labelText == "k"
    qtbot.waitUntil(lambda: plot_pool.in_stock() == plot_pool.STOCK, timeout=20_000)
    assert not set(map(id, plot_pool._stock)) & {id(view.plotItem), id(plot.plotItem)}


def test_without_a_window_plots_are_made_on_the_spot(qtbot):
    from gui.app import create_app
    from gui.widgets import plot_pool
    from gui.widgets.scatter import ScatterView

    create_app()
    plot_pool.keep_filled(False)
    view = ScatterView()
    qtbot.addWidget(view)
    assert view.plotItem is not None and plot_pool.in_stock() == 0
    qtbot.wait(3 * plot_pool.INTERVAL_MS)
    assert plot_pool.in_stock() == 0  # nothing fills it


def test_a_plot_with_a_view_box_of_its_own_is_kept_ready_too(window, qtbot):
    from gui.widgets import plot_pool
    from gui.widgets.kdistance_plot import EpsViewBox, KDistancePlot

    qtbot.waitUntil(lambda: bool(plot_pool._kinds.get(EpsViewBox)), timeout=20_000)
    ready = plot_pool._kinds[EpsViewBox][0]
    plot = KDistancePlot()
    qtbot.addWidget(plot)
    assert plot.plotItem is ready and isinstance(plot.plotItem.vb, EpsViewBox)
    assert plot.plotItem.vb.owner is plot  # its drags and clicks set the plot's eps
    qtbot.waitUntil(lambda: bool(plot_pool._kinds.get(EpsViewBox)), timeout=20_000)
    assert plot_pool._kinds[EpsViewBox][0] is not ready


def test_a_registered_view_box_gets_a_plot_kept_ready(window, qtbot, monkeypatch):
    import threading

    import pyqtgraph as pg

    from gui.widgets import plot_pool

    monkeypatch.setattr(plot_pool, "_registered", plot_pool.registered_kinds())

    class MarkerViewBox(pg.ViewBox):
        made = 0

        def __init__(self):
            super().__init__()
            MarkerViewBox.made += 1

    # the stock and every kind registered so far: nothing left to make
    qtbot.waitUntil(plot_pool.filled, timeout=20_000)
    assert plot_pool.in_stock() == plot_pool.STOCK
    # registered from another thread, as a module imported ahead of time by the window's
    # prefetch does: the pool, idle and full, makes a plot for it on the GUI thread
    worker = threading.Thread(target=plot_pool.register_kind, args=(MarkerViewBox,))
    worker.start()
    worker.join()
    assert MarkerViewBox in plot_pool.registered_kinds() and not plot_pool.filled()
    qtbot.waitUntil(lambda: MarkerViewBox.made == 1, timeout=20_000)
    plot_pool.register_kind(MarkerViewBox)  # again: still one kind
    assert plot_pool.registered_kinds().count(MarkerViewBox) == 1
    item = plot_pool.plot_item(MarkerViewBox)
    assert isinstance(item.vb, MarkerViewBox)
    assert MarkerViewBox.made == 1  # the plot kept ready, not one made on the spot


def test_a_plots_context_menu_is_made_when_first_asked_for_and_is_pyqtgraphs(window, qtbot):
    import pyqtgraph as pg
    from pyqtgraph.graphicsItems.ViewBox.ViewBoxMenu import ViewBoxMenu

    from gui.widgets.plot_pool import LazyMenuViewBox
    from gui.widgets.scatter import ScatterView

    view = ScatterView()
    qtbot.addWidget(view)
    vb = view.plotItem.vb
    assert isinstance(vb, LazyMenuViewBox) and vb.menuEnabled()
    assert vb.menu is None  # not made with the plot
    menu = vb.getMenu(None)
    assert isinstance(menu, ViewBoxMenu) and vb.menu is menu
    texts = [a.text() for a in menu.actions()]
    plain = pg.ViewBox()  # pyqtgraph's own, its menu made with it
    assert "View All" in texts and texts == [a.text() for a in plain.menu.actions()]
    assert vb.getMenu(None) is menu  # made once
    assert [a.text() for a in vb.getContextMenus(None)] == texts
    # what "View All" does still works on the lazily made menu
    vb.setRange(xRange=(100, 101), yRange=(100, 101), padding=0)
    view.plotItem.plot([0, 1], [0, 1])
    menu.viewAll.trigger()
    (x0, x1), _ = vb.viewRange()
    assert x0 <= 0 and x1 >= 1
    # disabled, there is no menu, as with pyqtgraph's own view box
    vb.setMenuEnabled(False)
    assert vb.menu is None and vb.getMenu(None) is None and vb.getContextMenus(None) == []
    vb.setMenuEnabled(True)
    assert isinstance(vb.getMenu(None), ViewBoxMenu)


def test_axes_are_painted_again_only_when_they_change(qtbot):
    """A plot's axes (numbers, grid) come from pixmaps Qt keeps: recolouring the points
    paints no axis, a new range paints them, and the pixels are those of a plot that paints
    its axes every time."""
    import numpy as np

    from gui.app import create_app
    from gui.widgets import plot_pool
    from gui.widgets.scatter import ScatterView, make_plot

    create_app()
    xy = np.random.default_rng(0).normal(size=(500, 2))
    views = []
    for cached in (True, False):
        view = ScatterView(title="Clusters")
        qtbot.addWidget(view)
        view.plotItem.setLabels(bottom="x1", left="x2")
        plot_pool.cached_axes(view.plotItem, on=cached)
        view.resize(420, 320)
        view.show()
        qtbot.waitExposed(view)
        view.set_points(xy, labels=np.arange(500) % 3)
        view.grab()
        views.append(view)
    cached_view, plain = views
    axis = cached_view.plotItem.getAxis("left")
    assert axis.cacheMode() == plot_pool.DEVICE_CACHE
    integer = make_plot("Inertia", "k", "inertia", integer_x=True)
    qtbot.addWidget(integer)
    assert integer.plotItem.getAxis("bottom").cacheMode() == plot_pool.DEVICE_CACHE
    assert cached_view.grab().toImage() == plain.grab().toImage()

    def painted(view, change) -> set[str]:
        """The axes ``view`` paints as it is drawn again after ``change``: an axis remakes
        its picture (dropped here, unknown to Qt) only when its paint is called."""
        axes = {name: view.plotItem.getAxis(name) for name in ("left", "bottom")}
        for a in axes.values():
            a.picture = None
        change()
        view.grab()
        return {name for name, a in axes.items() if a.picture is not None}

    # the points change colour, not the axes: the cached ones are not painted again
    assert painted(cached_view, lambda: cached_view.set_labels(np.arange(500) % 2)) == set()
    assert painted(plain, lambda: plain.set_labels(np.arange(500) % 2)) == {"left", "bottom"}
    # new numbers on the x axis: it is painted again
    assert "bottom" in painted(cached_view,
                               lambda: cached_view.plotItem.vb.setXRange(-10, 10, padding=0))
    plain.plotItem.vb.setXRange(-10, 10, padding=0)
    assert cached_view.grab().toImage() == plain.grab().toImage()


def test_an_axis_title_is_set_again_only_when_its_text_changes(qtbot):
    from gui.app import create_app
    from gui.widgets import plot_pool
    from gui.widgets.scatter import make_plot

    create_app()
    plot_pool.keep_filled(False)
    widget = make_plot(None, "width", "height")
    qtbot.addWidget(widget)
    item, axis = widget.plotItem, widget.plotItem.getAxis("bottom")
    set_html = axis.label.setHtml
    texts: list[str] = []

    def counting(html):  # (pyqtgraph calls it from Python: the instance's attribute is used)
        texts.append(html)
        set_html(html)
    axis.label.setHtml = counting
    for x1 in (2.0, 5.0, 9.0, 40.0):  # new ranges, the same title: not set again
        item.setXRange(0.0, x1, padding=0)
    assert texts == [] and axis.range == [0.0, 40.0]
    assert "width" in axis.label.toHtml() and "(x" not in axis.label.toHtml()
    item.setLabel("bottom", "length")  # a new title is set
    assert len(texts) == 1 and "length" in axis.label.toHtml()
    item.setXRange(0.0, 4e-4, padding=0)  # pyqtgraph's SI prefix: the title says the scale
    assert len(texts) == 2 and "length (x1e-06)" in axis.label.toPlainText()
    item.setXRange(0.0, 3.0, padding=0)
    assert len(texts) == 3 and axis.label.toPlainText().strip() == "length"
