"""The Data page: look at a dataset before clustering it.

Wiring only: the picker and the colour switch change the state, a job loads and
projects the dataset (``ctx.load_view``) and colours its points off the GUI
thread, the view draws the result.
"""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QPushButton

from core.errors import DataError
from gui.pages.base import Form, Page, panel, side_panel
from gui.pages.data import jobs
from gui.pages.data.settings import DataSettings
from gui.pages.data.state import DataState, Shown
from gui.pages.data.view import DataView
from gui.widgets.dataset_picker import DatasetPicker


class DataPage(Page):
    name = "data"
    title = "Data"
    Settings = DataSettings

    def __init__(self, ctx, parent=None):
        super().__init__(ctx, parent)
        self.state = DataState(key=self.binder.settings.last_dataset)
        self.view = DataView()
        self.declare_view(self.view)  # one view, no tab bar

        box, layout = panel("Dataset")
        form = Form(layout, self.binder)
        self.picker = form.row(None, DatasetPicker(ctx, default=self.state.key,
                                                   follow_images=True), key="last_dataset")
        self.picker.key_changed.connect(self._load)
        self.open_button = QPushButton("Open a file…")
        self.open_button.setToolTip("Open a CSV, TSV or NPY table, or an image (Ctrl+O). "
                                    "You can also drop a file on the window.")
        self.open_button.clicked.connect(lambda: ctx.open_requested.emit("data"))
        layout.addRow(self.open_button)
        self.color_check = form.check(
            None, "Colour by true labels", checked=True,
            tip="Colour the points by the labels the dataset comes with. Clustering never sees "
                "them; they show what a good clustering could find.")
        self.color_check.toggled.connect(self._recolor)
        self.labels_combo = form.combo(
            None, "Labels", [("(none)", None)],
            tip="The column of the table that holds the true labels, or none. Clustering "
                "never sees it; the other text columns are ignored.")
        self.labels_combo.activated.connect(self._labels_chosen)

        summary_box, summary_form = panel("Summary")
        summary_form.addRow(self.view.summary)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(side_panel(box, summary_box, self.view.legend))
        layout.addWidget(self.view, 1)
        self.view.scatter.raster_wanted.connect(self._rasterize)

    # -- lifecycle --------------------------------------------------------------------------------
    def start(self) -> None:
        self._load(self.picker.current_key())

    def show_dataset(self, key: str) -> None:
        """Select a dataset (e.g. one the user just opened) and draw it."""
        self.picker.select_opened(key)

    def shown_settings(self) -> dict:
        ds = self.state.dataset
        return {} if ds is None else {"last_dataset": ds.key}

    def fail(self, exc: BaseException, what: str = "The computation") -> None:
        # Keep what was shown: the picker goes back to the dataset that is drawn, the labels
        # combo to its labels column.
        self.state.loading = False
        if self.state.dataset is not None:
            self.state.key = self.state.dataset.key
        super().fail(exc, what)
        self._fill_labels_combo()
        self.refresh()

    # -- work ---------------------------------------------------------------------------------------
    def _load(self, key: str) -> None:
        if not key:
            return
        self.state.key, self.state.loading = key, True
        self.refresh()
        self.run_task(jobs.load, self.ctx.load_view, key, self.state.color_by_labels,
                      key="load", description="Loading dataset…",
                      cost=jobs.load_cost(self.ctx, key), paint_in_turns=True, on_result=self._show)

    def _show(self, shown: Shown) -> None:
        state = self.state
        state.shown, state.loading = shown, False
        self.binder.set(last_dataset=shown.dataset.key)
        self.color_check.setEnabled(state.has_labels)
        self.color_check.setText("Colour by pixel colour" if "rgb" in shown.dataset.extra
                                 else "Colour by true labels")
        self._fill_labels_combo()
        if shown.by_labels != state.color_by_labels:  # switched while it loaded
            self._recolor()
        self.refresh()
        self.mark_drawn()

    def _fill_labels_combo(self) -> None:
        """The labels combo lists the shown table's columns and selects its labels column."""
        state, combo = self.state, self.labels_combo
        columns = state.label_columns
        current = state.labels_column
        combo.blockSignals(True)
        combo.clear()
        combo.addItem("(none)", None)
        for name in columns or ((current,) if current else ()):
            combo.addItem(name, name)
        index = combo.findData(current) if current is not None else 0
        combo.setCurrentIndex(max(index, 0))
        combo.setEnabled(bool(columns))
        combo.blockSignals(False)

    def _labels_chosen(self, index: int) -> None:
        ds = self.state.dataset
        column = self.labels_combo.itemData(index)
        if ds is None or column == self.state.labels_column:
            return
        self._relabel(ds, column)

    def _relabel(self, ds, column, **fixes) -> None:
        self.run_task(jobs.relabel, ds, column, key="relabel", **fixes,
                      description=f"Reading {ds.name} again…",
                      paint_in_turns=True, on_result=self._read_again,
                      on_error=lambda exc: self._relabel_failed(ds, column, exc, fixes))

    def _read_again(self, ds) -> None:
        """The table read again with other labels: drawn here (and on the pages that show
        it); the other pages keep their data."""
        key = self.ctx.add_dataset(ds, opened=False)
        if self.picker.current_key() != key:
            self.picker.set_current_key(key)

    def _relabel_failed(self, ds, column, exc: BaseException, fixes: dict) -> None:
        """The sentence, with its guided fix as a button (e.g. rows without a label); the
        labels shown stay."""
        if isinstance(exc, DataError) and exc.fix:
            more = {**fixes, exc.fix: True}
            self.ctx.show_message(str(exc), "error", [
                (exc.fix_label or "Fix", lambda: self._relabel(ds, column, **more))])
            self._fill_labels_combo()
        else:
            self.fail(exc, "Reading the labels")

    def _recolor(self) -> None:
        state = self.state
        state.color_by_labels = self.color_check.isChecked()
        if state.shown is None or state.loading:
            self.code_changed.emit()
            return
        self.run_task(jobs.recolor, state.shown, state.color_by_labels, key="colors",
                      description="Colouring the points…", cost=jobs.recolor_cost(state.shown),
                      paint_in_turns=True, on_result=self._recolored)

    def _recolored(self, shown: Shown) -> None:
        if shown.dataset is self.state.dataset:
            self.state.shown = shown
        self.refresh()

    def _rasterize(self, request) -> None:
        scatter = self.view.scatter
        self.run_task(jobs.rasterize, request, key="raster", description="Drawing the points…",
                      cost=jobs.raster_cost(request),
                      paint_in_turns=True,
                      on_result=lambda canvas, r=request: scatter.apply_raster(r, canvas))
