"""The segmentation page's side panel: its controls, bound to the settings, and the labels
and swatches that describe the state (image size, result, palette)."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QPushButton

from core.segmentation import palette_hex
from gui.numbers import percent
from gui.pages.base import Form, info_label, panel, side_panel
from gui.widgets.slider_spin import SliderSpin
from gui.widgets.swatches import SwatchGrid
from gui.widgets.wrapping_label import reserve_lines

from .state import DEFAULT_K, K_MAX, K_MIN, SegmentationState

K_TIP = ("Number of colours k: K-Means finds k colours and paints every pixel with the nearest "
         "one. The image follows the slider live.")


class SegmentationControls:
    """Builds the side panel (``self.widget``) and shows the state's numbers in it."""

    def __init__(self, binder):
        image_box, form = panel("Image")
        f = Form(form, binder)
        self.image_combo = QComboBox()
        self.image_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.image_combo.setMinimumContentsLength(16)
        f.row(None, self.image_combo, key="image", tip="The photo to segment: scikit-learn's sample photos "
              "or an image you opened (File ▸ Open image…, or drop it on the window).")
        self.open_button = QPushButton("Open image…")
        f.row(None, self.open_button, tip="Open a PNG, JPEG, BMP, TIFF or WebP photo "
              "(Ctrl+Shift+O). You can also drop an image on the window.")
        self.image_info = reserve_lines(info_label("Loading…"), 4)  # nothing below moves
        form.addRow(self.image_info)

        colours_box, form = panel("Colours")
        f = Form(form, binder)
        self.k = SliderSpin(K_MIN, K_MAX, DEFAULT_K, page_step=2, tip=K_TIP,
                            spin_tip=f"Number of colours k ({K_MIN}–{K_MAX})")
        f.row("k", self.k, key="k")  # the slider and the spin box have their own tooltips
        self.seed_spin = f.spin("seed", "Seed", 0, 2**31 - 1, tip="random_state of K-Means: "
                                "another seed starts from other centres (the chapter uses 42).")
        self.result_info = reserve_lines(info_label(""), 3)  # nothing below moves
        form.addRow(self.result_info)

        view_box, form = panel("View")
        f = Form(form, binder)
        self.mode_combo = f.combo("mode", None, [("Next to each other", "side"),
                                                 ("Overlay with a split line", "overlay")],
                                  tip="Show the original and the segmented image next to each "
                                      "other, or one over the other: the original left of the "
                                      "split line, the segmented image right of it.")
        self.split_slider = f.slider("split", "Split", 0, 1000,
                                     tip="Where the overlay switches from the original (left) "
                                         "to the segmented image (right); you can also drag "
                                         "the line.")

        palette_box, form = panel("Palette")
        self.swatches = SwatchGrid(columns=4)
        form.addRow(self.swatches)
        self.palette_note = info_label("Click a colour to highlight its pixels.")
        form.addRow(self.palette_note)

        export_box, form = panel("Export")
        f = Form(form, binder)
        self.save_image_button = f.row(None, QPushButton("Save segmented image…"),
                                       tip="Save the segmented image at full resolution as PNG.")
        self.save_palette_button = f.row(None, QPushButton("Save palette…"),
                                         tip="Save the palette as a CSV table (hex, RGB, share, "
                                             "pixels, exact centre) or as a list of hex colours "
                                             "(.txt).")
        # the palette last: its rows come and go with k, and nothing is below it to move
        self.widget = side_panel(image_box, colours_box, view_box, export_box, palette_box,
                                 width=290)
        self._palette_of = None

    def set_images(self, titles: dict[str, str], current: str) -> None:
        """Offer ``titles`` (key -> title) in the image menu, ``current`` selected (silently)."""
        combo = self.image_combo
        combo.blockSignals(True)
        combo.clear()
        for key, title in titles.items():
            combo.addItem(title, key)
        combo.setCurrentIndex(max(0, combo.findData(current)))
        combo.blockSignals(False)

    def render(self, state: SegmentationState) -> None:
        p, s = state.params, state.shown
        self.split_slider.setEnabled(p.mode == "overlay")
        image = state.images.get(p.image)
        if state.loading is not None:
            self.image_info.setText(f"Loading {state.loading}…")
        elif image is not None or s is not None:
            image = image or s.image
            h, w = image.shape
            note = ("" if image.step == 1 else
                    f"<br><i>Drawn from a copy of 1 pixel in {image.step}×{image.step}; "
                    "computed and saved at full size.</i>")
            self.image_info.setText(f"{w:,} × {h:,} pixels ({w * h / 1e6:.2f} MP)<br>"
                                    f"{image.n_colors:,} distinct colours{note}")
        for b in (self.save_image_button, self.save_palette_button):
            b.setEnabled(s is not None)
        if s is None:
            return
        seg = s.seg
        if self._palette_of is not s:
            self._palette_of = s
            self.swatches.blockSignals(True)
            self.swatches.set_palette(seg.palette_uint8, seg.shares, palette_hex(seg.palette),
                                      seg.counts)
            self.swatches.blockSignals(False)
            fewer = (f"<br><i>The image has only {seg.n_palette} colours.</i>"
                     if seg.n_palette < seg.n_colors else "")
            self.result_info.setText(
                f"{seg.n_palette} colours · inertia {seg.inertia:,.4g}<br>"
                f"computed in {1000 * s.view.seconds:,.0f} ms{fewer}")
        i = p.highlight
        if self.swatches.current() != i:
            self.swatches.blockSignals(True)
            self.swatches.select(i)
            self.swatches.blockSignals(False)
        if 0 <= i < len(seg.palette):
            self.palette_note.setText(
                f"Colour {i} ({palette_hex(seg.palette)[i]}): {percent(seg.shares[i])} of "
                "the pixels, shown in colour; the rest is faded. Click it again to show all.")
        else:
            self.palette_note.setText("Click a colour to highlight its pixels.")
