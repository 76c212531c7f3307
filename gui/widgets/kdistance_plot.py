"""The k-distance curve of DBSCAN, whose horizontal line sets eps.

Every point's distance to its k-th nearest neighbour, sorted; the knee is marked
(the suggested eps) and a horizontal line shows eps. The plot is a control, not a
view to explore: it does not pan or zoom (its range is the whole curve, reset when
the curve changes), and

- dragging the eps line, or dragging anywhere on the plot, moves eps to the mouse's
  height (``eps_dragged`` while dragging, ``eps_chosen`` when released);
- clicking the curve sets eps to the k-distance of the point clicked
  (``eps_chosen``), i.e. the eps that makes it just a core sample.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal

from gui.widgets.palette import series_hex
from gui.widgets.plot_pool import plot_item, register_kind
from gui.widgets.scatter import light_grid
from gui.widgets.scene_paint import paint_with_window

#: The smallest eps (the eps spin box's minimum).
MIN_EPS = 1e-8
#: A longer curve is drawn through this many of its points (a plot is at most a few
#: thousand pixels wide).
CURVE_POINTS = 4096


def curve_points(distances: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The (index, k-distance) points the curve is drawn through: all of them, or, for a
    long curve, :data:`CURVE_POINTS` evenly spaced ones with both ends.

    The distances are sorted, so between two of those points the curve stays in their
    box, less than a pixel wide: it looks the same, its last (highest) point included.
    Drawn whole, a 1,000,000-point curve had its indices, its bounds and a downsampled copy
    made on the GUI thread at every new curve and paint (8 ms, and more for the paint), and
    pyqtgraph's downsampling left out its last points, the top of its steep end.
    """
    n = distances.size
    if n <= CURVE_POINTS:
        return np.arange(n), distances
    index = np.unique(np.linspace(0, n - 1, CURVE_POINTS).round().astype(np.int64))
    return index, distances[index]


@register_kind
class EpsViewBox(pg.ViewBox):
    """A ViewBox that turns left drags and clicks into eps instead of panning (made ahead
    of time by :mod:`gui.widgets.plot_pool`; its plot sets ``owner``)."""

    def __init__(self):
        super().__init__(enableMenu=False)
        self.owner: KDistancePlot | None = None
        self.setMouseEnabled(False, False)

    def mouseDragEvent(self, ev, axis=None):  # noqa: N802 - pyqtgraph override
        if ev.button() != Qt.MouseButton.LeftButton or self.owner is None:
            ev.ignore()
            return
        ev.accept()
        y = self.mapSceneToView(ev.scenePos()).y()
        self.owner._drag_to(y, finished=ev.isFinish())

    def mouseClickEvent(self, ev):  # noqa: N802 - pyqtgraph override
        if ev.button() != Qt.MouseButton.LeftButton or self.owner is None:
            ev.ignore()
            return
        ev.accept()
        self.owner._click_at(self.mapSceneToView(ev.scenePos()).x())

    def wheelEvent(self, ev, axis=None):  # noqa: N802 - pyqtgraph override
        ev.ignore()  # no zoom: the page scrolls instead


