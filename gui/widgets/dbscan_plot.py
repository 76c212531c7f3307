"""A scatter view that draws a DBSCAN result like the chapter's Figure 9-14."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QVBoxLayout, QWidget

from core.density import DBSCANResult
from gui.widgets.palette import ANOMALY_RGBA, palette_rgba, pastel
from gui.widgets.scatter import ScatterView
from gui.widgets.wrapping_label import SteadyLabel

#: Up to this many points, core samples are drawn large and border samples small; beyond,
#: every point is drawn by the rasterising ScatterView at one size, distinguished by colour.
SIZED_MAX = 20_000
#: Most anomalies drawn as crosses on a big cloud; beyond, they are black dots only.
MAX_CROSSES = 5000

CORE_SIZE = 10
BORDER_SIZE = 5
CROSS_SIZE = 11


def cluster_colors(result: DBSCANResult) -> np.ndarray:
    """Per-point RGBA for the colour-only drawing: cores in their cluster's colour,
    border samples in a paler tone of it, anomalies black (vectorised)."""
    k = max(result.n_clusters, 1)
    table = palette_rgba(k)
    colors = np.empty((result.labels.size, 4), dtype=np.uint8)
    colors[:] = ANOMALY_RGBA
    clustered = result.labels >= 0
    colors[clustered] = table[result.labels[clustered] % k]
    border = result.border_mask
    colors[border] = pastel(colors[border], 0.45)
    return colors


class DBSCANPlot(QWidget):
    """A ScatterView that draws a DBSCAN result like the chapter's Figure 9-14.

    Up to ``SIZED_MAX`` points: core samples large and coloured by cluster
    (the ScatterView, which rasterises them above its own threshold), border
    samples small in their cluster's colour and anomalies as black crosses (two
    overlay items). Above it every point is drawn by the rasterising
    ScatterView with the same size, so the distinction is by colour only
    (border pale, anomalies black); a note says so.
    """

    def __init__(self, parent=None):
        super().__init__(parent)
        self.view = ScatterView()
        self.view.setMinimumSize(160, 140)  # two fit side by side in a 1024-px window
        vb = self.view.plotItem.vb
        self.border_item = pg.ScatterPlotItem(pxMode=True, pen=pg.mkPen(40, 40, 40, 140, width=0.6))
        self.border_item.setZValue(2)
        vb.addItem(self.border_item)
        self.noise_item = pg.ScatterPlotItem(pxMode=True, symbol="x", size=CROSS_SIZE,
                                             pen=None, brush=pg.mkBrush(*ANOMALY_RGBA))
        self.noise_item.setZValue(3)
        vb.addItem(self.noise_item)
        self.note = SteadyLabel()
        self.note.setStyleSheet("color: #555; font-size: 11px;")
        self.note.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.note)
        self.result: DBSCANResult | None = None
        self._xy: np.ndarray | None = None
        self.colour_only = False
        self._brushes = np.empty(0, dtype=object)
        self.view.pending_shown.connect(self._forget_result)

    def _forget_result(self) -> None:
        """New points are drawn grey (ScatterView.show_pending): no result on them yet."""
        self.result, self._xy = None, None
        self.border_item.clear()
        self.noise_item.clear()
        points = self.view.points()
        self._set_note(None, keep_room=points is not None and len(points) > SIZED_MAX)

    def _set_note(self, text: str | None, keep_room: bool = False) -> None:
        """Show ``text`` under the plot, or (None) hide the note. ``keep_room``: hidden, the
        note keeps its room. New data drawn grey whose clustering will be drawn by colour
        (the note shown again): shown, hidden and shown, the note resized the plot twice per
        new table (a layout and a paint of the whole plot each time, and the plot moved)."""
        policy = self.note.sizePolicy()
        if policy.retainSizeWhenHidden() != keep_room:
            policy.setRetainSizeWhenHidden(keep_room)
            self.note.setSizePolicy(policy)
        if text is None:
            self.note.hide()
        else:
            self.note.setText(text)
            self.note.show()

    def show_result(self, xy: np.ndarray, result: DBSCANResult, auto_range: bool = True,
                    bounds=None,
                    colors: np.ndarray | None = None) -> None:
        """Draw ``result`` on the points ``xy``; ``colors`` are :func:`cluster_colors` if
        already computed."""
        if result is self.result and xy is self._xy and not auto_range:
            return  # already on screen
        self.result, self._xy = result, xy
        n = xy.shape[0]
        self.colour_only = n > SIZED_MAX
        labels = result.labels
        k = max(result.n_clusters, 1)
        if self.colour_only:
            self.border_item.clear()
            noise = np.flatnonzero(labels < 0)
            if noise.size <= MAX_CROSSES:
                self.noise_item.setData(x=xy[noise, 0], y=xy[noise, 1])
            else:
                self.noise_item.clear()
            if colors is None:
                colors = cluster_colors(result)
            if self.view.points() is xy and (not auto_range or self.view.pending):
                # same cloud (or drawn grey already, new data): recolour only (one gather)
                self.view.set_colors(colors)
            else:
                self.view.set_points(xy, colors=colors, size=3, auto_range=auto_range,
                                     bounds=bounds)
            crosses = "black crosses" if noise.size <= MAX_CROSSES else "black"
            self._set_note(
                f"{n:,} points: all are drawn the same size, so core samples are in their "
                f"cluster's colour, border samples in a paler tone and anomalies {crosses}.")
            return
        self._set_note(None)
        table = palette_rgba(k)
        if self._brushes.size < k:
            self._brushes = np.empty(k, dtype=object)
            self._brushes[:] = [pg.mkBrush(*c) for c in table]
        border = np.flatnonzero(result.border_mask)
        self.border_item.setData(x=xy[border, 0], y=xy[border, 1], size=BORDER_SIZE,
                                 brush=self._brushes[labels[border] % k])
        noise = np.flatnonzero(labels < 0)
        self.noise_item.setData(x=xy[noise, 0], y=xy[noise, 1])
        core = result.core_indices
        self.view.set_points(xy[core], colors=table[labels[core] % k], size=CORE_SIZE,
                             auto_range=False)
        if auto_range:
            self.view.plotItem.vb.autoRange(padding=0.05)

    def clear(self) -> None:
        self.result, self._xy = None, None
        self.border_item.clear()
        self.noise_item.clear()
        self.view.set_points(np.empty((0, 2)))

    def noise_points(self) -> np.ndarray:
        """The (m, 2) positions of the anomalies' crosses."""
        x, y = self.noise_item.getData()
        return np.column_stack([x, y]) if x is not None else np.empty((0, 2))

    def border_points(self) -> np.ndarray:
        x, y = self.border_item.getData()
        return np.column_stack([x, y]) if x is not None else np.empty((0, 2))


__all__ = ["DBSCANPlot", "cluster_colors", "SIZED_MAX", "MAX_CROSSES"]
