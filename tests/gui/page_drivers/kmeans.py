"""KMeansDriver: the K-Means page, worked as a person would (tests and the bench use it).

Every action waits until the page is idle (no task running, the decision regions of the
views drawn), so what the views show afterwards is the result of the action. It only uses
these qtbot methods: waitUntil, waitSignal, mouseClick, mousePress, mouseMove, mouseRelease
(and keyClick for the keyboard shortcuts).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt

from tests.gui.drivers import PAINT_PASS_MS, TIMEOUT_MS, PageDriver

LEFT = Qt.MouseButton.LeftButton
NO_MOD = Qt.KeyboardModifier.NoModifier


class KMeansDriver(PageDriver):
    page_name = "kmeans"

    # -- parts of the page (drivers may touch widgets; tests may not) -----------------------------
    @property
    def _c(self):
        return self.page.controls

    @property
    def view(self):
        return self.page.clusters.view

    def _tab_views(self, tab: str):
        t = {"Clusters": self.page.clusters, "Iterations 1–3": self.page.iterations,
             "Compare": self.page.compare, "Limits": self.page.limits}[tab]
        t.ensure_built()
        return t.cluster_views()

    def _click(self, widget) -> None:
        self.qtbot.mouseClick(widget, LEFT)

    def wait_idle(self, timeout: int = TIMEOUT_MS) -> None:
        """No task running, every shown view's decision regions drawn, and painted."""
        def idle():
            if self.tasks.busy or self.page.drawing:
                return False
            tab = self.page.current_tab()
            if tab is None:
                return True
            return not tab.pending() and all(v.regions_current() for v in tab.cluster_views())
        self.qtbot.waitUntil(idle, timeout=timeout)
        # The paint of what was just drawn comes in the event loop's next pass, as it would
        # before a person's next click: a click made at once painted it (its button's repaint
        # paints the window) in the turn of the click's own work.
        self.qtbot.wait(PAINT_PASS_MS)

    def wait_settled(self, timeout: int = TIMEOUT_MS) -> None:
        """Wait for the debounced refit a parameter change schedules (300 ms), then idle."""
        self.qtbot.waitUntil(lambda: not self.page._fit_timer.isActive(), timeout=timeout)
        self.wait_idle(timeout)

    # -- parameters ----------------------------------------------------------------------------
    def set_dataset(self, key: str, fit: bool = True) -> None:
        self._c.picker.set_current_key(key)
        self.wait_idle()

    def set_k(self, k: int) -> None:
        """Set k as a person would: a debounced refit follows (wait_settled() waits for it;
        fit() fits at once). set_n_init, set_seed and set_algorithm do the same."""
        self._c.k_spin.setValue(k)

    def set_init(self, name: str) -> None:
        """'k-means++', 'random' or 'hand'."""
        combo = self._c.init_combo
        combo.setCurrentIndex(combo.findData(name))
        self.wait_idle()

    def set_n_init(self, n: int) -> None:
        self._c.n_init_spin.setValue(n)

    def set_seed(self, n: int) -> None:
        self._c.seed_spin.setValue(n)

    def set_algorithm(self, name: str) -> None:
        combo = self._c.algorithm_combo
        combo.setCurrentIndex(combo.findData(name))

    def set_speed(self, iterations_per_second: int) -> None:
        self._c.speed_slider.setValue(iterations_per_second)

    def params_shown(self) -> dict:
        """What the controls show."""
        c = self._c
        return {"dataset": c.picker.current_key(), "k": c.k_spin.value(),
                "init": c.init_combo.currentData(), "n_init": c.n_init_spin.value(),
                "n_init_text": c.n_init_spin.text(),
                "algorithm": c.algorithm_combo.currentData(),
                "max_iter": c.max_iter_spin.value(), "random_state": c.seed_spin.value()}

    def tooltips_missing(self) -> list[str]:
        """Controls (of every tab) without a tooltip."""
        p = self.page
        p.compare.ensure_built()
        p.variability.ensure_built()
        widgets = self._c.tooltipped() + [
            p.clusters.chapter_new_button, p.clusters.clear_new_button, p.clusters.table,
            p.compare.button, p.variability.button, p.variability.runs_spin,
            p.variability.seed_spin, *p.compare.inits, *p.compare.seeds]
        return [type(w).__name__ for w in widgets if not w.toolTip()]

    # -- fitting and stepping ------------------------------------------------------------------------
    def fit(self) -> None:
        self._click(self._c.fit_button)
        self.wait_idle()

    def fit_enabled(self) -> bool:
        return self._c.fit_button.isEnabled()

    def step(self) -> None:
        self._click(self._c.step_button)
        self.wait_idle()

    def back(self) -> None:
        self._click(self._c.back_button)
        self.wait_idle()

    def reset(self) -> None:
        self._click(self._c.reset_button)
        self.wait_idle()

    def step_enabled(self) -> bool:
        return self._c.step_button.isEnabled()

    def back_enabled(self) -> bool:
        return self._c.back_button.isEnabled()

    def press_key(self, key: str) -> None:
        """'Right' (step), 'Left' (back) or 'Space' (play/pause), on the plot."""
        self.view.setFocus()
        self.qtbot.keyClick(self.view, getattr(Qt.Key, f"Key_{key}"))
        self.wait_idle()

    def play(self, on: bool = True) -> None:
        """Press Play (or Pause); with ``on`` it returns at once: use wait_converged()."""
        if self._c.play_button.isChecked() != on:
            self._click(self._c.play_button)
        if not on:
            self.wait_idle()

    def playing(self) -> bool:
        return self._c.play_button.isChecked()

    def play_text(self) -> str:
        return self._c.play_button.text()

    def wait_converged(self, timeout: int = 20_000) -> None:
        """Wait until playing reached convergence and stopped."""
        self.qtbot.waitUntil(lambda: self.converged() and not self.playing(), timeout=timeout)
        self.wait_idle()

    def step_many(self, n: int) -> None:
        """Press Step ``n`` times without waiting in between (they are queued), then wait."""
        for _ in range(n):
            self._click(self._c.step_button)
        self.wait_idle()

    # -- what the page shows ---------------------------------------------------------------------------
    def iteration(self) -> int:
        return self.page.state.frame.iteration

    def converged(self) -> bool:
        f = self.page.state.frame
        return f is not None and f.converged

    def fitted(self) -> bool:
        """True when a centroid model is shown (not waiting for hand-placed centroids)."""
        return self.page.state.frame is not None

    def inertia_text(self) -> str:
        """The result line of the side panel (inertia, score, n_iter)."""
        return self._c.result_label.text()

    def iteration_text(self) -> str:
        return self._c.iter_label.text()

    def data_text(self) -> str:
        return self._c.data_info.text()

    def hint_text(self) -> str:
        return self.page.clusters.hint_label.text()

    def inertia_curve(self):
        return self._c.inertia_curve.getData()

    def inertia_plot_range(self) -> tuple[tuple[float, float], tuple[float, float]]:
        """The inertia plot's visible (x, y) ranges."""
        (x0, x1), (y0, y1) = self._c.inertia_plot.plotItem.vb.viewRange()
        return (x0, x1), (y0, y1)

    def inertia_plot_height(self) -> int:
        return self._c.inertia_plot.height()

    def count_inertia_plot_changes(self) -> list:
        """A list that gets an entry each time the inertia curve or its dot is set."""
        changes: list = []
        self._c.inertia_curve.sigPlotChanged.connect(lambda *a: changes.append("curve"))
        self._c.inertia_now.sigPlotChanged.connect(lambda *a: changes.append("dot"))
        return changes

    def points_shown(self) -> np.ndarray:
        return self.view.points()

    def centers_shown(self, tab: str = "Clusters", index: int = 0) -> np.ndarray:
        """The (k, 2) centroids drawn in view ``index`` of ``tab``."""
        return self._tab_views(tab)[index].centroids.centers()

    def labels_shown(self) -> np.ndarray:
        """The cluster of every point, as drawn (the labels of the iteration shown)."""
        return np.asarray(self.page.state.frame.labels)

    def colors(self, tab: str = "Clusters", index: int = 0) -> np.ndarray:
        return self._tab_views(tab)[index].point_colors()

    def trail(self):
        """(older, latest) trail segments of the centroids."""
        return self.view.centroids.trail_segments()

    def regions_image(self, tab: str = "Clusters", index: int = 0):
        return self._tab_views(tab)[index].regions_image()

    def region_grid(self):
        return self.view.region_grid

    def view_title(self, tab: str, index: int) -> str:
        return self._tab_views(tab)[index].title()

    def pixel_size(self) -> tuple[float, float]:
        return self.view.plotItem.vb.viewPixelSize()

    def initial_centers(self) -> np.ndarray:
        """The initial centroids of the model shown (feature space)."""
        return np.asarray(self.page.state.stepper.init_centers)

    def n_init_used(self) -> int:
        return self.page.state.result.n_init

    def model_centers(self) -> np.ndarray:
        """The centroids of the iteration shown, in feature space."""
        return np.asarray(self.page.state.frame.centers)

    def fitted_k(self) -> int:
        """Number of centroids of the fitted model (0 before a fit)."""
        result = self.page.state.result
        return 0 if result is None else len(result.centers)

    def fitted_inertia(self) -> float:
        return self.page.state.result.inertia

    def frame_inertia(self) -> float:
        return self.page.state.frame.inertia

    # -- the plot: pan, zoom, clicks, hand-placed centroids ---------------------------------------------
    def pan(self, dx_fraction: float) -> None:
        """Pan the clusters plot by a fraction of its width, then wait for its regions."""
        vb = self.view.plotItem.vb
        (x0, x1), _ = vb.viewRange()
        vb.translateBy(x=dx_fraction * (x1 - x0))
        self.wait_idle()

    def zoom(self, factor: float) -> None:
        """Zoom the clusters plot in (factor > 1) or out, then wait for its regions."""
        self.view.plotItem.vb.scaleBy((1 / factor, 1 / factor))
        self.wait_idle()

    def click_plot(self, x: float, y: float) -> None:
        self.click_view(self.view, x, y)
        self.wait_idle()

    def place_centroid(self, x: float, y: float) -> None:
        """Click at (x, y) of the plot (in hand mode: places the next initial centroid)."""
        self.click_plot(x, y)

    def add_new_instance(self, x: float, y: float) -> None:
        """Click an empty spot at (x, y): a new instance in the soft-clustering table."""
        self.click_plot(x, y)

    def handle_positions(self) -> np.ndarray:
        """Where the draggable initial centroids are drawn (m, 2)."""
        return self.page.clusters.handle_positions()

    def drag_plot(self, start, end, steps: int = 6, between=None) -> None:
        """Press at ``start``, move in ``steps`` to ``end``, release (plot coordinates).
        ``between()`` runs after every move (the bench lets the event loop run there)."""
        vp = self.view.viewport()
        a = self.view_point(self.view, *start)
        b = self.view_point(self.view, *end)
        self.qtbot.mousePress(vp, LEFT, NO_MOD, a)
        for i in range(1, steps + 1):
            self.qtbot.mouseMove(vp, a + (b - a) * (i / steps))
            if between is not None:
                between()
        self.qtbot.mouseRelease(vp, LEFT, NO_MOD, b)
        self.wait_idle()

    def drag_centroid(self, index: int, x: float, y: float, steps: int = 6,
                      between=None) -> None:
        """Drag hand-placed centroid ``index`` to (x, y), with the mouse."""
        start = self.handle_positions()[index]
        self.drag_plot((float(start[0]), float(start[1])), (x, y), steps, between)

    def chapter_good_init(self) -> None:
        self._click(self._c.good_init_button)
        self.wait_idle()

    def clear_placed(self) -> None:
        self._click(self._c.clear_placed_button)
        self.wait_idle()

    def saved_placed(self, key: str = "blobs"):
        """The placed centroids as saved in the data folder (what a restart reads back)."""
        from gui.pages.kmeans.page import open_store

        return open_store().get(key, "placed")

    # -- soft clustering --------------------------------------------------------------------------------
    def soft_table(self) -> tuple[list[str], list[list[str]]]:
        return self.page.clusters.soft_table()

    def new_instances(self) -> np.ndarray:
        """The new instances (feature space), in the table's order."""
        return self.page.state.x_new_for()

    def chapter_x_new(self) -> None:
        self._click(self.page.clusters.chapter_new_button)
        self.wait_idle()

    def clear_new(self) -> None:
        self._click(self.page.clusters.clear_new_button)
        self.wait_idle()

    def delete_new_row(self, row: int) -> None:
        """Select a row of the table and press Delete."""
        table = self.page.clusters.table
        table.selectRow(row)
        table.setFocus()
        self.page.clusters.delete_selected_new()
        self.wait_idle()

    # -- the other tabs -----------------------------------------------------------------------------------
    def chapter_figure(self) -> None:
        """Press "Chapter's figure: iterations 1–3" and wait for the figure."""
        self._click(self._c.figure_button)
        self.wait_idle()

    def current_tab(self) -> str:
        tabs = self.page.tabs
        return tabs.tabText(tabs.currentIndex()).replace("&", "")

    def show_tab(self, title: str, wait: bool = True) -> None:
        super().show_tab(title)
        if wait:
            self.wait_idle()

    def set_compare(self, solution: int, init: str, seed: int) -> None:
        t = self.page.compare
        t.ensure_built()
        t.inits[solution].setCurrentIndex(t.inits[solution].findData(init))
        t.seeds[solution].setValue(seed)

    def run_compare(self) -> None:
        """Press Compare (on the Compare tab) and wait."""
        self.page.compare.ensure_built()
        self.show_tab("Compare")
        self._click(self.page.compare.button)
        self.wait_idle()

    def set_runs(self, runs: int) -> None:
        self.page.variability.ensure_built()
        self.page.variability.runs_spin.setValue(runs)

    def run_variability(self) -> None:
        """Press Run (on the Variability tab) and wait."""
        self.page.variability.ensure_built()
        self.show_tab("Variability")
        self._click(self.page.variability.button)
        self.wait_idle()

    def iterations_caption(self) -> str:
        return self.page.iterations.caption.text() if self.page.iterations.built else ""

    def variability_caption(self) -> str:
        return self.page.variability.caption.text() if self.page.variability.built else ""

    def histogram_heights(self) -> list[int]:
        return [int(np.sum(item.opts["height"])) for item in self.page.variability.bars]

    def variability_results(self):
        return self.page.state.variability

    def cancel(self) -> None:
        """Press the status bar's Cancel button."""
        self.page.window().cancel_current()
        self.wait_idle()

    # -- the full data (a dataset opened in streaming mode) -----------------------------------------
    @property
    def _full(self):
        return self.page.full_data

    def full_data_visible(self) -> bool:
        """Whether the "Full data" group is shown (for datasets opened in streaming mode)."""
        return self._full.box.isVisible()

    def full_data_text(self) -> str:
        """What the "Full data" group says of the one-shot fit."""
        return self._full.label.text()

    def full_pass(self, timeout: int = 60_000) -> None:
        """Press "Pass ▶" (the first press starts at pass 0) and wait for the pass drawn."""
        self._click(self._full.steps.step_button)
        self.wait_idle(timeout)

    def full_back(self) -> None:
        """Press "◀ Pass" (back through the passes already run)."""
        self._click(self._full.steps.back_button)
        self.wait_idle()

    def full_pass_enabled(self) -> bool:
        return self._full.steps.step_button.isEnabled()

    def full_back_enabled(self) -> bool:
        return self._full.steps.back_button.isEnabled()

    def full_run(self, timeout: int = 120_000) -> None:
        """Press "Run to convergence" and wait until the passes stopped."""
        button = self._full.steps.run_button
        self._click(button)
        self.qtbot.waitUntil(lambda: not button.isChecked(), timeout=timeout)
        self.wait_idle(timeout)

    def full_run_then_cancel(self, after_pass: int, timeout: int = 120_000) -> None:
        """Press "Run to convergence"; once pass ``after_pass`` is drawn and the next one
        runs, press the status bar's Cancel."""
        button = self._full.steps.run_button
        pressed = []

        def started(task):
            shown = self.full_pass_shown()
            if not pressed and task.key.endswith(":full-steps") and shown is not None and \
                    shown >= after_pass:
                pressed.append(task)
                self.page.window().cancel_current()  # as the pass starts

        self.tasks.task_started.connect(started)
        try:
            self._click(button)
            self.qtbot.waitUntil(lambda: not button.isChecked(), timeout=timeout)
            self.wait_idle(timeout)
        finally:
            self.tasks.task_started.disconnect(started)

    def full_running(self) -> bool:
        return self._full.steps.run_button.isChecked()

    def full_pass_shown(self) -> int | None:
        """The pass of the full data the plot draws (None: the plot draws the sample's fit)."""
        f = self.page.state.frame
        return None if f is None or f.full is None else f.iteration

    def full_inertia_shown(self) -> float:
        """The exact inertia on every row of the pass drawn."""
        return self.page.state.frame.inertia

    def full_steps_text(self) -> str:
        """What the "Full data" group says of the passes (pass, inertia, backend)."""
        return self._full.steps.label.text()
