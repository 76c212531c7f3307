"""The K-Means lab: fit, decision regions, soft clustering, step through iterations (and back),
compare initialisations, and the limits of K-Means.

The page keeps its parameters, the last :class:`core.kmeans.KMeansResult` and a
:class:`core.kmeans.LloydStepper` started from the initialisation that won. The
views draw :class:`Frame` snapshots of the stepper; on big data every step runs
on a worker thread (one at a time) and the GUI only draws.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor, QIcon, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from core.datasets import Dataset
from core.errors import DataError
from core.kmeans import (
    KMeansResult,
    LloydStepper,
    VariabilityResult,
    fit_kmeans,
    init_variability,
    soft_assignment,
)
from core.progress import scaled
from core.projection import Projection
from core.storage import RowTable
from gui.pages.base import Page, hbox, info_label, panel, side_panel
from gui.widgets.cluster_view import ClusterView, HandleItem
from gui.widgets.dataset_picker import DatasetPicker
from gui.widgets.palette import colors_for_labels, hex_color, palette_rgba
from gui.widgets.scatter import make_plot

#: Above this many points a step runs on a worker thread.
ASYNC_POINTS = 150_000

CHAPTER_GOOD_INIT = np.array([[-3, 3], [-3, 2], [-3, 1], [-1, 2], [0, 2]], dtype=float)
CHAPTER_X_NEW = np.array([[0, 2], [3, 2], [-3, 3], [-3, 2.5]], dtype=float)
ELONGATED_GOOD_INIT = np.array([[-1.5, 2.5], [0.5, 0], [4, 0]], dtype=float)

INIT_CHOICES = [("k-means++", "k-means++"), ("random", "random"), ("hand", "placed by hand")]


# --------------------------------------------------------------------------- worker side


@dataclass(frozen=True)
class FitParams:
    key: str
    k: int
    init: str  # "k-means++", "random" or "hand"
    n_init: int | str
    algorithm: str
    max_iter: int
    random_state: int
    placed: np.ndarray | None = None


@dataclass(frozen=True)
class Frame:
    """What the views draw of a stepper state."""

    gen: int
    iteration: int
    centers: np.ndarray
    labels: np.ndarray
    inertia: float
    converged: bool
    n_iter: int | None
    n_changed: int
    history_centers: np.ndarray
    history_inertia: np.ndarray
    colors: np.ndarray | None = None


@dataclass(frozen=True)
class FitOutput:
    params: FitParams
    dataset: Dataset
    projection: Projection
    result: KMeansResult | None
    stepper: LloydStepper
    frame: Frame


def make_frame(stepper: LloydStepper, gen: int, with_colors: bool = False) -> Frame:
    hist = stepper.history
    colors = colors_for_labels(stepper.labels, stepper.n_clusters) if with_colors else None
    return Frame(gen, stepper.iteration, stepper.centers, stepper.labels, stepper.inertia,
                 stepper.converged, stepper.n_iter, stepper.n_changed, hist.centers,
                 hist.inertia, colors)


def load_job(ctx, key: str, cached: tuple[Dataset, Projection] | None = None):
    if cached is not None and cached[0].key == key:
        return cached
    return ctx.load_view(key)


def fit_job(ctx, params: FitParams, gen: int, cached=None, progress=None) -> FitOutput:
    """Load, fit like KMeans, then replay the winning run with the stepper (for its history)."""
    ds, proj = load_job(ctx, params.key, cached)
    big = ds.n_samples > ASYNC_POINTS
    if params.init == "hand":
        init = params.placed
        n_init: int | str = 1
    else:
        init, n_init = params.init, params.n_init
    result = fit_kmeans(ds.X, params.k, init=init, n_init=n_init, algorithm=params.algorithm,
                        max_iter=params.max_iter, random_state=params.random_state,
                        progress=scaled(progress, 0.0, 0.6))
    stepper = LloydStepper(ds.X, params.k, init=result.init)
    stepper.run(params.max_iter, progress=scaled(progress, 0.6, 1.0))
    return FitOutput(params, ds, proj, result, stepper, make_frame(stepper, gen, big))


def init_job(ctx, params: FitParams, gen: int, cached=None) -> FitOutput:
    """A stepper at iteration 0 from hand-placed centroids (no fit yet)."""
    ds, proj = load_job(ctx, params.key, cached)
    stepper = LloydStepper(ds.X, params.k, init=params.placed)
    return FitOutput(params, ds, proj, None, stepper,
                     make_frame(stepper, gen, ds.n_samples > ASYNC_POINTS))


def step_job(stepper: LloydStepper, action: str, gen: int, with_colors: bool) -> Frame:
    if action == "step":
        stepper.step()
    elif action == "back":
        stepper.back()
    elif action == "reset":
        stepper.reset()
    elif action.startswith("to:"):
        stepper.run_to(int(action[3:]))
    return make_frame(stepper, gen, with_colors)


def iterations_job(X: np.ndarray, k: int, init: np.ndarray, steps: int = 3) -> np.ndarray:
    """Centres of iterations 0..steps from this init (the chapter's Figure 9-4)."""
    stepper = LloydStepper(X, k, init=init)
    stepper.run(steps)
    return stepper.history.centers


def compare_job(X: np.ndarray, k: int, spec1: tuple, spec2: tuple, progress=None):
    out = []
    for i, (init, seed, n_init) in enumerate((spec1, spec2)):
        out.append(fit_kmeans(X, k, init=init, n_init=n_init, random_state=seed,
                              progress=scaled(progress, i / 2, (i + 1) / 2)))
    return tuple(out)


def variability_job(X: np.ndarray, k: int, n_runs: int, seed: int, progress=None):
    rnd = init_variability(X, k, "random", n_runs, seed, progress=scaled(progress, 0.0, 0.5))
    pp = init_variability(X, k, "k-means++", n_runs, seed, progress=scaled(progress, 0.5, 1.0))
    return rnd, pp


def limits_job(ctx, progress=None):
    ds = ctx.load_dataset("elongated")
    good = fit_kmeans(ds.X, 3, init=ELONGATED_GOOD_INIT, n_init=1, random_state=42,
                      progress=scaled(progress, 0.0, 0.5))
    bad = fit_kmeans(ds.X, 3, random_state=42, progress=scaled(progress, 0.5, 1.0))
    return ds, good, bad


# --------------------------------------------------------------------------- helpers


def _fmt(v: float) -> str:
    return f"{v:,.2f}" if abs(v) < 1e6 else f"{v:,.4g}"


def _color_icon(rgba) -> QIcon:
    pm = QPixmap(10, 10)
    pm.fill(QColor(*[int(c) for c in rgba[:3]]))
    return QIcon(pm)


def _array_code(a: np.ndarray) -> str:
    rows = ", ".join("[" + ", ".join(f"{v:.6g}" for v in row) + "]" for row in np.asarray(a))
    return f"np.array([{rows}])"


def _set_combo(combo: QComboBox, data) -> None:
    i = combo.findData(data)
    if i >= 0:
        combo.setCurrentIndex(i)


# --------------------------------------------------------------------------- the page


class KMeansPage(Page):
    name = "kmeans"
    title = "K-Means"

    def __init__(self, ctx, parent=None):
        super().__init__(ctx, parent)
        self.dataset: Dataset | None = None
        self.projection: Projection | None = None
        self.params: FitParams | None = None
        self.result: KMeansResult | None = None
        self.stepper: LloydStepper | None = None
        self.frame: Frame | None = None
        self._gen = 0
        self._busy = False
        self._queued: str | None = None
        self._step_token = 0
        self._handles: list[HandleItem] = []
        self._session = self._load_session()
        self._iter_centers: np.ndarray | None = None
        self._table_header: list[str] = []
        self.compare_results: tuple[KMeansResult, KMeansResult] | None = None
        self.variability: tuple[VariabilityResult, VariabilityResult] | None = None
        self.limits: tuple[Dataset, KMeansResult, KMeansResult] | None = None
        self._stale_tabs: set[str] = {"iterations", "compare", "variability"}
        self._fit_timer = QTimer(self)
        self._fit_timer.setSingleShot(True)
        self._fit_timer.setInterval(300)
        self._fit_timer.timeout.connect(self.fit)
        self.play_timer = QTimer(self)
        self.play_timer.timeout.connect(self._play_tick)
        self._build()
        self._restore_params()
        self._connect()

    # ================================================================ building
    def _build(self) -> None:
        s = self.ctx.settings
        default = s.value("kmeans/dataset", "blobs") if s is not None else "blobs"

        # -- data
        data_box, data_form = panel("Data")
        self.picker = DatasetPicker(self.ctx, default=str(default))
        data_form.addRow(self.picker)
        self.data_info = info_label("Loading…")
        data_form.addRow(self.data_info)

        # -- model
        model_box, form = panel("Model")
        self.k_spin = QSpinBox()
        self.k_spin.setRange(1, 50)
        self.k_spin.setValue(5)
        self.k_spin.setToolTip("n_clusters: how many clusters (and centroids) K-Means looks for.")
        form.addRow("k", self.k_spin)
        self.init_combo = QComboBox()
        for data, text in INIT_CHOICES:
            self.init_combo.addItem(text, data)
        self.init_combo.setToolTip(
            "init: how the first centroids are chosen. k-means++ spreads them out (the default); "
            "random picks k instances at random (the original algorithm); placed by hand lets "
            "you click k points on the plot and drag them.")
        form.addRow("init", self.init_combo)
        self.good_init_button = QPushButton("Chapter's good init")
        self.good_init_button.setToolTip(
            "Place the chapter's five initial centroids by hand: [[-3, 3], [-3, 2], [-3, 1], "
            "[-1, 2], [0, 2]] (k = 5, for the blobs).")
        self.clear_placed_button = QPushButton("Clear placed")
        self.clear_placed_button.setToolTip("Remove the hand-placed centroids and click new ones.")
        form.addRow(hbox(self.good_init_button, self.clear_placed_button))
        self.n_init_spin = QSpinBox()
        self.n_init_spin.setRange(0, 100)
        self.n_init_spin.setSpecialValueText("auto")
        self.n_init_spin.setValue(0)
        self.n_init_spin.setToolTip(
            "n_init: how many initialisations to run; the one with the lowest inertia wins. "
            "auto is 1 for k-means++ and 10 for random.")
        form.addRow("n_init", self.n_init_spin)
        self.algorithm_combo = QComboBox()
        self.algorithm_combo.addItem("lloyd", "lloyd")
        self.algorithm_combo.addItem("elkan", "elkan")
        self.algorithm_combo.setToolTip(
            "algorithm: lloyd is the classic EM-style K-Means; elkan skips distance computations "
            "with the triangle inequality (same result, sometimes faster).")
        form.addRow("algorithm", self.algorithm_combo)
        self.max_iter_spin = QSpinBox()
        self.max_iter_spin.setRange(1, 10000)
        self.max_iter_spin.setValue(300)
        self.max_iter_spin.setToolTip("max_iter: the most iterations a single run may take.")
        form.addRow("max_iter", self.max_iter_spin)
        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(0, 2**31 - 1)
        self.seed_spin.setValue(42)
        self.seed_spin.setToolTip("random_state: the seed of the initialisation; the same seed "
                                  "gives the same centroids.")
        form.addRow("random_state", self.seed_spin)
        self.fit_button = QPushButton("Fit")
        self.fit_button.setDefault(True)
        self.fit_button.setToolTip("Fit KMeans with these parameters (runs in the background; "
                                   "Esc cancels).")
        form.addRow(self.fit_button)
        self.result_label = info_label("")
        self.result_label.setTextFormat(Qt.TextFormat.RichText)
        form.addRow(self.result_label)

        # -- stepper
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
        sform.addRow("speed", hbox(self.speed_slider, self.speed_label, stretch_last=False))
        self.iter_label = info_label("")
        self.iter_label.setTextFormat(Qt.TextFormat.RichText)
        sform.addRow(self.iter_label)
        self.inertia_plot = make_plot(None, "iteration", "inertia")
        self.inertia_plot.setMinimumHeight(130)
        self.inertia_plot.setMaximumHeight(150)
        self.inertia_plot.setToolTip("Inertia after every iteration; the dot is the one shown.")
        self.inertia_curve = self.inertia_plot.plot([], [], pen=pg.mkPen(31, 119, 180, width=2),
                                                    symbol="o", symbolSize=4,
                                                    symbolBrush=(31, 119, 180))
        self.inertia_now = pg.ScatterPlotItem(size=9, brush=pg.mkBrush(214, 39, 40),
                                              pen=pg.mkPen("k"))
        self.inertia_plot.addItem(self.inertia_now)
        sform.addRow(self.inertia_plot)
        self.figure_button = QPushButton("Chapter's figure: iterations 1–3")
        self.figure_button.setToolTip(
            "Blobs, k = 5, init='random', n_init=1, random_state=5: the chapter's Figure 9-4 of "
            "the first three iterations.")
        sform.addRow(self.figure_button)

        self.side = side_panel(data_box, model_box, step_box, width=280)

        # -- tabs
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self._build_clusters_tab()
        # The other tabs are built when first shown (each plot costs ~40 ms to create).
        self._builders: dict[QWidget, Any] = {}
        for attr, title, builder, tip in (
            ("iterations_tab", "Iterations 1–3", self._build_iterations_tab,
             "The chapter's Figure 9-4: the first three iterations."),
            ("compare_tab", "Compare", self._build_compare_tab,
             "Two solutions side by side (different seeds or inits)."),
            ("variability_tab", "Variability", self._build_variability_tab,
             "Histogram of final inertias: random init vs k-means++."),
            ("limits_tab", "Limits", self._build_limits_tab,
             "Limits of K-Means: lower inertia is not a better clustering."),
        ):
            holder = QWidget()
            setattr(self, attr, holder)
            self._builders[holder] = builder
            self.tabs.setTabToolTip(self.tabs.addTab(holder, title), tip)
        self.tabs.setTabToolTip(0, "The data coloured by cluster, the decision regions and the "
                                   "centroids; step through the iterations.")

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.side)
        layout.addWidget(self.tabs, 1)

        for key, slot in ((Qt.Key.Key_Right, self.step), (Qt.Key.Key_Left, self.back),
                          (Qt.Key.Key_Space, self.toggle_play)):
            sc = QShortcut(QKeySequence(key), self)
            sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            sc.activated.connect(slot)

    def _build_clusters_tab(self) -> None:
        self.view = ClusterView()
        self.view.setToolTip("Click an empty spot to add a new instance to the soft-clustering "
                             "table (click it again to remove it). In 'placed by hand' mode, "
                             "click to place the initial centroids and drag them to move them. "
                             "Scroll to zoom, drag to pan.")
        self.view.setMinimumHeight(260)
        self.hint_label = QLabel("")
        self.hint_label.setWordWrap(True)
        self.hint_label.setStyleSheet("color: #1f3b57; padding: 2px 4px;")
        # A fixed height: the plot must not move under the mouse when the hint changes.
        self.hint_label.setFixedHeight(2 * self.hint_label.fontMetrics().lineSpacing() + 8)
        self.hint_label.setVisible(False)
        self.new_points = pg.ScatterPlotItem(symbol="star", size=17, pen=pg.mkPen(0, 0, 0, width=1.2))
        self.new_points.setZValue(30)
        self.view.plotItem.vb.addItem(self.new_points, ignoreBounds=True)
        self._new_texts: list[pg.TextItem] = []

        self.table = QTableWidget(0, 0)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.setToolTip("Soft clustering: the distance of every new instance to every "
                              "centroid (KMeans.transform) and its hard cluster (predict). "
                              "Delete removes the selected rows.")
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setMinimumSectionSize(30)
        sc = QShortcut(QKeySequence(Qt.Key.Key_Delete), self.table)
        sc.setContext(Qt.ShortcutContext.WidgetShortcut)
        sc.activated.connect(self._delete_selected_new)
        self.chapter_new_button = QPushButton("Chapter's X_new")
        self.chapter_new_button.setToolTip("The chapter's four new instances: [[0, 2], [3, 2], "
                                           "[-3, 3], [-3, 2.5]].")
        self.clear_new_button = QPushButton("Clear")
        self.clear_new_button.setToolTip("Remove every new instance.")
        table_title = QLabel("<b>Soft clustering</b>: distances (<code>transform</code>)")
        table_title.setToolTip(self.table.toolTip())
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(table_title, 1)
        top.addWidget(self.chapter_new_button)
        top.addWidget(self.clear_new_button)
        table_box = QWidget()
        tl = QVBoxLayout(table_box)
        tl.setContentsMargins(4, 2, 4, 2)
        tl.addLayout(top)
        tl.addWidget(self.table)

        split = QSplitter(Qt.Orientation.Vertical)
        upper = QWidget()
        ul = QVBoxLayout(upper)
        ul.setContentsMargins(0, 0, 0, 0)
        ul.setSpacing(0)
        ul.addWidget(self.hint_label)
        ul.addWidget(self.view, 1)
        split.addWidget(upper)
        split.addWidget(table_box)
        split.setStretchFactor(0, 4)
        split.setStretchFactor(1, 1)
        split.setSizes([560, 170])
        self.clusters_tab = split
        self.tabs.addTab(split, "Clusters")

    def ensure_tab(self, tab: QWidget) -> None:
        """Build a tab's widgets if it was never shown."""
        builder = self._builders.pop(tab, None)
        if builder is not None:
            builder()

    def _build_iterations_tab(self) -> None:
        w = self.iterations_tab
        grid = QGridLayout(w)
        grid.setContentsMargins(2, 2, 2, 2)
        grid.setSpacing(2)
        self.iter_views: list[ClusterView] = []
        titles = ["Update centroids (initially randomly)", "Label the instances",
                  "Update the centroids", "Label the instances",
                  "Update the centroids", "Label the instances"]
        for i, title in enumerate(titles):
            v = ClusterView(title=title, centroid_size=14)
            v.plotItem.setTitle(title, size="8pt")
            grid.addWidget(v, i // 2, i % 2)
            self.iter_views.append(v)
        self.iter_caption = info_label("")
        grid.addWidget(self.iter_caption, 3, 0, 1, 2)

    def _build_compare_tab(self) -> None:
        w = self.compare_tab
        lay = QVBoxLayout(w)
        lay.setContentsMargins(2, 2, 2, 2)
        self.cmp_init: list[QComboBox] = []
        self.cmp_seed: list[QSpinBox] = []
        self.cmp_views = [ClusterView(), ClusterView()]
        row = QHBoxLayout()
        for i, (init, seed) in enumerate((("random", 2), ("random", 9))):
            combo = QComboBox()
            combo.addItem("random", "random")
            combo.addItem("k-means++", "k-means++")
            _set_combo(combo, init)
            combo.setToolTip(f"Solution {i + 1}: the initialisation (n_init=1).")
            spin = QSpinBox()
            spin.setRange(0, 999_999)
            spin.setPrefix("seed ")
            spin.setValue(seed)
            spin.setToolTip(f"Solution {i + 1}: random_state of its single initialisation.")
            self.cmp_init.append(combo)
            self.cmp_seed.append(spin)
            col = QVBoxLayout()
            controls = QHBoxLayout()
            controls.addWidget(QLabel(f"<b>{i + 1}</b>"))
            controls.addWidget(combo, 1)
            controls.addWidget(spin, 1)
            col.addLayout(controls)
            col.addWidget(self.cmp_views[i], 1)
            row.addLayout(col, 1)
        lay.addLayout(row, 1)
        self.compare_button = QPushButton("Compare")
        self.compare_button.setToolTip("Fit both solutions (same data and k) side by side.")
        self.cmp_caption = info_label(
            "With a single random initialisation, K-Means can converge to different solutions "
            "(the chapter's 'K-Means variability' figure). The lower inertia is the better one.")
        lay.addWidget(hbox(self.cmp_caption, self.compare_button))
        self.cmp_caption.setMinimumWidth(150)
        self.compare_button.clicked.connect(self.run_compare)

    def _build_variability_tab(self) -> None:
        w = self.variability_tab
        lay = QVBoxLayout(w)
        lay.setContentsMargins(2, 2, 2, 2)
        controls = QHBoxLayout()
        self.runs_spin = QSpinBox()
        self.runs_spin.setRange(2, 2000)
        self.runs_spin.setValue(100)
        self.runs_spin.setToolTip("How many single-initialisation fits to run for each init.")
        self.runs_seed_spin = QSpinBox()
        self.runs_seed_spin.setRange(0, 2**31 - 10_000)
        self.runs_seed_spin.setValue(0)
        self.runs_seed_spin.setToolTip("Run i uses random_state = first seed + i.")
        self.variability_button = QPushButton("Run")
        self.variability_button.setToolTip("Fit K-Means this many times with init='random' and "
                                           "with init='k-means++' (n_init=1 each), in the "
                                           "background, and plot the final inertias.")
        for wdg in (QLabel("runs"), self.runs_spin, QLabel("first seed"),
                    self.runs_seed_spin):
            controls.addWidget(wdg)
        controls.addStretch(1)
        controls.addWidget(self.variability_button)
        lay.addLayout(controls)
        self.hist_plot = make_plot("Final inertia of single-initialisation runs", "inertia",
                                   "runs")
        self.hist_plot.addLegend(offset=(-10, 10))
        self.hist_items: list[pg.BarGraphItem] = []
        lay.addWidget(self.hist_plot, 1)
        self.var_caption = info_label("")
        self.var_caption.setTextFormat(Qt.TextFormat.RichText)
        lay.addWidget(self.var_caption)
        self.variability_button.clicked.connect(self.run_variability)

    def _build_limits_tab(self) -> None:
        w = self.limits_tab
        lay = QVBoxLayout(w)
        lay.setContentsMargins(2, 2, 2, 2)
        row = QHBoxLayout()
        self.lim_views = [ClusterView(), ClusterView()]
        for v in self.lim_views:
            row.addWidget(v)
        lay.addLayout(row, 1)
        self.lim_caption = info_label(
            "The elongated blobs of different densities. Left: K-Means from the chapter's good "
            "initialisation [[-1.5, 2.5], [0.5, 0], [4, 0]]; right: the default KMeans(n_clusters=3, "
            "random_state=42). The right one has the lower inertia, yet it cuts the blobs: "
            "inertia is not the whole story.")
        self.lim_caption.setTextFormat(Qt.TextFormat.RichText)
        lay.addWidget(self.lim_caption)

    def _connect(self) -> None:
        self.picker.key_changed.connect(self._dataset_changed)
        for spin in (self.k_spin, self.n_init_spin, self.max_iter_spin, self.seed_spin):
            spin.valueChanged.connect(self._params_changed)
        self.init_combo.currentIndexChanged.connect(self._init_mode_changed)
        self.algorithm_combo.currentIndexChanged.connect(self._params_changed)
        self.fit_button.clicked.connect(self.fit)
        self.good_init_button.clicked.connect(self.use_chapter_good_init)
        self.clear_placed_button.clicked.connect(self.clear_placed)
        self.step_button.clicked.connect(self.step)
        self.back_button.clicked.connect(self.back)
        self.reset_button.clicked.connect(self.reset)
        self.play_button.toggled.connect(self._play_toggled)
        self.speed_slider.valueChanged.connect(self._speed_changed)
        self.figure_button.clicked.connect(self.show_chapter_figure)
        self.view.clicked.connect(self._plot_clicked)
        self.chapter_new_button.clicked.connect(self.use_chapter_x_new)
        self.clear_new_button.clicked.connect(self.clear_new)
        self.tabs.currentChanged.connect(self._tab_changed)

    # ================================================================ params & session
    def _restore_params(self) -> None:
        s = self.ctx.settings
        if s is None:
            return
        widgets = (self.k_spin, self.n_init_spin, self.max_iter_spin, self.seed_spin)
        for w in widgets:
            w.blockSignals(True)
        self.init_combo.blockSignals(True)
        self.algorithm_combo.blockSignals(True)
        try:
            self.k_spin.setValue(int(s.value("kmeans/k", 5)))
            self.n_init_spin.setValue(int(s.value("kmeans/n_init", 0)))
            self.max_iter_spin.setValue(int(s.value("kmeans/max_iter", 300)))
            self.seed_spin.setValue(int(s.value("kmeans/random_state", 42)))
            _set_combo(self.init_combo, s.value("kmeans/init", "k-means++"))
            _set_combo(self.algorithm_combo, s.value("kmeans/algorithm", "lloyd"))
        except (TypeError, ValueError):
            pass
        finally:
            for w in widgets:
                w.blockSignals(False)
            self.init_combo.blockSignals(False)
            self.algorithm_combo.blockSignals(False)
        self._update_mode_widgets()

    def _save_params(self, p: FitParams) -> None:
        s = self.ctx.settings
        if s is None:
            return
        for key, value in (("dataset", p.key), ("k", p.k), ("init", p.init),
                           ("n_init", 0 if p.n_init == "auto" else p.n_init),
                           ("algorithm", p.algorithm), ("max_iter", p.max_iter),
                           ("random_state", p.random_state)):
            s.setValue(f"kmeans/{key}", value)

    def _session_path(self):
        from gui.settings import data_dir

        return data_dir() / "kmeans-session.json"

    def _load_session(self) -> dict:
        from core.storage import load_json

        data = load_json(self._session_path(), {}) or {}
        if not isinstance(data, dict):
            data = {}
        data.setdefault("placed", {})
        data.setdefault("x_new", {})
        return data

    def _save_session(self) -> None:
        from core.storage import save_json

        try:
            save_json(self._session_path(), self._session)
        except OSError as exc:
            self.ctx.show_message(f"Could not save the K-Means session: {exc}", "warning")

    def _placed(self, key: str | None = None) -> list[list[float]]:
        key = key or self.picker.current_key()
        return list(self._session["placed"].get(key, []))

    def _set_placed(self, points: list[list[float]], key: str | None = None) -> None:
        key = key or self.picker.current_key()
        self._session["placed"][key] = [[float(v) for v in p] for p in points]
        self._save_session()
        self._update_mode_widgets()

    def x_new(self) -> np.ndarray:
        """The new instances of the soft-clustering table, in feature space (m, d)."""
        key = self.dataset.key if self.dataset is not None else self.picker.current_key()
        d = self.dataset.n_features if self.dataset is not None else 2
        stored = self._session["x_new"].get(key)
        if stored is None:
            pts = CHAPTER_X_NEW if key == "blobs" else np.empty((0, d))
        else:
            pts = np.asarray(stored, dtype=float).reshape(-1, d) if stored else np.empty((0, d))
        return pts

    def _set_x_new(self, pts: np.ndarray) -> None:
        if self.dataset is None:
            return
        self._session["x_new"][self.dataset.key] = np.asarray(pts, float).tolist()
        self._save_session()
        self._update_soft()

    def current_params(self) -> FitParams:
        n_init = self.n_init_spin.value()
        placed = self._placed()
        return FitParams(
            key=self.picker.current_key(),
            k=self.k_spin.value(),
            init=self.init_combo.currentData(),
            n_init="auto" if n_init == 0 else n_init,
            algorithm=self.algorithm_combo.currentData(),
            max_iter=self.max_iter_spin.value(),
            random_state=self.seed_spin.value(),
            placed=np.asarray(placed, dtype=float) if placed else None,
        )

    # ================================================================ lifecycle
    def start(self) -> None:
        self.fit()

    def apply_params(self, n_clusters=None, dataset=None, **ignored: Any) -> None:
        """Select ``dataset`` and ``n_clusters`` (e.g. from "Use this k") and fit."""
        self._fit_timer.stop()
        widgets = (self.picker, self.k_spin, self.init_combo)
        for w in widgets:
            w.blockSignals(True)
        try:
            if dataset:
                if self.picker.findData(dataset) < 0:
                    self.ctx.show_message(f"The K-Means page does not know the dataset "
                                          f"'{dataset}'.", "warning")
                else:
                    self.picker.set_current_key(dataset)
            if n_clusters is not None:
                self.k_spin.setValue(int(n_clusters))
            if self.init_combo.currentData() == "hand" and len(self._placed()) != \
                    self.k_spin.value():
                _set_combo(self.init_combo, "k-means++")
        finally:
            for w in widgets:
                w.blockSignals(False)
        self._update_mode_widgets()
        self.tabs.setCurrentWidget(self.clusters_tab)
        self.fit()

    def shutdown(self) -> None:
        self.play_timer.stop()
        self._fit_timer.stop()

    # ================================================================ fitting
    def _cached(self):
        if self.dataset is not None and self.projection is not None:
            return self.dataset, self.projection
        return None

    def _dataset_changed(self, key: str) -> None:
        self._stop_play()
        self._update_mode_widgets()
        self.fit()

    def _params_changed(self, *args) -> None:
        self._update_mode_widgets()
        if self.init_combo.currentData() == "hand":
            self._fit_timer.stop()
            self._hand_changed()
        else:
            self._fit_timer.start()

    def _init_mode_changed(self, *args) -> None:
        if self.init_combo.currentData() == "hand" and not self._placed() and \
                self.frame is not None and self.dataset is not None and \
                self.dataset.key == self.picker.current_key():
            # Start from the current initial centroids, so they can be dragged from there.
            self._set_placed(self.stepper.init_centers.tolist())
        self._params_changed()

    def _update_mode_widgets(self) -> None:
        hand = self.init_combo.currentData() == "hand"
        self.hint_label.setVisible(hand)
        self.fit_button.setEnabled(not hand or len(self._placed()) == self.k_spin.value())
        self.chapter_new_button.setEnabled(self.dataset is None or self.dataset.n_features == 2)
        self.good_init_button.setVisible(hand)
        self.clear_placed_button.setVisible(hand)
        self.n_init_spin.setEnabled(not hand)
        self.seed_spin.setEnabled(not hand)

    def fit(self) -> None:
        """Fit with the current parameters in the background."""
        self._fit_timer.stop()
        p = self.current_params()
        if not p.key:
            return
        self._stop_play()
        if p.init == "hand" and not self._hand_ready(p):
            if self.dataset is None or self.dataset.key != p.key:
                self._hand_changed()  # loads the data, then asks for the centroids
            else:
                self.mark_drawn()
            return
        self.result_label.setText("<i>Fitting…</i>")
        task = self.run_task(fit_job, self.ctx, p, self._gen + 1, self._cached(), key="fit",
                             description=f"Fitting K-Means (k={p.k})…",
                             on_result=self._fit_done, on_error=self._fit_failed)
        task.cancelled.connect(lambda t=task: self._task_cancelled(t, "fit"))

    def _fit_done(self, out: FitOutput) -> None:
        self._install(out)
        self._save_params(out.params)
        self._stale_tabs |= {"iterations", "compare", "variability"}
        self._refresh_current_tab()

    def _task_cancelled(self, task, what: str) -> None:
        """Cancel (or Esc) stopped a task: keep what is drawn and say so."""
        if task.state == "stale":
            return  # superseded by a newer request, which will draw
        if what == "fit":
            self._update_result_label()
        elif what == "compare":
            for i, v in enumerate(self.cmp_views):
                r = self.compare_results[i] if self.compare_results else None
                v.plotItem.setTitle(f"Solution {i + 1}: inertia = {_fmt(r.inertia)}" if r
                                    else f"Solution {i + 1}: cancelled", size="10pt")
            self._stale_tabs.add("compare")
        elif what == "variability":
            self.var_caption.setText("Cancelled: press Run to start again.")
            self._stale_tabs.add("variability")

    def _fit_failed(self, exc: BaseException) -> None:
        msg = str(exc) if isinstance(exc, DataError) else f"K-Means failed: {exc}"
        self.ctx.show_message(msg, "error")
        self._update_result_label()
        if self.dataset is not None and self.picker.current_key() != self.dataset.key:
            self.picker.blockSignals(True)
            self.picker.set_current_key(self.dataset.key)
            self.picker.blockSignals(False)

    def _install(self, out: FitOutput) -> None:
        """Adopt a new stepper (from a fit or a hand-placed init) and draw it."""
        self._gen = out.frame.gen
        self._busy = False
        self._step_token += 1
        self._queued = None
        new_data = self.dataset is None or out.dataset.key != self.dataset.key or \
            self.dataset is not out.dataset
        self.dataset, self.projection = out.dataset, out.projection
        self.params = out.params
        self.result = out.result
        self.stepper = out.stepper
        if new_data:
            size = 6 if out.dataset.n_samples <= 5000 else 3
            self.view.set_points(self.projection.coords,
                                 colors=np.zeros((out.dataset.n_samples, 4), np.uint8) + 160,
                                 size=size)
            self.view.set_axis_titles(*self.projection.axis_titles)
            self.view.set_title(out.dataset.name)
            self._update_data_info()
            self._update_mode_widgets()
        self._show_frame(out.frame)
        self._update_handles()
        self._update_result_label()
        self._stale_tabs.add("iterations")  # the figure follows the initialisation
        self.mark_drawn()

    def _update_data_info(self) -> None:
        ds, proj = self.dataset, self.projection
        text = f"{ds.n_samples:,} points × {ds.n_features} feature{'s' if ds.n_features > 1 else ''}"
        if proj.method == "pca":
            text += (f". The plot shows the first two principal components "
                     f"({proj.explained_variance_ratio.sum():.0%} of the variance); decision "
                     f"regions are not drawn for {ds.n_features} features.")
        elif proj.method == "pad":
            text += ". One feature, drawn against zero; decision regions are not drawn."
        self.data_info.setText(text)

    # ================================================================ hand-placed init
    def _hand_ready(self, p: FitParams) -> bool:
        n = 0 if p.placed is None else len(p.placed)
        if n == p.k:
            return True
        if self.dataset is not None and self.dataset.key == p.key:
            self._show_unfitted()
        return False

    def _hand_changed(self) -> None:
        """Placed centroids or k changed in hand mode: re-initialise the stepper from them."""
        self._stop_play()
        p = self.current_params()
        if not p.key:
            return
        if self.dataset is None or self.dataset.key != p.key:
            # Load the data first; the placed points are drawn when it arrives.
            self.run_task(load_job, self.ctx, p.key, key="fit", description="Loading dataset…",
                          on_result=self._loaded_for_hand, on_error=self._fit_failed)
            return
        if not self._hand_ready(p):
            return
        if self.dataset.n_samples <= ASYNC_POINTS:
            try:
                out = init_job(self.ctx, p, self._gen + 1, self._cached())
            except DataError as exc:
                self.ctx.show_message(str(exc), "error")
                return
            self._install(out)
        else:
            self.run_task(init_job, self.ctx, p, self._gen + 1, self._cached(), key="fit",
                          description="Initialising from the placed centroids…",
                          on_result=self._install, on_error=self._fit_failed)

    def _loaded_for_hand(self, result) -> None:
        ds, proj = result
        self.dataset, self.projection = ds, proj
        size = 6 if ds.n_samples <= 5000 else 3
        self.view.set_points(proj.coords, colors=np.zeros((ds.n_samples, 4), np.uint8) + 160,
                             size=size)
        self.view.set_axis_titles(*proj.axis_titles)
        self.view.set_title(ds.name)
        self._update_data_info()
        self._update_mode_widgets()
        self.stepper = None
        self.frame = None
        self.result = None
        self._hand_changed()
        if not self._hand_ready(self.current_params()):
            self.mark_drawn()

    def _show_unfitted(self) -> None:
        """Hand mode with fewer than k centroids: grey points, the placed ones, a hint."""
        p = self.current_params()
        self._gen += 1
        self._busy = False
        self.stepper = None
        self.frame = None
        self.result = None
        if self.dataset is not None and self.dataset.key == p.key:
            grey = np.zeros((self.dataset.n_samples, 4), np.uint8)
            grey[:] = (150, 150, 150, 255)
            self.view.set_colors(grey)
            self.view.centroids.clear()
            self.view.show_regions_for(None, p.k)
        n = 0 if p.placed is None else len(p.placed)
        if n < p.k:
            self.hint_label.setText(f"Click on the plot to place initial centroid {n + 1} of "
                                    f"{p.k}; drag a placed one to move it.")
        else:
            self.hint_label.setText(f"{n} centroids are placed but k is {p.k}: clear them and "
                                    f"place {p.k}, or set k to {n}.")
        self._update_handles()
        self._update_iter_label()
        self._update_result_label()
        self._update_soft()
        self.inertia_curve.setData([], [])
        self.inertia_now.setData([], [])
        self.code_changed.emit()

    def _update_handles(self) -> None:
        hand = self.init_combo.currentData() == "hand"
        if not hand or self.projection is None or self.dataset is None or \
                self.dataset.key != self.picker.current_key():
            placed_xy = np.empty((0, 2))
            if not hand:
                self.hint_label.setText("")
        else:
            placed = self._placed()
            placed_xy = (self.projection.transform(np.asarray(placed, float)) if placed
                         else np.empty((0, 2)))
        vb = self.view.plotItem.vb
        colors = palette_rgba(max(self.k_spin.value(), len(placed_xy), 1))
        if len(self._handles) != len(placed_xy):
            for h in self._handles:
                vb.removeItem(h)
            self._handles = []
            for i in range(len(placed_xy)):
                h = HandleItem(i, colors[i])
                h.moved.connect(self._handle_moved)
                h.released.connect(self._handle_released)
                vb.addItem(h, ignoreBounds=True)
                self._handles.append(h)
        for h, (x, y) in zip(self._handles, placed_xy):
            if not h.dragging:  # never yank a centroid from under the mouse
                h.setPos(float(x), float(y))
        if not hand:
            return
        placed = self._placed()
        if len(placed) == self.k_spin.value() and self.frame is not None:
            self.hint_label.setText("Drag a centroid to move it; Step (→) runs K-Means from "
                                    "these centroids, Fit runs it to convergence.")

    def handle_positions(self) -> np.ndarray:
        """Where the draggable initial centroids are drawn (m, 2), for tests."""
        return np.array([[h.pos().x(), h.pos().y()] for h in self._handles]).reshape(-1, 2)

    def _to_features(self, x: float, y: float) -> list[float]:
        proj = self.projection
        if proj.method == "identity":
            return [x, y]
        if proj.method == "pad":
            return [x]
        return (proj.mean + np.array([x, y]) @ proj.components).tolist()

    def _handle_moved(self, index: int, x: float, y: float) -> None:
        if self.dataset is not None and self.dataset.n_samples <= 20_000:
            self._move_placed(index, x, y, save=False)

    def _handle_released(self, index: int, x: float, y: float) -> None:
        self._move_placed(index, x, y, save=True)

    def _move_placed(self, index: int, x: float, y: float, save: bool) -> None:
        placed = self._placed()
        if index >= len(placed):
            return
        placed[index] = self._to_features(x, y)
        key = self.picker.current_key()
        self._session["placed"][key] = placed
        if save:
            self._save_session()
        p = self.current_params()
        if not self._hand_ready(p):
            return
        if self.dataset.n_samples <= ASYNC_POINTS:
            out = init_job(self.ctx, p, self._gen + 1, self._cached())
            self._gen = out.frame.gen
            self.params, self.result, self.stepper = out.params, None, out.stepper
            self._show_frame(out.frame)  # the handles stay where the mouse is
            self._update_result_label()
            self._stale_tabs.add("iterations")
        elif save:
            self._hand_changed()

    def place_centroid(self, x: float, y: float) -> None:
        """Add a hand-placed initial centroid at (x, y) of the plot."""
        placed = self._placed()
        if len(placed) >= self.k_spin.value():
            return
        placed.append(self._to_features(x, y))
        self._set_placed(placed)
        self._hand_changed()
        if self.stepper is None:
            self._update_handles()

    def use_chapter_good_init(self) -> None:
        """The chapter's five hand-placed centroids (k = 5)."""
        if self.dataset is not None and self.dataset.n_features != 2:
            self.ctx.show_message("The chapter's good init is for two-feature data such as the "
                                  "blobs.", "warning")
            return
        self.k_spin.blockSignals(True)
        self.k_spin.setValue(5)
        self.k_spin.blockSignals(False)
        self._set_placed(CHAPTER_GOOD_INIT.tolist())
        if self.init_combo.currentData() != "hand":
            _set_combo(self.init_combo, "hand")  # triggers _params_changed → _hand_changed
        else:
            self._hand_changed()

    def clear_placed(self) -> None:
        self._set_placed([])
        self._hand_changed()

    # ================================================================ clicks and soft clustering
    def _plot_clicked(self, x: float, y: float, button, modifiers) -> None:
        if button != Qt.MouseButton.LeftButton or self.dataset is None:
            return
        if self._handles:
            near = self.view.handles_pixel_distance(x, y, self.handle_positions())
            if near.size and near.min() <= HandleItem.RADIUS + 3:
                return
        xy_new = self._x_new_xy()
        if len(xy_new):
            near = self.view.handles_pixel_distance(x, y, xy_new)
            if near.min() <= 9:
                pts = np.delete(self.x_new(), int(near.argmin()), axis=0)
                self._set_x_new(pts)
                return
        if self.init_combo.currentData() == "hand" and len(self._placed()) < self.k_spin.value():
            self.place_centroid(x, y)
            return
        self.add_new_instance(x, y)

    def add_new_instance(self, x: float, y: float) -> None:
        """Add a new instance at (x, y) of the plot to the soft-clustering table."""
        pts = self.x_new()
        pts = np.vstack([pts, np.asarray(self._to_features(x, y))[None, :]])
        self._set_x_new(pts)

    def use_chapter_x_new(self) -> None:
        if self.dataset is None or self.dataset.n_features != 2:
            self.ctx.show_message("The chapter's X_new has two features; this dataset has "
                                  f"{self.dataset.n_features if self.dataset else '?'}.",
                                  "warning")
            return
        self._set_x_new(CHAPTER_X_NEW.copy())

    def clear_new(self) -> None:
        if self.dataset is not None:
            self._set_x_new(np.empty((0, self.dataset.n_features)))

    def _delete_selected_new(self) -> None:
        rows = sorted({i.row() for i in self.table.selectedIndexes()})
        if rows:
            self._set_x_new(np.delete(self.x_new(), rows, axis=0))

    def _x_new_xy(self) -> np.ndarray:
        pts = self.x_new()
        if self.projection is None or len(pts) == 0:
            return np.empty((0, 2))
        return self.projection.transform(pts)

    def soft_table(self) -> tuple[list[str], list[list[Any]]]:
        """The soft-clustering table as (header, rows)."""
        header = [self.table.horizontalHeaderItem(c).text()
                  for c in range(self.table.columnCount())]
        rows = [[self.table.item(r, c).text() for c in range(self.table.columnCount())]
                for r in range(self.table.rowCount())]
        return header, rows

    def _update_soft(self, emit: bool = True) -> None:
        pts = self.x_new()
        xy = self._x_new_xy()
        frame = self.frame
        k = self.stepper.n_clusters if (frame is not None and self.stepper is not None) else 0
        # The numbers next to the new instances only change when the instances do.
        if len(self._new_texts) != len(xy) or any(
                (t.pos().x(), t.pos().y()) != (float(x), float(y))
                for t, (x, y) in zip(self._new_texts, xy)):
            for t in self._new_texts:
                self.view.plotItem.vb.removeItem(t)
            self._new_texts = []
            for r, (x, y) in enumerate(xy):
                t = pg.TextItem(str(r + 1), color=(0, 0, 0), anchor=(-0.3, 1.1))
                t.setPos(float(x), float(y))
                t.setZValue(31)
                self.view.plotItem.vb.addItem(t, ignoreBounds=True)
                self._new_texts.append(t)
        d = pts.shape[1] if pts.ndim == 2 else 0
        names = ["instance"] if 0 < d <= 3 else []
        colors = palette_rgba(max(k, 1))
        header = ["#"] + names + [str(j) for j in range(k)] + (["cluster"] if k else [])
        if header != self._table_header:
            self._table_header = header
            self.table.clear()
            self.table.setColumnCount(len(header))
            for c, text in enumerate(header):
                item = QTableWidgetItem(text)
                j = c - 1 - len(names)
                if 0 <= j < k:
                    item.setIcon(_color_icon(colors[j]))
                    item.setToolTip(f"Distance to centroid {j} (column {j} of transform)")
                self.table.setHorizontalHeaderItem(c, item)
        self.table.setRowCount(len(pts))
        if frame is not None and k and len(pts):
            soft = soft_assignment(frame.centers, pts)
            labels = soft.labels
        else:
            soft, labels = None, None
        for r in range(len(pts)):
            cells = [str(r + 1)] + (["(" + ", ".join(f"{v:.2f}" for v in pts[r]) + ")"]
                                    if names else [])
            if soft is not None:
                cells += [f"{v:.2f}" for v in soft.distances[r]] + [str(int(labels[r]))]
            for c, text in enumerate(cells):
                item = self.table.item(r, c)
                if item is None:
                    item = QTableWidgetItem()
                    item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                    self.table.setItem(r, c, item)
                last = soft is not None and c == len(cells) - 1
                bold = last or (soft is not None and c == 1 + len(names) + int(labels[r]))
                if item.text() != text:
                    item.setText(text)
                if item.font().bold() != bold:
                    f = item.font()
                    f.setBold(bold)
                    item.setFont(f)
                if last:
                    item.setBackground(QColor(*[int(v) for v in colors[labels[r]][:3]], 90))
        self.table.resizeColumnsToContents()
        # markers on the plot
        if len(xy):
            if labels is not None:
                brushes = [pg.mkBrush(*colors[j][:3], 255) for j in labels]
            else:
                brushes = [pg.mkBrush(255, 255, 255)] * len(xy)
            self.new_points.setData(x=xy[:, 0], y=xy[:, 1], brush=brushes)
        else:
            self.new_points.setData([], [])
        if emit:
            self.code_changed.emit()

    # ================================================================ stepping
    def step(self) -> None:
        """One iteration forwards (→)."""
        self._do("step")

    def back(self) -> None:
        """One iteration back (←)."""
        self._stop_play()
        self._do("back")

    def reset(self) -> None:
        """Back to iteration 0."""
        self._stop_play()
        self._do("reset")

    def go_to(self, iteration: int) -> None:
        self._do(f"to:{int(iteration)}")

    @property
    def stepping(self) -> bool:
        """True while a step runs on a worker thread."""
        return self._busy

    def _do(self, action: str) -> None:
        if self.stepper is None:
            return
        if self._busy:
            self._queued = action
            return
        big = self.stepper.n_samples > ASYNC_POINTS
        if not big:
            frame = step_job(self.stepper, action, self._gen, False)
            self._show_frame(frame)
            return
        self._busy = True
        self._step_token += 1
        token, gen, stepper = self._step_token, self._gen, self.stepper
        holder: list[Frame] = []

        def job():
            # The result is kept even if the task is cancelled: the stepper did move.
            holder.append(step_job(stepper, action, gen, True))
            return holder[-1]

        task = self.run_task(job, key="step", description="K-Means iteration…")
        task.finished.connect(lambda: self._step_finished(token, holder))

    def _step_finished(self, token: int, holder: list) -> None:
        if token != self._step_token:
            return  # a newer stepper was installed meanwhile
        self._busy = False
        if holder and holder[-1].gen == self._gen:
            self._show_frame(holder[-1])
        if self._queued is not None:
            action, self._queued = self._queued, None
            self._do(action)

    def toggle_play(self) -> None:
        self.play_button.toggle()

    def _play_toggled(self, on: bool) -> None:
        self.play_button.setText("Pause" if on else "Play")
        if on:
            if self.frame is not None and self.frame.converged:
                self.reset()  # replay from the start
                self.play_button.blockSignals(True)
                self.play_button.setChecked(True)
                self.play_button.setText("Pause")
                self.play_button.blockSignals(False)
            self._speed_changed(self.speed_slider.value())
            self.play_timer.start()
        else:
            self.play_timer.stop()
            self.code_changed.emit()

    def _stop_play(self) -> None:
        if self.play_button.isChecked():
            self.play_button.setChecked(False)

    def _speed_changed(self, value: int) -> None:
        self.speed_label.setText(f"{value} it/s")
        self.play_timer.setInterval(int(1000 / max(1, value)))

    def _play_tick(self) -> None:
        if self.stepper is None or self.frame is None:
            self._stop_play()
            return
        if self._busy:
            return
        if self.frame.converged:
            self._stop_play()
            return
        self._do("step")

    # ================================================================ drawing
    def _show_frame(self, frame: Frame) -> None:
        self.frame = frame
        k = self.stepper.n_clusters if self.stepper is not None else len(frame.centers)
        if frame.colors is not None:
            self.view.set_colors(frame.colors)
        else:
            self.view.set_cluster_labels(frame.labels, k)
        proj = self.projection
        centers2d = proj.transform(frame.centers)
        hist = frame.history_centers
        trail = proj.transform(hist.reshape(-1, hist.shape[-1])).reshape(hist.shape[0], -1, 2)
        self.view.centroids.set_centers(centers2d, trail)
        self.view.show_regions_for(centers2d if proj.method == "identity" else None, k)
        it = np.arange(len(frame.history_inertia))
        self.inertia_curve.setData(it, frame.history_inertia)
        self.inertia_now.setData([frame.iteration], [frame.inertia])
        if self.init_combo.currentData() != "hand":
            self.hint_label.setText("")
        self._update_iter_label()
        self._update_result_label(emit=False)
        self._update_soft(emit=False)
        if not self.play_button.isChecked():  # while playing, the code follows when it stops
            self.code_changed.emit()
        if self.tabs.currentWidget() is self.iterations_tab:
            pass  # the figure follows the init, not the iteration shown

    def _update_iter_label(self) -> None:
        f = self.frame
        if f is None:
            self.iter_label.setText("")
            for b in (self.step_button, self.back_button, self.play_button, self.reset_button):
                b.setEnabled(False)
            return
        for b in (self.step_button, self.back_button, self.play_button, self.reset_button):
            b.setEnabled(True)
        self.back_button.setEnabled(f.iteration > 0)
        self.step_button.setEnabled(not f.converged)
        lines = [f"Iteration <b>{f.iteration}</b> · inertia <b>{_fmt(f.inertia)}</b>"]
        if f.iteration > 0:
            lines.append(f"{f.n_changed:,} point{'s' if f.n_changed != 1 else ''} changed "
                         "cluster")
        else:
            lines.append("The initial centroids; → to take a step")
        if f.converged:
            lines.append(f"<span style='color:#2c7a2c'><b>Converged after {f.n_iter} "
                         f"iteration{'s' if f.n_iter != 1 else ''}</b></span>")
        self.iter_label.setText("<br>".join(lines))

    def _update_result_label(self, emit: bool = True) -> None:
        r, f = self.result, self.frame
        if f is None:
            self.result_label.setText("")
            return
        parts = [f"Inertia <b>{_fmt(f.inertia)}</b> · score() <b>{_fmt(-f.inertia)}</b>"]
        if r is not None:
            if f.iteration == (self.stepper.n_iter or -1) or f.iteration == r.n_iter:
                runs = (f"best of {r.n_init} runs (run {r.best_run + 1})" if r.n_init > 1
                        else "1 run")
                parts.append(f"Fitted: n_iter_ = {r.n_iter}, {runs}")
            else:
                parts.append(f"Fitted: inertia {_fmt(r.inertia)} after {r.n_iter} iterations; "
                             f"showing iteration {f.iteration}")
        else:
            parts.append("From the placed centroids: Fit runs to convergence")
        self.result_label.setText("<br>".join(parts))
        if emit:
            self.code_changed.emit()

    # ================================================================ the other tabs
    def _tab_changed(self, index: int) -> None:
        self.ensure_tab(self.tabs.widget(index))
        self._refresh_current_tab()
        self.code_changed.emit()

    def _refresh_current_tab(self) -> None:
        w = self.tabs.currentWidget()
        if w is self.iterations_tab and "iterations" in self._stale_tabs:
            self.draw_iterations()
        elif w is self.compare_tab and "compare" in self._stale_tabs:
            self.run_compare()
        elif w is self.variability_tab and "variability" in self._stale_tabs:
            self.run_variability()
        elif w is self.limits_tab and self.limits is None:
            self.run_limits()

    def show_chapter_figure(self) -> None:
        """Blobs, k=5, random init, n_init=1, random_state=5, then the iterations figure."""
        widgets = (self.picker, self.k_spin, self.init_combo, self.n_init_spin, self.seed_spin,
                   self.algorithm_combo)
        for w in widgets:
            w.blockSignals(True)
        self.picker.set_current_key("blobs")
        self.k_spin.setValue(5)
        _set_combo(self.init_combo, "random")
        self.n_init_spin.setValue(1)
        self.seed_spin.setValue(5)
        _set_combo(self.algorithm_combo, "lloyd")
        for w in widgets:
            w.blockSignals(False)
        self._update_mode_widgets()
        self.ensure_tab(self.iterations_tab)
        self.tabs.blockSignals(True)
        self.tabs.setCurrentWidget(self.iterations_tab)
        self.tabs.blockSignals(False)
        self.fit()  # _fit_done refreshes the figure

    def draw_iterations(self) -> None:
        if self.stepper is None or self.dataset is None:
            return
        self._stale_tabs.discard("iterations")
        X, k, init = self.dataset.X, self.stepper.n_clusters, self.stepper.init_centers
        if self.dataset.n_samples <= ASYNC_POINTS:
            self._iterations_done(iterations_job(X, k, init))
        else:
            self.run_task(iterations_job, X, k, init, key="iterations",
                          description="Computing iterations 1–3…",
                          on_result=self._iterations_done)

    def _iterations_done(self, centers: np.ndarray) -> None:
        self._iter_centers = centers
        proj = self.projection
        k = centers.shape[1]
        c = [proj.transform(centers[min(t, len(centers) - 1)]) for t in range(4)]
        regions_ok = proj.method == "identity"
        black = np.zeros((self.dataset.n_samples, 4), np.uint8)
        black[:, 3] = 255
        size = 3 if self.dataset.n_samples <= 5000 else 1
        # (regions of iteration, centroids of iteration, centroid style)
        plan = [(None, 1, "red"), (1, 1, None), (1, 2, None), (2, 2, None), (2, 3, None),
                (3, 3, None)]
        for v, (reg, cen, style) in zip(self.iter_views, plan):
            v.set_points(proj.coords, colors=black, size=size)
            v.show_regions_for(c[reg] if (reg is not None and regions_ok) else None, k)
            v.centroids.set_style(*(((214, 39, 40), (255, 255, 255)) if style == "red"
                                    else ((255, 255, 255), (0, 0, 0))))
            v.centroids.set_centers(c[cen])
        first = ("Update centroids (initially randomly)" if self.params is not None
                 and self.params.init == "random" else "Update centroids (from the init)")
        self.iter_views[0].plotItem.setTitle(first, size="8pt")
        n = len(centers) - 1
        how = (f"init='{self.params.init}', random_state={self.params.random_state}"
               if self.params is not None and self.params.init != "hand" else "the placed init")
        note = "" if n >= 3 else f" (converged after {n} iteration{'s' if n != 1 else ''})"
        self.iter_caption.setText(
            f"The first three iterations from the current initialisation ({how}){note}: left, "
            "the centroids move to the mean of their points; right, the points are relabelled "
            "by the nearest centroid.")
        self.code_changed.emit()

    def run_compare(self) -> None:
        if self.dataset is None:
            return
        self._stale_tabs.discard("compare")
        specs = [(c.currentData(), s.value(), 1) for c, s in zip(self.cmp_init, self.cmp_seed)]
        k = self.k_spin.value()
        for v in self.cmp_views:
            v.set_title("…")
        task = self.run_task(compare_job, self.dataset.X, k, specs[0], specs[1], key="compare",
                             description="Comparing two K-Means solutions…",
                             on_result=self._compare_done, on_error=self._fit_failed)
        task.cancelled.connect(lambda t=task: self._task_cancelled(t, "compare"))

    def _compare_done(self, results) -> None:
        self.compare_results = results
        proj = self.projection
        for i, (v, r) in enumerate(zip(self.cmp_views, results)):
            size = 5 if self.dataset.n_samples <= 5000 else 2
            v.set_points(proj.coords, colors=colors_for_labels(r.labels, r.n_clusters),
                         size=size)
            c2 = proj.transform(r.centers)
            v.centroids.set_centers(c2)
            v.show_regions_for(c2 if proj.method == "identity" else None, r.n_clusters)
            v.plotItem.setTitle(f"Solution {i + 1}: inertia = {_fmt(r.inertia)}", size="10pt")
        self.code_changed.emit()

    def run_variability(self) -> None:
        if self.dataset is None:
            return
        self._stale_tabs.discard("variability")
        self.var_caption.setText("<i>Running…</i>")
        task = self.run_task(
            variability_job, self.dataset.X, self.k_spin.value(), self.runs_spin.value(),
            self.runs_seed_spin.value(), key="variability",
            description=f"Fitting K-Means {2 * self.runs_spin.value()} times…",
            on_result=self._variability_done, on_error=self._variability_failed)
        task.cancelled.connect(lambda t=task: self._task_cancelled(t, "variability"))

    def _variability_failed(self, exc: BaseException) -> None:
        self.var_caption.setText("")
        self._fit_failed(exc)

    def _variability_done(self, results) -> None:
        self.variability = results
        rnd, pp = results
        for item in self.hist_items:
            self.hist_plot.removeItem(item)
        self.hist_items = []
        legend = self.hist_plot.plotItem.legend
        if legend is not None:
            legend.clear()
        allv = np.concatenate([rnd.inertias, pp.inertias])
        lo, hi = float(allv.min()), float(allv.max())
        if hi - lo < 1e-9 * max(1.0, abs(hi)):
            lo, hi = lo - 0.5, hi + 0.5
        edges = np.linspace(lo, hi, 31)
        width = edges[1] - edges[0]
        for j, (res, color, name) in enumerate(((rnd, (255, 127, 14), "init='random'"),
                                                (pp, (31, 119, 180), "init='k-means++'"))):
            counts, _ = np.histogram(res.inertias, bins=edges)
            x = edges[:-1] + width * (0.3 + 0.4 * j)
            item = pg.BarGraphItem(x=x, height=counts, width=width * 0.4,
                                   brush=pg.mkBrush(*color, 210), pen=pg.mkPen(*color))
            self.hist_plot.addItem(item)
            if legend is not None:
                legend.addItem(item, name)
            self.hist_items.append(item)
        best = min(rnd.best, pp.best)

        def line(res, name):
            return (f"{name}: best {_fmt(res.best)}, worst {_fmt(res.worst)}, "
                    f"{res.share_near_best(best):.0%} of runs within 1% of the best")

        self.var_caption.setText(
            f"{line(rnd, '<b>random</b>')}<br>{line(pp, '<b>k-means++</b>')}<br>"
            f"{len(rnd.inertias)} runs each, n_init=1, random_state {int(rnd.seeds[0])}…"
            f"{int(rnd.seeds[-1])}. Running several initialisations (n_init) and keeping the "
            "lowest inertia protects against the bad ones; k-means++ makes them rarer.")
        self.code_changed.emit()

    def run_limits(self) -> None:
        self.run_task(limits_job, self.ctx, key="limits",
                      description="Fitting the elongated blobs…",
                      on_result=self._limits_done, on_error=self._fit_failed)

    def _limits_done(self, out) -> None:
        self.limits = out
        ds, good, bad = out
        for v, r, title in zip(self.lim_views, (good, bad), ("Good init", "Default")):
            v.set_points(ds.X, colors=colors_for_labels(r.labels, 3), size=5)
            v.centroids.set_centers(r.centers)
            v.show_regions_for(r.centers, 3)
            v.plotItem.setTitle(f"{title}: inertia = {r.inertia:.1f}", size="10pt")
        self.code_changed.emit()

    # ================================================================ window hooks
    def code(self) -> str:
        w = self.tabs.currentWidget()
        if w is self.limits_tab:
            return self._limits_code()
        ds = self.dataset
        if ds is None:
            return ""
        data_code = ds.code.rstrip() or (f"X = ...  # '{ds.name}': {ds.n_samples} rows × "
                                         f"{ds.n_features} features")
        head = data_code + "\n\n"
        if "import numpy as np" not in data_code:
            head += "import numpy as np\n"
        head += "from sklearn.cluster import KMeans\n\n"
        if w is self.compare_tab and self.compare_results is not None:
            lines = []
            for i, r in enumerate(self.compare_results):
                lines.append(f"kmeans{i + 1} = KMeans(n_clusters={r.n_clusters}, "
                             f"init=\"{r.init_method}\", n_init=1, random_state={r.random_state})"
                             f".fit(X)\nprint(kmeans{i + 1}.inertia_)  # {r.inertia:.2f}")
            return head + "\n".join(lines) + "\n"
        if w is self.variability_tab and self.variability is not None:
            rnd = self.variability[0]
            return head + (
                f"inertias = {{}}\nfor init in (\"random\", \"k-means++\"):\n"
                f"    inertias[init] = [\n"
                f"        KMeans(n_clusters={rnd.n_clusters}, init=init, n_init=1, "
                f"random_state=seed).fit(X).inertia_\n"
                f"        for seed in range({int(rnd.seeds[0])}, {int(rnd.seeds[-1]) + 1})]\n\n"
                "import matplotlib.pyplot as plt\n\n"
                "plt.hist([inertias[\"random\"], inertias[\"k-means++\"]], bins=30,\n"
                "         label=[\"random\", \"k-means++\"])\nplt.legend()\nplt.show()\n")
        p, f = self.params, self.frame
        if p is None or self.stepper is None or f is None:
            placed = self._placed(ds.key)
            if self.init_combo.currentData() == "hand":
                k = self.k_spin.value()
                head += (f"# {len(placed)} of {k} initial centroids placed so far\n"
                         f"init = {_array_code(np.asarray(placed)) if placed else '[]'}\n"
                         f"# once there are {k}:\n# kmeans = KMeans(n_clusters={k}, init=init, "
                         "n_init=1).fit(X)\n")
            return head
        k = self.stepper.n_clusters
        if p.init == "hand":
            init_line = f"init = {_array_code(self.stepper.init_centers)}  # placed by hand\n"
            args = f"n_clusters={k}, init=init, n_init=1"
        else:
            init_line = ""
            n_init = "\"auto\"" if p.n_init == "auto" else p.n_init
            args = f"n_clusters={k}, init=\"{p.init}\", n_init={n_init}"
        if p.algorithm != "lloyd":
            args += f", algorithm=\"{p.algorithm}\""
        if p.max_iter != 300:
            args += f", max_iter={p.max_iter}"
        args += f", random_state={p.random_state}"
        code = head + init_line + f"kmeans = KMeans({args})\ny_pred = kmeans.fit_predict(X)\n"
        if self.result is not None:
            code += (f"print(kmeans.inertia_)  # {self.result.inertia:.2f}\n"
                     f"print(kmeans.score(X))  # {-self.result.inertia:.2f}\n"
                     f"print(kmeans.n_iter_)  # {self.result.n_iter}\n")
        final = self.result.n_iter if self.result is not None else None
        if p.init == "hand":
            start = "init"
        elif self.result is not None and self.result.n_init == 1:
            start = f"\"{p.init}\""
        else:
            code += f"won = {_array_code(self.stepper.init_centers)}  # the init that won\n"
            start = "won"
        if f.iteration != final or self.result is None:
            code += (f"\n# The iteration shown ({f.iteration}): one run from the same init, "
                     f"stopped there\n")
            if f.iteration == 0:
                code += (f"kmeans_iter = KMeans(n_clusters={k}, init={start}, n_init=1, "
                         f"max_iter=1, random_state={p.random_state}).fit(X)\n"
                         "initial_centroids = ...  # iteration 0: the init itself\n")
            else:
                code += (f"kmeans_iter = KMeans(n_clusters={k}, init={start}, n_init=1, "
                         f"max_iter={f.iteration}, random_state={p.random_state}).fit(X)\n"
                         f"print(kmeans_iter.inertia_)  # {f.inertia:.2f}\n")
        if self.projection is not None and self.projection.method == "pca":
            code += ("\n# The plot shows the first two principal components:\n"
                     "from sklearn.decomposition import PCA\n\n"
                     "pca = PCA(n_components=2).fit(X)\nX2D = pca.transform(X)\n"
                     "centroids2D = pca.transform(kmeans.cluster_centers_)\n")
        pts = self.x_new()
        if len(pts):
            code += (f"\nX_new = {_array_code(pts)}\n"
                     "print(kmeans.transform(X_new).round(2))  # soft clustering\n"
                     "print(kmeans.predict(X_new))  # hard clustering\n")
        if w is self.iterations_tab:
            code += ("\n# Figure 9-4: iterations 1, 2 and 3\n"
                     "for max_iter in (1, 2, 3):\n"
                     f"    kmeans_iter = KMeans(n_clusters={k}, init={start}, n_init=1, "
                     f"max_iter=max_iter, random_state={p.random_state}).fit(X)\n"
                     "    print(kmeans_iter.cluster_centers_)\n")
        return code

    def _limits_code(self) -> str:
        return (
            "import numpy as np\nfrom sklearn.cluster import KMeans\nfrom sklearn.datasets import "
            "make_blobs\n\n"
            "X1, y1 = make_blobs(n_samples=1000, centers=((4, -4), (0, 0)), random_state=1)\n"
            "X1 = X1.dot(np.array([[0.374, 0.95], [0.732, 0.598]]))\n"
            "X2, y2 = make_blobs(n_samples=250, centers=1, random_state=42)\n"
            "X2 = X2 + [6, -8]\nX = np.r_[X1, X2]\n\n"
            "kmeans_good = KMeans(n_clusters=3, init=np.array([[-1.5, 2.5], [0.5, 0], [4, 0]]),\n"
            "                     n_init=1, random_state=42).fit(X)\n"
            "kmeans_bad = KMeans(n_clusters=3, random_state=42).fit(X)\n"
            "print(kmeans_good.inertia_, kmeans_bad.inertia_)"
            + (f"  # {self.limits[1].inertia:.1f} {self.limits[2].inertia:.1f}\n"
               if self.limits is not None else "\n"))

    def export_widget(self) -> QWidget:
        w = self.tabs.currentWidget()
        if w is self.clusters_tab:
            return self.view
        return w

    def export_table(self):
        w = self.tabs.currentWidget()
        if w is self.variability_tab and self.variability is not None:
            rows = []
            for res in self.variability:
                rows += [[res.init, int(s), float(v), int(n)]
                         for s, v, n in zip(res.seeds, res.inertias, res.n_iter)]
            return ["init", "random_state", "inertia", "n_iter"], rows
        if w is self.compare_tab and self.compare_results is not None and self.dataset:
            r1, r2 = self.compare_results
            names = list(self.dataset.feature_names)
            return names + ["solution 1", "solution 2"], RowTable(self.dataset.X, r1.labels,
                                                                  r2.labels)
        if w is self.limits_tab and self.limits is not None:
            ds, good, bad = self.limits
            return (list(ds.feature_names) + ["good init", "default"],
                    RowTable(ds.X, good.labels, bad.labels))
        if w is self.iterations_tab and self._iter_centers is not None:
            rows = [[t, j] + list(map(float, c))
                    for t, cs in enumerate(self._iter_centers) for j, c in enumerate(cs)]
            return ["iteration", "cluster"] + list(self.dataset.feature_names), rows
        if self.frame is None or self.dataset is None:
            return None
        f, ds = self.frame, self.dataset
        diff = ds.X - f.centers[f.labels]
        dist = np.sqrt(np.einsum("ij,ij->i", diff, diff))
        return (list(ds.feature_names) + ["cluster", "distance to centroid"],
                RowTable(ds.X, f.labels, dist))


__all__ = ["KMeansPage", "hex_color"]
