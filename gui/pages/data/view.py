"""The Data page's view: the scatter plot, its summary and its legend, drawn from the state."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QVBoxLayout

from core.storage import RowTable
from gui.pages.base import Tab, info_label
from gui.pages.data import snippets
from gui.pages.data.state import DataState
from gui.widgets.palette import hex_color, palette_rgba
from gui.widgets.scatter import RASTER_THRESHOLD, ScatterView

MAX_LEGEND = 20


def summary_text(state: DataState) -> str:
    ds, proj = state.dataset, state.projection
    if ds is None:
        return "Loading…"
    classes = (f"{ds.n_classes}" + (f" (column '{ds.target_name}')" if ds.target_name else "")
               if ds.y is not None else "none (unlabelled)")
    if proj.method == "pca":
        shown = (f"the first two principal components (together "
                 f"{proj.explained_variance_ratio.sum():.1%} of the variance)")
    elif proj.method == "pad":
        shown = "the single feature, against zero"
    else:
        shown = "the two features"
    return (f"<b>{ds.name}</b><br>"
            f"Rows: {ds.n_samples:,}<br>Features: {ds.n_features}<br>"
            f"Classes: {classes}<br>Source: {ds.source}<br><br>"
            f"{ds.description}<br><br><i>The plot shows {shown}.</i>")


def legend_text(state: DataState) -> str:
    ds = state.dataset
    if ds is None or ds.y is None or not state.color_by_labels:
        return ""
    # y is 0..k-1 over the classes that remain (core re-codes them after dropped rows)
    k = int(ds.y.max()) + 1
    colors = palette_rgba(k)
    names = ds.class_names or tuple(str(i) for i in range(k))
    items = [f"<span style='color:{hex_color(colors[i])}'>●</span> "
             f"{names[i] if i < len(names) else i}"
             for i in range(min(k, MAX_LEGEND))]
    title = f"Labels ({ds.target_name})" if ds.target_name else "Labels"
    more = f"<br>… and {k - MAX_LEGEND} more" if k > MAX_LEGEND else ""
    return f"<b>{title}</b><br>" + "<br>".join(items) + more


class DataView(Tab):
    """The scatter of the dataset's 2-D view; ``summary`` and ``legend`` go in the side
    panel."""

    title = "Data"

    def __init__(self, parent=None):
        super().__init__(parent)
        self.scatter = ScatterView()
        self.scatter.setToolTip("Scroll to zoom, drag to pan, right-click for more.")
        # a big cloud's canvas is made by a task (raster_wanted), not on the GUI thread
        self.scatter.async_raster_from = RASTER_THRESHOLD
        self.summary = info_label("Loading…")
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.legend = info_label()
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.scatter, 1)
        self._points = None  # the Shown whose points are in the scatter
        self._colors = None  # and the colours drawn

    def render(self, state: DataState) -> None:
        shown = state.shown
        if shown is not None and (self._points is None
                                  or self._points.projection is not shown.projection):
            # The colours and bounds came from the job: here only the scatter's own drawing.
            self.scatter.set_points(shown.projection.coords, colors=shown.colors,
                                    size=shown.size, bounds=shown.bounds)
            self.scatter.set_axis_titles(*shown.projection.axis_titles)
            self.scatter.set_title(shown.dataset.name)
            self._points, self._colors = shown, shown.colors
        elif shown is not None and self._colors is not shown.colors:
            self.scatter.set_colors(shown.colors)
            self._colors = shown.colors
        self.summary.setText("Loading…" if state.loading else summary_text(state))
        self.legend.setText(legend_text(state))

    def code(self, state: DataState) -> str:
        return snippets.page_code(state)

    def export_widget(self):
        return self.scatter

    def export_table(self, state: DataState):
        ds = state.dataset
        if ds is None:
            return None
        header = list(ds.feature_names) + (["label"] if ds.y is not None else [])
        return header, RowTable(ds.X, *([] if ds.y is None else [ds.y]))
