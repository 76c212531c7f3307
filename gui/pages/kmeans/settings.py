"""The K-Means page's settings, declared once (0.1.0 kept the same keys under ``kmeans/``)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

from core.storage import load_json, set_aside
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


def valid_points(points) -> bool:
    """Whether a saved value is a list of points: rows of two or more finite numbers, all of
    one length."""
    if not isinstance(points, list):
        return False
    width = None
    for row in points:
        if not (isinstance(row, list) and len(row) >= 2
                and all(isinstance(v, int | float) and not isinstance(v, bool)
                        and math.isfinite(v) for v in row)):
            return False
        if width not in (None, len(row)):
            return False
        width = len(row)
    return True


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


def _readable(datasets: dict) -> bool:
    """Whether every saved point list of the per-dataset dicts is a list of points."""
    return all(valid_points(v[name]) for v in datasets.values() for name in ("placed", "x_new")
               if name in v)


def open_store() -> DatasetStore:
    """The page's per-dataset file; 0.1.0's kmeans-session.json is imported once. An
    unreadable session is moved aside (``*.unreadable-<date-time>``) and the store's
    ``notice`` says where it is."""
    folder = data_dir()
    notices: list[str] = []

    def legacy() -> dict | None:
        path = folder / LEGACY_SESSION_FILE
        if not path.exists():
            return None
        doc = load_json(path, None)
        if isinstance(doc, dict) and _readable(legacy_session(doc)):
            return legacy_session(doc)
        aside = set_aside(path)
        where = (f"it was kept as {aside.name} in {aside.parent}" if aside is not None
                 else "it was left as it is")
        notices.append(f"The K-Means session '{path.name}' of an earlier version could not "
                       f"be read; {where}, and this page starts afresh.")
        return None

    store = DatasetStore(folder / DATASETS_FILE, DATASETS_VERSION,
                         migrate=lambda doc, version: doc.get("datasets", {}), legacy=legacy)
    if not _readable(store.datasets):  # JSON of the right shape, points of the wrong type
        aside = set_aside(store.path)
        if aside is not None:
            store.datasets = {}
            notices.insert(0, f"'{store.path.name}' could not be read; it was kept as "
                              f"{aside.name} in {aside.parent}, and this page starts afresh.")
        else:
            store.datasets = {k: v for k, v in store.datasets.items() if _readable({k: v})}
            store.error = f"'{store.path.name}' could not be read; it was left as it is."
    if notices and store.notice is None:
        store.notice = notices[0]
    return store
