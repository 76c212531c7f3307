"""The Digits: labelling page's view: the gallery of digits to label, the palette, the test
accuracies (bars) and the active-learning curve. It renders the page's state."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSignalBlocker, QSize, Qt
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSplitter, QVBoxLayout

from gui.help import CORNER_ROOM
from gui.pages.base import Tab
from gui.pages.digits_labelling import snippets
from gui.pages.digits_labelling.state import N_CLUSTERS, LabellingState
from gui.widgets.cell import Cell
from gui.widgets.digit_gallery import DigitGallery, DigitPalette
from gui.widgets.palette import series_hex
from gui.widgets.scatter import make_plot
from gui.widgets.wrapping_label import reserve_lines

#: A pyqtgraph plot's (size hint, minimum size hint): the charts' places lay out as the
#: charts did.
PLOT_HINTS = (QSize(600, 480), QSize(68, 68))
BAR_Y = np.array([3.0, 2.0, 1.0, 0.0])  # top to bottom: random, reps, propagated, partial
BAR_COLORS = ("#9aa5b1", series_hex(0), series_hex(2), series_hex(1))


def _bar_names(pct: int) -> tuple[str, ...]:
    """The bars' names, top to bottom."""
    return ("50 random", "50 reps", "propagated", f"partial {pct}%")


