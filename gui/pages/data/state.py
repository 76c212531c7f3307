"""The Data page's state, without Qt: the dataset asked for and what is drawn."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.datasets import Dataset
from core.projection import Projection


@dataclass(frozen=True)
class Shown:
    """A dataset ready to draw: its 2-D view, a colour per point and the view's bounds
    (all computed off the GUI thread)."""

    dataset: Dataset
    projection: Projection
    colors: np.ndarray  # (n, 4) uint8
    bounds: tuple | None  # ((xmin, ymin), (xmax, ymax)) of the finite points
    by_labels: bool

    @property
    def size(self) -> float:
        return 6 if self.dataset.n_samples <= 5000 else 3


@dataclass
class DataState:
    #: the dataset key asked for (the picker's)
    key: str = "blobs"
    #: colour the points by the dataset's labels (or pixel colours)
    color_by_labels: bool = True
    #: True while a dataset is being loaded
    loading: bool = False
    #: what is drawn (None until the first dataset is loaded)
    shown: Shown | None = None

    def to_json(self) -> dict:
        return {"dataset": self.key, "color_by_labels": self.color_by_labels}

    @classmethod
    def from_json(cls, doc: dict) -> DataState:
        return cls(key=str(doc.get("dataset", "blobs")),
                   color_by_labels=bool(doc.get("color_by_labels", True)))

    @property
    def dataset(self) -> Dataset | None:
        return None if self.shown is None else self.shown.dataset

    @property
    def projection(self) -> Projection | None:
        return None if self.shown is None else self.shown.projection

    @property
    def has_labels(self) -> bool:
        ds = self.dataset
        return ds is not None and (ds.y is not None or "rgb" in ds.extra)

    @property
    def label_columns(self) -> tuple[str, ...]:
        """The columns the labels can come from (a table's; empty for other datasets)."""
        ds = self.dataset
        return () if ds is None else tuple(ds.extra.get("columns", ()))

    @property
    def labels_column(self) -> str | None:
        """The column the shown labels come from (None: no labels)."""
        ds = self.dataset
        return None if ds is None or ds.y is None else (ds.target_name or "labels")

    @property
    def colored_by_labels(self) -> bool:
        """Whether the points drawn are coloured by labels (the check box may lead)."""
        return self.shown is not None and self.shown.by_labels
