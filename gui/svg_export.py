"""A widget as plain SVG that every renderer draws the way Qt does.

Qt's ``QSvgGenerator`` writes what the painter did: paths in data coordinates inside scaled
groups, cosmetic pens as ``vector-effect="non-scaling-stroke"``, fonts in points. librsvg
(GNOME, ImageMagick, Inkscape's import) ignores the vector effect, so a one-pixel line in a
group scaled by 300 became a black slab, and pyqtgraph's symbol atlas came out as blobs.

This writer walks the pyqtgraph items of each plot itself and draws every one in device
coordinates (the pixels of the widget), with no scaled group anywhere: paths are mapped
through the item's transform, strokes have plain pixel widths, text has pixel font sizes,
images are embedded PNGs placed on their pixel rectangle, and a view box clips its items
with a ``clipPath`` rectangle. What it does not know (a custom item, a widget that is no
plot: a gallery, a label) is drawn by Qt into a PNG at twice the resolution and placed
where it is, so the file always shows everything the screen shows.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPoint, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontInfo,
    QFontMetricsF,
    QImage,
    QPainter,
    QPainterPath,
    QPen,
    QRegion,
    QTransform,
)
from PySide6.QtWidgets import (
    QAbstractGraphicsShapeItem,
    QGraphicsEllipseItem,
    QGraphicsItem,
    QGraphicsItemGroup,
    QGraphicsLineItem,
    QGraphicsPathItem,
    QGraphicsPolygonItem,
    QGraphicsRectItem,
    QGraphicsTextItem,
    QGraphicsView,
    QGraphicsWidget,
    QStyleOptionGraphicsItem,
    QWidget,
)

from gui.exports import settle
from gui.svg_canvas import SvgCanvas, path_data, scale_of

#: Resolution of what is embedded as pixels (widgets that are not plots, unknown items).
RASTER_SCALE = 2
#: A scatter item with more points than this is embedded as pixels (the file stays small).
MAX_VECTOR_POINTS = 50_000

# -- widgets ---------------------------------------------------------------------------------------
def widget_svg(widget: QWidget, title: str = "ClusterLab plot") -> bytes:
    """``widget`` (a plot, or a tab holding plots and other widgets) as SVG bytes."""
    # What a grab would show: pending layouts done, and pyqtgraph's views brought up to
    # date (they update their transforms when about to paint).
    settle(widget)
    widget.grab()
    canvas = SvgCanvas(max(1, widget.width()), max(1, widget.height()))
    canvas.rect(QRectF(0, 0, widget.width(), widget.height()),
                QWidget.palette(widget).color(widget.backgroundRole()))
    _draw_widget(canvas, widget, QPoint(0, 0), top=True)
    return canvas.to_bytes(title)


def _shown(w: QWidget, top: bool) -> bool:
    return w.isVisible() or (top and not w.isHidden())


def _holds_view(w: QWidget) -> bool:
    return any(v.isVisibleTo(w) for v in w.findChildren(QGraphicsView))


def _draw_widget(canvas: SvgCanvas, w: QWidget, origin: QPoint, top: bool = False) -> None:
    if not _shown(w, top):
        return
    if isinstance(w, QGraphicsView):
        _draw_view(canvas, w, origin)
        return
    if not _holds_view(w):
        _raster_widget(canvas, w, origin, children=True)
        return
    _raster_widget(canvas, w, origin, children=False)  # a frame, a title: its own paint
    for child in w.children():
        if isinstance(child, QWidget) and not child.isWindow() and child.isVisibleTo(w):
            _draw_widget(canvas, child, origin + child.pos())


def _raster_widget(canvas: SvgCanvas, w: QWidget, origin: QPoint, children: bool) -> None:
    if w.width() <= 0 or w.height() <= 0:
        return
    image = QImage(w.width() * RASTER_SCALE, w.height() * RASTER_SCALE,
                   QImage.Format.Format_ARGB32_Premultiplied)
    image.setDevicePixelRatio(RASTER_SCALE)
    image.fill(Qt.GlobalColor.transparent)
    flags = QWidget.RenderFlag.DrawChildren if children else QWidget.RenderFlag(0)
    if w.autoFillBackground() or w.testAttribute(Qt.WidgetAttribute.WA_StyledBackground):
        flags |= QWidget.RenderFlag.DrawWindowBackground
    QWidget.render(w, image, QPoint(), QRegion(w.rect()), flags)
    if not children and _blank(image):
        return
    canvas.image(image, QRectF(origin.x(), origin.y(), w.width(), w.height()))


def _blank(image: QImage) -> bool:
    ptr = image.constBits()
    arr = np.frombuffer(ptr, np.uint8, image.sizeInBytes())
    return not arr[3::4].any()


# -- a graphics view: its items in device coordinates ------------------------------------------------
def _draw_view(canvas: SvgCanvas, view: QGraphicsView, origin: QPoint) -> None:
    port = view.viewport()
    offset = origin + port.pos()
    frame = QRectF(offset.x(), offset.y(), port.width(), port.height())
    brush = view.backgroundBrush()
    if brush.style() != Qt.BrushStyle.NoBrush:
        canvas.rect(frame, brush)
    scene = view.scene()
    if scene is None:
        return
    to_device = view.viewportTransform() * QTransform.fromTranslate(offset.x(), offset.y())
    canvas.open_group(clip=frame)
    for item in scene.items(Qt.SortOrder.AscendingOrder):
        if not item.isVisible() or item.effectiveOpacity() <= 0.001:
            continue
        if item.flags() & QGraphicsItem.GraphicsItemFlag.ItemHasNoContents:
            continue
        t = item.deviceTransform(to_device)
        clip = _clip_rect(item, to_device)
        if clip is not None and (clip.width() <= 0 or clip.height() <= 0):
            continue
        canvas.open_group(clip=clip, opacity=item.effectiveOpacity())
        try:
            _draw_item(canvas, item, t, clip)
        finally:
            canvas.close_group()
    canvas.close_group()


def _clip_rect(item: QGraphicsItem, to_device: QTransform) -> QRectF | None:
    """The device rectangle the item's clipping ancestors (a view box) leave it, or None."""
    clip: QRectF | None = None
    node = item if item.flags() & QGraphicsItem.GraphicsItemFlag.ItemClipsToShape \
        else item.parentItem()
    while node is not None:
        flags = node.flags()
        if node is item or flags & QGraphicsItem.GraphicsItemFlag.ItemClipsChildrenToShape:
            r = node.deviceTransform(to_device).mapRect(node.shape().boundingRect())
            clip = r if clip is None else clip.intersected(r)
        node = node.parentItem()
    return clip


