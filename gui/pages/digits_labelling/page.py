"""Digits: labelling — semi-supervised learning by hand-labelling representative digits.

The chapter clusters the training digits into 50 clusters and asks a person to
label the digit closest to each centroid. Here the person does it: a gallery
of the 50 representatives, keyboard or palette to label them, undo/redo, and,
once all 50 are labelled, the chapter's comparison (50 random labels, the 50
representatives, labels propagated to every instance, partial propagation).
Then active learning: the model shows the digits it is least sure about, the
person labels them, the model retrains, and a curve shows the progress.

The labels are the user's work: the session (``core.labelling``) is saved
atomically in the app's data folder on every change and comes back when the
page is created again. This module only wires the panel and the view to the
state and the jobs.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence, QUndoCommand, QUndoStack
from PySide6.QtWidgets import QFileDialog, QHBoxLayout

from core.errors import DataError
from core.labelling import save_paths
from core.semisupervised import CHAPTER_REPRESENTATIVE_LABELS
from gui import file_writer
from gui import settings as app_settings
from gui.exports import ensure_suffix
from gui.pages.base import Page
from gui.pages.digits_labelling import jobs
from gui.pages.digits_labelling.panel import SidePanel
from gui.pages.digits_labelling.settings import DigitsLabellingSettings
from gui.pages.digits_labelling.state import LabellingState
from gui.pages.digits_labelling.view import LabellingView
from gui.tasks import estimate_cost
from gui.widgets.digit_gallery import DigitGallery

N_TRAIN = 1347  # the chapter's training digits
N_CLUSTERS = 50
N_FEATURES = 64  # 8 x 8 pixels
N_CLASSES = 10
#: Milliseconds between two looks at whether the labels' save is done (see save).
SAVE_CHECK_MS = 200


#: Labelling actions that can be undone (the oldest are forgotten beyond it).
UNDO_LIMIT = 1000


class SetLabels(QUndoCommand):
    """Give some training digits new hand labels (-1: none): the page's session is swapped
    for one with these labels (undo: with the old ones)."""

    def __init__(self, page: DigitsLabellingPage, indices, labels, text: str):
        super().__init__(text)
        self.page = page
        self.indices = np.asarray(indices, dtype=np.int64)
        self.new = np.broadcast_to(np.asarray(labels, dtype=np.int64), self.indices.shape).copy()
        self.old = page.state.session.hand[self.indices].copy()

    def redo(self) -> None:
        self.page.apply_labels(self.indices, self.new)

    def undo(self) -> None:
        # in reverse, so a digit shown twice gets its first old label back
        self.page.apply_labels(self.indices[::-1], self.old[::-1])


class DigitsLabellingPage(Page):
    name = "digits-labelling"
    title = "Digits: labelling"
    Settings = DigitsLabellingSettings
    SHORTCUTS = (("Ctrl+Z", "Undo"), ("Ctrl+Shift+Z, Ctrl+Y", "Redo"), *DigitGallery.KEY_HELP)

    def __init__(self, ctx, parent=None):
        super().__init__(ctx, parent)
        self.folder = app_settings.data_dir()
        self.binder.save()  # settings migrated from 0.1.0's labels file are kept from now on
        v = self.binder.settings
        self.state = LabellingState(percentile=v.percentile, view=v.view, n_ask=v.n_ask,
                                    distinct=v.one_per_cluster, check_truth=v.check_truth)
        self._save_error_shown = False
        # (a save's outcome is looked at once its writer is done: see save)
        self._save_check = QTimer(self, singleShot=True, interval=SAVE_CHECK_MS,
                                  timeout=self._check_saved)
        self.undo_stack = QUndoStack(self)
        self.undo_stack.setUndoLimit(UNDO_LIMIT)  # a long session's memory stays bounded
        self.panel = SidePanel(self.binder)
        self.view = LabellingView()
        self.declare_view(self.view)  # one view, no tab bar
        self.binder.bind("view", self.view.view_combo)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.panel.widget)
        layout.addWidget(self.view, 1)
        self._results_timer = QTimer(self)
        self._results_timer.setSingleShot(True)
        self._results_timer.timeout.connect(self._compute_results)
        self._wire()
        self.refresh()

    def _wire(self) -> None:
        p, v, stack = self.panel, self.view, self.undo_stack
        undo = QAction("Undo", self)
        undo.setShortcut(QKeySequence.StandardKey.Undo)
        redo = QAction("Redo", self)
        redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        for action, slot, button, signal in ((undo, stack.undo, p.undo_button,
                                              stack.canUndoChanged),
                                             (redo, stack.redo, p.redo_button,
                                              stack.canRedoChanged)):
            action.triggered.connect(slot)
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.addAction(action)
            button.clicked.connect(slot)
            for w in (action, button):
                signal.connect(w.setEnabled)
                w.setEnabled(False)
        stack.undoTextChanged.connect(lambda t: p.undo_button.setToolTip(
            f"Undo: {t} (Ctrl+Z)" if t else "Nothing to undo (Ctrl+Z)"))
        stack.redoTextChanged.connect(lambda t: p.redo_button.setToolTip(
            f"Redo: {t} (Ctrl+Shift+Z)" if t else "Nothing to redo (Ctrl+Shift+Z)"))
        p.clear_button.clicked.connect(self.clear_shown)
        p.fill_truth_button.clicked.connect(self.fill_from_truth)
        p.fill_chapter_button.clicked.connect(self.fill_from_chapter)
        p.truth_check.toggled.connect(lambda on: self._set(check_truth=on))
        p.export_button.clicked.connect(self._export_dialog)
        p.percentile_slider.valueChanged.connect(self._percentile_changed)
        p.n_ask_spin.valueChanged.connect(lambda n: self._set(n_ask=n))
        p.distinct_check.toggled.connect(lambda on: self._set(distinct=on))
        p.ask_button.clicked.connect(lambda: self._train(ask=True))
        p.retrain_button.clicked.connect(lambda: self._train(ask=False))
        p.reset_curve_button.clicked.connect(self.reset_curve)
        v.view_combo.currentIndexChanged.connect(
            lambda _i: self.set_view(v.view_combo.currentData()))
        v.gallery.label_typed.connect(self._label_typed)
        v.gallery.clear_requested.connect(lambda tile: self.set_label(tile, -1))
        v.palette.digit_clicked.connect(lambda d: self._label_typed(v.gallery.current(), d))
        v.palette.clear_clicked.connect(lambda: self.set_label(v.gallery.current(), -1))

    # -- state -> views ------------------------------------------------------------------------------
    def refresh(self) -> None:
        self.panel.render(self.state)
        super().refresh()  # the view, and "Show code"

    def _set(self, **changes) -> None:
        for name, value in changes.items():
            setattr(self.state, name, value)
        self.refresh()

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> None:
        self.run_task(jobs.prepare, self.folder, key="prepare",
                      paint_in_turns=True,
                      description="Clustering the digits…", on_result=self._prepared,
                      cost=estimate_cost(N_TRAIN, N_FEATURES, N_CLUSTERS, passes=10),
                      on_error=self._prepare_failed)

    def _prepare_failed(self, exc: BaseException) -> None:
        self.state.failed = "The digits could not be prepared."
        self.refresh()
        self.ctx.show_message(f"The digits could not be prepared: {exc}", "error")

    def _prepared(self, opened) -> None:
        self.state.session = opened.session
        if opened.message:
            self.ctx.show_message(opened.message, "warning")
        if opened.migrated_from is not None:
            self.save()  # 0.1.0's files: written again in today's format (kept as a copy)
        self.refresh()
        if self.state.all_labelled():
            self._results_timer.start(120)
        # drawn once the side panel has laid out the new texts (a few event-loop turns)
        QTimer.singleShot(60, self.mark_drawn)

    def shutdown(self) -> None:
        self._results_timer.stop()

    # -- what is shown -------------------------------------------------------------------------
    def set_view(self, view: str) -> None:
        """Show the representatives or the digits the model asked about."""
        if view == "asked" and not (self.state.ready and self.state.session.asked.size):
            view = "representatives"
        self.binder.restore({"view": view})
        self.binder.save()
        self.state.note = None
        self._set(view=view)

    # -- labelling -----------------------------------------------------------------------------
    def _label_typed(self, tile: int, digit: int) -> None:
        if tile < 0 or not self.state.ready:
            return
        self.set_label(tile, digit)
        if tile + 1 < self.view.gallery.count():
            self.view.gallery.set_current(tile + 1)

    def set_label(self, tile: int, digit: int) -> None:
        """Label the digit on ``tile`` (-1 removes the label); undoable."""
        idx = self.state.tile_indices()
        if not 0 <= tile < len(idx):
            return
        j = int(idx[tile])
        if self.state.session.hand[j] == digit:
            return
        what = f"label digit {tile + 1} as {digit}" if digit >= 0 else f"clear digit {tile + 1}"
        self.undo_stack.push(SetLabels(self, [j], [digit], what))

    def fill_from_truth(self) -> None:
        """Demo shortcut: label the digits shown with their true labels (one undo step)."""
        idx = self.state.tile_indices()
        if idx.size:
            self._push_bulk(idx, self.state.session.split.y_train[idx], "fill from ground truth",
                            "Filled the digits shown with their true labels")

    def fill_from_chapter(self) -> None:
        """Demo shortcut: the labels the chapter's author typed for the 50 representatives."""
        if not self.state.ready:
            return
        if self.state.view != "representatives":  # (shown again below, with the labels)
            self.set_view("representatives")
        self._push_bulk(self.state.session.reps.indices, CHAPTER_REPRESENTATIVE_LABELS,
                        "fill with the chapter's labels",
                        "Filled the 50 representatives with the chapter's labels")

    def clear_shown(self) -> None:
        idx = self.state.tile_indices()
        if idx.size and (self.state.session.hand[idx] >= 0).any():
            self._push_bulk(idx, np.full(idx.size, -1), "clear labels",
                            "Cleared the labels of the digits shown")

    def _push_bulk(self, idx, labels, what: str, said: str) -> None:
        """Label many digits in one undo step; when that replaced or removed labels typed
        by hand, say so, with an Undo button beside (and Ctrl+Z)."""
        idx, labels = np.asarray(idx), np.asarray(labels)
        before = self.state.session.hand[idx]
        lost = int(((before >= 0) & (before != labels)).sum())
        self.undo_stack.push(SetLabels(self, idx, labels, what))
        if lost:
            stack, after = self.undo_stack, self.undo_stack.index()
            self.offer_undo(f"{said}: {lost} label{'s' if lost != 1 else ''} you had set "
                            f"{'were' if lost != 1 else 'was'} replaced or removed.",
                            lambda: stack.setIndex(after - 1),
                            still_valid=lambda: stack.index() == after)

    def apply_labels(self, indices: np.ndarray, labels: np.ndarray) -> None:
        """Swap in the session with these labels, save it, and show it (the undo commands)."""
        self.state.session = self.state.session.with_labels(indices, labels)
        self.state.note = None
        self.save()
        self.refresh()
        if self.state.all_labelled():
            self._results_timer.start(120)
        if self.isVisible():
            self.view.gallery.setFocus()  # typing goes on in the gallery after a button

    # -- results ---------------------------------------------------------------------------------
    def _percentile_changed(self, value: int) -> None:
        self._set(percentile=value)
        self._results_timer.start(250)  # debounced: the drag settles first

    def _compute_results(self) -> None:
        state = self.state
        if not state.all_labelled() or state.current_results() is not None:
            return
        self.run_task(jobs.results, state.session, state.percentile, state.reusable_results(),
                      key="results", description="Training the classifiers…",
                      cost=self._fit_cost(), paint_in_turns=True, on_result=self._results_ready,
                      on_error=lambda e: self.ctx.show_message(str(e), "error"))

    def _results_ready(self, results) -> None:
        self.state.store(results)
        self.refresh()

    def _fit_cost(self) -> float:
        return estimate_cost(self.state.session.n_train, N_FEATURES, N_CLASSES, passes=100)

    # -- active learning ------------------------------------------------------------------------
    def _train(self, ask: bool) -> None:
        if not self.state.all_labelled():
            self.ctx.show_message("Label all 50 representatives before active learning.",
                                  "warning")
            return
        self._set(note="Training…")
        self.run_task(jobs.train_round, self.state.session, self.state.n_ask,
                      self.state.distinct, ask, key="active-learning", cost=self._fit_cost(),
                      description="Asking the model…" if ask else "Retraining…",
                      paint_in_turns=True, on_result=lambda s: self._round_ready(s, ask),
                      on_error=self._round_failed)

    def _round_failed(self, exc: BaseException) -> None:
        self.ctx.show_message(str(exc), "error" if not isinstance(exc, DataError) else "warning")
        self.refresh()

    def _round_ready(self, session, asked: bool) -> None:
        # the labels given while the model trained stay: only the round's outcome is taken
        self.state.session = session.with_hand_of(self.state.session)
        point = session.history[-1]
        self.state.note = None if asked else (
            f"Retrained on {point.n_labels} hand labels: accuracy {point.accuracy:.4f} "
            f"({point.accuracy_propagated:.4f} with the propagated labels). Press Ask me for "
            f"more.")
        self.save()
        if asked:
            self.set_view("asked")
            self.state.note = None
        else:
            self.refresh()
        self.view.gallery.setFocus()

    def reset_curve(self) -> None:
        if not self.state.ready:  # pressed before the digits are clustered (the monkey test)
            return
        before = self.state.session
        rounds = len(before.history)
        self.state.session = reset = before.without_history()
        self.save()
        self.refresh()
        if not rounds:
            return

        def restore() -> None:
            self.state.session = before
            self.save()
            self.refresh()

        self.offer_undo(f"The active-learning curve was reset ({rounds} round"
                        f"{'s' if rounds != 1 else ''} dropped).", restore,
                        still_valid=lambda: self.state.session is reset)

    # -- persistence ------------------------------------------------------------------------------
    def save(self) -> None:
        """Save the session (labels, asked digits, rounds) atomically in the data folder, on
        the labels' writer thread: the newest session is written, the window waits for it as
        it closes. (On the GUI thread, the save waited for the disk: its fsync held the click
        that labelled a digit 10-50 ms.)"""
        if self.state.ready:
            session, folder = self.state.session, self.folder
            file_writer.write_soon(save_paths(folder)[0],
                                   lambda: session.save_arrays_first(folder))
            self._save_check.start()

    def _check_saved(self) -> None:
        """Once the writer is done: a failure is said (once), as the task's error was."""
        writer = file_writer.writer_for(save_paths(self.folder)[0])
        if writer.busy():
            self._save_check.start()
        elif writer.failure is not None:
            self._save_failed(writer.failure)

    def _save_failed(self, exc: BaseException) -> None:
        if not self._save_error_shown:
            self._save_error_shown = True
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
            self.ctx.show_message(f"Your labels could not be saved in {self.folder}: "
                                  f"{reason}.", "error")

    def export_labels(self, path: str) -> None:
        """Save every labelled training digit as CSV (index, label, source, digits_index)."""
        if not self.state.ready:
            return
        self.run_task(jobs.export_labels, self.state.session, path, key="export-labels",
                      description="Exporting the labels…",
                      cost=estimate_cost(self.state.session.n_train, 4),
                      on_result=lambda n: self.ctx.show_message(
                          f"Saved {n} labels to {Path(path).name}.", "info"),
                      on_error=lambda exc: self.ctx.show_message(
                          f"Could not save '{path}': "
                          f"{getattr(exc, 'strerror', None) or exc}", "error"))

    def _export_dialog(self) -> None:
        if not self.state.ready:
            return
        start = str(Path.home() / "digit-labels.csv")
        path, _ = QFileDialog.getSaveFileName(self, "Export labels", start, "CSV (*.csv)")
        if path:
            self.export_labels(ensure_suffix(path, ".csv"))
