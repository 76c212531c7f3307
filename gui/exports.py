"""Saving what a page shows: a plot (or a whole tab) as PNG at a chosen resolution, SVG or
PDF, written atomically (core.storage): an interrupted export leaves the previous file,
never half of one.

- PNG (JPEG, BMP): 1x is the widget as on screen; 2x, 4x or a DPI value draw it again at
  that resolution (Qt scales fonts, line widths and markers with it), so the picture looks
  like the screen, only sharper. The DPI is written into the PNG.
- SVG: gui/svg_export.py, every item in device coordinates, so librsvg, Chromium and
  Inkscape draw it as Qt does.
- PDF: Qt's PDF writer draws the widget (vectors and text, one page the widget's size).

The file's name gets the format's extension when it lacks it: typing ``plot.csv`` in the
SVG dialog saves ``plot.csv.svg`` (the name is never silently replaced, so no other file
than the one named is overwritten).
"""

from __future__ import annotations

import contextlib
import re
from pathlib import Path

import numpy as np
from PySide6.QtCore import QBuffer, QByteArray, QEvent, QIODevice, QMarginsF, QPoint, QSizeF
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPainter, QPdfWriter, QPixmap
from PySide6.QtWidgets import QApplication, QGraphicsView, QWidget

from core.storage import atomic_write_bytes
from gui.widgets.warm_paint import release_held

#: Image formats by file extension (anything else is saved as PNG).
_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".bmp": "BMP"}
#: The export formats by name, with the extensions that name them.
EXTENSIONS = {"png": (".png",), "jpeg": (".jpg", ".jpeg"), "bmp": (".bmp",), "svg": (".svg",),
              "pdf": (".pdf",)}
#: What the screen's 1x is, in dots per inch (Qt's logical DPI on every desktop).
SCREEN_DPI = 96.0
#: The largest side of an exported PNG, in pixels (a typo in the DPI box stays harmless).
MAX_SIDE = 20_000


def format_of(path: str, default: str = "png") -> str:
    """The export format a file name asks for (by extension), or ``default``."""
    suffix = Path(str(path)).suffix.lower()
    return next((fmt for fmt, exts in EXTENSIONS.items() if suffix in exts), default)


def ensure_suffix(path: str, *suffixes: str) -> str:
    """``path`` with ``suffixes[0]`` appended unless it ends with one of ``suffixes``
    (case-insensitive): ``plot.csv`` as SVG is ``plot.csv.svg``, ``plot.SVG`` stays."""
    return str(path) if Path(str(path)).suffix.lower() in suffixes else f"{path}{suffixes[0]}"


def with_extension(path: str, fmt: str) -> str:
    """``path`` with the extension of export format ``fmt`` (see :func:`ensure_suffix`)."""
    return ensure_suffix(path, *EXTENSIONS[fmt])


def path_for_filter(path: str, selected_filter: str, default: str) -> str:
    """A save dialog's answer with the extension of the filter the person chose
    (``"CSV table (*.csv)"``), or ``default``, appended when the name has none of them."""
    suffixes = [s.lower() for s in re.findall(r"\*(\.\w+)", selected_filter or "")]
    return ensure_suffix(path, *(suffixes or [default]))


def scale_for(scale: float | None = None, dpi: float | None = None) -> float:
    """The resolution factor of ``scale`` (1, 2, 4…) or of a DPI value (96 DPI is 1x)."""
    if dpi is not None:
        if dpi <= 0:
            raise ValueError("the DPI must be positive")
        return float(dpi) / SCREEN_DPI
    if scale is None:
        return 1.0
    if scale <= 0:
        raise ValueError("the scale must be positive")
    return float(scale)


def _encode(image: QImage | QPixmap, fmt: str) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, fmt):
        raise OSError("the image could not be encoded")
    buffer.close()
    return bytes(data.data())


def save_pixmap(pixmap: QPixmap | QImage, path: str) -> None:
    """Encode ``pixmap`` in memory (the format follows the extension) and write it atomically."""
    atomic_write_bytes(path, _encode(pixmap, _FORMATS.get(Path(path).suffix.lower(), "PNG")))


@contextlib.contextmanager
def export_mode(widget: QWidget):
    """pyqtgraph items draw their points from a pixmap atlas made at screen resolution
    unless told they are being exported; told, they draw each symbol as a path (sharp at
    any resolution, and vectors in a PDF)."""
    views = [widget] if isinstance(widget, QGraphicsView) else []
    views += widget.findChildren(QGraphicsView)
    items = [item for view in views if view.scene() is not None
             for item in view.scene().items() if hasattr(item, "setExportMode")]
    for item in items:
        item.setExportMode(True, {"antialias": True})
    try:
        yield
    finally:
        for item in items:
            item.setExportMode(False)


