"""The K-Means page's side panel: data, model parameters (bound to the settings), the
stepper's buttons, and what it says about the result shown."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton, QSlider, QVBoxLayout, QWidget

from gui.pages.base import Form, hbox, info_label, panel, side_panel
from gui.pages.kmeans.state import INIT_CHOICES, KMeansState
from gui.pages.kmeans.tabs import fmt
from gui.widgets.dataset_picker import DatasetPicker
from gui.widgets.palette import series_hex
from gui.widgets.scatter import make_plot
from gui.widgets.wrapping_label import reserve_lines

#: pixels: the inertia plot's height in the side panel (it was 130-150, and 150 at every
#: window size)
INERTIA_PLOT_HEIGHT = 150


class Controls:
    """Builds the side panel (``self.widget``) and renders the state's numbers into it."""

    def __init__(self, ctx, binder):
        data_box, data_form = panel("Data")
        form = Form(data_form, binder)
        self.picker = form.row(None, DatasetPicker(ctx, default=binder.value("dataset")),
                               key="dataset", tip="The dataset to cluster.")
        self.data_info = info_label("Loading…")
        data_form.addRow(self.data_info)

        model_box, model_form = panel("Model")
        form = Form(model_form, binder)
        self.k_spin = form.spin("k", "k", 1, 50, tip="n_clusters: how many clusters (and "
                                "centroids) K-Means looks for.")
        self.init_combo = form.combo("init", "init", [(t, d) for d, t in INIT_CHOICES], tip=(
            "init: how the first centroids are chosen. k-means++ spreads them out (the "
            "default); random picks k instances at random (the original algorithm); placed by "
            "hand lets you click k points on the plot and drag them."))
        self.good_init_button = QPushButton("Chapter's good init")
        self.good_init_button.setToolTip(
            "Place the chapter's five initial centroids by hand: [[-3, 3], [-3, 2], [-3, 1], "
            "[-1, 2], [0, 2]] (k = 5, for the blobs).")
        self.clear_placed_button = QPushButton("Clear placed")
        self.clear_placed_button.setToolTip("Remove the hand-placed centroids and click new "
                                            "ones.")
        model_form.addRow(hbox(self.good_init_button, self.clear_placed_button))
        self.n_init_spin = form.spin("n_init", "n_init", 0, 100, tip=(
            "n_init: how many initialisations to run; the one with the lowest inertia wins. "
            "auto is 1 for k-means++ and 10 for random."))
        self.n_init_spin.setSpecialValueText("auto")
        self.algorithm_combo = form.combo("algorithm", "algorithm", [("lloyd", "lloyd"),
                                                                     ("elkan", "elkan")], tip=(
            "algorithm: lloyd is the classic EM-style K-Means; elkan skips distance "
            "computations with the triangle inequality (same result, sometimes faster)."))
        self.max_iter_spin = form.spin("max_iter", "max_iter", 1, 10000,
                                       tip="max_iter: the most iterations a single run may take.")
        self.seed_spin = form.spin("random_state", "random_state", 0, 2**31 - 1, tip=(
            "random_state: the seed of the initialisation; the same seed gives the same "
            "centroids."))
        self.fit_button = QPushButton("Fit")
        self.fit_button.setDefault(True)
        self.fit_button.setToolTip("Fit KMeans with these parameters (runs in the background; "
                                   "Esc cancels).")
        model_form.addRow(self.fit_button)
        self.result_label = info_label("")
        self.result_label.setTextFormat(Qt.TextFormat.RichText)
        reserve_lines(self.result_label, 3)  # stepping back adds a line: the stepper stays put
        model_form.addRow(self.result_label)

        step_box, sform = panel("Step through the iterations")
        self.back_button = QPushButton("◀ Back")
        self.back_button.setToolTip("Undo the last iteration (←).")
        self.step_button = QPushButton("Step ▶")
        self.step_button.setToolTip("One iteration: move every centroid to the mean of its "
                                    "points, then relabel the points (→).")
        self.play_button = QPushButton("Play")
        self.play_button.setCheckable(True)
        self.play_button.setToolTip("Play the iterations until K-Means converges (space).")
        self.reset_button = QPushButton("Reset")
        self.reset_button.setToolTip("Back to the initial centroids (iteration 0).")
        sform.addRow(hbox(self.back_button, self.step_button))
        sform.addRow(hbox(self.play_button, self.reset_button))
        self.speed_slider = QSlider(Qt.Orientation.Horizontal)
        self.speed_slider.setRange(1, 30)
        self.speed_slider.setValue(4)
        self.speed_slider.setToolTip("Playing speed, in iterations per second.")
        self.speed_label = QLabel("4 it/s")
        # as wide as the widest value: the slider keeps its length while it moves
        self.speed_label.setFixedWidth(self.speed_label.fontMetrics().horizontalAdvance("30 it/s")
                                       + 4)
        sform.addRow("speed", hbox(self.speed_slider, self.speed_label, stretch_last=False))
        self.iter_label = info_label("")
        self.iter_label.setTextFormat(Qt.TextFormat.RichText)
        reserve_lines(self.iter_label, 3)  # "Converged" comes and goes: nothing below moves
        sform.addRow(self.iter_label)
        # the inertia plot: made by make_inertia_plot (on a turn of its own as the page
        # opens); its room is held meanwhile, so nothing moves when it comes
        self.inertia_plot = None
        self._inertia_drawn: tuple | None = None  # (history, iteration, inertia) on the plot
        self._inertia_room = QWidget()
        # of one height: a text changing its lines above it (the data's description, the
        # "Full data" group coming and going) would otherwise resize and redraw the plot
        self._inertia_room.setFixedHeight(INERTIA_PLOT_HEIGHT)
        QVBoxLayout(self._inertia_room).setContentsMargins(0, 0, 0, 0)
        sform.addRow(self._inertia_room)
        self.figure_button = QPushButton("Chapter's figure: iterations 1–3")
        self.figure_button.setToolTip(
            "Blobs, k = 5, init='random', n_init=1, random_state=5: the chapter's Figure 9-4 of "
            "the first three iterations.")
        sform.addRow(self.figure_button)
        self.widget = side_panel(data_box, model_box, step_box, width=280)
        self.speed_slider.valueChanged.connect(
            lambda v: self.speed_label.setText(f"{v} it/s"))

    def make_inertia_plot(self) -> None:
        """The plot of the inertia after every iteration, in the room held for it."""
        if self.inertia_plot is not None:
            return
        self.inertia_plot = make_plot(None, "iteration", "inertia", integer_x=True)
        self.inertia_plot.setFixedHeight(INERTIA_PLOT_HEIGHT)
        self.inertia_plot.setToolTip("Inertia after every iteration; the dot is the one shown.")
        self.inertia_curve = self.inertia_plot.plot([], [], pen=pg.mkPen(series_hex(0), width=2),
                                                    symbol="o", symbolSize=4,
                                                    symbolBrush=series_hex(0))
        self.inertia_now = pg.ScatterPlotItem(size=9, brush=pg.mkBrush(214, 39, 40),
                                              pen=pg.mkPen("k"))
        self.inertia_plot.addItem(self.inertia_now)
        self.inertia_plot.plotItem.vb.disableAutoRange()  # (see _draw_inertia)
        # Its numbers' room grows, and does not shrink back: emptied while a fit runs, then
        # drawn again, its axis narrowed and widened, and every change of width laid the
        # plot out and painted it again.
        self.inertia_plot.plotItem.getAxis("left").setStyle(autoReduceTextSpace=False)
        self._inertia_room.layout().addWidget(self.inertia_plot)

    def tooltipped(self) -> list:
        return [self.k_spin, self.init_combo, self.n_init_spin, self.algorithm_combo,
                self.max_iter_spin, self.seed_spin, self.fit_button, self.step_button,
                self.back_button, self.play_button, self.reset_button, self.speed_slider,
                self.figure_button, self.good_init_button, self.clear_placed_button,
                self.picker]

    # -- drawing --------------------------------------------------------------------------
    def render(self, state: KMeansState, settings) -> None:
        hand = settings.init == "hand"
        placed = state.placed_for(settings.dataset)
        self.fit_button.setEnabled(not hand or len(placed) == settings.k)
        self.good_init_button.setVisible(hand)
        self.clear_placed_button.setVisible(hand)
        self.n_init_spin.setEnabled(not hand)
        self.seed_spin.setEnabled(not hand)
        self._render_data(state)
        self._render_iteration(state)
        self._render_result(state)
        self.play_button.setText("Pause" if self.play_button.isChecked() else "Play")

    def _render_data(self, state: KMeansState) -> None:
        ds, proj = state.dataset, state.projection
        if ds is None:
            return
        text = (f"{ds.n_samples:,} points × {ds.n_features} "
                f"feature{'s' if ds.n_features > 1 else ''}")
        if proj.method == "pca":
            text += (f". The plot shows the first two principal components "
                     f"({proj.explained_variance_ratio.sum():.0%} of the variance); decision "
                     f"regions are not drawn for {ds.n_features} features.")
        elif proj.method == "pad":
            text += ". One feature, drawn against zero; decision regions are not drawn."
        self.data_info.setText(text)

    def _render_iteration(self, state: KMeansState) -> None:
        f = state.frame
        buttons = (self.step_button, self.back_button, self.play_button, self.reset_button)
        if f is None:
            self.iter_label.setText("")
            for b in buttons:
                b.setEnabled(False)
            if self.inertia_plot is not None and self._inertia_drawn is not None:
                self._inertia_drawn = None
                self.inertia_curve.setData([], [])
                self.inertia_now.setData([], [])
            return
        for b in buttons:  # a pass of the full data steps in the "Full data" group
            b.setEnabled(f.full is None)
        self.back_button.setEnabled(f.full is None and f.iteration > 0)
        self.step_button.setEnabled(f.full is None and not f.converged)
        lines = [f"Iteration <b>{f.iteration}</b> · inertia <b>{fmt(f.inertia)}</b>"]
        if f.full is not None:
            lines = [f"Pass <b>{f.iteration}</b> over all {f.full.n_rows:,} rows · inertia "
                     f"<b>{fmt(f.inertia)}</b>",
                     f"{f.n_changed:,} of the points drawn changed cluster" if f.iteration
                     else "The initial centroids of the fit on the sample"]
        elif f.iteration > 0:
            lines.append(f"{f.n_changed:,} point{'s' if f.n_changed != 1 else ''} changed "
                         "cluster")
        else:
            lines.append("The initial centroids; → to take a step")
        if f.converged:
            unit = "pass" if f.full is not None else "iteration"
            lines.append(f"<span style='color:#2c7a2c'><b>Converged after {f.n_iter} "
                         f"{unit}{'s' if f.n_iter != 1 else ''}</b></span>")
        self.iter_label.setText("<br>".join(lines))
        if self.inertia_plot is not None:  # (drawn once made: make_inertia_plot)
            self._draw_inertia(np.asarray(f.history_inertia, float), f.iteration, f.inertia)

    def _draw_inertia(self, history: np.ndarray, iteration: int, inertia: float) -> None:
        # Drawn only when it changed: the page is refreshed by every result of its tabs, and
        # new data (even the same) repaints the plot, in the same pass as those results.
        drawn = self._inertia_drawn
        if (drawn is not None and drawn[1:] == (iteration, inertia)
                and np.array_equal(drawn[0], history)):
            return
        self._inertia_drawn = (history, iteration, inertia)
        self.inertia_curve.setData(np.arange(len(history)), history)
        self.inertia_now.setData([iteration], [inertia])
        # The range is set once here, not kept by auto-range: that re-ranged at each paint
        # (the axis widths moving the view box) and had the plot painted again and again in
        # one turn.
        self.inertia_plot.plotItem.vb.autoRange()

    def _render_result(self, state: KMeansState) -> None:
        if state.status.get("fit") == "running":
            self.result_label.setText("<i>Fitting…</i>")
            return
        r, f = state.result, state.frame
        if f is None:
            self.result_label.setText("")
            return
        parts = [f"Inertia <b>{fmt(f.inertia)}</b> · score() <b>{fmt(-f.inertia)}</b>"]
        if f.full is not None:
            parts[0] = (f"All {f.full.n_rows:,} rows: inertia <b>{fmt(f.inertia)}</b> · "
                        f"score() <b>{fmt(-f.inertia)}</b>")
            if r is not None:
                parts.append(f"Sample fit: inertia {fmt(r.inertia)}")
        elif r is not None:
            if f.iteration == r.n_iter or (f.n_iter is not None and f.iteration == f.n_iter):
                runs = (f"best of {r.n_init} runs (run {r.best_run + 1})" if r.n_init > 1
                        else "1 run")
                parts.append(f"Fitted: n_iter_ = {r.n_iter}, {runs}")
            else:
                parts.append(f"Fitted: inertia {fmt(r.inertia)} after {r.n_iter} iterations; "
                             f"showing iteration {f.iteration}")
        else:
            parts.append("From the placed centroids: Fit runs to convergence")
        self.result_label.setText("<br>".join(parts))
