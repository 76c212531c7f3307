"""The K-Means page's state, Qt-free: its parameters, the user's hand-made work and the last
frozen core results the tabs draw."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from core.datasets import Dataset
from core.kmeans import KMeansResult, LloydStepper, SoftAssignment, VariabilityResult
from core.projection import Projection

CHAPTER_GOOD_INIT = np.array([[-3, 3], [-3, 2], [-3, 1], [-1, 2], [0, 2]], dtype=float)
CHAPTER_X_NEW = np.array([[0, 2], [3, 2], [-3, 3], [-3, 2.5]], dtype=float)
ELONGATED_GOOD_INIT = np.array([[-1.5, 2.5], [0.5, 0], [4, 0]], dtype=float)

INIT_CHOICES = [("k-means++", "k-means++"), ("random", "random"), ("hand", "placed by hand")]


@dataclass(frozen=True, eq=False)
class FitParams:
    key: str
    k: int
    init: str  # "k-means++", "random" or "hand"
    n_init: int | str
    algorithm: str
    max_iter: int
    random_state: int
    placed: np.ndarray | None = None

    @classmethod
    def from_settings(cls, values: dict, placed: list | None) -> FitParams:
        n_init = int(values["n_init"])
        return cls(key=values["dataset"], k=int(values["k"]), init=values["init"],
                   n_init="auto" if n_init == 0 else n_init, algorithm=values["algorithm"],
                   max_iter=int(values["max_iter"]), random_state=int(values["random_state"]),
                   placed=np.asarray(placed, dtype=float) if placed else None)

    def settings(self) -> dict[str, Any]:
        """These parameters as the page's settings values."""
        return {"dataset": self.key, "k": self.k, "init": self.init,
                "n_init": 0 if self.n_init == "auto" else int(self.n_init),
                "algorithm": self.algorithm, "max_iter": self.max_iter,
                "random_state": self.random_state}

    @property
    def hand_ready(self) -> bool:
        return self.placed is not None and len(self.placed) == self.k


@dataclass(frozen=True, eq=False)
class FullInfo:
    """Where a frame of the full data comes from: exact Lloyd passes from ``init`` over all
    ``n_rows`` rows of the file ``path``, run on ``backend`` (``mode`` "process", "local" with
    ``workers`` or "remote" at ``address``; ``where`` says it in words)."""

    path: str
    n_rows: int
    init: np.ndarray
    max_iter: int
    random_state: int
    mode: str = "process"
    workers: int = 2
    address: str = ""
    where: str = "this process"
    backend: str = "this process"  # the stepper's own name for it (a scheduler's address)
    seconds: float = 0.0  # what the pass shown took


@dataclass(frozen=True, eq=False)
class Frame:
    """What the views draw of a stepper state (computed by a job, never on the GUI thread)."""

    iteration: int
    centers: np.ndarray
    labels: np.ndarray
    inertia: float
    converged: bool
    n_iter: int | None
    n_changed: int
    history_centers: np.ndarray
    history_inertia: np.ndarray
    colors: np.ndarray  # (n, 4) point colours
    centers2d: np.ndarray  # (k, 2) on the plot
    trail2d: np.ndarray  # (t+1, k, 2) on the plot
    distances: np.ndarray  # (n,) distance of every point to its centroid
    # a pass over the full data (centres, inertia, n_iter of every row of the file; labels,
    # colours, n_changed and distances of the points drawn), or None: the points drawn
    full: FullInfo | None = None


@dataclass
class KMeansState:
    """Parameters, hand-made work per dataset, and the last results."""

    params: FitParams | None = None  # the parameters of what is shown
    placed: dict[str, list] = field(default_factory=dict)  # dataset key -> feature rows
    x_new: dict[str, list] = field(default_factory=dict)
    dataset: Dataset | None = None
    projection: Projection | None = None
    result: KMeansResult | None = None
    stepper: LloydStepper | None = None  # moved only by the page's serial tasks
    frame: Frame | None = None
    soft: SoftAssignment | None = None
    iter_centers: np.ndarray | None = None  # (t+1, k, d): the chapter's figure
    iter_params: FitParams | None = None
    compare: tuple[KMeansResult, KMeansResult] | None = None
    variability: tuple[VariabilityResult, VariabilityResult] | None = None
    variability_hist: tuple[np.ndarray, list[np.ndarray]] | None = None  # edges, counts
    limits: tuple[Dataset, KMeansResult, KMeansResult] | None = None
    hand: bool = False  # the init control says "placed by hand"
    k: int = 5  # the k control
    playing: bool = False
    status: dict[str, str] = field(default_factory=dict)  # tab -> "running"/"cancelled"

    # -- hand-made work -------------------------------------------------------------------
    def placed_for(self, key: str | None = None) -> list[list[float]]:
        key = key or (self.dataset.key if self.dataset is not None else "")
        return [list(map(float, p)) for p in self.placed.get(key, [])]

    def x_new_for(self, key: str | None = None, d: int | None = None) -> np.ndarray:
        """The new instances of the soft-clustering table (m, d); the chapter's for the blobs."""
        key = key or (self.dataset.key if self.dataset is not None else "")
        d = d or (self.dataset.n_features if self.dataset is not None else 2)
        stored = self.x_new.get(key)
        if stored is None:
            return CHAPTER_X_NEW.copy() if key == "blobs" else np.empty((0, d))
        return np.asarray(stored, dtype=float).reshape(-1, d) if stored else np.empty((0, d))

    def to_plot(self, points) -> np.ndarray:
        """Feature rows on the plot (the projection of a few points)."""
        points = np.asarray(points, dtype=float)
        if self.projection is None or len(points) == 0:
            return np.empty((0, 2))
        return self.projection.transform(points.reshape(len(points), -1))

    def placed_xy(self) -> np.ndarray:
        if not self.hand or self.dataset is None:
            return np.empty((0, 2))
        return self.to_plot(self.placed_for())

    def x_new_xy(self) -> np.ndarray:
        return self.to_plot(self.x_new_for()) if self.dataset is not None else np.empty((0, 2))

    # -- persistence ----------------------------------------------------------------------
    def to_json(self) -> dict:
        """The user's work and parameters, as JSON-able values."""
        return {"params": self.params.settings() if self.params else None,
                "placed": self.placed, "x_new": self.x_new}

    @classmethod
    def from_json(cls, doc: dict) -> KMeansState:
        state = cls(placed=dict(doc.get("placed") or {}), x_new=dict(doc.get("x_new") or {}))
        if doc.get("params"):
            state.params = FitParams.from_settings(doc["params"], None)
        return state
