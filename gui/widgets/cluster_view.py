"""Views of a K-Means model: points, decision regions, centroids, trails, draggable handles.

``ClusterView`` is a :class:`ScatterView` that also draws centroids the way the
chapter does (a white disc with a black cross), the trail of every centroid over
the iterations, and the pale decision regions of the visible area. The view never computes them:
when the visible area (or the centres) change it emits ``regions_wanted`` with
a :class:`RegionRequest`; the page answers with a task
(:func:`core.kmeans.decision_regions`) and hands the grid back with
:meth:`ClusterView.apply_regions`. Grids are cached per (centres, range,
resolution), so panning back or replaying an iteration costs nothing.
``HandleItem`` is a centroid the user can drag (hand-placed initialisation).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPainter, QPen

from gui.widgets.palette import NOISE_RGBA, palette_rgba
from gui.widgets.scatter import ScatterView

#: Largest number of region cells each way (the grid follows the view's pixels / 2).
MAX_REGION_CELLS = 500
#: Region grids kept per view (centres x range x resolution).
REGION_CACHE_SIZE = 24


@dataclass(frozen=True)
class RegionRequest:
    """The decision regions a view wants: nearest of ``centers`` (k, 2) on an (nx, ny) grid."""

    centers: np.ndarray
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    resolution: tuple[int, int]

    @property
    def key(self) -> tuple:
        # The ranges to a thousandth of a cell: zooming in and back out lands a few ulps away
        # from where it was (the view's size decides how many), and is the same grid.
        nx, ny = self.resolution
        (x0, x1), (y0, y1) = self.x_range, self.y_range
        cx, cy = (x1 - x0) / max(nx, 1) / 1000, (y1 - y0) / max(ny, 1) / 1000

        def snap(v: float, cell: float) -> float:
            return round(v / cell) if cell > 0 else v

        return (self.centers.tobytes(), (snap(x0, cx), snap(x1, cx)),
                (snap(y0, cy), snap(y1, cy)), self.resolution)


class CentroidLayer:
    """Centroid markers (white disc + black cross) and their trails, on a plot item."""

    def __init__(self, plot_item: pg.PlotItem, size: float = 17.0):
        vb = plot_item.vb
        self._size = size
        self.trail_old = pg.PlotDataItem(pen=pg.mkPen(70, 70, 70, 170, width=1.4,
                                                      style=Qt.PenStyle.DashLine),
                                         connect="pairs")
        self.trail_new = pg.PlotDataItem(pen=pg.mkPen(0, 0, 0, 235, width=2.4), connect="pairs")
        self.ghosts = pg.ScatterPlotItem(symbol="o", size=7, pen=pg.mkPen(40, 40, 40, 200),
                                         brush=pg.mkBrush(255, 255, 255, 190))
        self.discs = pg.ScatterPlotItem(symbol="o", size=size, pen=pg.mkPen(0, 0, 0, 140, width=1),
                                        brush=pg.mkBrush(255, 255, 255, 235))
        self.crosses = pg.ScatterPlotItem(symbol="x", size=size * 0.72, pen=None,
                                          brush=pg.mkBrush(0, 0, 0))
        for z, item in enumerate((self.trail_old, self.trail_new, self.ghosts, self.discs,
                                  self.crosses)):
            item.setZValue(10 + z)
            vb.addItem(item, ignoreBounds=True)
        self._centers = np.empty((0, 2))

    def set_style(self, circle=(255, 255, 255), cross=(0, 0, 0)) -> None:
        """The chapter draws the first update with a red disc and a white cross."""
        self.discs.setBrush(pg.mkBrush(*circle, 235))
        self.crosses.setBrush(pg.mkBrush(*cross))

    def set_centers(self, centers: np.ndarray | None, trail: np.ndarray | None = None) -> None:
        """Draw centroids (k, 2); ``trail`` (t+1, k, 2) is their path, the last row being them."""
        if centers is None or len(centers) == 0:
            self.clear()
            return
        centers = np.asarray(centers, dtype=float)
        self._centers = centers
        self.discs.setData(x=centers[:, 0], y=centers[:, 1])
        self.crosses.setData(x=centers[:, 0], y=centers[:, 1])
        if trail is not None and len(trail) > 1:
            trail = np.asarray(trail, dtype=float)
            old = trail[:-1]
            starts, ends = trail[:-1], trail[1:]
            seg = np.empty((2 * starts.shape[0] * starts.shape[1], 2))
            seg[0::2] = starts.reshape(-1, 2)
            seg[1::2] = ends.reshape(-1, 2)
            k = trail.shape[1]
            last = seg[-2 * k:]
            older = seg[:-2 * k]
            self.trail_new.setData(last[:, 0], last[:, 1])
            if len(older):
                self.trail_old.setData(older[:, 0], older[:, 1])
            else:
                self.trail_old.setData([], [])
            flat = old.reshape(-1, 2)
            self.ghosts.setData(x=flat[:, 0], y=flat[:, 1])
        else:
            self.trail_new.setData([], [])
            self.trail_old.setData([], [])
            self.ghosts.setData([], [])
        for item in (self.discs, self.crosses, self.trail_new, self.trail_old, self.ghosts):
            item.setVisible(True)

    def clear(self) -> None:
        self._centers = np.empty((0, 2))
        for item in (self.discs, self.crosses, self.ghosts):
            item.setData([], [])
        self.trail_new.setData([], [])
        self.trail_old.setData([], [])

    def centers(self) -> np.ndarray:
        """The (k, 2) positions drawn."""
        return self._centers

    def trail_segments(self) -> tuple[np.ndarray, np.ndarray]:
        """(older, latest) trail segments as (m, 2) point pairs, for tests."""
        def xy(item):
            x, y = item.getData()
            return np.empty((0, 2)) if x is None else np.column_stack([x, y])

        return xy(self.trail_old), xy(self.trail_new)


class HandleItem(pg.GraphicsObject):
    """A draggable initial centroid: a ring in its cluster's colour around the chapter's cross."""

    moved = Signal(int, float, float)  # while dragging, in data coordinates
    released = Signal(int, float, float)  # when the drag ends

    RADIUS = 10

    def __init__(self, index: int, color, parent=None):
        super().__init__(parent)
        self.index = index
        self._color = QColor(*[int(c) for c in color[:3]])
        self._hover = False
        self.dragging = False
        self.setFlag(self.GraphicsItemFlag.ItemIgnoresTransformations, True)
        self.setAcceptHoverEvents(True)
        self.setCursor(Qt.CursorShape.OpenHandCursor)
        self.setZValue(40)
        self.setToolTip(f"Initial centroid {index + 1}: drag it to move it")

    def set_color(self, color) -> None:
        """Its ring in ``color`` (RGB or RGBA)."""
        new = QColor(*[int(c) for c in color[:3]])
        if new != self._color:
            self._color = new
            self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt override
        r = self.RADIUS + 3
        return QRectF(-r, -r, 2 * r, 2 * r)

    def paint(self, painter: QPainter, *args) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        r = self.RADIUS + (2 if self._hover else 0)
        painter.setPen(QPen(self._color.darker(115), 3.0))
        painter.setBrush(QColor(255, 255, 255, 235))
        painter.drawEllipse(QPointF(0, 0), r, r)
        painter.setPen(QPen(QColor(0, 0, 0), 2.6))
        c = 4.2
        painter.drawLine(QPointF(-c, -c), QPointF(c, c))
        painter.drawLine(QPointF(-c, c), QPointF(c, -c))

    def hoverEnterEvent(self, ev) -> None:  # noqa: N802 - Qt override
        self._hover = True
        self.update()

    def hoverLeaveEvent(self, ev) -> None:  # noqa: N802 - Qt override
        self._hover = False
        self.update()

    def mouseClickEvent(self, ev) -> None:  # noqa: N802 - pyqtgraph hook
        if ev.button() == Qt.MouseButton.LeftButton:
            ev.accept()

    def mouseDragEvent(self, ev) -> None:  # noqa: N802 - pyqtgraph hook
        if ev.button() != Qt.MouseButton.LeftButton:
            ev.ignore()
            return
        ev.accept()
        vb = self.getViewBox()
        if vb is None:
            return
        pos = vb.mapSceneToView(ev.scenePos())
        self.setPos(pos)
        if ev.isStart():
            self.dragging = True
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
        if ev.isFinish():
            self.dragging = False
            self.setCursor(Qt.CursorShape.OpenHandCursor)
            self.released.emit(self.index, pos.x(), pos.y())
        else:
            self.moved.emit(self.index, pos.x(), pos.y())


class ClusterView(ScatterView):
    """Points coloured by cluster, decision regions, centroids and trails."""

    regions_updated = Signal()
    #: a :class:`RegionRequest`: answer it with :meth:`apply_regions`
    regions_wanted = Signal(object)

    def __init__(self, parent=None, title: str | None = None, centroid_size: float = 17.0):
        super().__init__(parent, title=title)
        # No grid: the regions are the background, as in the chapter (and painting the grid
        # lines over the whole plot costs several ms a frame while playing).
        self.plotItem.showGrid(x=False, y=False)
        self.centroids = CentroidLayer(self.plotItem, size=centroid_size)
        self._region_centers: np.ndarray | None = None
        self._k = 0
        self._regions_timer = QTimer(self)
        self._regions_timer.setSingleShot(True)
        self._regions_timer.setInterval(25)
        self._regions_timer.timeout.connect(self.update_regions)
        self.plotItem.vb.sigRangeChanged.connect(self._schedule_regions)
        self.plotItem.vb.sigResized.connect(self._schedule_regions)
        self.region_grid: np.ndarray | None = None
        self._point_luts: dict[int, np.ndarray] = {}
        self._region_cache: OrderedDict[tuple, tuple] = OrderedDict()
        self._wanted: RegionRequest | None = None
        self._shown_range: tuple | None = None
        self._shown_key: tuple | None = None  # the key of the request the shown grid answers

    def show_pending(self, xy: np.ndarray, **kwargs) -> None:
        """New points drawn grey before their clustering: no centroids or regions yet."""
        self.centroids.clear()
        self.show_regions_for(None, self._k)
        super().show_pending(xy, **kwargs)

    def _schedule_regions(self, *args) -> None:
        if self._region_centers is not None:
            self._regions_timer.start()

    def show_regions_for(self, centers2d: np.ndarray | None, k: int) -> None:
        """Draw the decision regions of these 2-D centres (None hides them)."""
        self._region_centers = None if centers2d is None else np.asarray(centers2d, float)
        self._k = k
        if self._region_centers is None:
            self._wanted = None
            self.region_grid = None
            self.set_regions(None)
        else:
            self.update_regions()

    def region_resolution(self) -> tuple[int, int]:
        rect = self.plotItem.vb.boundingRect()
        nx = int(min(MAX_REGION_CELLS, max(20, rect.width() / 2)))
        ny = int(min(MAX_REGION_CELLS, max(20, rect.height() / 2)))
        return nx, ny

    def update_regions(self) -> None:
        """Show the regions of the visible area: from the cache, or ask for them."""
        self._regions_timer.stop()
        if self._region_centers is None or len(self._region_centers) == 0:
            return
        request = self._request_now()
        if request is None:
            return
        cached = self._region_cache.get(request.key)
        if cached is not None:
            self._region_cache.move_to_end(request.key)
            self._wanted = None
            self._show_grid(*cached, key=request.key)
            return
        if self._wanted is not None and self._wanted.key == request.key:
            return  # already asked
        self._wanted = request
        self.regions_wanted.emit(request)

    def apply_regions(self, request: RegionRequest, labels: np.ndarray,
                      x_range: tuple[float, float], y_range: tuple[float, float]) -> None:
        """The grid computed for ``request``: cached, and drawn unless the view moved on."""
        self._region_cache[request.key] = (labels, x_range, y_range)
        while len(self._region_cache) > REGION_CACHE_SIZE:
            self._region_cache.popitem(last=False)
        if self._wanted is not None and self._wanted.key == request.key:
            self._wanted = None
            self._show_grid(labels, x_range, y_range, key=request.key)

    def _request_now(self) -> RegionRequest | None:
        """The regions the visible area needs (None: an empty range)."""
        (x0, x1), (y0, y1) = self.plotItem.vb.viewRange()
        if not (x1 > x0 and y1 > y0):
            return None
        return RegionRequest(self._region_centers, (float(x0), float(x1)),
                             (float(y0), float(y1)), self.region_resolution())

    @property
    def regions_pending(self) -> bool:
        """True while regions were asked for and not drawn yet."""
        return self._wanted is not None or self._regions_timer.isActive()

    def regions_current(self) -> bool:
        """True when the regions drawn are those of the visible area (or none are wanted)."""
        if self._region_centers is None or len(self._region_centers) == 0:
            return True
        if self.regions_pending or self._shown_range is None:
            return False
        request = self._request_now()
        return request is not None and self._shown_key == request.key

    def _show_grid(self, labels, x_range, y_range, key: tuple | None = None) -> None:
        self._shown_range = (tuple(map(float, x_range)), tuple(map(float, y_range)))
        self._shown_key = key
        self.region_grid = labels
        self.set_regions(labels, x_range, y_range, n_colors=self._k)
        self.regions_updated.emit()

    def set_cluster_labels(self, labels: np.ndarray, k: int) -> None:
        """Recolour the points by cluster through a cached (k + 1, 4) table (-1 is grey)."""
        table = self._point_luts.get(k)
        if table is None:
            table = np.vstack([palette_rgba(max(k, 1)), np.array([NOISE_RGBA], np.uint8)])
            self._point_luts[k] = table
        self.set_colors(table[np.where(labels < 0, k, labels)] if labels.min(initial=0) < 0
                        else table[labels])

    def handles_pixel_distance(self, x: float, y: float, points: np.ndarray) -> np.ndarray:
        """Distance in screen pixels from (x, y) to each of ``points`` (m, 2)."""
        if len(points) == 0:
            return np.empty(0)
        pw, ph = self.plotItem.vb.viewPixelSize()
        pw = pw or 1.0
        ph = ph or 1.0
        pts = np.asarray(points, float)
        return np.hypot((pts[:, 0] - x) / pw, (pts[:, 1] - y) / ph)


def cluster_colors(k: int) -> np.ndarray:
    return palette_rgba(max(k, 1))
