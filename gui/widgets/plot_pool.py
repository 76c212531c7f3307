"""pyqtgraph ``PlotItem``\\ s made ahead of time, one per idle moment of the event loop.

Making a ``PlotItem`` (four axes, a view box, its menus) holds the GUI thread 15-25 ms, and
a page with four plots took over 100 ms to open. The plots of :mod:`gui.widgets.scatter`
take theirs from a small stock instead, which the window keeps filled a plot at a time
while nothing else happens (:func:`keep_filled`). Without it, or once the stock is empty,
a plot is made on the spot as before.
"""

from __future__ import annotations

import importlib

import pyqtgraph as pg
from PySide6.QtCore import QTimer

#: Plots kept ready (a page makes at most about six at once).
STOCK = 6
#: Milliseconds between two plots made for the stock (the event loop runs in between).
INTERVAL_MS = 40
#: Milliseconds from a plot taken to the first one made again: a page that takes plots is
#: opening, and its first turns (its first paint, its first result) are busy enough.
AFTER_TAKE_MS = 1000

#: Plots with a view box of their own (a ``pg.ViewBox`` subclass made without arguments),
#: "module:class": one of each is kept ready too, once the plain ones are.
KINDS = ("gui.widgets.kdistance_plot:EpsViewBox",)

_stock: list[pg.PlotItem] = []
_kinds: dict[type, list[pg.PlotItem]] = {}  # view box class -> plots kept ready with one
_timer: QTimer | None = None


def plot_item(view_box: type[pg.ViewBox] | None = None) -> pg.PlotItem:
    """A fresh ``PlotItem`` (with a ``view_box()`` of that class, if given): from the stock
    when it has one (then refilled later)."""
    if view_box is None:
        item = _stock.pop() if _stock else pg.PlotItem()
    else:
        kept = _kinds.get(view_box)
        item = kept.pop() if kept else pg.PlotItem(viewBox=view_box())
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


def _missing_kind() -> type | None:
    """A view box class of :data:`KINDS` with no plot ready."""
    for path in KINDS:
        module, name = path.split(":")
        kind = getattr(importlib.import_module(module), name)
        if not _kinds.get(kind):
            return kind
    return None


def _refill(delay_ms: int = INTERVAL_MS) -> None:
    """Make the next plot for the stock in ``delay_ms`` (or later, if already planned so)."""
    if _timer is not None and (len(_stock) < STOCK or _missing_kind() is not None) and (
            not _timer.isActive() or _timer.remainingTime() < delay_ms):
        _timer.start(delay_ms)


def _make_one() -> None:
    if len(_stock) < STOCK:
        _stock.append(pg.PlotItem())
    elif (kind := _missing_kind()) is not None:
        _kinds.setdefault(kind, []).append(pg.PlotItem(viewBox=kind()))
    _refill()