class KDistancePlot(pg.PlotWidget):
    """The sorted k-distances, the knee and the eps line (draggable, or click the curve)."""

    eps_dragged = Signal(float)  # the eps line follows the mouse (a drag in progress)
    eps_chosen = Signal(float)  # a drag ended or the curve was clicked

    def __init__(self, parent=None):
        item = plot_item(EpsViewBox)  # (made ahead of time: a plot takes ~10 ms to make)
        super().__init__(parent, background="w", plotItem=item)
        paint_with_window(self)
        self._vb = item.vb
        self._vb.owner = self
        light_grid(item)
        item.hideButtons()
        item.setLabel("bottom", "points, sorted by k-distance")
        item.setLabel("left", "k-distance")
        for axis in ("left", "bottom"):
            item.getAxis(axis).enableAutoSIPrefix(False)
        self.curve = self.plot([], [], pen=pg.mkPen(series_hex(0), width=2))
        self.curve.setDownsampling(auto=True, method="peak")
        self.curve.setClipToView(True)
        self.knee_marker = pg.ScatterPlotItem(size=11, symbol="o",
                                              pen=pg.mkPen(150, 0, 0, width=2),
                                              brush=pg.mkBrush(255, 255, 255))
        self.knee_marker.setZValue(4)
        self.addItem(self.knee_marker)
        self.knee_line = pg.InfiniteLine(
            angle=0, movable=False, pen=pg.mkPen(150, 0, 0, width=1, style=Qt.PenStyle.DotLine),
            label="suggested eps = {value:.4g}",
            labelOpts={"position": 0.55, "color": (150, 0, 0), "anchors": [(0.5, 1), (0.5, 1)],
                       "fill": (255, 255, 255, 190)})
        self.knee_line.hide()
        self.addItem(self.knee_line)
        self.eps_line = pg.InfiniteLine(
            pos=0.05, angle=0, movable=True, bounds=(MIN_EPS, None),
            pen=pg.mkPen(20, 20, 20, width=2), hoverPen=pg.mkPen(series_hex(3), width=3),
            label="eps = {value:.4g}",
            labelOpts={"position": 0.06, "color": (20, 20, 20), "anchors": [(0, 0), (0, 0)],
                       "fill": (255, 255, 255, 200)})
        self.eps_line.setToolTip("Drag to set eps")
        self.eps_line.setZValue(5)
        self.addItem(self.eps_line)
        self.eps_line.sigDragged.connect(lambda: self.eps_dragged.emit(self.eps()))
        self.eps_line.sigPositionChangeFinished.connect(self._line_released)
        self.distances: np.ndarray | None = None
        self._syncing = False

    # -- what the page sets -------------------------------------------------------------------
    def eps(self) -> float:
        return max(float(self.eps_line.value()), MIN_EPS)

    def set_eps(self, eps: float) -> None:
        """Move the line to ``eps`` (the spin box changed); keep it in view."""
        if float(self.eps_line.value()) != eps:
            self._syncing = True
            self.eps_line.setValue(eps)
            self._syncing = False
        if self.distances is not None:
            _, (y0, y1) = self._vb.viewRange()
            if eps > y1 or eps < y0:
                self.reset_range(eps)

    def set_curve(self, distances: np.ndarray, knee_index: int, knee: float, k: int,
                  eps: float, k_title: str) -> None:
        """A new curve (new data or min_samples): drawn, and the view reset to all of it."""
        self.distances = distances
        self.curve.setData(*curve_points(distances))
        self.knee_marker.setData([knee_index], [knee])
        self.knee_line.show()  # (a hidden line does not update its label)
        self.knee_line.setValue(knee)
        self.plotItem.setLabel("left", f"{k}-distance")
        self.plotItem.setLabel("bottom", k_title)
        self.set_eps(eps)
        self.reset_range(eps)

    def clear_curve(self) -> None:
        self.distances = None
        self.curve.setData([], [])
        self.knee_marker.clear()
        self.knee_line.hide()

    def reset_range(self, eps: float | None = None) -> None:
        """The whole curve and the eps line in view."""
        if self.distances is None or self.distances.size == 0:
            return
        top = float(self.distances[-1])
        if eps is not None:
            top = max(top, eps)
        self._vb.setRange(xRange=(0, self.distances.size), yRange=(0, top * 1.05),
                          padding=0.02)

    # -- the mouse --------------------------------------------------------------------------------
    def _drag_to(self, y: float, finished: bool) -> None:
        self.eps_line.setValue(max(y, MIN_EPS))
        if finished:
            self.eps_chosen.emit(self.eps())
        else:
            self.eps_dragged.emit(self.eps())

    def _click_at(self, x: float) -> None:
        d = self.distances
        if d is None or d.size == 0:
            return
        i = int(np.clip(round(x), 0, d.size - 1))
        eps = max(float(d[i]), MIN_EPS)
        self.eps_line.setValue(eps)
        self.eps_chosen.emit(eps)

    def _line_released(self) -> None:
        if not self._syncing:
            self.eps_chosen.emit(self.eps())


__all__ = ["KDistancePlot", "MIN_EPS"]
