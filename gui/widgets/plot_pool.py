"""pyqtgraph ``PlotItem``\\ s made ahead of time, one per idle moment of the event loop.

Making a ``PlotItem`` (four axes, a view box, its menus) holds the GUI thread 15-25 ms, and
a page with four plots took over 100 ms to open. The plots of :mod:`gui.widgets.scatter`
take theirs from a small stock instead, which the window keeps filled a plot at a time
while nothing else happens (:func:`keep_filled`). Without it, or once the stock is empty,
a plot is made on the spot as before.

A plot with a view box of its own (a ``pg.ViewBox`` subclass made without arguments) is
kept ready too, one of each kind, once the plain ones are: the module that defines the view
box registers it as it is imported (:func:`register_kind`).

A plain plot's view box makes its context menu ("View All", the axes' ranges, the mouse
mode) the first time it is asked for it (:class:`LazyMenuViewBox`): that menu was about a
third of a plot's making, in the idle turns of the GUI thread that refill the stock
(``bench/bench_render.py``: six plots in 41-49 ms against 55-72 ms).
"""

from __future__ import annotations

import pyqtgraph as pg
from pyqtgraph.graphicsItems.ViewBox.ViewBoxMenu import ViewBoxMenu
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QGraphicsItem

DEVICE_CACHE = QGraphicsItem.CacheMode.DeviceCoordinateCache

#: Plots kept ready (a page makes at most about six at once).
STOCK = 6
#: Milliseconds between two plots made for the stock (the event loop runs in between).
INTERVAL_MS = 40
#: Milliseconds from a plot taken to the first one made again: a page that takes plots is
#: opening, and its first turns (its first paint, its first result) are busy enough.
AFTER_TAKE_MS = 1000

#: With the stock full, how often the pool looks for view boxes registered since: a module
#: imported on another thread (the window's prefetch) registers its own, and nothing there
#: may touch a Qt object (a signal emitted from there raced the window's closing).
IDLE_CHECK_MS = 1000

#: The view box classes registered (:func:`register_kind`), in order: a plot with one of
#: each is kept ready. (A tuple, replaced whole: a module may register from the thread that
#: imports the pages ahead of time while the GUI thread reads it.)
_registered: tuple[type[pg.ViewBox], ...] = ()
_stock: list[pg.PlotItem] = []
_kinds: dict[type, list[pg.PlotItem]] = {}  # view box class -> plots kept ready with one
_timer: QTimer | None = None


class LazyMenuViewBox(pg.ViewBox):
    """A ``pg.ViewBox`` whose context menu is made when it is first shown or asked for,
    not with the view box; otherwise the same (``enableMenu`` included)."""

    def __init__(self, *args, enableMenu: bool = True, **kwargs):  # noqa: N803 - pyqtgraph's
        super().__init__(*args, enableMenu=False, **kwargs)
        self.state["enableMenu"] = enableMenu

    def _applyMenuEnabled(self) -> None:  # noqa: N802 - pyqtgraph override
        # (pyqtgraph's makes the menu here as soon as the menu is enabled)
        if not self.menuEnabled() and self.menu is not None:
            self.menu.setParent(None)
            self.menu = None

    def made_menu(self) -> ViewBoxMenu | None:
        """The context menu, made now if it is enabled and was not yet (None if disabled)."""
        if self.menu is None and self.menuEnabled():
            self.menu = ViewBoxMenu(self)
            self.updateViewLists()
        return self.menu

    def getMenu(self, ev):  # noqa: N802 - pyqtgraph override
        return self.made_menu()

    def getContextMenus(self, event):  # noqa: N802 - pyqtgraph override
        menu = self.made_menu()
        return menu.actions() if menu is not None else []


def new_plot() -> pg.PlotItem:
    """A plain ``PlotItem`` as ``pg.PlotItem()`` makes it, its view box's menu made lazily."""
    return cached_axes(pg.PlotItem(viewBox=LazyMenuViewBox()))


def cached_axes(plot: pg.PlotItem, on: bool = True) -> pg.PlotItem:
    """``plot`` with its axes (ticks, their numbers, the grid) painted from pixmaps that Qt
    keeps until they change (:func:`cache_axis`), or, ``on=False``, replayed at every paint
    as pyqtgraph has them. Returns ``plot``."""
    for axis in plot.axes.values():
        cache_axis(axis["item"], on)
    return plot


