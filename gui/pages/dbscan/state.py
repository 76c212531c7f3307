"""The DBSCAN page's state, without Qt: its parameters, the user's new instances, and the
last frozen core results (clustering, k-distance curve, KNN prediction, regions, comparison).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from core.datasets import Dataset
from core.density import DBSCANResult, KDistances, KNNPrediction, NeighborIndex, RegionGrid
from core.projection import Projection
from core.storage import RowTable
from core.threads import let_go_elsewhere

#: The chapter's new instances (in the moons' coordinates).
CHAPTER_X_NEW = [(-0.5, 0.0), (0.0, 0.5), (1.0, -0.1), (2.0, 1.0)]
#: The chapter's first figure: eps=0.05 on the moons, and the KNN's max distance 0.2.
CHAPTER_EPS = 0.05
CHAPTER_MAX_DISTANCE = 0.2
#: The chapter's comparison (Figure 9-14): DBSCAN(eps=0.05, min_samples=5) and
#: DBSCAN(eps=0.2), whose min_samples is scikit-learn's default, 5.
CHAPTER_COMPARE_EPS = (0.05, 0.2)
CHAPTER_MIN_SAMPLES = 5


@dataclass(frozen=True)
class Hover:
    """The point under the mouse and the number of points within eps of it."""

    index: int
    count: int
    eps: float


@dataclass
class DBSCANState:
    """Parameters (what the controls say) and the last results (what is drawn)."""

    # -- parameters and hand-made work
    dataset_key: str = "moons"
    eps: float = CHAPTER_EPS
    min_samples: int = 5
    n_neighbors: int = 50
    max_distance: float = CHAPTER_MAX_DISTANCE
    instances: list[tuple[float, float]] = field(default_factory=lambda: list(CHAPTER_X_NEW))
    show_regions: bool = False
    eps_a: float = CHAPTER_COMPARE_EPS[0]
    eps_b: float = CHAPTER_COMPARE_EPS[1]

    # -- results (frozen core objects)
    dataset: Dataset | None = None
    projection: Projection | None = None
    #: the view's (lower, upper) corners, (2,) arrays
    bounds: tuple[np.ndarray, np.ndarray] | None = None
    index: NeighborIndex | None = None
    result: DBSCANResult | None = None
    result_colors: np.ndarray | None = None  # (n, 4) uint8 for a big cloud, else None
    elapsed: float = 0.0
    kdist: KDistances | None = None
    prediction: KNNPrediction | None = None
    regions: RegionGrid | None = None
    compare: tuple[DBSCANResult, DBSCANResult] | None = None
    compare_colors: tuple = (None, None)
    compare_params: tuple | None = None
    hover: Hover | None = None
    #: eps is to be set to the knee of the k-distance curve once it is computed
    eps_from_curve: bool = False

    # -- the dataset ------------------------------------------------------------------------
    def set_data(self, dataset: Dataset, projection: Projection, index: NeighborIndex,
                 stored: dict | None, bounds=None) -> None:
        """A new dataset: results cleared, its stored eps, max distance and instances (or
        the chapter's on the moons); without a stored eps, eps will be the knee of the
        k-distance curve (``eps_from_curve``)."""
        # (what the last table leaves behind is freed off this thread: see let_go_elsewhere)
        old = [self.dataset, self.projection, self.index, self.result, self.result_colors,
               self.kdist, self.regions, self.compare]
        self.dataset, self.projection, self.index = dataset, projection, index
        if bounds is None and projection.coords.size:
            bounds = (projection.coords.min(axis=0), projection.coords.max(axis=0))
        self.bounds = bounds
        self.dataset_key = dataset.key
        self.result = self.result_colors = self.kdist = self.prediction = self.regions = None
        self.compare = self.compare_params = self.hover = None
        let_go_elsewhere(old)
        stored = stored or {}
        moons = dataset.key == "moons"
        instances = stored.get("instances")
        if instances is None:
            instances = CHAPTER_X_NEW if moons else []
        self.instances = [(float(x), float(y)) for x, y in instances]
        eps = stored.get("eps", CHAPTER_EPS if moons else None)
        if eps is not None:
            self.eps = float(eps)
        # The anomaly distance is in the data's units: the chapter's 0.2 for the moons,
        # else eps (as in the chapter, where both are 0.2) once it is known.
        maxd = stored.get("max_distance", CHAPTER_MAX_DISTANCE if moons else eps)
        if maxd is not None:
            self.max_distance = float(maxd)
        self.eps_from_curve = eps is None

    def use_curve(self, kdist: KDistances, stored: dict | None) -> None:
        """The k-distance curve is here; eps (and the max distance, unless one was stored)
        start at its knee when the dataset had no eps."""
        self.kdist = kdist
        if self.eps_from_curve:
            self.eps_from_curve = False
            self.eps = float(kdist.knee)
            if "max_distance" not in (stored or {}):
                self.max_distance = float(kdist.knee)

    @property
    def planar(self) -> bool:
        """True when the view is the data itself (two features)."""
        return self.projection is not None and self.projection.method == "identity"

    def lifted_instances(self) -> np.ndarray:
        """The new instances in the data's space (the plot may show principal components)."""
        pts = np.array(self.instances, dtype=np.float64).reshape(-1, 2)
        return self.projection.inverse_transform(pts) if self.projection is not None else pts

    def region_ranges(self) -> tuple[tuple[float, float], tuple[float, float]]:
        """The 2-D ranges of the decision-region grid: the data's box and 15 % around it."""
        lo, hi = self.bounds
        span = np.where(hi > lo, hi - lo, 1.0)
        lo, hi = lo - 0.15 * span, hi + 0.15 * span
        return (float(lo[0]), float(hi[0])), (float(lo[1]), float(hi[1]))

    def compare_key(self) -> tuple:
        """(dataset, left eps, right eps, min_samples) of the comparison: min_samples is
        always the chapter's, whatever the panel says (it is the chapter's figure)."""
        return (self.dataset_key, self.eps_a, self.eps_b, CHAPTER_MIN_SAMPLES)

    def labels_table(self):
        """(header, rows) for the CSV export: every point, its cluster and its kind."""
        ds, r = self.dataset, self.result
        if ds is None or r is None:
            return None
        kind = np.where(r.core_mask, "core", np.where(r.border_mask, "border", "anomaly"))
        return list(ds.feature_names) + ["cluster", "kind"], RowTable(ds.X, r.labels, kind)

    # -- persistence ------------------------------------------------------------------------
    def dataset_values(self) -> dict[str, Any]:
        """What is kept per dataset: eps, the max distance and the new instances."""
        return {"eps": self.eps, "max_distance": self.max_distance,
                "instances": [list(p) for p in self.instances]}

    def to_json(self) -> dict[str, Any]:
        return {"dataset": self.dataset_key, "eps": self.eps, "min_samples": self.min_samples,
                "n_neighbors": self.n_neighbors, "max_distance": self.max_distance,
                "instances": [list(p) for p in self.instances],
                "show_regions": self.show_regions, "eps_a": self.eps_a, "eps_b": self.eps_b}

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> DBSCANState:
        state = cls()
        state.dataset_key = str(doc.get("dataset", state.dataset_key))
        for name, typ in (("eps", float), ("min_samples", int), ("n_neighbors", int),
                          ("max_distance", float), ("show_regions", bool), ("eps_a", float),
                          ("eps_b", float)):
            if name in doc:
                setattr(state, name, typ(doc[name]))
        if "instances" in doc:
            state.instances = [(float(x), float(y)) for x, y in doc["instances"]]
        return state


__all__ = ["CHAPTER_COMPARE_EPS", "CHAPTER_MIN_SAMPLES", "CHAPTER_X_NEW", "DBSCANState", "Hover"]
