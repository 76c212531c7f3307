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
:meth:`ScatterView.apply_raster` (the page runs
:func:`gui.widgets.canvases.rasterize_indices` in a task).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtWidgets import QLabel

from gui.widgets.canvases import RasterRequest, rasterize_indices
from gui.widgets.palette import colors_for_labels, pastel
from gui.widgets.plot_pool import plot_item
from gui.widgets.scene_paint import paint_with_window

RASTER_THRESHOLD = 5_000
#: From this many points on, a view whose page does not make its canvases itself
#: (``async_raster_from``) has them made by :attr:`ScatterView.raster_runner` off the GUI
#: thread (rasterising a million points takes 40-90 ms, 150,000 points 5-10 ms: with the
#: rest of a turn's drawing, too much).
ASYNC_RASTER_POINTS = 50_000

#: the colour of points drawn before the page's result for them arrived
PENDING_RGBA = (175, 175, 175, 255)
PENDING_TEXT = "computing…"

_BOUNDS: list = []  # (weak reference to an array, its bounds): the last few arrays drawn


def data_bounds(xy: np.ndarray):
    """((xmin, ymin), (xmax, ymax)) of the finite points of ``xy`` (n, 2), or None if none.

    The bounds of the last few arrays are remembered (pages draw the same coordinates in
    several views; arrays are not changed once drawn)."""
    import weakref

    for ref, bounds in _BOUNDS:
        if ref() is xy:
            return bounds
    bounds = _data_bounds(np.asarray(xy))
    if isinstance(xy, np.ndarray) and xy.size > RASTER_THRESHOLD:
        _BOUNDS[:] = [(r, b) for r, b in _BOUNDS[-3:] if r() is not None]
        _BOUNDS.append((weakref.ref(xy), bounds))
    return bounds


