"""Tab "Clusters and k-distance": the clustering (core, border, noise), the hovered point's
eps-neighbourhood, the new instances, the KNN's regions, and the k-distance curve whose
horizontal line sets eps."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QPen
from PySide6.QtWidgets import QGraphicsEllipseItem, QSplitter, QVBoxLayout, QWidget

from gui.pages.base import Tab
from gui.pages.dbscan import snippets
from gui.widgets.dbscan_plot import DBSCANPlot
from gui.widgets.kdistance_plot import KDistancePlot
from gui.widgets.palette import ANOMALY_RGBA, hex_color, palette_rgba
from gui.widgets.wrapping_label import SteadyLabel

#: Hover picks the nearest point within this many screen pixels.
PICK_PIXELS = 12


def _column(*widgets: QWidget, stretch_first: bool = True) -> QWidget:
    w = QWidget()
    layout = QVBoxLayout(w)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(2)
    for i, child in enumerate(widgets):
        layout.addWidget(child, 1 if (stretch_first and i == 0) else 0)
    return w


class ExploreTab(Tab):
    title = "Clusters and k-distance"
    tooltip = ("The clustering for the panel's eps and min_samples, and the k-distance curve "
               "that helps choose eps.")

    eps_dragged = Signal(float)  # the eps line is being dragged, at this value
    eps_chosen = Signal(float)  # the eps line was released, or the curve clicked
    clicked = Signal(float, float)  # a left click on the plot, in view coordinates
    hovered = Signal(float, float)
    left = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        # the plots are made by build_steps, a turn each after the page; render draws on
        # them once they are made
        # (each keeps its height when a shorter text comes: the plot above stays as it is)
        self.knote = SteadyLabel()
        self.knote.setStyleSheet("color: #555; font-size: 11px;")
        self.legend = SteadyLabel()
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.legend.setStyleSheet("font-size: 11px;")
        self._splitter = QSplitter(Qt.Orientation.Vertical)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._splitter)

        # what is drawn (so render() redraws only what changed)
        self._projection = None
        self._coords = None
        self._legend_follows = False
        self._kdist = None
        self._instances: tuple | None = None
        self._prediction = None
        self._regions = None

    def build_steps(self) -> list:
        return [self._make_plot, self._make_kplot]

    def _make_plot(self) -> None:
        self.plot = DBSCANPlot()
        self.view = self.plot.view
        self.view.setToolTip("Core samples are large, border samples small, anomalies are black "
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
        self.view.hovered.connect(self.hovered)
        self.view.left.connect(self.left)
        self.view.clicked.connect(self._clicked)
        self._splitter.addWidget(_column(self.plot, self.legend))
        self._splitter.setStretchFactor(0, 3)

    def _make_kplot(self) -> None:
        self.kplot = KDistancePlot()
        self.kplot.setMinimumHeight(130)
        self.kplot.setToolTip("Every point's distance to its k-th nearest neighbour "
                              "(k = min_samples − 1), sorted. Points above the eps line are "
                              "not core samples. Drag the line (or anywhere on the plot) to "
                              "set eps; click the curve to take that point's k-distance.")
        self.kcurve, self.knee_marker = self.kplot.curve, self.kplot.knee_marker
        self.knee_line, self.eps_line = self.kplot.knee_line, self.kplot.eps_line
        self.kplot.eps_dragged.connect(self.eps_dragged)
        self.kplot.eps_chosen.connect(self.eps_chosen)
        self._splitter.addWidget(_column(self.kplot, self.knote))
        self._splitter.setStretchFactor(1, 1)
        self._splitter.setSizes([520, 190])  # as when the splitter was made with the page

    # -- events ---------------------------------------------------------------------------------
    def _clicked(self, x: float, y: float, button, modifiers) -> None:
        if button == Qt.MouseButton.LeftButton:
            self.clicked.emit(x, y)

    def near_on_screen(self, xy, x: float, y: float) -> bool:
        """Whether the point drawn at ``xy`` is within a few pixels of (x, y)."""
        px, py = self.view.plotItem.vb.viewPixelSize()
        return bool(np.hypot((xy[0] - x) / max(px, 1e-300), (xy[1] - y) / max(py, 1e-300))
                    <= PICK_PIXELS)

    # -- drawing ----------------------------------------------------------------------------------
    def pending_views(self) -> list:
        if not self.built:  # (new data is drawn on the views once they are made)
            return []
        if not self._legend_follows:
            self._legend_follows = True
            self.view.pending_shown.connect(lambda: self._render_legend(None))
        return [self.view]

    def forget_drawn(self) -> None:
        self._projection = self._coords = None

    def render(self, state) -> None:
        proj = state.projection
        if proj is None or not self.built:  # (drawn once the views are made: build_steps)
            return
        if proj is not self._projection:
            self._projection = proj
            self.view.set_axis_titles(*proj.axis_titles)
            self.view.setAspectLocked(proj.method == "identity", 1.0)
        r = state.result
        if r is not None:
            first = self._coords is not proj.coords  # a new dataset: show all of it
            self._coords = proj.coords
            bounds = None if state.bounds is None else \
                tuple((float(a[0]), float(a[1])) for a in state.bounds)
            self.plot.show_result(proj.coords, r, auto_range=first, colors=state.result_colors,
                                  bounds=bounds)
            self.view.plotItem.setTitle(snippets.title(r), size="10pt")
            self._render_legend(r)
        self._render_kdist(state)
        self.kplot.set_eps(state.eps)
        self.render_hover(state)
        self._render_instances(state)
        self._render_regions(state)

    def _render_legend(self, r) -> None:
        k = r.n_clusters if r is not None else 0  # (None: new data, no clustering yet)
        colors = palette_rgba(max(k, 1))
        items = [f"<span style='color:{hex_color(colors[i])}'>●</span> {i}"
                 for i in range(min(k, 12))]
        more = f" … {k - 12} more" if k > 12 else ""
        self.legend.setText(
            "<b>●</b> core sample &nbsp; <b>·</b> border sample &nbsp; "
            f"<span style='color:{hex_color(ANOMALY_RGBA)}'><b>✕</b></span> anomaly &nbsp; "
            "<span style='color:#1428c8'><b>+</b></span> new instance"
            + (f" &nbsp;|&nbsp; clusters: {' '.join(items)}{more}" if k else ""))

    def _render_kdist(self, state) -> None:
        kd, ms = state.kdist, state.min_samples
        if kd is None:
            n = state.dataset.n_samples if state.dataset is not None else 0
            if state.dataset is not None and (ms < 2 or ms - 1 >= n) and self._kdist != ("none", ms):
                self._kdist = ("none", ms)
                self.kplot.clear_curve()
                self.knote.setText("min_samples=1: every point is a core sample, there is no "
                                   "k-distance curve." if ms < 2 else
                                   f"min_samples={ms} needs more than {ms - 1} points.")
            return
        if kd is self._kdist:
            return
        self._kdist = kd
        self.kplot.set_curve(kd.distances, kd.knee_index, kd.knee, kd.k, state.eps,
                             f"points, sorted by distance to their {snippets.ordinal(kd.k)} "
                             "neighbour")
        self.knote.setText(
            f"k = min_samples − 1 = {kd.k}. Suggested eps (the knee, ○): {kd.knee:.4g}. "
            "Points above the eps line are border samples or anomalies. Drag the line or "
            "click the curve to set eps.")

    def render_hover(self, state) -> None:
        h, r = state.hover, state.result
        if h is None or r is None or h.index >= r.labels.size:
            self.circle.hide()
            self.hover_label.hide()
            return
        i, eps = h.index, h.eps
        xy = state.projection.coords[i]
        if state.planar:
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
        where = "" if state.planar else " (in feature space)"
        self.hover_label.setText(f"point {i}: {kind}\n{h.count} point"
                                 f"{'s' if h.count != 1 else ''} within eps{where}, itself "
                                 "included")
        self.hover_label.setPos(xy[0], xy[1])
        self.hover_label.show()

    def hover_text(self) -> str:
        return self.hover_label.textItem.toPlainText() if self.hover_label.isVisible() else ""

    def _render_instances(self, state) -> None:
        key = tuple(state.instances)
        if key == self._instances and state.prediction is self._prediction:
            return
        self._instances, self._prediction = key, state.prediction
        vb = self.view.plotItem.vb
        for item in self._new_labels:
            vb.removeItem(item)
        self._new_labels = []
        if not state.instances:
            self.new_item.clear()
            return
        pts = np.array(state.instances)
        self.new_item.setData(x=pts[:, 0], y=pts[:, 1])
        pred = state.prediction
        middle = 0.5 * (state.bounds[0][0] + state.bounds[1][0]) if state.bounds else 0.0
        for i, (x, y) in enumerate(state.instances):
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

    def _render_regions(self, state) -> None:
        grid = state.regions if state.show_regions else None
        if grid is self._regions:
            return
        self._regions = grid
        if grid is None:
            self.view.set_regions(None)
        else:
            self.view.set_regions(grid.labels, grid.x_range, grid.y_range, grid.n_classes)

    # -- what the window asks ----------------------------------------------------------------------
    def code(self, state) -> str:
        return snippets.code(state)

    def export_table(self, state):
        return state.labels_table()
