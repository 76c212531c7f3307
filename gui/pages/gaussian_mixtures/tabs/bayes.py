"""Bayesian GMM: the weights of 10 components and the concentration prior."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSlider

from gui.pages.base import Tab, info_label
from gui.pages.gaussian_mixtures import snippets
from gui.pages.gaussian_mixtures.state import (
    PRIOR_MAX_EXP,
    PRIOR_MIN_EXP,
    PRIOR_STEPS,
    GMState,
    prior_value,
)
from gui.pages.gaussian_mixtures.view import MixtureView, two_plots
from gui.widgets.palette import palette_rgba
from gui.widgets.scatter import make_plot


class BayesTab(Tab):
    title = "Bayesian GMM"

    def __init__(self, parent=None):
        super().__init__(parent)
        self.prior = QSlider(Qt.Orientation.Horizontal)
        self.prior.setRange(0, (PRIOR_MAX_EXP - PRIOR_MIN_EXP) * PRIOR_STEPS)
        self.prior.setToolTip(
            "weight_concentration_prior, from 0.01 to 10 000 (log scale): small values let "
            "the model switch components off (weights near 0); large values spread the "
            "weights over all 10 components.")
        self.prior_label = QLabel()
        row = QHBoxLayout()
        row.addWidget(QLabel("weight_concentration_prior"))
        row.addWidget(self.prior, 1)
        row.addWidget(self.prior_label)
        self.plot = make_plot("Weights", "component", "", integer_x=True)
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.7)
        self.plot.addItem(self.bars)
        self.plot.getAxis("left").enableAutoSIPrefix(False)
        self.view = MixtureView()
        self.info = info_label()
        two_plots(self, row, self.plot, self.view)
        self.heights = np.empty(0)

    def pending_views(self) -> list:
        return [self.view]

    def render(self, state: GMState) -> None:
        self.prior_label.setText(f"{prior_value(state.prior):g}")
        bv = state.bayes
        if bv is None:
            self.info.setText("Fitting BayesianGaussianMixture…")
            return
        w = np.asarray(bv.result.weights)
        self.heights = w
        brushes = [pg.mkBrush(*map(int, c[:3])) for c in palette_rgba(len(w))]
        self.bars.setOpts(x=np.arange(len(w)), height=w, width=0.7, brushes=brushes)
        self.plot.setYRange(0, max(0.05, float(w.max()) * 1.1))
        if state.fit is not None and state.fit.dataset is bv.dataset:
            self.view.show_drawing(state.fit.projection.coords, bv.drawing)
        big = bv.result.n_effective(0.01)
        self.info.setText(
            f"weight_concentration_prior = {prior_value(bv.params[1]):g}: {big} components "
            f"weigh more than 1 % (weights {' / '.join(f'{v:.2f}' for v in w)}). On "
            "non-ellipsoidal clusters (the moons) the weights spread over many components.")

    def code(self, state: GMState) -> str:
        return snippets.bayes_code(state)

    def export_table(self, state: GMState):
        if state.bayes is None:
            return None
        return ["component", "weight"], [[i, float(v)]
                                         for i, v in enumerate(state.bayes.result.weights)]

    def export_widget(self):
        return self
