"""New data is shown at once: a page's points drawn grey, with "computing…" over them, as
soon as a newly selected dataset is loaded, until the page's own result for it arrives.

A page owns one :class:`NewData` (``Page.new_data``). It calls :meth:`NewData.want` with
the dataset key its next job works on (a no-op for the key already drawn),
:meth:`NewData.done` when that job's result is drawn and :meth:`NewData.drop` when the job
failed or was cancelled. The preview job loads the dataset's shared 2-D view (the
AppContext's cache, so the page's own job does not read or project it again) and prepares
the bounds and the grey off the GUI thread; the views' own drawing does the rest (a big
cloud is rasterised as usual). The page's tabs say which views draw the dataset's points
(:meth:`gui.pages.base.Tab.pending_views`).
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from core.datasets import Dataset
from core.projection import Projection
from gui.tasks import next_turn
from gui.widgets.scatter import PENDING_RGBA, PENDING_TEXT, data_bounds


@dataclass(frozen=True, eq=False)
class Preview:
    """A dataset's points as they are drawn before any result: the 2-D view, its bounds and
    one grey per point."""

    key: str
    dataset: Dataset
    projection: Projection
    bounds: tuple | None
    colors: np.ndarray

    @property
    def xy(self) -> np.ndarray:
        return self.projection.coords

    def line(self) -> str:
        """One line: the dataset's name and size, and that its result is coming."""
        ds = self.dataset
        return (f"{html.escape(ds.name)}: {ds.n_samples:,} points × {ds.n_features} "
                f"feature{'s' if ds.n_features != 1 else ''}, {PENDING_TEXT}")

    def summary(self) -> str:
        """For a side panel: the dataset's name and size, and that its result is coming."""
        ds = self.dataset
        return (f"<b>{html.escape(ds.name)}</b><br>{ds.n_samples:,} points × {ds.n_features} "
                f"feature{'s' if ds.n_features != 1 else ''}<br><i>{PENDING_TEXT}</i>")


def load_preview(load_view: Callable, key: str, progress=None) -> Preview:
    """The dataset ``key``'s 2-D view (``AppContext.load_view``), with its bounds and greys."""
    ds, projection = load_view(key, progress)
    colors = np.empty((projection.coords.shape[0], 4), dtype=np.uint8)
    colors[:] = PENDING_RGBA
    return Preview(key, ds, projection, data_bounds(projection.coords), colors)


class NewData:
    """The preview of the dataset a page is computing on, until the page's result is drawn."""

    def __init__(self, page):
        self.page = page
        self.wanted: str | None = None  # the key whose result the page waits for
        self.drawn: str | None = None  # the key of the result on screen
        self.preview: Preview | None = None  # on screen, until the result

    @property
    def active(self) -> bool:
        return self.preview is not None

    def want(self, key: str) -> None:
        """The page starts computing on ``key``: if it is not the data drawn, load it and
        draw its points grey."""
        if not key:
            return
        if key == self.drawn:  # back to the data on screen: no preview
            self.wanted = None
            if self.preview is not None:
                self.preview = None
                self.page.preview_dropped()
            return
        if key == self.wanted:
            return
        self.wanted = key
        page = self.page
        page.run_task(load_preview, page.ctx.load_view, key, key="preview",
                      paint_in_turns=True,
                      description="Loading the data…", on_result=self._loaded,
                      on_error=lambda exc: None)  # the page's own job says what went wrong

    def _loaded(self, preview: Preview) -> None:
        # Drawn on a later turn of the event loop: results delivered in the same batch (the
        # Data page's, a fit's) are not drawn in one go with it.
        next_turn(self.page, lambda: self._show(preview))

    def _show(self, preview: Preview) -> None:
        if preview.key != self.wanted:
            return  # the result came first, or another dataset was chosen meanwhile
        self.preview = preview
        self.apply()
        self.page.preview_shown(preview)

    def apply(self) -> None:
        """Draw the preview on the current tab's views (after a render of the old state)."""
        preview = self.preview
        tab = self.page.current_tab()
        if preview is None or tab is None:
            return
        for view in tab.pending_views():
            if not (view.pending and view.shows(preview.xy)):
                view.show_pending(preview.xy, bounds=preview.bounds, colors=preview.colors)
                view.set_axis_titles(*preview.projection.axis_titles)
                view.set_title(preview.dataset.name)

    def done(self, key: str) -> None:
        """The page drew its result for ``key``."""
        self.drawn = key
        if key == self.wanted:
            self.wanted = None
        if self.preview is not None and self.preview.key == key:
            self.preview = None

    def drop(self) -> None:
        """The job failed or was cancelled: the page shows what it had; no preview."""
        self.wanted = None
        if self.preview is not None:
            self.preview = None
            self.page.preview_dropped()
