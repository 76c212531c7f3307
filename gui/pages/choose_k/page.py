"""The "Choosing k" page: inertia and silhouette against k, silhouette diagrams.

The chapter's Figures 9-8 to 9-10 on any dataset of the catalog: the sweep of
K-Means fits runs in the background (``jobs.sweep``, which also precomputes what
every k shows); clicking a k on a curve or a diagram selects it and shows its
clustering with decision regions beside; "Use this k" sends it to the K-Means
page. Wiring only: controls -> state -> job -> the view.
"""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QSpinBox, QWidget

import gui.pages
from core.errors import DataError
from gui.pages.base import Form, Page, info_label, panel, side_panel
from gui.pages.choose_k import jobs
from gui.pages.choose_k.settings import ChooseKSettings
from gui.pages.choose_k.state import (
    DEFAULT_DIAGRAM_KS,
    ELBOW_RULE,
    MAX_DIAGRAMS,
    MAX_K,
    ChooseKResult,
    ChooseKState,
    SweepParams,
    format_ks,
    outside_message,
    outside_sweep,
    parse_ks,
    use_tooltip,
)
from gui.pages.choose_k.tabs.view import ChooseKView
from gui.tasks import estimate_cost
from gui.widgets.dataset_picker import DatasetPicker

DEBOUNCE_MS = 400
SETTLE_MS = 150
FIT_PASSES = 40  # rough number of Lloyd passes of a fit, for the cost estimate


