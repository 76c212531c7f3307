"""The Data page: look at a dataset before clustering it."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QPushButton, QVBoxLayout

from core.datasets import Dataset
from core.projection import Projection
from core.storage import RowTable
from gui.pages.base import Page, info_label, panel, side_panel
from gui.widgets.dataset_picker import DatasetPicker
from gui.widgets.palette import colors_for_labels, hex_color, palette_rgba
from gui.widgets.scatter import ScatterView


class DataPage(Page):
    name = "data"
    title = "Data"

    def __init__(self, ctx, parent=None):
        super().__init__(ctx, parent)
        self.dataset: Dataset | None = None
        self.projection: Projection | None = None
        settings = ctx.settings
        default = settings.value("data/last_dataset", "blobs") if settings is not None else "blobs"

        box, form = panel("Dataset")
        self.picker = DatasetPicker(ctx, default=str(default))
        self.picker.key_changed.connect(self._load)
        form.addRow(self.picker)
        self.open_button = QPushButton("Open a file…")
        self.open_button.setToolTip("Open a CSV, TSV or NPY table, or an image (Ctrl+O). "
                                    "You can also drop a file on the window.")
        self.open_button.clicked.connect(lambda: ctx.open_requested.emit("data"))
        form.addRow(self.open_button)
        self.color_check = QCheckBox("Colour by true labels")
        self.color_check.setChecked(True)
        self.color_check.setToolTip("Colour the points by the labels the dataset comes with. "
                                    "Clustering never sees them; they show what a good clustering "
                                    "could find.")
        self.color_check.toggled.connect(self._recolor)
        form.addRow(self.color_check)

        summary_box, summary_form = panel("Summary")
        self.summary = info_label("Loading…")
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        summary_form.addRow(self.summary)

        self.view = ScatterView()
        self.view.setToolTip("Scroll to zoom, drag to pan, right-click for more.")
        self.legend = info_label()
        self.legend.setTextFormat(Qt.TextFormat.RichText)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(side_panel(box, summary_box, self.legend))
        column = QVBoxLayout()
        column.addWidget(self.view, 1)
        layout.addLayout(column, 1)
        ctx.dataset_opened.connect(self.show_dataset)

    # -- lifecycle --------------------------------------------------------------------------------
    def start(self) -> None:
        self._load(self.picker.current_key())

    def show_dataset(self, key: str) -> None:
        """Select a dataset (e.g. one the user just opened) and draw it."""
        if self.picker.current_key() == key:
            self._load(key)
        else:
            self.picker.set_current_key(key)

    def _load(self, key: str) -> None:
        if not key:
            return
        self.summary.setText("Loading…")
        self.run_task(self.ctx.load_view, key, key="load",
                      description="Loading dataset…", on_result=self._show,
                      on_error=self._failed)

    def _failed(self, exc: BaseException) -> None:
        # Keep what was shown; go back to the dataset that is drawn.
        self.ctx.show_message(str(exc), "error")
        if self.dataset is not None:
            self.picker.blockSignals(True)
            self.picker.set_current_key(self.dataset.key)
            self.picker.blockSignals(False)
            self._update_summary()

    def _show(self, result: tuple[Dataset, Projection]) -> None:
        self.dataset, self.projection = result
        if self.ctx.settings is not None:
            self.ctx.settings.setValue("data/last_dataset", self.dataset.key)
        has_labels = self.dataset.y is not None or "rgb" in self.dataset.extra
        self.color_check.setEnabled(has_labels)
        self.color_check.setText("Colour by pixel colour" if "rgb" in self.dataset.extra
                                 else "Colour by true labels")
        size = 6 if self.dataset.n_samples <= 5000 else 3
        self.view.set_points(self.projection.coords, colors=self._colors(), size=size)
        self.view.set_axis_titles(*self.projection.axis_titles)
        self.view.set_title(self.dataset.name)
        self._update_summary()
        self.code_changed.emit()
        self.mark_drawn()

    def _colors(self) -> np.ndarray:
        ds = self.dataset
        n = ds.n_samples
        if self.color_check.isChecked() and "rgb" in ds.extra:
            rgba = np.empty((n, 4), dtype=np.uint8)
            rgba[:, :3] = ds.extra["rgb"]
            rgba[:, 3] = 255
            return rgba
        if self.color_check.isChecked() and ds.y is not None:
            return colors_for_labels(ds.y, int(ds.y.max()) + 1)
        return np.tile(np.array([[40, 40, 40, 255]], dtype=np.uint8), (n, 1))

    def _recolor(self) -> None:
        if self.dataset is not None:
            self.view.set_colors(self._colors())
            self._update_summary()

    def _update_summary(self) -> None:
        ds = self.dataset
        if ds is None:
            return
        classes = f"{ds.n_classes}" if ds.y is not None else "none (unlabelled)"
        proj = self.projection
        if proj.method == "pca":
            shown = (f"the first two principal components (together "
                     f"{proj.explained_variance_ratio.sum():.1%} of the variance)")
        elif proj.method == "pad":
            shown = "the single feature, against zero"
        else:
            shown = "the two features"
        self.summary.setText(
            f"<b>{ds.name}</b><br>"
            f"Rows: {ds.n_samples:,}<br>Features: {ds.n_features}<br>"
            f"Classes: {classes}<br>Source: {ds.source}<br><br>"
            f"{ds.description}<br><br><i>The plot shows {shown}.</i>"
        )
        if ds.y is not None and self.color_check.isChecked():
            k = int(ds.y.max()) + 1
            colors = palette_rgba(k)
            names = ds.target_names or tuple(str(i) for i in range(k))
            items = [f"<span style='color:{hex_color(colors[i])}'>●</span> "
                     f"{names[i] if i < len(names) else i}"
                     for i in range(min(k, 20))]
            self.legend.setText("<b>Labels</b><br>" + "<br>".join(items))
        else:
            self.legend.setText("")

    # -- window hooks -----------------------------------------------------------------------------------
    def code(self) -> str:
        ds = self.dataset
        if ds is None:
            return ""
        code = ds.code
        if self.projection is not None and self.projection.method == "pca":
            code += ("\nfrom sklearn.decomposition import PCA\n\n"
                     "pca = PCA(n_components=2)\nX2D = pca.fit_transform(X)\n"
                     "print(pca.explained_variance_ratio_)\n")
            xy = "X2D"
        else:
            xy = "X"
        code += ("\nimport matplotlib.pyplot as plt\n\n"
                 f"plt.scatter({xy}[:, 0], {xy}[:, 1], "
                 + ("c=y, " if ds.y is not None and self.color_check.isChecked() else "")
                 + "s=1)\nplt.show()\n")
        return code

    def export_widget(self):
        return self.view

    def export_table(self):
        if self.dataset is None:
            return None
        ds = self.dataset
        header = list(ds.feature_names) + (["label"] if ds.y is not None else [])
        return header, RowTable(ds.X, *([] if ds.y is None else [ds.y]))
