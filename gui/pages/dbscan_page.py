"""The DBSCAN page: core, border and noise points, the k-distance curve, and new instances.

The chapter's DBSCAN section as a live lab: the moons with eps=0.05 and
min_samples=5 by default (Figure 9-14), eps and min_samples that update the
clustering as they change, the k-distance curve whose horizontal line sets
eps, the eps-neighbourhood of the point under the mouse, the chapter's
eps=0.05 vs eps=0.2 comparison, and new instances (clicked on the plot)
assigned to clusters by a KNN trained on the core samples.
"""

from __future__ import annotations

import json
import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QBoxLayout,
    QCheckBox,
    QDoubleSpinBox,
    QGraphicsEllipseItem,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from core.datasets import Dataset
from core.density import (
    DBSCANResult,
    KDistances,
    KNNPrediction,
    NeighborIndex,
    RegionGrid,
    k_distances,
    knn_classify,
    knn_regions,
    lift_from_view,
    neighbor_index,
    run_dbscan,
)
from core.projection import Projection
from core.storage import RowTable
from gui.pages.base import Page, hbox, info_label, panel, side_panel
from gui.widgets.dataset_picker import DatasetPicker
from gui.widgets.palette import ANOMALY_RGBA, hex_color, palette_rgba, pastel
from gui.widgets.scatter import ScatterView, make_plot

#: The chapter's new instances (in the moons' coordinates).
CHAPTER_X_NEW = [(-0.5, 0.0), (0.0, 0.5), (1.0, -0.1), (2.0, 1.0)]
#: Up to this many points, core samples are drawn large and border samples small; beyond,
#: every point is drawn by the rasterising ScatterView at one size, distinguished by colour.
SIZED_MAX = 20_000
#: Most anomalies drawn as crosses on a big cloud; beyond, they are red dots only.
MAX_CROSSES = 5000
#: Debounce of the eps / min_samples controls, in milliseconds.
DEBOUNCE_MS = 150
#: Hover picks the nearest point within this many screen pixels.
PICK_PIXELS = 12

CORE_SIZE = 10
BORDER_SIZE = 5
CROSS_SIZE = 11


# --------------------------------------------------------------------------- worker jobs

def _load_job(ctx, key: str):
    ds, proj = ctx.load_view(key)
    index = neighbor_index(ds.X, proj.coords)
    return key, ds, proj, index


def _dbscan_job(X, eps, min_samples, progress=None):
    t0 = time.perf_counter()
    result = run_dbscan(X, eps, min_samples, progress=progress)
    elapsed = time.perf_counter() - t0
    # A big cloud is drawn by colour only: prepare its colours here, off the GUI thread.
    colors = cluster_colors(result) if result.labels.size > SIZED_MAX else None
    return result, elapsed, colors


def _kdist_job(X, k, progress=None):
    return k_distances(X, k, progress=progress)


def _compare_job(X, eps_a, eps_b, min_samples, progress=None):
    from core.progress import scaled

    a = run_dbscan(X, eps_a, min_samples, progress=scaled(progress, 0.0, 0.5))
    b = run_dbscan(X, eps_b, min_samples, progress=scaled(progress, 0.5, 1.0))
    return a, b


def _fmt(value: float) -> str:
    """eps as the chapter prints it (two decimals) unless it needs more digits."""
    text = f"{value:.2f}"
    return text if abs(float(text) - value) < 1e-12 or value >= 1 else f"{value:.4g}"


def _title(result: DBSCANResult) -> str:
    clusters = f"{result.n_clusters} cluster{'s' if result.n_clusters != 1 else ''}"
    anomalies = f"{result.n_noise:,} anomal{'ies' if result.n_noise != 1 else 'y'}"
    return f"eps={_fmt(result.eps)}, min_samples={result.min_samples}: {clusters}, {anomalies}"


def cluster_colors(result: DBSCANResult) -> np.ndarray:
    """Per-point RGBA for the colour-only drawing: cores in their cluster's colour,
    border samples in a paler tone of it, anomalies red."""
    k = max(result.n_clusters, 1)
    table = palette_rgba(k)
    colors = np.empty((result.labels.size, 4), dtype=np.uint8)
    colors[:] = ANOMALY_RGBA
    clustered = result.labels >= 0
    colors[clustered] = table[result.labels[clustered] % k]
    border = result.border_mask
    colors[border] = pastel(colors[border], 0.45)
    return colors


class DistanceSpinBox(QDoubleSpinBox):
    """A spin box for distances of any scale: four significant digits shown, none lost.

    A plain QDoubleSpinBox rounds its value to a fixed number of decimals, which
    either loses small eps values or shows long tails of zeros.
    """

    def __init__(self, value: float, parent=None):
        super().__init__(parent)
        self.setDecimals(10)
        self.setRange(1e-8, 1e9)
        self.setStepType(QDoubleSpinBox.StepType.AdaptiveDecimalStepType)
        self.setValue(value)

    def textFromValue(self, value: float) -> str:  # noqa: N802 - Qt override
        if value <= 0:
            return "0"
        decimals = max(0, 3 - int(np.floor(np.log10(value))))
        text = f"{value:.{decimals}f}"
        return text.rstrip("0").rstrip(".") if "." in text else text

    def valueFromText(self, text: str) -> float:  # noqa: N802 - Qt override
        try:
            return float(text.replace(",", "."))
        except ValueError:
            return self.value()


