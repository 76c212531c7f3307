"""Photos in pyqtgraph: upright, square pixels, in the image's own pixel coordinates.

An :class:`ImagePanel` is a titled ``ViewBox`` (aspect locked, y axis inverted so row 0
is at the top) holding an ``ImageItem``. Large images are drawn from a reduced copy, but
the item always spans the full image's rectangle, so coordinates (hover, split line)
are those of the original pixels.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, Signal

from gui.widgets.scene_paint import paint_with_window


def display_levels(rgb: np.ndarray) -> tuple[int, int] | None:
    """The ``levels`` for ``ImageItem.setImage`` of 0-255 colours: None for uint8, which Qt
    shows as it is (with levels (0, 255) pyqtgraph rescaled every pixel by 1 first: 4-8 ms a
    picture at each new image), (0, 255) for another type."""
    return None if rgb.dtype == np.uint8 else (0, 255)


class ImageGrid(pg.GraphicsLayoutWidget):
    """A white grid of :class:`ImagePanel` s."""

    def __init__(self, parent=None):
        super().__init__(parent)
        paint_with_window(self)
        self.setBackground("w")
        self.ci.setContentsMargins(2, 2, 2, 2)
        self.ci.setSpacing(4)
        self.panels: list[ImagePanel] = []
        self._positions: list[tuple[int, int]] = []

    def add_panel(self, row: int, col: int, title: str = "") -> ImagePanel:
        panel = ImagePanel(self.ci, row, col, title)
        self.panels.append(panel)
        self._positions.append((row, col))
        self._set_stretch()
        return panel

    def _set_stretch(self) -> None:
        """Equal columns and equal image rows, whatever the titles say."""
        grid = self.ci.layout
        rows = {r for r, _ in self._positions}
        cols = {c for _, c in self._positions}
        for r in range(2 * (max(rows) + 2)):
            grid.setRowStretchFactor(r, 1 if r % 2 == 1 and r // 2 in rows else 0)
        for c in range(max(cols) + 2):
            grid.setColumnStretchFactor(c, 1 if c in cols else 0)

    def arrange(self, positions: list[tuple[int, int]]) -> None:
        """Move the panels to new (row, col) cells (e.g. side by side <-> one above the other)."""
        if positions == self._positions:
            return
        for panel in self.panels:
            self.ci.removeItem(panel.label)
            self.ci.removeItem(panel.view)
        for panel, (r, c) in zip(self.panels, positions):
            self.ci.addItem(panel.label, row=2 * r, col=c)
            self.ci.addItem(panel.view, row=2 * r + 1, col=c)
        self._positions = list(positions)
        self._set_stretch()

    def positions(self) -> list[tuple[int, int]]:
        return list(self._positions)


class FittedGrid(ImageGrid):
    """A grid of ``rows`` × ``cols`` image panels whose height follows its width, so the
    images and their titles sit together (put it in a layout with a stretch below)."""

    TITLE = 26  # height of a panel's title, pixels

    def __init__(self, rows: int, cols: int, parent=None):
        super().__init__(parent)
        self.rows, self.cols = rows, cols
        self.image_shape: tuple[int, int] = (3, 4)
        policy = self.sizePolicy()
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)

    def set_image_shape(self, shape: tuple[int, int]) -> None:
        self.image_shape = (max(1, int(shape[0])), max(1, int(shape[1])))
        self.updateGeometry()

    def hasHeightForWidth(self) -> bool:  # noqa: N802 - Qt override
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802 - Qt override
        h, w = self.image_shape
        cell = (width - 12) / self.cols
        return int(self.rows * (cell * h / w + self.TITLE) + 12)


class PairGrid(ImageGrid):
    """Two panels side by side, or one above the other when that shows the images larger."""

    def __init__(self, first: str, second: str, parent=None):
        super().__init__(parent)
        self.first = self.add_panel(0, 0, first)
        self.second = self.add_panel(0, 1, second)
        self.image_shape: tuple[int, int] | None = None

    def set_image_shape(self, shape: tuple[int, int]) -> None:
        self.image_shape = (int(shape[0]), int(shape[1]))
        self._choose()

    def stacked(self) -> bool:
        return self._positions[1] == (1, 0)

    def _choose(self) -> None:
        if getattr(self, "image_shape", None) is None:  # also called while Qt builds the view
            return
        h, w = self.image_shape
        width, height = max(1, self.width()), max(1, self.height() - 60)
        side = min(width / 2 / w, height / h)
        stacked = min(width / w, height / 2 / h)
        self.arrange([(0, 0), (1, 0)] if stacked > 1.15 * side else [(0, 0), (0, 1)])

    def resizeEvent(self, ev):  # noqa: N802 - Qt override
        super().resizeEvent(ev)
        self._choose()


class _Title(pg.LabelItem):
    """A LabelItem that does not widen its column (LabelItem asks for its text's width)."""

    def updateMin(self):  # noqa: N802 - pyqtgraph override
        super().updateMin()
        h = self.itemRect().height()
        self.setMinimumWidth(0)
        self._sizeHint[Qt.SizeHint.MinimumSize] = (0, h)
        self._sizeHint[Qt.SizeHint.PreferredSize] = (0, h)
        self.updateGeometry()


class ImagePanel:
    """A title above a locked-aspect, y-inverted ViewBox with one ImageItem."""

    def __init__(self, layout: pg.GraphicsLayout, row: int, col: int, title: str = ""):
        self.label = _Title(title, size="10pt", color="#222")
        layout.addItem(self.label, row=2 * row, col=col)
        self.view = layout.addViewBox(row=2 * row + 1, col=col, lockAspect=True, invertY=True,
                                      enableMenu=False)
        self.view.setDefaultPadding(0.01)
        self.view.setLimits(minXRange=4, minYRange=4)  # no zooming into nothing
        self.item = pg.ImageItem(axisOrder="row-major")
        self.view.addItem(self.item)
        self.full_shape: tuple[int, int] | None = None

    def set_title(self, text: str) -> None:
        self.label.setText(text, size="10pt", color="#222")

    def title(self) -> str:
        return self.label.text

    def set_image(self, rgb: np.ndarray | None, full_shape: tuple[int, int] | None = None,
                  item: pg.ImageItem | None = None) -> None:
        """Show ``rgb`` (maybe reduced) stretched over a ``full_shape`` (h, w) rectangle.

        The view zooms to fit when the image's size changes, and keeps the user's zoom when
        only the content changes (another k, a highlight).
        """
        item = item or self.item
        if rgb is None:
            item.clear()
            return
        h, w = full_shape or rgb.shape[:2]
        item.setImage(rgb, autoLevels=False, levels=display_levels(rgb))
        item.setRect(QRectF(0, 0, w, h))
        if item is self.item and self.full_shape != (h, w):
            self.full_shape = (h, w)
            self.fit()

    def fit(self) -> None:
        """Show the whole image, and keep it whole when the view is resized (until the user
        zooms or pans)."""
        self.view.enableAutoRange()

    def image(self) -> np.ndarray | None:
        return self.item.image


class SplitLine(pg.InfiniteLine):
    """A movable vertical line that tells where the overlay switches images."""

    split_moved = Signal(float)

    def __init__(self):
        super().__init__(angle=90, movable=True, pen=pg.mkPen("#ffffff", width=2),
                         hoverPen=pg.mkPen("#ffcc00", width=3))
        self.setZValue(10)
        self.sigPositionChanged.connect(lambda line: self.split_moved.emit(float(line.value())))
