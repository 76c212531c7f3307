"""The K-Means lab: wiring only. Controls change the state, the state asks for jobs (all
through the task runner), the jobs' frozen results go into the state, the tabs render it.

Every change of the stepper (fit, hand-placed init, step, back, reset, play) is a task on
the one key ``stepper``: steps are ``serial`` (each applied, in order); a fit or an init
supersedes whatever ran or waited there (latest wins).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout

from gui.pages.base import Page
from gui.pages.kmeans import jobs
from gui.pages.kmeans.controls import Controls
from gui.pages.kmeans.full_data import FullData
from gui.pages.kmeans.hand import HandPlacement
from gui.pages.kmeans.settings import KMeansSettings, open_store
from gui.pages.kmeans.state import CHAPTER_X_NEW, FitParams, KMeansState
from gui.pages.kmeans.stepping import Stepping
from gui.pages.kmeans.tabs.clusters import DELETE_NEW_HELP, ClustersTab
from gui.pages.kmeans.tabs.compare import CompareTab
from gui.pages.kmeans.tabs.iterations import IterationsTab
from gui.pages.kmeans.tabs.limits import LimitsTab
from gui.pages.kmeans.tabs.variability import VariabilityTab
from gui.tasks import estimate_cost, next_turn
from gui.widgets.cluster_view import HandleItem


class KMeansPage(Page):
    document_tabs = True
    name = "kmeans"
    title = "K-Means"
    Settings = KMeansSettings
    SHORTCUTS = (("Right", "One iteration forwards"), ("Left", "One iteration back"),
                 ("Space", "Play or pause"), ("Del", DELETE_NEW_HELP))

    def __init__(self, ctx, parent=None):
        super().__init__(ctx, parent)
        self.store = open_store()
        if self.store.error or self.store.notice:
            ctx.show_message(self.store.error or self.store.notice, "warning")
        self.state = KMeansState(
            placed={k: v["placed"] for k, v in self.store.datasets.items() if "placed" in v},
            x_new={k: v["x_new"] for k, v in self.store.datasets.items() if "x_new" in v})
        self.controls = Controls(ctx, self.binder)
        self._stale: set[str] = {"iterations", "compare", "variability"}
        self._wired: set[int] = set()
        self._ready = False  # add_tab's first currentChanged comes before the tabs exist
        self.drawing = False  # a new stepper is in the state, its tab drawn on the next turn

        self.clusters = self.add_tab(ClustersTab(), tooltip=(
            "The data coloured by cluster, the decision regions and the centroids; step through "
            "the iterations."))
        self.iterations = self.add_tab(IterationsTab(), tooltip=(
            "The chapter's Figure 9-4: the first three iterations."))
        self.compare = self.add_tab(CompareTab(), tooltip=(
            "Two solutions side by side (different seeds or inits)."))
        self.variability = self.add_tab(VariabilityTab(), tooltip=(
            "Histogram of final inertias: random init vs k-means++."))
        self.limits = self.add_tab(LimitsTab(), tooltip=(
            "Limits of K-Means: lower inertia is not a better clustering."))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.controls.widget)
        layout.addWidget(self.tabs, 1)

        self._fit_timer = QTimer(self, singleShot=True, interval=300, timeout=self.fit)
        self.hand = HandPlacement(self)
        self.stepping = Stepping(self)
        self.play_timer = self.stepping.timer
        self._connect()
        self.full_data = FullData(self)  # "Fit on the full data", for streaming-mode datasets
        self.sync_mode()
        self._ready = True

    def opening_steps(self) -> list:
        return [self.controls.make_inertia_plot]  # (a plot: a turn of its own)

    # ================================================================ wiring
    def _connect(self) -> None:
        c = self.controls
        c.picker.key_changed.connect(self._dataset_changed)
        for spin in (c.k_spin, c.n_init_spin, c.max_iter_spin, c.seed_spin):
            spin.valueChanged.connect(self._params_changed)
        c.algorithm_combo.currentIndexChanged.connect(self._params_changed)
        c.init_combo.currentIndexChanged.connect(self._init_mode_changed)
        c.fit_button.clicked.connect(self.fit)
        c.good_init_button.clicked.connect(self.use_chapter_good_init)
        c.clear_placed_button.clicked.connect(self.clear_placed)
        c.step_button.clicked.connect(self.step)
        c.back_button.clicked.connect(self.back)
        c.reset_button.clicked.connect(self.reset)
        c.figure_button.clicked.connect(self.show_chapter_figure)
        t = self.clusters
        t.clicked.connect(self._plot_clicked)
        t.handle_moved.connect(self.hand.moved)
        t.handle_released.connect(self.hand.released)
        t.chapter_new_requested.connect(self.use_chapter_x_new)
        t.clear_new_requested.connect(self.clear_new)
        t.delete_new_requested.connect(self._delete_new)
        self.compare.run_requested.connect(self.run_compare)
        self.variability.run_requested.connect(self.run_variability)
        for tab in self._tabs:
            tab.was_built.connect(lambda tab=tab: self._wire_regions(tab))
            self._wire_regions(tab)
        for (keys, what), slot in zip(self.SHORTCUTS, (self.step, self.back,
                                                       self.toggle_play)):
            sc = QShortcut(QKeySequence(keys), self)
            sc.setWhatsThis(what)  # (Help ▸ Keyboard shortcuts lists it)
            sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            sc.activated.connect(slot)

    def _wire_regions(self, tab) -> None:
        """Each ClusterView asks for its decision regions; the page answers with a task."""
        for view in tab.cluster_views():
            if id(view) not in self._wired:
                self._wired.add(id(view))
                view.regions_wanted.connect(lambda req, v=view: self._regions_wanted(v, req))

    def _regions_wanted(self, view, request) -> None:
        self.run_task(jobs.regions, request, key=f"regions:{id(view)}",
                      description="Drawing the decision regions…", cost=jobs.regions_cost(request),
                      paint_in_turns=[view],
                      on_result=lambda out, v=view, r=request: v.apply_regions(r, *out),
                      on_error=lambda exc: None)

    # ================================================================ parameters
    @property
    def settings(self) -> KMeansSettings:
        return self.binder.settings

    def params(self) -> FitParams:
        s = self.settings
        return FitParams.from_settings(s.to_values(), self.state.placed_for(s.dataset))

    def shown_settings(self) -> dict[str, Any]:
        return self.state.params.settings() if self.state.params is not None else {}

    def sync_mode(self) -> None:
        self.state.hand = self.settings.init == "hand"
        self.state.k = self.settings.k
        self.controls.render(self.state, self.settings)

    def set_settings(self, **values) -> None:
        self.binder.restore(values)
        self.binder.save()
        self.sync_mode()

    def cost(self, k: int, passes: int = 1) -> float | None:
        ds = self.state.dataset
        return None if ds is None else estimate_cost(ds.n_samples, ds.n_features, k, passes)

    # ================================================================ lifecycle
    def start(self) -> None:
        self.fit()

    def apply_params(self, n_clusters=None, dataset=None, **ignored: Any) -> None:
        """Select ``dataset`` and ``n_clusters`` (e.g. from "Use this k") and fit."""
        self._fit_timer.stop()
        before = {"dataset": self.settings.dataset, "k": self.settings.k,
                  "init": self.settings.init}
        values: dict[str, Any] = {}
        if dataset:
            if self.controls.picker.findData(dataset) < 0:
                self.ctx.show_message(f"The K-Means page does not know the dataset "
                                      f"'{dataset}'.", "warning")
            else:
                values["dataset"] = dataset
        if n_clusters is not None:
            values["k"] = int(n_clusters)
        self.set_settings(**values)
        p = self.params()
        if p.init == "hand" and not p.hand_ready:
            n = len(self.state.placed_for(p.key))
            self.set_settings(init="k-means++")
            if n:  # the centroids placed by hand stay stored; Undo goes back to them
                self.offer_undo(
                    f"k={p.k} does not fit the {n} centroid{'s' if n != 1 else ''} you placed "
                    "by hand, so K-Means starts with k-means++ (your centroids are kept).",
                    lambda: (self.set_settings(**before), self.fit()),
                    still_valid=lambda: self.settings.init == "k-means++")
        self.tabs.setCurrentWidget(self.clusters)
        self.fit()

    can_export_frames = True

    def export_frames(self, target: str, scale: float = 1.0, on_done=None, on_error=None):
        """The run, iteration by iteration, as an animated GIF or PNG frames (animation.py)."""
        from gui.pages.kmeans.animation import export_run

        return export_run(self, target, scale, on_done, on_error)

    def preview_shown(self, preview) -> None:
        self.controls.data_info.setText(preview.summary())
        self.controls.result_label.setText(f"<i>{preview.line()}</i>")

    def leave(self) -> None:
        """Play stops when the user goes to another page (an animation nobody watches);
        a fit runs on."""
        self.stop_play()
        super().leave()

    def shutdown(self) -> None:
        self.play_timer.stop()
        self._fit_timer.stop()
        self.hand.timer.stop()

    # ================================================================ fitting
    def _dataset_changed(self, key: str) -> None:
        self.stop_play()
        self.sync_mode()
        self.fit()

    def _params_changed(self, *args) -> None:
        self.sync_mode()
        if self.state.hand:
            self._fit_timer.stop()
            self.hand.changed()
        else:
            self._fit_timer.start()

    def _init_mode_changed(self, *args) -> None:
        s = self.state
        if self.settings.init == "hand" and not s.placed_for(self.settings.dataset) and \
                s.stepper is not None and s.dataset is not None and \
                s.dataset.key == self.settings.dataset:
            # Start from the current initial centroids, so they can be dragged from there.
            self.hand.set_placed(s.stepper.init_centers.tolist())
        self._params_changed()

    def fit(self) -> None:
        """Fit with the current parameters in the background."""
        self._fit_timer.stop()
        p = self.params()
        if not p.key:
            return
        self.stop_play()
        self.new_data.want(p.key)  # new data: its points at once, grey, until the fit
        if p.init == "hand" and not p.hand_ready:
            self.hand.changed()
            return
        self.state.status["fit"] = "running"
        self.controls.render(self.state, self.settings)
        # fit_kmeans runs scikit-learn's OpenMP kernels: always on a worker thread
        task = self.run_task(jobs.fit, self.ctx, p, key="stepper",
                             description=f"Fitting K-Means (k={p.k})…",
                             paint_in_turns=True, on_result=self.install, on_error=self.fit_failed)
        task.cancelled.connect(lambda t=task: self._fit_cancelled(t))

    def _fit_cancelled(self, task) -> None:
        if task.state != "stale":  # Cancel (or Esc): keep what is drawn
            self.state.status.pop("fit", None)
            self.new_data.drop()
            self.controls.render(self.state, self.settings)

    def fit_failed(self, exc: BaseException) -> None:
        self.state.status.pop("fit", None)
        self.new_data.drop()
        self.fail(exc, "K-Means")
        self.sync_mode()

    def install(self, out) -> None:
        """Adopt a new stepper (from a fit or a hand-placed init) and draw it."""
        s = self.state
        s.params, s.dataset, s.projection, s.result, s.stepper, s.frame = out
        s.status.pop("fit", None)
        self.new_data.done(s.dataset.key)
        self._stale |= {"iterations", "compare", "variability"} if s.result is not None \
            else {"iterations"}  # the figure follows the initialisation
        s.iter_centers = s.iter_params = None  # (the last figure was of another stepper)
        self._update_soft()
        # drawn in two turns, each painted on its own: the side panel (its numbers and the
        # inertia curve), then the tab (a million points recoloured, their regions)
        self.controls.render(s, self.settings)
        self.drawing = True
        next_turn(self, self._draw_installed)
        if s.result is not None and s.result.warnings:
            # scikit-learn's warnings are a lesson, not a failure
            self.ctx.show_message("scikit-learn notes: " + " ".join(s.result.warnings),
                                  "warning")

    def _draw_installed(self) -> None:
        if self.drawing:  # (not drawn since by a refresh, which draws the newest state)
            self.drawing = False
            self._refresh_tab()  # (the side panel was rendered by install)
        self.mark_drawn()

    # ================================================================ hand-placed init
    def place_centroid(self, x: float, y: float) -> None:
        """Add a hand-placed initial centroid at (x, y) of the plot."""
        self.hand.place(x, y)

    def use_chapter_good_init(self) -> None:
        """The chapter's five hand-placed centroids (k = 5)."""
        self.hand.chapter_good_init()

    def clear_placed(self) -> None:
        self.hand.clear()

    def to_features(self, x: float, y: float) -> list[float]:
        return self.state.projection.inverse_transform([[x, y]])[0].tolist()

    # ================================================================ clicks, soft clustering
    def _plot_clicked(self, x: float, y: float, button, modifiers) -> None:
        s = self.state
        if button != Qt.MouseButton.LeftButton or s.dataset is None:
            return
        view = self.clusters.view
        handles = self.clusters.handle_positions()
        if len(handles) and view.handles_pixel_distance(x, y, handles).min() <= \
                HandleItem.RADIUS + 3:
            return
        xy_new = s.x_new_xy()
        if len(xy_new):
            near = view.handles_pixel_distance(x, y, xy_new)
            if near.min() <= 9:
                self._set_x_new(np.delete(s.x_new_for(), int(near.argmin()), axis=0))
                return
        if s.hand and len(s.placed_for()) < self.settings.k:
            self.place_centroid(x, y)
            return
        self.add_new_instance(x, y)

    def add_new_instance(self, x: float, y: float) -> None:
        """Add a new instance at (x, y) of the plot to the soft-clustering table."""
        pts = self.state.x_new_for()
        self._set_x_new(np.vstack([pts, np.asarray(self.to_features(x, y))[None, :]]))

    def use_chapter_x_new(self) -> None:
        ds = self.state.dataset
        if ds is None or ds.n_features != 2:
            self.ctx.show_message("The chapter's X_new has two features; this dataset has "
                                  f"{ds.n_features if ds else '?'}.", "warning")
            return
        self._replace_x_new(CHAPTER_X_NEW.copy(), "The chapter's X_new replaced")

    def clear_new(self) -> None:
        if self.state.dataset is not None:
            self._replace_x_new(np.empty((0, self.state.dataset.n_features)), "Cleared")

    def _replace_x_new(self, pts: np.ndarray, said: str) -> None:
        """New instances replaced or cleared: an Undo button puts the old ones back."""
        key, before = self.state.dataset.key, self.state.x_new_for()
        self._set_x_new(pts)
        after = self.state.x_new_for()
        if len(before) and not np.array_equal(before, after):
            n = len(before)
            self.offer_undo(f"{said} {n} new instance{'s' if n != 1 else ''}.",
                            lambda: self._set_x_new(before),
                            still_valid=lambda: self.state.dataset is not None
                            and self.state.dataset.key == key
                            and np.array_equal(self.state.x_new_for(), after))

    def _delete_new(self, rows: list) -> None:
        self._set_x_new(np.delete(self.state.x_new_for(), rows, axis=0))

    def _set_x_new(self, pts: np.ndarray) -> None:
        if self.state.dataset is None:
            return
        key = self.state.dataset.key
        self.state.x_new[key] = np.asarray(pts, float).tolist()
        self.store.set(key, "x_new", self.state.x_new[key])
        self._update_soft()
        self.refresh()

    def _update_soft(self) -> None:
        s = self.state
        pts = s.x_new_for()
        if s.frame is None or not len(pts):
            s.soft = None
            return
        k = len(s.frame.centers)
        self.run_task(jobs.soft, s.frame.centers, pts, key="soft",
                      cost=estimate_cost(len(pts), pts.shape[1], k),
                      paint_in_turns=True,
                      description="Soft clustering…", on_result=self._soft_done)

    def _soft_done(self, soft) -> None:
        self.state.soft = soft
        if self.current_tab() is self.clusters and self.state.dataset is not None:
            self.clusters.render_soft(self.state)

    # ================================================================ stepping
    def step(self) -> None:
        """One iteration forwards (→)."""
        self.stepping.do("step")

    def back(self) -> None:
        """One iteration back (←)."""
        self.stepping.stop()
        self.stepping.do("back")

    def reset(self) -> None:
        """Back to iteration 0."""
        self.stepping.stop()
        self.stepping.do("reset")

    def toggle_play(self) -> None:
        self.controls.play_button.toggle()

    def stop_play(self) -> None:
        self.stepping.stop()

    def show_frame(self, frame) -> None:
        """A step's frame (of the current stepper)."""
        self.state.frame = frame
        self._update_soft()
        self.refresh()

    # ================================================================ the other tabs
    def refresh(self) -> None:
        """Render the state: the side panel, and the current tab (its stale work started)."""
        if not self._ready:
            return
        # (what an install left for the next turn is drawn now: that turn draws nothing again;
        # clearing the placed centroids just after a fit drew the tab twice in one turn)
        self.drawing = False
        self.controls.render(self.state, self.settings)
        self._refresh_tab()

    def _refresh_tab(self) -> None:
        """The current tab's part of :meth:`refresh` (its stale work started)."""
        tab = self.current_tab()
        if tab is self.iterations and "iterations" in self._stale:
            self.draw_iterations()
        elif tab is self.compare and "compare" in self._stale:
            self.run_compare()
        elif tab is self.variability and "variability" in self._stale:
            self.run_variability()
        elif tab is self.limits and self.state.limits is None and \
                "limits" not in self.state.status:
            self.run_limits()
        if tab is not None:
            tab.render(self.state)
        self.new_data.apply()  # points of newly selected data, until their fit
        if not self.state.playing:
            self.code_changed.emit()
        else:  # while playing, the code follows the iteration shown a few times a second
            self.stepping.code_soon()

    def show_chapter_figure(self) -> None:
        """Blobs, k=5, random init, n_init=1, random_state=5, then the iterations figure."""
        self.set_settings(dataset="blobs", k=5, init="random", n_init=1, random_state=5,
                           algorithm="lloyd")
        self.iterations.ensure_built()
        self.tabs.blockSignals(True)
        self.tabs.setCurrentWidget(self.iterations)
        self.tabs.blockSignals(False)
        self.fit()  # its result refreshes the figure

    def draw_iterations(self) -> None:
        s = self.state
        if s.stepper is None or s.dataset is None:
            return
        self._stale.discard("iterations")
        k, init = s.stepper.n_clusters, s.stepper.init_centers
        self.run_task(jobs.iterations, s.dataset.X, k, init, key="iterations",
                      description="Computing iterations 1–3…",  # OpenMP: on a worker thread
                      on_result=lambda c, p=s.params, st=s.stepper:
                      self._iterations_done(c, p, st))

    def _iterations_done(self, centers: np.ndarray, params: FitParams, stepper) -> None:
        if self.state.stepper is not stepper:
            return  # computed for a stepper since replaced (other data, another init)
        self.state.iter_centers, self.state.iter_params = centers, params
        self.refresh()

    def run_compare(self) -> None:
        s = self.state
        if s.dataset is None:
            return
        self._stale.discard("compare")
        specs = self.compare.specs()
        s.status["compare"] = "running"
        task = self.run_task(jobs.compare, s.dataset.X, self.settings.k, specs[0], specs[1],
                             key="compare", description="Comparing two K-Means solutions…",
                             paint_in_turns=True, on_result=lambda r: self._done("compare", r),
                             on_error=lambda exc: self._failed("compare", exc))
        task.cancelled.connect(lambda t=task: self._cancelled(t, "compare"))
        self.compare.render(s)

    def run_variability(self) -> None:
        s = self.state
        if s.dataset is None:
            return
        self._stale.discard("variability")
        runs, seed = self.variability.runs()
        s.status["variability"] = "running"
        task = self.run_task(jobs.variability, s.dataset.X, self.settings.k, runs, seed,
                             key="variability", description=f"Fitting K-Means {2 * runs} times…",
                             paint_in_turns=True, on_result=self._variability_done,
                             on_error=lambda exc: self._failed("variability", exc))
        task.cancelled.connect(lambda t=task: self._cancelled(t, "variability"))
        self.variability.render(s)

    def run_limits(self) -> None:
        self.state.status["limits"] = "running"
        self.run_task(jobs.limits, self.ctx, key="limits",
                      description="Fitting the elongated blobs…",
                      paint_in_turns=True, on_result=lambda r: self._done("limits", r),
                      on_error=lambda exc: self._failed("limits", exc))

    def _variability_done(self, out) -> None:
        self.state.variability_hist = out[1]
        self._done("variability", out[0])

    def _done(self, what: str, result) -> None:
        self.state.status.pop(what, None)
        setattr(self.state, what, result)
        self.refresh()

    def _failed(self, what: str, exc: BaseException) -> None:
        self.state.status[what] = "failed"
        self.refresh()
        self.state.status.pop(what, None)
        self.fail(exc, "K-Means")

    def _cancelled(self, task, what: str) -> None:
        if task.state == "stale":
            return  # superseded by a newer request, which will draw
        self.state.status[what] = "cancelled"
        getattr(self, what).render(self.state)  # says so; shown again, it runs again
        self.state.status.pop(what, None)
        self._stale.add(what)
