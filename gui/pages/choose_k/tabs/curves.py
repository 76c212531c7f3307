"""Inertia, silhouette, Calinski-Harabasz and Davies-Bouldin against k, in a 2 x 2 grid.

The chapter's Figures 9-8 and 9-9: the elbow circled and annotated on the
inertia curve, the best silhouette starred, the selected k marked on every
curve. Clicking a curve selects the nearest swept k (:attr:`CurvesView.k_clicked`).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QWidget

from gui.pages.choose_k.state import ChooseKState, elbow_label, inertia_tooltip
from gui.widgets.scatter import make_plot

ELBOW_ARROW_ANGLE = -45
CH_TIP = ("Calinski-Harabasz score against k: between-cluster dispersion over within-cluster "
          "dispersion (higher is better).")
DB_TIP = ("Davies-Bouldin score against k: average similarity of each cluster with its most "
          "similar one (lower is better).")
CURVES = ("inertia", "silhouette", "calinski_harabasz", "davies_bouldin")


class CurvesView(QWidget):
    """The four curves; ``render(state)`` redraws only what changed."""

    k_clicked = Signal(int)

    def __init__(self, parent=None, build: bool = True):
        super().__init__(parent)
        self.plots: dict[str, pg.PlotWidget] = {}
        self.curves: dict[str, pg.PlotDataItem] = {}
        self.markers: dict[str, pg.InfiniteLine] = {}
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setSpacing(2)
        self._ks = np.empty(0)
        self._drawn: dict[str, object] = {}  # the result each curve shows
        self._markers_at: dict[str, int | None] = {}  # the k of each marker (None: hidden)
        if build:
            for step in self.build_steps():
                step()

    def build_steps(self) -> list:
        """Making the four plots, a call each (``build=False``: one per turn of the event
        loop as the page opens; a plot takes ~10 ms to make)."""
        return [lambda key=key: self._add_plot(key) for key in CURVES]

    def _add_plot(self, key: str) -> None:
        title = {"inertia": "Inertia", "silhouette": "Silhouette score",
                 "calinski_harabasz": "Calinski-Harabasz", "davies_bouldin": "Davies-Bouldin"}
        plot = self.plots[key] = make_plot(title[key], "k", None, integer_x=True)
        tip = {"silhouette": "Mean silhouette coefficient against k (higher is better; the best "
                             "k is starred).",
               "calinski_harabasz": CH_TIP, "davies_bouldin": DB_TIP}.get(key)
        if tip:
            plot.setToolTip(tip + " Click a k to select it.")
        plot.setMinimumSize(120, 110)
        plot.plotItem.setMouseEnabled(x=False, y=False)
        plot.plotItem.setMenuEnabled(False)
        self.curves[key] = plot.plot([], [], pen=pg.mkPen(31, 80, 200, width=2), symbol="o",
                                     symbolSize=7, symbolBrush=(31, 80, 200), symbolPen=None)
        marker = pg.InfiniteLine(angle=90, movable=False,
                                 pen=pg.mkPen(192, 57, 43, width=1.5, style=Qt.PenStyle.DotLine))
        marker.setVisible(False)
        plot.addItem(marker, ignoreBounds=True)
        self.markers[key] = marker
        plot.scene().sigMouseClicked.connect(lambda ev, k=key: self._clicked(k, ev))
        if key == "inertia":
            self.elbow_point = pg.ScatterPlotItem(size=16, symbol="o",
                                                  pen=pg.mkPen(192, 57, 43, width=2.5),
                                                  brush=None)
            plot.addItem(self.elbow_point)
            # The chapter's annotation: an arrow from up-right pointing at the elbow, "Elbow"
            # at its tail. Both are sized in pixels, so the text's anchor offsets it from the
            # point.
            self.elbow_arrow = pg.ArrowItem(angle=ELBOW_ARROW_ANGLE, headLen=12, tailLen=26,
                                            tailWidth=2, pen=None, brush=(20, 20, 20))
            self.elbow_text = pg.TextItem("Elbow", color=(20, 20, 20), anchor=(-0.55, 2.3))
            for item in (self.elbow_arrow, self.elbow_text):
                item.setVisible(False)
                plot.addItem(item, ignoreBounds=True)
        elif key == "silhouette":
            self.best_point = pg.ScatterPlotItem(size=16, symbol="star",
                                                 pen=pg.mkPen(192, 57, 43),
                                                 brush=(241, 196, 15))
            plot.addItem(self.best_point)
        i = CURVES.index(key)
        self._grid.addWidget(plot, i // 2, i % 2)

    def render(self, state: ChooseKState) -> None:
        for step in self.render_steps(state):
            step()

    def render_steps(self, state: ChooseKState) -> list:
        """:meth:`render` as calls to make one per turn of the event loop: a plot each (a plot
        drawn anew and its painting take ~10 ms). A plot whose curve is drawn already is not
        drawn again (one call moves the selected-k markers of those), nor is a hidden one
        (the "more scores" are drawn when they are shown)."""
        for key in CURVES[2:]:  # hidden now, or shown once drawn (stale data never shows)
            if not state.more_scores or self._drawn.get(key, False) is state.result:
                self.plots[key].setVisible(state.more_scores)
        wanted = CURVES if state.more_scores else CURVES[:2]  # (hidden: drawn when shown)
        stale = [key for key in wanted if self._drawn.get(key, False) is not state.result]
        place = self._marker_place(state)
        moved = [key for key in CURVES  # (hidden ones too: a marker costs nothing to move)
                 if key not in stale and self._markers_at.get(key, False) != place]
        steps = [lambda key=key: self._draw_plot(key, state) for key in stale]
        if moved:  # markers move at once (a thin line each), with the first plot drawn if any
            first = steps.pop(0) if steps else (lambda: None)
            steps.insert(0, lambda: (first(), [self._place_marker(key, state) for key in moved]))
        return steps

    @staticmethod
    def _marker_place(state: ChooseKState):
        return state.selected_k if state.result is not None else None

    def _place_marker(self, key: str, state: ChooseKState) -> None:
        k = self._marker_place(state)
        marker = self.markers[key]
        if k is not None:
            marker.setPos(k)
        marker.setVisible(k is not None)
        self._markers_at[key] = k

    def _draw_plot(self, key: str, state: ChooseKState) -> None:
        """Draw the curve ``key`` of the state's result (and its marker, elbow or star)."""
        self._drawn[key] = state.result
        if key == "inertia":
            self.plots["inertia"].setToolTip(inertia_tooltip(state))
        if state.result is not None:
            sweep = state.sweep
            ks = sweep.ks.astype(float)
            self._ks = sweep.ks
            if key == "inertia":
                self.curves[key].setData(ks, sweep.inertias)
            else:
                values = getattr(sweep, "silhouettes" if key == "silhouette" else key)
                ok = np.isfinite(values)
                self.curves[key].setData(ks[ok], values[ok])
            plot = self.plots[key].plotItem
            plot.setXRange(ks[0] - 0.4, ks[-1] + 0.4, padding=0)
            plot.getAxis("bottom").setTicks([[(k, str(int(k))) for k in ks], []])
            plot.enableAutoRange(axis="y")
            if key == "inertia":
                self._draw_elbow(state)
            elif key == "silhouette":
                best = sweep.best_silhouette
                if best is not None:
                    self.best_point.setData([best], [sweep.silhouettes[sweep.index(best)]])
                else:
                    self.best_point.setData([], [])
            # the new range now, not as the plot paints (then it painted twice)
            plot.vb.prepareForPaint()
        self._place_marker(key, state)
        if key in CURVES[2:]:
            self.plots[key].setVisible(state.more_scores)

    def _draw_elbow(self, state: ChooseKState) -> None:
        sweep = state.sweep
        elbow = sweep.elbow
        for item in (self.elbow_arrow, self.elbow_text):
            item.setVisible(elbow is not None)
        if elbow is None:
            self.elbow_point.setData([], [])
            return
        y = float(sweep.inertias[sweep.index(elbow)])
        self.elbow_point.setData([elbow], [y])
        # Arrow and text to the upper right of the point, or upper left near the right edge.
        right_half = elbow > (sweep.ks[0] + sweep.ks[-1]) / 2 + 1
        self.elbow_arrow.setStyle(angle=ELBOW_ARROW_ANGLE if not right_half
                                  else -180 - ELBOW_ARROW_ANGLE)
        self.elbow_text.setText(elbow_label(state.result.study.elbow_ratio))
        # Anchors are in units of the text's size: put its lower corner ~26 px right (or
        # left) of the point and ~22 px above it, at the arrow's tail.
        rect = self.elbow_text.textItem.boundingRect()
        ax, ay = 26.0 / max(rect.width(), 1.0), 1.0 + 22.0 / max(rect.height(), 1.0)
        self.elbow_text.setAnchor((1.0 + ax, ay) if right_half else (-ax, ay))
        self.elbow_arrow.setPos(elbow, y)
        self.elbow_text.setPos(elbow, y)

    def _clicked(self, key: str, event) -> None:
        if not len(self._ks) or event.button() != Qt.MouseButton.LeftButton:
            return
        vb = self.plots[key].plotItem.vb
        if not vb.sceneBoundingRect().contains(event.scenePos()):
            return
        x = vb.mapSceneToView(event.scenePos()).x()
        ks = self._ks if key == "inertia" else self._ks[self._ks >= 2]
        if len(ks):
            self.k_clicked.emit(int(ks[np.argmin(np.abs(ks - x))]))
