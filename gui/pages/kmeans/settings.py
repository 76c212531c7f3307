"""The K-Means page's settings, declared once (0.1.0 kept the same keys under ``kmeans/``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from core.storage import load_json
from gui.persist import DatasetStore, PageSettings
from gui.settings import data_dir


@dataclass
class KMeansSettings(PageSettings):
    SECTION: ClassVar[str] = "kmeans"
    VERSION: ClassVar[int] = 2
    dataset: str = "blobs"
    k: int = 5
    init: str = "k-means++"  # "k-means++", "random" or "hand"
    n_init: int = 0  # 0 = "auto"
    algorithm: str = "lloyd"
    max_iter: int = 300
    random_state: int = 42

    @classmethod
    def migrate(cls, values: dict, version: int) -> dict:
        # 0.1.0 wrote one key per control with these very names (as strings); the fields'
        # types read them. Anything else it wrote is dropped.
        names = set(cls.field_types())
        return {k: v for k, v in values.items() if k in names}


#: The per-dataset file of hand-made work (placed centroids, new instances).
DATASETS_FILE = "kmeans-datasets.json"
DATASETS_VERSION = 2
#: What 0.1.0 wrote: {"placed": {key: [[x, y], ...]}, "x_new": {key: [[x, y], ...]}}.
LEGACY_SESSION_FILE = "kmeans-session.json"


def legacy_session(doc) -> dict:
    """0.1.0's kmeans-session.json as the per-dataset dicts of :data:`DATASETS_FILE`."""
    out: dict[str, dict] = {}
    if not isinstance(doc, dict):
        return out
    for name in ("placed", "x_new"):
        per_key = doc.get(name)
        if isinstance(per_key, dict):
            for key, points in per_key.items():
                if isinstance(points, list):
                    out.setdefault(str(key), {})[name] = points
    return out


def open_store() -> DatasetStore:
    """The page's per-dataset file; 0.1.0's kmeans-session.json is imported once."""
    folder = data_dir()
    return DatasetStore(folder / DATASETS_FILE, DATASETS_VERSION,
                        migrate=lambda doc, version: doc.get("datasets", {}),
                        legacy=lambda: legacy_session(
                            load_json(folder / LEGACY_SESSION_FILE, None)))
