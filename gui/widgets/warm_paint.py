"""pyqtgraph views painted once into a throwaway image before their first paint on screen.

The first paint of a plot is its dearest: its axes lay out their ticks and texts, its view
box settles its range (``prepareForPaint``), which asks for another paint straight after,
and its items make their caches. A page that opens (:meth:`gui.pages.base.Page.open_in_turns`)
paints its views this way, one per turn of the event loop, before it is painted for the first
time: the paint on screen then replays what was laid out (about a third of the cost, and once
instead of two or three times), and the page's first paint, which paints every view of the
page in one turn, stays short. Nothing is shown meanwhile: the page is not painted yet.
"""

from __future__ import annotations

import pyqtgraph as pg
import shiboken6
from PySide6.QtCore import QRectF
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QWidget


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
