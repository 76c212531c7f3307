"""Silhouette diagrams like the chapter's Figure 9-10, in a grid.

Each cluster is a band of its points' sorted silhouette coefficients, in the
cluster's colour (the same as in the scatter views), separated by a gap; the
overall mean is a dashed red line, the cluster ids are on the vertical axis and
the title reads "k=…". Hovering a band reports its cluster, size and mean;
clicking a diagram reports its k.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFontMetrics, QPen
from PySide6.QtWidgets import QGraphicsPathItem

from gui.widgets import plot_pool
from gui.widgets.palette import palette_rgba
from gui.widgets.plot_pool import plot_item
from gui.widgets.scene_paint import paint_with_window

#: Most vertices drawn per band (a 50 000-point band is drawn from its quantiles).
MAX_BAND_VERTICES = 600

#: the x axis's title, and the one a diagram too narrow for it shows (side by side, the long
#: titles ran into each other: "Silhouette coefficientSilhouette coefficient")
X_TITLE, X_TITLE_SHORT = "Silhouette coefficient", "Silhouette"

SELECTED_TITLE = "<span style='color:#c0392b; font-weight:bold'>k={k} (selected)</span>"
PLAIN_TITLE = "<span style='color:#222'>k={k}</span>"


def band_outline(coefficients: np.ndarray, start: float,
                 max_vertices: int = MAX_BAND_VERTICES) -> tuple[np.ndarray, np.ndarray]:
    """(x, y) of the closed outline of one band: from 0 out to the sorted values and back.

    Point ``i`` of the band sits at height ``start + i``. Long bands keep
    ``max_vertices`` evenly spaced ranks (always the first and last).
    """
    n = len(coefficients)
    if n > max_vertices:
        ranks = np.unique(np.linspace(0, n - 1, max_vertices).round().astype(np.int64))
    else:
        ranks = np.arange(n)
    ys = start + ranks.astype(np.float64)
    xs = np.asarray(coefficients, dtype=np.float64)[ranks]
    x = np.concatenate([[0.0], xs, [0.0]])
    y = np.concatenate([[ys[0]], ys, [ys[-1]]])
    return x, y


class SilhouetteDiagramPlot:
    """One silhouette diagram: bands per cluster, the mean as a dashed red line.

    It draws on a plain ``PlotItem`` (:attr:`item`) taken from :mod:`gui.widgets.plot_pool`,
    made ahead while the app was idle: making one holds the GUI thread 10-20 ms, and a
    result's diagrams came on top of the first paint of the page or of their own painting.
    """

    def __init__(self, item: pg.PlotItem | None = None):
        self.item = item if item is not None else plot_item()
        self.vb = self.item.vb
        self.item.showGrid(x=True, y=False, alpha=0.25)
        self.item.hideButtons()
        self.item.setMenuEnabled(False)
        self.item.setMouseEnabled(x=False, y=False)
        self.k = 0
        self.diagram = None
        self._titled: tuple[int, bool] | None = None  # (k, selected) the title shows
        self.band_items: list[QGraphicsPathItem] = []
        self.band_ranges: list[tuple[float, float]] = []
        self.band_colors: np.ndarray = np.empty((0, 4), dtype=np.uint8)
        self._x_label = False
        self._highlighted: int | None = None  # the band outlined
        self.mean_line = pg.InfiniteLine(angle=90, movable=False,
                                         pen=pg.mkPen(220, 30, 30, width=2,
                                                      style=Qt.PenStyle.DashLine))
        self.mean_line.setZValue(10)
        self.item.addItem(self.mean_line, ignoreBounds=True)
        self.item.getAxis("left").setStyle(tickLength=0)
        self.item.geometryChanged.connect(self._fit_x_title)

    @property
    def titleLabel(self):  # noqa: N802 - PlotItem's name
        return self.item.titleLabel

    def getAxis(self, name: str):  # noqa: N802 - PlotItem's name
        return self.item.getAxis(name)

    def _fit_x_title(self) -> None:
        """The long x title when the diagram is wide enough for it, else the short one."""
        if not self._x_label:
            self.item.setLabel("bottom", None)
            return
        axis = self.item.getAxis("bottom")
        room = self.item.width() - 8
        wide = room <= 0 or QFontMetrics(axis.label.font()).horizontalAdvance(X_TITLE) <= room
        text = X_TITLE if wide else X_TITLE_SHORT
        if axis.labelText != text:
            self.item.setLabel("bottom", text)

    def set_diagram(self, k: int, diagram, colors: np.ndarray | None = None,
                    selected: bool = False, x_label: bool = True, y_label: bool = True) -> None:
        """Draw ``diagram`` (a core ``SilhouetteDiagram``) for the clustering with ``k`` clusters."""
        for item in self.band_items:
            self.item.removeItem(item)
        self.band_items, self.band_ranges = [], []
        self.k, self.diagram = k, diagram
        self._highlighted = None
        n_bands = diagram.n_clusters
        if colors is None:
            colors = palette_rgba(max(int(np.max(diagram.clusters)) + 1, n_bands))
        self.band_colors = np.array([colors[int(c) % len(colors)] for c in diagram.clusters],
                                    dtype=np.uint8)
        padding = max(1, diagram.n_points // 30)  # the chapter's gap between bands
        pos = float(padding)
        ticks = []
        low = 0.0
        for i in range(n_bands):
            coeffs = diagram.coefficients[i]
            x, y = band_outline(coeffs, pos)
            path = pg.arrayToQPath(x, y)  # (vectorised: a QPointF per vertex took ms)
            path.closeSubpath()
            item = QGraphicsPathItem(path)
            r, g, b, _ = (int(v) for v in self.band_colors[i])
            item.setBrush(QBrush(QColor(r, g, b, 190)))
            pen = QPen(QColor(r, g, b))
            pen.setCosmetic(True)
            item.setPen(pen)
            self.item.addItem(item)
            self.band_items.append(item)
            size = len(coeffs)
            self.band_ranges.append((pos, pos + max(size - 1, 0)))
            ticks.append((pos + size // 2, str(diagram.clusters[i])))
            if size:
                low = min(low, float(coeffs[0]))
            pos += size + padding
        self.mean_line.setPos(diagram.mean)
        self.item.getAxis("left").setTicks([ticks, []])
        self.item.setLabel("left", "Cluster" if y_label else None)
        self._x_label = x_label
        self._fit_x_title()
        self.item.getAxis("left").showLabel(y_label)  # a reused plot may have shown them
        self.item.getAxis("bottom").showLabel(x_label)
        self.set_selected(selected)
        self.item.getAxis("bottom").setTicks([[(v, f"{v:g}") for v in (0.0, 0.5, 1.0)],
                                              [(v, "") for v in (-0.5, -0.25, 0.25, 0.75)]])
        self.item.setXRange(min(-0.1, low - 0.02), 1.0, padding=0)
        self.item.setYRange(0, pos, padding=0)
        # The view's new transform now, not as it paints: changed while painting, it had the
        # diagram painted twice.
        self.vb.prepareForPaint()

    def set_selected(self, selected: bool) -> None:
        """Title the diagram "k=…", in red with "(selected)" when ``selected`` (a title is
        laid out anew each time: only when it changes)."""
        if (self.k, selected) == self._titled:
            return
        self._titled = (self.k, selected)
        self.item.setTitle((SELECTED_TITLE if selected else PLAIN_TITLE).format(k=self.k),
                           size="11pt")

    def highlight(self, band: int | None) -> None:
        """Outline band ``band`` in dark grey (None: no band)."""
        if band == self._highlighted:
            return  # (new pens repaint the diagram)
        self._highlighted = band
        for i, item in enumerate(self.band_items):
            r, g, b, _ = (int(v) for v in self.band_colors[i])
            pen = QPen(QColor(40, 40, 40) if i == band else QColor(r, g, b))
            pen.setWidthF(2.0 if i == band else 1.0)
            pen.setCosmetic(True)
            item.setPen(pen)

    def band_at(self, y: float) -> int | None:
        """The index of the band at height ``y`` (within the band's span), or None."""
        for i, (lo, hi) in enumerate(self.band_ranges):
            if lo - 0.5 <= y <= hi + 0.5:
                return i
        return None

    def band_info(self, i: int) -> tuple[int, int, float]:
        """(cluster id, size, mean coefficient) of band ``i``."""
        d = self.diagram
        return int(d.clusters[i]), int(d.sizes[i]), float(d.means[i])


class SilhouetteGrid(pg.GraphicsLayoutWidget):
    """A grid of silhouette diagrams (two columns); hover and click report bands and ks."""

    k_clicked = Signal(int)
    band_hovered = Signal(int, int, int, float)  # k, cluster, size, mean coefficient
    left = Signal()

    def __init__(self, parent=None, columns: int = 2):
        super().__init__(parent)
        paint_with_window(self)
        self.setBackground("w")
        self.columns = columns
        self.diagram_plots: list[SilhouetteDiagramPlot] = []
        self._pool: list[SilhouetteDiagramPlot] = []
        self.scene().sigMouseMoved.connect(self._on_move)
        self.scene().sigMouseClicked.connect(self._on_click)

    def set_diagrams(self, items: list[tuple[int, object]], colors_for_k=None,
                     selected_k: int | None = None) -> None:
        """Draw ``[(k, SilhouetteDiagram), ...]``; ``colors_for_k(k)`` gives cluster colours."""
        for step in self.diagram_steps(items, colors_for_k, selected_k):
            step()

    def diagram_steps(self, items: list[tuple[int, object]], colors_for_k=None,
                      selected_k: int | None = None) -> list:
        """:meth:`set_diagrams` as a list of calls, one diagram each, to make one per turn of
        the event loop (a diagram and its painting take tens of ms on big data)."""
        n = len(items)
        rows = -(-n // self.columns) if n else 0
        # As many diagrams as shown: each is redrawn in its place, and the others stay as
        # they are (laid out anew, every diagram's axes were drawn again at each step).
        in_place = n == len(self.diagram_plots) and n > 0

        def lay_out() -> None:
            """The grid laid out for ``n`` diagrams at once, each hidden until drawn (added a
            step each, every diagram already drawn was laid out and drawn again)."""
            self.clear()
            self.diagram_plots = []
            while len(self._pool) < n and plot_pool.in_stock():  # (made ahead: at no cost)
                self._pool.append(SilhouetteDiagramPlot())
            for idx, plot in enumerate(self._pool[:n]):
                plot.item.setOpacity(0.0)
                self.addItem(plot.item, *divmod(idx, self.columns))

        def draw(idx: int, k: int, diagram) -> None:
            if idx == len(self._pool):  # plots are reused (one not made ahead is made now)
                self._pool.append(SilhouetteDiagramPlot())
            plot = self._pool[idx]
            row, col = divmod(idx, self.columns)
            if self.getItem(row, col) is not plot.item:
                self.addItem(plot.item, row=row, col=col)
            colors = colors_for_k(k) if colors_for_k is not None else None
            plot.set_diagram(k, diagram, colors, selected=(k == selected_k),
                             x_label=(row == rows - 1), y_label=(col == 0))
            plot.item.setOpacity(1.0)
            if idx == len(self.diagram_plots):
                self.diagram_plots.append(plot)

        if in_place:
            return [lambda i=i, item=item: draw(i, *item) for i, item in enumerate(items)]
        # (laying out takes a turn of its own: it wraps the plots made ahead, ~3 ms each)
        return [lay_out] + [lambda i=i, item=item: draw(i, *item) for i, item in enumerate(items)]

    def set_selected(self, k: int | None) -> None:
        for plot in self.diagram_plots:
            plot.set_selected(plot.k == k)

    def plot_for(self, k: int) -> SilhouetteDiagramPlot | None:
        for plot in self.diagram_plots:
            if plot.k == k:
                return plot
        return None

    def _plot_at(self, scene_pos) -> SilhouetteDiagramPlot | None:
        for plot in self.diagram_plots:
            if plot.vb.sceneBoundingRect().contains(scene_pos):
                return plot
        return None

    def _on_move(self, scene_pos) -> None:
        plot = self._plot_at(scene_pos)
        band = None
        if plot is not None:
            band = plot.band_at(plot.vb.mapSceneToView(scene_pos).y())
        for p in self.diagram_plots:
            p.highlight(band if p is plot else None)
        if plot is None or band is None:
            self.left.emit()
            return
        self.band_hovered.emit(plot.k, *plot.band_info(band))

    def _on_click(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        plot = self._plot_at(event.scenePos())
        if plot is not None:
            self.k_clicked.emit(plot.k)
