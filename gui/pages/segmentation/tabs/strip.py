"""The "Chapter's figure" tab: the original and the photo with 10, 8, 6, 4 and 2 colours."""

from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout

from core.segmentation import CHAPTER_N_COLORS, PALETTE_HEADER, palette_rows
from gui.pages.base import Tab, info_label
from gui.widgets.image_views import FittedGrid

from .. import snippets
from ..state import SegmentationState


class StripTab(Tab):
    title = "Chapter's figure: 10, 8, 6, 4, 2 colours"

    def __init__(self, parent=None):
        super().__init__(parent)
        self.grid: FittedGrid | None = None  # made when first shown (opening the page is quicker)
        self.panels = []
        self.status = info_label("")
        self._col = QVBoxLayout(self)
        self._col.setContentsMargins(0, 0, 0, 0)
        self._col.addWidget(self.status)
        self._col.addStretch(1)
        self._drawn = None  # what the panels show: a StripShown, or (key, seed) while computing

    def _ensure_grid(self) -> None:
        if self.grid is None:
            self.grid = FittedGrid(2, 3)
            self.panels = [self.grid.add_panel(i // 3, i % 3, "")
                           for i in range(1 + len(CHAPTER_N_COLORS))]
            self._col.insertWidget(0, self.grid)

    def render(self, state: SegmentationState) -> None:
        self._ensure_grid()
        strip = state.strip
        if state.strip_pending is not None:
            self._draw_pending(state)
        elif strip is not None and self._drawn is not strip:
            self._drawn = strip
            self.grid.set_image_shape(strip.shape)
            self.panels[0].set_title("Original image")
            self.panels[0].set_image(strip.strip.original, strip.shape)
            for p, k, img, inertia in zip(self.panels[1:], strip.strip.n_colors,
                                          strip.strip.images, strip.strip.inertias):
                p.set_image(img, strip.shape)
                p.set_title(f"{k} colors")
                p.view.setToolTip(f"{k} colours: inertia {inertia:,.4g}")
            self.status.setText(
                f"{strip.title}: the original and K-Means with 10, 8, 6, 4 and 2 colours "
                f"(random_state={strip.seed}), as in the chapter's figure.")
        if state.strip_error:
            self.status.setText(
                f"The chapter's figure could not be computed: {state.strip_error}")

    def _draw_pending(self, state: SegmentationState) -> None:
        pending = state.strip_pending
        if self._drawn != pending:
            self._drawn = pending
            image = state.images.get(pending[0])
            for p, k in zip(self.panels, (None, *CHAPTER_N_COLORS)):
                p.set_title("Original image" if k is None else f"{k} colors")
            for p in self.panels[1:]:
                p.set_image(None)
            if image is not None:
                self.grid.set_image_shape(image.shape)
                self.panels[0].set_image(image.original, image.shape)
        self.status.setText(
            f"Computing the chapter's figure… {100 * (state.strip_progress or 0.0):.0f}%")

    def code(self, state: SegmentationState) -> str:
        return snippets.code(state, state.title_of(state.params.image), strip=True)

    def export_table(self, state: SegmentationState):
        if state.shown is None:
            return None
        return list(PALETTE_HEADER), palette_rows(state.shown.seg)

    def export_widget(self):
        self._ensure_grid()
        return self.grid