class DBSCANPlot(QWidget):
    """A ScatterView that draws a DBSCAN result like the chapter's Figure 9-14.

    Up to ``SIZED_MAX`` points: core samples large and coloured by cluster
    (the ScatterView, which rasterises them above its own threshold), border
    samples small in their cluster's colour and anomalies as red crosses (two
    overlay items). Above it every point is drawn by the rasterising
    ScatterView with the same size, so the distinction is by colour only
    (border pale, anomalies red); a note says so.
    """

    def __init__(self, parent=None):
        super().__init__(parent)
        self.view = ScatterView()
        self.view.setMinimumSize(200, 160)
        vb = self.view.plotItem.vb
        self.border_item = pg.ScatterPlotItem(pxMode=True, pen=pg.mkPen(40, 40, 40, 140, width=0.6))
        self.border_item.setZValue(2)
        vb.addItem(self.border_item)
        self.noise_item = pg.ScatterPlotItem(pxMode=True, symbol="x", size=CROSS_SIZE,
                                             pen=None, brush=pg.mkBrush(*ANOMALY_RGBA))
        self.noise_item.setZValue(3)
        vb.addItem(self.noise_item)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: #555; font-size: 11px;")
        self.note.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.note)
        self.result: DBSCANResult | None = None
        self.colour_only = False
        self._brushes: list = []

    def show_result(self, xy: np.ndarray, result: DBSCANResult, auto_range: bool = True,
                    colors: np.ndarray | None = None) -> None:
        """Draw ``result`` on the points ``xy``; ``colors`` are :func:`cluster_colors` if
        already computed (a worker does it for big clouds)."""
        self.result = result
        n = xy.shape[0]
        self.colour_only = n > SIZED_MAX
        labels = result.labels
        k = max(result.n_clusters, 1)
        if self.colour_only:
            self.border_item.clear()
            noise = np.flatnonzero(labels < 0)
            if noise.size <= MAX_CROSSES:
                self.noise_item.setData(x=xy[noise, 0], y=xy[noise, 1])
            else:
                self.noise_item.clear()
            if colors is None:
                colors = cluster_colors(result)
            if self.view.points() is xy and not auto_range:
                self.view.set_colors(colors)  # same cloud: recolour only (one gather)
            else:
                self.view.set_points(xy, colors=colors, size=3, auto_range=auto_range)
            crosses = "red crosses" if noise.size <= MAX_CROSSES else "red"
            self.note.setText(
                f"{n:,} points: all are drawn the same size, so core samples are in their "
                f"cluster's colour, border samples in a paler tone and anomalies {crosses}.")
            self.note.show()
            return
        self.note.hide()
        table = palette_rgba(k)
        if len(self._brushes) < k:
            self._brushes = [pg.mkBrush(*c) for c in palette_rgba(k)]
        border = np.flatnonzero(result.border_mask)
        self.border_item.setData(x=xy[border, 0], y=xy[border, 1], size=BORDER_SIZE,
                                 brush=[self._brushes[i % k] for i in labels[border]])
        noise = np.flatnonzero(labels < 0)
        self.noise_item.setData(x=xy[noise, 0], y=xy[noise, 1])
        core = result.core_indices
        self.view.set_points(xy[core], colors=table[labels[core] % k], size=CORE_SIZE,
                             auto_range=False)
        if auto_range:
            self.view.plotItem.vb.autoRange(padding=0.05)

    def clear(self) -> None:
        self.result = None
        self.border_item.clear()
        self.noise_item.clear()
        self.view.set_points(np.empty((0, 2)))

    def noise_points(self) -> np.ndarray:
        """The (m, 2) positions of the red crosses."""
        x, y = self.noise_item.getData()
        return np.column_stack([x, y]) if x is not None else np.empty((0, 2))

    def border_points(self) -> np.ndarray:
        x, y = self.border_item.getData()
        return np.column_stack([x, y]) if x is not None else np.empty((0, 2))


class _WrappingLabel(QLabel):
    """A word-wrapped label that asks for the height its text needs at its current width.

    (In a scroll area, a plain wrapped QLabel may be given the height of fewer lines.)
    """

    def __init__(self, text: str = "", parent=None):
        super().__init__(text, parent)
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

    def _fit(self) -> None:
        if self.width() > 0:
            current = self.minimumHeight()
            self.setMinimumHeight(0)  # (heightForWidth never answers less than the minimum)
            need = self.heightForWidth(self.width())
            self.setMinimumHeight(need if need > 0 else current)

    def setText(self, text: str) -> None:  # noqa: N802 - Qt override
        super().setText(text)
        self._fit()

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._fit()


