"""Driving the DBSCAN page as a person does: type eps, press the spin box arrows, drag the
eps line, hover points, click new instances, compare two values of eps.

Only ``qtbot.waitUntil``, ``waitSignal``, ``mouseClick``, ``mousePress``, ``mouseMove``,
``mouseRelease`` and ``keyClick`` are used (drags and hovers send pyqtgraph the mouse events
it needs directly), so the responsiveness benchmark can drive the page with a small
stand-in for qtbot.
"""

from __future__ import annotations

import re
import time

import numpy as np
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from tests.gui.drivers import PAINT_PASS_MS, TIMEOUT_MS, PageDriver

#: pyqtgraph drops mouse moves that come faster than its rate limit: pause between them.
MOVE_PAUSE_MS = 40
#: How long an action waits for its result (a big table's clustering takes a while).
ACTION_TIMEOUT_MS = 600_000


class DBSCANDriver(PageDriver):
    page_name = "dbscan"

    @classmethod
    def open_in_new_window(cls, qtbot):
        """Open the page in a new main window (as after a restart) and wait for its
        clustering; returns (window, driver). Close the window at the end."""
        from gui.app import MainWindow

        window = MainWindow()
        qtbot.addWidget(window)
        window.show()
        page = window.show_page(cls.page_name)
        page.ensure_started()
        driver = cls(page, qtbot)
        driver.wait_idle(lambda: driver.clustering() is not None)
        return window, driver

    # -- widgets (the driver's business, not the tests') ------------------------------------------
    @property
    def _panel(self):
        return self.page.panel

    @property
    def _explore(self):
        return self.page.explore

    @property
    def _compare(self):
        return self.page.compare

    @property
    def _state(self):
        return self.page.state

    def _pause(self, ms: int = MOVE_PAUSE_MS) -> None:
        start = time.monotonic()
        self.qtbot.waitUntil(lambda: time.monotonic() - start >= ms / 1000, timeout=ms + 5000)

    def _type_into(self, spin, text: str) -> None:
        """Select all, type the text, press Enter: like a person."""
        spin.setFocus()
        spin.selectAll()
        for char in text:
            self.qtbot.keyClick(spin, char)
        self.qtbot.keyClick(spin, Qt.Key.Key_Return)

    def _send_mouse(self, widget, kind, pos: QPoint, buttons=Qt.MouseButton.NoButton,
                    button=Qt.MouseButton.NoButton) -> None:
        event = QMouseEvent(kind, QPointF(pos), QPointF(widget.mapToGlobal(pos)), button,
                            buttons, Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(widget, event)

    # -- waiting -------------------------------------------------------------------------------------
    def wait_idle(self, condition=lambda: True, timeout: int = TIMEOUT_MS) -> None:
        """Wait until the debounced changes started, no task runs and ``condition()`` holds."""
        self.qtbot.waitUntil(lambda: not self.page.pending() and not self.tasks.busy
                             and condition(), timeout=timeout)
        self.qtbot.wait(PAINT_PASS_MS)  # (what was drawn painted, as before a person's click)

    def _done(self, wait: bool, condition=lambda: True) -> None:
        """An action's end: unless ``wait`` is False, wait for its result on screen."""
        if wait:
            self.wait_idle(condition, timeout=ACTION_TIMEOUT_MS)

    def _drawn(self) -> bool:
        """Whether the clustering of the current parameters' dataset is the one drawn."""
        result = self._state.result
        return result is not None and self.clustering() is result

    def _eps_drawn(self) -> bool:
        return self._drawn() and abs(self.clustering().eps - self.eps()) <= 1e-9 * max(
            1.0, self.eps())

    def _predicted(self) -> bool:
        pred, n = self._state.prediction, len(self._state.instances)
        return n == 0 or (pred is not None and pred.labels.size == n)

    # -- dataset -------------------------------------------------------------------------------------
    def set_dataset(self, key: str, wait: bool = True) -> None:
        """Pick a dataset; waits until its clustering and k-distance curve are shown (unless
        ``wait`` is False)."""
        self._panel.picker.set_current_key(key)
        self._done(wait, lambda: self.dataset() == key and self._drawn())

    def plot_widget(self):
        """The clustering's plot with its legend below it (a QWidget: its size, its events)."""
        return self._explore.plot

    def scatter_widget(self):
        """The clustering's scatter itself, above its note (a QWidget: its size, its events)."""
        return self._explore.view

    def dataset(self) -> str | None:
        """The key of the dataset whose points are shown."""
        ds = self._state.dataset
        return ds.key if ds is not None else None

    def view_range(self) -> tuple[tuple[float, float], tuple[float, float]]:
        """The visible ((x0, x1), (y0, y1)) of the clustering's plot."""
        (x0, x1), (y0, y1) = self._explore.view.plotItem.vb.viewRange()
        return (x0, x1), (y0, y1)

    def view_coords(self) -> np.ndarray:
        """The (n, 2) positions of the dataset's points in the plot (PCA for > 2 features)."""
        return self._state.projection.coords

    # -- eps and min_samples ---------------------------------------------------------------------
    def set_eps(self, value: float | str, wait: bool = True) -> None:
        """Type eps into its spin box and press Enter; waits for the new clustering (unless
        ``wait`` is False)."""
        self._type_into(self._panel.eps_spin, str(value))
        self._done(wait, self._eps_drawn)

    def step_eps(self, n_steps: int = 1, wait: bool = True) -> None:
        """Press the eps spin box's up arrow key ``n_steps`` times (down when negative);
        waits for the new clustering (unless ``wait`` is False)."""
        key = Qt.Key.Key_Up if n_steps >= 0 else Qt.Key.Key_Down
        self._panel.eps_spin.setFocus()
        for _ in range(abs(n_steps)):
            self.qtbot.keyClick(self._panel.eps_spin, key)
        self._done(wait, self._eps_drawn)

    def eps(self) -> float:
        """The eps the spin box shows."""
        return self._panel.eps_spin.value()

    def set_min_samples(self, n: int, wait: bool = True) -> None:
        """Type min_samples; waits for the new clustering and k-distance curve."""
        self._type_into(self._panel.min_samples_spin, str(int(n)))
        def shown() -> bool:
            kd = self.kdist()
            return (self._drawn() and self.clustering().min_samples == n
                    and (n < 2 or (kd is not None and kd.k == n - 1)))

        self._done(wait, shown)

    def min_samples(self) -> int:
        return self._panel.min_samples_spin.value()

    def use_suggested_eps(self, wait: bool = True) -> None:
        self.qtbot.mouseClick(self._panel.suggest_button, Qt.MouseButton.LeftButton)
        self._done(wait, self._eps_drawn)

    # -- the k-distance curve --------------------------------------------------------------------
    def kdist_k(self) -> int | None:
        """The k of the k-distance curve shown (from its axis title "k-distance")."""
        m = re.match(r"(\d+)-distance", self._explore.kplot.plotItem.getAxis("left").labelText)
        return int(m.group(1)) if m else None

    def kdist_curve(self) -> np.ndarray:
        """The y values of the k-distance curve drawn."""
        _, y = self._explore.kcurve.getData()
        return np.asarray(y) if y is not None else np.empty(0)

    def knee_shown(self) -> float:
        """The height of the knee marker (the suggested eps)."""
        return float(self._explore.knee_marker.data["y"][0])

    def eps_line(self) -> float:
        """Where the horizontal eps line of the curve is."""
        return float(self._explore.eps_line.value())

    def kdist_y_range(self) -> tuple[float, float]:
        return tuple(self._explore.kplot.plotItem.vb.viewRange()[1])

    def pick_eps_on_curve(self, eps: float, steps: int = 5, wait: bool = True) -> None:
        """Drag the eps line of the k-distance curve from where it is to ``eps``; waits for
        the new clustering (unless ``wait`` is False)."""
        self._drag_kplot(0.75, self.eps_line(), eps, steps, wait)

    def drag_on_kdist_plot(self, y_from: float, y_to: float, x_fraction: float = 0.4,
                           steps: int = 4, wait: bool = True) -> None:
        """Press on the k-distance plot at height ``y_from`` (away from the eps line), drag
        to ``y_to`` and release, with real mouse events; waits for the new clustering."""
        self._drag_kplot(x_fraction, y_from, y_to, steps, wait)

    def _drag_kplot(self, x_fraction: float, y_from: float, y_to: float, steps: int,
                    wait: bool) -> None:
        """Press at (x_fraction of the width, y_from), move to y_to in ``steps``, release."""
        kplot = self._explore.kplot
        (x0, x1), _ = kplot.plotItem.vb.viewRange()
        x = x0 + x_fraction * (x1 - x0)
        start, end = self.view_point(kplot, x, y_from), self.view_point(kplot, x, y_to)
        vp = kplot.viewport()
        self._send_mouse(vp, QEvent.Type.MouseMove, start)
        self._pause()
        self._send_mouse(vp, QEvent.Type.MouseButtonPress, start, Qt.MouseButton.LeftButton,
                         Qt.MouseButton.LeftButton)
        for t in np.linspace(0, 1, steps + 1)[1:]:
            self._pause()
            p = QPoint(start.x(), int(round(start.y() + t * (end.y() - start.y()))))
            self._send_mouse(vp, QEvent.Type.MouseMove, p, Qt.MouseButton.LeftButton)
        self._send_mouse(vp, QEvent.Type.MouseButtonRelease, end, Qt.MouseButton.NoButton,
                         Qt.MouseButton.LeftButton)
        self._done(wait, self._eps_drawn)

    def click_kdist_curve(self, index: int, wait: bool = True) -> None:
        """Click the k-distance curve at the ``index``-th point (sorted); waits for the
        clustering of the eps it sets."""
        kd = self.kdist()
        kplot = self._explore.kplot
        self._pause()
        self.click_view(kplot, float(index), float(kd.distances[index]))
        self._done(wait, self._eps_drawn)

    def release_eps_line_at(self, eps: float, wait: bool = True) -> None:
        """What a drag of the line does at its end, without the mouse: the line moved to
        ``eps`` and its drag finished (pyqtgraph's sigPositionChangeFinished)."""
        line = self._explore.eps_line
        line.setValue(eps)
        line.sigPositionChangeFinished.emit(line)
        self._done(wait, self._eps_drawn)

    def kdist_x_range(self) -> tuple[float, float]:
        return tuple(self._explore.kplot.plotItem.vb.viewRange()[0])

    def compare_chapters_eps(self, wait: bool = True) -> None:
        """Click "Chapter's eps" on the comparison tab; waits for both clusterings."""
        self.qtbot.mouseClick(self._compare.chapter_button, Qt.MouseButton.LeftButton)
        self._done(wait, lambda: self.compared() is not None and [
            r.eps for r in self.compared()] == [self._compare.eps_a_spin.value(),
                                                 self._compare.eps_b_spin.value()])

    def compare_eps(self) -> tuple[float, float]:
        """The two values of eps the comparison tab's spin boxes show."""
        return self._compare.eps_a_spin.value(), self._compare.eps_b_spin.value()

    def compare_note(self) -> str:
        return self._compare.note.text()

    # -- the clustering shown --------------------------------------------------------------------
    def clustering(self):
        """The DBSCAN result drawn on the plot (labels, core indices, eps, min_samples)."""
        return self._explore.plot.result

    def kdist(self):
        """The k-distance curve's result (k, distances, knee)."""
        return self._state.kdist

    def title(self) -> str:
        return self._explore.view.title()

    def n_clusters_shown(self) -> int:
        """The number of clusters the plot's title announces."""
        m = re.search(r": (\d+) clusters?", self.title())
        return int(m.group(1)) if m else 0

    def labels_shown(self) -> np.ndarray:
        """The cluster of every point, as drawn (-1 for anomalies)."""
        return self.clustering().labels

    def core_points(self) -> np.ndarray:
        """The points drawn large (core samples), or every point in colour-only mode."""
        return self._explore.view.points()

    def colours(self) -> np.ndarray:
        """The RGBA colour of each point of :meth:`core_points`."""
        return self._explore.view.point_colors()

    def border_points(self) -> np.ndarray:
        return self._explore.plot.border_points()

    def border_sizes(self) -> np.ndarray:
        return np.asarray(self._explore.plot.border_item.data["size"])

    def core_size(self) -> float:
        return float(self._explore.view._size)

    def noise_points(self) -> np.ndarray:
        """The positions of the red crosses."""
        return self._explore.plot.noise_points()

    def noise_symbol(self) -> str:
        return self._explore.plot.noise_item.opts["symbol"]

    def colour_only(self) -> bool:
        """Whether every point is drawn the same size (a big cloud), with the note saying so."""
        return self._explore.plot.colour_only and self._explore.plot.note.isVisible()

    def rasterised(self) -> bool:
        return self._explore.view.raster_mode

    def summary(self) -> str:
        return self._panel.summary.text()

    def summary_fits(self) -> bool:
        """Whether the summary is given at least the height it needs (nothing cut off)."""
        label = self._panel.summary
        return label.height() >= label.sizeHint().height()

    # -- hover ----------------------------------------------------------------------------------------
    def hover(self, x: float, y: float) -> None:
        """Move the mouse over the plot to (x, y), in view coordinates."""
        view = self._explore.view
        self._pause()
        self._send_mouse(view.viewport(), QEvent.Type.MouseMove, self.view_point(view, x, y))

    def hover_text(self) -> str:
        return self._explore.hover_text()

    def neighbourhood_shown(self) -> bool:
        """Whether the eps circle around the hovered point is drawn."""
        return self._explore.circle.isVisible()

    def neighbourhood(self) -> tuple[float, float, float]:
        """(centre x, centre y, diameter) of the eps circle."""
        rect = self._explore.circle.rect()
        return rect.center().x(), rect.center().y(), rect.width()

    # -- new instances ----------------------------------------------------------------------------
    def add_instance(self, x: float, y: float, wait: bool = True) -> None:
        """Click the plot at (x, y) (view coordinates); waits for the predicted clusters."""
        self.click_view(self._explore.view, x, y)
        self._done(wait, self._predicted)

    def clear_instances(self, wait: bool = True) -> None:
        self.qtbot.mouseClick(self._panel.clear_button, Qt.MouseButton.LeftButton)
        self._done(wait, self._predicted)

    def chapters_instances(self, wait: bool = True) -> None:
        """Click "Chapter's four"; waits for their predicted clusters."""
        self.qtbot.mouseClick(self._panel.chapter_button, Qt.MouseButton.LeftButton)
        self._done(wait, self._predicted)

    def remove_instance(self, row: int | None = None, wait: bool = True) -> None:
        """Select ``row`` of the table (or nothing: the last one goes) and click Remove."""
        if row is not None:
            self._panel.table.selectRow(row)
        self.qtbot.mouseClick(self._panel.remove_button, Qt.MouseButton.LeftButton)
        self._done(wait, self._predicted)

    def instances(self) -> list[tuple[float, float]]:
        """The new instances drawn on the plot (the blue crosses), in view coordinates."""
        x, y = self._explore.new_item.getData()
        if x is None or len(x) == 0:
            return []
        return [(float(a), float(b)) for a, b in zip(x, y)]

    def instance_rows(self) -> list[list[str]]:
        """The table of new instances: #, position, cluster, probability."""
        return self._panel.table_rows()

    def instance_labels(self) -> list[str]:
        """The labels next to the new instances on the plot ("1: cluster 0", ...)."""
        return [item.textItem.toPlainText() for item in self._explore._new_labels]

    def prediction(self):
        """The KNN's prediction for the new instances (or None while it is computed)."""
        return self._state.prediction

    def lifted_instances(self) -> np.ndarray:
        """The new instances in the data's space (the point of the principal plane for PCA)."""
        return self._state.lifted_instances()

    def set_max_distance(self, value: float, wait: bool = True) -> None:
        """Type the KNN's max distance; waits for the new predictions."""
        self._type_into(self._panel.max_dist_spin, str(value))
        self._done(wait, lambda: self._predicted() and (
            self.prediction() is None or self.prediction().max_distance == self.max_distance()))

    def max_distance(self) -> float:
        return self._panel.max_dist_spin.value()

    def set_n_neighbors(self, n: int, wait: bool = True) -> None:
        self._type_into(self._panel.k_spin, str(int(n)))
        self._done(wait, self._predicted)

    def n_neighbors(self) -> int:
        return self._panel.k_spin.value()

    # -- decision regions ----------------------------------------------------------------------------
    def show_regions(self, on: bool = True, wait: bool = True) -> None:
        """Tick (or untick) "Show the KNN's decision regions"; waits for them."""
        if self._panel.regions_check.isChecked() != on:
            self.qtbot.mouseClick(self._panel.regions_check, Qt.MouseButton.LeftButton)
        self._done(wait, lambda: not on or self._state.regions is not None)

    def regions(self):
        """The decision-region grid drawn (labels, ranges), or None."""
        return self._state.regions if self._state.show_regions else None

    def regions_image(self) -> np.ndarray | None:
        return self._explore.view.regions_image()

    # -- comparison -----------------------------------------------------------------------------------
    def compare(self, eps_a: float | None = None, eps_b: float | None = None,
                wait: bool = True) -> None:
        """Show the comparison tab and type the left and/or right eps; waits for both
        clusterings (unless ``wait`` is False)."""
        self.show_tab(self._compare.title)
        for spin, value in ((self._compare.eps_a_spin, eps_a), (self._compare.eps_b_spin, eps_b)):
            if value is not None:
                self._type_into(spin, str(value))
        spins = (self._compare.eps_a_spin, self._compare.eps_b_spin)
        self._done(wait, lambda: self.compared() is not None and all(
            r.eps == s.value() for r, s in zip(self.compared(), spins)))

    def compared(self):
        """The two results drawn side by side (left, right), or None."""
        if self._compare.plot_a is None:  # (the tab was never shown)
            return None
        a, b = self._compare.plot_a.result, self._compare.plot_b.result
        return (a, b) if a is not None and b is not None else None

    def compare_titles(self) -> tuple[str, str]:
        return tuple(p.view.title()
                     for p in (self._compare.plot_a, self._compare.plot_b))

    def compare_noise_counts(self) -> tuple[int, int]:
        return tuple(len(p.noise_points()) for p in (self._compare.plot_a, self._compare.plot_b))

    def compare_side_by_side(self) -> bool:
        return self._compare.area.side_by_side

    # -- results ---------------------------------------------------------------------------------------
    def export_labels(self) -> None:
        """Click "Export labels as CSV…" (the window's file dialog opens)."""
        self.qtbot.mouseClick(self._panel.export_button, Qt.MouseButton.LeftButton)

    def export_widget_is_current_tab(self) -> bool:
        return self.page.export_widget() is self.page.tabs.currentWidget()
