"""The "Gaussian mixtures" page: density, covariance types, anomalies, EM step by step,
BIC/AIC against k and Bayesian weights. Wiring only: controls -> state -> jobs -> tabs."""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QHBoxLayout

from gui.pages.base import Form, Page, info_label, panel, side_panel
from gui.pages.gaussian_mixtures import jobs
from gui.pages.gaussian_mixtures.settings import GaussianMixturesSettings
from gui.pages.gaussian_mixtures.state import COVARIANCE_TYPES, MAX_K, GMParams, GMState
from gui.pages.gaussian_mixtures.tabs.bayes import BayesTab
from gui.pages.gaussian_mixtures.tabs.choose import ChooseKTab
from gui.pages.gaussian_mixtures.tabs.density import DensityTab
from gui.pages.gaussian_mixtures.tabs.em import EMTab
from gui.tasks import estimate_cost
from gui.widgets.dataset_picker import DatasetPicker

DEBOUNCE_MS = 300
PLAY_MS = 250
EM_PASSES = 60  # rough number of EM iterations of a fit, for the cost estimate

WHAT_TO_LOOK_AT = (
    "<b>What to look at.</b> The colours are the log density; black lines the decision "
    "boundaries; each component has its 1σ and 2σ ellipses and its weight. Switch the "
    "covariance type: 'full' follows the stretched blobs, 'tied' gives them one shape, "
    "'spherical' and 'diag' cannot rotate. Click a point for its probabilities. In <i>EM "
    "step by step</i> each Step is half an iteration: the E step recolours the points by "
    "their responsibilities, the M step moves the ellipses; the lower bound rises. "
    "<i>Choosing k</i>: "
    "BIC is lowest at k=3. <i>Bayesian GMM</i>: unneeded components get weight 0; on the "
    "moons the weights spread."
)


