"""A gallery of small grey-level images (the 8×8 digits) to label by hand.

Images are drawn crisp: each pixel becomes a square block (nearest-neighbour
scaling, no smoothing). A tile shows its caption (e.g. the cluster size), its
label in a coloured badge, or an amber "?" while it has none; the current tile
has a blue frame. Click a tile or move with the arrow keys, then type 0–9 to
label it (Backspace/Delete removes the label). The gallery only draws and
reports: the page owns the labels and decides what a key press means.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QImage,
    QPainter,
    QPen,
    QPixmap,
    QRegion,
)
from PySide6.QtWidgets import QHBoxLayout, QSizePolicy, QToolButton, QToolTip, QWidget

from gui.tasks import next_turn
from gui.widgets.palette import CURRENT_RGBA, UNLABELLED_RGBA, palette_rgba, text_on

_DIGIT_COLORS = [QColor(*map(int, c[:3])) for c in palette_rgba(10)]
_DIGIT_TEXT = [QColor(text_on(c)) for c in palette_rgba(10)]
_CURRENT = QColor(*CURRENT_RGBA[:3])
_MISTAKE = QColor("#c62828")
#: Pixels a tile's painting may reach past its rectangle (its badge sits over the image's
#: corner, 4 px out).
_BLEED = 6
_UNLABELLED = QColor(*UNLABELLED_RGBA[:3])
_TILE_BG = QColor("#f4f6f9")
_CAPTION = QColor("#3c4650")


def digit_color(label: int) -> QColor:
    """The colour of a digit's badge (and of its palette button)."""
    return _DIGIT_COLORS[int(label) % 10]


def to_qimage(image: np.ndarray, vmax: float = 16.0) -> QImage:
    """A grey-level image (0 = background) as a QImage drawn like matplotlib's "binary"."""
    img = np.asarray(image, dtype=np.float64)
    grey = np.clip(255.0 - img * (255.0 / vmax), 0, 255).astype(np.uint8)
    grey = np.ascontiguousarray(grey)
    h, w = grey.shape
    qimg = QImage(grey.data, w, h, w, QImage.Format.Format_Grayscale8)
    return qimg.copy()  # own the pixels


