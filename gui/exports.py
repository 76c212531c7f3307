"""Saving what a page shows: a widget as PNG or SVG."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QGraphicsView, QWidget


def save_widget(widget: QWidget, path: str) -> None:
    """Save a widget as PNG (pixels) or SVG (vector), by the file extension."""
    if str(path).lower().endswith(".svg"):
        from PySide6.QtSvg import QSvgGenerator

        generator = QSvgGenerator()
        generator.setFileName(str(path))
        generator.setSize(widget.size())
        generator.setViewBox(widget.rect())
        generator.setTitle("ClusterLab plot")
        # pyqtgraph items draw their points from a pixmap atlas unless told they are being
        # exported; in an SVG that atlas comes out with the wrong colours.
        views = [widget] if isinstance(widget, QGraphicsView) else []
        views += widget.findChildren(QGraphicsView)
        items = [item for view in views if view.scene() is not None
                 for item in view.scene().items() if hasattr(item, "setExportMode")]
        for item in items:
            item.setExportMode(True, {"antialias": True})
        painter = QPainter(generator)
        try:
            # The widget as on screen (QGraphicsView.render would rescale the scene and
            # misplace pyqtgraph's pixel-sized items); PySide needs the target offset.
            QWidget.render(widget, painter, QPoint())
        finally:
            painter.end()
            for item in items:
                item.setExportMode(False)
        if not Path(path).exists():
            raise OSError("the SVG file could not be written")
    else:
        if not widget.grab().save(str(path)):
            raise OSError("the image could not be written")
