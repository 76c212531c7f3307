"""The scatter view every page shares, fluid from a few points to millions.

Up to ``RASTER_THRESHOLD`` points are drawn as pyqtgraph scatter items, one
per colour (a single brush each, so pyqtgraph never styles point by point).
Above it the points are rasterised with numpy into one image of the visible
area: the image keeps, for every screen pixel, the index of the point drawn
there, so recolouring (new labels) costs one gather over the pixels whatever
the number of points, and zoom or pan re-rasterises only the visible points.

A page can take the rasterising off the GUI thread: with ``async_raster_from``
set, a view of that many points or more emits ``raster_wanted`` with a
:class:`RasterRequest` instead of computing the canvas, keeps showing the
previous one meanwhile, and draws the canvas it is handed back with
:meth:`ScatterView.apply_raster` (the page runs :func:`rasterize_indices` in a
task).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, QTimer, Signal

from gui.widgets.palette import colors_for_labels, pastel

RASTER_THRESHOLD = 5_000

# Offsets of a round "stamp" drawn around each rasterised point, by radius.
_STAMPS = {
    0: [(0, 0)],
    1: [(0, 0), (1, 0), (-1, 0), (0, 1), (0, -1)],
    2: [(dx, dy) for dx in range(-2, 3) for dy in range(-2, 3) if dx * dx + dy * dy <= 5],
}


def rasterize_indices(x: np.ndarray, y: np.ndarray, x_range, y_range, width: int, height: int,
                      radius: int = 1) -> np.ndarray:
    """For every pixel of a (height, width) canvas, the index of the point on top, or -1.

    Row 0 is the bottom of the view (``y_range[0]``). Later points are drawn
    over earlier ones, as a painter would.
    """
    canvas = np.full(height * width, -1, dtype=np.int64)
    if width <= 0 or height <= 0 or x.size == 0:
        return canvas.reshape(max(height, 0), max(width, 0))
    (x0, x1), (y0, y1) = x_range, y_range
    sx = width / (x1 - x0) if x1 > x0 else 0.0
    sy = height / (y1 - y0) if y1 > y0 else 0.0
    px = np.subtract(x, x0)  # in place from here: a million points, few temporaries
    px *= sx
    np.floor(px, out=px)
    py = np.subtract(y, y0)
    py *= sy
    np.floor(py, out=py)
    inside = (px >= -radius) & (px < width + radius) & (py >= -radius) & (py < height + radius)
    idx = np.flatnonzero(inside) if not inside.all() else None
    if idx is not None:
        px, py = px[idx], py[idx]
    else:
        idx = np.arange(x.size)
    px = px.astype(np.int64)
    py = py.astype(np.int64)
    ok = (px >= 0) & (px < width) & (py >= 0) & (py < height)
    canvas[py[ok] * width + px[ok]] = idx[ok]
    img = canvas.reshape(height, width)
    if radius > 0:
        # Grow each point into a small disc, only into pixels no point covers.
        centres = img.copy()
        for dx, dy in _STAMPS[min(radius, 2)]:
            if dx == 0 and dy == 0:
                continue
            src = centres[max(0, -dy):height - max(0, dy), max(0, -dx):width - max(0, dx)]
            dst = img[max(0, dy):height - max(0, -dy), max(0, dx):width - max(0, -dx)]
            np.copyto(dst, src, where=(dst < 0) & (src >= 0))
    return img


@dataclass(frozen=True, eq=False)
class RasterRequest:
    """The index canvas a view wants: the points ``xy`` (n, 2) over (height, width) pixels
    of the given ranges, each drawn with ``radius``."""

    xy: np.ndarray
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    width: int
    height: int
    radius: int

    @property
    def key(self) -> tuple:
        return (self.x_range, self.y_range, self.width, self.height, self.radius, id(self.xy))

    def rasterize(self) -> np.ndarray:
        return rasterize_indices(self.xy[:, 0], self.xy[:, 1], self.x_range, self.y_range,
                                 self.width, self.height, self.radius)


def data_bounds(xy: np.ndarray):
    """((xmin, ymin), (xmax, ymax)) of the finite points of ``xy`` (n, 2), or None if none."""
    xy = np.asarray(xy)
    if not xy.shape[0]:
        return None
    finite = xy[np.all(np.isfinite(xy), axis=1)]
    if not finite.shape[0]:
        return None
    lo, hi = finite.min(axis=0), finite.max(axis=0)
    return (float(lo[0]), float(lo[1])), (float(hi[0]), float(hi[1]))


def light_grid(plot_item, alpha: float = 0.2) -> None:
    """A grid on the major and minor ticks only: pyqtgraph's third tick level costs ~10 ms a frame."""
    plot_item.showGrid(x=True, y=True, alpha=alpha)
    for name in ("bottom", "left"):
        plot_item.getAxis(name).setStyle(maxTickLevel=1)


