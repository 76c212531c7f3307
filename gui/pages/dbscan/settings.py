"""The DBSCAN page's declared settings, and its per-dataset store.

ClusterLab 0.1.0 kept ``dbscan/dataset``, ``dbscan/min_samples`` and
``dbscan/n_neighbors`` as QSettings keys, and three JSON texts inside QSettings
(``eps_by_dataset``, ``instances``, ``max_distance_by_dataset``). The scalars
are the declared settings; the per-dataset values now live in
``dbscan-datasets.json`` of the data folder, imported from those JSON texts once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from gui.persist import DatasetStore, PageSettings, legacy_values

STORE_FILE = "dbscan-datasets.json"
STORE_VERSION = 2
#: 0.1.0's JSON-in-QSettings keys -> the name of the per-dataset value
LEGACY_JSON = {"eps_by_dataset": "eps", "instances": "instances",
               "max_distance_by_dataset": "max_distance"}


@dataclass
class DBSCANSettings(PageSettings):
    SECTION: ClassVar[str] = "dbscan"
    VERSION: ClassVar[int] = 2
    dataset: str = "moons"
    min_samples: int = 5
    n_neighbors: int = 50

    @classmethod
    def migrate(cls, values: dict, version: int) -> dict:
        # version 1 (0.1.0): one key per control; the JSON ones go to the DatasetStore
        return {k: values[k] for k in ("dataset", "min_samples", "n_neighbors") if k in values}


def legacy_datasets(store) -> dict:
    """0.1.0's per-dataset eps, instances and max distance (JSON inside QSettings)."""
    values = legacy_values(store, DBSCANSettings.SECTION)
    out: dict[str, dict] = {}
    for old, name in LEGACY_JSON.items():
        raw = values.get(old)
        if isinstance(raw, list):  # (QSettings splits an unquoted text at its commas)
            raw = ", ".join(map(str, raw))
        try:
            doc = json.loads(str(raw or "null"))
        except ValueError:
            continue
        if isinstance(doc, dict):
            for key, value in doc.items():
                out.setdefault(str(key), {})[name] = value
    return out


def dataset_store(folder: Path, settings_store) -> DatasetStore:
    return DatasetStore(Path(folder) / STORE_FILE, version=STORE_VERSION,
                        migrate=lambda doc, version: doc.get("datasets", {}),
                        legacy=lambda: legacy_datasets(settings_store))


__all__ = ["DBSCANSettings", "dataset_store", "legacy_datasets"]
