"""The mixture plot every tab of the page uses: log-density image, decision boundaries,
1σ and 2σ ellipses with their weights, points in blended colours, anomalies, samples."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout

from gui.pages.gaussian_mixtures.state import Drawing
from gui.widgets.palette import ANOMALY_RGBA, hex_color, palette_rgba
from gui.widgets.scatter import ScatterView

_DENSITY_CMAP = pg.colormap.get("viridis")
MIN_DRAWN_WEIGHT = 0.005


def boundary_mask(labels: np.ndarray) -> np.ndarray:
    """Cells where the most likely component changes (the decision boundaries)."""
    edge = np.zeros(labels.shape, dtype=bool)
    edge[1:, :] |= labels[1:, :] != labels[:-1, :]
    edge[:, 1:] |= labels[:, 1:] != labels[:, :-1]
    return edge


class MixtureView(ScatterView):
    """A :class:`ScatterView` that also draws a mixture (:class:`Drawing`)."""

    def __init__(self, parent=None, title: str | None = None):
        super().__init__(parent, title=title)
        vb = self.plotItem.vb
        self.density = pg.ImageItem(axisOrder="row-major")
        self.density.setZValue(-30)
        self.density.setOpacity(0.55)
        vb.addItem(self.density, ignoreBounds=True)
        self.boundaries = pg.ImageItem(axisOrder="row-major")
        self.boundaries.setZValue(-25)
        vb.addItem(self.boundaries, ignoreBounds=True)
        self._shapes: list = []
        self.anomaly_item = pg.ScatterPlotItem(symbol="x", size=11, pen=pg.mkPen(ANOMALY_RGBA,
                                               width=2), brush=None)
        self.anomaly_item.setZValue(8)
        vb.addItem(self.anomaly_item)
        self.sample_item = pg.ScatterPlotItem(symbol="+", size=9, pen=pg.mkPen("k", width=1.5))
        self.sample_item.setZValue(9)
        vb.addItem(self.sample_item)
        self.selected_item = pg.ScatterPlotItem(symbol="o", size=16, brush=None,
                                                pen=pg.mkPen("k", width=2.5))
        self.selected_item.setZValue(10)
        vb.addItem(self.selected_item)
        self.weight_texts: list[str] = []
        self.ellipse_count = 0

    def show_pending(self, xy: np.ndarray, **kwargs) -> None:
        """New points drawn grey before their mixture is fitted: no mixture drawn."""
        for item in self._shapes:
            self.plotItem.vb.removeItem(item)
        self._shapes, self.weight_texts, self.ellipse_count = [], [], 0
        for item in (self.density, self.boundaries):
            item.clear()
            item.setVisible(False)
        for item in (self.anomaly_item, self.sample_item, self.selected_item):
            item.setData([], [])
        super().show_pending(xy, **kwargs)

    def show_drawing(self, xy: np.ndarray, d: Drawing, auto_range: bool = True) -> None:
        if self.n_points != len(xy) or not np.array_equal(self.points(), xy):
            self.set_points(xy, d.colors, auto_range=auto_range)
        else:
            self.set_colors(d.colors)
        for item in self._shapes:
            self.plotItem.vb.removeItem(item)
        self._shapes = []
        self.weight_texts = []
        colors = palette_rgba(len(d.weights))
        for i, (e1, e2, m, w) in enumerate(zip(d.ellipses_1, d.ellipses_2, d.means, d.weights,
                                               strict=True)):
            if w < MIN_DRAWN_WEIGHT:
                continue  # a component switched off (Bayesian GMM): no ellipse
            c = tuple(int(v) for v in colors[i][:3])
            for pts, style in ((e1, 2.5), (e2, 1.2)):
                curve = pg.PlotCurveItem(pts[:, 0], pts[:, 1], pen=pg.mkPen(c, width=style))
                curve.setZValue(5)
                self.plotItem.vb.addItem(curve, ignoreBounds=True)
                self._shapes.append(curve)
            text = f"{w:.2f}"
            label = pg.TextItem(html=f"<b style='color:{hex_color(colors[i])}; "
                                f"background:rgba(255,255,255,170)'>w={text}</b>",
                                anchor=(0.5, 1.2))
            label.setPos(float(m[0]), float(m[1]))
            label.setZValue(11)
            self.plotItem.vb.addItem(label, ignoreBounds=True)
            self._shapes.append(label)
            self.weight_texts.append(text)
        self.ellipse_count = 2 * len(self.weight_texts)
        self.show_regions(d)
        if auto_range and len(xy):
            # every point in view (the scatter's own range leaves the outliers out)
            lo, hi = xy.min(axis=0), xy.max(axis=0)
            self.plotItem.vb.setRange(xRange=(lo[0], hi[0]), yRange=(lo[1], hi[1]),
                                      padding=0.04)

    def show_regions(self, d: Drawing) -> None:
        reg = d.regions
        if reg is None:
            self.density.clear()
            self.boundaries.clear()
            self.density.setVisible(False)
            self.boundaries.setVisible(False)
            return
        (x0, x1), (y0, y1) = reg.x_range, reg.y_range
        rect = QRectF(x0, y0, x1 - x0, y1 - y0)
        dens = np.asarray(reg.log_density, dtype=np.float32)
        lo = float(np.percentile(dens, 5))
        hi = float(dens.max())
        self.density.setImage(np.clip(dens, lo, hi), levels=(lo, hi),
                              lut=_DENSITY_CMAP.getLookupTable(nPts=256, alpha=False))
        self.density.setRect(rect)
        edges = boundary_mask(reg.labels)
        rgba = np.zeros(edges.shape + (4,), dtype=np.uint8)
        rgba[edges] = (0, 0, 0, 230)
        self.boundaries.setImage(rgba)
        self.boundaries.setRect(rect)
        self.density.setVisible(True)
        self.boundaries.setVisible(True)

    def show_anomalies(self, xy: np.ndarray | None) -> None:
        if xy is None or len(xy) == 0:
            self.anomaly_item.setData([], [])
        else:
            self.anomaly_item.setData(xy[:, 0], xy[:, 1])

    def show_samples(self, xy: np.ndarray | None) -> None:
        if xy is None:
            self.sample_item.setData([], [])
        else:
            self.sample_item.setData(xy[:, 0], xy[:, 1])

    def show_selected(self, xy: np.ndarray | None) -> None:
        if xy is None:
            self.selected_item.setData([], [])
        else:
            self.selected_item.setData([xy[0]], [xy[1]])


def two_plots(tab, top, left, right) -> None:
    """A tab's layout: an optional row of controls, two plots side by side, ``tab.info``."""
    split = QHBoxLayout()
    split.setContentsMargins(0, 0, 0, 0)
    for w in (left, right):
        w.setMinimumWidth(120)
        split.addWidget(w, 1)
    layout = QVBoxLayout(tab)
    layout.setContentsMargins(2, 2, 2, 2)
    if top is not None:
        layout.addLayout(top)
    layout.addLayout(split, 1)
    layout.addWidget(tab.info)
