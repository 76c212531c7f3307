"""The "Choosing k" page: inertia and silhouette against k, silhouette diagrams.

The chapter's Figures 9-8 to 9-10 on any dataset of the catalog: the sweep of
K-Means fits runs in the background; clicking a k on a curve or a diagram
selects it and shows its clustering with decision regions beside; "Use this k"
sends it to the K-Means page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QCursor
from PySide6.QtWidgets import (
    QCheckBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

import gui.pages
from core.datasets import Dataset
from core.errors import DataError
from core.kmeans import decision_regions
from core.progress import report, scaled
from core.projection import Projection
from core.selection import KSweep, elbow_ratios, sweep_k
from gui.pages.base import Page, info_label, panel, side_panel
from gui.widgets.dataset_picker import DatasetPicker
from gui.widgets.palette import colors_for_labels, hex_color, palette_rgba
from gui.widgets.scatter import ScatterView, make_plot
from gui.widgets.silhouette_view import SilhouetteGrid

DEFAULT_KS = (1, 9)
DEFAULT_DIAGRAM_KS = (3, 4, 5, 6)
MAX_K = 40
MAX_DIAGRAMS = 8
DEFAULT_SAMPLE = 10_000
REGION_RESOLUTION = 300
DEBOUNCE_MS = 400
SETTLE_MS = 150
ELBOW_ARROW_ANGLE = -45
WEAK_ELBOW = 2.0  # below this ratio the annotation says the elbow is weak

ELBOW_RULE = (
    "The elbow is the k after which the gain of adding a cluster collapses the most: for "
    "every k, the drop of inertia that reached k is divided by the largest drop of any later "
    "step, and the elbow is the k where that ratio is largest (with at least two steps after "
    "it). Unlike the 'farthest point from the chord' rule, it reads the chapter's curve as a "
    "person does (k=4)."
)
CH_TIP = ("Calinski-Harabasz score against k: between-cluster dispersion over within-cluster "
          "dispersion (higher is better).")
DB_TIP = ("Davies-Bouldin score against k: average similarity of each cluster with its most "
          "similar one (lower is better).")


@dataclass(frozen=True)
class ChooseKResult:
    """What the page draws: the dataset, its 2-D view, the sweep and the region grids."""

    dataset: Dataset
    projection: Projection
    sweep: KSweep
    regions: dict | None  # k -> (ny, nx) nearest-centre grid, for 2-D data only
    x_range: tuple[float, float]
    y_range: tuple[float, float]


def compute_choose_k(ctx, key: str, ks: list[int], random_state: int,
                     sample_limit: int | None, progress=None) -> ChooseKResult:
    """Worker side: load the dataset, sweep k, and grid the decision regions."""
    ds, projection = ctx.load_view(key)
    report(progress, 0.01)
    n = ds.n_samples
    if max(ks) > n:
        raise DataError(f"k={max(ks)} is more clusters than the {n} points of "
                        f"'{ds.name}'; lower the largest k to at most {n}.")
    sample = sample_limit if sample_limit is not None and n > sample_limit else None
    sweep = sweep_k(ds.X, ks, random_state=random_state, sample_size=sample,
                    progress=scaled(progress, 0.03, 0.97))
    coords = projection.coords
    lo, hi = coords.min(axis=0), coords.max(axis=0)
    pad = np.maximum((hi - lo) * 0.08, 1e-9)
    x_range = (float(lo[0] - pad[0]), float(hi[0] + pad[0]))
    y_range = (float(lo[1] - pad[1]), float(hi[1] + pad[1]))
    regions = None
    if projection.method == "identity":
        regions = {int(k): decision_regions(sweep.centers[i], x_range, y_range,
                                            REGION_RESOLUTION).labels
                   for i, k in enumerate(sweep.ks)}
    report(progress, 1.0)
    return ChooseKResult(ds, projection, sweep, regions, x_range, y_range)


def parse_ks(text: str) -> list[int]:
    """'3, 4, 5 6' -> [3, 4, 5, 6]; raises DataError with a sentence on anything else."""
    parts = [p for p in re.split(r"[\s,;]+", text.strip()) if p]
    if not parts:
        raise DataError("Type the values of k whose silhouette diagrams you want, "
                        "e.g. '3, 4, 5, 6'.")
    values = []
    for p in parts:
        if not re.fullmatch(r"\d+", p):
            raise DataError(f"'{p}' is not a whole number; type values of k such as "
                            "'3, 4, 5, 6'.")
        values.append(int(p))
    if any(v < 2 for v in values):
        raise DataError("A silhouette diagram needs at least 2 clusters; use k of 2 or more.")
    values = list(dict.fromkeys(values))
    if len(values) > MAX_DIAGRAMS:
        raise DataError(f"Show at most {MAX_DIAGRAMS} diagrams at once.")
    return values


class ChooseKPage(Page):
    name = "choose-k"
    title = "Choosing k"

    def __init__(self, ctx, parent=None):
        super().__init__(ctx, parent)
        self.result: ChooseKResult | None = None
        self.elbow_ratio = float("nan")
        self.selected_k: int | None = None
        self._pending_k: int | None = None
        s = ctx.settings

        def setting(key, default, typ):
            return s.value(f"choose_k/{key}", default, type=typ) if s is not None else default

        # -- parameter panel --------------------------------------------------------------
        data_box, data_form = panel("Dataset")
        self.picker = DatasetPicker(ctx, default=str(setting("dataset", "blobs", str)))
        self.picker.key_changed.connect(self._run_now)
        data_form.addRow(self.picker)

        sweep_box, sweep_form = panel("Sweep of K-Means fits")
        self.k_min = QSpinBox()
        self.k_min.setRange(1, MAX_K - 2)
        self.k_min.setValue(int(setting("k_min", DEFAULT_KS[0], int)))
        self.k_min.setToolTip("Smallest number of clusters fitted (k=1 gives the inertia the "
                              "elbow starts from). Changing it restarts the sweep.")
        self.k_max = QSpinBox()
        self.k_max.setRange(3, MAX_K)
        self.k_max.setValue(int(setting("k_max", DEFAULT_KS[1], int)))
        self.k_max.setToolTip("Largest number of clusters fitted. Changing it restarts the "
                              "sweep.")
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setValue(int(setting("random_state", 42, int)))
        self.seed.setToolTip("random_state of every KMeans fit (the chapter uses 42); also "
                             "picks the rows of the silhouette sample.")
        self.sample_check = QCheckBox("Silhouette on a sample")
        self.sample_check.setChecked(bool(setting("sample", True, bool)))
        self.sample_check.setToolTip(
            "The silhouette compares every pair of points (n² work). On datasets larger than "
            "the sample size, compute it on a random sample of rows, as scikit-learn's "
            "silhouette_score(..., sample_size=...) does. Untick for exact values (slow on "
            "large data).")
        self.sample_size = QSpinBox()
        self.sample_size.setRange(100, 200_000)
        self.sample_size.setSingleStep(1000)
        self.sample_size.setGroupSeparatorShown(True)
        self.sample_size.setValue(int(setting("sample_size", DEFAULT_SAMPLE, int)))
        self.sample_size.setToolTip("Number of rows the silhouette is computed on when the "
                                    "dataset is larger.")
        k_row = QHBoxLayout()
        k_row.addWidget(self.k_min)
        to = QLabel("to")
        to.setToolTip("The sweep fits K-Means for every k in this range.")
        k_row.addWidget(to)
        k_row.addWidget(self.k_max)
        k_holder = QWidget()
        k_holder.setLayout(k_row)
        k_row.setContentsMargins(0, 0, 0, 0)
        sweep_form.addRow("k from", k_holder)
        sweep_form.addRow("random_state", self.seed)
        sweep_form.addRow(self.sample_check)
        sweep_form.addRow("Sample size", self.sample_size)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self._run_now)
        self._drawn_timer = QTimer(self)
        self._drawn_timer.setSingleShot(True)
        self._drawn_timer.setInterval(SETTLE_MS)
        self._drawn_timer.timeout.connect(self.mark_drawn)
        for spin in (self.k_min, self.k_max, self.seed, self.sample_size):
            spin.valueChanged.connect(self._debounce.start)
        self.sample_check.toggled.connect(self._debounce.start)
        self.sample_check.toggled.connect(self.sample_size.setEnabled)
        self.sample_size.setEnabled(self.sample_check.isChecked())

        view_box, view_form = panel("Views")
        self.scores_check = QCheckBox("More scores (CH and DB)")
        self.scores_check.setToolTip("Also plot the Calinski-Harabasz (higher is better) and "
                                     "Davies-Bouldin (lower is better) scores against k.")
        self.scores_check.setChecked(bool(setting("more_scores", False, bool)))
        self.scores_check.toggled.connect(self._toggle_scores)
        self.diagram_edit = QLineEdit(str(setting("diagram_ks", "3, 4, 5, 6", str)))
        self.diagram_edit.setToolTip("The k whose silhouette diagrams are drawn (up to "
                                     f"{MAX_DIAGRAMS}, within the sweep's range), e.g. "
                                     "'3, 4, 5, 6'. Press Enter to apply.")
        self.diagram_edit.editingFinished.connect(self._diagram_ks_edited)
        self.diagram_ks: list[int] = list(DEFAULT_DIAGRAM_KS)
        try:
            self.diagram_ks = parse_ks(self.diagram_edit.text())
        except DataError:
            self.diagram_edit.setText(", ".join(map(str, DEFAULT_DIAGRAM_KS)))
        view_form.addRow(self.scores_check)
        view_form.addRow("Diagrams for k", self.diagram_edit)

        sel_box, sel_form = panel("Selected k")
        self.selection_info = info_label("Click a k on a curve or a diagram.")
        self.selection_info.setTextFormat(Qt.TextFormat.RichText)
        self.selection_info.setToolTip("The clustering shown in the scatter.")
        self.use_button = QPushButton("Use this k")
        self.use_button.clicked.connect(self.use_selected_k)
        sel_form.addRow(self.selection_info)
        sel_form.addRow(self.use_button)
        self.rule_label = info_label(f"<small><b>Elbow rule.</b> {ELBOW_RULE}</small>")
        self.rule_label.setTextFormat(Qt.TextFormat.RichText)
        self.rule_label.setToolTip(ELBOW_RULE)

        # -- views ------------------------------------------------------------------------------
        self.inertia_plot = make_plot("Inertia", "k", None)
        self.inertia_plot.setToolTip("Inertia (sum of squared distances of the points to their "
                                     "nearest centre) against k. " + ELBOW_RULE
                                     + " Click a k to select it.")
        self.silhouette_plot = make_plot("Silhouette score", "k", None)
        self.silhouette_plot.setToolTip("Mean silhouette coefficient against k (higher is "
                                        "better; the best k is starred). Click a k to select it.")
        self.ch_plot = make_plot("Calinski-Harabasz", "k", None)
        self.ch_plot.setToolTip(CH_TIP + " Click a k to select it.")
        self.db_plot = make_plot("Davies-Bouldin", "k", None)
        self.db_plot.setToolTip(DB_TIP + " Click a k to select it.")
        self.curve_plots = {"inertia": self.inertia_plot, "silhouette": self.silhouette_plot,
                            "calinski_harabasz": self.ch_plot, "davies_bouldin": self.db_plot}
        self.curves: dict[str, pg.PlotDataItem] = {}
        self.markers: dict[str, pg.InfiniteLine] = {}
        for key, plot in self.curve_plots.items():
            plot.setMinimumSize(120, 110)
            plot.plotItem.setMouseEnabled(x=False, y=False)
            plot.plotItem.setMenuEnabled(False)
            curve = plot.plot([], [], pen=pg.mkPen(31, 80, 200, width=2), symbol="o",
                              symbolSize=7, symbolBrush=(31, 80, 200), symbolPen=None)
            self.curves[key] = curve
            marker = pg.InfiniteLine(angle=90, movable=False,
                                     pen=pg.mkPen(192, 57, 43, width=1.5,
                                                  style=Qt.PenStyle.DotLine))
            marker.setVisible(False)
            plot.addItem(marker, ignoreBounds=True)
            self.markers[key] = marker
            plot.scene().sigMouseClicked.connect(
                lambda ev, p=plot: self._curve_clicked(p, ev))
        self.elbow_point = pg.ScatterPlotItem(size=16, symbol="o", pen=pg.mkPen(192, 57, 43,
                                                                               width=2.5),
                                              brush=None)
        self.inertia_plot.addItem(self.elbow_point)
        # The chapter's annotation: an arrow from up-right pointing at the elbow, "Elbow" at
        # its tail. Both are sized in pixels, so the text's anchor offsets it from the point.
        self.elbow_arrow = pg.ArrowItem(angle=ELBOW_ARROW_ANGLE, headLen=12, tailLen=26,
                                        tailWidth=2, pen=None, brush=(20, 20, 20))
        self.elbow_text = pg.TextItem("Elbow", color=(20, 20, 20), anchor=(-0.55, 2.3))
        for item in (self.elbow_arrow, self.elbow_text):
            item.setVisible(False)
            self.inertia_plot.addItem(item, ignoreBounds=True)
        self.best_point = pg.ScatterPlotItem(size=16, symbol="star", pen=pg.mkPen(192, 57, 43),
                                             brush=(241, 196, 15))
        self.silhouette_plot.addItem(self.best_point)

        curves_widget = QWidget()
        grid = QGridLayout(curves_widget)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(2)
        grid.addWidget(self.inertia_plot, 0, 0)
        grid.addWidget(self.silhouette_plot, 0, 1)
        grid.addWidget(self.ch_plot, 1, 0)
        grid.addWidget(self.db_plot, 1, 1)
        self.curves_widget = curves_widget

        self.diagrams = SilhouetteGrid()
        self.diagrams.setToolTip("Silhouette diagrams: each cluster's coefficients sorted, in "
                                 "the cluster's colour; the dashed red line is the mean "
                                 "(the silhouette score). Hover a band for its size and mean; "
                                 "click a diagram to select its k.")
        self.diagrams.setMinimumSize(170, 200)
        self.diagrams.k_clicked.connect(self.select_k)
        self.diagrams.band_hovered.connect(self._band_hovered)
        self.diagrams.left.connect(self._band_left)
        self.hover_label = QLabel("Hover a band: its cluster's size and mean silhouette.")
        self.hover_label.setToolTip("What the mouse points at in the silhouette diagrams.")
        self.hover_label.setStyleSheet("color: #333; padding: 2px;")

        self.scatter = ScatterView()
        self.scatter.setToolTip("The selected k's clustering with K-Means' decision regions "
                                "(for 2-D data) and centres. Scroll to zoom, drag to pan.")
        self.scatter.setMinimumSize(170, 200)
        self.centroid_rings = pg.ScatterPlotItem(size=15, symbol="o", pen=pg.mkPen("w", width=2),
                                                 brush=(0, 0, 0, 0))
        self.centroid_crosses = pg.ScatterPlotItem(size=11, symbol="x", pen=None,
                                                   brush=(20, 20, 20))
        for item in (self.centroid_rings, self.centroid_crosses):
            item.setZValue(20)
            self.scatter.plotItem.vb.addItem(item, ignoreBounds=True)
        self.scatter_note = info_label("")

        diag_col = QWidget()
        dl = QVBoxLayout(diag_col)
        dl.setContentsMargins(0, 0, 0, 0)
        dl.setSpacing(0)
        dl.addWidget(self.diagrams, 1)
        dl.addWidget(self.hover_label)
        scatter_col = QWidget()
        sl = QVBoxLayout(scatter_col)
        sl.setContentsMargins(0, 0, 0, 0)
        sl.setSpacing(0)
        sl.addWidget(self.scatter, 1)
        sl.addWidget(self.scatter_note)
        self.bottom = QSplitter(Qt.Orientation.Horizontal)
        self.bottom.addWidget(diag_col)
        self.bottom.addWidget(scatter_col)
        self.bottom.setStretchFactor(0, 5)
        self.bottom.setStretchFactor(1, 4)
        self.views = QSplitter(Qt.Orientation.Vertical)
        self.views.addWidget(curves_widget)
        self.views.addWidget(self.bottom)
        self.views.setStretchFactor(0, 2)
        self.views.setStretchFactor(1, 3)
        self.views.setChildrenCollapsible(False)
        self.bottom.setChildrenCollapsible(False)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(side_panel(data_box, sweep_box, view_box, sel_box, self.rule_label))
        layout.addWidget(self.views, 1)
        self._toggle_scores(self.scores_check.isChecked())
        self._update_use_button()

    # -- lifecycle ------------------------------------------------------------------------------
    def start(self) -> None:
        self._run_now()

    def apply_params(self, **params) -> None:
        """``dataset=key`` selects a dataset; ``n_clusters``/``k`` selects a k after the sweep."""
        k = params.get("n_clusters", params.get("k"))
        if k is not None:
            self._pending_k = int(k)
        key = params.get("dataset")
        if key and key != self.picker.current_key():
            self.picker.set_current_key(key)  # restarts the sweep
        elif k is not None and self.result is not None:
            if int(k) in self.result.sweep.ks:
                self.select_k(int(k))
            else:
                self.k_max.setValue(max(self.k_max.value(), int(k)))

    def shutdown(self) -> None:
        self._debounce.stop()
        self._drawn_timer.stop()

    # -- the sweep --------------------------------------------------------------------------------
    def current_ks(self) -> list[int]:
        lo, hi = self.k_min.value(), self.k_max.value()
        return list(range(min(lo, hi), max(lo, hi) + 1))

    def _run_now(self, *args) -> None:
        self._debounce.stop()
        key = self.picker.current_key()
        if not key:
            return
        lo, hi = sorted((self.k_min.value(), self.k_max.value()))
        if hi - lo < 2:
            self.ctx.show_message(
                f"The sweep needs at least three values of k to find an elbow; k from {lo} to "
                f"{hi} has {max(hi - lo + 1, 0)}. Widen the range.", "warning")
            return
        self._save_settings()
        sample = self.sample_size.value() if self.sample_check.isChecked() else None
        self.run_task(compute_choose_k, self.ctx, key, self.current_ks(), self.seed.value(),
                      sample, key="sweep",
                      description=f"Fitting K-Means for k = {lo}…{hi}…",
                      on_result=self._show_result, on_error=self._failed)

    def _failed(self, exc: BaseException) -> None:
        # Keep what is shown, and put the controls back to what it shows.
        if isinstance(exc, DataError):
            self.ctx.show_message(str(exc), "error")
        else:
            self.ctx.show_message(f"The sweep failed: {type(exc).__name__}: {exc}", "error")
        if self.result is not None:
            for w in (self.picker, self.k_min, self.k_max, self.seed):
                w.blockSignals(True)
            self.picker.set_current_key(self.result.dataset.key)
            ks = self.result.sweep.ks
            self.k_min.setValue(int(ks[0]))
            self.k_max.setValue(int(ks[-1]))
            if self.result.sweep.random_state is not None:
                self.seed.setValue(int(self.result.sweep.random_state))
            for w in (self.picker, self.k_min, self.k_max, self.seed):
                w.blockSignals(False)

    def _save_settings(self) -> None:
        s = self.ctx.settings
        if s is None:
            return
        s.setValue("choose_k/dataset", self.picker.current_key())
        s.setValue("choose_k/k_min", self.k_min.value())
        s.setValue("choose_k/k_max", self.k_max.value())
        s.setValue("choose_k/random_state", self.seed.value())
        s.setValue("choose_k/sample", self.sample_check.isChecked())
        s.setValue("choose_k/sample_size", self.sample_size.value())
        s.setValue("choose_k/more_scores", self.scores_check.isChecked())
        s.setValue("choose_k/diagram_ks", ", ".join(map(str, self.diagram_ks)))

    def _show_result(self, result: ChooseKResult) -> None:
        first_for_data = (self.result is None or self.result.dataset.key != result.dataset.key)
        self.result = result
        sweep = result.sweep
        ks = sweep.ks.astype(float)
        self.curves["inertia"].setData(ks, sweep.inertias)
        for key, values in (("silhouette", sweep.silhouettes),
                            ("calinski_harabasz", sweep.calinski_harabasz),
                            ("davies_bouldin", sweep.davies_bouldin)):
            ok = np.isfinite(values)
            self.curves[key].setData(ks[ok], values[ok])
        for plot in self.curve_plots.values():
            plot.plotItem.setXRange(ks[0] - 0.4, ks[-1] + 0.4, padding=0)
            plot.plotItem.getAxis("bottom").setTicks([[(k, str(int(k))) for k in ks], []])
            plot.plotItem.enableAutoRange(axis="y")
        self._draw_elbow()
        best = sweep.best_silhouette
        if best is not None:
            self.best_point.setData([best], [sweep.silhouettes[sweep.index(best)]])
        else:
            self.best_point.setData([], [])
        # the scatter: points once per dataset, colours per selected k
        ds, proj = result.dataset, result.projection
        if first_for_data or self.scatter.n_points != ds.n_samples:
            size = 6 if ds.n_samples <= 5000 else 3
            self.scatter.set_points(proj.coords, size=size, auto_range=True)
            self.scatter.set_axis_titles(*(t.replace(" of variance", "")
                                           for t in proj.axis_titles))
        k = self._pending_k if self._pending_k in sweep.ks else None
        if k is None and self.selected_k in sweep.ks and not first_for_data:
            k = self.selected_k
        if k is None:
            k = sweep.elbow if sweep.elbow is not None else int(sweep.ks[0])
        self._pending_k = None
        self.selected_k = None
        self._draw_diagrams(k)
        self.select_k(k)
        self._update_note()
        # pyqtgraph sizes its axes and titles when it first paints them: say the result is on
        # screen once the views have painted and settled (screenshots wait for this).
        self._drawn_timer.start()

    def _update_note(self) -> None:
        result = self.result
        notes = []
        if result.sweep.sample_size is not None:
            notes.append(f"Silhouettes estimated on {result.sweep.sample_size:,} of the "
                         f"{result.dataset.n_samples:,} points.")
        if result.regions is None:
            shown = ("its first two principal components" if result.projection.method == "pca"
                     else "one axis")
            notes.append(f"Decision regions are drawn for 2-D data; this dataset has "
                         f"{result.dataset.n_features} features, shown on {shown}.")
        self.scatter_note.setText(f"<small>{' '.join(notes)}</small>" if notes else "")
        self.scatter_note.setVisible(bool(notes))

    def _draw_elbow(self) -> None:
        sweep = self.result.sweep
        elbow = sweep.elbow
        visible = elbow is not None
        for item in (self.elbow_arrow, self.elbow_text):
            item.setVisible(visible)
        if not visible:
            self.elbow_point.setData([], [])
            return
        i = sweep.index(elbow)
        y = float(sweep.inertias[i])
        ratio = float(elbow_ratios(sweep.ks, sweep.inertias)[i])
        self.elbow_ratio = ratio
        self.elbow_point.setData([elbow], [y])
        # Arrow and text to the upper right of the point, or upper left near the right edge.
        right_half = elbow > (sweep.ks[0] + sweep.ks[-1]) / 2 + 1
        self.elbow_arrow.setStyle(angle=ELBOW_ARROW_ANGLE if not right_half
                                  else -180 - ELBOW_ARROW_ANGLE)
        self.elbow_text.setText("Elbow" if ratio >= WEAK_ELBOW else "Elbow (weak)")
        # Anchors are in units of the text's size: put its lower corner ~26 px right (or
        # left) of the point and ~22 px above it, at the arrow's tail.
        rect = self.elbow_text.textItem.boundingRect()
        ax, ay = 26.0 / max(rect.width(), 1.0), 1.0 + 22.0 / max(rect.height(), 1.0)
        self.elbow_text.setAnchor((1.0 + ax, ay) if right_half else (-ax, ay))
        self.elbow_arrow.setPos(elbow, y)
        self.elbow_text.setPos(elbow, y)
        self.inertia_plot.setToolTip(
            f"Inertia against k; the elbow is at k={elbow}: the drop that reached it is "
            f"{ratio:.1f}× the largest drop after it"
            + ("" if ratio >= WEAK_ELBOW else " (a weak elbow: the curve hardly bends)")
            + ". " + ELBOW_RULE + " Click a k to select it.")

    def _draw_diagrams(self, selected: int | None) -> None:
        if self.result is None:
            return
        sweep = self.result.sweep
        items = [(k, sweep.diagram(k)) for k in self.diagram_ks if k in sweep.ks]
        items = [(k, d) for k, d in items if d is not None]
        shown = [k for k, _ in items]
        self.diagrams.set_diagrams(items, colors_for_k=lambda k: palette_rgba(k),
                                   selected_k=selected)
        missing = [k for k in self.diagram_ks if k not in shown]
        if missing:
            self.hover_label.setText(
                f"No diagram for k = {', '.join(map(str, missing))}: outside the sweep's "
                f"range {int(sweep.ks[0])}…{int(sweep.ks[-1])}.")
        else:
            self.hover_label.setText("Hover a band: its cluster's size and mean silhouette.")

    def _toggle_scores(self, on: bool) -> None:
        self.ch_plot.setVisible(on)
        self.db_plot.setVisible(on)
        if self.ctx.settings is not None:
            self.ctx.settings.setValue("choose_k/more_scores", bool(on))

    def _diagram_ks_edited(self) -> None:
        text = self.diagram_edit.text()
        try:
            ks = parse_ks(text)
        except DataError as exc:
            self.ctx.show_message(str(exc), "warning")
            self.diagram_edit.setText(", ".join(map(str, self.diagram_ks)))
            return
        if ks == self.diagram_ks:
            return
        self.diagram_ks = ks
        self.diagram_edit.setText(", ".join(map(str, ks)))
        if self.ctx.settings is not None:
            self.ctx.settings.setValue("choose_k/diagram_ks", ", ".join(map(str, ks)))
        if self.result is not None:
            sweep = self.result.sweep
            outside = [k for k in ks if k not in sweep.ks]
            if outside:
                self.ctx.show_message(
                    f"k = {', '.join(map(str, outside))} is outside the sweep's range "
                    f"{int(sweep.ks[0])}…{int(sweep.ks[-1])}: widen the range to see "
                    "its diagram.", "warning")
            self._draw_diagrams(self.selected_k)
            self.code_changed.emit()

    # -- selection ----------------------------------------------------------------------------------
    def _curve_clicked(self, plot, event) -> None:
        if self.result is None or event.button() != Qt.MouseButton.LeftButton:
            return
        vb = plot.plotItem.vb
        if not vb.sceneBoundingRect().contains(event.scenePos()):
            return
        x = vb.mapSceneToView(event.scenePos()).x()
        ks = self.result.sweep.ks
        if plot is not self.inertia_plot:
            ks = ks[ks >= 2]
        if len(ks):
            self.select_k(int(ks[np.argmin(np.abs(ks - x))]))

    def select_k(self, k: int) -> None:
        """Show the clustering with ``k`` clusters (a k of the sweep)."""
        if self.result is None or k not in self.result.sweep.ks:
            return
        k = int(k)
        changed = k != self.selected_k
        self.selected_k = k
        result, sweep = self.result, self.result.sweep
        i = sweep.index(k)
        labels = sweep.labels[i]
        self.scatter.set_colors(colors_for_labels(labels, k))
        if result.regions is not None:
            self.scatter.set_regions(result.regions[k], result.x_range, result.y_range,
                                     n_colors=k)
        else:
            self.scatter.set_regions(None)
        centers2d = result.projection.transform(sweep.centers[i])
        self.centroid_rings.setData(centers2d[:, 0], centers2d[:, 1])
        self.centroid_crosses.setData(centers2d[:, 0], centers2d[:, 1])
        sil = sweep.silhouettes[i]
        sil_text = "undefined for k=1" if np.isnan(sil) else f"{sil:.3f}"
        self.scatter.set_title(f"k={k}")
        for marker in self.markers.values():
            marker.setPos(k)
            marker.setVisible(True)
        self.diagrams.set_selected(k)
        sizes = np.bincount(labels, minlength=k)
        colors = palette_rgba(k)
        swatches = " ".join(f"<span style='color:{hex_color(colors[c])}'>●</span>{sizes[c]}"
                            for c in range(min(k, 12)))
        notes = []
        if sweep.elbow == k:
            notes.append("the elbow")
        if sweep.best_silhouette == k:
            notes.append("best silhouette")
        note = f" ({', '.join(notes)})" if notes else ""
        self.selection_info.setText(
            f"<b>k = {k}</b>{note}<br>Inertia: {sweep.inertias[i]:.1f}<br>"
            f"Silhouette: {sil_text}<br>Cluster sizes: {swatches}")
        self._update_use_button()
        if changed:
            self.code_changed.emit()

    def _band_hovered(self, k: int, cluster: int, size: int, mean: float) -> None:
        text = f"k={k}, cluster {cluster}: {size:,} points, mean silhouette {mean:.3f}"
        self.hover_label.setText(text)
        QToolTip.showText(QCursor.pos(), text, self.diagrams)

    def _band_left(self) -> None:
        QToolTip.hideText()

    # -- Use this k ---------------------------------------------------------------------------------
    def kmeans_available(self) -> bool:
        return "kmeans" in gui.pages.page_names()

    def _update_use_button(self) -> None:
        available = self.kmeans_available()
        has_k = self.result is not None and self.selected_k is not None
        self.use_button.setEnabled(available and has_k)
        if not available:
            self.use_button.setToolTip("Sends the selected k to the K-Means page, which is not "
                                       "part of this version of ClusterLab yet.")
        elif not has_k:
            self.use_button.setToolTip("Select a k first: click it on a curve or a diagram.")
        else:
            self.use_button.setToolTip(f"Open the K-Means page with k={self.selected_k} on "
                                       "this dataset.")

    def use_selected_k(self) -> None:
        if self.result is None or self.selected_k is None or not self.kmeans_available():
            return
        self.ctx.navigate("kmeans", n_clusters=int(self.selected_k),
                          dataset=self.result.dataset.key)

    # -- window hooks ----------------------------------------------------------------------------------
    def code(self) -> str:
        if self.result is None:
            return ""
        sweep = self.result.sweep
        ds = self.result.dataset
        lo, hi = int(sweep.ks[0]), int(sweep.ks[-1])
        rs = sweep.random_state
        sample = (f", sample_size={sweep.sample_size}, random_state={rs}"
                  if sweep.sample_size is not None else "")
        code = ds.code or "# X: your data, one row per point\n"
        code += (
            "\nfrom sklearn.cluster import KMeans\n"
            "from sklearn.metrics import (calinski_harabasz_score, davies_bouldin_score,\n"
            "                             silhouette_samples, silhouette_score)\n\n"
            f"ks = range({lo}, {hi + 1})\n"
            f"kmeans_per_k = {{k: KMeans(n_clusters=k, random_state={rs}).fit(X) for k in ks}}\n"
            "inertias = [kmeans_per_k[k].inertia_ for k in ks]\n"
            f"silhouette_scores = {{k: silhouette_score(X, kmeans_per_k[k].labels_{sample})\n"
            "                     for k in ks if k > 1}\n"
            "ch_scores = {k: calinski_harabasz_score(X, kmeans_per_k[k].labels_) "
            "for k in ks if k > 1}\n"
            "db_scores = {k: davies_bouldin_score(X, kmeans_per_k[k].labels_) "
            "for k in ks if k > 1}\n"
        )
        if sweep.elbow is not None:
            code += f"# the elbow of the inertia curve is at k={sweep.elbow}\n"
        k = self.selected_k
        if k is not None and k >= 2:
            if sweep.sample_size is not None:
                rows = (f"\nidx = np.random.RandomState({rs}).permutation(len(X))"
                        f"[:{sweep.sample_size}]\n"
                        f"X_s, y_pred = X[idx], kmeans_per_k[{k}].labels_[idx]\n")
            else:
                rows = f"\nX_s, y_pred = X, kmeans_per_k[{k}].labels_\n"
            code += (
                f"\n# silhouette diagram for k={k} (the selected k)\n"
                "import matplotlib.pyplot as plt\nimport numpy as np\n"
                + rows +
                "silhouette_coefficients = silhouette_samples(X_s, y_pred)\n"
                "padding = len(X_s) // 30\npos = padding\nticks = []\n"
                f"for i in range({k}):\n"
                "    coeffs = np.sort(silhouette_coefficients[y_pred == i])\n"
                "    color = f\"C{i % 10}\"\n"
                "    plt.fill_betweenx(np.arange(pos, pos + len(coeffs)), 0, coeffs,\n"
                "                      facecolor=color, edgecolor=color, alpha=0.7)\n"
                "    ticks.append(pos + len(coeffs) // 2)\n"
                "    pos += len(coeffs) + padding\n"
                f"plt.yticks(ticks, range({k}))\n"
                "plt.axvline(x=silhouette_coefficients.mean(), color=\"red\", "
                "linestyle=\"--\")\n"
                f"plt.title(\"$k={k}$\")\n"
                "plt.xlabel(\"Silhouette Coefficient\")\nplt.ylabel(\"Cluster\")\nplt.show()\n"
            )
        return code

    def export_widget(self) -> QWidget:
        return self.views

    def export_table(self):
        if self.result is None:
            return None
        sweep = self.result.sweep
        header = ["k", "inertia", "silhouette", "calinski_harabasz", "davies_bouldin",
                  "n_iter", "elbow", "selected"]

        def num(v):
            return "" if not np.isfinite(v) else float(v)

        rows = []
        for i, k in enumerate(sweep.ks):
            rows.append([int(k), float(sweep.inertias[i]), num(sweep.silhouettes[i]),
                         num(sweep.calinski_harabasz[i]), num(sweep.davies_bouldin[i]),
                         int(sweep.n_iter[i]), int(k == sweep.elbow),
                         int(k == self.selected_k)])
        return header, rows


__all__ = ["ChooseKPage", "ChooseKResult", "compute_choose_k", "parse_ks"]