def _data_bounds(xy: np.ndarray):
    if not xy.shape[0]:
        return None
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    if np.isfinite(lo).all() and np.isfinite(hi).all():  # (no NaN or inf: no copy needed)
        return (float(lo[0]), float(lo[1])), (float(hi[0]), float(hi[1]))
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
    #: new points drawn grey before their result (:meth:`show_pending`): overlays go
    pending_shown = Signal()
    hovered = Signal(float, float)
    left = Signal()
    #: a :class:`RasterRequest` (only with ``async_raster_from``): answer with apply_raster
    raster_wanted = Signal(object)
    #: ``runner(view, request)``, set by the app: makes the canvas of a view of
    #: ``ASYNC_RASTER_POINTS`` or more in the background and hands it to ``view.apply_raster``
    raster_runner = None

    def __init__(self, parent=None, title: str | None = None, background="w"):
        super().__init__(parent, background=background, plotItem=plot_item())
        paint_with_window(self)
        light_grid(self.plotItem)
        self.plotItem.setMenuEnabled(True)
        self.plotItem.hideButtons()
        if title:
            self.plotItem.setTitle(title)
        self._xy = np.empty((0, 2))
        self._colors = np.empty((0, 4), dtype=np.uint8)
        self._color_table: np.ndarray | None = None  # the colours packed, transparent last
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
        # "computing…" over points drawn before their result (show_pending); any other draw
        # (set_points, set_colors) takes it away.
        self.pending_label = QLabel(self)
        self.pending_label.setObjectName("PendingLabel")
        self.pending_label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.pending_label.setStyleSheet(
            "#PendingLabel { background: rgba(255, 255, 255, 200); color: #333; "
            "font-size: 15px; padding: 6px 14px; border: 1px solid #bbb; border-radius: 6px; }")
        self.pending_label.hide()

    # -- data ------------------------------------------------------------------------------
    @property
    def n_points(self) -> int:
        return int(self._xy.shape[0])

    @property
    def raster_mode(self) -> bool:
        return self.n_points > RASTER_THRESHOLD

    def scatter_items(self) -> list:
        """The pyqtgraph scatter items that draw the points in small mode (one per colour
        shown; the others hidden)."""
        return list(self._items)

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
        self.pending_label.hide()
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
        self.pending_label.hide()
        self._set_colors(colors)

    def show_pending(self, xy: np.ndarray, bounds=None, colors: np.ndarray | None = None,
                     text: str = PENDING_TEXT) -> None:
        """New points whose result is not there yet: drawn grey (``colors``: the grey, if
        made off the GUI thread) with ``text`` over them, until the next draw. The drawing is
        :meth:`set_points`' own (a big cloud is rasterised, asynchronously if so set)."""
        xy = np.asarray(xy)
        if colors is None:
            colors = np.empty((xy.shape[0], 4), dtype=np.uint8)
            colors[:] = PENDING_RGBA
        if self.shows(xy):
            self._set_colors(colors)
        else:
            self.set_points(xy, colors=colors, size=6 if xy.shape[0] <= RASTER_THRESHOLD else 3,
                            bounds=bounds)
        self.pending_label.setText(text)
        self.pending_label.adjustSize()
        self._place_pending()
        self.pending_label.show()
        self.pending_label.raise_()
        self.pending_shown.emit()

    def clear_pending(self) -> None:
        """No result is coming for the points drawn: take "computing…" away."""
        self.pending_label.hide()

    @property
    def pending(self) -> bool:
        """True while points are drawn grey, waiting for their result (:meth:`show_pending`)."""
        return not self.pending_label.isHidden()

    def pending_text(self) -> str:
        return self.pending_label.text() if self.pending else ""

    def shows(self, xy: np.ndarray) -> bool:
        """Whether ``xy`` (the same array) is the cloud drawn."""
        return xy is self._xy

    def _place_pending(self) -> None:
        label = self.__dict__.get("pending_label")  # (pyqtgraph resizes before __init__ ends)
        if label is None:
            return
        label.move(max(0, (self.width() - label.width()) // 2),
                   max(0, (self.height() - label.height()) // 2))

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._place_pending()
        if self.plotItem is not None:  # (a closed plot has none)
            title = self._title_cut()
            if title and self.plotItem.titleLabel.text != title:  # cut: fitted again
                self.set_title(title)

    def set_labels(self, labels: np.ndarray, n_colors: int | None = None) -> None:
        """Recolour the current points by integer labels (cluster palette; -1 is grey)."""
        self._set_colors(colors_for_labels(labels, n_colors))

    def _set_colors(self, colors: np.ndarray) -> None:
        colors = np.asarray(colors, dtype=np.uint8)
        if colors.shape != (self.n_points, 4):
            raise ValueError(f"colors must have shape ({self.n_points}, 4), got {colors.shape}")
        self._colors = colors
        self._color_table = None  # (made again at the next canvas drawn)
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
            # An item draws one style at a time; pyqtgraph's atlas would keep the symbol of
            # every colour it ever drew (up to 1,000 each before it rebuilds): memory that
            # grew with every recolouring of a long session.
            item.fragmentAtlas.clear()
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
            ask = None
            if self.async_raster_from is not None and self.n_points >= self.async_raster_from:
                ask = self.raster_wanted.emit
            elif ScatterView.raster_runner is not None and self.n_points >= ASYNC_RASTER_POINTS:
                ask = lambda r: ScatterView.raster_runner(self, r)  # noqa: E731
            if ask is not None:
                if request.key != self._wanted_key:
                    self._wanted_key = request.key
                    ask(request)
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
        # (The table is made once per colours, not once per canvas: a canvas for another
        # view range of a million points copied their 4 MB of colours again.)
        if self._color_table is None:
            n = self._colors.shape[0]
            table = np.empty((n + 1, 4), dtype=np.uint8)
            table[:n] = self._colors
            table[n] = 0
            self._color_table = table.view(np.uint32).ravel()
        packed = np.take(self._color_table, canvas)
        image = packed.view(np.uint8).reshape(canvas.shape + (4,))
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
        """The axes' titles. Those shown already are left alone: pyqtgraph lays the plot
        out again for a title set again, and that laid a page out and painted it twice in
        the turn its first result was drawn."""
        for name, text in (("bottom", x), ("left", y)):
            axis = self.plotItem.getAxis(name)
            if axis.labelText != text or not axis.label.isVisible() or not axis.isVisible():
                self.plotItem.setLabel(name, text)

    def title(self) -> str:
        """The title as set (it may be shown cut, see :meth:`set_title`)."""
        return self._title_cut() or self.plotItem.titleLabel.text

    def _title_cut(self) -> str | None:
        """The title :meth:`set_title` was given when the one shown is it, cut; else None
        (a title set on the plot item directly replaced it)."""
        title, shown = self.__dict__.get("_title"), self.plotItem.titleLabel.text
        if not title or not shown.endswith("…"):
            return title if title and shown == title else None
        return title if title.startswith(shown[:-1].rstrip()) else None

    def set_title(self, title: str) -> None:
        """The plot's title, cut with "…" to the view's width (a title wider than the view
        made the plot wider than its widget, and the right of it was cut off)."""
        label = self.plotItem.titleLabel
        room = max(40.0, self.width() - 30.0)
        if label.isVisible() and self.__dict__.get("_title_fit") == (title, room, label.text):
            return  # shown already (set again, it would lay the plot out again: see above)
        self._title = title

        def fits(text: str) -> bool:  # (the title is HTML in its own size: measured as drawn)
            self.plotItem.setTitle(text)
            return label.item.boundingRect().width() <= room

        shown = title
        if not fits(title):
            lo, hi = 0, len(title)  # the longest start of the title that fits, with "…"
            while lo < hi:
                mid = (lo + hi + 1) // 2
                lo, hi = (mid, hi) if fits(title[:mid].rstrip() + "…") else (lo, mid - 1)
            shown = title[:lo].rstrip() + "…"
            self.plotItem.setTitle(shown)
        self.plotItem.titleLabel.setToolTip(title if shown != title else "")
        self._title_fit = (title, room, shown)
        pg.GraphicsView.resizeEvent(self, None)  # fit the plot to the view again


def rasterize_with(tasks):
    """A :attr:`ScatterView.raster_runner` that makes canvases with ``tasks`` (the app's
    :class:`gui.tasks.TaskRunner`; one latest-wins key per view)."""
    import shiboken6

    from gui.widgets.warm_paint import HeldPaint

    def run(view: ScatterView, request: RasterRequest) -> None:
        def deliver(canvas: np.ndarray) -> None:
            if shiboken6.isValid(view):
                if view.isVisible():  # painted on the turn after the one that draws it
                    HeldPaint(view).hold([view])
                view.apply_raster(request, canvas)

        def cancelled(task) -> None:  # by the user (Esc): the next view change asks again
            if task.state == "cancelled" and shiboken6.isValid(view) \
                    and view._wanted_key == request.key:
                view._wanted_key = None

        task = tasks.submit(request.rasterize, key=f"raster:{id(view)}",
                            description="Drawing the points…", on_result=deliver)
        task.cancelled.connect(lambda t=task: cancelled(t))

    return run


def make_plot(title: str | None = None, x: str | None = None, y: str | None = None, *,
              integer_x: bool = False) -> pg.PlotWidget:
    """A white pyqtgraph plot styled like the rest of the app; ``integer_x``: the x axis
    counts (iterations, k) and has ticks at whole numbers only."""
    plot = paint_with_window(pg.PlotWidget(background="w", plotItem=plot_item()))
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


__all__ = ["ASYNC_RASTER_POINTS", "RasterRequest", "ScatterView", "data_bounds", "light_grid", "make_plot",
           "rasterize_indices", "rasterize_with", "RASTER_THRESHOLD"]
