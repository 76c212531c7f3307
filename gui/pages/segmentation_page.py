"""The Image segmentation page: any photo reduced to k colours, live.

The chapter clusters the colours of a photo with K-Means and shows it with 10, 8, 6, 4 and
2 colours. Here the k slider answers live (the engine in :mod:`core.segmentation` clusters
the photo's distinct colours, not its pixels), the original and the segmented image sit
side by side or one over the other with a split line, the palette is a row of swatches
(click one to see its pixels), and the chapter's figure is computed in the background.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QSpinBox,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from core.progress import scaled
from core.segmentation import (
    CHAPTER_N_COLORS,
    PALETTE_HEADER,
    ColorTable,
    Segmentation,
    color_table,
    count_colors,
    palette_hex,
    palette_rows,
    preview,
    preview_step,
    save_image,
    save_palette,
    segment_image,
)
from gui.pages.base import Page, info_label, panel, side_panel
from gui.widgets.image_views import FittedGrid, ImageGrid, PairGrid, SplitLine
from gui.widgets.swatches import SwatchGrid

SAMPLES = {"sample:china": ("china.jpg (sample photo)", "china"),
           "sample:flower": ("flower.jpg (sample photo)", "flower")}
DEFAULT_IMAGE = "sample:china"
DEFAULT_K = 8  # the chapter's KMeans(n_clusters=8) on the photo's colours
K_MIN, K_MAX = 2, 64
PREVIEW_SIDE = 1600  # images are drawn from a copy at most this many pixels a side
STRIP_SIDE = 640
DEBOUNCE_MS = 40
MAX_CACHED_IMAGES = 3
LARGE_PIXELS = 4_000_000  # a larger image's colour table is dropped when another is shown


# -- worker side ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LoadedImage:
    """An image ready to be segmented again: its pixels, distinct colours and a preview."""

    key: str
    title: str
    rgb: np.ndarray
    table: ColorTable
    step: int
    original: np.ndarray  # reduced copy for display
    n_colors: int  # distinct colours of the image


@dataclass(frozen=True)
class Shown:
    """One segmentation and the reduced copies the views draw."""

    key: str
    k: int
    seed: int
    seg: Segmentation
    segmented: np.ndarray  # reduced segmented image
    faded: np.ndarray  # (k, 3) the palette washed out (background of a highlight)
    labels: np.ndarray  # reduced labels
    seconds: float


def segment_job(key: str, title: str, loaded: LoadedImage | None, rgb: np.ndarray | None,
                k: int, seed: int, progress=None) -> tuple[LoadedImage, Shown]:
    """Load (sample photos), count the colours (first time) and segment."""
    start = time.perf_counter()
    if loaded is None:
        if rgb is None:
            from core.images import sample_image

            rgb = sample_image(SAMPLES[key][1])
            start = time.perf_counter()
        step = preview_step(rgb.shape, PREVIEW_SIDE)
        table = color_table(rgb, scaled(progress, 0.0, 0.3))
        loaded = LoadedImage(key, title, table.rgb, table, step, preview(table.rgb, step),
                             count_colors(table.rgb))
        progress = scaled(progress, 0.3, 1.0)
    seg = segment_image(loaded.rgb, k, random_state=seed, progress=progress,
                        colors=loaded.table)
    seconds = time.perf_counter() - start
    step = loaded.step
    segmented = preview(seg.image, step)
    faded = fade(seg.palette_uint8)
    return loaded, Shown(key, k, seed, seg, segmented, faded, preview(seg.labels, step), seconds)


def fade(rgb: np.ndarray) -> np.ndarray:
    """Colours washed out towards light grey (what is not highlighted)."""
    return (np.asarray(rgb, dtype=np.uint16) * 3 // 10 + 178).astype(np.uint8)


def strip_job(rgb: np.ndarray, table: ColorTable, seed: int, progress=None
              ) -> tuple[np.ndarray, list[tuple[int, np.ndarray, float]]]:
    """The chapter's figure: reduced original, then (k, reduced image, inertia) per k."""
    step = preview_step(rgb.shape, STRIP_SIDE)
    out = []
    n = len(CHAPTER_N_COLORS)
    for i, k in enumerate(CHAPTER_N_COLORS):
        seg = segment_image(rgb, k, random_state=seed, colors=table,
                            progress=scaled(progress, i / n, (i + 1) / n))
        out.append((k, preview(seg.image, step), seg.inertia))
    return preview(rgb, step), out


