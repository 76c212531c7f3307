"""A hand-labelling session of the chapter's digits, as one frozen object.

:class:`LabellingSession` holds the chapter's split, its 50 representatives,
the labels a person gave (``-1``: none), the digits the model asked about
(with its confidence and prediction) and the rounds of active learning. It
never changes: labels go in with :meth:`~LabellingSession.with_label` /
:meth:`~LabellingSession.with_labels`, a training round with
:meth:`~LabellingSession.train_round`, and each returns a new session. The
numbers come out of :meth:`~LabellingSession.results` (the chapter's
comparison, as in :func:`core.semisupervised.study`).

The labels are a person's work: :meth:`~LabellingSession.save` writes them
atomically (JSON + ``.npz``, never pickled) and :meth:`~LabellingSession.load`
reads them back, including the files ClusterLab 0.1.0 wrote (version 1).

>>> from core.labelling import LabellingSession
>>> s = LabellingSession.new()                      # split + K-Means(50), a few seconds
>>> s = s.with_labels(s.reps.indices, s.split.y_train[s.reps.indices])
>>> s.results(percentile=25).partial
>>> s = s.train_round(n_ask=10)                     # ask about 10 more digits
>>> s.save(folder); LabellingSession.load(folder, base=s)
"""

from __future__ import annotations

import json
import shutil
import time
import zipfile
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from core.errors import DataError
from core.progress import ProgressFn, report
from core.semisupervised import (
    DigitsSplit,
    Representatives,
    certainty,
    digits_split,
    evaluate,
    most_uncertain,
    partial_propagation,
    propagate,
    representatives,
    study,
    train,
)
from core.storage import atomic_write_bytes, json_bytes, load_arrays, save_arrays

FORMAT = "clusterlab-digits-labels"
#: 1: ClusterLab 0.1.0 (percentile and gallery mode inside the JSON); 2: labels only
VERSION = 2
SAVE_STEM = "digits-labels"
#: where the 0.1.0 files are copied before they are first overwritten by version 2
BACKUP_STEM = "digits-labels-0.1.0"
N_CLUSTERS = 50


def save_paths(folder: str | Path, stem: str = SAVE_STEM) -> tuple[Path, Path]:
    folder = Path(folder)
    return folder / f"{stem}.json", folder / f"{stem}.npz"


def _frozen(a, dtype) -> np.ndarray:
    a = np.array(a, dtype=dtype)
    a.setflags(write=False)
    return a


@dataclass(frozen=True)
class Round:
    """One round of active learning: test accuracy with ``n_labels`` hand labels, alone and
    on top of the propagated labels."""

    n_labels: int
    accuracy: float
    accuracy_propagated: float

    def to_json(self) -> dict:
        return dict(n_labels=self.n_labels, accuracy=self.accuracy,
                    accuracy_propagated=self.accuracy_propagated)


@dataclass(frozen=True, eq=False)
class Results:
    """The chapter's comparison for the representatives' labels ``rep_labels``.

    Test accuracies of the classifier trained on 50 random digits, the 50
    labelled representatives, every digit with its propagated label, and the
    digits within the ``percentile`` of their cluster (``n_partial`` of them);
    the share of right propagated labels (all, partial only); and the
    reference with every true label.
    """

    rep_labels: np.ndarray
    percentile: int
    random: float
    representatives: float
    propagated: float
    propagated_correct: float
    partial: float
    partial_correct: float
    n_partial: int
    full: float
    #: scikit-learn's warnings during the fits, as sentences (nothing reaches stderr)
    warnings: tuple[str, ...] = ()

    def same_labels(self, labels) -> bool:
        return np.array_equal(self.rep_labels, labels)