def settle(widget: QWidget) -> None:
    """Bring the widget's layouts up to date (pending layout requests and pyqtgraph's
    graphics layouts), as they are when the screen is painted; views held back from
    painting for a turn or two (:class:`gui.widgets.warm_paint.HeldPaint`) let through, so
    they are drawn and not left black."""
    release_held()
    QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
    for layout in [widget.layout()] + [w.layout() for w in widget.findChildren(QWidget)]:
        if layout is not None:
            layout.activate()
    QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)


def render_image(widget: QWidget, scale: float = 1.0) -> QImage:
    """The widget drawn at ``scale`` times the screen's resolution. At 1x it is exactly
    what the screen shows; above, Qt draws it again with every length (fonts, pens,
    markers, images) scaled, so it looks the same, only sharper."""
    settle(widget)
    if abs(scale - 1.0) < 1e-9:
        return widget.grab().toImage()
    width, height = round(widget.width() * scale), round(widget.height() * scale)
    if max(width, height) > MAX_SIDE:
        raise ValueError(f"{width} x {height} pixels is too large (at most {MAX_SIDE:,} a side)")
    image = QImage(max(1, width), max(1, height), QImage.Format.Format_ARGB32_Premultiplied)
    image.setDevicePixelRatio(scale)
    image.fill(QWidget.palette(widget).color(widget.backgroundRole()))
    painter = QPainter(image)
    try:
        with export_mode(widget):
            QWidget.render(widget, painter, QPoint())
    finally:
        painter.end()
    return image


def to_rgb(image: QImage) -> np.ndarray:
    """A QImage as an (h, w, 3) uint8 array (a copy)."""
    img = image.convertToFormat(QImage.Format.Format_RGB888)
    h, w, stride = img.height(), img.width(), img.bytesPerLine()
    arr = np.frombuffer(img.constBits(), np.uint8, img.sizeInBytes()).reshape(h, stride)
    return arr[:, :w * 3].reshape(h, w, 3).copy()


def png_bytes(widget: QWidget, scale: float = 1.0, fmt: str = "PNG") -> bytes:
    image = render_image(widget, scale)
    dots_per_metre = round(SCREEN_DPI * scale / 0.0254)
    image.setDotsPerMeterX(dots_per_metre)
    image.setDotsPerMeterY(dots_per_metre)
    if fmt == "JPEG":
        image = image.convertToFormat(QImage.Format.Format_RGB32)
    return _encode(image, fmt)


def svg_bytes(widget: QWidget, title: str = "ClusterLab plot") -> bytes:
    from gui.svg_export import widget_svg

    return widget_svg(widget, title)


def pdf_bytes(widget: QWidget, title: str = "ClusterLab plot") -> bytes:
    """One page the size of the widget (1 px = 1/96 in), drawn by Qt's PDF writer."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setTitle(title)
    writer.setCreator("ClusterLab")
    writer.setResolution(int(SCREEN_DPI))
    points = QSizeF(widget.width() * 72.0 / SCREEN_DPI, widget.height() * 72.0 / SCREEN_DPI)
    writer.setPageLayout(QPageLayout(QPageSize(points, QPageSize.Unit.Point, "plot",
                                               QPageSize.SizeMatchPolicy.ExactMatch),
                                     QPageLayout.Orientation.Portrait, QMarginsF(0, 0, 0, 0)))
    painter = QPainter(writer)
    if not painter.isActive():
        buffer.close()
        raise OSError("the PDF could not be started")
    try:
        painter.fillRect(widget.rect(), QWidget.palette(widget).color(widget.backgroundRole()))
        with export_mode(widget):
            QWidget.render(widget, painter, QPoint())
    finally:
        painter.end()
    buffer.close()
    if data.isEmpty():
        raise OSError("the PDF could not be drawn")
    return bytes(data.data())


def save_widget(widget: QWidget, path: str, fmt: str | None = None,
                scale: float = 1.0) -> str:
    """Save a widget as PNG/JPEG/BMP (at ``scale``), SVG or PDF; the format is ``fmt`` or
    the file's extension (PNG when it names none). Returns the path written."""
    path = str(path)
    if fmt is None:
        fmt = format_of(path)
    else:
        path = with_extension(path, fmt)
    if fmt == "svg":
        data = svg_bytes(widget)
    elif fmt == "pdf":
        data = pdf_bytes(widget)
    else:
        data = png_bytes(widget, scale, {"jpeg": "JPEG", "bmp": "BMP"}.get(fmt, "PNG"))
    atomic_write_bytes(path, data)
    return path