# -- the page ------------------------------------------------------------------------------------------

class SegmentationPage(Page):
    name = "segmentation"
    title = "Image segmentation"

    def __init__(self, ctx, parent=None):
        super().__init__(ctx, parent)
        self._images: dict[str, LoadedImage] = {}
        self.shown: Shown | None = None
        self.strip: tuple[str, int, np.ndarray, list] | None = None  # key, seed, original, panels
        self._strip_pending: tuple[str, int] | None = None
        self._drawn_key: str | None = None
        settings = ctx.settings

        # image
        image_box, form = panel("Image")
        self.image_combo = QComboBox()
        self.image_combo.setToolTip("The photo to segment: scikit-learn's sample photos or an "
                                    "image you opened (File ▸ Open image…, or drop it on the "
                                    "window).")
        self.image_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.image_combo.setMinimumContentsLength(16)
        form.addRow(self.image_combo)
        self.open_button = QPushButton("Open image…")
        self.open_button.setToolTip("Open a PNG, JPEG, BMP, TIFF or WebP photo (Ctrl+Shift+O). "
                                    "You can also drop an image on the window.")
        self.open_button.clicked.connect(lambda: ctx.open_requested.emit("image"))
        form.addRow(self.open_button)
        self.image_info = info_label("Loading…")
        form.addRow(self.image_info)

        # colours
        colours_box, form = panel("Colours")
        k0 = DEFAULT_K
        if settings is not None:
            k0 = int(settings.value("segmentation/k", DEFAULT_K, type=int) or DEFAULT_K)
        k0 = min(K_MAX, max(K_MIN, k0))
        self.k_slider = QSlider(Qt.Orientation.Horizontal)
        self.k_slider.setRange(K_MIN, K_MAX)
        self.k_slider.setValue(k0)
        self.k_slider.setPageStep(2)
        self.k_slider.setToolTip("Number of colours k: K-Means finds k colours and paints every "
                                 "pixel with the nearest one. The image follows the slider "
                                 "live.")
        self.k_spin = QSpinBox()
        self.k_spin.setRange(K_MIN, K_MAX)
        self.k_spin.setValue(k0)
        self.k_spin.setToolTip("Number of colours k (2–64)")
        row = QWidget()
        rl = QHBoxLayout(row)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(self.k_slider, 1)
        rl.addWidget(self.k_spin)
        form.addRow("k", row)
        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(0, 2**31 - 1)
        self.seed_spin.setValue(42)
        self.seed_spin.setToolTip("random_state of K-Means: another seed starts from other "
                                  "centres (the chapter uses 42).")
        form.addRow("Seed", self.seed_spin)
        self.result_info = info_label("")
        form.addRow(self.result_info)

        # view
        view_box, form = panel("View")
        self.mode_combo = QComboBox()
        self.mode_combo.addItem("Next to each other", "side")
        self.mode_combo.addItem("Overlay with a split line", "overlay")
        self.mode_combo.setToolTip("Show the original and the segmented image next to each "
                                   "other, or one over the other: the original left of the "
                                   "split line, the segmented image right of it.")
        form.addRow(self.mode_combo)
        self.split_slider = QSlider(Qt.Orientation.Horizontal)
        self.split_slider.setRange(0, 1000)
        self.split_slider.setValue(500)
        self.split_slider.setEnabled(False)
        self.split_slider.setToolTip("Where the overlay switches from the original (left) to "
                                     "the segmented image (right); you can also drag the line.")
        form.addRow("Split", self.split_slider)

        # palette
        palette_box, form = panel("Palette")
        self.swatches = SwatchGrid(columns=4)
        form.addRow(self.swatches)
        self.palette_note = info_label("Click a colour to highlight its pixels.")
        form.addRow(self.palette_note)

        # export
        export_box, form = panel("Export")
        self.save_image_button = QPushButton("Save segmented image…")
        self.save_image_button.setToolTip("Save the segmented image at full resolution as PNG.")
        self.save_image_button.clicked.connect(self._save_image_dialog)
        self.save_palette_button = QPushButton("Save palette…")
        self.save_palette_button.setToolTip("Save the palette as a CSV table (hex, RGB, share, "
                                            "pixels, exact centre) or as a list of hex colours "
                                            "(.txt).")
        self.save_palette_button.clicked.connect(self._save_palette_dialog)
        form.addRow(self.save_image_button)
        form.addRow(self.save_palette_button)

        # views: side by side, overlay, the chapter's strip
        self.side = PairGrid("Original", "Segmented")
        self.original_panel = self.side.first
        self.segmented_panel = self.side.second
        self.segmented_panel.view.setXLink(self.original_panel.view)
        self.segmented_panel.view.setYLink(self.original_panel.view)
        self.side.setToolTip("Scroll to zoom, drag to pan (both images follow). The images sit "
                             "side by side or one above the other, whichever shows them larger.")
        self.overlay = ImageGrid()
        self.overlay_panel = self.overlay.add_panel(0, 0, "Original | segmented")
        self.overlay_top = pg.ImageItem(axisOrder="row-major")
        self.overlay_top.setZValue(5)
        self.overlay_panel.view.addItem(self.overlay_top)
        self.split_line = SplitLine()
        self.overlay_panel.view.addItem(self.split_line)
        self.overlay.setToolTip("Drag the white line (or the Split slider) to compare.")
        self.stack = QStackedWidget()
        self.stack.addWidget(self.side)
        self.stack.addWidget(self.overlay)
        self.hover_label = QLabel(" ")
        self.hover_label.setToolTip("The pixel under the mouse: its colour and its palette "
                                    "colour.")
        seg_tab = QWidget()
        col = QVBoxLayout(seg_tab)
        col.setContentsMargins(0, 0, 0, 0)
        col.addWidget(self.stack, 1)
        col.addWidget(self.hover_label)

        self.strip_grid = FittedGrid(2, 3)
        self.strip_panels = [self.strip_grid.add_panel(i // 3, i % 3, "")
                             for i in range(1 + len(CHAPTER_N_COLORS))]
        self.strip_status = info_label("")
        strip_tab = QWidget()
        col = QVBoxLayout(strip_tab)
        col.setContentsMargins(0, 0, 0, 0)
        col.addWidget(self.strip_grid)
        col.addWidget(self.strip_status)
        col.addStretch(1)
        self.tabs = QTabWidget()
        self.tabs.addTab(seg_tab, "Segmentation")
        self.tabs.addTab(strip_tab, "Chapter's figure: 10, 8, 6, 4, 2 colours")
        self.tabs.setTabToolTip(0, "The photo and its segmentation with k colours.")
        self.tabs.setTabToolTip(1, "The chapter's figure 9-12: the original and the photo with "
                                   "10, 8, 6, 4 and 2 colours, computed in the background.")

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(side_panel(image_box, colours_box, view_box, palette_box, export_box,
                                    width=290))
        layout.addWidget(self.tabs, 1)

        # behaviour
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self._request)
        self.k_slider.valueChanged.connect(self._k_slider_moved)
        self.k_spin.valueChanged.connect(self.k_slider.setValue)
        self.seed_spin.valueChanged.connect(lambda _: self._debounce.start())
        self.mode_combo.currentIndexChanged.connect(self._mode_changed)
        self.split_slider.valueChanged.connect(self._split_slider_moved)
        self.split_line.split_moved.connect(self._split_line_moved)
        self.swatches.selected.connect(lambda _: self._draw_segmented())
        self.image_combo.currentIndexChanged.connect(self._image_changed)
        self.tabs.currentChanged.connect(lambda _: self.code_changed.emit())
        for grid in (self.side, self.overlay):
            grid.scene().sigMouseMoved.connect(self._hovered)
        ctx.images_changed.connect(self._refresh_images)
        self._refresh_images()
        self._update_buttons()

    # -- images ---------------------------------------------------------------------------------------
    def _image_choices(self) -> list[tuple[str, str]]:
        choices = [(key, title) for key, (title, _) in SAMPLES.items()]
        choices += [(key, title) for key, (title, _) in self.ctx.images.items()]
        return choices

    def _refresh_images(self) -> None:
        current = self.current_image_key() or DEFAULT_IMAGE
        self.image_combo.blockSignals(True)
        self.image_combo.clear()
        for key, title in self._image_choices():
            self.image_combo.addItem(title, key)
        index = self.image_combo.findData(current)
        self.image_combo.setCurrentIndex(max(0, index))
        self.image_combo.blockSignals(False)

    def current_image_key(self) -> str:
        return self.image_combo.currentData() or ""

    def _image_changed(self, *_) -> None:
        if self.swatches.current() >= 0:
            self.swatches.select(-1)
        loaded = self._images.get(self.current_image_key())
        if loaded is not None:
            self._draw_original(loaded)
        self._request()

    # -- lifecycle ---------------------------------------------------------------------------------
    def start(self) -> None:
        self._request()

    def apply_params(self, image: str | None = None, k: int | None = None, **ignored) -> None:
        """Show and segment image ``image`` (a key of ``ctx.images`` or a sample), with ``k``."""
        if k is not None:
            self.k_slider.blockSignals(True)
            self.k_slider.setValue(int(k))
            self.k_spin.setValue(int(k))
            self.k_slider.blockSignals(False)
        if image is not None:
            if self.image_combo.findData(image) < 0:
                self._refresh_images()
            index = self.image_combo.findData(image)
            if index < 0:
                self.ctx.show_message(f"There is no image called '{image}'.", "error")
                return
            if index != self.image_combo.currentIndex():
                self.image_combo.setCurrentIndex(index)  # requests a segmentation
                return
        self._request()

    def shutdown(self) -> None:
        self._debounce.stop()

    # -- segmentation ---------------------------------------------------------------------------------
    def _k_slider_moved(self, value: int) -> None:
        if self.k_spin.value() != value:
            self.k_spin.blockSignals(True)
            self.k_spin.setValue(value)
            self.k_spin.blockSignals(False)
        self._debounce.start()

    def current_k(self) -> int:
        return int(self.k_slider.value())

    def _request(self) -> None:
        """Segment the current image with the current k (the newest request wins)."""
        self._debounce.stop()
        key = self.current_image_key()
        if not key:
            return
        k, seed = self.current_k(), int(self.seed_spin.value())
        loaded = self._images.get(key)
        if loaded is not None:
            title, rgb = loaded.title, None
        elif key in SAMPLES:
            title, rgb = SAMPLES[key][0], None
        elif key in self.ctx.images:
            title, rgb = self.ctx.images[key]
        else:
            return
        what = f"Segmenting {title} into {k} colours…"
        if loaded is None:
            self.image_info.setText(f"Loading {title}…")
        self.run_task(segment_job, key, title, loaded, rgb, k, seed, key="segment",
                      description=what, on_result=self._show, on_error=self._failed)

    def _failed(self, exc: BaseException) -> None:
        # keep what is drawn; go back to the image that is shown
        self.ctx.show_message(str(exc), "error")
        if self.shown is not None and self.shown.key != self.current_image_key():
            index = self.image_combo.findData(self.shown.key)
            if index >= 0:
                self.image_combo.blockSignals(True)
                self.image_combo.setCurrentIndex(index)
                self.image_combo.blockSignals(False)
        if self.shown is not None:
            self._update_image_info(self._images[self.shown.key])

    def _show(self, result: tuple[LoadedImage, Shown]) -> None:
        loaded, shown = result
        self._remember(loaded)
        if shown.key != self.current_image_key():
            return  # the user picked another image meanwhile; its own result will follow
        self.shown = shown
        if self._drawn_key != loaded.key:
            self._draw_original(loaded)
        seg = shown.seg
        self.swatches.set_palette(seg.palette_uint8, seg.shares, palette_hex(seg.palette),
                                  seg.counts)
        self._draw_segmented()
        fewer = (f"<br><i>The image has only {seg.n_palette} colours.</i>"
                 if seg.n_palette < seg.n_colors else "")
        self.result_info.setText(
            f"{seg.n_palette} colours · inertia {seg.inertia:,.4g}<br>"
            f"computed in {1000 * shown.seconds:,.0f} ms{fewer}")
        self.segmented_panel.set_title(f"{seg.n_palette} colours")
        if self.ctx.settings is not None:
            self.ctx.settings.setValue("segmentation/k", shown.k)
        self._update_buttons()
        self.code_changed.emit()
        self.mark_drawn()
        self._start_strip(loaded, shown.seed)

    def _remember(self, loaded: LoadedImage) -> None:
        """Keep a few images ready for the slider; a large one only while it is shown."""
        self._images.pop(loaded.key, None)
        self._images[loaded.key] = loaded
        for key in [k for k, v in self._images.items()
                    if k != loaded.key and v.rgb.shape[0] * v.rgb.shape[1] > LARGE_PIXELS]:
            del self._images[key]
        while len(self._images) > MAX_CACHED_IMAGES:
            del self._images[next(iter(self._images))]

    # -- drawing ------------------------------------------------------------------------------------------
    def _draw_original(self, loaded: LoadedImage) -> None:
        h, w = loaded.rgb.shape[:2]
        self._drawn_key = loaded.key
        self.side.set_image_shape((h, w))
        self.original_panel.set_image(loaded.original, (h, w))
        self.original_panel.set_title(f"Original ({w} × {h})")
        self.overlay_panel.set_image(loaded.original, (h, w))
        self.split_line.setBounds((0, w))
        self._split_slider_moved(self.split_slider.value())
        self._update_image_info(loaded)

    def _update_image_info(self, loaded: LoadedImage) -> None:
        h, w = loaded.rgb.shape[:2]
        note = ("" if loaded.step == 1 else
                f"<br><i>Drawn from a copy of 1 pixel in {loaded.step}×{loaded.step}; "
                "computed and saved at full size.</i>")
        self.image_info.setText(f"{w:,} × {h:,} pixels ({w * h / 1e6:.2f} MP)<br>"
                                f"{loaded.n_colors:,} distinct colours{note}")

    def displayed_segmented(self) -> np.ndarray | None:
        """The (reduced) segmented image as drawn, with the highlight if a swatch is selected."""
        s = self.shown
        if s is None:
            return None
        i = self.swatches.current()
        if i < 0:
            return s.segmented
        colours = s.faded.copy()
        colours[i] = s.seg.palette_uint8[i]
        return np.take(colours, s.labels, axis=0)  # one gather, not a where over RGB

    def _draw_segmented(self) -> None:
        s = self.shown
        if s is None:
            return
        img = self.displayed_segmented()
        full = s.seg.labels.shape
        self.segmented_panel.set_image(img, full)
        self._top_image = img
        self._draw_overlay_top()
        i = self.swatches.current()
        if i >= 0:
            self.palette_note.setText(
                f"Colour {i} ({palette_hex(s.seg.palette)[i]}): {100 * s.seg.shares[i]:.1f}% of "
                "the pixels, shown in colour; the rest is faded. Click it again to show all.")
        else:
            self.palette_note.setText("Click a colour to highlight its pixels.")

    def _draw_overlay_top(self) -> None:
        s = self.shown
        img = getattr(self, "_top_image", None)
        if s is None or img is None:
            return
        h, w = s.seg.labels.shape
        x = float(self.split_line.value())
        col = int(np.clip(np.ceil(x * img.shape[1] / w), 0, img.shape[1]))
        if col >= img.shape[1]:
            self.overlay_top.clear()
            return
        part = img[:, col:]
        x0 = col * w / img.shape[1]
        self.overlay_top.setImage(part, autoLevels=False, levels=(0, 255))
        self.overlay_top.setRect(QRectF(x0, 0, w - x0, h))

    def _mode_changed(self, *_) -> None:
        overlay = self.mode_combo.currentData() == "overlay"
        self.stack.setCurrentWidget(self.overlay if overlay else self.side)
        self.split_slider.setEnabled(overlay)

    def _split_slider_moved(self, value: int) -> None:
        shape = self.original_panel.full_shape
        if shape is None:
            return
        x = value / 1000.0 * shape[1]
        if abs(self.split_line.value() - x) > 1e-6:
            self.split_line.blockSignals(True)
            self.split_line.setValue(x)
            self.split_line.blockSignals(False)
        self._draw_overlay_top()

    def _split_line_moved(self, x: float) -> None:
        shape = self.original_panel.full_shape
        if shape is None:
            return
        value = int(round(1000 * x / shape[1]))
        self.split_slider.blockSignals(True)
        self.split_slider.setValue(value)
        self.split_slider.blockSignals(False)
        self._draw_overlay_top()

    def _hovered(self, pos) -> None:
        s = self.shown
        if s is None:
            return
        loaded = self._images.get(s.key)
        for p in (self.original_panel, self.segmented_panel, self.overlay_panel):
            if p.view.isVisible() and p.view.sceneBoundingRect().contains(pos):
                pt = p.view.mapSceneToView(pos)
                x, y = int(np.floor(pt.x())), int(np.floor(pt.y()))
                h, w = s.seg.labels.shape
                if 0 <= x < w and 0 <= y < h and loaded is not None:
                    r, g, b = (int(v) for v in loaded.rgb[y, x])
                    i = int(s.seg.labels[y, x])
                    self.hover_label.setText(
                        f"x {x}, y {y}: colour #{r:02x}{g:02x}{b:02x} (RGB {r}, {g}, {b}) → "
                        f"palette colour {i}, {palette_hex(s.seg.palette)[i]}")
                    return
        self.hover_label.setText(" ")

    # -- the chapter's strip -----------------------------------------------------------------------------
    def _start_strip(self, loaded: LoadedImage, seed: int) -> None:
        want = (loaded.key, seed)
        if (self.strip is not None and self.strip[:2] == want) or self._strip_pending == want:
            return
        self._strip_pending = want
        for p, k in zip(self.strip_panels, (None, *CHAPTER_N_COLORS)):
            p.set_title("Original image" if k is None else f"{k} colors")
        h, w = loaded.rgb.shape[:2]
        self.strip_grid.set_image_shape((h, w))
        self.strip_panels[0].set_image(loaded.original, (h, w))
        for p in self.strip_panels[1:]:
            p.set_image(None)
        self.strip_status.setText("Computing the chapter's figure… 0%")
        self.run_task(strip_job, loaded.rgb, loaded.table, seed, key="strip",
                      description="Computing the chapter's figure (10, 8, 6, 4, 2 colours)…",
                      on_result=lambda r, want=want: self._show_strip(want, r),
                      on_error=self._strip_failed,
                      on_progress=lambda f: self.strip_status.setText(
                          f"Computing the chapter's figure… {100 * f:.0f}%"))

    def _strip_failed(self, exc: BaseException) -> None:
        self._strip_pending = None
        self.strip_status.setText(f"The chapter's figure could not be computed: {exc}")

    def _show_strip(self, want: tuple[str, int], result) -> None:
        self._strip_pending = None
        original, panels = result
        self.strip = (*want, original, panels)
        loaded = self._images.get(want[0])
        shape = loaded.rgb.shape[:2] if loaded is not None else original.shape[:2]
        self.strip_panels[0].set_image(original, shape)
        for p, (k, img, inertia) in zip(self.strip_panels[1:], panels):
            p.set_image(img, shape)
            p.set_title(f"{k} colors")
            p.view.setToolTip(f"{k} colours: inertia {inertia:,.4g}")
        title = loaded.title if loaded is not None else want[0]
        self.strip_status.setText(
            f"{title}: the original and K-Means with 10, 8, 6, 4 and 2 colours "
            f"(random_state={want[1]}), as in the chapter's figure.")

    # -- exports ----------------------------------------------------------------------------------------
    def _update_buttons(self) -> None:
        ok = self.shown is not None
        self.save_image_button.setEnabled(ok)
        self.save_palette_button.setEnabled(ok)

    def _default_path(self, suffix: str) -> str:
        folder = Path(self.ctx.settings.value("files/last_folder", str(Path.home()))
                      if self.ctx.settings is not None else Path.home())
        stem = "segmented"
        if self.shown is not None:
            stem = f"{Path(self._title(self.shown.key)).stem}-{self.shown.seg.n_palette}-colours"
        return str(folder / f"{stem}{suffix}")

    def _title(self, key: str) -> str:
        if key in SAMPLES:
            return SAMPLES[key][1]
        return self.ctx.images.get(key, (key, None))[0]

    def _save_image_dialog(self) -> None:
        if self.shown is None:
            return
        path, _ = QFileDialog.getSaveFileName(self, "Save segmented image",
                                              self._default_path(".png"),
                                              "PNG image (*.png);;JPEG image (*.jpg)")
        if path:
            self.export_image(path)

    def export_image(self, path: str) -> None:
        """Save the full-size segmented image in the background."""
        if self.shown is None:
            return
        name = Path(path).name
        self.run_task(save_image, path, self.shown.seg.image, key="save-image",
                      description=f"Saving {name}…",
                      on_result=lambda _: self.ctx.show_message(f"Saved {name}.", "info"),
                      on_error=lambda e: self.ctx.show_message(
                          f"Could not save '{name}': {e}", "error"))

    def _save_palette_dialog(self) -> None:
        if self.shown is None:
            return
        path, _ = QFileDialog.getSaveFileName(self, "Save palette", self._default_path(".csv"),
                                              "CSV table (*.csv);;Hex list (*.txt)")
        if path:
            self.export_palette(path)

    def export_palette(self, path: str) -> None:
        """Save the palette as CSV (``.csv``) or as a list of hex colours (other names)."""
        if self.shown is None:
            return
        try:
            save_palette(path, self.shown.seg)
        except OSError as exc:
            self.ctx.show_message(f"Could not save '{Path(path).name}': {exc}", "error")
            return
        self.ctx.show_message(f"Saved {Path(path).name}.", "info")

    # -- window hooks -------------------------------------------------------------------------------------
    def code(self) -> str:
        k = self.current_k() if self.shown is None else self.shown.k
        seed = int(self.seed_spin.value())
        key = self.current_image_key()
        if key in SAMPLES:
            imports = ("from sklearn.cluster import KMeans\n"
                       "from sklearn.datasets import load_sample_image\n\n")
            load = f'image = load_sample_image("{SAMPLES[key][1]}.jpg")  # {self._size_text()}\n'
        else:
            title = self._title(key) or "my_photo.jpg"
            imports = ("import numpy as np\nfrom PIL import Image\n"
                       "from sklearn.cluster import KMeans\n\n")
            load = (f'image = np.asarray(Image.open("{title}").convert("RGB"))'
                    f"  # {self._size_text()}\n")
        code = (
            f"{imports}{load}"
            "X = image.reshape(-1, 3)\n"
            f"kmeans = KMeans(n_clusters={k}, random_state={seed}).fit(X)\n"
            "segmented_img = kmeans.cluster_centers_[kmeans.labels_]\n"
            "segmented_img = segmented_img.reshape(image.shape)\n"
        )
        if self.tabs.currentIndex() == 1:
            code += (
                "\n# the chapter's figure\n"
                "import matplotlib.pyplot as plt\n\n"
                "segmented_imgs = []\n"
                "n_colors = (10, 8, 6, 4, 2)\n"
                "for n_clusters in n_colors:\n"
                f"    kmeans = KMeans(n_clusters=n_clusters, random_state={seed}).fit(X)\n"
                "    segmented_img = kmeans.cluster_centers_[kmeans.labels_]\n"
                "    segmented_imgs.append(segmented_img.reshape(image.shape))\n\n"
                "plt.figure(figsize=(10, 5))\n"
                "plt.subplot(2, 3, 1)\n"
                "plt.imshow(image)\n"
                'plt.title("Original image")\n'
                'plt.axis("off")\n'
                "for idx, n_clusters in enumerate(n_colors):\n"
                "    plt.subplot(2, 3, 2 + idx)\n"
                "    plt.imshow(segmented_imgs[idx] / 255)\n"
                '    plt.title(f"{n_clusters} colors")\n'
                '    plt.axis("off")\n'
                "plt.show()\n"
            )
        code += (
            "\n# ClusterLab reaches the same inertia many times faster: it clusters the\n"
            "# photo's colours counted in bins, then gives every pixel its nearest colour:\n"
            "# from core.segmentation import segment_image\n"
            f"# seg = segment_image(image, {k}, random_state={seed})  # seg.image, seg.palette\n"
        )
        return code

    def _size_text(self) -> str:
        loaded = self._images.get(self.current_image_key())
        if loaded is None:
            return "(height, width, 3) uint8"
        h, w = loaded.rgb.shape[:2]
        return f"shape ({h}, {w}, 3)"

    def export_widget(self):
        if self.tabs.currentIndex() == 1:
            return self.strip_grid
        return self.stack.currentWidget()

    def export_table(self):
        if self.shown is None:
            return None
        return list(PALETTE_HEADER), palette_rows(self.shown.seg)