class ChooseKPage(Page):
    name = "choose-k"
    title = "Choosing k"
    Settings = ChooseKSettings

    def __init__(self, ctx, parent=None):
        super().__init__(ctx, parent)
        self.state = ChooseKState()
        self._pending_k: int | None = None
        binder = self.binder

        # -- parameter panel --------------------------------------------------------------------
        data_box, data_form = panel("Dataset")
        self.picker = Form(data_form, binder).row(None, DatasetPicker(ctx), key="dataset")
        self.picker.key_changed.connect(self.run_sweep)

        sweep_box, sweep_form = panel("Sweep of K-Means fits")
        sweep = Form(sweep_form, binder)
        self.k_min = self._spin("k_min", 1, MAX_K - 2,
                                "Smallest number of clusters fitted (k=1 gives the inertia the "
                                "elbow starts from). Changing it restarts the sweep.")
        self.k_max = self._spin("k_max", 3, MAX_K, "Largest number of clusters fitted. "
                                "Changing it restarts the sweep.")
        sweep.row("k from", self._k_range_row())
        self.seed = sweep.spin("random_state", "random_state", 0, 2**31 - 1, tip=(
            "random_state of every KMeans fit (the chapter uses 42); also picks the rows of "
            "the silhouette sample."))
        self.sample_check = sweep.check("sample", "Silhouette on a sample", tip=(
            "The silhouette compares every pair of points (n² work). On datasets larger than "
            "the sample size, compute it on a random sample of rows, as scikit-learn's "
            "silhouette_score(..., sample_size=...) does. Untick for exact values (slow on "
            "large data)."))
        self.sample_size = sweep.spin("sample_size", "Sample size", 100, 200_000, step=1000,
                                      tip="Number of rows the silhouette is computed on when "
                                          "the dataset is larger.")
        self.sample_size.setGroupSeparatorShown(True)
        self._debounce = self._timer(DEBOUNCE_MS, self.run_sweep)
        self._drawn_timer = self._timer(SETTLE_MS, self.mark_drawn)
        for spin in (self.k_min, self.k_max, self.seed, self.sample_size):
            spin.valueChanged.connect(self._debounce.start)
        self.sample_check.toggled.connect(self._debounce.start)
        self.sample_check.toggled.connect(self.sample_size.setEnabled)
        self.sample_size.setEnabled(self.sample_check.isChecked())

        view_box, view_form = panel("Views")
        views = Form(view_form, binder)
        self.scores_check = views.check("more_scores", "More scores (CH and DB)", tip=(
            "Also plot the Calinski-Harabasz (higher is better) and Davies-Bouldin (lower is "
            "better) scores against k."))
        self.scores_check.toggled.connect(self._toggle_scores)
        self.diagram_edit = views.row("Diagrams for k", QLineEdit(), key="diagram_ks", tip=(
            f"The k whose silhouette diagrams are drawn (up to {MAX_DIAGRAMS}, within the "
            "sweep's range), e.g. '3, 4, 5, 6'. Press Enter to apply."))
        self.diagram_edit.editingFinished.connect(self._diagram_ks_edited)

        # -- the view, and the "Selected k" box it renders ------------------------------------
        # One view and no tab bar (a QTabWidget, even with its bar hidden, takes a few
        # pixels from the code panel): the page's current tab is always this view.
        self.view = self.declare_view(ChooseKView())
        self.view.k_clicked.connect(self.select_k)
        # pyqtgraph sizes its axes and titles when it first paints them: say the result is on
        # screen once the view drew it and it settled (screenshots wait for this).
        self.view.drawn.connect(self._drawn_timer.start)
        sel_box, sel_form = panel("Selected k")
        self.use_button = QPushButton("Use this k")
        self.use_button.clicked.connect(self.use_selected_k)
        # the button above the facts of the selected k: their length never moves it
        sel_form.addRow(self.use_button)
        sel_form.addRow(self.view.selection_info)
        rule_label = info_label(f"<small><b>Elbow rule.</b> {ELBOW_RULE}</small>")
        rule_label.setTextFormat(Qt.TextFormat.RichText)
        rule_label.setToolTip(ELBOW_RULE)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(side_panel(data_box, sweep_box, view_box, sel_box, rule_label))
        layout.addWidget(self.view, 1)
        self._read_controls()
        try:
            self.state.diagram_ks = parse_ks(binder.value("diagram_ks"))
        except DataError:
            self.state.diagram_ks = list(DEFAULT_DIAGRAM_KS)
            self._show_diagram_ks()
        self.refresh()
        self._update_use_button()

    def _timer(self, ms: int, slot) -> QTimer:
        timer = QTimer(self)
        timer.setSingleShot(True)
        timer.setInterval(ms)
        timer.timeout.connect(slot)
        return timer

    def _spin(self, key: str, lo: int, hi: int, tip: str) -> QSpinBox:
        spin = QSpinBox()
        spin.setRange(lo, hi)
        spin.setToolTip(tip)
        return self.binder.bind(key, spin)

    def _k_range_row(self) -> QWidget:
        row = QWidget()
        k_row = QHBoxLayout(row)
        k_row.setContentsMargins(0, 0, 0, 0)
        k_row.addWidget(self.k_min)
        to = QLabel("to")
        to.setToolTip("The sweep fits K-Means for every k in this range.")
        k_row.addWidget(to)
        k_row.addWidget(self.k_max)
        return row

    def _read_controls(self) -> None:
        """Copy the sweep's parameters from the settings the controls are bound to."""
        for f in dataclasses.fields(SweepParams):
            setattr(self.state, f.name, getattr(self.binder.settings, f.name))
        self.state.dataset = self.picker.current_key()  # a key the picker knows

    # -- lifecycle ----------------------------------------------------------------------------
    def start(self) -> None:
        self.run_sweep()

    def apply_params(self, **params) -> None:
        """``dataset=key`` selects a dataset; ``n_clusters``/``k`` selects a k after the sweep."""
        k = params.get("n_clusters", params.get("k"))
        if k is not None:
            self._pending_k = int(k)
        key = params.get("dataset")
        if key and key != self.picker.current_key():
            self.picker.set_current_key(key)  # restarts the sweep
        elif k is not None and self.state.result is not None:
            if int(k) in self.state.sweep.ks:
                self.select_k(int(k))
            else:
                self.k_max.setValue(max(self.k_max.value(), int(k)))

    def preview_shown(self, preview) -> None:
        self.view.show_stale(preview.summary())
        self.use_button.setEnabled(False)  # (the selected k is of the other data)

    def preview_dropped(self) -> None:
        super().preview_dropped()
        self._update_use_button()

    def shutdown(self) -> None:
        self._debounce.stop()
        self._drawn_timer.stop()

    # -- the sweep ----------------------------------------------------------------------------
    def run_sweep(self, *args) -> None:
        """Start the sweep for the controls' values now (the controls debounce to this)."""
        self._debounce.stop()
        self._read_controls()
        st = self.state
        if not st.dataset:
            return
        problem = st.range_problem()
        if problem:
            self.ctx.show_message(problem, "warning")
            return
        ks = st.ks()
        self.new_data.want(st.dataset)  # its points at once, grey, until the sweep
        task = self.run_task(jobs.sweep, self.ctx, st.dataset, ks, st.random_state,
                             st.sample_limit(), key="sweep",
                             description=f"Fitting K-Means for k = {ks[0]}…{ks[-1]}…",
                             paint_in_turns=True, on_result=self._show_result,
                             on_error=lambda exc: self.fail(exc, "The sweep"),
                             cost=self._sweep_cost(ks))
        task.cancelled.connect(lambda t=task: t.state == "cancelled" and self.new_data.drop())

    def _sweep_cost(self, ks: list[int]) -> float | None:
        ds = self.ctx.cached_dataset(self.state.dataset)
        if ds is None:
            return None  # not loaded yet: the job loads it, on a worker thread
        n, d = ds.X.shape
        m = min(n, self.state.sample_limit() or n)
        return estimate_cost(n, d, sum(ks), FIT_PASSES) + estimate_cost(m, m * d, len(ks))

    def shown_settings(self) -> dict:
        return self.state.shown_settings()

    def _show_result(self, result: ChooseKResult) -> None:
        self.new_data.done(result.dataset.key)
        self.state.accept(result, self._pending_k)
        self._pending_k = None
        self.refresh()
        self._update_use_button()
        if result.study.warnings:
            # scikit-learn's warnings are a lesson, not a failure
            self.ctx.show_message("scikit-learn notes: " + " ".join(result.study.warnings),
                                  "warning")

    # -- views ----------------------------------------------------------------------------------
    def _toggle_scores(self, on: bool) -> None:
        self.state.more_scores = bool(on)
        self.view.render(self.state)
        self.code_changed.emit()  # the snippet computes the scores shown

    def _show_diagram_ks(self) -> None:
        self.binder.restore({"diagram_ks": format_ks(self.state.diagram_ks)})
        self.binder.save()

    def _diagram_ks_edited(self) -> None:
        try:
            ks = parse_ks(self.diagram_edit.text())
        except DataError as exc:
            self.ctx.show_message(str(exc), "warning")
            self._show_diagram_ks()
            return
        if ks == self.state.diagram_ks:
            return
        self.state.diagram_ks = ks
        self._show_diagram_ks()
        outside = outside_sweep(ks, self.state.sweep)
        if outside:
            self.ctx.show_message(outside_message(outside, self.state.sweep), "warning")
        if self.state.result is not None:
            self.refresh()

    # -- selection ---------------------------------------------------------------------------------
    def select_k(self, k: int) -> None:
        """Show the clustering with ``k`` clusters (a k of the sweep)."""
        if self.state.select(int(k)):
            self.refresh()
            self._update_use_button()

    # -- Use this k ---------------------------------------------------------------------------------
    def kmeans_available(self) -> bool:
        return "kmeans" in gui.pages.page_names()

    def _update_use_button(self) -> None:
        available = self.kmeans_available()
        self.use_button.setEnabled(available and self.state.selected_k is not None
                                   and self.state.result is not None)
        self.use_button.setToolTip(use_tooltip(self.state, available))

    def use_selected_k(self) -> None:
        st = self.state
        if st.result is None or st.selected_k is None or not self.kmeans_available():
            return
        self.ctx.navigate("kmeans", n_clusters=int(st.selected_k), dataset=st.result.dataset.key)