class ScatterView(pg.PlotWidget):
    """A scatter plot of 2-D points with per-point colours and an optional region image.

    Signals carry data coordinates: ``clicked(x, y, button, modifiers)`` on a
    click in the plot area and ``hovered(x, y)`` while the mouse moves.
    """

    clicked = Signal(float, float, object, object)
    hovered = Signal(float, float)
    left = Signal()
    #: a :class:`RasterRequest` (only with ``async_raster_from``): answer with apply_raster
    raster_wanted = Signal(object)

    def __init__(self, parent=None, title: str | None = None, background="w"):
        super().__init__(parent, background=background)
        light_grid(self.plotItem)
        self.plotItem.setMenuEnabled(True)
        self.plotItem.hideButtons()
        if title:
            self.plotItem.setTitle(title)
        self._xy = np.empty((0, 2))
        self._colors = np.empty((0, 4), dtype=np.uint8)
        self._size = 6.0
        self._radius = 1
        self._items: list[pg.ScatterPlotItem] = []
        self._canvas: np.ndarray | None = None
        self._canvas_key = None
        #: from this many points on, canvases are asked for (``raster_wanted``); None: never
        self.async_raster_from: int | None = None
        self._wanted_key = None
        self._region_luts: dict[int, np.ndarray] = {}
        vb = self.plotItem.vb
        self._regions = pg.ImageItem(axisOrder="row-major")
        self._regions.setZValue(-20)
        vb.addItem(self._regions, ignoreBounds=True)
        self._raster = pg.ImageItem(axisOrder="row-major")
        self._raster.setZValue(0)
        vb.addItem(self._raster, ignoreBounds=True)
        # An invisible item spanning the data, so auto-range works in raster mode too.
        # (two fully transparent points; it must stay visible to count for auto-range).
        self._bounds = pg.ScatterPlotItem(pen=None, brush=(0, 0, 0, 0), size=1)
        vb.addItem(self._bounds)
        self._raster_timer = QTimer(self)
        self._raster_timer.setSingleShot(True)
        self._raster_timer.setInterval(0)
        self._raster_timer.timeout.connect(self._update_raster)
        vb.sigRangeChanged.connect(self._view_changed)
        vb.sigResized.connect(self._view_changed)
        self.scene().sigMouseClicked.connect(self._on_click)
        self.scene().sigMouseMoved.connect(self._on_move)

    # -- data ------------------------------------------------------------------------------
    @property
    def n_points(self) -> int:
        return int(self._xy.shape[0])

    @property
    def raster_mode(self) -> bool:
        return self.n_points > RASTER_THRESHOLD

    def points(self) -> np.ndarray:
        """The (n, 2) coordinates drawn."""
        return self._xy

    def point_colors(self) -> np.ndarray:
        """The (n, 4) ``uint8`` RGBA colour of every point."""
        return self._colors

    def set_points(self, xy: np.ndarray, colors: np.ndarray | None = None,
                   labels: np.ndarray | None = None, size: float = 6.0,
                   auto_range: bool = True, bounds=None) -> None:
        """Show ``xy`` (n, 2), coloured by ``colors`` (n, 4) or ``labels`` (n,).

        ``bounds``: :func:`data_bounds` of ``xy`` when the caller computed it off the GUI
        thread (a million points take tens of milliseconds).
        """
        xy = np.ascontiguousarray(xy, dtype=np.float64)
        if xy.ndim != 2 or xy.shape[1] != 2:
            raise ValueError("xy must have shape (n, 2)")
        self._xy = xy
        self._size = float(size)
        self._radius = 0 if size <= 2 else (1 if size <= 5 else 2)
        self._canvas = None
        if bounds is None:
            bounds = data_bounds(xy)
        if bounds is not None:
            lo, hi = bounds
            self._bounds.setData([lo[0], hi[0]], [lo[1], hi[1]])
        else:
            self._bounds.setData([], [])
        if colors is None:
            colors = colors_for_labels(np.zeros(len(xy), dtype=np.int64) if labels is None
                                       else labels)
        if auto_range and xy.shape[0]:
            # the range first: a big cloud is rasterised once, for the range it is shown in
            self.plotItem.vb.enableAutoRange()
            self.plotItem.vb.autoRange(padding=0.05)
        self._set_colors(colors)

    def set_colors(self, colors: np.ndarray) -> None:
        """Recolour the current points with an (n, 4) ``uint8`` array."""
        self._set_colors(colors)

    def set_labels(self, labels: np.ndarray, n_colors: int | None = None) -> None:
        """Recolour the current points by integer labels (cluster palette; -1 is grey)."""
        self._set_colors(colors_for_labels(labels, n_colors))

    def _set_colors(self, colors: np.ndarray) -> None:
        colors = np.asarray(colors, dtype=np.uint8)
        if colors.shape != (self.n_points, 4):
            raise ValueError(f"colors must have shape ({self.n_points}, 4), got {colors.shape}")
        self._colors = colors
        if self.raster_mode:
            for item in self._items:
                item.setVisible(False)
            self._raster.setVisible(True)
            self._update_raster()
        else:
            self._raster.setVisible(False)
            self._draw_items()

    # -- small mode: one scatter item per colour -----------------------------------------------
    def _draw_items(self) -> None:
        n = self.n_points
        if n:
            packed = self._colors.view(np.uint32).ravel()
            uniq, inverse = np.unique(packed, return_inverse=True)
            order = np.argsort(inverse, kind="stable")
            bounds = np.searchsorted(inverse[order], np.arange(len(uniq) + 1))
        else:
            uniq, order, bounds = np.empty(0, np.uint32), np.empty(0, np.int64), np.zeros(1, int)
        while len(self._items) < len(uniq):
            item = pg.ScatterPlotItem(pxMode=True, pen=None)
            item.setZValue(1)
            self.plotItem.vb.addItem(item, ignoreBounds=True)
            self._items.append(item)
        outline = pg.mkPen(255, 255, 255, 160, width=0.5) if self._size >= 5 else None
        for g, item in enumerate(self._items):
            if g >= len(uniq):
                item.setVisible(False)
                item.clear()
                continue
            sel = order[bounds[g]:bounds[g + 1]]
            rgba = np.frombuffer(np.uint32(uniq[g]).tobytes(), dtype=np.uint8)
            item.setData(x=self._xy[sel, 0], y=self._xy[sel, 1], size=self._size,
                         brush=pg.mkBrush(*rgba), pen=outline if outline is not None else None,
                         symbol="o")
            item.setVisible(True)

    # -- raster mode ------------------------------------------------------------------------------
    def _view_changed(self, *args) -> None:
        if self.raster_mode:
            self._raster_timer.start()

    def _canvas_geometry(self):
        vb = self.plotItem.vb
        (x0, x1), (y0, y1) = vb.viewRange()
        ratio = self.devicePixelRatioF() or 1.0
        rect = vb.boundingRect()
        width = max(1, int(round(rect.width() * ratio)))
        height = max(1, int(round(rect.height() * ratio)))
        return (x0, x1), (y0, y1), width, height

    def _update_raster(self) -> None:
        if not self.raster_mode or self.plotItem is None:
            self._wanted_key = None  # a canvas still on its way is for other points
            return
        xr, yr, w, h = self._canvas_geometry()
        request = RasterRequest(self._xy, xr, yr, w, h, self._radius)
        if self._canvas is None or request.key != self._canvas_key:
            if self.async_raster_from is not None and self.n_points >= self.async_raster_from:
                if request.key != self._wanted_key:
                    self._wanted_key = request.key
                    self.raster_wanted.emit(request)
                if self._canvas is None:  # new points: nothing to show until it comes
                    self._raster.clear()
                    return
            else:
                self._canvas, self._canvas_key = request.rasterize(), request.key
        self._paint_canvas()

    @property
    def raster_pending(self) -> bool:
        """True while a canvas was asked for (``raster_wanted``) and not handed back yet."""
        return self._wanted_key is not None

    def apply_raster(self, request: RasterRequest, canvas: np.ndarray) -> None:
        """The canvas computed for ``request``: drawn unless the view asked for another."""
        if request.key != self._wanted_key or request.xy is not self._xy:
            return  # asked for other points or another view (ids of freed arrays recur)
        self._wanted_key = None
        self._canvas, self._canvas_key = canvas, request.key
        self._paint_canvas()

    def _paint_canvas(self) -> None:
        canvas = self._canvas
        xr, yr = self._canvas_key[0], self._canvas_key[1]  # the range it was made for
        # One packed 32-bit gather; canvas -1 (no point) picks the transparent last entry.
        n = self._colors.shape[0]
        table = np.empty((n + 1, 4), dtype=np.uint8)
        table[:n] = self._colors
        table[n] = 0
        image = table.view(np.uint32).ravel()[canvas].view(np.uint8).reshape(canvas.shape + (4,))
        self._raster.setImage(image, autoLevels=False, levels=None)
        self._raster.setRect(QRectF(xr[0], yr[0], xr[1] - xr[0], yr[1] - yr[0]))

    # -- decision regions -----------------------------------------------------------------------
    def set_regions(self, grid_labels: np.ndarray | None, x_range=None, y_range=None,
                    n_colors: int | None = None, borders: bool = True) -> None:
        """Draw a pale background from a (ny, nx) label grid spanning the given ranges.

        Row 0 of the grid is at ``y_range[0]``. Cells on a border between two
        labels are drawn dark, like the chapter's contour lines. None hides it.
        """
        if grid_labels is None:
            self._regions.setVisible(False)
            return
        grid = np.asarray(grid_labels)
        k = n_colors if n_colors is not None else int(grid.max()) + 1
        lut = self._region_luts.get(k)
        if lut is None:  # pale colours per label, and grey for -1, computed once per k
            lut = self._region_luts[k] = pastel(colors_for_labels(np.arange(-1, k), k))
        image = lut[np.where(grid < 0, 0, grid + 1)]
        if borders:
            edge = np.zeros(grid.shape, dtype=bool)
            edge[:, 1:] |= grid[:, 1:] != grid[:, :-1]
            edge[1:, :] |= grid[1:, :] != grid[:-1, :]
            image[edge] = (60, 60, 60, 255)
        self._regions.setImage(image, autoLevels=False, levels=None)
        self._regions.setRect(QRectF(x_range[0], y_range[0], x_range[1] - x_range[0],
                                     y_range[1] - y_range[0]))
        self._regions.setVisible(True)

    def regions_image(self) -> np.ndarray | None:
        """The RGBA image of the regions background, or None when hidden."""
        return self._regions.image if self._regions.isVisible() else None

    def raster_image(self) -> np.ndarray | None:
        """The RGBA image of the rasterised points (raster mode), for tests and export."""
        return self._raster.image if self.raster_mode else None

    # -- mouse --------------------------------------------------------------------------------
    def data_pos(self, scene_pos) -> QPointF | None:
        vb = self.plotItem.vb
        if not vb.sceneBoundingRect().contains(scene_pos):
            return None
        return vb.mapSceneToView(scene_pos)

    def _on_click(self, event) -> None:
        if event.isAccepted() and event.double():
            return
        pos = self.data_pos(event.scenePos())
        if pos is not None:
            self.clicked.emit(pos.x(), pos.y(), event.button(), event.modifiers())

    def _on_move(self, scene_pos) -> None:
        pos = self.data_pos(scene_pos)
        if pos is None:
            self.left.emit()
        else:
            self.hovered.emit(pos.x(), pos.y())

    def set_axis_titles(self, x: str, y: str) -> None:
        self.plotItem.setLabel("bottom", x)
        self.plotItem.setLabel("left", y)

    def set_title(self, title: str) -> None:
        self.plotItem.setTitle(title)


def make_plot(title: str | None = None, x: str | None = None, y: str | None = None, *,
              integer_x: bool = False) -> pg.PlotWidget:
    """A white pyqtgraph plot styled like the rest of the app; ``integer_x``: the x axis
    counts (iterations, k) and has ticks at whole numbers only."""
    plot = pg.PlotWidget(background="w")
    if integer_x:
        from gui.widgets.axes import IntegerAxis

        plot.plotItem.setAxisItems({"bottom": IntegerAxis("bottom")})
    light_grid(plot.plotItem)
    plot.plotItem.hideButtons()
    if title:
        plot.plotItem.setTitle(title)
    if x:
        plot.plotItem.setLabel("bottom", x)
    if y:
        plot.plotItem.setLabel("left", y)
    return plot


__all__ = ["RasterRequest", "ScatterView", "data_bounds", "light_grid", "make_plot",
           "rasterize_indices", "RASTER_THRESHOLD"]
