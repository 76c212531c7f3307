"""The "Segmentation" tab: the photo and its segmentation, side by side or with a split line.

It draws the state's arrays (reduced copies computed by the jobs) and reads one pixel under
the mouse; it computes nothing.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, QSignalBlocker, Signal
from PySide6.QtWidgets import QLabel, QStackedWidget, QVBoxLayout

from core.segmentation import PALETTE_HEADER, palette_hex, palette_rows
from gui.numbers import count
from gui.pages.base import Tab
from gui.widgets.image_views import ImageGrid, PairGrid, SplitLine, display_levels

from .. import snippets
from ..state import SegmentationState


class SegmentedTab(Tab):
    title = "Segmentation"
    #: the split line was dragged to this many thousandths of the width
    split_moved = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.state: SegmentationState | None = None
        self._original = None  # the prepared image drawn
        self._segmented = None  # the array drawn as the segmented image
        self._hover_pos = None  # the scene position the hover text describes
        # the two views are made by build_steps, a turn each after the page (each holds
        # pyqtgraph view boxes: ~10 ms to make)
        self.stack = QStackedWidget()
        self.hover_label = QLabel(" ")
        self.hover_label.setToolTip("The pixel under the mouse: its colour and its palette "
                                    "colour.")
        col = QVBoxLayout(self)
        col.setContentsMargins(0, 0, 0, 0)
        col.addWidget(self.stack, 1)
        col.addWidget(self.hover_label)

    def build_steps(self) -> list:
        return [self._make_side, self._make_overlay]

    def _make_side(self) -> None:
        self.side = PairGrid("Original", "Segmented")
        self.original_panel = self.side.first
        self.segmented_panel = self.side.second
        self.segmented_panel.view.setXLink(self.original_panel.view)
        self.segmented_panel.view.setYLink(self.original_panel.view)
        self.side.setToolTip("Scroll to zoom, drag to pan (both images follow). The images sit "
                             "side by side or one above the other, whichever shows them larger.")
        self.stack.addWidget(self.side)
        self.side.scene().sigMouseMoved.connect(self._hovered)

    def _make_overlay(self) -> None:
        self.overlay = ImageGrid()
        self.overlay_panel = self.overlay.add_panel(0, 0, "Original | segmented")
        self.overlay_top = pg.ImageItem(axisOrder="row-major")
        self.overlay_top.setZValue(5)
        self.overlay_panel.view.addItem(self.overlay_top)
        self.split_line = SplitLine()
        self.overlay_panel.view.addItem(self.split_line)
        self.overlay.setToolTip("Drag the white line (or the Split slider) to compare.")
        self.stack.addWidget(self.overlay)
        self.split_line.split_moved.connect(self._line_moved)
        self.overlay.scene().sigMouseMoved.connect(self._hovered)

    # -- drawing ----------------------------------------------------------------------------
    def render(self, state: SegmentationState) -> None:
        self.state = state
        if not self.built:  # drawn once the views are made (build_steps)
            return
        p = state.params
        self.stack.setCurrentWidget(self.overlay if p.mode == "overlay" else self.side)
        s = state.shown
        if s is None:
            return
        image = state.images.get(p.image, s.image)
        if image is not self._original:
            self._original = image
            h, w = image.shape
            self.side.set_image_shape((h, w))
            self.original_panel.set_image(image.original, (h, w))
            self.original_panel.set_title(f"Original ({count(w)} × {count(h)})")
            self.overlay_panel.set_image(image.original, (h, w))
            self.split_line.setBounds((0, w))
        shown = state.displayed()
        if shown is not self._segmented:
            self._segmented = shown
            self.segmented_panel.set_image(shown, s.seg.labels.shape)
            self.segmented_panel.set_title(f"{s.seg.n_palette} colours")
            if self._hover_pos is not None:  # the hover text follows the new palette
                self._hovered(self._hover_pos)
        self._place_line(p.split)
        if p.mode == "overlay":  # the hidden overlay is drawn when it is shown
            self._draw_overlay_top()

    def _width(self) -> int | None:
        shape = self.original_panel.full_shape
        return None if shape is None else shape[1]

    def _place_line(self, split: int) -> None:
        w = self._width()
        if w is None:
            return
        if int(round(1000 * self.split_line.value() / w)) != split:
            blocker = QSignalBlocker(self.split_line)
            self.split_line.setValue(split / 1000.0 * w)
            blocker.unblock()

    def _draw_overlay_top(self) -> None:
        s = self.state.shown if self.state is not None else None
        img = self._segmented
        if s is None or img is None:
            return
        h, w = s.seg.labels.shape
        x = float(self.split_line.value())
        col = int(np.clip(np.ceil(x * img.shape[1] / w), 0, img.shape[1]))
        if col >= img.shape[1]:
            self.overlay_top.clear()
            return
        x0 = col * w / img.shape[1]
        self.overlay_top.setImage(img[:, col:], autoLevels=False, levels=display_levels(img))
        self.overlay_top.setRect(QRectF(x0, 0, w - x0, h))

    def _line_moved(self, x: float) -> None:
        w = self._width()
        if w is None:
            return
        self._draw_overlay_top()
        self.split_moved.emit(int(round(1000 * x / w)))

    def _hovered(self, pos) -> None:
        state = self.state
        s = state.shown if state is not None else None
        if s is None:
            return
        self._hover_pos = pos
        for p in (self.original_panel, self.segmented_panel, self.overlay_panel):
            if p.view.isVisible() and p.view.sceneBoundingRect().contains(pos):
                pt = p.view.mapSceneToView(pos)
                x, y = int(np.floor(pt.x())), int(np.floor(pt.y()))
                h, w = s.seg.labels.shape
                if 0 <= x < w and 0 <= y < h:
                    r, g, b = (int(v) for v in s.image.rgb[y, x])
                    i = int(s.seg.labels[y, x])
                    self.hover_label.setText(
                        f"x {x}, y {y}: colour #{r:02x}{g:02x}{b:02x} (RGB {r}, {g}, {b}) → "
                        f"palette colour {i}, {palette_hex(s.seg.palette)[i]}")
                    return
        self._hover_pos = None
        self.hover_label.setText(" ")

    # -- what the window asks -----------------------------------------------------------------
    def code(self, state: SegmentationState) -> str:
        return snippets.code(state, state.title_of(state.params.image))

    def export_table(self, state: SegmentationState):
        if state.shown is None:
            return None
        return list(PALETTE_HEADER), palette_rows(state.shown.seg)

    def export_widget(self):
        self.ensure_built()
        return self.stack.currentWidget()
