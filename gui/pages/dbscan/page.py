"""The DBSCAN page: core, border and noise points, the k-distance curve, and new instances.

The chapter's DBSCAN section as a live lab: the moons with eps=0.05 and
min_samples=5 by default (Figure 9-14), eps and min_samples that update the
clustering as they change, the k-distance curve whose horizontal line sets
eps, the eps-neighbourhood of the point under the mouse, the chapter's
eps=0.05 vs eps=0.2 comparison, and new instances (clicked on the plot)
assigned to clusters by a KNN trained on the core samples.

Wiring only: the controls change the state (``state.py``), the state asks for
jobs (``jobs.py``, through the task runner, debounced, latest wins), the
results go into the state, and the panel and tabs render it.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QHBoxLayout

from gui.pages.base import Page
from gui.pages.dbscan import jobs
from gui.pages.dbscan.panel import ControlPanel
from gui.pages.dbscan.settings import DBSCANSettings, dataset_store
from gui.pages.dbscan.snippets import fmt_eps
from gui.pages.dbscan.state import CHAPTER_COMPARE_EPS, CHAPTER_X_NEW, DBSCANState, Hover
from gui.pages.dbscan.tabs.compare import CompareTab
from gui.pages.dbscan.tabs.explore import ExploreTab
from gui.settings import data_dir
from gui.tasks import INLINE_COST, Task
from gui.widgets.distance_spin import snap_distance

#: Debounce of the eps / min_samples / KNN controls, in milliseconds.
DEBOUNCE_MS = 150
#: Debounce of a costly hover count (a cheap one is immediate).
HOVER_MS = 60


class DBSCANPage(Page):
    name = "dbscan"
    title = "DBSCAN"
    Settings = DBSCANSettings

    def __init__(self, ctx, parent=None):
        super().__init__(ctx, parent)
        b = self.binder
        self.state = DBSCANState(dataset_key=b.value("dataset"),
                                 min_samples=b.value("min_samples"),
                                 n_neighbors=b.value("n_neighbors"))
        self.store = dataset_store(data_dir(), ctx.settings)
        if self.store.error or self.store.notice:  # a damaged file was set aside: say where
            ctx.show_message(self.store.error or self.store.notice, "warning")
        self.panel = ControlPanel(ctx, b)
        self.explore = self.add_tab(ExploreTab(), tooltip=ExploreTab.tooltip)
        self.compare = self.add_tab(CompareTab(), tooltip=CompareTab.tooltip)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.panel.widget)
        layout.addWidget(self.tabs, 1)

        self._timers: dict[str, QTimer] = {}
        for key, fn in (("dbscan", self._run_dbscan), ("kdist", self._run_kdist),
                        ("compare", self._run_compare), ("knn", self._knn_params_changed),
                        ("hover", self._count_hover), ("save", self._write_store)):
            timer = self._timers[key] = QTimer(self)
            timer.setSingleShot(True)
            timer.setInterval(DEBOUNCE_MS)
            timer.timeout.connect(fn)
        self._hover_target: int | None = None
        self._loading: tuple[str, Task] | None = None  # (key, task) of the last load asked for

        p = self.panel
        p.picker.key_changed.connect(self._load)
        p.eps_spin.valueChanged.connect(self._eps_changed)
        p.min_samples_spin.valueChanged.connect(self._min_samples_changed)
        p.suggest_button.clicked.connect(self.use_suggested_eps)
        p.k_spin.valueChanged.connect(self._n_neighbors_changed)
        p.max_dist_spin.valueChanged.connect(self._max_distance_changed)
        p.regions_check.toggled.connect(self._regions_toggled)
        p.chapter_button.clicked.connect(self.reset_instances)
        p.remove_button.clicked.connect(self.remove_selected)
        p.clear_button.clicked.connect(self.clear_instances)
        p.export_button.clicked.connect(self._export_csv)
        self.explore.eps_dragged.connect(self._eps_dragged)
        self.explore.eps_chosen.connect(self.set_eps)
        self.explore.clicked.connect(self._plot_clicked)
        self.explore.hovered.connect(self._hover)
        self.explore.left.connect(self._hide_hover)
        self.compare.eps_changed.connect(self._compare_eps_changed)
        self.compare.chapter_button.clicked.connect(self.compare_chapters_eps)

    # -- drawing and persistence ---------------------------------------------------------------
    def _show(self) -> None:
        """Render the state: the panel, the current tab, the code."""
        self.panel.render(self.state)
        self.refresh()

    def _save_dataset(self) -> None:
        """Keep the dataset's eps, max distance and instances; written to disk soon after
        (debounced), on a worker: an atomic write waits for the disk (fsync)."""
        s = self.state
        if s.dataset is not None:
            self.store.datasets[s.dataset_key] = {**self.store.datasets.get(s.dataset_key, {}),
                                                  **s.dataset_values()}
            self._timers["save"].start()

    def _write_store(self) -> None:
        if self.store.error is None:  # (a file that could not be read is left as it is)
            doc = {"version": self.store.version,
                   "datasets": {k: dict(v) for k, v in self.store.datasets.items()}}
            self.run_task(jobs.save, self.store.path, doc, key="save",
                          description="Saving the page's work…", user_cancellable=False,
                          on_error=lambda exc: self.ctx.show_message(
                              f"The DBSCAN page's work could not be saved: {exc}", "error"))

    def shown_settings(self) -> dict:
        s, out = self.state, {}
        if s.dataset is not None:
            out["dataset"] = s.dataset.key
        if s.result is not None:
            out["min_samples"] = s.result.min_samples
        return out

    def pending(self) -> bool:
        """Whether a debounced change is still waiting to start its work."""
        return any(t.isActive() for t in self._timers.values())

    # -- lifecycle -------------------------------------------------------------------------------
    def start(self) -> None:
        self._load(self.panel.picker.current_key())

    def apply_params(self, **params) -> None:
        if "dataset" in params:
            self.panel.picker.set_current_key(str(params["dataset"]))
        if "min_samples" in params:
            self.panel.min_samples_spin.setValue(int(params["min_samples"]))
        if "eps" in params:
            self.panel.eps_spin.setValue(float(params["eps"]))

    def _load(self, key: str) -> None:
        if not key:
            return
        loading = self._loading
        if loading is not None and loading[0] == key and loading[1].state in ("pending",
                                                                              "running"):
            return  # (already on its way: its neighbour index is seconds of a core's work)
        self.new_data.want(key)  # its points at once, grey, until its clustering
        # (the summary keeps the last clustering until the new one is drawn)
        self._loading = (key, self.run_task(
            jobs.load, self.ctx, key, key="load", description="Loading dataset…",
            on_result=self._loaded, on_error=self._load_failed, paint_in_turns=True))

    def _load_failed(self, exc: BaseException) -> None:
        self.new_data.drop()
        self.fail(exc, "Loading the dataset")

    def preview_shown(self, preview) -> None:
        self.panel.summary.setText(preview.summary())

    def _loaded(self, payload) -> None:
        key, ds, proj, bounds, index = payload
        if key != self.panel.picker.current_key():
            return
        self._hide_hover()
        s = self.state
        s.set_data(ds, proj, index, self.store.datasets.get(key), bounds)
        self._show()
        self._run_kdist()
        if not s.eps_from_curve:
            self._run_dbscan()

    def leave(self) -> None:
        """The hovered point's count is dropped when the user goes to another page; the
        clustering and the comparison run on."""
        self._hide_hover()
        super().leave()

    def shutdown(self) -> None:
        for timer in self._timers.values():
            timer.stop()
        self._save_dataset()
        self._timers["save"].stop()
        for task in self.ctx.tasks.active_tasks():  # (an older write must not come last)
            if task.key == f"{self.name}:save":
                task.wait(10.0)
        self.store.save()

    # -- DBSCAN ------------------------------------------------------------------------------------
    def _eps_changed(self, value: float) -> None:
        self.state.eps = float(value)
        self.refresh()  # the eps line follows
        self._timers["dbscan"].start()

    def _eps_dragged(self, value: float) -> None:
        """The eps line is being dragged: the spin box follows (snapped to what it shows),
        the clustering follows (debounced)."""
        self.state.eps = snap_distance(float(value))
        self.panel.render(self.state)
        self._timers["dbscan"].start()

    def set_eps(self, value: float) -> None:
        """eps from the k-distance plot (a drag released, a click on the curve): snapped to
        the spin box's digits, and the line snaps to it too."""
        self.state.eps = snap_distance(float(value))
        self._show()
        self._timers["dbscan"].start()

    def _min_samples_changed(self, value: int) -> None:
        self.state.min_samples = int(value)
        self._timers["dbscan"].start()
        self._timers["kdist"].start()

    def use_suggested_eps(self) -> None:
        if self.state.kdist is None:
            self.ctx.show_message("The k-distance curve is not ready yet (it needs "
                                  "min_samples of at least 2).", "warning")
            return
        self.panel.eps_spin.setValue(float(self.state.kdist.knee))

    def _run_dbscan(self) -> None:
        self._timers["dbscan"].stop()
        s = self.state
        if s.dataset is None:
            return
        X = s.dataset.X
        task = self.run_task(
            jobs.dbscan, X, s.eps, s.min_samples, s.index, key="dbscan",
            description=f"DBSCAN with eps={fmt_eps(s.eps)}, min_samples={s.min_samples}…",
            cost=jobs.dbscan_cost(X, s.min_samples),
            on_result=lambda r, key=s.dataset_key: self._dbscan_done(key, r),
            on_error=self._dbscan_failed, paint_in_turns=True)
        # cancelled by the user (not superseded by newer values): show the drawn parameters
        task.cancelled.connect(lambda t=task: t.state == "cancelled" and self._dbscan_cancelled())

    def _dbscan_cancelled(self) -> None:
        self.new_data.drop()
        self._show_drawn()

    def _dbscan_failed(self, exc: BaseException) -> None:
        self.new_data.drop()
        self.fail(exc, "DBSCAN")  # the sentence; the clustering on screen stays
        self._show_drawn()

    def _show_drawn(self) -> None:
        """Put the controls back to the parameters of the clustering on screen."""
        s, r = self.state, self.state.result
        if r is None:
            return
        s.eps, s.min_samples = r.eps, r.min_samples
        self.binder.restore(self.shown_settings())
        self.binder.save()
        self._show()
        if s.kdist is None or s.kdist.k != r.min_samples - 1:
            self._timers["kdist"].start()

    def _dbscan_done(self, key: str, payload) -> None:
        s = self.state
        if s.dataset is None or key != s.dataset_key:
            return
        s.result, s.elapsed, s.result_colors = payload
        self.new_data.done(key)
        self._save_dataset()
        self._show()
        self.mark_drawn()
        if s.hover is not None:
            self._hover_at(s.hover.index)  # recount within the new eps
        self._run_knn()
        if s.show_regions:
            self._run_regions()

    # -- k-distance curve ------------------------------------------------------------------------
    def _run_kdist(self) -> None:
        self._timers["kdist"].stop()
        s = self.state
        if s.dataset is None:
            return
        ms, X = s.min_samples, s.dataset.X
        if ms < 2 or ms - 1 >= s.dataset.n_samples:
            s.kdist = None
            self._show()
            if s.eps_from_curve:
                s.eps_from_curve = False
                self._run_dbscan()
            return
        self.run_task(jobs.kdist, X, ms - 1, s.index, key="kdist",
                      description="Computing the k-distance curve…",
                      cost=jobs.kdist_cost(X, ms - 1),
                      on_result=lambda kd, key=s.dataset_key: self._kdist_done(key, kd),
                      on_error=lambda exc: self.ctx.show_message(str(exc), "error"),
                      paint_in_turns=True)

    def _kdist_done(self, key: str, kd) -> None:
        s = self.state
        if s.dataset is None or key != s.dataset_key:
            return
        suggested = s.eps_from_curve
        s.use_curve(kd, self.store.datasets.get(key))
        self._show()
        if suggested:
            self._run_dbscan()

    # -- hover -----------------------------------------------------------------------------------
    def _hover(self, x: float, y: float) -> None:
        s = self.state
        if s.index is None or s.result is None:
            return
        i, _ = s.index.nearest_in_view(x, y)  # a 2-D tree: microseconds
        if not self.explore.near_on_screen(s.projection.coords[i], x, y):
            self._hide_hover()
            return
        self._hover_at(i)

    def _hover_at(self, i: int) -> None:
        s = self.state
        if s.hover is not None and s.hover.index == i and s.hover.eps == s.result.eps:
            return
        self._hover_target = i
        costly = jobs.hover_cost(s.dataset.X) >= INLINE_COST
        self._timers["hover"].start(HOVER_MS if costly else 0)

    def _count_hover(self) -> None:
        s, i = self.state, self._hover_target
        if i is None or s.result is None or s.index is None or i >= s.result.labels.size:
            return
        eps = s.result.eps
        self.run_task(jobs.hover_count, s.index, s.dataset.X[i], eps, key="hover",
                      description="Counting the neighbours…", cost=jobs.hover_cost(s.dataset.X),
                      on_result=lambda c, i=i, eps=eps: self._hover_done(i, c, eps),
                      on_error=lambda exc: None)

    def _hover_done(self, i: int, count: int, eps: float) -> None:
        if self._hover_target == i:
            self.state.hover = Hover(i, int(count), eps)
            self.explore.render_hover(self.state)

    def _hide_hover(self) -> None:
        self._hover_target = None
        self._timers["hover"].stop()
        self.ctx.tasks.cancel(f"{self.name}:hover")
        if self.state.hover is not None:
            self.state.hover = None
            self.explore.render_hover(self.state)

    # -- new instances ---------------------------------------------------------------------------
    def _plot_clicked(self, x: float, y: float) -> None:
        if self.state.dataset is not None:
            self.add_instance(x, y)

    def add_instance(self, x: float, y: float) -> None:
        self.state.instances.append((float(x), float(y)))
        self._instances_changed()

    def reset_instances(self) -> None:
        self._replace_instances(list(CHAPTER_X_NEW), "The chapter's four replaced")

    def clear_instances(self) -> None:
        self._replace_instances([], "Cleared")

    def remove_selected(self) -> None:
        instances = list(self.state.instances)
        rows = self.panel.selected_rows() or ([len(instances) - 1] if instances else [])
        for r in sorted(rows, reverse=True):
            if r < len(instances):
                del instances[r]
        self._replace_instances(instances, "Removed")

    def _replace_instances(self, instances: list, said: str) -> None:
        """New instances replaced or removed: an Undo button puts the old ones back."""
        s, before = self.state, list(self.state.instances)
        after = list(instances)
        s.instances = list(after)  # (a click appends to the state's list, not to ``after``)
        self._instances_changed()
        gone = len([p for p in before if p not in after])
        if gone:
            key = s.dataset_key

            def restore() -> None:
                s.instances = list(before)
                self._instances_changed()

            self.offer_undo(f"{said} {gone} new instance{'s' if gone != 1 else ''}.", restore,
                            still_valid=lambda: s.dataset_key == key and s.instances == after)

    def _instances_changed(self) -> None:
        self.state.prediction = None
        self._save_dataset()
        self._show()
        self._run_knn()

    def _n_neighbors_changed(self, value: int) -> None:
        self.state.n_neighbors = int(value)
        self._timers["knn"].start()

    def _max_distance_changed(self, value: float) -> None:
        self.state.max_distance = float(value)
        self._save_dataset()
        self._timers["knn"].start()

    def _knn_params_changed(self) -> None:
        self.code_changed.emit()
        self._run_knn()
        self._run_regions()

    def _run_knn(self) -> None:
        self._timers["knn"].stop()
        s = self.state
        if s.result is None:
            return
        if not s.instances:
            if s.prediction is not None:  # (else nothing to draw: the caller has drawn)
                s.prediction = None
                self._show()
            return
        X, X_new, result = s.dataset.X, s.lifted_instances(), s.result
        self.run_task(jobs.knn, X, result, X_new, s.n_neighbors, s.max_distance, key="knn",
                      description="Classifying the new instances…",
                      cost=jobs.knn_cost(X, result, len(X_new), s.n_neighbors),
                      on_result=lambda p, r=result: self._knn_done(r, p),
                      on_error=lambda exc: self.ctx.show_message(str(exc), "error"),
                      paint_in_turns=True)

    def _knn_done(self, result, prediction) -> None:
        if result is self.state.result:  # (not the clustering of another dataset)
            self.state.prediction = prediction
            self._show()

    # -- decision regions ------------------------------------------------------------------------
    def _regions_toggled(self, on: bool) -> None:
        self.state.show_regions = on
        if on:
            self._run_regions()
        else:
            self.state.regions = None
        self._show()

    def _run_regions(self) -> None:
        s = self.state
        if s.result is None or not s.show_regions:
            return
        X, result = s.dataset.X, s.result
        (x_range, y_range) = s.region_ranges()
        cells = jobs.REGION_RESOLUTION ** 2
        self.run_task(jobs.regions, X, result, x_range, y_range, s.n_neighbors, s.max_distance,
                      s.projection.inverse_transform, key="regions",
                      description="Computing the KNN's decision regions…",
                      cost=jobs.regions_cost(X, result, cells, s.n_neighbors),
                      on_result=lambda g, r=result: self._regions_done(r, g),
                      on_error=lambda exc: self.ctx.show_message(str(exc), "error"),
                      paint_in_turns=True)

    def _regions_done(self, result, grid) -> None:
        if result is self.state.result and self.state.show_regions:
            self.state.regions = grid
            self._show()

    # -- comparison ------------------------------------------------------------------------------
    def _tab_changed(self, index: int) -> None:
        if isinstance(self.tabs.widget(index), CompareTab):
            self._run_compare()
        super()._tab_changed(index)

    def _compare_eps_changed(self, eps_a: float, eps_b: float) -> None:
        self.state.eps_a, self.state.eps_b = float(eps_a), float(eps_b)
        self._timers["compare"].start()

    def compare_chapters_eps(self) -> None:
        """Put the comparison back to the chapter's two values of eps."""
        self.state.eps_a, self.state.eps_b = CHAPTER_COMPARE_EPS
        self._show()
        self._run_compare()

    def _run_compare(self) -> None:
        self._timers["compare"].stop()
        s = self.state
        if s.dataset is None or self.tabs.currentWidget() is not self.compare:
            return
        params = s.compare_key()
        if params == s.compare_params and s.compare is not None:
            return
        self.compare.computing()
        X = s.dataset.X
        self.run_task(jobs.compare, X, *params[1:], s.index, key="compare",
                      description="DBSCAN with two values of eps…",
                      cost=jobs.dbscan_cost(X, params[3], runs=2),
                      on_result=lambda r, p=params: self._compare_done(p, r),
                      on_error=self._compare_failed, paint_in_turns=True)

    def _compare_failed(self, exc: BaseException) -> None:
        self.compare.computing(False)
        self.ctx.show_message(str(exc), "error")

    def _compare_done(self, params, results) -> None:
        s = self.state
        if s.dataset is not None and params[0] == s.dataset_key:
            (s.compare, s.compare_colors), s.compare_params = results, params
            self._show()

    # -- window hooks ----------------------------------------------------------------------------
    def _export_csv(self) -> None:
        window = self.window()
        if hasattr(window, "export_csv_dialog"):
            window.export_csv_dialog()


__all__ = ["DBSCANPage"]