#: Items that draw nothing themselves (their children do).
_CONTAINERS = (pg.PlotItem, pg.PlotDataItem, pg.GraphicsLayout, pg.LabelItem,
               QGraphicsItemGroup, pg.ItemGroup)


def _draw_item(canvas: SvgCanvas, item, t: QTransform, clip: QRectF | None) -> None:
    if isinstance(item, pg.ScatterPlotItem):
        _scatter(canvas, item, t, clip)
    elif isinstance(item, pg.PlotCurveItem):
        _curve(canvas, item, t)
    elif isinstance(item, pg.ImageItem):
        _image(canvas, item, t, clip)
    elif isinstance(item, pg.AxisItem):
        _axis(canvas, item, t)
    elif isinstance(item, pg.InfiniteLine):
        item.boundingRect()  # brings its end points up to date with the view
        left, right = getattr(item, "_endPoints", (None, None))
        if left is None:
            r = item.boundingRect()
            left, right = r.left(), r.right()
        path = QPainterPath(QPointF(left, 0))
        path.lineTo(QPointF(right, 0))
        canvas.path(path_data(path, t), item.currentPen, None, scale_of(t),
                    crisp=item.angle % 90 == 0)
    elif isinstance(item, QGraphicsTextItem):
        _text_item(canvas, item, t)
    elif isinstance(item, pg.TextItem):
        if item.border.style() != Qt.PenStyle.NoPen or item.fill.style() != Qt.BrushStyle.NoBrush:
            poly = item.textItem.mapToParent(item.textItem.boundingRect())
            path = QPainterPath()
            path.addPolygon(poly)
            path.closeSubpath()
            canvas.path(path_data(path, t), item.border, item.fill, scale_of(t))
    elif isinstance(item, pg.LegendItem):
        if getattr(item, "frame", True):
            path = QPainterPath()
            path.addRect(item.boundingRect())
            canvas.path(path_data(path, t), pg.mkPen(item.opts["pen"]),
                        pg.mkBrush(item.opts["brush"]), scale_of(t))
    elif isinstance(item, pg.ViewBox):
        if item.border is not None:
            canvas.path(path_data(item.shape(), t), item.border, None, scale_of(t))
    elif isinstance(item, QAbstractGraphicsShapeItem | QGraphicsLineItem) \
            and type(item).paint in _PLAIN_SHAPE_PAINTS:
        _shape(canvas, item, t)
    elif isinstance(item, _CONTAINERS) or _paints_nothing(item):
        return
    else:
        _raster_item(canvas, item, t, clip)


