"""Driving the Choosing k page as a person does: type a k range, click a curve or a diagram.

Only ``qtbot.waitUntil``, ``waitSignal``, ``mouseClick``, ``keyClick`` and
``keyClicks`` are used, so the responsiveness benchmark can drive the page
with a small stand-in for qtbot.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from tests.gui.drivers import TIMEOUT_MS, PageDriver


@dataclass(frozen=True)
class DiagramShown:
    """What one silhouette diagram shows."""

    k: int
    title: str
    n_bands: int
    band_colors: list[tuple[int, int, int]]
    band_ranges: list[tuple[float, float]]
    band_pen_widths: list[float]
    mean: float
    mean_dashed: bool
    cluster_ticks: list[str]


def diagram_shown(plot) -> DiagramShown:
    """What a silhouette diagram (``gui.widgets.silhouette_view.SilhouetteDiagramPlot``)
    shows."""

    def rgb(item):
        c = item.brush().color()
        return c.red(), c.green(), c.blue()

    ticks = plot.getAxis("left")._tickLevels[0]
    return DiagramShown(
        k=plot.k, title=plot.titleLabel.text, n_bands=len(plot.band_items),
        band_colors=[rgb(item) for item in plot.band_items],
        band_ranges=list(plot.band_ranges),
        band_pen_widths=[item.pen().widthF() for item in plot.band_items],
        mean=plot.mean_line.value(),
        mean_dashed=plot.mean_line.pen.style() == Qt.PenStyle.DashLine,
        cluster_ticks=[label for _, label in ticks])


class ChooseKDriver(PageDriver):
    page_name = "choose-k"

    # -- widgets (the driver's business, not the tests') ------------------------------------------
    @property
    def _view(self):
        return self.page.view

    @property
    def _window(self):
        return self.page.window()

    def _plot(self, curve: str):
        return self._view.curves.plots[curve]

    def _type_into(self, widget, text: str) -> None:
        widget.setFocus()
        widget.selectAll()
        self.qtbot.keyClicks(widget, text)

    def _after(self, action, wait: bool) -> None:
        if wait:
            self.wait_drawn(action)
        else:
            action()

    def _shown(self) -> None:
        """Wait until the view drew what the last action changed (it draws a view per turn
        of the event loop)."""
        if self._view.built:
            self.qtbot.waitUntil(lambda: not self._view.drawing(), timeout=TIMEOUT_MS)

    def _shown(self) -> None:
        """Wait until the view drew what the last action changed (it draws a view per turn
        of the event loop)."""
        if self._view.built:
            self.qtbot.waitUntil(lambda: not self._view.drawing(), timeout=TIMEOUT_MS)

    # -- controls ----------------------------------------------------------------------------------
    def set_dataset(self, key: str, wait: bool = True) -> None:
        """Pick a dataset (its sweep starts at once); waits for its curves unless ``wait`` is
        False (e.g. when the sweep is expected to fail)."""
        self._after(lambda: self.page.picker.set_current_key(key),
                    wait and self.dataset() != key)

    def dataset(self) -> str:
        return self.page.picker.current_key()

    def set_k_range(self, lo: int | None, hi: int | None, wait: bool = True) -> None:
        """Type the smallest and/or largest k (None: leave it); the sweep restarts once, after
        the debounce. Waits for the new curves unless ``wait`` is False."""

        edits = [(spin, value) for spin, value in ((self.page.k_min, lo), (self.page.k_max, hi))
                 if value is not None and spin.value() != value]

        def type_range():
            for spin, value in edits:
                self._type_into(spin, str(value))

        self._after(type_range, wait and bool(edits))

    def step_k_min_up(self, wait: bool = True) -> None:
        """Press the Up arrow in "k from"."""
        self._after(lambda: self.qtbot.keyClick(self.page.k_min, Qt.Key.Key_Up), wait)

    def k_range(self) -> tuple[int, int]:
        return self.page.k_min.value(), self.page.k_max.value()

    def set_seed(self, n: int, wait: bool = True) -> None:
        self._after(lambda: self._type_into(self.page.seed, str(n)), wait and self.seed() != n)

    def seed(self) -> int:
        return self.page.seed.value()

    def set_sample(self, on: bool, size: int | None = None, wait: bool = True) -> None:
        """Tick or untick "Silhouette on a sample" and type its size (waits for the new sweep
        when something changed; the size only matters for data larger than it)."""

        def change():
            if self.page.sample_check.isChecked() != on:
                self.qtbot.mouseClick(self.page.sample_check, Qt.MouseButton.LeftButton)
            if size is not None and self.page.sample_size.value() != size:
                self._type_into(self.page.sample_size, str(size))

        on_before, size_before = self.sample()
        changed = on_before != on or (size is not None and size != size_before)
        self._after(change, wait and changed)

    def sample(self) -> tuple[bool, int]:
        return self.page.sample_check.isChecked(), self.page.sample_size.value()

    def set_more_scores(self, on: bool) -> None:
        if self.page.scores_check.isChecked() != on:
            self.qtbot.mouseClick(self.page.scores_check, Qt.MouseButton.LeftButton)
            self._shown()
            self._shown()

    def more_scores(self) -> bool:
        return self.page.scores_check.isChecked()

    def set_diagram_ks(self, text: str) -> None:
        """Type the ks of the diagrams and press Enter."""
        self._type_into(self.page.diagram_edit, text)
        self.qtbot.keyClick(self.page.diagram_edit, Qt.Key.Key_Return)
        self._shown()
        self._shown()

    def diagram_ks_text(self) -> str:
        return self.page.diagram_edit.text()

    def sweep_now(self) -> None:
        """Start the sweep without waiting for the debounce (as the debounce would)."""
        self.page.run_sweep()

    def cancel(self) -> None:
        """Click the status bar's Cancel button."""
        self.qtbot.mouseClick(self._window.cancel_button, Qt.MouseButton.LeftButton)

    # -- selecting a k -----------------------------------------------------------------------------
    def click_k_on_curve(self, curve: str, k: int, y: float | None = None) -> None:
        """Click at k on ``curve`` ("inertia", "silhouette", "calinski_harabasz",
        "davies_bouldin"), at height ``y`` (default: the curve's value there)."""
        if y is None:
            xs, ys = self.curve_data(curve)
            hits = np.flatnonzero(np.round(xs) == round(k))
            y = float(ys[hits[0]]) if hits.size else float(np.mean(ys))
        self.click_view(self._plot(curve), k, y)
        self._shown()
        self._shown()

    def click_diagram(self, k: int, band: int = 0, x: float = 0.3) -> None:
        """Click the diagram of ``k`` (in the middle of its band ``band``)."""
        plot = self._view.diagrams.grid.plot_for(k)
        lo, hi = plot.band_ranges[band]
        self.click_view(self._view.diagrams.grid, x, (lo + hi) / 2, vb=plot.vb)
        self._shown()
        self._shown()

    def hover_band(self, k: int, band: int, x: float = 0.2) -> tuple[int, int, int, float]:
        """Move the mouse over band ``band`` of the diagram of ``k``; returns what the diagram
        reported (k, cluster, size, mean)."""
        grid = self._view.diagrams.grid
        plot = grid.plot_for(k)
        lo, hi = plot.band_ranges[band]
        pos = self.view_point(grid, x, (lo + hi) / 2, vb=plot.vb)
        with self.qtbot.waitSignal(grid.band_hovered, timeout=5000) as blocker:
            QTest.mouseMove(grid.viewport(), pos)
        return tuple(blocker.args)

    def select_k(self, k: int) -> None:
        """Select k as another page would (``apply_params(n_clusters=k)``)."""
        self.page.apply_params(n_clusters=k)
        self._shown()
        self._shown()

    def selected_k(self) -> int | None:
        return self.page.state.selected_k

    def use_this_k(self) -> None:
        """Click "Use this k"."""
        self.qtbot.mouseClick(self.page.use_button, Qt.MouseButton.LeftButton)

    def use_button(self) -> tuple[bool, str]:
        """(enabled, tooltip) of "Use this k"."""
        return self.page.use_button.isEnabled(), self.page.use_button.toolTip()

    # -- what the views show -----------------------------------------------------------------------
    def curve_data(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """(ks, values) drawn on a curve."""
        return self._view.curves.curves[name].getData()

    def curve_visible(self, name: str) -> bool:
        return self._plot(name).isVisible()

    def elbow_shown(self) -> tuple[int, float, str] | None:
        """(k, inertia, annotation) of the circled elbow, or None when no elbow is shown."""
        curves = self._view.curves
        x, y = curves.elbow_point.getData()
        if not len(x) or not curves.elbow_text.isVisible():
            return None
        return int(x[0]), float(y[0]), curves.elbow_text.toPlainText()

    def best_silhouette_starred(self) -> list[int]:
        return [int(v) for v in self._view.curves.best_point.getData()[0]]

    def markers(self) -> dict[str, float]:
        """Where the selected-k line is on each curve."""
        return {name: m.value() for name, m in self._view.curves.markers.items()}

    def diagram_ks_shown(self) -> list[int]:
        return [p.k for p in self._view.diagrams.grid.diagram_plots]

    def diagram(self, k: int) -> DiagramShown | None:
        plot = self._view.diagrams.grid.plot_for(k)
        return None if plot is None else diagram_shown(plot)

    def diagrams_shown(self) -> list[DiagramShown]:
        """What every silhouette diagram shows, in the grid's order."""
        return [self.diagram(k) for k in self.diagram_ks_shown()]

    def drawing(self) -> bool:
        """Whether the view still has parts to draw (it draws a view per turn)."""
        return self._view.drawing()

    def state(self):
        """The page's (Qt-free) state: parameters, result, selection."""
        return self.page.state

    def hover_text(self) -> str:
        return self._view.diagrams.hover_label.text()

    def scatter_colors(self) -> np.ndarray:
        """The (n, 4) RGBA colour of every point of the scatter."""
        return self._view.scatter.scatter.point_colors()

    def scatter_points(self) -> np.ndarray:
        return self._view.scatter.scatter.points()

    def regions_image(self) -> np.ndarray | None:
        return self._view.scatter.scatter.regions_image()

    def centres_shown(self) -> np.ndarray:
        """(k, 2) positions of the centre crosses."""
        cx, cy = self._view.scatter.centroid_crosses.getData()
        return np.column_stack([cx, cy])

    def scatter_note(self) -> str:
        return self._view.scatter.note.text()

    def selection_text(self) -> str:
        return self._view.selection_info.text()

    def exports_the_views(self) -> bool:
        """File ▸ Export plot saves the curves, diagrams and scatter together."""
        return self.page.export_widget() is self._view.splitter

    # -- the result behind the views (for comparisons with scikit-learn) ---------------------------
    def shown_result(self):
        """The result on screen (an opaque object: compare it with ``is``)."""
        return self.page.state.result

    def sweep(self):
        """The ``core.selection.KSweep`` on screen."""
        return self.page.state.sweep

    def shown_dataset(self) -> str | None:
        result = self.page.state.result
        return None if result is None else result.dataset.key

    # -- settings ----------------------------------------------------------------------------------
    def reopened_controls(self) -> dict:
        """The controls of a new Choosing k page made now (what a restart would show)."""
        from gui.pages.choose_k import ChooseKPage

        again = ChooseKPage(self.page.ctx)
        try:
            return {"dataset": again.picker.current_key(), "k_min": again.k_min.value(),
                    "k_max": again.k_max.value(), "random_state": again.seed.value(),
                    "sample": again.sample_check.isChecked(),
                    "sample_size": again.sample_size.value(),
                    "more_scores": again.scores_check.isChecked(),
                    "diagram_ks": again.diagram_edit.text()}
        finally:
            again.deleteLater()

    # -- the K-Means page "Use this k" opened -----------------------------------------------------
    def _kmeans(self):
        from tests.gui.drivers import KMeansDriver

        return KMeansDriver(self._window.pages["kmeans"], self.qtbot)

    def kmeans_page_shows(self) -> tuple[int, str]:
        """(k, dataset) on the K-Means page's controls."""
        params = self._kmeans().params_shown()
        return params["k"], params["dataset"]

    def wait_kmeans_fitted(self, k: int, timeout: int = TIMEOUT_MS) -> None:
        km = self._kmeans()
        self.qtbot.waitUntil(lambda: km.fitted_k() == k,
                             timeout=timeout)
        self.wait_idle(timeout)
