"""The K-Means page's "Full data" group: for a dataset opened in streaming mode (the page
shows a sample), fit K-Means on every row of the file through the compute backend
(``core.scale.fit_kmeans_streaming``: k-means++ on a sample, then exact Lloyd passes over the
chunks), and show the fit's inertia and centres; and step through those passes on the plot
(full_steps.py)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QPushButton, QTableWidget, QTableWidgetItem

from gui.backend import Backend, fit_full_job, load_backend
from gui.pages.base import info_label, panel
from gui.pages.kmeans.full_steps import FullSteps, on_backend
from gui.pages.kmeans.tabs import fmt


class FullData:
    """Built by the page, placed in its side panel under the model's parameters."""

    def __init__(self, page):
        self.page = page
        self.box, form = panel("Full data")
        self.button = QPushButton("Fit on the full data")
        self.button.setToolTip("K-Means (this k, random_state and max_iter) on every row of "
                               "the file, not only the sample shown: k-means++ on a sample of "
                               "1M rows, then exact Lloyd passes over the whole file, on the "
                               "compute backend (File ▸ Compute backend…). Esc cancels.")
        self.label = info_label("")
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.table = QTableWidget(0, 0)
        self.table.setToolTip("The centres fitted on the full data (one row per cluster).")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setMaximumHeight(160)
        self.table.setVisible(False)
        form.addRow(self.button)
        form.addRow(self.label)
        form.addRow(self.table)
        self.steps = FullSteps(page, form)  # step through the passes, drawn on the plot
        page.controls.widget.widget().layout().insertWidget(2, self.box)
        self.result = None
        self.result_key: str | None = None
        self.button.clicked.connect(self.fit)
        page.controls.picker.key_changed.connect(lambda _key: self.update())
        page.ctx.datasets_changed.connect(self.update)
        page.code_changed.connect(self.steps.render)  # the page rendered a new state
        self.update()

    def stream(self) -> dict | None:
        ds = self.page.ctx.cached_dataset(self.page.settings.dataset)
        return None if ds is None else ds.extra.get("stream")

    def backend(self) -> Backend:
        settings = self.page.ctx.settings
        return Backend() if settings is None else load_backend(settings)

    def update(self) -> None:
        stream = self.stream()
        self.box.setVisible(stream is not None)
        if stream is None or self.result_key == self.page.settings.dataset:
            return
        self.result, self.result_key = None, None
        self.table.setVisible(False)
        self.label.setText(f"The plot shows a sample; the file has {stream['n_rows']:,} rows. "
                           f"Fits on them run {on_backend(self.backend())}.")
        self.steps.render()

    def fit(self) -> None:
        stream = self.stream()
        if stream is None:
            return
        s = self.page.settings
        backend = self.backend()
        key = s.dataset
        self.label.setText(f"<i>Fitting on all {stream['n_rows']:,} rows "
                           f"{on_backend(backend)}…</i>")
        task = self.page.run_task(fit_full_job, stream["path"], s.k, s.random_state, backend,
                                  s.max_iter, key="full-fit",
                                  description=f"K-Means on all {stream['n_rows']:,} rows…",
                                  paint_in_turns=True, on_result=lambda res: self.show(key, res),
                                  on_error=self.failed)
        task.cancelled.connect(lambda: self.label.setText("Cancelled: the fit on the full "
                                                          "data stopped (nothing runs on)."))

    def failed(self, exc: BaseException) -> None:
        self.label.setText("")
        self.page.fail(exc, "K-Means on the full data")

    def show(self, key: str, res) -> None:
        self.result, self.result_key = res, key
        passes = f"{res.n_iter} Lloyd pass{'es' if res.n_iter != 1 else ''}"
        self.label.setText(
            f"All <b>{res.n_samples:,}</b> rows, {passes} over {res.n_chunks} "
            f"chunk{'s' if res.n_chunks != 1 else ''} on "
            f"{res.backend}: inertia <b>{fmt(res.inertia)}</b>"
            + ("" if res.converged else " (not converged)")
            + f"<br>Started from k-means++ on {res.init_sample:,} rows (inertia there "
            f"{fmt(res.run_inertias[0])}). Inertia on every row after each pass: "
            + " → ".join(fmt(v) for v in res.history_inertia[:8])
            + (" …" if len(res.history_inertia) > 8 else "") + ".")
        k, d = res.centers.shape
        self.table.setRowCount(k)
        self.table.setColumnCount(d)
        ds = self.page.ctx.cached_dataset(key)
        names = list(ds.feature_names) if ds is not None else [f"x{j + 1}" for j in range(d)]
        self.table.setHorizontalHeaderLabels(names[:d])
        for i in range(k):
            for j in range(d):
                self.table.setItem(i, j, QTableWidgetItem(f"{res.centers[i, j]:.4g}"))
        self.table.resizeColumnsToContents()
        self.table.setVisible(True)
