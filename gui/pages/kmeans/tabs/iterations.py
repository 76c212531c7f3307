"""The "Iterations 1–3" tab: the chapter's Figure 9-4 from the current initialisation."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import QGridLayout, QSizePolicy

from gui.pages.base import info_label
from gui.pages.kmeans import snippets
from gui.pages.kmeans.state import KMeansState
from gui.pages.kmeans.tabs import LazyTab
from gui.tasks import next_turn
from gui.widgets.cell import Cell
from gui.widgets.cluster_view import ClusterView

TITLES = ["Update centroids (initially randomly)", "Label the instances",
          "Update the centroids", "Label the instances",
          "Update the centroids", "Label the instances"]
# (regions of iteration, centroids of iteration, centroid style) of each panel
PLAN = [(None, 1, "red"), (1, 1, None), (1, 2, None), (2, 2, None), (2, 3, None), (3, 3, None)]


def _caption(how: str, note: str) -> str:
    return (f"The first three iterations from the current initialisation ({how}){note}: left, "
            "the centroids move to the mean of their points; right, the points are relabelled "
            "by the nearest centroid.")


#: the longest the caption can be: it is given this text's height whatever it says
LONGEST_CAPTION = _caption("init='k-means++', random_state=2147483647",
                           " (converged after 2 iterations)")


class IterationsTab(LazyTab):
    title = "Iterations 1–3"

    def build(self) -> None:
        # Six plots cost ~40 ms each to create and ~20 ms each to fill with 100k points: they
        # are made and drawn one per event-loop turn, so the window repaints in between.
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(2, 2, 2, 2)
        self.grid.setSpacing(2)
        self.views: list[ClusterView] = []
        # Every view is put in a cell made from the start, outside the grid's layout: the
        # grid never re-lays out, so the views already drawn are not resized and painted
        # again each time one more is made.
        self._cells: list[Cell] = []
        for j in range(len(TITLES)):
            cell = Cell()
            self.grid.addWidget(cell, j // 2, j % 2)
            self._cells.append(cell)
        for row in range(3):
            self.grid.setRowStretch(row, 1)
        for col in range(2):
            self.grid.setColumnStretch(col, 1)
        # The caption keeps the height of the longest it can be (see resizeEvent): its height
        # changing with its text would lay the grid out again, resizing and repainting all six
        # views in one turn.
        self.caption = info_label(_caption("drawn once the model is fitted", ""))
        self.caption.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self._fit_caption(self.width())
        self.grid.addWidget(self.caption, 3, 0, 1, 2)
        self._drawn = None
        # The views to make and panels to draw, one per turn of the event loop, in the
        # window's queue of such calls (tasks.next_turn; the base Tab's build steps are only
        # this build()). A zero timer of its own ran a step in the pass that painted the last
        # one and ran the page's own staged work: 52-57 ms of one turn at 150,000 x 64.
        self._panel_steps: list[Callable[[], None]] = [lambda i=i: self._view(i)
                                                       for i in range(len(TITLES))]
        self._step_queued = False
        self._queue_step()

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        if self.built:
            self._fit_caption(event.size().width())
        super().resizeEvent(event)

    def _fit_caption(self, width: int) -> None:
        m = self.grid.contentsMargins()
        box = QRect(0, 0, max(width - m.left() - m.right(), 50), 10_000)
        need = self.caption.fontMetrics().boundingRect(
            box, Qt.TextFlag.TextWordWrap, LONGEST_CAPTION).height()
        if need != self.caption.maximumHeight():
            self.caption.setFixedHeight(need)

    def _view(self, i: int) -> ClusterView:
        while len(self.views) <= i:
            j = len(self.views)
            v = ClusterView(title=TITLES[j], centroid_size=14)
            v.plotItem.setTitle(TITLES[j], size="8pt")
            self._cells[j].put(v)
            self.views.append(v)
            self.was_built.emit()  # the page wires the new view's decision regions
        return self.views[i]

    def _queue_step(self) -> None:
        if self._panel_steps and not self._step_queued:
            self._step_queued = True
            next_turn(self, self._next_panel_step)

    def _next_panel_step(self) -> None:
        self._step_queued = False
        if self._panel_steps:
            self._panel_steps.pop(0)()
        self._queue_step()

    def cluster_views(self) -> list:
        return self.views if self.built else []

    def pending(self) -> bool:
        return self.built and bool(self._panel_steps)

    def render(self, state: KMeansState) -> None:
        self.ensure_built()
        centers = state.iter_centers
        if centers is None or state.dataset is None or self._drawn is centers:
            return
        self._drawn = centers
        ds, proj, p = state.dataset, state.projection, state.iter_params
        k = centers.shape[1]
        c = [state.to_plot(centers[min(t, len(centers) - 1)]) for t in range(4)]
        regions_ok = proj.method == "identity"
        black = np.zeros((ds.n_samples, 4), np.uint8)
        black[:, 3] = 255
        size = 3 if ds.n_samples <= 5000 else 1

        def panel(i: int, reg, cen, style) -> None:
            v = self._view(i)
            v.set_points(proj.coords, colors=black, size=size)
            v.show_regions_for(c[reg] if (reg is not None and regions_ok) else None, k)
            v.centroids.set_style(*(((214, 39, 40), (255, 255, 255)) if style == "red"
                                    else ((255, 255, 255), (0, 0, 0))))
            v.centroids.set_centers(c[cen])
            if i == 0:
                first = ("Update centroids (initially randomly)" if p is not None
                         and p.init == "random" else "Update centroids (from the init)")
                v.plotItem.setTitle(first, size="8pt")

        n = len(centers) - 1
        how = (f"init='{p.init}', random_state={p.random_state}"
               if p is not None and p.init != "hand" else "the placed init")
        note = "" if n >= 3 else f" (converged after {n} iteration{'s' if n != 1 else ''})"
        self.caption.setText(_caption(how, note))
        # A new figure replaces what is left of the last one (views not made yet are made).
        # (a view not made yet is made in a turn of its own: making it and filling it with
        # the points in the same turn held the GUI thread ~100 ms)
        self._panel_steps = [
            step for i, plan in enumerate(PLAN)
            for step in ([] if i < len(self.views) else [lambda i=i: self._view(i)])
            + [lambda i=i, plan=plan: panel(i, *plan)]]
        self._queue_step()

    def code(self, state: KMeansState) -> str:
        return snippets.iterations_code(state)

    def export_table(self, state: KMeansState):
        if state.iter_centers is None or state.dataset is None:
            return None
        rows = [[t, j] + list(map(float, c))
                for t, cs in enumerate(state.iter_centers) for j, c in enumerate(cs)]
        return ["iteration", "cluster"] + list(state.dataset.feature_names), rows