def cache_axis(axis: pg.AxisItem, on: bool = True) -> None:
    """Paint ``axis`` from a pixmap kept until it changes (``on=False``: replayed at every
    paint, pyqtgraph's way).

    pyqtgraph replays an axis as a ``QPicture`` of text and lines at every paint of its plot,
    even when only the points changed: 2-3 ms a plot, in turns that repaint several plots.
    Qt's device-coordinate cache draws the same pixels from a pixmap it renders again only
    when the axis calls ``update()`` (a new range, style or size: pyqtgraph does on each).
    (Not the titles of the plot and its axes: at their fractional positions the pixmap's
    text came out a fraction of a pixel off the text drawn in place.)
    """
    axis.setCacheMode(DEVICE_CACHE if on else QGraphicsItem.CacheMode.NoCache)


def _update_label(axis: pg.AxisItem) -> None:
    """pyqtgraph's ``AxisItem._updateLabel``, without setting the title's HTML again when it
    is the same.

    pyqtgraph calls it at every new range of an axis (for its automatic SI prefix), and
    ``QGraphicsTextItem.setHtml`` parses and lays the text out anew each time: a preview
    of new data set 24 axis titles, unchanged, in one turn (2-9 ms). The rest is as
    pyqtgraph does it: the axis is sized and painted again.
    """
    html = axis.labelString()
    if html != getattr(axis, "_label_html", None):
        axis.label.setHtml(html)
        axis._label_html = html
    axis._adjustSize()
    axis.picture = None
    axis.update()


pg.AxisItem._updateLabel = _update_label


def register_kind(view_box: type[pg.ViewBox]) -> type[pg.ViewBox]:
    """Keep a plot with a ``view_box()`` ready too (a ``pg.ViewBox`` subclass made without
    arguments); the module that defines it calls this as it is imported. Returns the class
    (so it may decorate it). Any thread may call it; nothing here waits for a plot."""
    global _registered
    if view_box not in _registered:
        _registered = (*_registered, view_box)  # (the pool finds it: IDLE_CHECK_MS)
    return view_box


def registered_kinds() -> tuple[type[pg.ViewBox], ...]:
    return _registered


def plot_item(view_box: type[pg.ViewBox] | None = None) -> pg.PlotItem:
    """A fresh ``PlotItem`` (with a ``view_box()`` of that class, if given): from the stock
    when it has one (then refilled later)."""
    if view_box is None:
        item = _stock.pop() if _stock else new_plot()
    else:
        kept = _kinds.get(view_box)
        item = kept.pop() if kept else cached_axes(pg.PlotItem(viewBox=view_box()))
    _refill(AFTER_TAKE_MS)
    return item


def keep_filled(on: bool = True) -> None:
    """Start (the window, once it is drawn) or stop (when it closes) filling the stock."""
    global _timer
    if on:
        if _timer is None:
            _timer = QTimer()
            _timer.setSingleShot(True)
            _timer.setInterval(INTERVAL_MS)
            _timer.timeout.connect(_make_one)
        _refill()
    else:
        if _timer is not None:
            _timer.stop()
            _timer.deleteLater()
            _timer = None
        _stock.clear()
        _kinds.clear()


def in_stock() -> int:
    return len(_stock)


def filled() -> bool:
    """The stock is full and holds a plot of every registered kind."""
    return len(_stock) >= STOCK and _missing_kind() is None


def _missing_kind() -> type | None:
    """A registered view box class with no plot ready."""
    for kind in _registered:
        if not _kinds.get(kind):
            return kind
    return None


def _refill(delay_ms: int = INTERVAL_MS) -> None:
    """Make the next plot for the stock in ``delay_ms`` (or later, if already planned so);
    with nothing to make, look again in :data:`IDLE_CHECK_MS`."""
    if _timer is None:
        return
    if len(_stock) < STOCK or _missing_kind() is not None:
        if not _timer.isActive() or _timer.remainingTime() < delay_ms:
            _timer.start(delay_ms)
    elif not _timer.isActive():
        _timer.start(IDLE_CHECK_MS)


def _make_one() -> None:
    if len(_stock) < STOCK:
        _stock.append(new_plot())
    elif (kind := _missing_kind()) is not None:
        _kinds.setdefault(kind, []).append(cached_axes(pg.PlotItem(viewBox=kind())))
    _refill()
