"""Digits: preprocessing — K-Means as a preprocessing step before a classifier.

The chapter replaces each digit by its distances to k centroids and feeds them
to LogisticRegression. The page shows the baseline (no clustering), the
pipeline's accuracy for a chosen k, and accuracy against k from a background
sweep (cancellable; every finished k is cached, so a re-run is instant). The
"standardize distances" switch puts a StandardScaler between the two steps:
lbfgs then converges in a few dozen iterations instead of about a thousand
(different numbers from the chapter's, which are those with the switch off).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from core.errors import DataError
from core.preprocessing import PipelineFit, baseline_accuracy, fit_pipeline, sweep_pipeline
from core.progress import report
from core.semisupervised import DigitsSplit, digits_split
from gui.pages.base import Page, hbox, info_label, panel, side_panel
from gui.widgets.scatter import make_plot

#: The chapter's printed values (cells 49, 52, 54), shown as reference marks on the chart.
CHAPTER_POINTS = {50: 0.9711111111111111, 88: 0.9822222222222222}
CHAPTER_BASELINE = 0.9733333333333334
MAX_K = 400

EXACT_COLOR = "#1f77b4"
SCALED_COLOR = "#ff7f0e"


@dataclass(frozen=True)
class Prepared:
    split: DigitsSplit
    baseline: float


def prepare(progress=None) -> Prepared:
    report(progress, 0.0)
    split = digits_split()
    report(progress, 0.3)
    baseline = baseline_accuracy(split.X_train, split.y_train, split.X_test, split.y_test)
    report(progress, 1.0)
    return Prepared(split, baseline)


def run_sweep(split: DigitsSplit, ks: list[int], standardize: bool, baseline: float,
              on_fit, progress=None):
    return sweep_pipeline(split.X_train, split.y_train, split.X_test, split.y_test, ks,
                          standardize=standardize, baseline=baseline, progress=progress,
                          on_fit=on_fit)


class DigitsPreprocessingPage(Page):
    name = "digits-preprocessing"
    title = "Digits: preprocessing"

    def __init__(self, ctx, parent=None):
        super().__init__(ctx, parent)
        self.split: DigitsSplit | None = None
        self.baseline: float | None = None
        #: (k, standardize) -> PipelineFit; written by the sweep's worker as each k is done
        self.cache: dict[tuple[int, bool], PipelineFit] = {}
        self.sweep_task = None
        self._sweep_ks: list[int] = []
        self._sweep_std = False
        self._queued: list[bool] = []  # switch values of the sweeps to run next (on opening)
        self._build()
        self._fit_timer = QTimer(self)
        self._fit_timer.setSingleShot(True)
        self._fit_timer.timeout.connect(self._fit_current)

    # -- widgets -------------------------------------------------------------------------------
    def _build(self) -> None:
        box, form = panel("Pipeline")
        self.k_spin = QSpinBox()
        self.k_spin.setRange(2, MAX_K)
        self.k_spin.setValue(50)
        self.k_spin.setToolTip("Number of K-Means clusters: each digit becomes its k distances "
                               "to the centroids (the chapter: 50, then 88). You can also click "
                               "the chart.")
        self.k_spin.valueChanged.connect(self._params_changed)
        form.addRow("Clusters k:", self.k_spin)
        self.standardize_check = QCheckBox("Standardize distances")
        self.standardize_check.setToolTip(
            "Put a StandardScaler between KMeans and LogisticRegression. lbfgs then needs a few "
            "dozen iterations instead of about a thousand: much faster, slightly different "
            "numbers. Off = the chapter's exact pipeline and numbers.")
        self.standardize_check.toggled.connect(self._params_changed)
        form.addRow(self.standardize_check)
        self.result_label = info_label("Loading the digits…")
        self.result_label.setTextFormat(Qt.TextFormat.RichText)
        self.result_label.setWordWrap(False)
        form.addRow(self.result_label)

        sweep_box, sweep_form = panel("Accuracy against k")
        self.from_spin = QSpinBox()
        self.to_spin = QSpinBox()
        self.step_spin = QSpinBox()
        for spin, value, tip in ((self.from_spin, 10, "Smallest k of the sweep"),
                                 (self.to_spin, 150, "Largest k of the sweep"),
                                 (self.step_spin, 10, "Step between two ks")):
            spin.setRange(1 if spin is self.step_spin else 2, MAX_K)
            spin.setValue(value)
            spin.setToolTip(tip)
        sweep_form.addRow("From:", self.from_spin)
        sweep_form.addRow("To:", self.to_spin)
        sweep_form.addRow("Step:", self.step_spin)
        self.sweep_button = QPushButton("Run sweep")
        self.sweep_button.setToolTip("Fit the pipeline for every k of the range in the "
                                     "background (ks already computed are reused)")
        self.sweep_button.clicked.connect(lambda: self.run_sweep())
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop the sweep after the k being fitted (Esc); the "
                                      "finished ks are kept")
        self.cancel_button.clicked.connect(self.cancel_sweep)
        self.cancel_button.setEnabled(False)
        sweep_form.addRow(hbox(self.sweep_button, self.cancel_button))
        self.sweep_label = info_label("")
        sweep_form.addRow(self.sweep_label)
        self.forget_button = QPushButton("Forget computed ks")
        self.forget_button.setToolTip("Empty the cache of fitted pipelines (the next sweep "
                                      "fits everything again)")
        self.forget_button.clicked.connect(self.forget)
        sweep_form.addRow(self.forget_button)

        note_box, note_form = panel("The chapter")
        note = info_label(
            "The chapter's numbers come from the exact pipeline (standardize off): "
            f"baseline {CHAPTER_BASELINE:.4f}, k=50 {CHAPTER_POINTS[50]:.4f}, "
            f"k=88 {CHAPTER_POINTS[88]:.4f}. They are marked ★ on the chart. Without "
            "scaling lbfgs needs ~1 000 iterations; with it, a few dozen. On opening, the page "
            "sweeps the fast standardized pipeline first, then the chapter's.")
        note.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        note_form.addRow(note)

        self.plot = make_plot("Test accuracy against the number of clusters",
                              "number of clusters k", "test accuracy")
        self.plot.setToolTip("Click the chart to choose k. Blue: the chapter's pipeline; "
                             "orange: with standardized distances; dashed: no clustering.")
        self.plot.addLegend(offset=(-10, 10))
        self.exact_curve = self.plot.plot(
            [], [], pen=pg.mkPen(EXACT_COLOR, width=2), symbol="o", symbolSize=6,
            symbolBrush=EXACT_COLOR, name="chapter's pipeline")
        self.scaled_curve = self.plot.plot(
            [], [], pen=pg.mkPen(SCALED_COLOR, width=2), symbol="t", symbolSize=7,
            symbolBrush=SCALED_COLOR, name="standardized distances")
        self.chapter_marks = pg.ScatterPlotItem(
            x=list(CHAPTER_POINTS), y=list(CHAPTER_POINTS.values()), symbol="star", size=16,
            pen=pg.mkPen("#222", width=1.2), brush=pg.mkBrush(0, 0, 0, 0),
            name="chapter's printed values")
        self.plot.addItem(self.chapter_marks)
        self.baseline_line = pg.InfiniteLine(
            angle=0, pen=pg.mkPen("#555", width=1.5, style=Qt.PenStyle.DashLine),
            label="no clustering {value:.4f}", labelOpts=dict(position=0.2, color="#555",
                                                  anchors=[(0.5, 1), (0.5, 1)]))
        self.baseline_line.setVisible(False)
        self.plot.addItem(self.baseline_line)
        self.k_line = pg.InfiniteLine(angle=90, pos=50,
                                      pen=pg.mkPen("#888", width=1, style=Qt.PenStyle.DotLine))
        self.plot.addItem(self.k_line)
        self.plot.scene().sigMouseClicked.connect(self._plot_clicked)
        self.plot.setXRange(0, 160)
        self.plot.setYRange(0.9, 1.0)

        self.central = QWidget()
        column = QVBoxLayout(self.central)
        column.setContentsMargins(4, 4, 4, 4)
        self.headline = QLabel("")
        self.headline.setTextFormat(Qt.TextFormat.RichText)
        self.headline.setStyleSheet("font-size: 14px;")
        column.addWidget(self.headline)
        column.addWidget(self.plot, 1)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(side_panel(box, sweep_box, note_box))
        layout.addWidget(self.central, 1)

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> None:
        self.run_task(prepare, key="prepare", description="Loading the digits…",
                      on_result=self._prepared,
                      on_error=lambda e: self._failed("The digits could not be loaded", e))

    def _prepared(self, result: Prepared) -> None:
        self.split, self.baseline = result.split, result.baseline
        self.baseline_line.setVisible(True)
        self.baseline_line.setPos(self.baseline)
        self.baseline_line.label.valueChanged()
        self._fit_current(first=True)

    def _failed(self, what: str, exc: BaseException) -> None:
        self.ctx.show_message(f"{what}: {exc}" if not isinstance(exc, DataError) else str(exc),
                              "error")

    def shutdown(self) -> None:
        self._fit_timer.stop()

    def apply_params(self, **params) -> None:
        if "k" in params:
            self.k_spin.setValue(int(params["k"]))
        if "standardize" in params:
            self.standardize_check.setChecked(bool(params["standardize"]))

    # -- the chosen k ----------------------------------------------------------------------------
    def current_key(self) -> tuple[int, bool]:
        return self.k_spin.value(), self.standardize_check.isChecked()

    def _params_changed(self) -> None:
        self.k_line.setPos(self.k_spin.value())
        self._show_current()
        self._redraw()
        self._fit_timer.start(300)  # debounced: typing "88" does not fit k=8 first
        self.code_changed.emit()

    def _fit_current(self, first: bool = False) -> None:
        if self.split is None:
            return
        key = self.current_key()
        if key in self.cache:
            self._show_current()
            return
        k, std = key
        self.result_label.setText(self._result_text(None))
        self.run_task(fit_pipeline, self.split.X_train, self.split.y_train, self.split.X_test,
                      self.split.y_test, k, standardize=std, key="fit",
                      description=f"Fitting the pipeline with k={k}…",
                      on_result=lambda fit, f=first: self._fitted(fit, f),
                      on_error=lambda e: self._failed("The pipeline could not be fitted", e))

    def _fitted(self, fit: PipelineFit, first: bool) -> None:
        self.cache[(fit.n_clusters, fit.standardize)] = fit
        self._show_current()
        self._redraw()
        if first:
            # the fast standardized sweep first (the chart fills in a second or two), then
            # the chapter's exact pipeline, which takes much longer
            self._queued = [False]
            self.run_sweep(standardize=True)

    def _show_current(self) -> None:
        fit = self.cache.get(self.current_key())
        self.result_label.setText(self._result_text(fit))
        k, std = self.current_key()
        if fit is None:
            self.headline.setText(f"k = {k}: fitting…")
            return
        chapter = (" — the chapter's number" if not std and k in CHAPTER_POINTS
                   else "")
        delta = fit.accuracy - (self.baseline or 0.0)
        self.headline.setText(
            f"k = {k}{' (standardized)' if std else ''}: <b>{fit.accuracy:.4f}</b>{chapter}, "
            f"{'+' if delta >= 0 else '−'}{abs(delta):.4f} against no clustering")

    def _result_text(self, fit: PipelineFit | None) -> str:
        base = (f"No clustering: <b>{self.baseline:.4f}</b><br>" if self.baseline is not None
                else "")
        k, std = self.current_key()
        if fit is None:
            return base + f"Pipeline, k={k}: <i>fitting…</i>"
        tag = " ★" if (not std and k in CHAPTER_POINTS) else ""
        conv = "" if fit.converged else " (not converged)"
        return (base + f"Pipeline, k={k}: <b>{fit.accuracy:.4f}</b>{tag}<br>"
                f"lbfgs iterations: {fit.n_iter:,}{conv}<br>"
                f"fit time: {fit.seconds:.2f} s<br>"
                + ("<small>★ the chapter's setting and number</small>" if tag else
                   "<small>standardized: not the chapter's number</small>" if std else ""))

    # -- the sweep -------------------------------------------------------------------------------
    def sweep_ks(self) -> list[int]:
        lo, hi, step = self.from_spin.value(), self.to_spin.value(), self.step_spin.value()
        return list(range(lo, hi + 1, step))

    def run_sweep(self, standardize: bool | None = None) -> None:
        """Fit the pipeline for every k of the range that is not cached yet, in the background
        (with the switch's setting unless ``standardize`` is given)."""
        if self.split is None:
            return
        ks = self.sweep_ks()
        if not ks:
            self.ctx.show_message("The sweep's range is empty: make 'To' at least 'From'.",
                                  "warning")
            return
        if standardize is None:
            self._queued = []  # the user's own sweep replaces the opening ones
        std = self.standardize_check.isChecked() if standardize is None else standardize
        missing = [k for k in ks if (k, std) not in self.cache]
        self._sweep_ks, self._sweep_std = ks, std
        self._redraw()
        if not missing:
            self.sweep_label.setText(f"All {len(ks)} ks were already computed.")
            self._sweep_done()
            return
        cache = self.cache

        def on_fit(fit: PipelineFit, cache=cache) -> None:  # worker thread: one dict store
            cache[(fit.n_clusters, fit.standardize)] = fit

        self.sweep_label.setText(f"Sweep: 0 of {len(missing)} ks done…")
        self.sweep_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.sweep_task = self.run_task(
            run_sweep, self.split, missing, std, self.baseline, on_fit, key="sweep",
            description=f"Sweeping k from {ks[0]} to {ks[-1]}"
                        f"{' (standardized)' if std else ''}…",
            on_result=lambda _r: None, on_progress=lambda _f, n=len(missing): self._swept(n),
            on_error=lambda e: self._failed("The sweep failed", e))
        self.sweep_task.finished.connect(lambda n=len(missing): self._sweep_finished(n))

    def cancel_sweep(self) -> None:
        self._queued = []
        if self.sweep_task is not None:
            self.sweep_task.cancel()
            self.sweep_label.setText("Cancelling after the k being fitted…")

    def _swept(self, n: int) -> None:
        done = sum((k, self._sweep_std) in self.cache for k in self._sweep_ks)
        self.sweep_label.setText(f"Sweep: {done} of {len(self._sweep_ks)} ks done…")
        self._redraw()
        self._show_current()

    def _sweep_finished(self, n: int) -> None:
        task, self.sweep_task = self.sweep_task, None
        self.sweep_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        done = sum((k, self._sweep_std) in self.cache for k in self._sweep_ks)
        total = len(self._sweep_ks)
        if task is not None and task.state in ("cancelled", "stale"):
            self._queued = []
            self.sweep_label.setText(f"Cancelled: {done} of {total} ks done (kept; Run sweep "
                                     f"goes on from there).")
        elif task is not None and task.state == "failed":
            self._queued = []
        elif done == total:
            best = max((self.cache[(k, self._sweep_std)].accuracy, -k) for k in
                        self._sweep_ks)
            which = "standardized" if self._sweep_std else "chapter's pipeline"
            self.sweep_label.setText(f"Done ({which}): {total} ks.\nBest: k={-best[1]} "
                                     f"({best[0]:.4f}).")
        self._redraw()
        self._show_current()
        if not self.has_result:
            self.mark_drawn()
        if task is not None and task.state == "done":
            self._sweep_done()

    def _sweep_done(self) -> None:
        if not self.has_result:
            self.mark_drawn()
        if self._queued:
            self.run_sweep(standardize=self._queued.pop(0))

    def forget(self) -> None:
        """Empty the cache (a running sweep keeps writing into the old one)."""
        if self.sweep_task is not None:
            self.sweep_task.cancel()
        self.cache = {}
        self.sweep_label.setText("Computed ks forgotten.")
        self._redraw()
        self._fit_timer.start(0)

    # -- chart -----------------------------------------------------------------------------------
    def series(self, standardize: bool) -> tuple[np.ndarray, np.ndarray]:
        """(ks, accuracies) of every cached fit with this switch, sorted by k."""
        items = sorted((k, f.accuracy) for (k, s), f in list(self.cache.items())
                       if s == standardize)
        if not items:
            return np.zeros(0), np.zeros(0)
        ks, acc = zip(*items)
        return np.asarray(ks, dtype=float), np.asarray(acc, dtype=float)

    def _redraw(self) -> None:
        xs, ys = self.series(False)
        self.exact_curve.setData(xs, ys)
        xs2, ys2 = self.series(True)
        self.scaled_curve.setData(xs2, ys2)
        all_y = np.r_[ys, ys2, list(CHAPTER_POINTS.values()),
                      [self.baseline] if self.baseline is not None else []]
        all_x = np.r_[xs, xs2, list(CHAPTER_POINTS), self._sweep_ks, [self.k_spin.value()]]
        lo = min(0.9, float(all_y.min()) - 0.005) if all_y.size else 0.9
        self.plot.setYRange(lo, 1.0, padding=0.02)
        self.plot.setXRange(0, float(all_x.max()) + 5, padding=0.02)

    def _plot_clicked(self, event) -> None:
        vb = self.plot.plotItem.vb
        pos = event.scenePos()
        if not vb.sceneBoundingRect().contains(pos):
            return
        x = vb.mapSceneToView(pos).x()
        self.k_spin.setValue(int(np.clip(round(x), 2, MAX_K)))

    # -- window hooks --------------------------------------------------------------------------
    def export_widget(self):
        return self.plot

    def export_table(self):
        if not self.cache and self.baseline is None:
            return None
        rows = [["none (no clustering)", "", "", self.baseline, "", ""]]
        for (k, std), f in sorted(self.cache.items()):
            rows.append([k, "yes" if std else "no",
                         "yes" if (not std and k in CHAPTER_POINTS) else "no",
                         f.accuracy, f.n_iter, round(f.seconds, 4)])
        return (["k", "standardized", "chapter's setting", "test accuracy",
                 "lbfgs iterations", "fit seconds"], rows)

    def code(self) -> str:
        k, std = self.current_key()
        scaler_import = "from sklearn.preprocessing import StandardScaler\n" if std else ""
        scaler_step = '    ("scaler", StandardScaler()),  # not in the chapter\n' if std else ""
        ks = self.sweep_ks()
        return f"""\
from sklearn.cluster import KMeans
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
{scaler_import}
X_digits, y_digits = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X_digits, y_digits, random_state=42)

log_reg = LogisticRegression(max_iter=10_000, random_state=42)
log_reg.fit(X_train, y_train)
print("no clustering:", log_reg.score(X_test, y_test))

def make_pipeline(k):
    return Pipeline([
        ("kmeans", KMeans(n_clusters=k, random_state=42)),
{scaler_step}        ("log_reg", LogisticRegression(max_iter=10_000, random_state=42)),
    ])

pipeline = make_pipeline({k})
pipeline.fit(X_train, y_train)
print("k={k}:", pipeline.score(X_test, y_test))

# accuracy against k
for k in range({ks[0] if ks else 10}, {(ks[-1] if ks else 150) + 1}, {self.step_spin.value()}):
    print(k, make_pipeline(k).fit(X_train, y_train).score(X_test, y_test))
"""
