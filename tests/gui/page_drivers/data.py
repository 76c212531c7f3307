"""Driving the Data page like a person: pick a dataset, open a file, look at the plot."""

from __future__ import annotations

import sys
import types

import numpy as np

from tests.gui.drivers import TIMEOUT_MS, PageDriver


class DataDriver(PageDriver):
    page_name = "data"

    # -- actions ----------------------------------------------------------------------------------
    def set_dataset(self, key: str, wait: bool = True, timeout: int = TIMEOUT_MS) -> None:
        """Pick a dataset in the combo box (and wait until it is drawn; nothing happens when
        it is the one drawn already)."""
        shown = self.dataset_shown()
        if self.dataset_key() == key and shown is not None and shown.key == key:
            self.wait_idle(timeout)
            return
        if not wait:
            self.page.picker.set_current_key(key)
            return
        with self.qtbot.waitSignal(self.page.result_drawn, timeout=timeout):
            self.page.picker.set_current_key(key)

    def open_file(self, path, wait: bool = True, timeout: int = TIMEOUT_MS, **fixes) -> None:
        """Open a file as File ▸ Open does once its dialog is closed (and wait until the Data
        page draws it; with ``wait=False`` nothing is awaited, e.g. for a bad file).
        ``fixes`` are the message bar's fix buttons pressed (``drop_invalid=True``: "Drop
        rows")."""
        window = self.page.window()
        if not wait:
            window.open_path(str(path), **fixes)
            return
        with self.qtbot.waitSignal(self.page.result_drawn, timeout=timeout):
            window.open_path(str(path), **fixes)

    def set_colour_by_labels(self, on: bool) -> None:
        """Tick or untick "Colour by true labels" and wait for the new colours."""
        self.page.color_check.setChecked(bool(on))
        self.wait_idle()

    def set_labels_column(self, name: str | None, wait: bool = True,
                          timeout: int = TIMEOUT_MS) -> None:
        """Choose the labels column in the "Labels" combo box (None: "(none)") and wait until
        the table, read again, is drawn (with ``wait=False``, until the work is done: e.g. a
        column the table cannot use)."""
        combo = self.page.labels_combo
        index = combo.findData(name) if name is not None else 0
        if index < 0:
            raise KeyError(name)
        if not wait:
            combo.setCurrentIndex(index)
            combo.activated.emit(index)
            self.wait_idle(timeout)
            return
        with self.qtbot.waitSignal(self.page.result_drawn, timeout=timeout):
            combo.setCurrentIndex(index)
            combo.activated.emit(index)
        self.wait_idle(timeout)

    def run_code(self, monkeypatch) -> tuple:
        """Execute the page's "Show code" as printed, with a stand-in for matplotlib's pyplot;
        returns the arguments of its last ``plt.scatter`` call: (x, y, keywords)."""
        calls = []
        pyplot = types.ModuleType("matplotlib.pyplot")
        pyplot.scatter = lambda x, y, **kw: calls.append((np.asarray(x), np.asarray(y), kw))
        pyplot.show = lambda: None
        matplotlib = types.ModuleType("matplotlib")
        matplotlib.pyplot = pyplot
        monkeypatch.setitem(sys.modules, "matplotlib", matplotlib)
        monkeypatch.setitem(sys.modules, "matplotlib.pyplot", pyplot)
        exec(compile(self.code(), "<show code>", "exec"), {"__name__": "snippet"})
        return calls[-1]

    # -- what the page shows ------------------------------------------------------------------------
    def points_shown(self) -> int:
        """How many points the scatter plot holds."""
        return self.page.view.scatter.n_points

    def coordinates_shown(self) -> np.ndarray:
        """The (n, 2) coordinates drawn."""
        return self.page.view.scatter.points()

    def colours_shown(self) -> np.ndarray:
        """The (n, 4) RGBA colour of every point drawn."""
        return self.page.view.scatter.point_colors()

    def distinct_colours(self) -> int:
        return len(np.unique(self.colours_shown().view(np.uint32)))

    def summary_text(self) -> str:
        return self.page.view.summary.text()

    def legend_text(self) -> str:
        return self.page.view.legend.text()

    def axis_title(self, which: str = "bottom") -> str:
        return self.page.view.scatter.plotItem.getAxis(which).labelText

    def labels_choices(self) -> list[str]:
        """The texts of the "Labels" combo box ("(none)" first)."""
        combo = self.page.labels_combo
        return [combo.itemText(i) for i in range(combo.count())]

    def labels_column(self) -> str | None:
        """The column chosen in the "Labels" combo box (None for "(none)")."""
        return self.page.labels_combo.currentData()

    def labels_choosable(self) -> bool:
        return self.page.labels_combo.isEnabled()

    def dataset_shown(self):
        """The core ``Dataset`` drawn (None before the first one)."""
        return self.page.state.dataset

    def dataset_key(self) -> str:
        """The key selected in the combo box."""
        return self.page.picker.current_key()

    def dataset_key_of(self, title_start: str) -> str:
        """The key of the dataset whose title in the combo box starts with ``title_start``."""
        picker = self.page.picker
        for i in range(picker.count()):
            if picker.itemText(i).startswith(title_start):
                return picker.itemData(i)
        raise KeyError(title_start)

    def is_raster(self) -> bool:
        """True when the scatter draws its points as one image (many points)."""
        return self.page.view.scatter.raster_mode

    def raster_pixels_drawn(self) -> int:
        """How many pixels of the points' image are painted (raster mode; 0 otherwise)."""
        image = self.page.view.scatter.raster_image()
        return 0 if image is None else int((image[..., 3] > 0).sum())
