"""The Clusters tab: the data coloured by cluster, decision regions, centroids and their
trails, the draggable hand-placed centroids, and the soft-clustering table."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QIcon, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.storage import RowTable
from gui.pages.kmeans import snippets
from gui.pages.kmeans.state import KMeansState
from gui.pages.kmeans.tabs import LazyTab
from gui.widgets.cluster_view import ClusterView, HandleItem
from gui.widgets.palette import palette_rgba
from gui.widgets.table_rows import show_rows


def _color_icon(rgba) -> QIcon:
    pm = QPixmap(10, 10)
    pm.fill(QColor(*[int(c) for c in rgba[:3]]))
    return QIcon(pm)


DELETE_NEW_HELP = "Remove the selected new instances (in the soft-clustering table)"


class ClustersTab(LazyTab):
    title = "Clusters"

    clicked = Signal(float, float, object, object)  # x, y on the plot, button, modifiers
    handle_moved = Signal(int, float, float)
    handle_released = Signal(int, float, float)
    chapter_new_requested = Signal()
    clear_new_requested = Signal()
    delete_new_requested = Signal(list)  # rows

    def __init__(self, parent=None):
        super().__init__(parent)
        self._shown_data = None
        self._shown_xy = None  # the array the view was given for _shown_data
        self._handles: list[HandleItem] = []
        self._new_texts: list[pg.TextItem] = []
        self._table_header: list[str] = []
        self._drawn = None
        # Del in the soft-clustering table removes its selected rows (defined with the tab:
        # the page has its shortcuts from the start; the table comes with build_steps)
        sc = QShortcut(QKeySequence(Qt.Key.Key_Delete), self)
        sc.setWhatsThis(DELETE_NEW_HELP)
        sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        sc.activated.connect(self._delete_pressed)

    def _delete_pressed(self) -> None:
        if self.built and self.table.hasFocus():
            self.delete_selected_new()

    def build_steps(self) -> list:
        # the plot, then the table and the layout: each on its own turn as the page opens
        return [self._make_view, self._make_rest]

    def _make_view(self) -> None:
        self.view = ClusterView()
        self.view.setToolTip("Click an empty spot to add a new instance to the soft-clustering "
                             "table (click it again to remove it). In 'placed by hand' mode, "
                             "click to place the initial centroids and drag them to move them. "
                             "Scroll to zoom, drag to pan.")
        self.view.setMinimumHeight(260)
        self.hint_label = QLabel("")
        self.hint_label.setWordWrap(True)
        self.hint_label.setStyleSheet("color: #1f3b57; padding: 2px 4px;")
        # A fixed height: the plot must not move under the mouse when the hint changes.
        self.hint_label.setFixedHeight(2 * self.hint_label.fontMetrics().lineSpacing() + 8)
        self.hint_label.setVisible(False)
        self.new_points = pg.ScatterPlotItem(symbol="star", size=17,
                                             pen=pg.mkPen(0, 0, 0, width=1.2))
        self.new_points.setZValue(30)
        self.view.plotItem.vb.addItem(self.new_points, ignoreBounds=True)

    def _make_rest(self) -> None:
        self.table = QTableWidget(0, 0)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.setToolTip("Soft clustering: the distance of every new instance to every "
                              "centroid (KMeans.transform) and its hard cluster (predict). "
                              "Delete removes the selected rows.")
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setMinimumSectionSize(30)
        show_rows(self.table)
        self.chapter_new_button = QPushButton("Chapter's X_new")
        self.chapter_new_button.setToolTip("The chapter's four new instances: [[0, 2], [3, 2], "
                                           "[-3, 3], [-3, 2.5]].")
        self.clear_new_button = QPushButton("Clear")
        self.clear_new_button.setToolTip("Remove every new instance.")
        table_title = QLabel("<b>Soft clustering</b>: distances (<code>transform</code>)")
        table_title.setToolTip(self.table.toolTip())
        table_title.setWordWrap(True)  # a narrow window wraps it instead of growing
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(table_title, 1)
        top.addWidget(self.chapter_new_button)
        top.addWidget(self.clear_new_button)
        table_box = QWidget()
        tl = QVBoxLayout(table_box)
        tl.setContentsMargins(4, 2, 4, 2)
        tl.addLayout(top)
        tl.addWidget(self.table)

        split = QSplitter(Qt.Orientation.Vertical)
        upper = QWidget()
        ul = QVBoxLayout(upper)
        ul.setContentsMargins(0, 0, 0, 0)
        ul.setSpacing(0)
        ul.addWidget(self.hint_label)
        ul.addWidget(self.view, 1)
        split.addWidget(upper)
        split.addWidget(table_box)
        split.setStretchFactor(0, 4)
        split.setStretchFactor(1, 1)
        split.setSizes([560, 170])
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(split)

        self.view.clicked.connect(self.clicked)
        self.chapter_new_button.clicked.connect(self.chapter_new_requested)
        self.clear_new_button.clicked.connect(self.clear_new_requested)

    def cluster_views(self) -> list:
        return [self.view] if self.built else []

    def pending_views(self) -> list:
        return [self.view] if self.built else []

    def forget_drawn(self) -> None:
        self._shown_data = self._drawn = self._shown_xy = None

    def delete_selected_new(self) -> None:
        rows = sorted({i.row() for i in self.table.selectedIndexes()})
        if rows:
            self.delete_new_requested.emit(rows)

    # -- drawing --------------------------------------------------------------------------
    def render(self, state: KMeansState) -> None:
        ds, proj = state.dataset, state.projection
        if ds is None or not self.built:  # (drawn once the views are made: build_steps)
            return
        if self._shown_data is not ds or not self.view.shows(self._shown_xy):
            # new data, or the view shows other points meanwhile: new data drawn grey
            # (gui/preview.py) while a step of this data still arrives. This data's points
            # are drawn back under its frame; the page draws the preview over them again.
            self._shown_data, self._drawn = ds, None
            if not self.view.shows(proj.coords):  # (drawn already if it was previewed)
                self.view.set_points(proj.coords,
                                     colors=np.zeros((ds.n_samples, 4), np.uint8) + 160,
                                     size=6 if ds.n_samples <= 5000 else 3)
            self._shown_xy = self.view.points()
            self.view.set_axis_titles(*proj.axis_titles)
            self.view.set_title(ds.name)
        f = state.frame
        placed = state.placed_for()
        if self._drawn is not None and self._drawn[0] is ds and self._drawn[1] is f:
            pass  # only the handles, hint and table may have changed
        elif f is None:  # hand mode with fewer (or more) than k centroids
            grey = np.zeros((ds.n_samples, 4), np.uint8)
            grey[:] = (150, 150, 150, 255)
            self.view.set_colors(grey)
            self.view.centroids.clear()
            self.view.show_regions_for(None, state.k)
        else:
            k = len(f.centers)
            self.view.set_colors(f.colors)
            self.view.centroids.set_centers(f.centers2d, f.trail2d)
            self.view.show_regions_for(f.centers2d if proj.method == "identity" else None, k)
        self._drawn = (ds, f)
        self.chapter_new_button.setEnabled(ds.n_features == 2)
        self.hint_label.setVisible(state.hand)
        n = len(placed)
        if not state.hand:
            self.hint_label.setText("")
        elif f is not None and n == state.k:
            self.hint_label.setText("Drag a centroid to move it; Step (→) runs K-Means from "
                                    "these centroids, Fit runs it to convergence.")
        elif n < state.k:
            self.hint_label.setText(f"Click on the plot to place initial centroid {n + 1} of "
                                    f"{state.k}; drag a placed one to move it.")
        elif f is None:
            self.hint_label.setText(f"{n} centroids are placed but k is {state.k}: clear them "
                                    f"and place {state.k}, or set k to {n}.")
        self._render_handles(state)
        self.render_soft(state)

    def _render_handles(self, state: KMeansState) -> None:
        placed_xy = state.placed_xy()
        vb = self.view.plotItem.vb
        colors = palette_rgba(max(state.k, len(placed_xy), 1))
        # Only the handles placed or removed since are made or dropped: making all of them
        # again for each one placed held the GUI thread ~1 ms a handle.
        while len(self._handles) > len(placed_xy):
            vb.removeItem(self._handles.pop())
        while len(self._handles) < len(placed_xy):
            h = HandleItem(len(self._handles), colors[len(self._handles)])
            h.moved.connect(self.handle_moved)
            h.released.connect(self.handle_released)
            vb.addItem(h, ignoreBounds=True)
            self._handles.append(h)
        for h, (x, y), color in zip(self._handles, placed_xy, colors):
            h.set_color(color)
            if not h.dragging:  # never yank a centroid from under the mouse
                h.setPos(float(x), float(y))

    def handles(self) -> list[HandleItem]:
        return list(self._handles)

    def handle_positions(self) -> np.ndarray:
        return np.array([[h.pos().x(), h.pos().y()] for h in self._handles]).reshape(-1, 2)

    def render_soft(self, state: KMeansState) -> None:
        """The soft-clustering table and the new instances' markers."""
        if not self.built:
            return
        pts, xy = state.x_new_for(), state.x_new_xy()
        soft = state.soft if state.frame is not None and len(pts) else None
        k = len(state.frame.centers) if state.frame is not None else 0
        if soft is not None and soft.distances.shape != (len(pts), k):
            soft = None  # the new centroids' distances are on their way
        vb = self.view.plotItem.vb
        # The numbers next to the new instances only change when the instances do.
        if len(self._new_texts) != len(xy) or any(
                (t.pos().x(), t.pos().y()) != (float(x), float(y))
                for t, (x, y) in zip(self._new_texts, xy)):
            for t in self._new_texts:
                vb.removeItem(t)
            self._new_texts = []
            for r, (x, y) in enumerate(xy):
                t = pg.TextItem(str(r + 1), color=(0, 0, 0), anchor=(-0.3, 1.1))
                t.setPos(float(x), float(y))
                t.setZValue(31)
                vb.addItem(t, ignoreBounds=True)
                self._new_texts.append(t)
        d = pts.shape[1] if pts.ndim == 2 else 0
        names = ["instance"] if 0 < d <= 3 else []
        colors = palette_rgba(max(k, 1))
        header = ["#"] + names + [str(j) for j in range(k)] + (["cluster"] if k else [])
        if header != self._table_header:
            self._table_header = header
            self.table.clear()
            self.table.setColumnCount(len(header))
            for c, text in enumerate(header):
                item = QTableWidgetItem(text)
                j = c - 1 - len(names)
                if 0 <= j < k:
                    item.setIcon(_color_icon(colors[j]))
                    item.setToolTip(f"Distance to centroid {j} (column {j} of transform)")
                self.table.setHorizontalHeaderItem(c, item)
        self.table.setRowCount(len(pts))
        labels = soft.labels if soft is not None else None
        for r in range(len(pts)):
            cells = [str(r + 1)] + (["(" + ", ".join(f"{v:.2f}" for v in pts[r]) + ")"]
                                    if names else [])
            if soft is not None:
                cells += [f"{v:.2f}" for v in soft.distances[r]] + [str(int(labels[r]))]
            for c in range(len(cells), self.table.columnCount()):
                if self.table.item(r, c) is not None:
                    self.table.item(r, c).setText("")
            for c, text in enumerate(cells):
                item = self.table.item(r, c)
                if item is None:
                    item = QTableWidgetItem()
                    item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                    self.table.setItem(r, c, item)
                last = soft is not None and c == len(cells) - 1
                bold = last or (soft is not None and c == 1 + len(names) + int(labels[r]))
                if item.text() != text:
                    item.setText(text)
                if item.font().bold() != bold:
                    font = item.font()
                    font.setBold(bold)
                    item.setFont(font)
                if last:
                    item.setBackground(QColor(*[int(v) for v in colors[labels[r]][:3]], 90))
        self.table.resizeColumnsToContents()
        hh = self.table.horizontalHeader()  # (which sized the last column to its contents
        hh.setStretchLastSection(False)  # too: stretched again now, not at the next resize)
        hh.setStretchLastSection(True)
        if len(xy):
            brushes = ([pg.mkBrush(*colors[j][:3], 255) for j in labels] if labels is not None
                       else [pg.mkBrush(255, 255, 255)] * len(xy))
            self.new_points.setData(x=xy[:, 0], y=xy[:, 1], brush=brushes)
        else:
            self.new_points.setData([], [])

    def soft_table(self) -> tuple[list[str], list[list[str]]]:
        header = [self.table.horizontalHeaderItem(c).text()
                  for c in range(self.table.columnCount())]
        rows = [[self.table.item(r, c).text() if self.table.item(r, c) else ""
                 for c in range(self.table.columnCount())]
                for r in range(self.table.rowCount())]
        return header, rows

    # -- what the window asks -------------------------------------------------------------
    def code(self, state: KMeansState) -> str:
        return snippets.fit_code(state)

    def export_widget(self):
        self.ensure_built()
        return self.view

    def export_table(self, state: KMeansState):
        f, ds = state.frame, state.dataset
        if f is None or ds is None:
            return None
        return (list(ds.feature_names) + ["cluster", "distance to centroid"],
                RowTable(ds.X, f.labels, f.distances))
