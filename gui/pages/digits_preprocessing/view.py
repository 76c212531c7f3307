"""The page's view: the accuracy-against-k chart, its headline and the two result texts.

It draws a :class:`~gui.pages.digits_preprocessing.state.PreprocessingState`;
a click on the chart asks for a k (``k_clicked``).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout

from gui.help import CORNER_ROOM
from gui.pages.base import Tab, info_label
from gui.pages.digits_preprocessing import snippets
from gui.pages.digits_preprocessing.state import CHAPTER_POINTS, MAX_K, PreprocessingState
from gui.widgets.palette import series_hex
from gui.widgets.scatter import make_plot
from gui.widgets.wrapping_label import reserve_lines

EXACT_COLOR = series_hex(0)
SCALED_COLOR = series_hex(1)


def result_text(state: PreprocessingState) -> str:
    """The "Pipeline" panel's text: the baseline and the chosen k's fit."""
    if state.data is None:
        return "Loading the digits…"
    base = f"No clustering: <b>{state.baseline:.4f}</b><br>"
    fit = state.current_fit()
    k, std = state.key
    if fit is None:
        return base + f"Pipeline, k={k}: <i>fitting…</i>"
    tag = " ★" if state.is_chapters() else ""
    conv = "" if fit.converged else " (not converged)"
    return (base + f"Pipeline, k={k}: <b>{fit.accuracy:.4f}</b>{tag}<br>"
            f"lbfgs iterations: {fit.n_iter:,}{conv}<br>"
            f"fit time: {fit.seconds:.2f} s<br>"
            + ("<small>★ the chapter's setting and number</small>" if tag else
               "<small>standardized: not the chapter's number</small>" if std else ""))


def headline_text(state: PreprocessingState) -> str:
    if state.data is None:
        return ""
    k, std = state.key
    fit = state.current_fit()
    if fit is None:
        return f"k = {k}: fitting…"
    chapter = " — the chapter's number" if state.is_chapters() else ""
    delta = fit.accuracy - (state.baseline or 0.0)
    return (f"k = {k}{' (standardized)' if std else ''}: <b>{fit.accuracy:.4f}</b>{chapter}, "
            f"{'+' if delta >= 0 else '−'}{abs(delta):.4f} against no clustering")


def export_rows(state: PreprocessingState):
    if not state.cache and state.baseline is None:
        return None
    rows = [["none (no clustering)", "", "", state.baseline, "", ""]]
    for (k, std), f in sorted(state.cache.items()):
        rows.append([k, "yes" if std else "no", "yes" if state.is_chapters(k, std) else "no",
                     f.accuracy, f.n_iter, round(f.seconds, 4)])
    return (["k", "standardized", "chapter's setting", "test accuracy",
             "lbfgs iterations", "fit seconds"], rows)


class ChartView(Tab):
    """Headline + chart; ``result_label`` and ``sweep_label`` go in the page's side panel."""

    title = "Accuracy against k"
    k_clicked = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.result_label = info_label("Loading the digits…")
        self.result_label.setTextFormat(Qt.TextFormat.RichText)
        self.result_label.setWordWrap(False)
        self.sweep_label = info_label("")

        self.plot = None  # the chart: made by build_steps, a turn after the page

        column = QVBoxLayout(self)
        column.setContentsMargins(4, 4, 4, 4)
        self.headline = QLabel("")
        self.headline.setTextFormat(Qt.TextFormat.RichText)
        self.headline.setStyleSheet("font-size: 14px;")
        reserve_lines(self.headline, 2)  # wraps in a narrow window; the chart never moves
        self.headline.setContentsMargins(0, 0, CORNER_ROOM, 0)  # not under the "?" button
        column.addWidget(self.headline)

    def build_steps(self) -> list:
        # the chart's plot, then what it draws: each on its own turn as the page opens (a
        # curve with its legend entry is ~10 ms, the marks as much: beside the page's first
        # fits, which want the GIL too, two curves in one turn came near 50 ms)
        return [self._make_plot, self._make_exact_curve, self._make_scaled_curve,
                self._make_stars, self._make_lines]

    def _make_plot(self) -> None:
        self.plot = make_plot("Test accuracy against the number of clusters",
                              "number of clusters k", "test accuracy")
        self.plot.setToolTip("Click the chart to choose k. Blue: the chapter's pipeline; "
                             "orange: with standardized distances; dashed: no clustering.")
        # bottom right, where the curves never go: at the top right it covered the
        # chapter's star for k=88 (0.9822), which looked like an entry without a label
        self.plot.addLegend(offset=(-10, -10))
        self.layout().addWidget(self.plot, 1)

    def _make_exact_curve(self) -> None:
        self.exact_curve = self.plot.plot(
            [], [], pen=pg.mkPen(EXACT_COLOR, width=2), symbol="o", symbolSize=6,
            symbolBrush=EXACT_COLOR, name="chapter's pipeline")

    def _make_scaled_curve(self) -> None:
        self.scaled_curve = self.plot.plot(
            [], [], pen=pg.mkPen(SCALED_COLOR, width=2), symbol="t", symbolSize=7,
            symbolBrush=SCALED_COLOR, name="standardized distances")

    def _make_stars(self) -> None:
        self.chapter_marks = pg.ScatterPlotItem(
            x=list(CHAPTER_POINTS), y=list(CHAPTER_POINTS.values()), symbol="star", size=16,
            pen=pg.mkPen("#222", width=1.2), brush=pg.mkBrush(0, 0, 0, 0),
            name="chapter's printed values")
        self.plot.addItem(self.chapter_marks)

    def _make_lines(self) -> None:
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

    # -- Tab --------------------------------------------------------------------------------------
    def render(self, state: PreprocessingState) -> None:
        self.result_label.setText(result_text(state))
        self.headline.setText(headline_text(state))
        self.sweep_label.setText(state.sweep_message)
        if not self.built:  # the chart is drawn once it is made (build_steps)
            return
        self.k_line.setPos(state.k)
        baseline = state.baseline
        if baseline is not None and (not self.baseline_line.isVisible()
                                     or self.baseline_line.value() != baseline):
            self.baseline_line.setVisible(True)
            self.baseline_line.setPos(baseline)
            self.baseline_line.label.valueChanged()
        xs, ys = state.series(False)
        self.exact_curve.setData(xs, ys)
        xs2, ys2 = state.series(True)
        self.scaled_curve.setData(xs2, ys2)
        all_y = np.r_[ys, ys2, list(CHAPTER_POINTS.values()),
                      [baseline] if baseline is not None else []]
        all_x = np.r_[xs, xs2, list(CHAPTER_POINTS), state.sweep_ks, [state.k]]
        lo = min(0.9, float(all_y.min()) - 0.005) if all_y.size else 0.9
        self.plot.setYRange(lo, 1.0, padding=0.02)
        self.plot.setXRange(0, float(all_x.max()) + 5, padding=0.02)

    def code(self, state: PreprocessingState) -> str:
        return snippets.page_code(state)

    def export_table(self, state: PreprocessingState):
        return export_rows(state)

    def export_widget(self):
        self.ensure_built()
        return self.plot

    # -- mouse ------------------------------------------------------------------------------------
    def _plot_clicked(self, event) -> None:
        vb = self.plot.plotItem.vb
        pos = event.scenePos()
        if not vb.sceneBoundingRect().contains(pos):
            return
        x = vb.mapSceneToView(pos).x()
        self.k_clicked.emit(int(np.clip(round(x), 2, MAX_K)))
