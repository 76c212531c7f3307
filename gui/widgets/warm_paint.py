"""pyqtgraph views painted once into a throwaway image before their first paint on screen.

The first paint of a plot is its dearest: its axes lay out their ticks and texts, its view
box settles its range (``prepareForPaint``), which asks for another paint straight after,
and its items make their caches. A page that opens (:meth:`gui.pages.base.Page.open_in_turns`)
paints its views this way, one per turn of the event loop, before it is painted for the first
time: the paint on screen then replays what was laid out (about a third of the cost, and once
instead of two or three times), and the page's first paint, which paints every view of the
page in one turn, stays short. Nothing is shown meanwhile: the page is not painted yet.

:class:`HeldPaint` lets views paint a turn each: those of a page that has just opened, and
those of a page drawing a result from a worker (:meth:`gui.pages.base.Page.run_task`).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable

import pyqtgraph as pg
import shiboken6
from PySide6.QtCore import QRectF
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QWidget

from gui.tasks import next_turn


def views_to_warm(widget: QWidget) -> list[pg.GraphicsView]:
    """The pyqtgraph views of ``widget`` that its next paint paints (those shown)."""
    return [view for view in widget.findChildren(pg.GraphicsView)
            if view.isVisible() and not view.viewport().size().isEmpty()]


def warm(view: pg.GraphicsView) -> bool:
    """Paint ``view``'s scene as its next paint would, into an image that is thrown away;
    False if there was nothing to paint (the view is gone, hidden or empty)."""
    if not shiboken6.isValid(view) or not view.isVisible():
        return False
    size = view.viewport().size()
    if size.isEmpty():
        return False
    ratio = view.devicePixelRatioF()
    image = QImage(size * ratio, QImage.Format.Format_ARGB32_Premultiplied)
    image.setDevicePixelRatio(ratio)
    painter = QPainter(image)
    try:
        scene = view.scene()
        prepare = getattr(scene, "prepareForPaint", None)  # (pyqtgraph's scenes have it)
        if prepare is not None:
            prepare()  # (what GraphicsView.paintEvent does first)
        source = view.mapToScene(view.viewport().rect()).boundingRect()
        scene.render(painter, QRectF(0, 0, size.width(), size.height()), source)
    finally:
        painter.end()
    return True


class HeldPaint:
    """Views held back from painting, then let through one a turn of the event loop.

    A plot's paint takes 5-30 ms (its axes for a new range, a raster of a million points).
    A result drawn on two or three views was painted with them in the pass of the event loop
    that drew it: 40-60 ms of one turn (DBSCAN's clustering: its drawing, 12-23 ms, then the
    scatter and the k-distance plot). Held while it is drawn, each view paints on a turn of
    its own after it. A held view shows what it showed before, and paints all of itself when
    it is let through. A grab (``QWidget.grab``) draws a held view black: pictures of the
    window (exports, ``--screenshot``) let every held view through first
    (:func:`release_held`)."""

    def __init__(self, owner: QWidget):
        self.owner = owner
        self.views: list[pg.GraphicsView] = []
        self._then: list[Callable[[], None]] = []

    def __bool__(self) -> bool:
        return bool(self.views)

    def hold(self, views: list[pg.GraphicsView]) -> None:
        """Hold ``views`` (those not held yet) until their turn comes."""
        idle = not self.views
        for view in views:
            if view not in self.views:
                view.setUpdatesEnabled(False)  # (stays off while its parent's goes on)
                self.views.append(view)
        if self.views:
            _HOLDING.add(self)
            if idle:
                next_turn(self.owner, self._next)

    def around(self, draw: Callable, views_of: Callable[[], list]) -> Callable:
        """``draw(value)`` (a result's callback), run with the views of ``views_of()`` that
        are shown held (called when the result comes)."""
        def run(value) -> None:
            self.hold([view for view in views_of() if view.isVisible()])
            draw(value)
        return run

    def then(self, fn: Callable[[], None]) -> None:
        """Call ``fn`` once every held view has been let through (now if none is held)."""
        if not self.views:
            fn()
        elif fn not in self._then:
            self._then.append(fn)

    def _next(self) -> None:
        while self.views:
            view = self.views.pop(0)
            if shiboken6.isValid(view):
                view.setUpdatesEnabled(True)
                if view.isVisible():
                    break  # (a hidden one paints when shown)
        if self.views:
            next_turn(self.owner, self._next)
        else:
            self._done()

    def release(self) -> None:
        """Let every held view paint now (e.g. for an export, which paints them at once)."""
        held, self.views = self.views, []
        for view in held:
            if shiboken6.isValid(view):
                view.setUpdatesEnabled(True)
        self._done()

    def _done(self) -> None:
        _HOLDING.discard(self)
        then, self._then = self._then, []
        for fn in then:
            fn()


#: every :class:`HeldPaint` holding views now
_HOLDING: weakref.WeakSet[HeldPaint] = weakref.WeakSet()


def release_held() -> None:
    """Let every view held anywhere paint now: before a picture of a widget is taken, which
    would show a held view black (e.g. a scatter view held for a turn as its raster came)."""
    for held in list(_HOLDING):
        held.release()
