"""The SVG being written (gui/svg_export.py walks the widgets and items): every element in
device pixels, Qt pens and brushes as plain SVG attributes (a cosmetic pen's width is pixels;
no ``vector-effect``), Qt paths as ``d`` strings, images as embedded PNGs, clip rectangles
and pyqtgraph symbols in ``<defs>``, text with pixel font sizes."""

from __future__ import annotations

import base64
import math
from xml.sax.saxutils import escape

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontInfo, QImage, QPainterPath, QPen, QTransform

_CAPS = {Qt.PenCapStyle.FlatCap: "butt", Qt.PenCapStyle.SquareCap: "square",
         Qt.PenCapStyle.RoundCap: "round"}
_JOINS = {Qt.PenJoinStyle.MiterJoin: "miter", Qt.PenJoinStyle.BevelJoin: "bevel",
          Qt.PenJoinStyle.RoundJoin: "round", Qt.PenJoinStyle.SvgMiterJoin: "miter"}


def _num(v: float) -> str:
    """A coordinate, short: two decimals are a hundredth of a pixel."""
    text = f"{v:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _colour(c: QColor, what: str) -> str:
    out = f'{what}="#{c.red():02x}{c.green():02x}{c.blue():02x}"'
    if c.alpha() < 255:
        out += f' {what}-opacity="{c.alphaF():.3f}"'
    return out


def pen_attrs(pen: QPen | None, scale: float = 1.0) -> str:
    """SVG stroke attributes of a Qt pen, its width in pixels (a cosmetic pen's width is
    pixels already; another is scaled by the transform's ``scale``; 0 is Qt's one pixel)."""
    if pen is None or pen.style() == Qt.PenStyle.NoPen or pen.color().alpha() == 0:
        return 'stroke="none"'
    width = pen.widthF()
    if width <= 0:
        width = 1.0
    elif not pen.isCosmetic():
        width *= scale
    out = (f'{_colour(pen.color(), "stroke")} stroke-width="{_num(width)}" '
           f'stroke-linecap="{_CAPS.get(pen.capStyle(), "square")}" '
           f'stroke-linejoin="{_JOINS.get(pen.joinStyle(), "bevel")}"')
    if pen.style() != Qt.PenStyle.SolidLine:
        dashes = [d * width for d in pen.dashPattern()]
        if dashes:
            out += f' stroke-dasharray="{" ".join(_num(d) for d in dashes)}"'
    return out


def brush_attrs(brush: QBrush | None) -> str:
    if brush is None or brush.style() == Qt.BrushStyle.NoBrush or brush.color().alpha() == 0:
        return 'fill="none"'
    return _colour(brush.color(), "fill")


def path_data(path: QPainterPath, transform: QTransform | None = None) -> str:
    """The ``d`` of a Qt path, mapped through ``transform`` (to device pixels)."""
    if transform is not None and not transform.isIdentity():
        path = transform.map(path)
    out: list[str] = []
    i, n = 0, path.elementCount()
    while i < n:
        e = path.elementAt(i)
        if e.type == QPainterPath.ElementType.MoveToElement:
            out.append(f"M{_num(e.x)} {_num(e.y)}")
        elif e.type == QPainterPath.ElementType.LineToElement:
            out.append(f"L{_num(e.x)} {_num(e.y)}")
        elif e.type == QPainterPath.ElementType.CurveToElement and i + 2 < n:
            c2, end = path.elementAt(i + 1), path.elementAt(i + 2)
            out.append(f"C{_num(e.x)} {_num(e.y)} {_num(c2.x)} {_num(c2.y)} "
                       f"{_num(end.x)} {_num(end.y)}")
            i += 2
        i += 1
    return "".join(out)


def png_data_uri(image: QImage) -> str:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    buffer.close()
    return "data:image/png;base64," + base64.b64encode(bytes(data.data())).decode("ascii")


def scale_of(t: QTransform) -> float:
    return math.sqrt(abs(t.m11() * t.m22() - t.m12() * t.m21())) or 1.0


