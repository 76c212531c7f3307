"""The DBSCAN page's parameter panel: dataset, eps, min_samples, the summary of the
clustering, and the new instances with their predicted clusters. It renders the state's
parameters and results; the page connects its controls."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from gui.pages.base import Form, hbox, info_label, panel, side_panel
from gui.persist import set_widget_value
from gui.widgets.dataset_picker import DatasetPicker
from gui.widgets.distance_spin import DistanceSpinBox
from gui.widgets.palette import ANOMALY_RGBA, hex_color, palette_rgba
from gui.widgets.table_rows import show_rows
from gui.widgets.wrapping_label import WrappingLabel, reserve_lines

HELP = ("Click the plot to add an instance. A KNN classifier trained on the core samples "
        "predicts its cluster; one farther than the max distance from every core sample is "
        "an anomaly.")
HELP_PCA = (" For this data the plot shows principal components: a click stands for the "
            "point of the principal plane under it.")


class ControlPanel:
    """The widgets of the side panel (``self.widget``), bound to the page's settings."""

    def __init__(self, ctx, binder):
        data_box, data_form = panel("Dataset")
        self.picker = Form(data_form, binder).row(
            None, DatasetPicker(ctx, default=binder.value("dataset")), key="dataset")

        box, form = panel("DBSCAN")
        f = Form(form, binder)
        self.eps_spin = f.row("eps", DistanceSpinBox(0.05), tip=(
            "eps: the radius of a point's neighbourhood. A point with at least min_samples "
            "points within eps (itself included) is a core sample. You can also drag the "
            "horizontal line of the k-distance curve."))
        self.min_samples_spin = f.spin("min_samples", "min_samples", 1, 10_000, tip=(
            "min_samples: how many points (the point itself included) must lie within eps "
            "for a point to be a core sample."))
        self.suggest_button = f.row(None, QPushButton("Use the suggested eps"), tip=(
            "Set eps to the knee of the k-distance curve (k = min_samples − 1), marked on "
            "the curve below the plot."))
        self.summary = info_label("Loading…")
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        # five explicit lines, always: what is below does not move when a result arrives
        reserve_lines(self.summary, 5, wrap=False)
        form.addRow(self.summary)

        new_box, new_form = panel("New instances")
        self.instances_help = WrappingLabel(HELP)
        self.instances_help.setStyleSheet("color: #444;")
        new_form.addRow(self.instances_help)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["#", "position", "cluster", "probability"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        show_rows(self.table)
        self.table.setToolTip("The new instances, their predicted cluster and the "
                              "classifier's probability for it.")
        new_form.addRow(self.table)
        self.chapter_button = QPushButton("Chapter's four")
        self.chapter_button.setToolTip("Put back the chapter's X_new: (-0.5, 0), (0, 0.5), "
                                       "(1, -0.1) and (2, 1).")
        self.remove_button = QPushButton("Remove")
        self.remove_button.setToolTip("Remove the selected instances (or the last one).")
        self.clear_button = QPushButton("Clear")
        self.clear_button.setToolTip("Remove every new instance.")
        for b in (self.remove_button, self.clear_button):  # (not Qt's 80 px: the row fits)
            b.setMinimumWidth(b.fontMetrics().horizontalAdvance(b.text()) + 20)
        new_form.addRow(hbox(self.chapter_button, self.remove_button, self.clear_button))
        f = Form(new_form, binder)
        self.k_spin = f.spin("n_neighbors", "n_neighbors", 1, 1000, tip=(
            "n_neighbors of the KNeighborsClassifier (the chapter's 50); all core samples "
            "vote when there are fewer."))
        self.max_dist_spin = f.row("max distance", DistanceSpinBox(0.2), tip=(
            "An instance farther than this from its nearest core sample is an anomaly (the "
            "chapter uses 0.2 on the moons; other data starts with its suggested eps)."))
        self.regions_check = f.check(None, "Show the KNN's decision regions", tip=(
            "Colour the background by the cluster the classifier predicts there; grey where "
            "it would say anomaly."))

        export_box, export_form = panel("Results")
        self.export_button = Form(export_form).row(
            None, QPushButton("Export labels as CSV…"),
            tip="Save every point with its cluster (-1 for anomalies) and whether it is a "
                "core, border or noise sample.")
        self.widget: QWidget = side_panel(data_box, box, new_box, export_box, width=290)
        self._table_key = None
        self._projection = None

    # -- drawing ---------------------------------------------------------------------------------
    def render(self, state) -> None:
        for spin, value in ((self.eps_spin, state.eps), (self.max_dist_spin, state.max_distance),
                            (self.min_samples_spin, state.min_samples)):
            if spin.value() != value:
                set_widget_value(spin, value)
        proj = state.projection
        if proj is not None and proj is not self._projection:
            self._projection = proj
            self.chapter_button.setEnabled(proj.method == "identity")
            self.instances_help.setText(HELP + (HELP_PCA if proj.method == "pca" else ""))
        self._render_summary(state)
        self._render_table(state)

    def _render_summary(self, state) -> None:
        r, ds = state.result, state.dataset
        if r is None or ds is None or r.labels.size != ds.n_samples:
            return  # (the last clustering stays until the new one is drawn: no layout jumps)
        self.summary.setText(
            f"<b>{r.n_clusters}</b> cluster{'s' if r.n_clusters != 1 else ''} in "
            f"{ds.n_samples:,} points:<br>"
            f"&nbsp;&nbsp;{r.n_core:,} core samples<br>"
            f"&nbsp;&nbsp;{r.n_border:,} border samples<br>"
            f"&nbsp;&nbsp;<span style='color:{hex_color(ANOMALY_RGBA)}'>{r.n_noise:,} "
            f"anomal{'ies' if r.n_noise != 1 else 'y'}</span> (noise)<br>"
            f"<span style='color:#666'>computed in {state.elapsed:.2f} s</span>")

    def _render_table(self, state) -> None:
        pred = state.prediction
        key = (tuple(state.instances), pred, state.result)
        if self._table_key is not None and key[0] == self._table_key[0] \
                and key[1] is self._table_key[1] and key[2] is self._table_key[2]:
            return
        self._table_key = key
        self.table.setRowCount(len(state.instances))
        k = max(state.result.n_clusters if state.result else 1, 1)
        colors = palette_rgba(k)
        for i, (x, y) in enumerate(state.instances):
            cells = [str(i + 1), f"({x:.3g}, {y:.3g})", "…", ""]
            tip = ""
            known = pred is not None and i < pred.labels.size
            if known:
                if pred.labels[i] < 0:
                    cells[2] = "anomaly"
                    cells[3] = f"— ({pred.distances[i]:.3g} from a core sample)"
                    tip = (f"The nearest core sample is {pred.distances[i]:.3g} away, more than "
                           f"the max distance {pred.max_distance:g}.")
                else:
                    cells[2] = str(int(pred.labels[i]))
                    cells[3] = f"{pred.probability[i]:.2f}"
                    probs = ", ".join(f"{c}: {p:.2f}" for c, p in
                                      zip(pred.classes, pred.probabilities[i]) if p > 0)
                    tip = f"predict_proba: {probs}"
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if tip:
                    item.setToolTip(tip)
                if j == 2 and known:
                    lab = int(pred.labels[i])
                    color = ANOMALY_RGBA if lab < 0 else colors[lab % k]
                    item.setForeground(QColor(*[int(c) for c in color[:3]]))
                self.table.setItem(i, j, item)

    def selected_rows(self) -> list[int]:
        return sorted({i.row() for i in self.table.selectedIndexes()})

    def table_rows(self) -> list[list[str]]:
        return [[self.table.item(i, j).text() for j in range(self.table.columnCount())]
                for i in range(self.table.rowCount())]
