"""The Image segmentation page: any photo reduced to k colours, live.

The chapter clusters the colours of a photo with K-Means and shows it with 10, 8, 6, 4 and
2 colours. Here the k slider answers live (the engine in :mod:`core.segmentation` clusters
the photo's distinct colours, not its pixels), the original and the segmented image sit
side by side or one over the other with a split line, the palette is a row of swatches
(click one to see its pixels), and the chapter's figure is computed in the background.

This module only wires: controls -> state -> jobs -> tabs. Every core call is a job run by
the task runner with its cost (pixels x 3 x k); the tabs draw the arrays the jobs made.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QFileDialog, QHBoxLayout

from core.segmentation import CHAPTER_N_COLORS
from gui.exports import path_for_filter
from gui.pages.base import Page

from . import jobs
from .controls import SegmentationControls
from .settings import SegmentationSettings
from .state import SAMPLES, Painted, SegmentationState, Shown, StripShown, clamp_k
from .tabs import SegmentedTab, StripTab

DEBOUNCE_MS = 40


class SegmentationPage(Page):
    name = "segmentation"
    title = "Image segmentation"
    Settings = SegmentationSettings

    def __init__(self, ctx, parent=None):
        super().__init__(ctx, parent)
        self.state = SegmentationState()
        c = self.controls = SegmentationControls(self.binder)
        self.seg_tab = self.add_tab(SegmentedTab(),
                                    tooltip="The photo and its segmentation with k colours.")
        self.strip_tab = self.add_tab(StripTab(), tooltip="The chapter's figure 9-12: the "
                                      "original and the photo with 10, 8, 6, 4 and 2 colours, "
                                      "computed in the background.")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(c.widget)
        layout.addWidget(self.tabs, 1)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self._request)
        c.k.key_changed.connect(lambda _: self._debounce.start())
        c.seed_spin.valueChanged.connect(lambda _: self._debounce.start())
        c.image_combo.currentIndexChanged.connect(self._image_changed)
        c.mode_combo.currentIndexChanged.connect(self._view_changed)
        c.split_slider.valueChanged.connect(self._view_changed)
        self.seg_tab.split_moved.connect(self._line_moved)
        c.swatches.selected.connect(self._highlight)
        c.open_button.clicked.connect(lambda: ctx.open_requested.emit("image"))
        c.save_image_button.clicked.connect(self._save_image_dialog)
        c.save_palette_button.clicked.connect(self._save_palette_dialog)
        ctx.images_changed.connect(self._refresh_images)
        self._refresh_images()
        self.refresh()

    # -- controls -> state -----------------------------------------------------------------------
    def _sync(self) -> None:
        """The state's parameters from the controls' settings (the image from its menu)."""
        v = self.binder.settings
        self.state.set(image=self.controls.image_combo.currentData() or v.image, k=v.k,
                       seed=v.seed, mode=v.mode, split=v.split)

    def _refresh_images(self) -> None:
        titles = {key: title for key, (title, _) in SAMPLES.items()}
        titles.update({key: title for key, (title, _) in self.ctx.images.items()})
        self.state.titles = titles
        self.state.image_codes = dict(self.ctx.image_codes)
        current = self.controls.image_combo.currentData() or self.binder.value("image")
        self.controls.set_images(titles, current)
        self._sync()

    def _image_changed(self, *_) -> None:
        self.state.set(highlight=-1)
        self._sync()
        self.refresh()  # an image already prepared shows its original at once
        self._request()

    def _view_changed(self, *_) -> None:
        self._sync()
        self.refresh()

    def _line_moved(self, split: int) -> None:
        self.binder.restore({"split": split})
        self.binder.save()
        self._sync()

    def shown_settings(self) -> dict:
        s = self.state.shown
        return {} if s is None else {"image": s.key, "k": s.k, "seed": s.seed}

    def refresh(self) -> None:
        self.controls.render(self.state)
        super().refresh()

    # -- lifecycle ---------------------------------------------------------------------------------
    def start(self) -> None:
        self._request()

    def apply_params(self, image: str | None = None, k: int | None = None, **ignored) -> None:
        """Show and segment image ``image`` (a key of ``ctx.images`` or a sample), with ``k``."""
        if k is not None:
            self.binder.restore({"k": clamp_k(k)})
            self.binder.save()
            self._sync()
        if image is not None:
            combo = self.controls.image_combo
            if combo.findData(image) < 0:
                self._refresh_images()
            index = combo.findData(image)
            if index < 0:
                self.ctx.show_message(f"There is no image called '{image}'.", "error")
                return
            if index != combo.currentIndex():
                combo.setCurrentIndex(index)  # requests a segmentation
                return
        self._request()

    def shutdown(self) -> None:
        self._debounce.stop()

    # -- jobs ---------------------------------------------------------------------------------------
    def _request(self) -> None:
        """Segment the current image with the current k (the newest request wins)."""
        self._debounce.stop()
        self._sync()
        p = self.state.params
        key, title = p.image, self.state.title_of(p.image)
        prepared = self.state.images.get(key)
        sample = None
        if prepared is not None:
            image, pixels = prepared, prepared.n_pixels
        elif key in SAMPLES:
            image, pixels, sample = None, None, SAMPLES[key][1]
        elif key in self.ctx.images:
            image = self.ctx.images[key][1]
            pixels = int(image.shape[0]) * int(image.shape[1]) if image.ndim >= 2 else 1
        else:
            return
        if prepared is None:
            self.state.loading = title
            self.controls.render(self.state)
        self.run_task(jobs.segment_job, image, sample, p.k, p.seed, key="segment",
                      description=f"Segmenting {title} into {p.k} colours…",
                      cost=None if pixels is None else jobs.cost(pixels, p.k),
                      paint_in_turns=True,
                      on_result=lambda r, key=key, p=p: self._segmented(key, p, r),
                      on_error=self._failed)

    def _segmented(self, key: str, p, result) -> None:
        prepared, view = result
        self.state.remember(key, prepared)
        if key != self.state.params.image:
            return  # the user picked another image meanwhile; its own result will follow
        self.state.loading = None
        self.state.show(Shown(key, self.state.title_of(key), p.k, p.seed, prepared, view))
        self.refresh()
        self.mark_drawn()
        self._start_strip()

    def _failed(self, exc: BaseException) -> None:
        """Keep what is drawn; the controls go back to it."""
        self.state.loading = None
        self.fail(exc, "Segmenting the image")
        self._sync()
        self.refresh()

    def _highlight(self, index: int) -> None:
        s = self.state.shown
        if s is None or index >= len(s.view.seg.palette):
            index = -1  # a colour of a palette no longer shown
        self.state.set(highlight=index)
        if index >= 0 and s is not None:
            self.run_task(jobs.highlight_job, s.view, index, key="paint",
                          description="Highlighting a colour…",
                          cost=jobs.cost(s.view.labels.size),
                          paint_in_turns=True,
                          on_result=lambda img, s=s, i=index: self._painted(Painted(s, i, img)))
        self.refresh()

    def _painted(self, painted: Painted) -> None:
        if painted.shown is self.state.shown:
            self.state.painted = painted
            self.refresh()

    def _start_strip(self) -> None:
        want = self.state.strip_wanted()
        prepared = self.state.images.get(want[0]) if want is not None else None
        if prepared is None:
            return
        st = self.state
        st.strip_pending, st.strip_progress, st.strip_error = want, 0.0, None
        self.run_task(jobs.strip_job, prepared, want[1], key="strip",
                      description="Computing the chapter's figure (10, 8, 6, 4, 2 colours)…",
                      cost=jobs.cost(prepared.n_pixels, sum(CHAPTER_N_COLORS)),
                      paint_in_turns=True, on_result=lambda r, want=want, shape=prepared.shape:
                          self._strip_done(want, shape, r),
                      on_error=self._strip_failed, on_progress=self._strip_progress)
        self._render_strip()

    def _render_strip(self) -> None:
        if self.current_tab() is self.strip_tab:
            self.strip_tab.render(self.state)

    def _strip_progress(self, fraction: float) -> None:
        self.state.strip_progress = fraction
        self._render_strip()

    def _strip_failed(self, exc: BaseException) -> None:
        self.state.strip_pending, self.state.strip_error = None, str(exc)
        self._render_strip()

    def _strip_done(self, want: tuple[str, int], shape, strip) -> None:
        self.state.strip_pending = None
        self.state.strip = StripShown(want[0], self.state.title_of(want[0]), want[1], shape,
                                      strip)
        self.refresh()

    # -- exports ----------------------------------------------------------------------------------
    def _default_path(self, suffix: str) -> str:
        store = self.ctx.settings  # the window's last folder (not one of this page's settings)
        folder = Path(store.value("files/last_folder", str(Path.home()))
                      if store is not None else Path.home())
        stem = "segmented"
        s = self.state.shown
        if s is not None:
            name = SAMPLES[s.key][1] if s.key in SAMPLES else s.title
            stem = f"{Path(name).stem}-{s.seg.n_palette}-colours"
        return str(folder / f"{stem}{suffix}")

    def _save_image_dialog(self) -> None:
        if self.state.shown is None:
            return
        path, chosen = QFileDialog.getSaveFileName(self, "Save segmented image",
                                                   self._default_path(".png"),
                                                   "PNG image (*.png);;JPEG image (*.jpg *.jpeg)")
        if path:
            self.export_image(path_for_filter(path, chosen, ".png"))

    def export_image(self, path: str) -> None:
        """Save the full-size segmented image in the background."""
        self._save(jobs.save_image_job, path, "image")

    def _save_palette_dialog(self) -> None:
        if self.state.shown is None:
            return
        path, chosen = QFileDialog.getSaveFileName(self, "Save palette",
                                                   self._default_path(".csv"),
                                                   "CSV table (*.csv);;Hex list (*.txt)")
        if path:
            self.export_palette(path_for_filter(path, chosen, ".csv"))

    def export_palette(self, path: str) -> None:
        """Save the palette as CSV (``.csv``) or as a list of hex colours (other names)."""
        self._save(jobs.save_palette_job, path, "palette")

    def _save(self, job, path: str, what: str) -> None:
        s = self.state.shown
        if s is None:
            return
        name = Path(path).name
        data = s.seg.image if what == "image" else s.seg
        cost = jobs.cost(s.seg.labels.size) if what == "image" else jobs.cost(s.seg.n_palette)
        self.run_task(job, path, data, key=f"save-{what}", description=f"Saving {name}…",
                      cost=cost,
                      on_result=lambda _: self.ctx.show_message(f"Saved {name}.", "info"),
                      on_error=lambda e: self.ctx.show_message(
                          f"Could not save '{name}': {e}", "error"))