class SvgCanvas:
    """The SVG being written: elements in device pixels, clip rectangles in ``<defs>``."""

    def __init__(self, width: int, height: int):
        self.width, self.height = width, height
        self.defs: list[str] = []
        self.body: list[str] = []
        self._clips: dict[tuple, str] = {}
        self._symbols: dict[tuple, str] = {}

    def _clip_attr(self, clip: QRectF | None) -> str:
        if clip is None:
            return ""
        key = tuple(round(v, 2) for v in clip.getRect())
        if key not in self._clips:
            cid = f"c{len(self._clips)}"
            self._clips[key] = cid
            x, y, w, h = key
            self.defs.append(f'<clipPath id="{cid}"><rect x="{_num(x)}" y="{_num(y)}" '
                             f'width="{_num(w)}" height="{_num(h)}"/></clipPath>')
        return f' clip-path="url(#{self._clips[key]})"'

    def open_group(self, clip: QRectF | None = None, opacity: float = 1.0) -> None:
        """A group (clipped, translucent); :meth:`close_group` ends it."""
        extra = f' opacity="{opacity:.3f}"' if opacity < 0.999 else ""
        self.body.append(f"<g{self._clip_attr(clip)}{extra}>")

    def open_style(self, pen: QPen | None, brush: QBrush | None, scale: float = 1.0) -> None:
        """A group whose children (``use`` of a symbol) take this fill and stroke."""
        self.body.append(f"<g {brush_attrs(brush)} {pen_attrs(pen, scale)}>")

    def use(self, symbol_id: str, x: float, y: float) -> None:
        self.body.append(f'<use xlink:href="#{symbol_id}" x="{_num(x)}" y="{_num(y)}"/>')

    def close_group(self) -> None:
        if self.body and self.body[-1].startswith("<g"):
            self.body.pop()  # an empty group: left out
        else:
            self.body.append("</g>")

    def path(self, d: str, pen: QPen | None, brush: QBrush | None, scale: float = 1.0,
             fill_rule: str = "nonzero", crisp: bool = False) -> None:
        """A path; ``crisp``: drawn on whole pixels without smoothing, as Qt draws axes and
        grid lines (a one-pixel line half on two pixels would come out as a grey blur)."""
        if d:
            extra = ' shape-rendering="crispEdges"' if crisp else ""
            self.body.append(f'<path d="{d}" {brush_attrs(brush)} fill-rule="{fill_rule}" '
                             f'{pen_attrs(pen, scale)}{extra}/>')

    def rect(self, r: QRectF, brush: QBrush | QColor) -> None:
        brush = QBrush(brush) if isinstance(brush, QColor) else brush
        self.body.append(f'<rect x="{_num(r.x())}" y="{_num(r.y())}" width="{_num(r.width())}" '
                         f'height="{_num(r.height())}" {brush_attrs(brush)} stroke="none"/>')

    def image(self, image: QImage, r: QRectF, pixelated: bool = False) -> None:
        if image.isNull() or r.width() <= 0 or r.height() <= 0:
            return
        style = ' image-rendering="optimizeSpeed" style="image-rendering:pixelated"' \
            if pixelated else ""
        self.body.append(f'<image x="{_num(r.x())}" y="{_num(r.y())}" width="{_num(r.width())}" '
                         f'height="{_num(r.height())}" preserveAspectRatio="none"{style} '
                         f'xlink:href="{png_data_uri(image)}"/>')

    def symbol(self, path: QPainterPath, size: float) -> str:
        """The id of a ``<path>`` in ``<defs>``: a pyqtgraph symbol at ``size`` pixels."""
        key = (id(path), round(size, 2))
        if key not in self._symbols:
            sid = f"s{len(self._symbols)}"
            self._symbols[key] = sid
            self.defs.append(f'<path id="{sid}" d="{path_data(path, QTransform.fromScale(size, size))}"/>')
        return self._symbols[key]

    def text(self, text: str, x: float, y: float, font: QFont, colour: QColor,
             anchor: str = "start", transform: QTransform | None = None) -> None:
        """``text`` with its baseline starting at (x, y) (device pixels, or in the frame of
        ``transform``, a rotation without scale)."""
        if not text.strip():
            return
        info = QFontInfo(font)
        px = info.pixelSize() or 12
        family = escape(info.family(), {'"': "&quot;"})
        weight = ' font-weight="bold"' if font.bold() else ""
        style = ' font-style="italic"' if font.italic() else ""
        where = f'x="{_num(x)}" y="{_num(y)}"'
        if transform is not None and not transform.isIdentity():
            t = transform
            where += (f' transform="matrix({t.m11():.4f} {t.m12():.4f} {t.m21():.4f} '
                      f'{t.m22():.4f} {_num(t.dx())} {_num(t.dy())})"')
        self.body.append(
            f'<text {where} font-family="{family}, sans-serif" font-size="{px}px"{weight}'
            f'{style} text-anchor="{anchor}" {_colour(colour, "fill")} '
            f'xml:space="preserve">{escape(text)}</text>')

    def to_bytes(self, title: str = "ClusterLab plot") -> bytes:
        head = (f'<?xml version="1.0" encoding="UTF-8"?>\n'
                f'<svg xmlns="http://www.w3.org/2000/svg" '
                f'xmlns:xlink="http://www.w3.org/1999/xlink" version="1.1" '
                f'width="{self.width}px" height="{self.height}px" '
                f'viewBox="0 0 {self.width} {self.height}">\n<title>{escape(title)}</title>\n')
        defs = "<defs>\n" + "\n".join(self.defs) + "\n</defs>\n" if self.defs else ""
        return (head + defs + "\n".join(self.body) + "\n</svg>\n").encode("utf-8")