class DigitGallery(QWidget):
    """A grid of labelled / unlabelled digit images.

    Signals: ``current_changed(tile)``, ``label_typed(tile, digit)`` when a key
    0–9 is pressed, ``clear_requested(tile)`` on Backspace/Delete.
    """

    current_changed = Signal(int)
    label_typed = Signal(int, int)
    clear_requested = Signal(int)

    #: the keys :meth:`keyPressEvent` handles (listed by Help ▸ Keyboard shortcuts)
    KEY_HELP = (("0 … 9", "Label the current digit"),
                ("Backspace, Del", "Remove the current digit's label"),
                ("← → ↑ ↓", "Move to the next digit"),
                ("Home, End", "First or last digit"))

    def __init__(self, columns: int = 10, parent=None):
        super().__init__(parent)
        self._columns = columns
        self._images: list[QImage] = []
        self._raw: np.ndarray = np.zeros((0, 8, 8))
        self._captions: list[str] = []
        self._tooltips: list[str] = []
        self._labels = np.zeros(0, dtype=np.int64)
        self._truth: np.ndarray | None = None
        self._current = -1
        self._placeholder = "Computing the representative digits…"
        self._caption_px: int | None = None  # the caption's height, for the widget's font
        self._fonts: tuple | None = None  # (key, caption font, badge font) of the last paint
        # what paints draw from: tile -> (the truth its caption shows, or None; pixmap of its
        # picture and caption), (label, size) -> badge; and the geometry and fonts they are for
        self._bases: dict[int, tuple[int | None, QPixmap]] = {}
        self._badges: dict[tuple[int, int], QPixmap] = {}
        self._drawn_for: tuple | None = None
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(280, 200)  # ten 28-px tiles: the window must fit 1024 px
        self.setToolTip("Click a digit (or move with the arrow keys) and type 0–9 to label it; "
                        "Backspace removes a label.")

    # -- content ---------------------------------------------------------------------------------
    def set_items(self, images: np.ndarray, captions: list[str] | None = None,
                  tooltips: list[str] | None = None, vmax: float = 16.0) -> None:
        """Show ``images`` (n, h, w) with one caption (and tooltip) each; keeps no labels."""
        images = np.asarray(images)
        if images.ndim == 2:  # flat 8×8 rows
            side = int(round(np.sqrt(images.shape[1])))
            images = images.reshape(len(images), side, side)
        self._raw = images.copy()
        self._images = [to_qimage(im, vmax) for im in images]
        n = len(self._images)
        self._captions = list(captions) if captions is not None else [""] * n
        self._tooltips = list(tooltips) if tooltips is not None else [""] * n
        self._labels = np.full(n, -1, dtype=np.int64)
        self._truth = None
        self._current = 0 if n else -1
        self._fonts = None
        self._bases.clear()  # (other images and captions)
        self.updateGeometry()
        # The tiles' pictures are drawn on a turn of their own, then shown: drawn in the
        # paint that first shows them, with the rest of a page's opening, they took 8-15 ms
        # of that turn. (A paint before then draws the ones it needs.)
        next_turn(self, self._draw_tiles_and_show)
        self.current_changed.emit(self._current)

    def _draw_tiles_and_show(self) -> None:
        if self.isVisible() and self._images:
            grid, (font, _) = self._drawing_for_now()
            for i in range(len(self._images)):
                if i not in self._bases:
                    self._base(i, self._tile_area(i, grid), grid, font, self._wrong_truth(i))
        self.update()

    def set_columns(self, columns: int) -> None:
        """Tiles per row (fewer columns: bigger images)."""
        self._columns = max(1, int(columns))
        self.updateGeometry()
        self.update()

    def set_placeholder(self, text: str) -> None:
        self._placeholder = text
        self.update()

    def set_labels(self, labels: np.ndarray) -> None:
        """The label of every tile (-1: none yet)."""
        labels = np.asarray(labels, dtype=np.int64)
        if labels.shape != (len(self._images),):
            raise ValueError("one label per tile")
        changed = np.flatnonzero(labels != self._labels)
        self._labels = labels.copy()
        self._update_tiles(changed)

    def set_truth(self, truth: np.ndarray | None) -> None:
        """Mark the tiles whose label differs from ``truth`` (None: no marks)."""
        self._truth = None if truth is None else np.asarray(truth, dtype=np.int64).copy()
        self.update()

    def set_current(self, tile: int) -> None:
        if not self._images:
            return
        tile = int(np.clip(tile, 0, len(self._images) - 1))
        if tile != self._current:
            self._update_tiles([self._current, tile])
            self._current = tile
            self.current_changed.emit(tile)

    def _tile_area(self, tile: int, grid: tuple | None = None) -> QRect:
        """What painting ``tile`` may cover (its badge reaches a little past its corner)."""
        return self.tile_rect(tile, grid).adjusted(-_BLEED, -_BLEED, _BLEED, _BLEED)

    def _update_tiles(self, tiles) -> None:
        """Repaint these tiles only (a label typed repaints one tile, not the gallery)."""
        tiles = [int(t) for t in tiles if 0 <= int(t) < len(self._images)]
        if len(tiles) > len(self._images) // 2:
            self.update()
            return
        grid = self._grid()
        region = QRegion()
        for t in tiles:
            region += self._tile_area(t, grid)
        if not region.isEmpty():
            self.update(region)

    # -- what the view shows (also for tests) -----------------------------------------------------
    def count(self) -> int:
        return len(self._images)

    def current(self) -> int:
        return self._current

    def labels(self) -> np.ndarray:
        return self._labels.copy()

    def captions(self) -> list[str]:
        return list(self._captions)

    def images(self) -> np.ndarray:
        return self._raw.copy()

    def mistakes(self) -> np.ndarray:
        """Tiles marked as mistakes (labelled, and different from the truth)."""
        if self._truth is None:
            return np.zeros(0, dtype=np.int64)
        return np.flatnonzero((self._labels >= 0) & (self._labels != self._truth))

    # -- geometry -------------------------------------------------------------------------------
    def _grid(self) -> tuple[int, int, int, int, int, int]:
        """(columns, rows, scale, tile width, tile height, left offset)."""
        n = max(1, len(self._images))
        cols = min(self._columns, n)
        rows = (n + cols - 1) // cols
        side = self._raw.shape[1] if len(self._raw) else 8
        caption = self._caption_height()
        scale_w = (self.width() // cols - 10) // side
        scale_h = (self.height() // rows - caption - 10) // side
        scale = int(max(2, min(scale_w, scale_h, 14)))
        tile_w = side * scale + 10
        tile_h = side * scale + caption + 10
        left = max(0, (self.width() - cols * tile_w) // 2)
        return cols, rows, scale, tile_w, tile_h, left

    def _caption_height(self) -> int:
        # (asked for every tile's geometry: the font's metrics are read once per font)
        if self._caption_px is None:
            self._caption_px = self.fontMetrics().height() + 2
        return self._caption_px

    def changeEvent(self, event) -> None:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.FontChange:
            self._caption_px = None
            self._fonts = None
        super().changeEvent(event)

    def _paint_fonts(self, room: int) -> tuple[QFont, QFont]:
        """(caption font, badge font) for tiles ``room`` px wide (kept while neither the
        captions, the widget's font nor the tiles' width change)."""
        key = (room, self.font().key())
        if self._fonts is None or self._fonts[0] != key:
            badge = QFont(self.font())
            badge.setBold(True)
            self._fonts = (key, self._caption_font(room), badge)
        return self._fonts[1], self._fonts[2]

    def _caption_font(self, room: int | None = None) -> QFont:
        """The widget's font, made smaller when the widest caption is wider than a tile
        (``room`` px: a narrow window: captions never run into their neighbours)."""
        font = QFont(self.font())
        room = self._grid()[3] - 4 if room is None else room
        metrics = QFontMetrics(font)
        widest = max((metrics.horizontalAdvance(c) for c in self._captions), default=0)
        if widest > room > 0 and font.pointSizeF() > 0:
            font.setPointSizeF(max(5.0, font.pointSizeF() * room / widest))
        return font

    def tile_rect(self, tile: int, grid: tuple | None = None) -> QRect:
        cols, _, _, tile_w, tile_h, left = grid or self._grid()
        r, c = divmod(tile, cols)
        return QRect(left + c * tile_w, r * tile_h, tile_w, tile_h)

    def image_rect(self, tile: int, grid: tuple | None = None) -> QRect:
        grid = grid or self._grid()
        t = self.tile_rect(tile, grid)
        side = self._raw.shape[1] if len(self._raw) else 8
        return QRect(t.x() + 5, t.y() + 5, side * grid[2], side * grid[2])

    def tile_at(self, pos: QPoint) -> int:
        grid = self._grid()
        for i in range(len(self._images)):
            if self.tile_rect(i, grid).contains(pos):
                return i
        return -1

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        n = max(1, len(self._images))
        cols = min(self._columns, n)
        rows = (n + cols - 1) // cols
        return QSize(cols * (8 * 6 + 10), rows * (8 * 6 + 10 + self._caption_height()))

    # -- painting -------------------------------------------------------------------------------
    def paintEvent(self, event) -> None:  # noqa: N802 - Qt override
        """Each tile is its picture and caption (kept as a pixmap), its frames, and its
        badge (one pixmap per label): a paint of the whole gallery, after labels changed or
        the focus left it for a button, drew every tile's shapes and text: 13-16 ms."""
        p = QPainter(self)
        p.fillRect(event.rect(), Qt.GlobalColor.white)
        if not self._images:
            p.setPen(_CAPTION)
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self._placeholder)
            p.end()
            return
        grid, fonts = self._drawing_for_now()  # (every tile's geometry comes from the grid)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        has_focus = self.hasFocus()
        exposed = event.region()
        for i in range(len(self._images)):
            area = self._tile_area(i, grid)
            if not exposed.intersects(area):
                continue  # (Qt clips to what is exposed: a tile outside it draws nothing)
            label = int(self._labels[i])
            wrong_truth = self._wrong_truth(i)
            p.drawPixmap(area.topLeft(), self._base(i, area, grid, fonts[0], wrong_truth))
            img = self.image_rect(i, grid)
            # frame: unlabelled (grey, dashed), mistake (red), current (near-black, thick)
            if wrong_truth is not None:
                p.setPen(QPen(_MISTAKE, 2.5))
            elif label < 0:
                p.setPen(QPen(_UNLABELLED, 1.5, Qt.PenStyle.DashLine))
            else:
                p.setPen(QPen(QColor("#c5ccd4"), 1))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(img.adjusted(-1, -1, 0, 0))
            if i == self._current:
                p.setPen(QPen(_CURRENT, 3 if has_focus else 2))
                p.drawRoundedRect(self.tile_rect(i, grid).adjusted(2, 2, -2, -2), 4, 4)
            # badge: the label, or "?"
            bsize = max(14, min(22, img.width() // 2))
            p.drawPixmap(img.right() - bsize + 3, img.top() - 5,
                         self._badge(label, bsize, fonts[1]))
        p.end()

    def _drawing_for_now(self) -> tuple[tuple, tuple[QFont, QFont]]:
        """(the grid, (caption font, badge font)) tiles are drawn with now; the pixmaps drawn
        for another size or font are forgotten."""
        grid = self._grid()
        fonts = self._paint_fonts(grid[3] - 4)
        context = (grid, self._fonts[0], self._caption_height(), self.devicePixelRatioF())
        if context != self._drawn_for:
            self._bases.clear()
            self._badges.clear()
            self._drawn_for = context
        return grid, fonts

    def _wrong_truth(self, i: int) -> int | None:
        """Tile ``i``'s true label when its label is a mistake, else None."""
        label = int(self._labels[i])
        if self._truth is None or label < 0 or int(self._truth[i]) == label:
            return None
        return int(self._truth[i])

    def _pixmap(self, width: int, height: int) -> QPixmap:
        """A transparent pixmap of ``width`` x ``height`` device-independent pixels."""
        ratio = self.devicePixelRatioF()
        pixmap = QPixmap(max(1, round(width * ratio)), max(1, round(height * ratio)))
        pixmap.setDevicePixelRatio(ratio)
        pixmap.fill(Qt.GlobalColor.transparent)
        return pixmap

    def _base(self, i: int, area: QRect, grid: tuple, font: QFont,
              wrong_truth: int | None) -> QPixmap:
        """Tile ``i``'s background, picture and caption (or the truth, red, when its label
        is a mistake), over ``area``."""
        kept = self._bases.get(i)
        if kept is not None and kept[0] == wrong_truth:
            return kept[1]
        pixmap = self._pixmap(area.width(), area.height())
        p = QPainter(pixmap)
        p.translate(-area.topLeft())
        tile = self.tile_rect(i, grid).adjusted(1, 1, -1, -1)
        img = self.image_rect(i, grid)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(_TILE_BG)
        p.drawRoundedRect(tile, 4, 4)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        p.drawImage(img, self._images[i])  # nearest neighbour: crisp blocks
        p.setFont(font)
        cap = QRect(tile.x(), img.bottom() + 2, tile.width(), self._caption_height())
        align = Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop
        if wrong_truth is not None:
            p.setPen(_MISTAKE)
            p.drawText(cap, align, f"truth {wrong_truth}")
        else:
            p.setPen(_CAPTION)
            p.drawText(cap, align, self._captions[i])
        p.end()
        self._bases[i] = (wrong_truth, pixmap)
        return pixmap

    def _badge(self, label: int, size: int, font: QFont) -> QPixmap:
        """The round badge of ``label`` (-1: an unlabelled "?"), ``size`` px across, on a
        pixmap one pixel wider on each side (its outline's half)."""
        kept = self._badges.get((label, size))
        if kept is not None:
            return kept
        pixmap = self._pixmap(size + 2, size + 2)
        p = QPainter(pixmap)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.setFont(font)
        badge = QRect(1, 1, size, size)
        if label >= 0:
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(digit_color(label))
            p.drawEllipse(badge)
            p.setPen(_DIGIT_TEXT[label % 10])  # (black on the light colours)
            p.drawText(badge, Qt.AlignmentFlag.AlignCenter, str(label))
        else:
            p.setPen(QPen(_UNLABELLED, 1.5))
            p.setBrush(QColor("#f7f7f7"))
            p.drawEllipse(badge)
            p.setPen(QColor("#505050"))
            p.drawText(badge, Qt.AlignmentFlag.AlignCenter, "?")
        p.end()
        self._badges[(label, size)] = pixmap
        return pixmap

    # -- interaction ----------------------------------------------------------------------------
    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt override
        tile = self.tile_at(event.position().toPoint())
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        if tile >= 0:
            self.set_current(tile)
        super().mousePressEvent(event)

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt override
        n = len(self._images)
        if not n:
            return super().keyPressEvent(event)
        key = event.key()
        cols = self._grid()[0]
        moves = {Qt.Key.Key_Left: -1, Qt.Key.Key_Right: 1, Qt.Key.Key_Up: -cols,
                 Qt.Key.Key_Down: cols}
        if key in moves:
            target = self._current + moves[key]
            if 0 <= target < n:
                self.set_current(target)
            return
        if key == Qt.Key.Key_Home:
            self.set_current(0)
            return
        if key == Qt.Key.Key_End:
            self.set_current(n - 1)
            return
        if Qt.Key.Key_0 <= key <= Qt.Key.Key_9 and not (
                event.modifiers() & (Qt.KeyboardModifier.ControlModifier
                                     | Qt.KeyboardModifier.AltModifier)):
            self.label_typed.emit(self._current, int(key - Qt.Key.Key_0))
            return
        if key in (Qt.Key.Key_Backspace, Qt.Key.Key_Delete):
            self.clear_requested.emit(self._current)
            return
        super().keyPressEvent(event)

    def focusInEvent(self, event) -> None:  # noqa: N802 - Qt override
        self._update_tiles([self._current])  # (its frame is thicker with the focus)
        super().focusInEvent(event)

    def focusOutEvent(self, event) -> None:  # noqa: N802 - Qt override
        self._update_tiles([self._current])
        super().focusOutEvent(event)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        self.update()
        super().resizeEvent(event)

    def event(self, event) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            tile = self.tile_at(event.pos())
            if tile >= 0 and self._tooltips[tile]:
                QToolTip.showText(event.globalPos(), self._tooltips[tile], self)
                return True
        return super().event(event)


class DigitPalette(QWidget):
    """Ten buttons 0–9 (and "Clear") to label the current tile with the mouse.

    The buttons never take the keyboard focus, so typing keeps going to the gallery.
    """

    digit_clicked = Signal(int)
    clear_clicked = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        self.buttons: list[QToolButton] = []
        rules = []  # one style sheet for the ten buttons (parsed once, not once a button)
        for d in range(10):
            b = QToolButton()
            b.setObjectName(f"digit{d}")
            b.setText(str(d))
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            b.setToolTip(f"Label the selected digit as {d} (or type {d})")
            c = digit_color(d)
            rules.append(
                f"QToolButton#digit{d} {{ font-weight: bold; font-size: 14px; min-width: 20px; "
                f"min-height: 24px; border: 2px solid {c.name()}; border-radius: 4px; "
                "background: white; }"
                f"QToolButton#digit{d}:hover {{ background: {c.lighter(170).name()}; }}"
                f"QToolButton#digit{d}:pressed {{ background: {c.name()}; color: white; }}")
            b.clicked.connect(lambda _=False, d=d: self.digit_clicked.emit(d))
            layout.addWidget(b)
            self.buttons.append(b)
        self.setStyleSheet("".join(rules))
        self.clear_button = QToolButton()
        self.clear_button.setText("Clear")
        self.clear_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.clear_button.setToolTip("Remove the selected digit's label (or press Backspace)")
        self.clear_button.clicked.connect(self.clear_clicked.emit)
        layout.addWidget(self.clear_button)
        layout.addStretch(1)
