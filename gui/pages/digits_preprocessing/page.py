"""Digits: preprocessing — K-Means as a preprocessing step before a classifier.

The chapter replaces each digit by its distances to k centroids and feeds them
to LogisticRegression. The page shows the baseline (no clustering), the
pipeline's accuracy for a chosen k, and accuracy against k from a background
sweep (cancellable; every finished k is cached, so a re-run is instant). The
"standardize distances" switch puts a StandardScaler between the two steps:
lbfgs then converges in a few dozen iterations instead of about a thousand
(different numbers from the chapter's, which are those with the switch off).

Wiring only: the controls change the state, the state asks for a job
(``jobs``), the job's result goes into the state, the view renders it.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QHBoxLayout, QPushButton

from core.preprocessing import DigitsPipelineData, PipelineFit
from gui.pages.base import Form, Page, hbox, info_label, panel, side_panel
from gui.pages.digits_preprocessing import jobs
from gui.pages.digits_preprocessing.settings import DigitsPreprocessingSettings
from gui.pages.digits_preprocessing.state import (
    CHAPTER_BASELINE,
    CHAPTER_POINTS,
    MAX_K,
    PreprocessingState,
)
from gui.pages.digits_preprocessing.view import ChartView

FIT_DEBOUNCE_MS = 300  # typing "88" does not fit k=8 first


def button(text: str, slot, tip: str) -> QPushButton:
    w = QPushButton(text)
    w.setToolTip(tip)
    w.clicked.connect(slot)
    return w


class DigitsPreprocessingPage(Page):
    name = "digits-preprocessing"
    title = "Digits: preprocessing"
    Settings = DigitsPreprocessingSettings
    code_needs_result = False  # the snippet is the parameters' (k, switch, range)

    def __init__(self, ctx, parent=None):
        super().__init__(ctx, parent)
        self.state = PreprocessingState.from_json(self.binder.settings.to_values())
        self.sweep_task = None
        self._queued: list[bool] = []  # switch values of the sweeps to run next (on opening)
        self.view = ChartView()
        self.declare_view(self.view)  # one view, no tab bar
        self._build()
        self._fit_timer = QTimer(self)
        self._fit_timer.setSingleShot(True)
        self._fit_timer.timeout.connect(self._fit_current)
        self.view.k_clicked.connect(self.k_spin.setValue)

    # -- widgets -------------------------------------------------------------------------------
    def _build(self) -> None:
        box, layout = panel("Pipeline")
        form = Form(layout, self.binder)
        self.k_spin = form.spin(
            "k", "Clusters k:", 2, MAX_K,
            tip="Number of K-Means clusters: each digit becomes its k distances to the "
                "centroids (the chapter: 50, then 88). You can also click the chart.")
        self.standardize_check = form.check(
            "standardize", "Standardize distances",
            tip="Put a StandardScaler between KMeans and LogisticRegression. lbfgs then needs a "
                "few dozen iterations instead of about a thousand: much faster, slightly "
                "different numbers. Off = the chapter's exact pipeline and numbers.")
        layout.addRow(self.view.result_label)
        self.k_spin.valueChanged.connect(self._params_changed)
        self.standardize_check.toggled.connect(self._params_changed)

        sweep_box, sweep_layout = panel("Accuracy against k")
        sweep = Form(sweep_layout, self.binder)
        self.from_spin = sweep.spin("k_from", "From:", 2, MAX_K, tip="Smallest k of the sweep")
        self.to_spin = sweep.spin("k_to", "To:", 2, MAX_K, tip="Largest k of the sweep")
        self.step_spin = sweep.spin("k_step", "Step:", 1, MAX_K, tip="Step between two ks")
        for spin in (self.from_spin, self.to_spin, self.step_spin):
            spin.valueChanged.connect(self._range_changed)
        self.sweep_button = button("Run sweep", lambda: self.run_sweep(),
                                   "Fit the pipeline for every k of the range in the "
                                   "background (ks already computed are reused)")
        self.cancel_button = button("Cancel", self.cancel_sweep,
                                    "Stop the sweep after the k being fitted (Esc); the "
                                    "finished ks are kept")
        self.cancel_button.setEnabled(False)
        sweep_layout.addRow(hbox(self.sweep_button, self.cancel_button))
        sweep_layout.addRow(self.view.sweep_label)
        self.forget_button = button("Forget computed ks", self.forget,
                                    "Empty the cache of fitted pipelines (the next sweep "
                                    "fits everything again)")
        sweep_layout.addRow(self.forget_button)

        note_box, note_form = panel("The chapter")
        note = info_label(
            "The chapter's numbers come from the exact pipeline (standardize off): "
            f"baseline {CHAPTER_BASELINE:.4f}, k=50 {CHAPTER_POINTS[50]:.4f}, "
            f"k=88 {CHAPTER_POINTS[88]:.4f}. They are marked ★ on the chart. Without "
            "scaling lbfgs needs ~1,000 iterations; with it, a few dozen. On opening, the page "
            "sweeps the fast standardized pipeline first, then the chapter's.")
        note.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        note_form.addRow(note)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(side_panel(box, sweep_box, note_box))
        layout.addWidget(self.view, 1)
        self.refresh()

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> None:
        self.run_task(jobs.prepare, key="prepare", description="Loading the digits…",
                      cost=jobs.cost(10), paint_in_turns=True, on_result=self._prepared)

    def _prepared(self, data: DigitsPipelineData) -> None:
        self.state.data = data
        self._fit_current(first=True)  # (draws the baseline: one render in this turn)

    def shutdown(self) -> None:
        self._fit_timer.stop()

    def shown_settings(self) -> dict:
        return self.state.to_json()

    def apply_params(self, **params) -> None:
        if "k" in params:
            self.k_spin.setValue(int(params["k"]))
        if "standardize" in params:
            self.standardize_check.setChecked(bool(params["standardize"]))

    # -- the chosen k ----------------------------------------------------------------------------
    def _params_changed(self) -> None:
        self.state.update(k=self.k_spin.value(), standardize=self.standardize_check.isChecked())
        self.refresh()
        self._fit_timer.start(FIT_DEBOUNCE_MS)

    def _range_changed(self) -> None:
        self.state.update(k_from=self.from_spin.value(), k_to=self.to_spin.value(),
                          k_step=self.step_spin.value())
        self.code_changed.emit()

    def _fit_current(self, first: bool = False) -> None:
        data = self.state.data
        if data is None:
            return
        if self.state.current_fit() is not None:
            self.refresh()
            return
        k, std = self.state.key
        self.refresh()
        self.run_task(jobs.fit, data, k, std, key="fit", cost=jobs.cost(k),
                      description=f"Fitting the pipeline with k={k}…",
                      paint_in_turns=True, on_result=lambda fit, f=first: self._fitted(fit, f))

    def _fitted(self, fit: PipelineFit, first: bool) -> None:
        self.state.cache[(fit.n_clusters, fit.standardize)] = fit
        if first:
            # the fast standardized sweep first (the chart fills in a second or two), then
            # the chapter's exact pipeline, which takes much longer (run_sweep draws the fit)
            self._queued = [False]
            self.run_sweep(standardize=True)
        else:
            self.refresh()

    # -- the sweep -------------------------------------------------------------------------------
    def run_sweep(self, standardize: bool | None = None) -> None:
        """Fit the pipeline for every k of the range that is not cached yet, in the background
        (with the switch's setting unless ``standardize`` is given)."""
        state = self.state
        if state.data is None:
            return
        ks = state.ks()
        if not ks:
            self.refresh()  # (what is there, e.g. the first fit: no sweep draws it)
            self.ctx.show_message("The sweep's range is empty: make 'To' at least 'From'.",
                                  "warning")
            return
        if standardize is None:
            self._queued = []  # the user's own sweep replaces the opening ones
        std = state.standardize if standardize is None else standardize
        missing = state.missing(ks, std)
        state.sweep_ks, state.sweep_standardize = ks, std
        if not missing:
            state.sweep_message = f"All {len(ks)} ks were already computed."
            self.refresh()
            self._sweep_done()
            return
        cache = state.cache

        def on_fit(fit: PipelineFit, cache=cache) -> None:  # worker thread: one dict store
            cache[(fit.n_clusters, fit.standardize)] = fit

        state.sweep_message = f"Sweep: 0 of {len(missing)} ks done…"
        self.refresh()
        self.sweep_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.sweep_task = self.run_task(
            jobs.sweep, state.data, missing, std, on_fit, key="sweep", cost=jobs.cost(missing),
            description=f"Sweeping k from {ks[0]} to {ks[-1]}"
                        f"{' (standardized)' if std else ''}…",
            paint_in_turns=True, on_result=lambda _r: None, on_progress=lambda _f: self._swept())
        self.sweep_task.finished.connect(self._sweep_finished)

    def cancel_sweep(self) -> None:
        self._queued = []
        if self.sweep_task is not None:
            self.sweep_task.cancel()
            self.state.sweep_message = "Cancelling after the k being fitted…"
            self.refresh()

    def _swept(self) -> None:
        self.state.sweep_message = (f"Sweep: {self.state.done()} of {len(self.state.sweep_ks)} "
                                    f"ks done…")
        self.refresh()

    def _sweep_finished(self, *args) -> None:
        task, self.sweep_task = self.sweep_task, None
        state = self.state
        self.sweep_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        done, total = state.done(), len(state.sweep_ks)
        if task is not None and task.state in ("cancelled", "stale"):
            self._queued = []
            state.sweep_message = (f"Cancelled: {done} of {total} ks done (kept; Run sweep "
                                   f"goes on from there).")
        elif task is not None and task.state == "failed":
            self._queued = []
        elif done == total:
            k, acc = state.best()
            which = "standardized" if state.sweep_standardize else "chapter's pipeline"
            state.sweep_message = f"Done ({which}): {total} ks.\nBest: k={k} ({acc:.4f})."
        self.refresh()
        if not self.has_result:
            self.mark_drawn()
        if task is not None and task.state == "done":
            self._sweep_done()

    def _sweep_done(self) -> None:
        if not self.has_result:
            self.mark_drawn()
        if self._queued:
            self.run_sweep(standardize=self._queued.pop(0))

    def forget(self) -> None:
        """Empty the cache (a running sweep keeps writing into the old one)."""
        if self.sweep_task is not None:
            self.sweep_task.cancel()
        self.state.cache = {}
        self.state.sweep_message = "Computed ks forgotten."
        self.refresh()
        self._fit_timer.start(0)
