"""How a person works the Digits: labelling page: click a digit and type its label, undo,
fill the demo labels, move the percentile slider, ask the model, read the results.

Only ``qtbot.waitUntil``, ``waitSignal``, ``mouseClick``, ``keyClick`` and ``keyClicks`` are
used, so a small stand-in for qtbot can drive it too.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, Qt

from tests.gui.drivers import TIMEOUT_MS, PageDriver

LEFT = Qt.MouseButton.LeftButton
CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


class DigitsLabellingDriver(PageDriver):
    page_name = "digits-labelling"

    # -- widgets (for the driver only) -------------------------------------------------------------
    @property
    def _gallery(self):
        return self.page.view.gallery

    @property
    def _panel(self):
        return self.page.panel

    @property
    def _state(self):
        return self.page.state

    def _click(self, widget) -> None:
        self.qtbot.mouseClick(widget, LEFT)

    # -- labelling -----------------------------------------------------------------------------
    def select(self, tile: int) -> None:
        """Click a digit of the gallery."""
        self.qtbot.mouseClick(self._gallery, LEFT, pos=self._gallery.tile_rect(tile).center())

    def type_label(self, digit: int) -> None:
        """Type a digit (0-9) for the selected tile; -1 presses Backspace (no label)."""
        key = Qt.Key.Key_Backspace if digit < 0 else Qt.Key(Qt.Key.Key_0 + int(digit))
        self.qtbot.keyClick(self._gallery, key)

    def label(self, tile: int, digit: int) -> None:
        """Click the digit on ``tile`` and type its label (-1: Backspace removes it)."""
        self.select(tile)
        self.type_label(digit)

    def clear_label(self, tile: int) -> None:
        self.label(tile, -1)

    def press(self, key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
        """A key in the gallery (arrows move the selection)."""
        self.qtbot.keyClick(self._gallery, key, modifier)

    def click_palette(self, digit: int) -> None:
        """Label the selected digit with the palette's button."""
        self._click(self.page.view.palette.buttons[digit])

    def undo(self) -> None:
        self._click(self._panel.undo_button)

    def redo(self) -> None:
        self._click(self._panel.redo_button)

    def undo_key(self) -> None:
        self.press(Qt.Key.Key_Z, CTRL)

    def redo_key(self) -> None:
        self.press(Qt.Key.Key_Z, CTRL | SHIFT)

    def fill_with_chapter_labels(self) -> None:
        self._click(self._panel.fill_chapter_button)

    def fill_from_truth(self) -> None:
        self._click(self._panel.fill_truth_button)

    def clear_shown(self) -> None:
        self._click(self._panel.clear_button)

    def check_truth(self, on: bool = True) -> None:
        """Tick (or untick) "Check my labels against the truth"."""
        if self._panel.truth_check.isChecked() != on:
            self._click(self._panel.truth_check)

    # -- what the gallery shows ---------------------------------------------------------------------
    def gallery_labels(self) -> np.ndarray:
        return self._gallery.labels()

    def gallery_count(self) -> int:
        return self._gallery.count()

    def gallery_images(self) -> np.ndarray:
        return self._gallery.images()

    def gallery_captions(self) -> list[str]:
        return self._gallery.captions()

    def gallery_mistakes(self) -> np.ndarray:
        """The tiles marked as differing from the truth."""
        return self._gallery.mistakes()

    def gallery_shot(self, tile: int = 0):
        """(a grab of the gallery as a QImage, the rectangle of ``tile``'s image in it)."""
        return self._gallery.grab().toImage(), self._gallery.image_rect(tile)

    def current_tile(self) -> int:
        return self._gallery.current()

    def view(self) -> str:
        """What the gallery shows: "representatives" or "asked"."""
        return self.page.view.view_combo.currentData()

    def show_view(self, view: str) -> None:
        combo = self.page.view.view_combo
        combo.setCurrentIndex(combo.findData(view))

    # -- what the panel shows -------------------------------------------------------------------------
    def counter(self) -> str:
        return self._panel.counter.text()

    def total_text(self) -> str:
        return self._panel.total_label.text()

    def results_text(self) -> str:
        return self._panel.results_label.text()

    def mistakes_text(self) -> str:
        return self._panel.mistakes_label.text()

    def active_learning_text(self) -> str:
        return self._panel.al_label.text()

    def can_ask(self) -> bool:
        return self._panel.ask_button.isEnabled()

    # -- results ---------------------------------------------------------------------------------
    def set_percentile(self, p: int) -> None:
        """Move the percentile slider to ``p`` (the results follow once it settles)."""
        self._panel.percentile_slider.setValue(int(p))

    def percentile(self) -> int:
        return self._panel.percentile_slider.value()

    def percentile_text(self) -> str:
        return self._panel.percentile_value.text()

    def bar_names(self) -> list[str]:
        """The names of the bars, top to bottom."""
        return list(self.page.view.bar_names)

    def results_shown(self) -> np.ndarray:
        """The accuracies drawn as bars: 50 random, 50 representatives, propagated, partial
        (NaN: not shown)."""
        return self.page.view.bar_values()

    def bar_texts(self) -> list[str]:
        return [t.toPlainText() for t in self.page.view.bar_texts]

    def results(self):
        """The results of the current labels and percentile (core.labelling.Results), or
        None while they are not computed."""
        return self._state.current_results()

    def wait_results(self, percentile: int | None = None, timeout: int = TIMEOUT_MS):
        """Wait for the results of the current labels (at ``percentile``) and return them."""
        def ready():
            res = self.results()
            return res is not None and (percentile is None or res.percentile == percentile)
        self.qtbot.waitUntil(ready, timeout=timeout)
        return self.results()

    def computed_percentiles(self) -> list[int]:
        """The percentiles whose results were computed for the current labels."""
        labels = self._state.session.rep_labels().tobytes()
        return sorted(p for (k, p) in self._state.results if k == labels)

    # -- active learning ------------------------------------------------------------------------
    def set_n_ask(self, n: int) -> None:
        self._panel.n_ask_spin.setValue(int(n))

    def set_one_per_cluster(self, on: bool) -> None:
        box = self._panel.distinct_check
        if box.isChecked() != on:
            # on its box: the middle of a check box stretched by its form may be past its text
            self.qtbot.mouseClick(box, LEFT, pos=QPoint(8, box.height() // 2))
        assert box.isChecked() == on

    def train_round(self, ask: bool = True, timeout: int = TIMEOUT_MS) -> None:
        """Press "Ask me" (or "Retrain" with ``ask=False``) and wait for the round."""
        self._click(self._panel.ask_button if ask else self._panel.retrain_button)
        self.qtbot.waitUntil(lambda: not self.tasks.busy
                             and self.active_learning_text() != "Training…", timeout=timeout)

    def retrain(self) -> None:
        self.train_round(ask=False)

    def asked_digits(self) -> np.ndarray:
        """Training indices of the digits the model asked about."""
        return self._state.session.asked.copy()

    def rounds(self) -> list[tuple[int, float, float]]:
        """(hand labels, accuracy, accuracy with the propagated labels) of each round."""
        return [(r.n_labels, r.accuracy, r.accuracy_propagated)
                for r in self._state.session.history]

    def curve(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The active-learning curve drawn: x, hand labels only, + propagated."""
        xs, ys = self.page.view.curve_hand.getData()
        return xs, ys, self.page.view.curve_prop.getData()[1]

    # -- the labels ---------------------------------------------------------------------------------
    def hand_labels(self) -> np.ndarray:
        """Every training digit's hand label (-1: none), as the page holds and saves them."""
        return self._state.session.hand.copy()

    def representatives(self) -> np.ndarray:
        """Training indices of the 50 representatives, tile by tile."""
        return self._state.session.reps.indices.copy()

    def train_index(self) -> np.ndarray:
        """Row in ``load_digits()`` of each training digit."""
        return self._state.session.split.train_index.copy()

    def export_labels(self, path) -> None:
        """Export the labels as CSV (File dialog skipped) and wait until written."""
        self.page.export_labels(str(path))
        self.wait_idle()