def _paints_nothing(item) -> bool:
    owner = next((k for k in type(item).__mro__ if "paint" in k.__dict__), None)
    return owner in (QGraphicsWidget, QGraphicsItemGroup)


def _shape(canvas: SvgCanvas, item, t: QTransform) -> None:
    path = QPainterPath()
    if isinstance(item, QGraphicsLineItem):
        line = item.line()
        path.moveTo(line.p1())
        path.lineTo(line.p2())
        canvas.path(path_data(path, t), item.pen(), None, scale_of(t))
        return
    if isinstance(item, QGraphicsPathItem):
        path = QGraphicsPathItem.path(item)
    elif isinstance(item, QGraphicsRectItem):
        path.addRect(item.rect())
    elif isinstance(item, QGraphicsEllipseItem):
        path.addEllipse(item.rect())
    elif isinstance(item, QGraphicsPolygonItem):
        path.addPolygon(item.polygon())
        path.closeSubpath()
    rule = "evenodd" if path.fillRule() == Qt.FillRule.OddEvenFill else "nonzero"
    canvas.path(path_data(path, t), item.pen(), item.brush(), scale_of(t), rule)


_PLAIN_SHAPE_PAINTS = {QGraphicsPathItem.paint, QGraphicsRectItem.paint,
                       QGraphicsEllipseItem.paint, QGraphicsPolygonItem.paint,
                       QGraphicsLineItem.paint, pg.ArrowItem.paint}


def _curve(canvas: SvgCanvas, item: pg.PlotCurveItem, t: QTransform) -> None:
    if item.xData is None or len(item.xData) == 0:
        return
    scale = scale_of(t)
    brush = item.opts.get("brush")
    if item.opts.get("fillLevel") is not None and brush is not None \
            and hasattr(item, "_getFillPath"):
        canvas.path(path_data(item._getFillPath(), t), None, pg.mkBrush(brush), scale)
    d = path_data(item.getPath(), t)
    for kind in ("shadowPen", "pen"):
        pen = item.opts.get(kind)
        if pen is not None:
            canvas.path(d, pg.mkPen(pen), None, scale)


def _pen_key(pen: QPen | None) -> tuple:
    if pen is None:
        return (None,)
    return (pen.style(), pen.color().rgba(), round(pen.widthF(), 3), pen.isCosmetic())


def _brush_key(brush: QBrush | None) -> tuple:
    if brush is None:
        return (None,)
    return (brush.style(), brush.color().rgba())


