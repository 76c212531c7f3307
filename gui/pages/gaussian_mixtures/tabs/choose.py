"""Choosing k: BIC and AIC against k, the minimum marked; click a k to see that fit."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal

from gui.pages.base import Tab, info_label
from gui.pages.gaussian_mixtures import snippets
from gui.pages.gaussian_mixtures.state import GMState
from gui.pages.gaussian_mixtures.view import MixtureView, two_plots
from gui.widgets.palette import series_hex
from gui.widgets.scatter import make_plot


class ChooseKTab(Tab):
    title = "Choosing k"
    k_clicked = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.plot = make_plot("BIC and AIC", "k", "lower is better", integer_x=True)
        self.plot.addLegend(offset=(-10, 10))
        self.bic_curve = pg.PlotDataItem([], [], pen=pg.mkPen(series_hex(0), width=2),
                                         symbol="o", symbolBrush=series_hex(0), name="BIC")
        self.aic_curve = pg.PlotDataItem([], [], pen=pg.mkPen(series_hex(1), width=2,
                                                              style=Qt.PenStyle.DashLine),
                                         symbol="s", symbolBrush=series_hex(1), name="AIC")
        self.plot.addItem(self.bic_curve)
        self.plot.addItem(self.aic_curve)
        self.best = pg.ScatterPlotItem(symbol="star", size=22, brush=(214, 39, 40))
        self.plot.addItem(self.best)
        self.selected_line = pg.InfiniteLine(angle=90, pen=pg.mkPen((120, 120, 120), width=1))
        self.plot.addItem(self.selected_line)
        self.plot.scene().sigMouseClicked.connect(self._scene_clicked)
        self.plot.setToolTip("Click a k to see that fit on the right.")
        self.view = MixtureView()
        self.info = info_label()
        two_plots(self, None, self.plot, self.view)

    def _scene_clicked(self, event) -> None:
        """A click anywhere in the plot selects the nearest k."""
        vb = self.plot.plotItem.vb
        if not vb.sceneBoundingRect().contains(event.scenePos()):
            return
        ks, _ = self.bic_curve.getData()
        if ks is None or len(ks) == 0:
            return
        x = vb.mapSceneToView(event.scenePos()).x()
        self.k_clicked.emit(int(ks[int(np.argmin(np.abs(np.asarray(ks) - x)))]))

    def pending_views(self) -> list:
        return [self.view]

    def render(self, state: GMState) -> None:
        sv = state.sweep
        if sv is None:
            self.info.setText("Computing BIC and AIC for every k…")
            return
        sw = sv.sweep
        ks = np.array(sw.ks)
        self.bic_curve.setData(ks, sw.bics)
        self.aic_curve.setData(ks, sw.aics)
        self.plot.plotItem.vb.autoRange(padding=0.08)
        best = sw.best_bic
        self.best.setData([best], [float(sw.bics[sw.ks.index(best)])])
        k = state.selected_k if state.selected_k in sw.ks else best
        self.selected_line.setValue(k)
        i = sw.ks.index(k)
        if state.fit is not None and state.fit.dataset is sv.dataset:
            self.view.show_drawing(state.fit.projection.coords, sv.drawings[i])
        self.view.set_title(f"k = {k}")
        self.info.setText(f"Lowest BIC at k={best}, lowest AIC at k={sw.best_aic}. k={k}: "
                          f"BIC {sw.bics[i]:.1f}, AIC {sw.aics[i]:.1f}. Click a k to see "
                          "its fit.")

    def code(self, state: GMState) -> str:
        return snippets.sweep_code(state)

    def export_table(self, state: GMState):
        if state.sweep is None:
            return None
        sw = state.sweep.sweep
        return ["k", "bic", "aic"], [[k, float(b), float(a)]
                                     for k, b, a in zip(sw.ks, sw.bics, sw.aics, strict=True)]

    def export_widget(self):
        return self