class GaussianMixturesPage(Page):
    name = "gaussian-mixtures"
    title = "Gaussian mixtures"
    Settings = GaussianMixturesSettings

    def __init__(self, ctx, parent=None):
        super().__init__(ctx, parent)
        self.state = GMState()
        self._stepper = None
        binder = self.binder

        box, form = panel("Gaussian mixture")
        f = Form(form, binder)
        picker = DatasetPicker(ctx, default="mixture")
        picker.setMinimumContentsLength(12)
        # the whole width of the panel, as on the other pages: the dataset's name shows whole
        self.picker = f.row(None, picker, key="dataset")
        self.k_spin = f.spin("n_components", "n_components", 1, MAX_K,
                             tip="Number of Gaussian components (the chapter: 3).")
        self.cov_combo = f.combo("covariance_type", "covariance_type", COVARIANCE_TYPES, tip=(
            "full: any shape and orientation per component; tied: one shared shape; diag: "
            "axis-aligned ellipses; spherical: circles. Switch it live."))
        self.n_init = f.spin("n_init", "n_init", 1, 50, tip=(
            "Number of initialisations; the best lower bound wins (the chapter: 10)."))
        self.seed = f.spin("random_state", "random_state", 0, 2**31 - 1,
                           tip="random_state of every fit (the chapter uses 42).")
        self.k_max = f.spin("k_max", "k up to (BIC/AIC)", 2, MAX_K,
                            tip="The Choosing k tab fits every k from 1 to this.")
        look = info_label(f"<small>{WHAT_TO_LOOK_AT}</small>")
        look.setTextFormat(Qt.TextFormat.RichText)

        self.density = self.add_tab(DensityTab(), tooltip="The fitted mixture: density, "
                                    "boundaries, ellipses, anomalies, samples.")
        self.em = self.add_tab(EMTab(), tooltip="EM one iteration at a time, and back.")
        self.choose = self.add_tab(ChooseKTab(), tooltip="BIC and AIC against k.")
        self.bayes = self.add_tab(BayesTab(), tooltip="BayesianGaussianMixture's weights.")
        binder.bind("percentile", self.density.percentile)
        binder.bind("sample_n", self.density.sample_n)
        binder.bind("prior", self.bayes.prior)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(side_panel(box, look, width=270))
        layout.addWidget(self.tabs, 1)

        self._debounce = self._timer(DEBOUNCE_MS, self.run_fit)
        self._threshold_timer = self._timer(60, self.run_threshold)
        self._bayes_timer = self._timer(DEBOUNCE_MS, self.run_bayes)
        self._play = QTimer(self)
        self._play.setInterval(PLAY_MS)
        self._play.timeout.connect(self._play_tick)
        self._em_pending = 0
        self.picker.key_changed.connect(self._debounce.start)
        for w in (self.k_spin, self.n_init, self.seed, self.k_max):
            w.valueChanged.connect(self._debounce.start)
        self.cov_combo.currentIndexChanged.connect(self._debounce.start)
        self.density.percentile.valueChanged.connect(self._percentile_changed)
        self.density.sample_button.clicked.connect(self.run_sample)
        self.density.clear_button.clicked.connect(self.clear_samples)
        self.density.point_clicked.connect(self.select_point)
        self.em.step_button.clicked.connect(lambda: self.em_action("step"))
        self.em.back_button.clicked.connect(lambda: self.em_action("back"))
        self.em.reset_button.clicked.connect(lambda: self.em_action("reset"))
        self.em.play_button.toggled.connect(self.set_playing)
        self.choose.k_clicked.connect(self.select_k)
        self.bayes.prior.valueChanged.connect(self._prior_changed)
        self._read_controls()

    def _timer(self, ms, slot) -> QTimer:
        t = QTimer(self)
        t.setSingleShot(True)
        t.setInterval(ms)
        t.timeout.connect(slot)
        return t

    def _read_controls(self) -> None:
        for fld in dataclasses.fields(GMParams):
            setattr(self.state, fld.name, getattr(self.binder.settings, fld.name))
        self.state.dataset = self.picker.current_key()

    def shown_settings(self) -> dict:
        return self.state.shown_settings()

    def fail(self, exc: BaseException, what: str = "The computation") -> None:
        """The sentence, the controls back to what is shown, and the state with them."""
        super().fail(exc, what)
        self._read_controls()

    def preview_shown(self, preview) -> None:
        info = getattr(self.current_tab(), "info", None)
        if info is not None:  # not the last fit's numbers under the new points
            info.setText(preview.line())

    def leave(self) -> None:
        """EM's play stops when the user goes to another page; fits run on."""
        self.set_playing(False)
        super().leave()

    def shutdown(self) -> None:
        for t in (self._debounce, self._threshold_timer, self._bayes_timer, self._play):
            t.stop()

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> None:
        self.run_fit()

    def apply_params(self, **params) -> None:
        key = params.get("dataset")
        if key:
            self.picker.set_current_key(key)

    def _cost(self, k: int, passes: int) -> float | None:
        ds = self.ctx.cached_dataset(self.state.dataset)
        if ds is None:
            return None
        n, d = ds.X.shape
        return estimate_cost(n, d * d, k, passes)

    def _tab_changed(self, index: int) -> None:
        super()._tab_changed(index)
        self._ensure_tab_work()

    def _ensure_tab_work(self) -> None:
        st, tab = self.state, self.current_tab()
        if st.fit is None:
            return
        if tab is self.em and (st.step is None or self._em_key != st.em_params()):
            self.run_em_start()
        elif tab is self.choose and (st.sweep is None or st.sweep.params != st.sweep_params()):
            self.run_sweep()
        elif tab is self.bayes and (st.bayes is None or st.bayes.params != st.bayes_params()):
            self.run_bayes()

    # -- the fit ----------------------------------------------------------------------------
    def run_fit(self, *args) -> None:
        self._debounce.stop()
        self._read_controls()
        st = self.state
        if not st.dataset:
            return
        self.new_data.want(st.dataset)  # its points at once, grey, until the fit
        task = self.run_task(jobs.fit, self.ctx, st.dataset, st.n_components,
                             st.covariance_type, st.n_init, st.random_state,
                             st.percentile_value, key="fit",
                             description="Fitting the Gaussian mixture…",
                             paint_in_turns=True, on_result=self._fit_done,
                             cost=self._cost(st.n_components, EM_PASSES * st.n_init))
        task.cancelled.connect(lambda t=task: t.state == "cancelled" and self.new_data.drop())

    def _fit_done(self, view) -> None:
        self.new_data.done(view.params[0])
        self.state.accept_fit(view)
        self.refresh()
        self._ensure_tab_work()
        QTimer.singleShot(100, self.mark_drawn)

    def _percentile_changed(self, value: int) -> None:
        self.state.percentile = int(value)
        self.density.percentile_label.setText(f"{self.state.percentile_value:.1f} %")
        self._threshold_timer.start()

    def run_threshold(self) -> None:
        v = self.state.fit
        if v is None:
            return
        self.run_task(jobs.threshold, v, self.state.percentile_value, key="threshold",
                      description="Density threshold…",
                      paint_in_turns=True, on_result=lambda a, fit=v: self._threshold_done(fit, a),
                      cost=self._cost(v.result.n_components, 1))

    def _threshold_done(self, fit, anomalies) -> None:
        # A threshold for a fit that has been replaced meanwhile (another dataset, another k)
        # is dropped: its mask belongs to other points.
        if self.state.fit is fit:
            self.state.fit = dataclasses.replace(self.state.fit, anomalies=anomalies)
            self.refresh()
            self.mark_drawn()

    def select_point(self, row: int) -> None:
        v = self.state.fit
        if v is None:
            return

        def done(p, row=row):
            self.state.selected, self.state.selected_proba = row, p
            self.refresh()
            self.mark_drawn()

        self.run_task(jobs.proba, v, row, key="proba", description="predict_proba…",
                      on_result=done, cost=1.0)

    def run_sample(self) -> None:
        v = self.state.fit
        if v is None:
            return
        n = self.density.sample_n.value()

        def done(out):
            self.state.samples, self.state.sample_labels = out
            self.refresh()
            self.mark_drawn()

        self.run_task(jobs.draw_samples, v, n, self.state.random_state, key="sample",
                      description="Sampling…", paint_in_turns=True, on_result=done,
                      cost=estimate_cost(n, v.result.n_features ** 2))

    def clear_samples(self) -> None:
        self.state.samples = None
        self.refresh()

    # -- EM step by step ---------------------------------------------------------------------
    _em_key = None

    def run_em_start(self) -> None:
        st = self.state
        self.set_playing(False)
        key = st.em_params()

        def done(out, key=key):
            self._stepper, self._projection, view = out
            self._em_key = key
            self.state.step = view
            self.refresh()
            self.mark_drawn()

        self.run_task(jobs.em_start, self.ctx, st.dataset, st.n_components, st.covariance_type,
                      st.random_state, key="em", description="Initialising EM…",
                      paint_in_turns=True, on_result=done, cost=self._cost(st.n_components, 20))

    def _play_tick(self) -> None:
        if self._em_pending == 0:  # a slow step is not queued behind more steps
            self.em_action("step")

    def em_action(self, action: str) -> None:
        if self._stepper is None:
            return
        if action == "step" and self.state.step is not None and self.state.step.converged:
            self.set_playing(False)
            return

        def done(view):
            self.state.step = view
            if view.converged:
                self.set_playing(False)
            self.refresh()
            self.mark_drawn()

        def finished():
            self._em_pending -= 1

        self._em_pending += 1
        task = self.run_task(jobs.em_move, self._stepper, self._projection, action, key="em",
                             paint_in_turns=True,
                             description=f"EM: {action}…", on_result=done, serial=True,
                             cost=self._cost(self._stepper.n_components, 2))
        task.finished.connect(finished)

    def set_playing(self, on: bool) -> None:
        self.state.playing = bool(on)
        if on:
            self._play.start()
        else:
            self._play.stop()
        if self.em.play_button.isChecked() != bool(on):
            self.em.play_button.blockSignals(True)
            self.em.play_button.setChecked(bool(on))
            self.em.play_button.blockSignals(False)

    # -- choosing k ------------------------------------------------------------------------
    def run_sweep(self) -> None:
        st = self.state
        self.run_task(jobs.sweep, self.ctx, st.dataset, st.k_max, st.covariance_type,
                      st.n_init, st.random_state, key="sweep",
                      paint_in_turns=True,
                      description="BIC and AIC for every k…", on_result=self._sweep_done,
                      cost=self._cost(st.k_max * (st.k_max + 1) // 2, EM_PASSES * st.n_init))

    def _sweep_done(self, view) -> None:
        self.state.sweep = view
        self.refresh()
        self.mark_drawn()

    def select_k(self, k: int) -> None:
        self.state.selected_k = int(k)
        self.refresh()
        self.mark_drawn()

    # -- Bayesian ---------------------------------------------------------------------------
    def _prior_changed(self, value: int) -> None:
        self.state.prior = int(value)
        self.bayes.render(self.state)
        self._bayes_timer.start()

    def run_bayes(self) -> None:
        self._bayes_timer.stop()
        st = self.state
        self.run_task(jobs.bayes, self.ctx, st.dataset, st.prior, st.n_init, st.random_state,
                      key="bayes", description="Fitting BayesianGaussianMixture…",
                      paint_in_turns=True, on_result=self._bayes_done,
                      cost=self._cost(10, EM_PASSES * st.n_init * 5))

    def _bayes_done(self, view) -> None:
        self.state.bayes = view
        self.refresh()
        self.mark_drawn()