def _scatter(canvas: SvgCanvas, item: pg.ScatterPlotItem, t: QTransform,
             clip: QRectF | None) -> None:
    data = item.data
    if len(data) == 0:
        return
    keep = np.asarray(data["visible"], bool)
    if keep.sum() > MAX_VECTOR_POINTS:
        _raster_item(canvas, item, t, clip, exporting=False)  # its fast pixmap atlas
        return
    symbols, sizes, pens, brushes = item._style(["symbol", "size", "pen", "brush"])
    xy = np.column_stack([data["x"], data["y"]]).astype(float)
    px_mode = item.opts["pxMode"]
    dev = np.column_stack([t.m11() * xy[:, 0] + t.m21() * xy[:, 1] + t.dx(),
                           t.m12() * xy[:, 0] + t.m22() * xy[:, 1] + t.dy()])
    scale = 1.0 if px_mode else scale_of(t)
    keep &= np.isfinite(dev).all(axis=1)
    if clip is not None:
        margin = float(np.max(sizes)) * scale if len(sizes) else 0.0
        keep &= ((dev[:, 0] >= clip.left() - margin) & (dev[:, 0] <= clip.right() + margin)
                 & (dev[:, 1] >= clip.top() - margin) & (dev[:, 1] <= clip.bottom() + margin))
    current = None
    for i in np.flatnonzero(keep):
        symbol = symbols[i]
        if symbol is None:
            continue
        if isinstance(symbol, str):
            symbol = pg.graphicsItems.ScatterPlotItem.Symbols[symbol]
        elif np.isscalar(symbol):
            table = list(pg.graphicsItems.ScatterPlotItem.Symbols.values())
            symbol = table[int(symbol) % len(table)]
        pen, brush = pg.mkPen(pens[i]), pg.mkBrush(brushes[i])
        size = float(sizes[i]) * scale
        key = (id(symbol), round(size, 2), _pen_key(pen), _brush_key(brush))
        if key != current:
            if current is not None:
                canvas.close_group()
            # a symbol is drawn scaled by its size with a cosmetic pen: pixel widths
            canvas.open_style(pen, brush, size)
            current = key
            sid = canvas.symbol(symbol, size)
        canvas.use(sid, dev[i, 0], dev[i, 1])
    if current is not None:
        canvas.close_group()


def _image(canvas: SvgCanvas, item: pg.ImageItem, t: QTransform, clip: QRectF | None) -> None:
    if item.image is None:
        return
    if item.qimage is None:
        item.render()
    image = item.qimage
    if image is None or image.isNull():
        return
    if t.isRotating():
        _raster_item(canvas, item, t, clip)
        return
    target = t.mapRect(QRectF(0, 0, image.width(), image.height()))
    image = image.flipped(Qt.Orientation.Horizontal) if t.m11() < 0 else image
    image = image.flipped(Qt.Orientation.Vertical) if t.m22() < 0 else image
    # Scaled up by whole factors here, so a renderer that smooths images anyway (some
    # ignore image-rendering) only softens the seams, as Qt's nearest-pixel drawing shows.
    factor = int(min(8, max(1, target.width() / max(1, image.width()),
                            target.height() / max(1, image.height()))))
    if factor > 1:
        image = image.scaled(image.width() * factor, image.height() * factor,
                             Qt.AspectRatioMode.IgnoreAspectRatio,
                             Qt.TransformationMode.FastTransformation)
    canvas.image(image, target, pixelated=True)


def _axis(canvas: SvgCanvas, item: pg.AxisItem, t: QTransform) -> None:
    probe = QImage(4, 4, QImage.Format.Format_ARGB32_Premultiplied)
    painter = QPainter(probe)
    try:
        font = item.style.get("tickFont") or item.font()
        painter.setFont(font)
        specs = item.generateDrawSpecs(painter)
    finally:
        painter.end()
    if specs is None:
        return
    axis_spec, tick_specs, text_specs = specs
    scale = scale_of(t)
    for pen, p1, p2 in [axis_spec, *tick_specs]:
        path = QPainterPath(QPointF(p1))
        path.lineTo(QPointF(p2))
        canvas.path(path_data(path, t), pen, None, scale, crisp=True)
    metrics = QFontMetricsF(font)
    colour = item.textPen().color()
    for rect, flags, text in text_specs:
        _aligned_text(canvas, text, t.mapRect(QRectF(rect)), int(flags), font, metrics, colour)


