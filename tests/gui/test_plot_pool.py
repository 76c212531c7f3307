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
