"""The density tab: the fit's log density, boundaries and ellipses; click a point for its
probabilities; Sample; the anomaly threshold."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSlider, QSpinBox, QVBoxLayout

from gui.pages.base import Tab, info_label
from gui.pages.gaussian_mixtures import snippets
from gui.pages.gaussian_mixtures.state import GMState, anomaly_text, fit_text, proba_text
from gui.pages.gaussian_mixtures.view import MixtureView


class DensityTab(Tab):
    title = "Density"
    point_clicked = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.view = MixtureView()
        self.view.clicked.connect(self._clicked)
        self.percentile = QSlider(Qt.Orientation.Horizontal)
        self.percentile.setRange(0, 200)
        self.percentile.setMinimumWidth(80)
        self.percentile.setToolTip(
            "Anomaly threshold: the percentile of the log densities below which points are "
            "anomalies (the chapter uses 2 %). Drag it: the black crosses follow.")
        self.percentile_label = QLabel()
        self.sample_n = QSpinBox()
        self.sample_n.setRange(1, 100_000)
        self.sample_n.setToolTip("How many new points gm.sample(n) draws from the mixture.")
        self.sample_button = QPushButton("Sample")
        self.sample_button.setToolTip("Draw gm.sample(n) new points from the fitted mixture "
                                      "(black crosses): the model is generative.")
        self.clear_button = QPushButton("Clear samples")
        self.clear_button.setToolTip("Remove the sampled points.")
        controls = QHBoxLayout()
        controls.addWidget(QLabel("Anomaly percentile"))
        controls.addWidget(self.percentile, 1)
        controls.addWidget(self.percentile_label)
        samples = QHBoxLayout()
        samples.addWidget(self.sample_n)
        samples.addWidget(self.sample_button)
        samples.addWidget(self.clear_button)
        samples.addStretch(1)
        self.info = info_label()
        self.proba = info_label()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(controls)
        layout.addLayout(samples)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.info)
        layout.addWidget(self.proba)

    def _clicked(self, x: float, y: float, button, modifiers) -> None:
        xy = self.view.points()
        if len(xy) == 0:
            return
        span = np.ptp(xy, axis=0)
        span[span == 0] = 1.0
        d = (((xy - (x, y)) / span) ** 2).sum(axis=1)
        self.point_clicked.emit(int(np.argmin(d)))

    def pending_views(self) -> list:
        return [self.view]

    def render(self, state: GMState) -> None:
        self.percentile_label.setText(f"{state.percentile_value:.1f} %")
        v = state.fit
        if v is None:
            return
        xy = v.projection.coords
        self.view.set_axis_titles(*v.projection.axis_titles)
        self.view.set_title(f"k={v.result.n_components}, "
                            f"covariance_type=\"{v.result.covariance_type}\"")
        self.view.show_drawing(xy, v.drawing)
        self.view.show_anomalies(xy[v.anomalies.mask])
        self.view.show_samples(state.samples)
        self.view.show_selected(xy[state.selected] if state.selected is not None else None)
        more = "" if v.drawing.regions is not None else (
            " (the density is drawn for 2-D data; here the points and ellipses are shown "
            "in the data's PCA view)")
        self.info.setText(fit_text(v) + " " + anomaly_text(v) + more)
        self.proba.setText(proba_text(state.selected_proba, state.selected))

    def code(self, state: GMState) -> str:
        return snippets.fit_code(state)

    def export_table(self, state: GMState):
        v = state.fit
        if v is None:
            return None
        r = v.result
        header = [f"x{i + 1}" for i in range(v.dataset.X.shape[1])] + ["component"] + \
            [f"p{j}" for j in range(r.n_components)] + ["log_density", "anomaly"]
        rows = [[*map(float, x), int(lab), *map(float, p), float(dens), bool(a)]
                for x, lab, p, dens, a in zip(v.dataset.X, r.labels, r.probabilities,
                                              v.anomalies.densities, v.anomalies.mask,
                                              strict=True)]
        return header, rows

    def export_widget(self):
        return self.view
