"""Initial centroids placed by hand: clicks, drags (debounced, latest-wins tasks on the
page's ``stepper`` key, the release always applied) and the chapter's good init."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer

from gui.pages.kmeans import jobs
from gui.pages.kmeans.state import CHAPTER_GOOD_INIT

#: While a centroid is dragged, re-initialise at most this often (ms); the release always does.
DRAG_INTERVAL_MS = 30


class HandPlacement(QObject):
    def __init__(self, page):
        super().__init__(page)
        self.page = page
        self.timer = QTimer(self, singleShot=True, interval=DRAG_INTERVAL_MS,
                            timeout=self._drag_init)

    def set_placed(self, points: list, save: bool = True) -> None:
        key = self.page.settings.dataset
        self.page.state.placed[key] = [[float(v) for v in p] for p in points]
        if save:
            self.page.store.set(key, "placed", self.page.state.placed[key])
        self.page.sync_mode()

    def changed(self) -> None:
        """Placed centroids or k changed in hand mode: re-initialise from them."""
        self.page.stop_play()
        p = self.page.params()
        if not p.key:
            return
        if self.page.state.dataset is None or self.page.state.dataset.key != p.key:
            self.page.run_task(jobs.load, self.page.ctx, p.key, key="stepper",
                               paint_in_turns=True,
                               description="Loading dataset…", on_result=self._loaded,
                               on_error=self.page.fit_failed)
            return
        if not p.hand_ready:
            self._show_unfitted()
            return
        self.page.run_task(jobs.init, self.page.ctx, p, key="stepper", cost=self.page.cost(p.k),
                           description="Initialising from the placed centroids…",
                           paint_in_turns=True,
                           on_result=self.page.install, on_error=self.page.fit_failed)

    def _loaded(self, out) -> None:
        s = self.page.state
        s.dataset, s.projection = out
        s.stepper = s.frame = s.result = None
        self.changed()
        if not self.page.params().hand_ready:
            self.page.mark_drawn()

    def _show_unfitted(self) -> None:
        """Hand mode with fewer (or more) than k centroids: grey points and a hint."""
        s = self.page.state
        s.params = self.page.params()
        s.stepper = s.frame = s.result = s.soft = None
        if s.dataset is not None:  # what hand mode shows: no result is coming
            self.page.new_data.done(s.dataset.key)
        self.page.refresh()

    def _move_placed(self, index: int, x: float, y: float, save: bool) -> None:
        placed = self.page.state.placed_for(self.page.settings.dataset)
        if index < len(placed):
            placed[index] = self.page.to_features(x, y)
            self.set_placed(placed, save=save)

    def moved(self, index: int, x: float, y: float) -> None:
        self._move_placed(index, x, y, save=False)
        if not self.timer.isActive():
            self.timer.start()

    def _drag_init(self) -> None:
        if self.page.params().hand_ready:
            self.changed()

    def released(self, index: int, x: float, y: float) -> None:
        self.timer.stop()
        self._move_placed(index, x, y, save=True)
        self.changed()

    def place(self, x: float, y: float) -> None:
        """Add a hand-placed initial centroid at (x, y) of the plot."""
        placed = self.page.state.placed_for(self.page.settings.dataset)
        if len(placed) >= self.page.settings.k:
            return
        self.set_placed(placed + [self.page.to_features(x, y)])
        self.changed()

    def chapter_good_init(self) -> None:
        """The chapter's five hand-placed centroids (k = 5)."""
        ds = self.page.state.dataset
        if ds is not None and ds.n_features != 2:
            self.page.ctx.show_message("The chapter's good init is for two-feature data such "
                                       "as the blobs.", "warning")
            return
        page, key = self.page, self.page.settings.dataset
        before, k, init = page.state.placed_for(key), page.settings.k, page.settings.init
        chapter = CHAPTER_GOOD_INIT.tolist()
        page.set_settings(k=5, init="hand")
        self.set_placed(chapter)
        self.changed()
        if before and before != chapter:
            self._offer_undo(f"The chapter's good init replaced the {len(before)} centroid"
                             f"{'s' if len(before) != 1 else ''} you placed.", key, before,
                             chapter, k=k, init=init)

    def clear(self) -> None:
        key = self.page.settings.dataset
        before = self.page.state.placed_for(key)
        self.set_placed([])
        self.changed()
        if before:
            self._offer_undo(f"Cleared the {len(before)} centroid"
                             f"{'s' if len(before) != 1 else ''} you placed.", key, before, [])

    def _offer_undo(self, text: str, key: str, before: list, after: list, **settings) -> None:
        """An Undo button that puts the placed centroids (and k, init) back."""
        page = self.page

        def restore() -> None:
            if settings:
                page.set_settings(**settings)
            self.set_placed(before)
            if page.settings.init == "hand":
                self.changed()
            else:
                page.fit()

        page.offer_undo(text, restore, still_valid=lambda: page.settings.dataset == key
                        and page.state.placed_for(key) == after)
