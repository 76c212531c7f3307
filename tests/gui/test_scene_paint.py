"""Plots repaint with the rest of their window: one paint of the window per turn, however many
plots changed in it."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QHBoxLayout, QWidget

from gui.pages import page_names
from gui.widgets.scatter import ScatterView, make_plot
from gui.widgets.scene_paint import paints_with_window
from tests.gui.drivers import PageDriver


class _Recorder(QObject):
    """Records the window's update requests and the paints of the plots' viewports, in order,
    a list per pass of the event loop (:meth:`next_pass` starts the next one)."""

    def __init__(self, window: QWidget, viewports: dict[QWidget, str]):
        super().__init__()
        self.passes: list[list[str]] = [[]]
        self.viewports = viewports
        window.installEventFilter(self)
        for viewport in viewports:
            viewport.installEventFilter(self)

    def eventFilter(self, obj, event):  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.UpdateRequest and obj not in self.viewports:
            self.passes[-1].append("window update")
        elif event.type() == QEvent.Type.Paint and obj in self.viewports:
            self.passes[-1].append(f"paint {self.viewports[obj]}")
        return False

    def next_pass(self) -> None:
        if self.passes[-1]:
            self.passes.append([])

    def events(self) -> list[str]:
        return [e for p in self.passes for e in p]


def test_two_plots_changed_in_one_turn_are_painted_in_one_paint_of_the_window(qtbot):
    window = QWidget()
    qtbot.addWidget(window)
    layout = QHBoxLayout(window)
    scatter, curve = ScatterView(), make_plot("a curve")
    layout.addWidget(scatter)
    layout.addWidget(curve)
    window.resize(700, 320)
    window.show()
    qtbot.waitExposed(window)
    qtbot.wait(100)  # the first paints
    recorder = _Recorder(window, {scatter.viewport(): "scatter", curve.viewport(): "curve"})
    rng = np.random.default_rng(0)

    def change_both() -> None:  # one turn of the event loop changes both plots
        scatter.set_points(rng.normal(size=(200, 2)))
        curve.plotItem.plot([0, 1, 2, 3], [3, 1, 2, 0])

    turns = QTimer()  # marks each turn of the event loop
    turns.timeout.connect(recorder.next_pass)
    turns.start(0)
    QTimer.singleShot(0, change_both)
    qtbot.waitUntil(lambda: {"paint scatter", "paint curve"} <= set(recorder.events()))
    qtbot.wait(50)
    turns.stop()
    passes = [p for p in recorder.passes if p]
    first = passes[0]
    # (Qt's own way: each scene's changes were processed in a call of their own that painted
    # the window at once: "window update", "paint scatter", "window update", "paint curve")
    assert first.count("window update") == 1, passes
    assert sorted(first[1:]) == ["paint curve", "paint scatter"], passes
    assert all(p.count("window update") <= 1 for p in passes), passes


def test_every_plot_of_every_page_repaints_with_its_window(window, qtbot):
    views = set()
    for name in page_names():
        driver = PageDriver(window.show_page(name), qtbot)
        for title in driver.tab_titles() or [None]:
            if title is not None:
                driver.show_tab(title)  # (a tab's plots are made when it is first shown)
            tab = driver.page.current_tab() if hasattr(driver.page, "current_tab") else None
            pending = getattr(tab, "pending", None)  # (views made one a turn: all of them)
            qtbot.waitUntil(lambda p=pending: p is None or not p(), timeout=10_000)
            qtbot.wait(20)
            for view in driver.page.findChildren(pg.GraphicsView):
                assert paints_with_window(view.scene()), f"{name}: {type(view).__name__}"
                views.add(view)
        window.tasks.cancel()
    assert len(views) >= 20  # (the pages' plots were there to be looked at)
    qtbot.waitUntil(lambda: not window.tasks.busy, timeout=120_000)