class LabellingView(Tab):
    title = "Labelling"

    def __init__(self, parent=None):
        super().__init__(parent)
        self._shown: tuple | None = None  # (view, digits) in the gallery now
        self._bar_values = [float("nan")] * 4

        self.view_combo = QComboBox()
        self.view_combo.addItem("The 50 representatives", "representatives")
        self.view_combo.addItem("Asked by the model", "asked")
        self.view_combo.setToolTip("Which digits the gallery shows")
        # a width from the longest item's length, whichever item is current: nothing moves
        self.view_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.view_combo.setMinimumContentsLength(len("The 50 representatives"))
        self.view_hint = QLabel("")
        self.view_hint.setStyleSheet("color: #3c4650;")
        reserve_lines(self.view_hint, 2, padding=2)  # wraps; the gallery never moves
        self.gallery = DigitGallery(columns=10)
        self.palette = DigitPalette()

        self._percentile = 25
        self.bar_names = _bar_names(self._percentile)
        # the charts are made by build_steps (the page opens sooner); render draws on them
        # once they are made
        self.bar_plot = self.curve_plot = self.curve_hand = None
        self._history: tuple = ()

        self.charts = charts = QSplitter(Qt.Orientation.Horizontal)
        charts.setChildrenCollapsible(False)
        # The charts' places, made with the page: a chart made later fills its own, and the
        # one already there is not resized (the second chart added to the splitter resized
        # and laid out the first again, in the same turn: 20-30 ms of it)
        self._chart_cells = (Cell(hints=PLOT_HINTS), Cell(hints=PLOT_HINTS))
        for cell in self._chart_cells:
            charts.addWidget(cell)
        charts.setSizes([1, 1])  # half each
        column = QVBoxLayout(self)
        column.setContentsMargins(4, 4, 4, 4)
        top = QHBoxLayout()
        top.addWidget(self.view_combo)
        top.addWidget(self.view_hint, 1)
        top.addSpacing(CORNER_ROOM)  # the hint never runs under the page's "?" button
        column.addLayout(top)
        column.addWidget(self.gallery, 5)
        column.addWidget(self.palette)
        column.addWidget(charts, 4)


    def build_steps(self) -> list:
        # the two charts, each on its own turns as the page opens (a plot takes ~10-20 ms, and
        # the curve chart with its legend and curves ~35 ms: in two turns)
        return [self._make_bars, self._make_curve_plot, self._make_curves]

    def _make_bars(self) -> None:
        # horizontal bars: the names fit on the left axis however narrow the chart is
        self.bar_plot = make_plot(None, "test accuracy", None)
        self.bar_plot.setToolTip("Test accuracy of LogisticRegression trained on each set; the "
                                 "dashed line: trained on the whole training set with its true "
                                 "labels")
        self.bar_plot.setMouseEnabled(x=False, y=False)
        self.bar_plot.setTitle("Test accuracy")
        self.bar_plot.plotItem.showGrid(x=True, y=False, alpha=0.2)
        self.bars = pg.BarGraphItem(x0=np.zeros(4), width=np.zeros(4), y=BAR_Y, height=0.62,
                                    brushes=[pg.mkBrush(c) for c in BAR_COLORS])
        self.bar_plot.addItem(self.bars)
        self.bar_texts = []
        for y in BAR_Y:
            t = pg.TextItem("", anchor=(1.0, 0.5), color="w")
            t.setPos(0.6, y)
            self.bar_plot.addItem(t)
            self.bar_texts.append(t)
        self.full_line = pg.InfiniteLine(
            angle=90, pos=1.0, pen=pg.mkPen("#555", width=1, style=Qt.PenStyle.DashLine),
            label="all labels {value:.4f}", labelOpts=dict(position=0.96, color="#555",
                                               anchors=[(1, 0), (1, 0)]))
        self.full_line.setVisible(False)
        self.bar_plot.addItem(self.full_line)
        self.bar_plot.setYRange(-0.5, 3.9, padding=0)
        self.bar_plot.setXRange(0.6, 1.0, padding=0)
        self._chart_cells[0].put(self.bar_plot)
        self._set_bar_ticks(self._percentile)

    def _make_curve_plot(self) -> None:
        self.curve_plot = make_plot("Active learning", "hand labels", "accuracy",
                                    integer_x=True)
        self.curve_plot.setToolTip("Test accuracy after each round against the number of hand "
                                   "labels: trained on the hand labels alone, and on top of "
                                   "the propagated labels")
        self.curve_plot.setYRange(0.8, 1.0, padding=0.02)
        self.curve_plot.setXRange(45, 105, padding=0)
        self._chart_cells[1].put(self.curve_plot)

    def _make_curves(self) -> None:
        self.curve_plot.addLegend(offset=(-10, -10))
        self.curve_hand = self.curve_plot.plot(
            [], [], pen=pg.mkPen(series_hex(0), width=2), symbol="o", symbolSize=7,
            symbolBrush=series_hex(0), name="hand labels only")
        self.curve_prop = self.curve_plot.plot(
            [], [], pen=pg.mkPen(series_hex(2), width=2), symbol="s", symbolSize=7,
            symbolBrush=series_hex(2), name="+ propagated")
        self.curve_empty = pg.TextItem("Ask me, label, Retrain:\nthe rounds appear here",
                                       anchor=(0.5, 0.5), color="#777")
        self.curve_empty.setPos(75, 0.9)
        self.curve_plot.addItem(self.curve_empty)

    # -- drawing ---------------------------------------------------------------------------------
    def render(self, state: LabellingState) -> None:
        ready = state.ready
        self.palette.setEnabled(ready)
        self.gallery.setEnabled(ready)
        n_asked = int(state.session.asked.size) if ready else 0
        self.view_combo.model().item(1).setEnabled(bool(n_asked))
        self.view_combo.setItemText(1, f"Asked by the model ({n_asked})" if n_asked
                                    else "Asked by the model")
        view = state.shown_view()
        index = 0 if view == "representatives" else 1
        if self.view_combo.currentIndex() != index:
            blocker = QSignalBlocker(self.view_combo)
            self.view_combo.setCurrentIndex(index)
            blocker.unblock()
        self._set_bar_ticks(state.percentile)
        if not ready:
            if state.failed:
                self.gallery.set_placeholder(state.failed)
            return
        s = state.session
        idx = state.tile_indices()
        shown = (view, idx.tobytes(), s.confidence.tobytes())
        if shown != self._shown:
            self._shown = shown
            self._show_digits(state, view, idx)
        self.gallery.set_labels(s.hand[idx])
        self.gallery.set_truth(s.split.y_train[idx] if state.check_truth else None)
        self._render_bars(state)
        if self.curve_hand is not None and s.history != self._history:  # (the curves made)
            self._history = s.history
            self._render_curve(s.history)

    def _show_digits(self, state: LabellingState, view: str, idx: np.ndarray) -> None:
        s = state.session
        images = s.split.X_train[idx].reshape(-1, 8, 8)
        if view == "representatives":
            sizes = s.reps.cluster_sizes
            captions = [f"n={sizes[i]}" for i in range(len(idx))]
            tips = [f"Representative of cluster {i + 1}: the digit closest to its centroid. "
                    f"The cluster holds {sizes[i]} training digits (training index {j})."
                    for i, j in enumerate(idx)]
            self.view_hint.setText("Each digit is the one closest to a K-Means centroid; "
                                   "n = its cluster's size.")
        else:
            captions = [f"p={c:.2f}" for c in s.confidence]
            tips = [f"Training digit {j}: the model says {p} with {c:.0%} confidence."
                    for j, p, c in zip(idx, s.predicted, s.confidence)]
            self.view_hint.setText("The digits the model was least sure about; "
                                   "p = its confidence.")
        self.gallery.set_columns(10 if len(idx) > 20 else 5)
        self.gallery.set_items(images, captions, tips)

    def bar_values(self) -> np.ndarray:
        """The bar lengths shown (NaN: not computed)."""
        return np.asarray(self._bar_values, dtype=float).copy()

    def _render_bars(self, state: LabellingState) -> None:
        s = state.session
        res = state.current_results()
        values = [s.random, np.nan, np.nan, np.nan]
        if res is not None:
            values = [res.random, res.representatives, res.propagated, res.partial]
        elif state.all_labelled():
            values = list(self._bar_values)  # keep the last numbers while the new ones come
            values[0] = s.random
        self._bar_values = values
        if self.bar_plot is None:  # (drawn once the chart is made)
            return
        widths = np.nan_to_num(np.asarray(values, dtype=float), nan=0.0)
        self.bars.setOpts(x0=np.zeros(4), width=widths, y=BAR_Y, height=0.62)
        for t, v, y in zip(self.bar_texts, values, BAR_Y):
            t.setText("" if np.isnan(v) else f"{v:.4f}")
            t.setPos(max(v, 0.6) - 0.003 if not np.isnan(v) else 0.6, y)
        if not np.isnan(s.full):
            self.full_line.setVisible(True)
            self.full_line.setPos(s.full)
            self.full_line.label.valueChanged()

    def _set_bar_ticks(self, pct: int) -> None:
        self._percentile = pct
        self.bar_names = names = _bar_names(pct)
        if self.bar_plot is not None:
            self.bar_plot.getAxis("left").setTicks([list(zip(BAR_Y.tolist(), names))])

    def _render_curve(self, history) -> None:
        xs = np.array([p.n_labels for p in history], dtype=float)
        self.curve_hand.setData(xs, np.array([p.accuracy for p in history]))
        self.curve_prop.setData(xs, np.array([p.accuracy_propagated for p in history]))
        self.curve_empty.setVisible(not history)
        if history:
            ys = [v for p in history for v in (p.accuracy, p.accuracy_propagated)]
            self.curve_plot.setYRange(min(0.85, min(ys) - 0.01), 1.0, padding=0.02)
            self.curve_plot.setXRange(min(xs) - 5, max(xs) + 5, padding=0)

    # -- what the window asks ----------------------------------------------------------------------
    def code(self, state: LabellingState) -> str:
        return snippets.code(state)

    def export_table(self, state: LabellingState):
        if not state.ready:
            return None
        s = state.session
        rows = [["50 random labelled digits", N_CLUSTERS, s.random]]
        res = state.current_results()
        if res is not None:
            rows += [["50 labelled representatives", N_CLUSTERS, res.representatives],
                     ["labels propagated to all", s.n_train, res.propagated],
                     [f"partial propagation ({res.percentile}th percentile)",
                      res.n_partial, res.partial]]
        rows.append(["whole training set, true labels", s.n_train, s.full])
        for i, p in enumerate(s.history):
            rows.append([f"active learning round {i + 1}, hand labels only", p.n_labels,
                         p.accuracy])
            rows.append([f"active learning round {i + 1}, with propagated labels",
                         s.n_train, p.accuracy_propagated])
        return ["experiment", "training instances", "test accuracy"], rows