def _aligned_text(canvas: SvgCanvas, text: str, rect: QRectF, flags: int, font: QFont,
                  metrics: QFontMetricsF, colour: QColor) -> None:
    align = Qt.AlignmentFlag
    if flags & align.AlignRight.value:
        x, anchor = rect.right(), "end"
    elif flags & align.AlignHCenter.value:
        x, anchor = rect.center().x(), "middle"
    else:
        x, anchor = rect.left(), "start"
    ascent, descent = metrics.ascent(), metrics.descent()
    if flags & align.AlignTop.value:
        y = rect.top() + ascent
    elif flags & align.AlignBottom.value:
        y = rect.bottom() - descent
    else:
        y = rect.center().y() - (ascent + descent) / 2 + ascent
    canvas.text(text, x, y, font, colour, anchor)


def _text_item(canvas: SvgCanvas, item: QGraphicsTextItem, t: QTransform) -> None:
    """A rich-text item (titles, labels, legends), line by line at Qt's own positions."""
    doc = item.document()
    default = item.defaultTextColor()
    rotation = QTransform(t.m11(), t.m12(), t.m21(), t.m22(), 0, 0)
    s = scale_of(rotation)
    rotation = QTransform(t.m11() / s, t.m12() / s, t.m21() / s, t.m22() / s, 0, 0)
    turned = rotation.isRotating()
    block = doc.begin()
    while block.isValid():
        layout = block.layout()
        origin = layout.position()
        fragments = []
        it = block.begin()
        while not it.atEnd():
            frag = it.fragment()
            if frag.isValid():
                fragments.append(frag)
            it += 1
        for li in range(layout.lineCount()):
            line = layout.lineAt(li)
            start, end = line.textStart(), line.textStart() + line.textLength()
            for frag in fragments:
                a = max(start, frag.position() - block.position())
                b = min(end, frag.position() - block.position() + frag.length())
                if a >= b:
                    continue
                chunk = block.text()[a:b]
                fmt = frag.charFormat()
                font = QFont(fmt.font())
                if s != 1.0:
                    font.setPixelSize(max(1, round(QFontInfo(font).pixelSize() * s)))
                fg = fmt.foreground()
                colour = fg.color() if fg.style() != Qt.BrushStyle.NoBrush else default
                x = origin.x() + line.cursorToX(a)[0]
                y = origin.y() + line.y() + line.ascent()
                back = fmt.background()
                if back.style() != Qt.BrushStyle.NoBrush:  # a span's CSS background
                    box = QPainterPath()
                    box.addRect(QRectF(x, origin.y() + line.y(),
                                       origin.x() + line.cursorToX(b)[0] - x, line.height()))
                    canvas.path(path_data(box, t), None, back)
                p = t.map(QPointF(x, y))
                if turned:
                    canvas.text(chunk, 0, 0, font, colour, "start",
                                rotation * QTransform.fromTranslate(p.x(), p.y()))
                else:
                    canvas.text(chunk, p.x(), p.y(), font, colour, "start")
        block = block.next()


def _raster_item(canvas: SvgCanvas, item, t: QTransform, clip: QRectF | None,
                 exporting: bool = True) -> None:
    """An item this writer does not know, drawn by Qt into a PNG where it is (pyqtgraph
    items told they are exported, unless ``exporting`` is False)."""
    area = t.mapRect(item.boundingRect())
    if clip is not None:
        area = area.intersected(clip)
    area = QRectF(math.floor(area.left()), math.floor(area.top()),
                  math.ceil(area.width()) + 1, math.ceil(area.height()) + 1)
    if area.width() <= 1 or area.height() <= 1 or area.width() * area.height() > 16e6:
        return
    image = QImage(int(area.width() * RASTER_SCALE), int(area.height() * RASTER_SCALE),
                   QImage.Format.Format_ARGB32_Premultiplied)
    image.setDevicePixelRatio(RASTER_SCALE)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    try:
        painter.setTransform(t * QTransform.fromTranslate(-area.left(), -area.top()))
        exporting = exporting and hasattr(item, "setExportMode")
        if exporting:
            item.setExportMode(True, {"antialias": True})
        try:
            item.paint(painter, QStyleOptionGraphicsItem(), None)
        finally:
            if exporting:
                item.setExportMode(False)
    finally:
        painter.end()
    canvas.image(image, area)
