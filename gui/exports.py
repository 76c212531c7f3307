"""Saving what a page shows: a widget as PNG or SVG, written atomically (core.storage):
an interrupted export leaves the previous file, never half of one."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPoint
from PySide6.QtGui import QPainter, QPixmap
from PySide6.QtWidgets import QGraphicsView, QWidget

from core.storage import atomic_write_bytes

#: Image formats by file extension (anything else is saved as PNG).
_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".bmp": "BMP"}


def save_pixmap(pixmap: QPixmap, path: str) -> None:
    """Encode ``pixmap`` in memory (the format follows the extension) and write it atomically."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    fmt = _FORMATS.get(Path(path).suffix.lower(), "PNG")
    if not pixmap.save(buffer, fmt):
        raise OSError("the image could not be encoded")
    buffer.close()
    atomic_write_bytes(path, bytes(data.data()))


def save_widget(widget: QWidget, path: str) -> None:
    """Save a widget as PNG (pixels) or SVG (vector), by the file extension."""
    if str(path).lower().endswith(".svg"):
        from PySide6.QtSvg import QSvgGenerator

        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        generator = QSvgGenerator()
        generator.setOutputDevice(buffer)
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
        buffer.close()
        if data.isEmpty():
            raise OSError("the SVG could not be drawn")
        atomic_write_bytes(path, bytes(data.data()))
    else:
        save_pixmap(widget.grab(), path)
