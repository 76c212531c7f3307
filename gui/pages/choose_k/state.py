"""The Choosing k page's state, Qt-free: its parameters, its last result, the selected k.

Also the pure helpers the page and its views share: reading the "Diagrams for
k" text (:func:`parse_ks`), the sentences the page shows, and the exported table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from core.datasets import Dataset
from core.errors import DataError
from core.projection import Projection
from core.selection import KStudy, KSweep

DEFAULT_DIAGRAM_KS = (3, 4, 5, 6)
MAX_K = 40
MAX_DIAGRAMS = 8
REGION_RESOLUTION = 300
WEAK_ELBOW = 2.0  # below this ratio the annotation says the elbow is weak

ELBOW_RULE = (
    "The elbow is the k after which the gain of adding a cluster collapses the most: for "
    "every k, the drop of inertia that reached k is divided by the largest drop of any later "
    "step, and the elbow is the k where that ratio is largest (with at least two steps after "
    "it). Unlike the 'farthest point from the chord' rule, it reads the chapter's curve as a "
    "person does (k=4)."
)


@dataclass(frozen=True, eq=False)  # compared by identity: a new result is a new object
class ChooseKResult:
    """What the page shows: the dataset, its 2-D view, the study of k, and every k's point
    colours (computed with the result, so that selecting a k only swaps arrays)."""

    dataset: Dataset
    projection: Projection
    study: KStudy
    colors: tuple[np.ndarray, ...]

    @property
    def sweep(self) -> KSweep:
        return self.study.sweep


@dataclass
class SweepParams:
    """The parameters of a sweep (also the first fields of the page's settings)."""

    dataset: str = "blobs"
    k_min: int = 1
    k_max: int = 9
    random_state: int = 42
    sample: bool = True
    sample_size: int = 10_000
    more_scores: bool = False


@dataclass
class ChooseKState(SweepParams):
    """The page's parameters, its last result and the selected k."""

    diagram_ks: list[int] = field(default_factory=lambda: list(DEFAULT_DIAGRAM_KS))
    selected_k: int | None = None
    result: ChooseKResult | None = None

    # -- parameters -------------------------------------------------------------------------
    def ks(self) -> list[int]:
        lo, hi = sorted((self.k_min, self.k_max))
        return list(range(lo, hi + 1))

    def sample_limit(self) -> int | None:
        return self.sample_size if self.sample else None

    def range_problem(self) -> str | None:
        """The sentence saying why the k range cannot be swept, or None."""
        lo, hi = sorted((self.k_min, self.k_max))
        if hi - lo < 2:
            return (f"The sweep needs at least three values of k to find an elbow; k from {lo} "
                    f"to {hi} has {max(hi - lo + 1, 0)}. Widen the range.")
        return None

    def to_json(self) -> dict[str, Any]:
        return {"dataset": self.dataset, "k_min": self.k_min, "k_max": self.k_max,
                "random_state": self.random_state, "sample": self.sample,
                "sample_size": self.sample_size, "more_scores": self.more_scores,
                "diagram_ks": list(self.diagram_ks), "selected_k": self.selected_k}

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> ChooseKState:
        state = cls()
        for name, value in doc.items():
            if name == "diagram_ks":
                value = [int(v) for v in value]
            if hasattr(state, name) and name != "result":
                setattr(state, name, value)
        return state

    # -- the result and the selection ----------------------------------------------------------
    @property
    def sweep(self) -> KSweep | None:
        return self.result.sweep if self.result is not None else None

    def accept(self, result: ChooseKResult, pending_k: int | None = None) -> int:
        """Take a new result; select ``pending_k`` if swept, else keep the selected k (same
        dataset), else the elbow (else the first k). Returns the selected k."""
        same_data = self.result is not None and self.result.dataset.key == result.dataset.key
        ks = result.sweep.ks
        k = pending_k if pending_k in ks else None
        if k is None and same_data and self.selected_k in ks:
            k = self.selected_k
        if k is None:
            k = result.sweep.elbow if result.sweep.elbow is not None else int(ks[0])
        self.result = result
        self.selected_k = int(k)
        return self.selected_k

    def select(self, k: int) -> bool:
        """Select ``k`` if it was swept; True when the selection changed."""
        if self.result is None or k not in self.result.sweep.ks or k == self.selected_k:
            return False
        self.selected_k = int(k)
        return True

    def shown_settings(self) -> dict[str, Any]:
        """The settings values of what is on screen (put back after a failed sweep)."""
        if self.result is None:
            return {}
        sweep = self.result.sweep
        values = {"dataset": self.result.dataset.key, "k_min": int(sweep.ks[0]),
                  "k_max": int(sweep.ks[-1])}
        if sweep.random_state is not None:
            values["random_state"] = int(sweep.random_state)
        return values


# -- the "Diagrams for k" text ----------------------------------------------------------------
def parse_ks(text: str) -> list[int]:
    """'3, 4, 5 6' -> [3, 4, 5, 6]; raises DataError with a sentence on anything else."""
    parts = [p for p in re.split(r"[\s,;]+", text.strip()) if p]
    if not parts:
        raise DataError("Type the values of k whose silhouette diagrams you want, "
                        "e.g. '3, 4, 5, 6'.")
    values = []
    for p in parts:
        if not re.fullmatch(r"\d+", p):
            raise DataError(f"'{p}' is not a whole number; type values of k such as "
                            "'3, 4, 5, 6'.")
        values.append(int(p))
    if any(v < 2 for v in values):
        raise DataError("A silhouette diagram needs at least 2 clusters; use k of 2 or more.")
    values = list(dict.fromkeys(values))
    if len(values) > MAX_DIAGRAMS:
        raise DataError(f"Show at most {MAX_DIAGRAMS} diagrams at once.")
    return values


def format_ks(ks) -> str:
    return ", ".join(map(str, ks))


def outside_sweep(ks, sweep: KSweep | None) -> list[int]:
    return [] if sweep is None else [k for k in ks if k not in sweep.ks]


def outside_message(ks, sweep: KSweep) -> str:
    return (f"k = {format_ks(ks)} is outside the sweep's range {int(sweep.ks[0])}…"
            f"{int(sweep.ks[-1])}: widen the range to see its diagram.")


# -- sentences the views show -------------------------------------------------------------------
def elbow_label(ratio: float) -> str:
    return "Elbow" if ratio >= WEAK_ELBOW else "Elbow (weak)"


def inertia_tooltip(state: ChooseKState) -> str:
    sweep = state.sweep
    if sweep is None or sweep.elbow is None:
        return ("Inertia (sum of squared distances of the points to their nearest centre) "
                "against k. " + ELBOW_RULE + " Click a k to select it.")
    ratio = state.result.study.elbow_ratio
    return (f"Inertia against k; the elbow is at k={sweep.elbow}: the drop that reached it is "
            f"{ratio:.1f}× the largest drop after it"
            + ("" if ratio >= WEAK_ELBOW else " (a weak elbow: the curve hardly bends)")
            + ". " + ELBOW_RULE + " Click a k to select it.")


def scatter_note(state: ChooseKState) -> str:
    """The note under the scatter: sampling and why there are no regions ('' if none)."""
    result = state.result
    if result is None:
        return ""
    notes = []
    if result.sweep.sample_size is not None:
        notes.append(f"Silhouettes estimated on {result.sweep.sample_size:,} of the "
                     f"{result.dataset.n_samples:,} points.")
    if result.study.regions is None:
        shown = ("its first two principal components" if result.projection.method == "pca"
                 else "one axis")
        notes.append(f"Decision regions are drawn for 2-D data; this dataset has "
                     f"{result.dataset.n_features} features, shown on {shown}.")
    return " ".join(notes)


def missing_diagrams_text(state: ChooseKState) -> str | None:
    sweep = state.sweep
    missing = outside_sweep(state.diagram_ks, sweep)
    if sweep is None or not missing:
        return None
    return (f"No diagram for k = {format_ks(missing)}: outside the sweep's range "
            f"{int(sweep.ks[0])}…{int(sweep.ks[-1])}.")


def selection_facts(state: ChooseKState) -> dict[str, Any] | None:
    """What the "Selected k" box says: k, notes, inertia, silhouette text, cluster sizes."""
    if state.result is None or state.selected_k is None:
        return None
    sweep, k = state.sweep, state.selected_k
    i = sweep.index(k)
    notes = []
    if sweep.elbow == k:
        notes.append("the elbow")
    if sweep.best_silhouette == k:
        notes.append("best silhouette")
    sil = sweep.silhouettes[i]
    return {"k": k, "notes": notes, "inertia": float(sweep.inertias[i]),
            "silhouette": "undefined for k=1" if np.isnan(sil) else f"{sil:.3f}",
            "sizes": [int(s) for s in state.result.study.sizes[i]]}


def use_tooltip(state: ChooseKState, available: bool) -> str:
    if not available:
        return ("Sends the selected k to the K-Means page, which is not part of this version "
                "of ClusterLab yet.")
    if state.result is None or state.selected_k is None:
        return "Select a k first: click it on a curve or a diagram."
    return f"Open the K-Means page with k={state.selected_k} on this dataset."


def export_table(state: ChooseKState) -> tuple[list[str], list[list[Any]]] | None:
    if state.result is None:
        return None
    sweep = state.sweep
    header = ["k", "inertia", "silhouette", "calinski_harabasz", "davies_bouldin",
              "n_iter", "elbow", "selected"]

    def num(v):
        return "" if not np.isfinite(v) else float(v)

    rows = []
    for i, k in enumerate(sweep.ks):
        rows.append([int(k), float(sweep.inertias[i]), num(sweep.silhouettes[i]),
                     num(sweep.calinski_harabasz[i]), num(sweep.davies_bouldin[i]),
                     int(sweep.n_iter[i]), int(k == sweep.elbow),
                     int(k == state.selected_k)])
    return header, rows
