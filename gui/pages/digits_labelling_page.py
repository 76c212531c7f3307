"""Digits: labelling — semi-supervised learning by hand-labelling representative digits.

The chapter clusters the training digits into 50 clusters and asks a person to
label the digit closest to each centroid. Here the person does it: a gallery
of the 50 representatives, keyboard or palette to label them, undo/redo, and,
once all 50 are labelled, the chapter's comparison (50 random labels, the 50
representatives, labels propagated to every instance, partial propagation).
Then active learning: the model shows the digits it is least sure about, the
person labels them, the model retrains, and a curve shows the progress.

The labels are the user's work: they are saved atomically (JSON + npz) in the
app's data folder on every change and come back when the page is created again.
"""

from __future__ import annotations

import csv
import io
import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence, QUndoCommand, QUndoStack
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from core.errors import DataError
from core.progress import report
from core.semisupervised import (
    CHAPTER_REPRESENTATIVE_LABELS,
    DigitsSplit,
    Representatives,
    certainty,
    digits_split,
    evaluate,
    most_uncertain,
    partial_propagation,
    propagate,
    representatives,
    train,
)
from core.storage import atomic_write_bytes, load_arrays, save_arrays, save_json
from gui import settings as app_settings
from gui.pages.base import Page, hbox, info_label, panel, side_panel
from gui.widgets.digit_gallery import DigitGallery, DigitPalette
from gui.widgets.scatter import make_plot

N_CLUSTERS = 50
SAVE_STEM = "digits-labels"
FORMAT = "clusterlab-digits-labels"
VERSION = 1

BAR_Y = np.array([3.0, 2.0, 1.0, 0.0])  # top to bottom: random, reps, propagated, partial
BAR_COLORS = ("#9aa5b1", "#1f77b4", "#2ca02c", "#ff7f0e")


# --------------------------------------------------------------------------- worker side


@dataclass(frozen=True)
class Prepared:
    split: DigitsSplit
    reps: Representatives
    random: float  # 50 random labelled instances (the first 50 of the shuffled training set)
    full: float  # the whole labelled training set


def prepare(progress=None) -> Prepared:
    """Load and split the digits, cluster them, and score the two label-free references."""
    report(progress, 0.0)
    split = digits_split()
    report(progress, 0.2)
    reps = representatives(split.X_train, n_clusters=N_CLUSTERS, random_state=42)
    report(progress, 0.5)
    random_acc = evaluate(split.X_train[:N_CLUSTERS], split.y_train[:N_CLUSTERS], split.X_test,
                          split.y_test)
    report(progress, 0.7)
    full = evaluate(split.X_train, split.y_train, split.X_test, split.y_test)
    report(progress, 1.0)
    return Prepared(split, reps, random_acc, full)


def compute_results(split: DigitsSplit, reps: Representatives, rep_labels: np.ndarray,
                    percentile: float, need_label_part: bool, progress=None) -> dict:
    """The label-dependent numbers (unless cached) and the partial-propagation numbers."""
    out: dict = {}
    Xtr, ytr, Xte, yte = split.X_train, split.y_train, split.X_test, split.y_test
    report(progress, 0.0)
    if need_label_part:
        out["representatives"] = evaluate(Xtr[reps.indices], rep_labels, Xte, yte)
        report(progress, 0.2)
        y_prop = propagate(reps.cluster_labels, rep_labels)
        out["propagated"] = evaluate(Xtr, y_prop, Xte, yte)
        out["propagated_correct"] = float(np.mean(y_prop == ytr))
        report(progress, 0.7)
    part = partial_propagation(reps.distances, reps.cluster_labels, rep_labels, percentile)
    out["partial"] = evaluate(Xtr[part.mask], part.labels, Xte, yte)
    out["partial_correct"] = float(np.mean(part.labels == ytr[part.mask]))
    out["n_partial"] = part.n_kept
    report(progress, 1.0)
    return out


def hand_order(reps: Representatives, hand: np.ndarray) -> np.ndarray:
    """The hand-labelled digits in training order: the representatives (cluster order),
    then the other labelled digits by index, as in the Show code snippet (lbfgs' result
    depends slightly on the order of the rows)."""
    first = np.sort(np.unique(reps.indices, return_index=True)[1])
    rep_idx = reps.indices[first]
    rep_idx = rep_idx[hand[rep_idx] >= 0]
    others = np.setdiff1d(np.flatnonzero(hand >= 0), rep_idx)
    return np.r_[rep_idx, others].astype(np.int64)


def train_round(split: DigitsSplit, reps: Representatives, hand: np.ndarray, n_ask: int,
                distinct: bool, ask: bool, progress=None) -> dict:
    """One active-learning round: retrain on every hand label (alone, and on top of the
    propagated labels), then (if ``ask``) find the ``n_ask`` least certain unlabelled digits."""
    Xtr, Xte, yte = split.X_train, split.X_test, split.y_test
    labelled = hand_order(reps, hand)
    report(progress, 0.0)
    trained = train(Xtr[labelled], hand[labelled], Xte, yte)
    report(progress, 0.35)
    y = propagate(reps.cluster_labels, hand[reps.indices])
    y[labelled] = hand[labelled]
    acc_prop = evaluate(Xtr, y, Xte, yte)
    report(progress, 0.85)
    out = dict(n_labels=int(labelled.size), accuracy=trained.accuracy,
               accuracy_propagated=acc_prop, labels_key=hand.tobytes())
    if ask:
        pool = np.flatnonzero(hand < 0)
        if pool.size == 0:
            raise DataError("Every training digit has a hand label: there is nothing left to ask.")
        groups = reps.cluster_labels[pool] if distinct else None
        pos = most_uncertain(trained.model, Xtr[pool], n_ask, groups=groups)
        asked = pool[pos]
        out["asked"] = asked
        out["confidence"] = certainty(trained.model, Xtr[asked])
        out["predicted"] = np.asarray(trained.model.predict(Xtr[asked]), dtype=np.int64)
    report(progress, 1.0)
    return out


