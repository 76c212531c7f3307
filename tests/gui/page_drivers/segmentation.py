"""SegmentationDriver: the Image segmentation page, worked as a person works it.

Only ``qtbot.waitUntil``, ``waitSignal``, ``mouseClick`` and ``keyClick`` are used, so a
small stand-in for qtbot (the responsiveness benchmark's) can drive it too.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import QPointF, Qt

from tests.gui.drivers import TIMEOUT_MS, PageDriver


@dataclass(frozen=True)
class Swatch:
    """One palette colour as the swatches show it."""

    hex: str
    share: str  # the text on the swatch, e.g. "24.2%"
    checked: bool


class SegmentationDriver(PageDriver):
    page_name = "segmentation"

    # -- short names for the page's parts ---------------------------------------------------
    @property
    def _c(self):
        return self.page.controls

    @property
    def _tab(self):
        return self.page.seg_tab

    @property
    def _strip(self):
        return self.page.strip_tab

    # -- waiting ------------------------------------------------------------------------------
    def result(self):
        """The segmentation on screen: ``.key``, ``.k``, ``.seed``, ``.seg`` (core result)."""
        return self.page.state.shown

    def wait_result(self, k: int | None = None, key: str | None = None, seed: int | None = None,
                    timeout: int = TIMEOUT_MS) -> None:
        """Wait until the segmentation on screen has this k (image key, seed)."""
        def ok():
            s = self.result()
            return (s is not None and (k is None or s.k == k) and (key is None or s.key == key)
                    and (seed is None or s.seed == seed))
        self.qtbot.waitUntil(ok, timeout=timeout)

    # -- the image ----------------------------------------------------------------------------
    def image_choices(self) -> list[str]:
        combo = self._c.image_combo
        return [combo.itemData(i) for i in range(combo.count())]

    def image_key(self) -> str:
        return self._c.image_combo.currentData()

    def image_title(self) -> str:
        return self._c.image_combo.currentText()

    def set_image(self, key_or_title: str, wait: bool = True) -> None:
        """Pick an image in the menu by its key ("sample:flower") or its title."""
        combo = self._c.image_combo
        index = combo.findData(key_or_title)
        if index < 0:
            index = combo.findText(key_or_title)
        if index < 0:
            raise KeyError(f"no image '{key_or_title}' in {self.image_choices()}")
        combo.setCurrentIndex(index)
        if wait:
            self.wait_result(key=combo.itemData(index))

    def open_image(self, path, wait: bool = True) -> str:
        """Open an image file as File ▸ Open image… does; returns its key."""
        key = f"image:{Path(path).name}"
        self.page.window().open_path(str(path))
        if wait:
            self.wait_result(key=key)
        return key

    def click_open_image(self) -> None:
        """Click "Open image…" (the file dialog follows)."""
        self.qtbot.mouseClick(self._c.open_button, Qt.MouseButton.LeftButton)

    def image_info(self) -> str:
        return self._c.image_info.text()

    # -- k and the seed -----------------------------------------------------------------------
    def k(self) -> int:
        return self._c.k.slider.value()

    def k_shown(self) -> tuple[int, int]:
        """(slider, spin box)."""
        return self._c.k.slider.value(), self._c.k.spin.value()

    def set_k(self, k: int, wait: bool = True) -> None:
        """Drag the k slider to ``k`` as a person does: one value after the other."""
        slider = self._c.k.slider
        start = slider.value()
        step = 1 if k >= start else -1
        for v in range(start + step, k + step, step):
            slider.setSliderPosition(v)  # valueChanged for each position passed
        if wait:
            self.wait_result(k=k)

    def press_k_page_up(self, times: int = 1) -> None:
        """PageUp on the focused k slider (steps of 2)."""
        slider = self._c.k.slider
        slider.setFocus()
        for _ in range(times):
            self.qtbot.keyClick(slider, Qt.Key.Key_PageUp)

    def _type(self, spin, value: int) -> None:
        spin.setFocus()
        spin.selectAll()
        for ch in str(value):
            self.qtbot.keyClick(spin, ch)
        self.qtbot.keyClick(spin, Qt.Key.Key_Return)

    def set_k_spin(self, k: int, wait: bool = True) -> None:
        """Type ``k`` into the k spin box and press Return."""
        self._type(self._c.k.spin, k)
        if wait:
            self.wait_result(k=k)

    def seed(self) -> int:
        return self._c.seed_spin.value()

    def set_seed(self, seed: int, wait: bool = True) -> None:
        """Type a seed into the Seed spin box and press Return."""
        self._type(self._c.seed_spin, seed)
        if wait:
            self.wait_result(seed=seed)

    def result_info(self) -> str:
        return self._c.result_info.text()

    # -- the view -------------------------------------------------------------------------------
    def mode(self) -> str:
        """The mode the menu says: "side" or "overlay"."""
        return self._c.mode_combo.currentData()

    def set_mode(self, name: str) -> None:
        """"side" / "overlay", or the menu's text ("Overlay with a split line")."""
        combo = self._c.mode_combo
        index = combo.findData(name)
        combo.setCurrentIndex(index if index >= 0 else combo.findText(name))

    def view_shown(self) -> str:
        """Which view is on screen: "side", "overlay" or "strip"."""
        if self.page.current_tab() is self._strip:
            return "strip"
        return "overlay" if self._tab.stack.currentWidget() is self._tab.overlay else "side"

    def exported_view(self) -> str:
        """Which view File ▸ Export plot saves: "side", "overlay" or "strip"."""
        w = self.page.export_widget()
        return {id(self._tab.side): "side", id(self._tab.overlay): "overlay",
                id(self._strip.grid): "strip"}.get(id(w), type(w).__name__)

    def split_enabled(self) -> bool:
        return self._c.split_slider.isEnabled()

    def split(self) -> int:
        """The Split slider, in thousandths of the width."""
        return self._c.split_slider.value()

    def set_split(self, fraction: float) -> None:
        """Move the Split slider to ``fraction`` of the width."""
        self._c.split_slider.setValue(int(round(1000 * fraction)))

    def split_line_x(self) -> float:
        return float(self._tab.split_line.value())

    def drag_split_line(self, x: float) -> None:
        """Drag the white line of the overlay to image column ``x``."""
        self._tab.split_line.setValue(float(x))

    def overlay_top(self) -> tuple[np.ndarray | None, float]:
        """The segmented part drawn over the original (right of the line) and its left edge."""
        top = self._tab.overlay_top
        return top.image, top.mapRectToParent(top.boundingRect()).left()

    def overlay_original(self) -> np.ndarray | None:
        return self._tab.overlay_panel.image()

    # -- what the views hold ------------------------------------------------------------------
    def original_image(self) -> np.ndarray | None:
        return self._tab.original_panel.image()

    def original_full_shape(self) -> tuple[int, int] | None:
        return self._tab.original_panel.full_shape

    def original_extent(self) -> float:
        """Width of the original picture's rectangle, in the view (full-size pixels)."""
        item = self._tab.original_panel.item
        return item.mapRectToParent(item.boundingRect()).width()

    def original_upright_and_square(self) -> bool:
        view = self._tab.original_panel.view
        return bool(view.yInverted() and view.state["aspectLocked"])

    def segmented_image(self) -> np.ndarray | None:
        """The segmented picture as drawn (with the highlight, if a colour is selected)."""
        return self._tab.segmented_panel.image()

    def segmented_title(self) -> str:
        return self._tab.segmented_panel.title()

    def hover(self, x: float, y: float) -> str:
        """Move the mouse over pixel (x, y) of the original; the text under the views."""
        view = self._tab.original_panel.view
        # as a person would: over the picture once it is laid out on screen (a new image's
        # panels are arranged, and their ranges set, over the turns after its result)
        self.qtbot.waitUntil(lambda: view.sceneBoundingRect().contains(
            view.mapViewToScene(QPointF(x, y))), timeout=TIMEOUT_MS)
        self._tab.side.scene().sigMouseMoved.emit(view.mapViewToScene(QPointF(x, y)))
        return self._tab.hover_label.text()

    def hover_text(self) -> str:
        """The text under the views (what the mouse points at), as it is now."""
        return self._tab.hover_label.text()

    # -- the palette --------------------------------------------------------------------------
    def palette_shown(self) -> list[Swatch]:
        """The swatches, in order: colour (hex), share text, checked."""
        out = []
        for b in self._c.swatches.buttons:
            out.append(Swatch(b.color.name(), b.text(), b.isChecked()))
        return out

    def click_swatch(self, index: int, wait: bool = True) -> None:
        """Click palette colour ``index``; waits until the picture shows the highlight (or
        the whole palette again)."""
        self.qtbot.mouseClick(self._c.swatches.buttons[index], Qt.MouseButton.LeftButton)
        if wait:
            state = self.page.state
            self.qtbot.waitUntil(lambda: self._tab._segmented is state.displayed()
                                 and (state.params.highlight < 0 or state.painted is not None),
                                 timeout=TIMEOUT_MS)

    def selected_swatch(self) -> int:
        """The highlighted colour (-1: none); checks the swatch says so too."""
        i = self._c.swatches.current()
        buttons = self._c.swatches.buttons
        assert all(b.isChecked() == (j == i) for j, b in enumerate(buttons))
        return i

    def palette_note(self) -> str:
        return self._c.palette_note.text()

    # -- the chapter's figure ----------------------------------------------------------------------
    def show_strip(self) -> None:
        self.show_tab(self._strip.title)

    def show_segmentation(self) -> None:
        self.show_tab(self._tab.title)

    def wait_strip(self, timeout: int = TIMEOUT_MS) -> None:
        """Wait until the chapter's figure of the image on screen is drawn."""
        def ok():
            st, s = self.page.state, self.page.state.shown
            return (st.strip is not None and st.strip_pending is None and s is not None
                    and (st.strip.key, st.strip.seed) == (s.key, s.seed)
                    and self._strip._drawn is st.strip)
        self.qtbot.waitUntil(ok, timeout=timeout)

    def strip_titles(self) -> list[str]:
        return [p.title() for p in self._strip.panels]

    def strip_images(self) -> list[np.ndarray | None]:
        return [p.image() for p in self._strip.panels]

    def strip_ks(self) -> list[int]:
        """The numbers of colours the figure's panels say (after the original)."""
        return [int(t.split()[0]) for t in self.strip_titles()[1:] if t]

    def strip_status(self) -> str:
        return self._strip.status.text()

    # -- exports ------------------------------------------------------------------------------
    def click_save_image(self) -> None:
        self.qtbot.mouseClick(self._c.save_image_button, Qt.MouseButton.LeftButton)

    def click_save_palette(self) -> None:
        self.qtbot.mouseClick(self._c.save_palette_button, Qt.MouseButton.LeftButton)

    def export_palette(self, path) -> None:
        """Save the palette to ``path`` (CSV or hex list) and wait until it is done."""
        self.page.export_palette(str(path))
        self.wait_idle()

    def tooltips(self) -> dict[str, str]:
        """Every control's tooltip, and the swatches'."""
        c = self._c
        out = {name: w.toolTip() for name, w in (
            ("image", c.image_combo), ("open", c.open_button), ("k slider", c.k.slider),
            ("k spin", c.k.spin), ("seed", c.seed_spin), ("mode", c.mode_combo),
            ("split", c.split_slider), ("save image", c.save_image_button),
            ("save palette", c.save_palette_button))}
        out.update({f"swatch {i}": b.toolTip() for i, b in enumerate(c.swatches.buttons)})
        return out

    # -- settings and the cache -------------------------------------------------------------------
    def saved_settings(self):
        """The page's settings as stored (read back from the settings file)."""
        from gui.persist import load_settings

        return load_settings(type(self.page.binder.settings), self.page.ctx.settings)

    def colour_table(self, key: str):
        """The colour bins the page keeps for image ``key`` (reused by the slider), or None."""
        image = self.page.state.images.get(key)
        return None if image is None else image.table
