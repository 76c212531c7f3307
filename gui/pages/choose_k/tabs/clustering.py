"""The selected clustering: silhouette diagrams (chapter's Figure 9-10) and the scatter.

Both render the page's state and only redraw what changed: a new result, new
diagram ks, or a new selected k (which swaps precomputed arrays: colours,
region grid, centres).
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtGui import QCursor
from PySide6.QtWidgets import QLabel, QToolTip, QVBoxLayout, QWidget

from gui.pages.base import info_label
from gui.pages.choose_k.state import ChooseKState, missing_diagrams_text, scatter_note
from gui.widgets.palette import palette_rgba
from gui.widgets.scatter import ScatterView
from gui.widgets.silhouette_view import SilhouetteGrid
from gui.widgets.wrapping_label import reserve_lines

HOVER_HINT = "Hover a band: its cluster's size and mean silhouette."


def _column(*widgets: QWidget) -> QWidget:
    column = QWidget()
    layout = QVBoxLayout(column)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(0)
    for i, w in enumerate(widgets):
        layout.addWidget(w, 1 if i == 0 else 0)
    return column


class DiagramsPane(QWidget):
    """The silhouette diagrams of the chosen ks, and a line saying what the mouse points at."""

    k_clicked = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.grid = SilhouetteGrid()
        self.grid.setToolTip("Silhouette diagrams: each cluster's coefficients sorted, in "
                             "the cluster's colour; the dashed red line is the mean "
                             "(the silhouette score). Hover a band for its size and mean; "
                             "click a diagram to select its k.")
        self.grid.setMinimumSize(170, 200)
        self.grid.k_clicked.connect(self.k_clicked)
        self.grid.band_hovered.connect(self._band_hovered)
        self.grid.left.connect(self._left)
        self.hover_label = QLabel(HOVER_HINT)
        self.hover_label.setToolTip("What the mouse points at in the silhouette diagrams.")
        self.hover_label.setStyleSheet("color: #333; padding: 2px;")
        reserve_lines(self.hover_label, 2, padding=6)  # wraps, and the grid never moves
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(_column(self.grid, self.hover_label))
        self._drawn = None  # (result, diagram ks) drawn last
        self._selected = None  # the selected k drawn last
        self._hint = HOVER_HINT

    def render(self, state: ChooseKState) -> None:
        for step in self.render_steps(state):
            step()

    def render_steps(self, state: ChooseKState) -> list:
        """:meth:`render` as calls to make one per turn of the event loop (a diagram each);
        what is drawn already is not drawn again."""
        key = (state.result, tuple(state.diagram_ks))
        selected = state.selected_k
        if state.result is None or key == self._drawn:
            if selected == self._selected:
                return []

            def select() -> None:
                self._selected = selected
                self._left()  # the band described may be another k's
                self.grid.set_selected(selected)

            return [select]
        study = state.result.study
        items = [(k, study.diagram(k)) for k in state.diagram_ks if k in study.sweep.ks]
        steps = self.grid.diagram_steps([(k, d) for k, d in items if d is not None],
                                        colors_for_k=palette_rgba, selected_k=selected)
        hint = missing_diagrams_text(state) or HOVER_HINT

        def finish() -> None:
            self._drawn, self._hint = key, hint  # (drawn once all its steps ran)
            self._selected = selected
            self._left()
            self.grid.set_selected(selected)

        last = steps.pop()
        return steps + [lambda: (last(), finish())]

    def _left(self) -> None:
        """The mouse left the bands (or another k was selected): the hint again."""
        QToolTip.hideText()
        self.hover_label.setText(self._hint)
        for plot in self.grid.diagram_plots:
            plot.highlight(None)

    def _band_hovered(self, k: int, cluster: int, size: int, mean: float) -> None:
        text = f"k={k}, cluster {cluster}: {size:,} points, mean silhouette {mean:.3f}"
        self.hover_label.setText(text)
        QToolTip.showText(QCursor.pos(), text, self.grid)


class ScatterPane(QWidget):
    """The selected k's clustering: points in cluster colours, regions (2-D data), centres."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.scatter = ScatterView()
        self.scatter.setToolTip("The selected k's clustering with K-Means' decision regions "
                                "(for 2-D data) and centres. Scroll to zoom, drag to pan.")
        self.scatter.setMinimumSize(170, 200)
        self.centroid_rings = pg.ScatterPlotItem(size=15, symbol="o",
                                                 pen=pg.mkPen("w", width=2), brush=(0, 0, 0, 0))
        self.centroid_crosses = pg.ScatterPlotItem(size=11, symbol="x", pen=None,
                                                   brush=(20, 20, 20))
        for item in (self.centroid_rings, self.centroid_crosses):
            item.setZValue(20)
            self.scatter.plotItem.vb.addItem(item, ignoreBounds=True)
        self.note = info_label("")
        self.note.setVisible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(_column(self.scatter, self.note))
        self._points_of = None  # the dataset whose points are drawn
        self._drawn = None  # (result, k) drawn last
        self.scatter.pending_shown.connect(self._pending_shown)

    def _pending_shown(self) -> None:
        """New points drawn grey before their sweep: no clustering on them yet."""
        self.forget_drawn()
        self.scatter.set_regions(None)
        self.centroid_rings.setData([], [])
        self.centroid_crosses.setData([], [])

    def forget_drawn(self) -> None:
        self._points_of = self._drawn = None

    def render(self, state: ChooseKState) -> None:
        result, k = state.result, state.selected_k
        if result is None or k is None or (result, k) == self._drawn:
            return
        study = result.study
        i = study.index(k)
        ds, projection = result.dataset, result.projection
        if self._points_of is not ds and self.scatter.shows(projection.coords):
            self._points_of = ds  # drawn grey already (new data, gui/preview.py)
            self.scatter.set_colors(result.colors[i])
            self.scatter.set_axis_titles(*(t.replace(" of variance", "")
                                           for t in projection.axis_titles))
        elif self._points_of is not ds or self.scatter.n_points != ds.n_samples:
            self._points_of = ds
            self.scatter.set_points(projection.coords, colors=result.colors[i],
                                    size=6 if ds.n_samples <= 5000 else 3, auto_range=True,
                                    bounds=study.bounds)
            self.scatter.set_axis_titles(*(t.replace(" of variance", "")
                                           for t in projection.axis_titles))
        else:
            self.scatter.set_colors(result.colors[i])
        if self._drawn is None or self._drawn[0] is not result:
            note = scatter_note(state)
            self.note.setText(f"<small>{note}</small>" if note else "")
            self.note.setVisible(bool(note))
        self._drawn = (result, k)
        if study.regions is not None:
            self.scatter.set_regions(study.regions[i], study.x_range, study.y_range, n_colors=k)
        else:
            self.scatter.set_regions(None)
        centers = study.centers_2d[i]
        self.centroid_rings.setData(centers[:, 0], centers[:, 1])
        self.centroid_crosses.setData(centers[:, 0], centers[:, 1])
        self.scatter.set_title(f"k={k}")