# --------------------------------------------------------------------------- persistence


def save_paths(folder: Path) -> tuple[Path, Path]:
    return folder / f"{SAVE_STEM}.json", folder / f"{SAVE_STEM}.npz"


def read_saved(folder: Path) -> tuple[dict | None, str | None]:
    """The saved labelling session, or (None, None) if there is none, or (None, message)
    if it cannot be read (the broken files are then moved aside, never deleted)."""
    json_path, npz_path = save_paths(folder)
    if not json_path.exists() and not npz_path.exists():
        return None, None
    try:
        if not json_path.exists() or not npz_path.exists():
            missing = json_path if not json_path.exists() else npz_path
            raise DataError(f"'{missing.name}' is missing")
        try:
            meta = json.loads(json_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise DataError(f"'{json_path.name}' is not valid JSON") from exc
        if not isinstance(meta, dict) or meta.get("format") != FORMAT:
            raise DataError(f"'{json_path.name}' is not a ClusterLab labels file")
        if meta.get("version") != VERSION:
            raise DataError(f"'{json_path.name}' has an unknown version {meta.get('version')!r}")
        arrays = load_arrays(npz_path)
        hand = arrays.get("hand")
        if hand is None or hand.ndim != 1 or not np.issubdtype(hand.dtype, np.integer):
            raise DataError(f"'{npz_path.name}' holds no labels")
        if hand.size and (hand.min() < -1 or hand.max() > 9):
            raise DataError(f"'{npz_path.name}' holds labels outside 0–9")
        if hand.size != int(meta.get("n_train", -1)):
            raise DataError("the two files do not belong together")
        asked = np.asarray(arrays.get("asked", np.zeros(0, np.int64)), dtype=np.int64)
        if asked.size and (asked.min() < 0 or asked.max() >= hand.size):
            raise DataError(f"'{npz_path.name}' asks about digits that do not exist")
        history = []
        for point in meta.get("history", []):
            history.append(dict(n_labels=int(point["n_labels"]),
                                accuracy=float(point["accuracy"]),
                                accuracy_propagated=float(point["accuracy_propagated"])))
        confidence = np.asarray(arrays.get("confidence", np.full(asked.size, np.nan)), float)
        predicted = np.asarray(arrays.get("predicted", np.full(asked.size, -1)), np.int64)
        if confidence.shape != asked.shape or predicted.shape != asked.shape:
            raise DataError(f"'{npz_path.name}' is inconsistent")
        return dict(hand=hand.astype(np.int64), asked=asked, confidence=confidence,
                    predicted=predicted, history=history,
                    percentile=int(meta.get("percentile", 25)),
                    mode=str(meta.get("mode", "representatives")),
                    representatives=[int(i) for i in meta.get("representatives", [])]), None
    except (DataError, KeyError, TypeError, ValueError) as exc:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        moved = []
        for path in (json_path, npz_path):
            if path.exists():
                aside = path.with_name(f"{path.name}.unreadable-{stamp}")
                try:
                    path.replace(aside)
                    moved.append(aside.name)
                except OSError:
                    pass
        where = f" They were kept as {' and '.join(moved)} in {folder}." if moved else ""
        return None, (f"Your saved digit labels could not be read ({exc}).{where} "
                      f"The page starts without labels.")


# --------------------------------------------------------------------------- undo


class SetLabels(QUndoCommand):
    """Give some training digits new hand labels (-1: none)."""

    def __init__(self, page: DigitsLabellingPage, indices, labels, text: str):
        super().__init__(text)
        self.page = page
        self.indices = np.asarray(indices, dtype=np.int64)
        self.new = np.broadcast_to(np.asarray(labels, dtype=np.int64), self.indices.shape).copy()
        self.old = page.hand[self.indices].copy()

    def redo(self) -> None:
        self.page._apply_labels(self.indices, self.new)

    def undo(self) -> None:
        # in reverse, so a digit shown twice gets its first old label back
        self.page._apply_labels(self.indices[::-1], self.old[::-1])


# --------------------------------------------------------------------------- the page


class DigitsLabellingPage(Page):
    name = "digits-labelling"
    title = "Digits: labelling"

    def __init__(self, ctx, parent=None):
        super().__init__(ctx, parent)
        self.split: DigitsSplit | None = None
        self.reps: Representatives | None = None
        self.random_acc = float("nan")
        self.full_acc = float("nan")
        self.hand = np.zeros(0, dtype=np.int64)
        self.mode = "representatives"
        self.asked = np.zeros(0, dtype=np.int64)
        self.asked_confidence = np.zeros(0)
        self.asked_predicted = np.zeros(0, dtype=np.int64)
        self.history: list[dict] = []
        self._label_cache: dict[bytes, dict] = {}
        self._partial_cache: dict[tuple[bytes, int], dict] = {}
        self._save_error_shown = False
        self._bar_values = [float("nan")] * 4
        self._percentile_dirty = False
        self.folder = app_settings.data_dir()
        self._saved, self._load_error = read_saved(self.folder)

        self.undo_stack = QUndoStack(self)
        self._build()
        self._results_timer = QTimer(self)
        self._results_timer.setSingleShot(True)
        self._results_timer.timeout.connect(self._compute_results)
        if self._saved is not None:
            self.percentile_slider.setValue(int(np.clip(self._saved["percentile"], 1, 100)))

    # -- widgets ---------------------------------------------------------------------------------
    def _build(self) -> None:
        # labelling panel
        label_box, form = panel("Label the representatives")
        self.counter = QLabel("0 of 50 labelled")
        self.counter.setStyleSheet("font-size: 15px; font-weight: bold;")
        self.counter.setToolTip("How many of the 50 representative digits have your label")
        form.addRow(self.counter)
        self.total_label = info_label("")
        self.total_label.setVisible(False)
        form.addRow(self.total_label)
        form.addRow(info_label(
            "Click a digit (or use the arrow keys) and type 0–9, or click a digit in the "
            "palette. Backspace removes a label."))
        self.undo_action = QAction("Undo", self)
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.undo_action.triggered.connect(self.undo_stack.undo)
        self.redo_action = QAction("Redo", self)
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        self.redo_action.triggered.connect(self.undo_stack.redo)
        for action in (self.undo_action, self.redo_action):
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.setEnabled(False)
            self.addAction(action)
        self.undo_button = QPushButton("Undo")
        self.undo_button.clicked.connect(self.undo_stack.undo)
        self.redo_button = QPushButton("Redo")
        self.redo_button.clicked.connect(self.undo_stack.redo)
        for w in (self.undo_action, self.undo_button):
            self.undo_stack.canUndoChanged.connect(w.setEnabled)
            w.setEnabled(False)
        for w in (self.redo_action, self.redo_button):
            self.undo_stack.canRedoChanged.connect(w.setEnabled)
            w.setEnabled(False)
        self.undo_stack.undoTextChanged.connect(
            lambda t: self.undo_button.setToolTip(f"Undo: {t} (Ctrl+Z)" if t else
                                                  "Nothing to undo (Ctrl+Z)"))
        self.undo_stack.redoTextChanged.connect(
            lambda t: self.redo_button.setToolTip(f"Redo: {t} (Ctrl+Shift+Z)" if t else
                                                  "Nothing to redo (Ctrl+Shift+Z)"))
        self.undo_button.setToolTip("Undo the last labelling (Ctrl+Z)")
        self.redo_button.setToolTip("Redo what you undid (Ctrl+Shift+Z)")
        form.addRow(hbox(self.undo_button, self.redo_button))
        self.clear_button = QPushButton("Clear these labels")
        self.clear_button.setToolTip("Remove the labels of the digits shown in the gallery "
                                     "(undoable)")
        self.clear_button.clicked.connect(self.clear_shown)
        form.addRow(self.clear_button)

        demo_box, demo_form = panel("Demo shortcuts")
        self.fill_truth_button = QPushButton("Fill from ground truth")
        self.fill_truth_button.setToolTip(
            "DEMO SHORTCUT: label the digits shown with their true labels (y_train) instead "
            "of typing them. Undoable.")
        self.fill_truth_button.clicked.connect(self.fill_from_truth)
        demo_form.addRow(self.fill_truth_button)
        self.fill_chapter_button = QPushButton("Fill with the chapter's labels")
        self.fill_chapter_button.setToolTip(
            "DEMO SHORTCUT: the 50 labels the chapter's author typed (one differs from the "
            "truth); they give exactly the chapter's printed accuracies. Undoable.")
        self.fill_chapter_button.clicked.connect(self.fill_from_chapter)
        demo_form.addRow(self.fill_chapter_button)
        self.truth_check = QCheckBox("Check my labels against the truth")
        self.truth_check.setToolTip("Mark the digits whose label differs from the true label "
                                    "(red frame, with the truth below)")
        self.truth_check.toggled.connect(self._refresh_truth)
        demo_form.addRow(self.truth_check)
        self.mistakes_label = info_label("")
        self.mistakes_label.setTextFormat(Qt.TextFormat.RichText)
        self.mistakes_label.setWordWrap(False)
        self.mistakes_label.setStyleSheet("color: #b3261e;")
        demo_form.addRow(self.mistakes_label)
        self.export_button = QPushButton("Export labels…")
        self.export_button.setToolTip("Save every labelled training digit as CSV: index, "
                                      "label, source (hand or propagated)")
        self.export_button.clicked.connect(self._export_dialog)
        demo_form.addRow(self.export_button)

        # results panel
        results_box, results_form = panel("Results")
        self.results_label = info_label("Label all 50 representatives to see the results.")
        self.results_label.setTextFormat(Qt.TextFormat.RichText)
        self.results_label.setWordWrap(False)
        self.results_label.setToolTip(
            "Test accuracy of LogisticRegression(max_iter=10_000, random_state=42) trained on "
            "each set. With the chapter's typed labels (Demo shortcuts) these are the "
            "chapter's printed numbers: 0.8267, 0.9289, 0.9378, 0.9422 (at 25) and 99.4 %.")
        results_form.addRow(self.results_label)
        self.percentile_slider = QSlider(Qt.Orientation.Horizontal)
        self.percentile_slider.setRange(1, 100)
        self.percentile_slider.setValue(25)
        self.percentile_slider.setToolTip(
            "Partial propagation keeps, in each cluster, the instances whose distance to the "
            "centroid is at most this percentile of the cluster's distances (the chapter: 25)")
        self.percentile_value = QLabel("keep the 25 % closest")
        self.percentile_slider.valueChanged.connect(self._percentile_changed)
        results_form.addRow("Partial:", self.percentile_value)
        results_form.addRow(self.percentile_slider)

        # active learning panel
        al_box, al_form = panel("Active learning")
        self.n_ask_spin = QSpinBox()
        self.n_ask_spin.setRange(1, 50)
        self.n_ask_spin.setValue(10)
        self.n_ask_spin.setToolTip("How many digits the model asks you about each round")
        al_form.addRow("Ask about:", self.n_ask_spin)
        self.distinct_check = QCheckBox("One per cluster")
        self.distinct_check.setChecked(True)
        self.distinct_check.setToolTip("Pick the uncertain digits in distinct clusters when "
                                       "possible (the chapter's advice)")
        al_form.addRow(self.distinct_check)
        self.ask_button = QPushButton("Ask me")
        self.ask_button.setToolTip("Train on your hand labels and show the digits the model is "
                                   "least sure about, for you to label")
        self.ask_button.clicked.connect(self.ask)
        self.retrain_button = QPushButton("Retrain")
        self.retrain_button.setToolTip("Train again on all your hand labels and add the "
                                       "accuracy to the curve")
        self.retrain_button.clicked.connect(self.retrain)
        al_form.addRow(hbox(self.ask_button, self.retrain_button))
        self.al_label = info_label("Label the 50 representatives first.")
        al_form.addRow(self.al_label)
        self.reset_curve_button = QPushButton("Reset the curve")
        self.reset_curve_button.setToolTip("Forget the recorded rounds (your labels stay)")
        self.reset_curve_button.clicked.connect(self.reset_curve)
        al_form.addRow(self.reset_curve_button)

        # centre: view chooser, gallery, palette, charts
        self.view_combo = QComboBox()
        self.view_combo.addItem("The 50 representatives", "representatives")
        self.view_combo.addItem("Asked by the model", "asked")
        self.view_combo.setToolTip("Which digits the gallery shows")
        self.view_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.view_combo.currentIndexChanged.connect(
            lambda _i: self.set_mode(self.view_combo.currentData()))
        self.view_hint = QLabel("")
        self.view_hint.setStyleSheet("color: #3c4650;")
        self.gallery = DigitGallery(columns=10)
        self.gallery.label_typed.connect(self._label_typed)
        self.gallery.clear_requested.connect(lambda tile: self.set_label(tile, -1))
        self.palette = DigitPalette()
        self.palette.digit_clicked.connect(
            lambda d: self._label_typed(self.gallery.current(), d))
        self.palette.clear_clicked.connect(lambda: self.set_label(self.gallery.current(), -1))

        # horizontal bars: the names fit on the left axis however narrow the chart is
        self.bar_plot = make_plot(None, "test accuracy", None)
        self.bar_plot.setToolTip("Test accuracy of LogisticRegression trained on each set; the "
                                 "dashed line: trained on the whole training set with its true "
                                 "labels")
        self.bar_plot.setMouseEnabled(x=False, y=False)
        self.bar_plot.setTitle("Test accuracy")
        self.bar_plot.plotItem.showGrid(x=True, y=False, alpha=0.2)
        self.bars = pg.BarGraphItem(x0=np.zeros(4), width=np.zeros(4), y=BAR_Y, height=0.62,
                                    brushes=[pg.mkBrush(c) for c in BAR_COLORS])
        self.bar_plot.addItem(self.bars)
        self.bar_texts = []
        for y in BAR_Y:
            t = pg.TextItem("", anchor=(1.0, 0.5), color="w")
            t.setPos(0.6, y)
            self.bar_plot.addItem(t)
            self.bar_texts.append(t)
        self.full_line = pg.InfiniteLine(
            angle=90, pos=1.0, pen=pg.mkPen("#555", width=1, style=Qt.PenStyle.DashLine),
            label="all labels {value:.4f}", labelOpts=dict(position=0.96, color="#555",
                                               anchors=[(1, 0), (1, 0)]))
        self.full_line.setVisible(False)
        self.bar_plot.addItem(self.full_line)
        self.bar_plot.setYRange(-0.5, 3.9, padding=0)
        self.bar_plot.setXRange(0.6, 1.0, padding=0)
        self._set_bar_ticks(25)

        self.curve_plot = make_plot("Active learning", "hand labels", "accuracy")
        self.curve_plot.setToolTip("Test accuracy after each round against the number of hand "
                                   "labels: trained on the hand labels alone, and on top of "
                                   "the propagated labels")
        self.curve_plot.addLegend(offset=(-10, -10))
        self.curve_hand = self.curve_plot.plot(
            [], [], pen=pg.mkPen("#1f77b4", width=2), symbol="o", symbolSize=7,
            symbolBrush="#1f77b4", name="hand labels only")
        self.curve_prop = self.curve_plot.plot(
            [], [], pen=pg.mkPen("#2ca02c", width=2), symbol="s", symbolSize=7,
            symbolBrush="#2ca02c", name="+ propagated")
        self.curve_plot.setYRange(0.8, 1.0, padding=0.02)
        self.curve_plot.setXRange(45, 105, padding=0)
        self.curve_empty = pg.TextItem("Ask me, label, Retrain:\nthe rounds appear here",
                                       anchor=(0.5, 0.5), color="#777")
        self.curve_empty.setPos(75, 0.9)
        self.curve_plot.addItem(self.curve_empty)

        charts = QSplitter(Qt.Orientation.Horizontal)
        charts.addWidget(self.bar_plot)
        charts.addWidget(self.curve_plot)
        charts.setChildrenCollapsible(False)

        self.central = QWidget()
        column = QVBoxLayout(self.central)
        column.setContentsMargins(4, 4, 4, 4)
        top = QHBoxLayout()
        top.addWidget(self.view_combo)
        top.addWidget(self.view_hint, 1)
        column.addLayout(top)
        column.addWidget(self.gallery, 5)
        column.addWidget(self.palette)
        column.addWidget(charts, 4)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(side_panel(label_box, results_box, al_box, demo_box))
        layout.addWidget(self.central, 1)
        self._update_controls()

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> None:
        if self._load_error:
            self.ctx.show_message(self._load_error, "warning")
        self.run_task(prepare, key="prepare", description="Clustering the digits…",
                      on_result=self._prepared, on_error=self._prepare_failed)

    def _prepare_failed(self, exc: BaseException) -> None:
        self.gallery.set_placeholder("The digits could not be prepared.")
        self.ctx.show_message(f"The digits could not be prepared: {exc}", "error")

    def _prepared(self, result: Prepared) -> None:
        self.split, self.reps = result.split, result.reps
        self.random_acc, self.full_acc = result.random, result.full
        n = len(self.split.X_train)
        self.hand = np.full(n, -1, dtype=np.int64)
        saved = self._saved
        if saved is not None:
            if saved["hand"].size == n:
                self.hand = saved["hand"].copy()
                self.asked = saved["asked"]
                self.asked_confidence = saved["confidence"]
                self.asked_predicted = saved["predicted"]
                self.history = saved["history"]
                if saved["representatives"] and \
                        saved["representatives"] != self.reps.indices.tolist():
                    self.ctx.show_message(
                        "Your saved labels were made with a different clustering of the "
                        "digits; they are kept for the same digits, but some representatives "
                        "may now be unlabelled.", "warning")
            else:
                self.ctx.show_message(
                    f"Your saved digit labels are for {saved['hand'].size} training digits, "
                    f"not {n}; the page starts without labels (the file is left as it is "
                    f"until you label a digit).", "warning")
        mode = saved["mode"] if saved is not None and self.asked.size else "representatives"
        self._saved = None
        self._refresh_history()
        self.set_mode(mode, force=True)
        self._labels_changed(save=False)
        # drawn once the side panel has laid out the new texts (a few event-loop turns)
        QTimer.singleShot(60, self.mark_drawn)

    def shutdown(self) -> None:
        self._results_timer.stop()

    # -- what is shown -------------------------------------------------------------------------
    def tile_indices(self) -> np.ndarray:
        """Training-set indices of the digits in the gallery, tile by tile."""
        if self.reps is None:
            return np.zeros(0, dtype=np.int64)
        return self.reps.indices if self.mode == "representatives" else self.asked

    def set_mode(self, mode: str, force: bool = False) -> None:
        if mode == "asked" and not self.asked.size:
            mode = "representatives"
        if mode == self.mode and not force:
            return
        self.mode = mode
        self.view_combo.blockSignals(True)
        self.view_combo.setCurrentIndex(0 if mode == "representatives" else 1)
        self.view_combo.blockSignals(False)
        if self.reps is None:
            return
        idx = self.tile_indices()
        images = self.split.X_train[idx].reshape(-1, 8, 8)
        if mode == "representatives":
            sizes = self.reps.cluster_sizes
            captions = [f"n={sizes[i]}" for i in range(len(idx))]
            tips = [f"Representative of cluster {i + 1}: the digit closest to its centroid. "
                    f"The cluster holds {sizes[i]} training digits (training index {j})."
                    for i, j in enumerate(idx)]
            self.view_hint.setText("Each digit is the one closest to a K-Means centroid; "
                                   "n = its cluster's size.")
        else:
            captions = [f"p={c:.2f}" for c in self.asked_confidence]
            tips = [f"Training digit {j}: the model says {p} with {c:.0%} confidence."
                    for j, p, c in zip(idx, self.asked_predicted, self.asked_confidence)]
            self.view_hint.setText("The digits the model was least sure about; "
                                   "p = its confidence.")
        self.gallery.set_columns(10 if len(idx) > 20 else 5)
        self.gallery.set_items(images, captions, tips)
        self.gallery.set_labels(self.hand[idx])
        self._refresh_truth()
        self._update_controls()
        self.code_changed.emit()

    def rep_labels(self) -> np.ndarray:
        return self.hand[self.reps.indices] if self.reps is not None else np.zeros(0, np.int64)

    def n_labelled(self) -> int:
        return int((self.rep_labels() >= 0).sum())

    def all_labelled(self) -> bool:
        return self.reps is not None and self.n_labelled() == N_CLUSTERS

    # -- labelling -----------------------------------------------------------------------------
    def _label_typed(self, tile: int, digit: int) -> None:
        if tile < 0 or self.reps is None:
            return
        self.set_label(tile, digit)
        if tile + 1 < self.gallery.count():
            self.gallery.set_current(tile + 1)

    def set_label(self, tile: int, digit: int) -> None:
        """Label the digit on ``tile`` (-1 removes the label); undoable."""
        idx = self.tile_indices()
        if not 0 <= tile < len(idx):
            return
        j = int(idx[tile])
        if self.hand[j] == digit:
            return
        what = f"label digit {tile + 1} as {digit}" if digit >= 0 else f"clear digit {tile + 1}"
        self.undo_stack.push(SetLabels(self, [j], [digit], what))

    def fill_from_truth(self) -> None:
        """Demo shortcut: label the digits shown with their true labels (one undo step)."""
        idx = self.tile_indices()
        if idx.size:
            self.undo_stack.push(SetLabels(self, idx, self.split.y_train[idx],
                                           "fill from ground truth"))

    def fill_from_chapter(self) -> None:
        """Demo shortcut: the labels the chapter's author typed for the 50 representatives."""
        if self.reps is None:
            return
        self.set_mode("representatives")
        self.undo_stack.push(SetLabels(self, self.reps.indices, CHAPTER_REPRESENTATIVE_LABELS,
                                       "fill with the chapter's labels"))

    def clear_shown(self) -> None:
        idx = self.tile_indices()
        if idx.size and (self.hand[idx] >= 0).any():
            self.undo_stack.push(SetLabels(self, idx, -1, "clear labels"))

    def _apply_labels(self, indices: np.ndarray, labels: np.ndarray) -> None:
        self.hand[indices] = labels
        self._labels_changed()
        if self.isVisible():
            self.gallery.setFocus()  # typing goes on in the gallery after a button

    def _labels_changed(self, save: bool = True) -> None:
        if self.reps is None:
            return
        self.gallery.set_labels(self.hand[self.tile_indices()])
        n = self.n_labelled()
        self.counter.setText(f"{n} of {N_CLUSTERS} labelled")
        total = int((self.hand >= 0).sum())
        extra = total - n
        self.total_label.setText(
            f"{total} hand labels in all ({extra} from active learning)." if extra else "")
        self.total_label.setVisible(bool(extra))
        self._refresh_truth()
        if save:
            self.save()
        self._show_results()
        if self.all_labelled():
            self._results_timer.start(120)
        self._update_controls()
        self.code_changed.emit()

    def _refresh_truth(self) -> None:
        if self.reps is None:
            return
        idx = self.tile_indices()
        on = self.truth_check.isChecked()
        self.gallery.set_truth(self.split.y_train[idx] if on else None)
        if not on:
            self.mistakes_label.setText("")
            return
        labelled = np.flatnonzero(self.hand >= 0)
        wrong = labelled[self.hand[labelled] != self.split.y_train[labelled]]
        if not labelled.size:
            self.mistakes_label.setText("No labels to check yet.")
        elif not wrong.size:
            self.mistakes_label.setStyleSheet("color: #1b5e20;")
            self.mistakes_label.setText(f"All {labelled.size} of your labels are right.")

        else:
            self.mistakes_label.setStyleSheet("color: #b3261e;")
            rep_pos = {int(j): i for i, j in enumerate(self.reps.indices)}
            items = []
            for j in wrong[:8]:
                where = (f"representative {rep_pos[int(j)] + 1}" if int(j) in rep_pos
                         else f"digit {int(j)}")
                items.append(f"{where}: you {self.hand[j]}, truth {self.split.y_train[j]}")
            more = "<br>…" if wrong.size > 8 else ""
            self.mistakes_label.setText(
                f"{wrong.size} of your {labelled.size} labels differ<br>from the truth:<br>"
                + "<br>".join(items) + more)

    def _update_controls(self) -> None:
        ready = self.reps is not None
        complete = self.all_labelled()
        for w in (self.fill_truth_button, self.fill_chapter_button, self.clear_button,
                  self.truth_check, self.export_button, self.palette, self.gallery):
            w.setEnabled(ready)
        self.ask_button.setEnabled(complete)
        self.retrain_button.setEnabled(complete)
        self.reset_curve_button.setEnabled(bool(self.history))
        self.percentile_slider.setEnabled(ready)
        model = self.view_combo.model()
        model.item(1).setEnabled(bool(self.asked.size))
        self.view_combo.setItemText(1, f"Asked by the model ({self.asked.size})"
                                    if self.asked.size else "Asked by the model")
        if not ready:
            return
        if not complete:
            self.al_label.setText("Label all 50 representatives first.")
        elif self.mode == "asked":
            todo = int((self.hand[self.asked] < 0).sum())
            self.al_label.setText(
                f"{todo} of the {self.asked.size} asked digits still to label."
                if todo else "All asked digits are labelled: press Retrain, then Ask me again.")
        elif not self.history:
            self.al_label.setText("Press Ask me: the model shows the digits it is least sure "
                                  "about.")

    # -- results ---------------------------------------------------------------------------------
    def _percentile_changed(self, value: int) -> None:
        self.percentile_value.setText(f"keep the {value} % closest")
        self._percentile_dirty = True
        self._show_results()
        self._results_timer.start(250)  # debounced: the drag settles first

    def _compute_results(self) -> None:
        if self._percentile_dirty:  # saved once the slider settled, not on every step
            self._percentile_dirty = False
            self.save()
        if not self.all_labelled():
            return
        labels = self.rep_labels().copy()
        key = labels.tobytes()
        pct = self.percentile_slider.value()
        if key in self._label_cache and (key, pct) in self._partial_cache:
            self._show_results()
            return
        self.run_task(compute_results, self.split, self.reps, labels, pct,
                      key not in self._label_cache, key="results",
                      description="Training the classifiers…",
                      on_result=lambda r, k=key, p=pct: self._results_ready(k, p, r),
                      on_error=lambda e: self.ctx.show_message(str(e), "error"))

    def _results_ready(self, key: bytes, pct: int, result: dict) -> None:
        if "representatives" in result:
            self._label_cache[key] = {k: result[k] for k in
                                      ("representatives", "propagated", "propagated_correct")}
        self._partial_cache[(key, pct)] = {k: result[k] for k in
                                           ("partial", "partial_correct", "n_partial")}
        self._show_results()

    def current_results(self) -> dict | None:
        """The numbers for the current labels and percentile, if computed."""
        if not self.all_labelled():
            return None
        key = self.rep_labels().tobytes()
        pct = self.percentile_slider.value()
        if key not in self._label_cache or (key, pct) not in self._partial_cache:
            return None
        return {"random": self.random_acc, "full": self.full_acc, "percentile": pct,
                **self._label_cache[key], **self._partial_cache[(key, pct)]}

    def bar_values(self) -> np.ndarray:
        """The bar heights shown (NaN: not computed)."""
        return np.asarray(self._bar_values, dtype=float).copy()

    def _show_results(self) -> None:
        res = self.current_results()
        values = [self.random_acc, np.nan, np.nan, np.nan]
        if res is not None:
            values = [res["random"], res["representatives"], res["propagated"], res["partial"]]
        elif self.all_labelled():
            values = list(self._bar_values)  # keep the last numbers while the new ones come
            values[0] = self.random_acc
        self._bar_values = values
        widths = np.nan_to_num(np.asarray(values, dtype=float), nan=0.0)
        self.bars.setOpts(x0=np.zeros(4), width=widths, y=BAR_Y, height=0.62)
        for t, v, y in zip(self.bar_texts, values, BAR_Y):
            t.setText("" if np.isnan(v) else f"{v:.4f}")
            t.setPos(max(v, 0.6) - 0.003 if not np.isnan(v) else 0.6, y)
        if not np.isnan(self.full_acc):
            self.full_line.setVisible(True)
            self.full_line.setPos(self.full_acc)
            self.full_line.label.valueChanged()
        self._set_bar_ticks(self.percentile_slider.value())
        def cell(key: str) -> str:
            if res is None:
                return "—"
            return f"<b>{res[key]:.4f}</b>"

        random = f"<b>{self.random_acc:.4f}</b>" if not np.isnan(self.random_acc) else "—"
        full = f"{self.full_acc:.4f}" if not np.isnan(self.full_acc) else "—"
        n_part = f"{res['n_partial']} closest" if res is not None else "closest only"
        if res is not None:
            footer = ("Propagated labels that are right:<br>"
                      f"<b>{res['propagated_correct']:.1%}</b> of all, "
                      f"<b>{res['partial_correct']:.1%}</b> of the partial.")
        elif self.n_labelled() < N_CLUSTERS:
            footer = (f"Label all 50 representatives to see<br>the results "
                      f"({N_CLUSTERS - self.n_labelled()} to go).")
        else:
            footer = "<i>Training the classifiers…</i><br>&nbsp;"
        self.results_label.setText(
            "<table cellspacing=2>"
            f"<tr><td>50 random labelled digits</td><td>{random}</td></tr>"
            f"<tr><td>50 labelled representatives</td><td>{cell('representatives')}</td></tr>"
            f"<tr><td>propagated to all {len(self.hand)}</td><td>{cell('propagated')}</td></tr>"
            f"<tr><td>partial: {n_part}</td><td>{cell('partial')}</td></tr>"
            f"<tr><td>all true labels (reference)</td><td>{full}</td></tr>"
            "</table>" + footer)

    def _set_bar_ticks(self, pct: int) -> None:
        names = ("50 random", "50 reps", "propagated", f"partial {pct}%")
        self.bar_plot.getAxis("left").setTicks([list(zip(BAR_Y.tolist(), names))])

    # -- active learning ------------------------------------------------------------------------
    def ask(self) -> None:
        """Train on the hand labels and show the least certain digits for labelling."""
        self._train(ask=True)

    def retrain(self) -> None:
        """Train on every hand label and record the accuracy on the curve."""
        self._train(ask=False)

    def _train(self, ask: bool) -> None:
        if not self.all_labelled():
            self.ctx.show_message("Label all 50 representatives before active learning.",
                                  "warning")
            return
        self.al_label.setText("Training…")
        self.run_task(train_round, self.split, self.reps, self.hand.copy(),
                      self.n_ask_spin.value(), self.distinct_check.isChecked(), ask,
                      key="active-learning",
                      description="Asking the model…" if ask else "Retraining…",
                      on_result=self._round_ready, on_error=self._round_failed)

    def _round_failed(self, exc: BaseException) -> None:
        self.ctx.show_message(str(exc), "error" if not isinstance(exc, DataError) else "warning")
        self._update_controls()

    def _round_ready(self, result: dict) -> None:
        point = {k: result[k] for k in ("n_labels", "accuracy", "accuracy_propagated")}
        if self.history and self.history[-1]["n_labels"] == point["n_labels"]:
            self.history[-1] = point
        else:
            self.history.append(point)
        if "asked" in result:
            self.asked = np.asarray(result["asked"], dtype=np.int64)
            self.asked_confidence = np.asarray(result["confidence"], dtype=float)
            self.asked_predicted = np.asarray(result["predicted"], dtype=np.int64)
            self.set_mode("asked", force=True)
        self._refresh_history()
        self.save()
        self._update_controls()
        if "asked" not in result:
            self.al_label.setText(
                f"Retrained on {point['n_labels']} hand labels: accuracy "
                f"{point['accuracy']:.4f} ({point['accuracy_propagated']:.4f} with the "
                f"propagated labels). Press Ask me for more.")
        self.gallery.setFocus()
        self.code_changed.emit()

    def _refresh_history(self) -> None:
        xs = np.array([p["n_labels"] for p in self.history], dtype=float)
        self.curve_hand.setData(xs, np.array([p["accuracy"] for p in self.history]))
        self.curve_prop.setData(xs, np.array([p["accuracy_propagated"] for p in self.history]))
        self.curve_empty.setVisible(not self.history)
        if self.history:
            ys = [p[k] for p in self.history for k in ("accuracy", "accuracy_propagated")]
            self.curve_plot.setYRange(min(0.85, min(ys) - 0.01), 1.0, padding=0.02)
            self.curve_plot.setXRange(min(xs) - 5, max(xs) + 5, padding=0)
        self._update_controls()

    def reset_curve(self) -> None:
        self.history = []
        self._refresh_history()
        self.save()

    # -- persistence ------------------------------------------------------------------------------
    def save(self) -> None:
        """Save the labels (npz) and the session (JSON) atomically in the data folder."""
        if self.reps is None:
            return
        json_path, npz_path = save_paths(self.folder)
        meta = dict(format=FORMAT, version=VERSION, n_train=int(self.hand.size),
                    n_clusters=N_CLUSTERS, random_state=42,
                    representatives=self.reps.indices.tolist(), history=self.history,
                    percentile=self.percentile_slider.value(), mode=self.mode,
                    saved=time.strftime("%Y-%m-%d %H:%M:%S"))
        try:
            save_arrays(npz_path, hand=self.hand.astype(np.int16), asked=self.asked,
                        confidence=self.asked_confidence, predicted=self.asked_predicted)
            save_json(json_path, meta)
        except OSError as exc:
            if not self._save_error_shown:
                self._save_error_shown = True
                self.ctx.show_message(f"Your labels could not be saved in {self.folder}: "
                                      f"{exc.strerror or exc}.", "error")

    def export_rows(self) -> list[tuple[int, int, str, int]]:
        """(index in X_train, label, "hand"/"propagated", row in load_digits()) rows."""
        if self.reps is None:
            return []
        prop = (propagate(self.reps.cluster_labels, self.rep_labels())
                if self.all_labelled() else None)
        rows = []
        for i in range(self.hand.size):
            if self.hand[i] >= 0:
                rows.append((i, int(self.hand[i]), "hand", int(self.split.train_index[i])))
            elif prop is not None:
                rows.append((i, int(prop[i]), "propagated", int(self.split.train_index[i])))
        return rows

    def export_labels(self, path: str) -> None:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(["index", "label", "source", "digits_index"])
        writer.writerows(self.export_rows())
        try:
            atomic_write_bytes(path, buf.getvalue().encode("utf-8"))
        except OSError as exc:
            self.ctx.show_message(f"Could not save '{path}': {exc.strerror or exc}", "error")
            return
        self.ctx.show_message(f"Saved {len(self.export_rows())} labels to {Path(path).name}.",
                              "info")

    def _export_dialog(self) -> None:
        if self.reps is None:
            return
        start = str(Path.home() / "digit-labels.csv")
        path, _ = QFileDialog.getSaveFileName(self, "Export labels", start, "CSV (*.csv)")
        if path:
            self.export_labels(path)

    # -- window hooks -----------------------------------------------------------------------------
    def export_widget(self):
        return self.central

    def export_table(self):
        if self.reps is None:
            return None
        rows = [["50 random labelled digits", N_CLUSTERS, self.random_acc]]
        res = self.current_results()
        if res is not None:
            rows += [["50 labelled representatives", N_CLUSTERS, res["representatives"]],
                     ["labels propagated to all", int(self.hand.size), res["propagated"]],
                     [f"partial propagation ({res['percentile']}th percentile)",
                      res["n_partial"], res["partial"]]]
        rows.append(["whole training set, true labels", int(self.hand.size), self.full_acc])
        for i, p in enumerate(self.history):
            rows.append([f"active learning round {i + 1}, hand labels only", p["n_labels"],
                         p["accuracy"]])
            rows.append([f"active learning round {i + 1}, with propagated labels",
                         int(self.hand.size), p["accuracy_propagated"]])
        return ["experiment", "training instances", "test accuracy"], rows

    def code(self) -> str:
        labels = self.rep_labels()
        if labels.size:
            rows = [", ".join(str(int(v)) for v in labels[i:i + 10]) for i in range(0, 50, 10)]
            y_code = "np.array([\n    " + ",\n    ".join(rows) + "\n])"
        else:
            y_code = "np.array([...])  # your 50 labels"
        missing = ("" if self.all_labelled() else
                   "# -1 = not labelled yet: label them all before training\n")
        pct = self.percentile_slider.value()
        code = f"""\
import numpy as np
from sklearn.cluster import KMeans
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

X_digits, y_digits = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X_digits, y_digits, random_state=42)

def score(X, y):
    log_reg = LogisticRegression(max_iter=10_000, random_state=42)
    return log_reg.fit(X, y).score(X_test, y_test)

print("50 random:", score(X_train[:50], y_train[:50]))

k = 50
kmeans = KMeans(n_clusters=k, random_state=42)
X_digits_dist = kmeans.fit_transform(X_train)
representative_digit_idx = X_digits_dist.argmin(axis=0)  # the closest digit to each centroid
X_representative_digits = X_train[representative_digit_idx]

y_representative_digits = {y_code}
{missing}print("representatives:", score(X_representative_digits, y_representative_digits))

y_train_propagated = y_representative_digits[kmeans.labels_]
print("propagated:", score(X_train, y_train_propagated))

percentile_closest = {pct}
X_cluster_dist = X_digits_dist[np.arange(len(X_train)), kmeans.labels_]
partially_propagated = np.zeros(len(X_train), dtype=bool)
for i in range(k):
    in_cluster = kmeans.labels_ == i
    cutoff_distance = np.percentile(X_cluster_dist[in_cluster], percentile_closest)
    partially_propagated |= in_cluster & (X_cluster_dist <= cutoff_distance)
print("partial:", score(X_train[partially_propagated],
                        y_train_propagated[partially_propagated]))
print("right labels:", (y_train_propagated[partially_propagated]
                        == y_train[partially_propagated]).mean())
"""
        extra = np.flatnonzero(self.hand >= 0)
        if self.reps is not None:
            extra = np.setdiff1d(extra, self.reps.indices)
        n_ask = self.n_ask_spin.value()
        extra_idx = ", ".join(str(int(i)) for i in extra)
        extra_labels = ", ".join(str(int(self.hand[i])) for i in extra)
        code += f"""
# active learning: label the {n_ask} digits the model is least sure about, then retrain
extra_idx = np.array([{extra_idx}], dtype=int)  # the digits you labelled when asked
extra_labels = np.array([{extra_labels}], dtype=int)
hand_idx = np.r_[representative_digit_idx, extra_idx]
hand_labels = np.r_[y_representative_digits, extra_labels]
log_reg = LogisticRegression(max_iter=10_000, random_state=42).fit(X_train[hand_idx],
                                                                   hand_labels)
pool = np.setdiff1d(np.arange(len(X_train)), hand_idx)
certainty = log_reg.predict_proba(X_train[pool]).max(axis=1)
ask = pool[np.argsort(certainty)[:{n_ask}]]  # show X_train[ask] to a person
"""
        return code