@dataclass(frozen=True, eq=False)
class LabellingSession:
    """The digits, their representatives, a person's labels and the active-learning rounds."""

    split: DigitsSplit
    reps: Representatives
    random: float  # test accuracy with the first 50 (shuffled, so random) training digits
    full: float  # test accuracy with every true label
    hand: np.ndarray  # a label 0-9 per training digit, -1: none
    asked: np.ndarray = field(default_factory=lambda: _frozen([], np.int64))
    confidence: np.ndarray = field(default_factory=lambda: _frozen([], float))
    predicted: np.ndarray = field(default_factory=lambda: _frozen([], np.int64))
    history: tuple[Round, ...] = ()

    # -- making one ----------------------------------------------------------------------------
    @classmethod
    def new(cls, n_clusters: int = N_CLUSTERS, random_state: int = 42,
            progress: ProgressFn | None = None) -> LabellingSession:
        """Split the digits, cluster them and score the two label-free references."""
        report(progress, 0.0)
        split = digits_split(random_state)
        report(progress, 0.2)
        reps = representatives(split.X_train, n_clusters=n_clusters, random_state=random_state)
        report(progress, 0.5)
        acc_random = evaluate(split.X_train[:n_clusters], split.y_train[:n_clusters],
                              split.X_test, split.y_test)
        report(progress, 0.7)
        full = evaluate(split.X_train, split.y_train, split.X_test, split.y_test)
        report(progress, 1.0)
        return cls(split, reps, acc_random, full, _frozen(np.full(len(split.X_train), -1),
                                                          np.int64))

    # -- what it holds ---------------------------------------------------------------------------
    @property
    def n_train(self) -> int:
        return int(self.hand.size)

    def rep_labels(self) -> np.ndarray:
        return self.hand[self.reps.indices]

    def n_labelled(self) -> int:
        """How many representatives have a label."""
        return int((self.rep_labels() >= 0).sum())

    def all_labelled(self) -> bool:
        return self.n_labelled() == self.reps.n_clusters

    def n_hand(self) -> int:
        """How many training digits have a hand label (representatives and asked ones)."""
        return int((self.hand >= 0).sum())

    def mistakes(self) -> np.ndarray:
        """The training digits whose hand label differs from the truth."""
        labelled = np.flatnonzero(self.hand >= 0)
        return labelled[self.hand[labelled] != self.split.y_train[labelled]]

    def hand_order(self) -> np.ndarray:
        """The hand-labelled digits in training order: the representatives (cluster order),
        then the other labelled digits by index, as in the Show code snippet (lbfgs' result
        depends slightly on the order of the rows)."""
        first = np.sort(np.unique(self.reps.indices, return_index=True)[1])
        rep_idx = self.reps.indices[first]
        rep_idx = rep_idx[self.hand[rep_idx] >= 0]
        others = np.setdiff1d(np.flatnonzero(self.hand >= 0), rep_idx)
        return np.r_[rep_idx, others].astype(np.int64)

    def label_table(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(index in X_train, label, is a hand label, row in load_digits()) of every labelled
        training digit: the hand labels, and the propagated ones once every representative
        has a label."""
        labels = self.hand.copy()
        if self.all_labelled():
            prop = propagate(self.reps.cluster_labels, self.rep_labels())
            labels = np.where(self.hand >= 0, self.hand, prop)
        idx = np.flatnonzero(labels >= 0)
        return idx, labels[idx], self.hand[idx] >= 0, self.split.train_index[idx]

    # -- labels in ---------------------------------------------------------------------------------
    def with_label(self, index: int, digit: int) -> LabellingSession:
        """The session with training digit ``index`` labelled ``digit`` (-1: no label)."""
        return self.with_labels([index], [digit])

    def with_labels(self, indices, labels) -> LabellingSession:
        """The session with new labels for some training digits (applied in order; -1 removes
        a label)."""
        idx = np.asarray(indices, dtype=np.int64).reshape(-1)
        lab = np.broadcast_to(np.asarray(labels, dtype=np.int64), idx.shape)
        if idx.size and (idx.min() < 0 or idx.max() >= self.n_train):
            raise DataError(f"There are {self.n_train} training digits; digit "
                            f"{int(idx.max() if idx.max() >= self.n_train else idx.min())} "
                            f"does not exist.")
        if lab.size and (lab.min() < -1 or lab.max() > 9):
            raise DataError("A digit's label is 0 to 9 (or none).")
        hand = self.hand.copy()
        hand[idx] = lab
        return replace(self, hand=_frozen(hand, np.int64))

    def with_hand_of(self, other: LabellingSession) -> LabellingSession:
        """This session with ``other``'s hand labels (labels given while a round trained)."""
        return replace(self, hand=other.hand)

    def without_history(self) -> LabellingSession:
        return replace(self, history=())

    # -- results out -------------------------------------------------------------------------------
    def results(self, percentile: float = 25, reuse: Results | None = None,
                progress: ProgressFn | None = None) -> Results:
        """The chapter's comparison for the current labels (every representative labelled).

        ``reuse``: earlier results for the same labels, whose label-only numbers are kept
        (only the partial propagation is computed again: the percentile slider)."""
        if not self.all_labelled():
            raise DataError(f"Label all {self.reps.n_clusters} representatives to see the "
                            f"results ({self.reps.n_clusters - self.n_labelled()} to go).")
        y_reps = self.rep_labels()
        if reuse is None or not reuse.same_labels(y_reps):
            st = study(self.split, self.reps, y_reps, percentile, progress=progress)
            return Results(
                rep_labels=_frozen(y_reps, np.int64), percentile=int(percentile),
                random=st.random, representatives=st.representatives,
                propagated=st.propagated, propagated_correct=st.propagated_correct,
                partial=st.partial, partial_correct=st.partial_correct,
                n_partial=st.n_partial, full=self.full, warnings=st.warnings)
        report(progress, 0.0)
        ytr = self.split.y_train
        part = partial_propagation(self.reps.distances, self.reps.cluster_labels, y_reps,
                                   percentile)
        trained = train(self.split.X_train[part.mask], part.labels, self.split.X_test,
                        self.split.y_test)
        report(progress, 1.0)
        kept = tuple(w for w in reuse.warnings if not w.startswith("Partly propagated labels: "))
        return replace(reuse, percentile=int(percentile), partial=trained.accuracy,
                       partial_correct=float(np.mean(part.labels == ytr[part.mask])),
                       n_partial=part.n_kept,
                       warnings=kept + tuple(f"Partly propagated labels: {w}"
                                             for w in trained.warnings))

    # -- active learning ---------------------------------------------------------------------------
    def train_round(self, n_ask: int = 10, distinct: bool = True, ask: bool = True,
                    progress: ProgressFn | None = None) -> LabellingSession:
        """One active-learning round: retrain on every hand label (alone, and on top of the
        propagated labels) and record it; if ``ask``, find the ``n_ask`` least certain
        unlabelled digits (in distinct clusters first if ``distinct``)."""
        if not self.all_labelled():
            raise DataError(f"Label all {self.reps.n_clusters} representatives before active "
                            f"learning.")
        Xtr, Xte, yte = self.split.X_train, self.split.X_test, self.split.y_test
        hand = self.hand
        labelled = self.hand_order()
        report(progress, 0.0)
        trained = train(Xtr[labelled], hand[labelled], Xte, yte)
        report(progress, 0.35)
        y = propagate(self.reps.cluster_labels, self.rep_labels())
        y[labelled] = hand[labelled]
        acc_prop = evaluate(Xtr, y, Xte, yte)
        report(progress, 0.85)
        point = Round(int(labelled.size), trained.accuracy, acc_prop)
        history = self.history
        if history and history[-1].n_labels == point.n_labels:
            history = history[:-1]
        changes: dict = dict(history=(*history, point))
        if ask:
            pool = np.flatnonzero(hand < 0)
            if pool.size == 0:
                raise DataError("Every training digit has a hand label: there is nothing "
                                "left to ask.")
            groups = self.reps.cluster_labels[pool] if distinct else None
            asked = pool[most_uncertain(trained.model, Xtr[pool], int(n_ask), groups=groups)]
            changes.update(asked=_frozen(asked, np.int64),
                           confidence=_frozen(certainty(trained.model, Xtr[asked]), float),
                           predicted=_frozen(trained.model.predict(Xtr[asked]), np.int64))
        report(progress, 1.0)
        return replace(self, **changes)

    # -- saving ------------------------------------------------------------------------------------
    def save(self, folder: str | Path) -> Path:
        """Save the labels, the asked digits and the rounds in ``folder`` (atomically: the
        ``.npz`` first, then the JSON). Files of ClusterLab 0.1.0 found there are first copied
        to ``digits-labels-0.1.0.*``, so migrating never loses them."""
        json_path, _ = save_paths(folder)
        atomic_write_bytes(json_path, self.save_arrays_first(folder))
        return json_path

    def save_arrays_first(self, folder: str | Path) -> bytes:
        """:meth:`save` but the JSON: the arrays are written (``.npz``, atomically, after the
        copies of older files), and the JSON's bytes are returned, for the caller to write
        atomically next to them (a writer thread that writes the newest state it is given)."""
        _, npz_path = save_paths(folder)
        _back_up_version_1(folder)
        _back_up_mismatched(folder, self.n_train)
        meta = dict(format=FORMAT, version=VERSION, n_train=self.n_train,
                    n_clusters=self.reps.n_clusters, random_state=self.split.random_state,
                    representatives=self.reps.indices.tolist(),
                    history=[r.to_json() for r in self.history],
                    saved=time.strftime("%Y-%m-%d %H:%M:%S"))
        save_arrays(npz_path, hand=self.hand.astype(np.int16), asked=self.asked,
                    confidence=self.confidence, predicted=self.predicted)
        return json_bytes(meta)

    @classmethod
    def load(cls, folder: str | Path, base: LabellingSession | None = None,
             progress: ProgressFn | None = None) -> LabellingSession:
        """The session saved in ``folder`` (version 2, or 0.1.0's version 1), on the digits of
        ``base`` (default: :meth:`new`). Raises :class:`DataError` with a sentence when the
        files are missing, damaged or made for other digits."""
        saved = read_saved(folder)
        if base is None:
            base = cls.new(progress=progress)
        if saved.hand.size != base.n_train:
            raise DataError(f"The saved labels are for {saved.hand.size} training digits, "
                            f"not {base.n_train}.")
        return saved.on(base)


@dataclass(frozen=True, eq=False)
class SavedLabels:
    """What a labels file holds (see :func:`read_saved`)."""

    hand: np.ndarray
    asked: np.ndarray
    confidence: np.ndarray
    predicted: np.ndarray
    history: tuple[Round, ...]
    representatives: tuple[int, ...]
    version: int
    percentile: int | None = None  # version 1 only: 0.1.0 kept it in the file
    mode: str | None = None  # version 1 only: the gallery's view

    def on(self, base: LabellingSession) -> LabellingSession:
        """``base`` with these labels, asked digits and rounds."""
        return replace(base, hand=self.hand, asked=self.asked, confidence=self.confidence,
                       predicted=self.predicted, history=self.history)


def read_saved(folder: str | Path) -> SavedLabels:
    """Read ``digits-labels.json`` + ``.npz`` of ``folder`` (version 1 or 2), or raise
    :class:`DataError` saying what is wrong."""
    json_path, npz_path = save_paths(folder)
    if not json_path.exists() or not npz_path.exists():
        missing = json_path if not json_path.exists() else npz_path
        raise DataError(f"'{missing.name}' is missing")
    try:
        meta = json.loads(json_path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError, MemoryError) as exc:  # deep nesting too
        raise DataError(f"'{json_path.name}' is not valid JSON") from exc
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise DataError(f"'{json_path.name}' is not a ClusterLab labels file")
    version = meta.get("version")
    if version not in (1, VERSION):
        raise DataError(f"'{json_path.name}' has an unknown version {version!r}")
    try:
        arrays = load_arrays(npz_path)
    except (zipfile.BadZipFile, EOFError, KeyError) as exc:  # a truncated or foreign zip
        raise DataError(f"The file '{npz_path}' is not a readable ClusterLab array file.") \
            from exc
    hand = arrays.get("hand")
    if hand is None or hand.ndim != 1 or not np.issubdtype(hand.dtype, np.integer):
        raise DataError(f"'{npz_path.name}' holds no labels")
    if hand.size and (hand.min() < -1 or hand.max() > 9):
        raise DataError(f"'{npz_path.name}' holds labels outside 0–9")
    if hand.size != meta.get("n_train", -1):
        raise DataError("the two files do not belong together")
    asked = np.asarray(arrays.get("asked", np.zeros(0, np.int64)))
    if asked.ndim != 1 or (asked.size and not np.issubdtype(asked.dtype, np.integer)):
        raise DataError(f"'{npz_path.name}' is inconsistent")
    if asked.size and (asked.min() < 0 or asked.max() >= hand.size):
        raise DataError(f"'{npz_path.name}' asks about digits that do not exist")
    confidence = np.asarray(arrays.get("confidence", np.full(asked.size, np.nan)), float)
    predicted = np.asarray(arrays.get("predicted", np.full(asked.size, -1)), np.int64)
    if confidence.shape != asked.shape or predicted.shape != asked.shape:
        raise DataError(f"'{npz_path.name}' is inconsistent")
    try:
        history = tuple(Round(int(p["n_labels"]), float(p["accuracy"]),
                             float(p["accuracy_propagated"])) for p in meta.get("history", []))
        reps = tuple(int(i) for i in meta.get("representatives", []))
        percentile = int(meta["percentile"]) if version == 1 and "percentile" in meta else None
    except (KeyError, TypeError, ValueError) as exc:
        raise DataError(f"'{json_path.name}' is damaged ({exc})") from exc
    mode = str(meta["mode"]) if version == 1 and "mode" in meta else None
    return SavedLabels(_frozen(hand, np.int64), _frozen(asked, np.int64),
                       _frozen(confidence, float), _frozen(predicted, np.int64), history, reps,
                       int(version), percentile, mode)


def set_aside(folder: str | Path) -> list[str]:
    """Rename unreadable labels files to ``*.unreadable-<time>`` (never deleted); returns the
    new names."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    moved = []
    for path in save_paths(folder):
        if path.exists():
            aside = path.with_name(f"{path.name}.unreadable-{stamp}")
            try:
                path.replace(aside)
                moved.append(aside.name)
            except OSError:
                pass
    return moved


def _back_up_mismatched(folder: str | Path, n_train: int) -> list[str]:
    """Before labels are saved over files that are not this session's (unreadable, or for
    another number of digits), copy those to ``*.replaced-<time>``; returns the copies."""
    json_path, npz_path = save_paths(folder)
    if not (json_path.exists() or npz_path.exists()):
        return []
    try:
        if read_saved(folder).hand.size == n_train:
            return []
    except DataError:
        pass
    stamp = time.strftime("%Y%m%d-%H%M%S")
    copies = []
    for path in (npz_path, json_path):
        if path.is_file():
            copy = path.with_name(f"{path.name}.replaced-{stamp}")
            shutil.copy2(path, copy)
            copies.append(copy.name)
    return copies


def _back_up_version_1(folder: str | Path) -> None:
    json_path, npz_path = save_paths(folder)
    backup_json, backup_npz = save_paths(folder, BACKUP_STEM)
    if backup_json.exists() or not (json_path.exists() and npz_path.exists()):
        return
    try:
        version = json.loads(json_path.read_text(encoding="utf-8")).get("version")
    except (OSError, ValueError, AttributeError):
        return
    if version == 1:
        shutil.copy2(npz_path, backup_npz)
        shutil.copy2(json_path, backup_json)  # last: its presence means the pair is complete


@dataclass(frozen=True, eq=False)
class Opened:
    """A session opened from a folder, and what a person should be told about it."""

    session: LabellingSession
    message: str | None = None
    migrated_from: int | None = None  # 1: the files were ClusterLab 0.1.0's
    saved: SavedLabels | None = None


def open_session(folder: str | Path, base: LabellingSession | None = None,
                 progress: ProgressFn | None = None) -> Opened:
    """A new session (or ``base``) with the labels saved in ``folder``, if any. Unreadable
    files are set aside (renamed, never deleted) and the session starts without labels, with
    a message."""
    base = LabellingSession.new(progress=progress) if base is None else base
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():  # a file where the folder should be
        aside = folder.with_name(f"{folder.name}.unreadable-{time.strftime('%Y%m%d-%H%M%S')}")
        try:
            folder.replace(aside)
        except OSError:
            return Opened(base, f"'{folder}' is a file, not a folder, and could not be moved "
                                "aside; labels cannot be saved until it is removed.")
        return Opened(base, f"'{folder}' was a file where ClusterLab keeps its labels folder; "
                            f"it was kept as {aside.name} in {aside.parent}. The page starts "
                            "without labels.")
    json_path, npz_path = save_paths(folder)
    if not json_path.exists() and not npz_path.exists():
        return Opened(base)
    try:
        saved = read_saved(folder)
    except DataError as exc:
        moved = set_aside(folder)
        where = f" They were kept as {' and '.join(moved)} in {folder}." if moved else ""
        return Opened(base, f"Your saved digit labels could not be read ({exc}).{where} "
                            f"The page starts without labels.")
    if saved.hand.size != base.n_train:
        return Opened(base, f"Your saved digit labels are for {saved.hand.size} training "
                            f"digits, not {base.n_train}; the page starts without labels (the "
                            f"file is left as it is until you label a digit).", saved=saved)
    session = saved.on(base)
    message = None
    if saved.representatives and list(saved.representatives) != base.reps.indices.tolist():
        message = ("Your saved labels were made with a different clustering of the digits; "
                   "they are kept for the same digits, but some representatives may now be "
                   "unlabelled.")
    return Opened(session, message, saved.version if saved.version < VERSION else None, saved)


__all__ = [
    "FORMAT", "VERSION", "LabellingSession", "Opened", "Results", "Round", "SavedLabels",
    "open_session", "read_saved", "save_paths", "set_aside",
]