class _SideBySide(QWidget):
    """Two plots side by side or one above the other, whichever shows the data larger."""

    def __init__(self, a: QWidget, b: QWidget, parent=None):
        super().__init__(parent)
        self._layout = QBoxLayout(QBoxLayout.Direction.LeftToRight, self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.addWidget(a, 1)
        self._layout.addWidget(b, 1)
        self._aspect = 1.0

    def set_data_aspect(self, width_over_height: float) -> None:
        """The data's width / height (with equal axis scales), to choose the arrangement."""
        self._aspect = float(width_over_height) if width_over_height > 0 else 1.0
        self._arrange(self.width(), self.height())

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        self._arrange(event.size().width(), event.size().height())
        super().resizeEvent(event)

    def _arrange(self, w: int, h: int) -> None:
        # Data of aspect a drawn in a w × h cell gets the scale min(w / a, h).
        side = min(w / 2 / self._aspect, h)
        stacked = min(w / self._aspect, h / 2)
        wide = side >= stacked
        direction = QBoxLayout.Direction.LeftToRight if wide else QBoxLayout.Direction.TopToBottom
        if self._layout.direction() != direction:
            self._layout.setDirection(direction)

    @property
    def side_by_side(self) -> bool:
        return self._layout.direction() == QBoxLayout.Direction.LeftToRight


# --------------------------------------------------------------------------- the page

class DBSCANPage(Page):
    name = "dbscan"
    title = "DBSCAN"

    def __init__(self, ctx, parent=None):
        super().__init__(ctx, parent)
        self.dataset: Dataset | None = None
        self.projection: Projection | None = None
        self.index: NeighborIndex | None = None
        self.result: DBSCANResult | None = None
        self.elapsed = 0.0
        self.kdist: KDistances | None = None
        self.prediction: KNNPrediction | None = None
        self.regions: RegionGrid | None = None
        self.compare_results: tuple[DBSCANResult, DBSCANResult] | None = None
        self._compare_params = None
        self._hover_index: int | None = None
        self._pending_suggestion = False
        self._syncing_line = False
        s = ctx.settings
        self._eps_by_key: dict[str, float] = self._load_json("dbscan/eps_by_dataset", {})
        self._maxd_by_key: dict[str, float] = self._load_json("dbscan/max_distance_by_dataset",
                                                              {})
        self._instances_by_key: dict[str, list] = self._load_json("dbscan/instances", {})
        self.instances: list[tuple[float, float]] = []

        # -- parameters
        data_box, data_form = panel("Dataset")
        default = str(s.value("dbscan/dataset", "moons")) if s is not None else "moons"
        self.picker = DatasetPicker(ctx, default=default)
        self.picker.key_changed.connect(self._load)
        data_form.addRow(self.picker)

        box, form = panel("DBSCAN")
        self.eps_spin = DistanceSpinBox(0.05)
        self.eps_spin.setToolTip(
            "eps: the radius of a point's neighbourhood. A point with at least min_samples "
            "points within eps (itself included) is a core sample. You can also drag the "
            "horizontal line of the k-distance curve.")
        form.addRow("eps", self.eps_spin)
        self.min_samples_spin = QSpinBox()
        self.min_samples_spin.setRange(1, 10_000)
        self.min_samples_spin.setValue(int(s.value("dbscan/min_samples", 5)) if s is not None
                                       else 5)
        self.min_samples_spin.setToolTip(
            "min_samples: how many points (the point itself included) must lie within eps "
            "for a point to be a core sample.")
        form.addRow("min_samples", self.min_samples_spin)
        self.suggest_button = QPushButton("Use the suggested eps")
        self.suggest_button.setToolTip(
            "Set eps to the knee of the k-distance curve (k = min_samples − 1), marked on "
            "the curve below the plot.")
        self.suggest_button.clicked.connect(self.use_suggested_eps)
        form.addRow(self.suggest_button)
        self.summary = info_label("Loading…")
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setWordWrap(False)  # explicit lines: its size hint is then exact
        form.addRow(self.summary)

        new_box, new_form = panel("New instances")
        self.instances_help = _WrappingLabel(
            "Click the plot to add an instance. A KNN classifier trained on the core "
            "samples predicts its cluster; one farther than the max distance from every "
            "core sample is an anomaly.")
        self.instances_help.setStyleSheet("color: #444;")
        new_form.addRow(self.instances_help)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["#", "position", "cluster", "probability"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.setMinimumHeight(130)
        self.table.setToolTip("The new instances, their predicted cluster and the "
                              "classifier's probability for it.")
        new_form.addRow(self.table)
        self.chapter_button = QPushButton("Chapter's four")
        self.chapter_button.setToolTip("Put back the chapter's X_new: (-0.5, 0), (0, 0.5), "
                                       "(1, -0.1) and (2, 1).")
        self.chapter_button.clicked.connect(self.reset_instances)
        self.remove_button = QPushButton("Remove")
        self.remove_button.setToolTip("Remove the selected instances (or the last one).")
        self.remove_button.clicked.connect(self.remove_selected)
        self.clear_button = QPushButton("Clear")
        self.clear_button.setToolTip("Remove every new instance.")
        self.clear_button.clicked.connect(self.clear_instances)
        new_form.addRow(hbox(self.chapter_button, self.remove_button, self.clear_button))
        self.k_spin = QSpinBox()
        self.k_spin.setRange(1, 1000)
        self.k_spin.setValue(50)
        self.k_spin.setToolTip("n_neighbors of the KNeighborsClassifier (the chapter's 50); "
                               "all core samples vote when there are fewer.")
        new_form.addRow("n_neighbors", self.k_spin)
        self.max_dist_spin = DistanceSpinBox(0.2)
        self.max_dist_spin.setToolTip("An instance farther than this from its nearest core "
                                      "sample is an anomaly (the chapter uses 0.2 on the moons; "
                                      "other data starts with its suggested eps).")
        new_form.addRow("max distance", self.max_dist_spin)
        self.regions_check = QCheckBox("Show the KNN's decision regions")
        self.regions_check.setToolTip("Colour the background by the cluster the classifier "
                                      "predicts there; grey where it would say anomaly.")
        new_form.addRow(self.regions_check)

        export_box, export_form = panel("Results")
        self.export_button = QPushButton("Export labels as CSV…")
        self.export_button.setToolTip("Save every point with its cluster (-1 for anomalies) "
                                      "and whether it is a core, border or noise sample.")
        self.export_button.clicked.connect(self._export_csv)
        export_form.addRow(self.export_button)

        # -- views
        self.plot = DBSCANPlot()
        self.view = self.plot.view
        self.view.setToolTip("Core samples are large, border samples small, anomalies are red "
                             "crosses. Hover a point to see its eps-neighbourhood; click to "
                             "add a new instance. Scroll to zoom, drag to pan.")
        self.view.set_axis_titles("x1", "x2")
        vb = self.view.plotItem.vb
        self.circle = QGraphicsEllipseItem()
        pen = QPen(QColor(20, 20, 20, 200))
        pen.setCosmetic(True)
        pen.setWidthF(1.5)
        pen.setStyle(Qt.PenStyle.DashLine)
        self.circle.setPen(pen)
        self.circle.setBrush(QColor(30, 30, 30, 25))
        self.circle.setZValue(5)
        self.circle.hide()
        vb.addItem(self.circle, ignoreBounds=True)
        self.hover_label = pg.TextItem(color=(20, 20, 20), fill=pg.mkBrush(255, 255, 255, 215),
                                       anchor=(0, 1))
        self.hover_label.setZValue(6)
        self.hover_label.hide()
        vb.addItem(self.hover_label, ignoreBounds=True)
        self.new_item = pg.ScatterPlotItem(pxMode=True, symbol="+", size=18,
                                           pen=pg.mkPen(20, 40, 200, width=1),
                                           brush=pg.mkBrush(20, 40, 200))
        self.new_item.setZValue(7)
        vb.addItem(self.new_item, ignoreBounds=True)
        self._new_labels: list[pg.TextItem] = []
        self.view.hovered.connect(self._hover)
        self.view.left.connect(self._hide_hover)
        self.view.clicked.connect(self._plot_clicked)

        self.kplot = make_plot(None, "points, sorted by k-distance", "k-distance")
        for axis in ("left", "bottom"):
            self.kplot.plotItem.getAxis(axis).enableAutoSIPrefix(False)
        self.kplot.setMinimumHeight(130)
        self.kplot.setToolTip("Every point's distance to its k-th nearest neighbour "
                              "(k = min_samples − 1), sorted. Points above the eps line are "
                              "not core samples. Drag the line to set eps.")
        self.kcurve = self.kplot.plot([], [], pen=pg.mkPen(31, 119, 180, width=2))
        self.kcurve.setDownsampling(auto=True, method="peak")
        self.kcurve.setClipToView(True)
        self.knee_marker = pg.ScatterPlotItem(size=11, symbol="o", pen=pg.mkPen(150, 0, 0, width=2),
                                              brush=pg.mkBrush(255, 255, 255))
        self.knee_marker.setZValue(4)
        self.kplot.addItem(self.knee_marker)
        self.knee_line = pg.InfiniteLine(angle=0, movable=False,
                                         pen=pg.mkPen(150, 0, 0, width=1, style=Qt.PenStyle.DotLine),
                                         label="suggested eps = {value:.4g}",
                                         labelOpts={"position": 0.55, "color": (150, 0, 0),
                                                    "anchors": [(0.5, 1), (0.5, 1)],
                                                    "fill": (255, 255, 255, 190)})
        self.knee_line.hide()
        self.kplot.addItem(self.knee_line)
        self.eps_line = pg.InfiniteLine(pos=0.05, angle=0, movable=True,
                                        pen=pg.mkPen(20, 20, 20, width=2),
                                        hoverPen=pg.mkPen(214, 39, 40, width=3),
                                        label="eps = {value:.4g}",
                                        labelOpts={"position": 0.06, "color": (20, 20, 20),
                                                   "anchors": [(0, 0), (0, 0)],
                                                   "fill": (255, 255, 255, 200)})
        self.eps_line.setToolTip("Drag to set eps")
        self.eps_line.setZValue(5)
        self.kplot.addItem(self.eps_line)
        self.eps_line.sigPositionChanged.connect(self._line_moved)
        self.knote = QLabel()
        self.knote.setStyleSheet("color: #555; font-size: 11px;")
        self.knote.setWordWrap(True)

        self.legend = QLabel()
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.legend.setWordWrap(True)
        self.legend.setStyleSheet("font-size: 11px;")

        explore = QWidget()
        ex_layout = QVBoxLayout(explore)
        ex_layout.setContentsMargins(0, 0, 0, 0)
        splitter = QSplitter(Qt.Orientation.Vertical)
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.setSpacing(2)
        top_layout.addWidget(self.plot, 1)
        top_layout.addWidget(self.legend)
        bottom = QWidget()
        bottom_layout = QVBoxLayout(bottom)
        bottom_layout.setContentsMargins(0, 0, 0, 0)
        bottom_layout.setSpacing(2)
        bottom_layout.addWidget(self.kplot, 1)
        bottom_layout.addWidget(self.knote)
        splitter.addWidget(top)
        splitter.addWidget(bottom)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([520, 190])
        ex_layout.addWidget(splitter)

        # -- the chapter's comparison
        compare = QWidget()
        cmp_layout = QVBoxLayout(compare)
        cmp_layout.setContentsMargins(0, 4, 0, 0)
        self.eps_a_spin = DistanceSpinBox(0.05)
        self.eps_b_spin = DistanceSpinBox(0.2)
        for spin, side in ((self.eps_a_spin, "left"), (self.eps_b_spin, "right")):
            spin.setToolTip(f"eps of the {side} plot (the chapter compares 0.05 and 0.2); "
                            "both use the min_samples of the panel.")
            spin.valueChanged.connect(self._schedule_compare)
        row = QHBoxLayout()
        row.addWidget(QLabel("Left eps"))
        row.addWidget(self.eps_a_spin)
        row.addSpacing(16)
        row.addWidget(QLabel("Right eps"))
        row.addWidget(self.eps_b_spin)
        self.compare_note = QLabel()
        self.compare_note.setStyleSheet("color: #555;")
        row.addSpacing(16)
        row.addWidget(self.compare_note, 1)
        cmp_layout.addLayout(row)
        self.plot_a = DBSCANPlot()
        self.plot_b = DBSCANPlot()
        for p in (self.plot_a, self.plot_b):
            p.view.setToolTip("Core samples large, border samples small, anomalies red "
                              "crosses, as in the chapter's Figure 9-14.")
        self.compare_area = _SideBySide(self.plot_a, self.plot_b)
        cmp_layout.addWidget(self.compare_area, 1)

        self.tabs = QTabWidget()
        self.tabs.addTab(explore, "Clusters and k-distance")
        self.tabs.addTab(compare, "Compare eps (chapter's figure)")
        self.tabs.setTabToolTip(0, "The clustering for the panel's eps and min_samples, and "
                                   "the k-distance curve that helps choose eps.")
        self.tabs.setTabToolTip(1, "Two values of eps side by side, like the chapter's "
                                   "Figure 9-14 (eps=0.05 and eps=0.2).")
        self.tabs.currentChanged.connect(self._tab_changed)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(side_panel(data_box, box, new_box, export_box, width=290))
        layout.addWidget(self.tabs, 1)

        # -- timers and signals
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self._run_dbscan)
        self._ktimer = QTimer(self)
        self._ktimer.setSingleShot(True)
        self._ktimer.setInterval(DEBOUNCE_MS)
        self._ktimer.timeout.connect(self._run_kdist)
        self._cmp_timer = QTimer(self)
        self._cmp_timer.setSingleShot(True)
        self._cmp_timer.setInterval(DEBOUNCE_MS)
        self._cmp_timer.timeout.connect(self._run_compare)
        self._knn_timer = QTimer(self)
        self._knn_timer.setSingleShot(True)
        self._knn_timer.setInterval(DEBOUNCE_MS)
        self._knn_timer.timeout.connect(self._knn_params_changed)
        self.eps_spin.valueChanged.connect(self._eps_changed)
        self.min_samples_spin.valueChanged.connect(self._min_samples_changed)
        self.k_spin.valueChanged.connect(self._knn_timer.start)
        self.max_dist_spin.valueChanged.connect(self._knn_timer.start)
        self.regions_check.toggled.connect(self._regions_toggled)
        for w in (self.k_spin, self.max_dist_spin):
            w.valueChanged.connect(self._save_settings)

    # -- persistence ---------------------------------------------------------------------------
    def _load_json(self, name: str, default):
        s = self.ctx.settings
        if s is None:
            return default
        try:
            value = json.loads(str(s.value(name, "")) or "null")
        except ValueError:
            return default
        return value if isinstance(value, type(default)) else default

    def _save_settings(self, *args) -> None:
        s = self.ctx.settings
        if s is None:
            return
        if self.dataset is not None:
            s.setValue("dbscan/dataset", self.dataset.key)
            self._eps_by_key[self.dataset.key] = self.eps_spin.value()
            self._instances_by_key[self.dataset.key] = [list(p) for p in self.instances]
            self._maxd_by_key[self.dataset.key] = self.max_dist_spin.value()
        s.setValue("dbscan/min_samples", self.min_samples_spin.value())
        s.setValue("dbscan/eps_by_dataset", json.dumps(self._eps_by_key))
        s.setValue("dbscan/instances", json.dumps(self._instances_by_key))
        s.setValue("dbscan/n_neighbors", self.k_spin.value())
        s.setValue("dbscan/max_distance_by_dataset", json.dumps(self._maxd_by_key))

    # -- lifecycle --------------------------------------------------------------------------------
    def start(self) -> None:
        s = self.ctx.settings
        if s is not None:
            self.k_spin.blockSignals(True)
            self.k_spin.setValue(int(s.value("dbscan/n_neighbors", 50)))
            self.k_spin.blockSignals(False)
        self._load(self.picker.current_key())

    def apply_params(self, **params) -> None:
        if "dataset" in params:
            self.picker.set_current_key(str(params["dataset"]))
        if "min_samples" in params:
            self.min_samples_spin.setValue(int(params["min_samples"]))
        if "eps" in params:
            self.eps_spin.setValue(float(params["eps"]))

    def _load(self, key: str) -> None:
        if not key:
            return
        # (the summary keeps the last clustering until the new one is drawn: no layout jumps)
        self.run_task(_load_job, self.ctx, key, key="load", description="Loading dataset…",
                      on_result=self._loaded, on_error=self._load_failed)

    def _load_failed(self, exc: BaseException) -> None:
        self.ctx.show_message(str(exc), "error")
        if self.dataset is not None:
            self.picker.blockSignals(True)
            self.picker.set_current_key(self.dataset.key)
            self.picker.blockSignals(False)
            self._update_summary()

    def _loaded(self, payload) -> None:
        key, ds, proj, index = payload
        if key != self.picker.current_key():
            return
        self.dataset, self.projection, self.index = ds, proj, index
        self.result = None
        self.kdist = None
        self.prediction = None
        self.regions = None
        self.compare_results = None
        self._compare_params = None
        self.view.set_regions(None)
        self._hide_hover()
        self.view.set_axis_titles(*proj.axis_titles)
        for p in (self.plot_a, self.plot_b):
            p.view.set_axis_titles(*proj.axis_titles)
        for view in (self.view, self.plot_a.view, self.plot_b.view):
            view.setAspectLocked(proj.method == "identity", 1.0)
        span = np.ptp(proj.coords, axis=0)
        self.compare_area.set_data_aspect(
            float(span[0] / span[1]) if proj.method == "identity" and span[1] > 0 else 1.6)
        stored = self._instances_by_key.get(key)
        if stored is None:
            stored = CHAPTER_X_NEW if key == "moons" else []
        self.instances = [(float(x), float(y)) for x, y in stored]
        self.chapter_button.setEnabled(proj.method == "identity")
        planar = proj.method != "identity"
        self.instances_help.setText(
            "Click the plot to add an instance. A KNN classifier trained on the core samples "
            "predicts its cluster; one farther than the max distance from every core sample is "
            "an anomaly." + (" For this data the plot shows principal components: a click "
                             "stands for the point of the principal plane under it."
                             if planar and proj.method == "pca" else ""))
        eps = self._eps_by_key.get(key)
        if eps is None and key == "moons":
            eps = 0.05  # the chapter's first figure
        self._pending_suggestion = eps is None
        if eps is not None:
            self._set_eps(float(eps))
        # The anomaly distance is in the data's units: the chapter's 0.2 for the moons,
        # else eps (as in the chapter, where both are 0.2) once it is known.
        maxd = self._maxd_by_key.get(key, 0.2 if key == "moons" else eps)
        if maxd is not None:
            self._set_max_distance(float(maxd))
        self._draw_instances()
        self._run_kdist()
        if not self._pending_suggestion:
            self._run_dbscan()
        if self.ctx.settings is not None:
            self.ctx.settings.setValue("dbscan/dataset", key)

    def _set_max_distance(self, value: float) -> None:
        self.max_dist_spin.blockSignals(True)
        self.max_dist_spin.setValue(value)
        self.max_dist_spin.blockSignals(False)

    def _set_eps(self, eps: float) -> None:
        self.eps_spin.blockSignals(True)
        self.eps_spin.setValue(eps)
        self.eps_spin.blockSignals(False)
        self._move_line(eps)

    # -- DBSCAN --------------------------------------------------------------------------------
    def _eps_changed(self, value: float) -> None:
        self._move_line(value)
        self._timer.start()

    def _min_samples_changed(self, value: int) -> None:
        self._timer.start()
        self._ktimer.start()

    def _run_dbscan(self) -> None:
        if self.dataset is None:
            return
        self._timer.stop()
        eps, ms = self.eps_spin.value(), self.min_samples_spin.value()
        task = self.run_task(_dbscan_job, self.dataset.X, eps, ms, key="dbscan",
                             description=f"DBSCAN with eps={_fmt(eps)}, min_samples={ms}…",
                             on_result=lambda r, key=self.dataset.key: self._dbscan_done(key, r),
                             on_error=self._dbscan_failed)
        task.cancelled.connect(lambda t=task: self._dbscan_cancelled(t))
        if self.tabs.currentIndex() == 1:
            self._schedule_compare()

    def _dbscan_cancelled(self, task) -> None:
        # Cancelled by the user (not superseded by newer values): show the drawn parameters.
        if task.state == "cancelled":
            self._show_drawn_params()

    def _dbscan_failed(self, exc: BaseException) -> None:
        # Keep the clustering on screen; say why the new one is not there.
        self.ctx.show_message(str(exc), "error")
        self._show_drawn_params()

    def _show_drawn_params(self) -> None:
        if self.result is not None:
            self._set_eps(self.result.eps)
            self.min_samples_spin.blockSignals(True)
            self.min_samples_spin.setValue(self.result.min_samples)
            self.min_samples_spin.blockSignals(False)
            if self.kdist is None or self.kdist.k != self.result.min_samples - 1:
                self._ktimer.start()

    def _dbscan_done(self, key: str, payload) -> None:
        if self.dataset is None or key != self.dataset.key:
            return
        result, elapsed, colors = payload
        first = self.result is None
        self.result, self.elapsed = result, elapsed
        self.plot.show_result(self.projection.coords, result, auto_range=first, colors=colors)
        self.view.plotItem.setTitle(_title(result), size="10pt")
        self._update_summary()
        self._update_legend()
        self._refresh_hover()
        self._save_settings()
        self.code_changed.emit()
        self.mark_drawn()
        self._run_knn()
        if self.regions_check.isChecked():
            self._run_regions()

    def _update_summary(self) -> None:
        r, ds = self.result, self.dataset
        if r is None or ds is None:
            return
        self.summary.setText(
            f"<b>{r.n_clusters}</b> cluster{'s' if r.n_clusters != 1 else ''} in "
            f"{ds.n_samples:,} points:<br>"
            f"&nbsp;&nbsp;{r.n_core:,} core samples<br>"
            f"&nbsp;&nbsp;{r.n_border:,} border samples<br>"
            f"&nbsp;&nbsp;<span style='color:{hex_color(ANOMALY_RGBA)}'>{r.n_noise:,} "
            f"anomal{'ies' if r.n_noise != 1 else 'y'}</span> (noise)<br>"
            f"<span style='color:#666'>computed in {self.elapsed:.2f} s</span>")

    def _update_legend(self) -> None:
        r = self.result
        if r is None:
            return
        k = r.n_clusters
        colors = palette_rgba(max(k, 1))
        items = [f"<span style='color:{hex_color(colors[i])}'>●</span> {i}"
                 for i in range(min(k, 12))]
        more = f" … {k - 12} more" if k > 12 else ""
        self.legend.setText(
            "<b>●</b> core sample &nbsp; <b>·</b> border sample &nbsp; "
            f"<span style='color:{hex_color(ANOMALY_RGBA)}'><b>✕</b></span> anomaly &nbsp; "
            "<span style='color:#1428c8'><b>+</b></span> new instance"
            + (f" &nbsp;|&nbsp; clusters: {' '.join(items)}{more}" if k else ""))

    # -- k-distance curve ---------------------------------------------------------------------------
    def _run_kdist(self) -> None:
        if self.dataset is None:
            return
        self._ktimer.stop()
        ms = self.min_samples_spin.value()
        n = self.dataset.n_samples
        if ms < 2 or ms - 1 >= n:
            self.kdist = None
            self.kcurve.setData([], [])
            self.knee_marker.clear()
            self.knee_line.hide()
            self.knote.setText("min_samples=1: every point is a core sample, there is no "
                               "k-distance curve." if ms < 2 else
                               f"min_samples={ms} needs more than {ms - 1} points.")
            if self._pending_suggestion:
                self._pending_suggestion = False
                self._run_dbscan()
            return
        self.run_task(_kdist_job, self.dataset.X, ms - 1, key="kdist",
                      description="Computing the k-distance curve…",
                      on_result=lambda kd, key=self.dataset.key: self._kdist_done(key, kd),
                      on_error=lambda exc: self.ctx.show_message(str(exc), "error"))

    def _kdist_done(self, key: str, kd: KDistances) -> None:
        if self.dataset is None or key != self.dataset.key:
            return
        self.kdist = kd
        n = kd.distances.size
        self.kcurve.setData(np.arange(n), kd.distances)
        self.knee_marker.setData([kd.knee_index], [kd.knee])
        self.knee_line.show()  # (a hidden line does not update its label)
        self.knee_line.setValue(kd.knee)
        self.kplot.plotItem.setLabel("left", f"{kd.k}-distance")
        self.kplot.plotItem.setLabel("bottom", f"points, sorted by distance to their "
                                               f"{_ordinal(kd.k)} neighbour")
        self.knote.setText(
            f"k = min_samples − 1 = {kd.k}. Suggested eps (the knee, ○): {kd.knee:.4g}. "
            "Points above the eps line are border samples or anomalies.")
        suggested = self._pending_suggestion
        if suggested:
            self._pending_suggestion = False
            self._set_eps(float(kd.knee))
            if key not in self._maxd_by_key:
                self._set_max_distance(float(kd.knee))
        top = max(float(kd.distances[-1]), self.eps_spin.value())
        self.kplot.plotItem.vb.setRange(xRange=(0, n), yRange=(0, top * 1.05), padding=0.02)
        if suggested:
            self._run_dbscan()

    def use_suggested_eps(self) -> None:
        if self.kdist is None:
            self.ctx.show_message("The k-distance curve is not ready yet (it needs "
                                  "min_samples of at least 2).", "warning")
            return
        self.eps_spin.setValue(float(self.kdist.knee))

    def _move_line(self, eps: float) -> None:
        self._syncing_line = True
        self.eps_line.setValue(eps)
        self._syncing_line = False
        if self.kdist is not None:
            # keep the eps line in view when eps is set beyond the curve
            vb = self.kplot.plotItem.vb
            _, (y0, y1) = vb.viewRange()
            if eps > y1 or eps < y0:
                top = max(float(self.kdist.distances[-1]), eps)
                vb.setYRange(0, top * 1.08, padding=0)

    def _line_moved(self) -> None:
        if self._syncing_line:
            return
        value = float(self.eps_line.value())
        if value <= self.eps_spin.minimum():
            value = self.eps_spin.minimum()
            self._move_line(value)
        self.eps_spin.blockSignals(True)
        self.eps_spin.setValue(value)
        self.eps_spin.blockSignals(False)
        self._timer.start()

    # -- hover ------------------------------------------------------------------------------------
    def _hover(self, x: float, y: float) -> None:
        if self.index is None or self.result is None:
            return
        i, dist = self.index.nearest_in_view(x, y)
        px, py = self.view.plotItem.vb.viewPixelSize()
        xy = self.projection.coords[i]
        if np.hypot((xy[0] - x) / max(px, 1e-300), (xy[1] - y) / max(py, 1e-300)) > PICK_PIXELS:
            self._hide_hover()
            return
        self._show_hover(i)

    def _show_hover(self, i: int) -> None:
        r = self.result
        eps = r.eps
        count = self.index.count_within(self.dataset.X[i], eps)
        xy = self.projection.coords[i]
        self._hover_index = i
        if self.projection.method == "identity":
            self.circle.setRect(xy[0] - eps, xy[1] - eps, 2 * eps, 2 * eps)
            self.circle.show()
        else:
            self.circle.hide()
        label = int(r.labels[i])
        if r.core_mask[i]:
            kind = f"core sample of cluster {label}"
        elif label >= 0:
            kind = f"border sample of cluster {label}"
        else:
            kind = "anomaly"
        where = "" if self.projection.method == "identity" else " (in feature space)"
        self.hover_label.setText(f"point {i}: {kind}\n{count} point{'s' if count != 1 else ''} "
                                 f"within eps{where}, itself included")
        self.hover_label.setPos(xy[0], xy[1])
        self.hover_label.show()

    def _refresh_hover(self) -> None:
        if self._hover_index is not None and self.result is not None:
            if self._hover_index < self.result.labels.size:
                self._show_hover(self._hover_index)
            else:
                self._hide_hover()

    def _hide_hover(self) -> None:
        self._hover_index = None
        self.circle.hide()
        self.hover_label.hide()

    def hover_text(self) -> str:
        return self.hover_label.textItem.toPlainText() if self.hover_label.isVisible() else ""

    # -- new instances ---------------------------------------------------------------------------
    def _plot_clicked(self, x: float, y: float, button, modifiers) -> None:
        if button != Qt.MouseButton.LeftButton or self.dataset is None:
            return
        self.add_instance(x, y)

    def add_instance(self, x: float, y: float) -> None:
        self.instances.append((float(x), float(y)))
        self._instances_changed()

    def reset_instances(self) -> None:
        self.instances = list(CHAPTER_X_NEW)
        self._instances_changed()

    def clear_instances(self) -> None:
        self.instances = []
        self._instances_changed()

    def remove_selected(self) -> None:
        rows = sorted({i.row() for i in self.table.selectedIndexes()}, reverse=True)
        if not rows and self.instances:
            rows = [len(self.instances) - 1]
        for r in rows:
            if r < len(self.instances):
                del self.instances[r]
        self._instances_changed()

    def _instances_changed(self) -> None:
        self.prediction = None
        self._draw_instances()
        self._save_settings()
        self.code_changed.emit()
        self._run_knn()

    def _lift(self):
        proj = self.projection
        return lift_from_view(proj.method, self.dataset.n_features, proj.components, proj.mean)

    def _knn_params_changed(self) -> None:
        self.code_changed.emit()
        self._run_knn()
        self._run_regions()

    def _run_knn(self) -> None:
        self._knn_timer.stop()
        if self.result is None:
            return
        if not self.instances:
            self.prediction = None
            self._fill_table()
            return
        X_new = self._lift()(np.array(self.instances, dtype=np.float64))
        result = self.result
        self.run_task(knn_classify, self.dataset.X, result, X_new, self.k_spin.value(),
                      self.max_dist_spin.value(), key="knn",
                      description="Classifying the new instances…",
                      on_result=lambda p, r=result, n=len(self.instances): self._knn_done(r, n, p),
                      on_error=lambda exc: self.ctx.show_message(str(exc), "error"))

    def _knn_done(self, result: DBSCANResult, n: int, pred: KNNPrediction) -> None:
        if result is not self.result or n != len(self.instances):
            return
        self.prediction = pred
        self._fill_table()
        self._draw_instances()
        self.code_changed.emit()

    def _draw_instances(self) -> None:
        vb = self.view.plotItem.vb
        for item in self._new_labels:
            vb.removeItem(item)
        self._new_labels = []
        if not self.instances:
            self.new_item.clear()
            self._fill_table()
            return
        pts = np.array(self.instances)
        self.new_item.setData(x=pts[:, 0], y=pts[:, 1])
        pred = self.prediction
        coords = self.projection.coords if self.projection is not None else pts
        middle = 0.5 * (coords[:, 0].min() + coords[:, 0].max()) if coords.size else 0.0
        for i, (x, y) in enumerate(self.instances):
            text = str(i + 1)
            if pred is not None and i < pred.labels.size:
                text += ": anomaly" if pred.labels[i] < 0 else f": cluster {pred.labels[i]}"
            # labels point inwards, so those near the right edge stay in view
            anchor = (1.1, 1.1) if x > middle else (-0.1, 1.1)
            item = pg.TextItem(text, color=(20, 40, 200), anchor=anchor,
                               fill=pg.mkBrush(255, 255, 255, 170))
            item.setZValue(7)
            item.setPos(x, y)
            vb.addItem(item, ignoreBounds=True)
            self._new_labels.append(item)
        self._fill_table()

    def _fill_table(self) -> None:
        pred = self.prediction
        self.table.setRowCount(len(self.instances))
        for i, (x, y) in enumerate(self.instances):
            cells = [str(i + 1), f"({x:.3g}, {y:.3g})", "…", ""]
            tip = ""
            if pred is not None and i < pred.labels.size:
                if pred.labels[i] < 0:
                    cells[2] = "anomaly"
                    cells[3] = f"— ({pred.distances[i]:.3g} from a core sample)"
                    tip = (f"The nearest core sample is {pred.distances[i]:.3g} away, more than "
                           f"the max distance {pred.max_distance:g}.")
                else:
                    cells[2] = str(int(pred.labels[i]))
                    cells[3] = f"{pred.probability[i]:.2f}"
                    probs = ", ".join(f"{c}: {p:.2f}" for c, p in
                                      zip(pred.classes, pred.probabilities[i]) if p > 0)
                    tip = f"predict_proba: {probs}"
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if tip:
                    item.setToolTip(tip)
                if j == 2 and pred is not None and i < pred.labels.size:
                    lab = int(pred.labels[i])
                    k = max(self.result.n_clusters if self.result else 1, 1)
                    color = ANOMALY_RGBA if lab < 0 else palette_rgba(k)[lab % k]
                    item.setForeground(QColor(*[int(c) for c in color[:3]]))
                self.table.setItem(i, j, item)

    def table_rows(self) -> list[list[str]]:
        return [[self.table.item(i, j).text() for j in range(self.table.columnCount())]
                for i in range(self.table.rowCount())]

    # -- decision regions -----------------------------------------------------------------------
    def _regions_toggled(self, on: bool) -> None:
        if on:
            self._run_regions()
        else:
            self.regions = None
            self.view.set_regions(None)
        self.code_changed.emit()

    def _region_ranges(self):
        xy = self.projection.coords
        lo, hi = xy.min(axis=0), xy.max(axis=0)
        span = np.where(hi > lo, hi - lo, 1.0)
        lo, hi = lo - 0.15 * span, hi + 0.15 * span
        return (float(lo[0]), float(hi[0])), (float(lo[1]), float(hi[1]))

    def _run_regions(self) -> None:
        if self.result is None or not self.regions_check.isChecked():
            return
        xr, yr = self._region_ranges()
        result = self.result
        self.run_task(knn_regions, self.dataset.X, result, xr, yr, resolution=240,
                      n_neighbors=self.k_spin.value(), max_distance=self.max_dist_spin.value(),
                      lift=self._lift(), key="regions",
                      description="Computing the KNN's decision regions…",
                      on_result=lambda g, r=result: self._regions_done(r, g),
                      on_error=lambda exc: self.ctx.show_message(str(exc), "error"))

    def _regions_done(self, result: DBSCANResult, grid: RegionGrid) -> None:
        if result is not self.result or not self.regions_check.isChecked():
            return
        self.regions = grid
        self.view.set_regions(grid.labels, grid.x_range, grid.y_range, grid.n_classes)

    # -- comparison ----------------------------------------------------------------------------------
    def _tab_changed(self, index: int) -> None:
        if index == 1:
            self._run_compare()
        self.code_changed.emit()

    def _schedule_compare(self, *args) -> None:
        self._cmp_timer.start()

    def _run_compare(self) -> None:
        self._cmp_timer.stop()
        if self.dataset is None or self.tabs.currentIndex() != 1:
            return
        params = (self.dataset.key, self.eps_a_spin.value(), self.eps_b_spin.value(),
                  self.min_samples_spin.value())
        if params == self._compare_params and self.compare_results is not None:
            return
        self.compare_note.setText("computing…")
        self.run_task(_compare_job, self.dataset.X, *params[1:], key="compare",
                      description="DBSCAN with two values of eps…",
                      on_result=lambda r, p=params: self._compare_done(p, r),
                      on_error=self._compare_failed)

    def _compare_failed(self, exc: BaseException) -> None:
        self.compare_note.setText("")
        self.ctx.show_message(str(exc), "error")

    def _compare_done(self, params, results) -> None:
        if self.dataset is None or params[0] != self.dataset.key:
            return
        first = self.compare_results is None
        self.compare_results = results
        self._compare_params = params
        xy = self.projection.coords
        for plot, result in zip((self.plot_a, self.plot_b), results):
            plot.show_result(xy, result, auto_range=first)
            plot.view.plotItem.setTitle(_title(result), size="10pt")
        if first:
            # the same window on the data in both plots, like the chapter's figure
            lo, hi = xy.min(axis=0), xy.max(axis=0)
            for plot in (self.plot_a, self.plot_b):
                plot.view.setRange(xRange=(lo[0], hi[0]), yRange=(lo[1], hi[1]), padding=0.05)
        self.compare_note.setText(f"min_samples={params[3]} (from the panel)")
        self.code_changed.emit()

    # -- window hooks ----------------------------------------------------------------------------------
    def code(self) -> str:
        ds, r = self.dataset, self.result
        if ds is None or r is None:
            return ""
        code = ds.code or (f"X = ...  # the data of '{ds.name}': {ds.n_samples} rows × "
                           f"{ds.n_features} features\n")
        if "import numpy as np" not in code:
            code = "import numpy as np\n" + code
        if self.projection is not None and self.projection.method == "pca":
            code += ("\nfrom sklearn.decomposition import PCA\n\n"
                     "pca = PCA(n_components=2).fit(X)\nX2D = pca.transform(X)  # what the "
                     "plot shows\n")
        code += (
            "\nfrom sklearn.cluster import DBSCAN\n\n"
            f"dbscan = DBSCAN(eps={_fmt(r.eps)}, min_samples={r.min_samples})\n"
            "dbscan.fit(X)\n"
            f"dbscan.labels_[:10]  # {r.labels[:10].tolist()}\n"
            f"len(dbscan.core_sample_indices_)  # {r.n_core} core samples\n"
            f"(dbscan.labels_ == -1).sum()  # {r.n_noise} anomalies\n")
        if r.min_samples >= 2:
            k = r.min_samples - 1
            code += (
                "\n# The k-distance curve (k = min_samples - 1): a point is a core sample\n"
                "# when its k-distance is at most eps\n"
                "from sklearn.neighbors import NearestNeighbors\n\n"
                f"distances, _ = NearestNeighbors(n_neighbors={k + 1}).fit(X).kneighbors(X)\n"
                f"k_distances = np.sort(distances[:, {k}])\n")
        xy = "X2D" if self.projection is not None and self.projection.method == "pca" else "X"
        code += (
            "\nimport matplotlib.pyplot as plt\n\n"
            "core_mask = np.zeros_like(dbscan.labels_, dtype=bool)\n"
            "core_mask[dbscan.core_sample_indices_] = True\n"
            "anomalies_mask = dbscan.labels_ == -1\n"
            "non_core_mask = ~(core_mask | anomalies_mask)\n"
            f"plt.scatter({xy}[core_mask, 0], {xy}[core_mask, 1], "
            "c=dbscan.labels_[core_mask], marker='o', s=60, cmap='Paired')\n"
            f"plt.scatter({xy}[anomalies_mask, 0], {xy}[anomalies_mask, 1], c='r', marker='x', "
            "s=100)\n"
            f"plt.scatter({xy}[non_core_mask, 0], {xy}[non_core_mask, 1], "
            "c=dbscan.labels_[non_core_mask], marker='.')\n"
            f"plt.title(f\"eps={{dbscan.eps:.2f}}, min_samples={{dbscan.min_samples}}\")\n"
            "plt.show()\n")
        if self.instances:
            pts = self._lift()(np.array(self.instances))
            rows = ", ".join("[" + ", ".join(f"{v:.4g}" for v in p) + "]" for p in pts)
            code += (
                "\n# New instances: a KNN trained on the core samples\n"
                "from sklearn.neighbors import KNeighborsClassifier\n\n"
                f"knn = KNeighborsClassifier(n_neighbors={min(self.k_spin.value(), max(r.n_core, 1))})\n"
                "knn.fit(dbscan.components_, dbscan.labels_[dbscan.core_sample_indices_])\n"
                f"X_new = np.array([{rows}])\n"
                "knn.predict_proba(X_new)\n"
                "y_dist, y_pred_idx = knn.kneighbors(X_new, n_neighbors=1)\n"
                "y_pred = knn.predict(X_new)\n"
                f"y_pred[y_dist.ravel() > {self.max_dist_spin.value():g}] = -1  # anomalies\n")
            if self.prediction is not None:
                code += f"y_pred  # {self.prediction.labels.tolist()}\n"
        return code

    def export_widget(self):
        return self.tabs.currentWidget()

    def export_table(self):
        ds, r = self.dataset, self.result
        if ds is None or r is None:
            return None
        kind = np.where(r.core_mask, "core", np.where(r.border_mask, "border", "anomaly"))
        header = list(ds.feature_names) + ["cluster", "kind"]
        return header, RowTable(ds.X, r.labels, kind)

    def _export_csv(self) -> None:
        window = self.window()
        if hasattr(window, "export_csv_dialog"):
            window.export_csv_dialog()

    def shutdown(self) -> None:
        for timer in (self._timer, self._ktimer, self._cmp_timer, self._knn_timer):
            timer.stop()
        self._save_settings()


def _ordinal(k: int) -> str:
    suffix = "th" if 10 <= k % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(k % 10, "th")
    return f"{k}{suffix}"


__all__ = ["DBSCANPage", "DBSCANPlot", "cluster_colors"]
