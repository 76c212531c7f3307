"""The Data page's settings: the dataset it opens on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from gui.persist import PageSettings


@dataclass
class DataSettings(PageSettings):
    SECTION: ClassVar[str] = "data"
    VERSION: ClassVar[int] = 2
    last_dataset: str = "blobs"

    @classmethod
    def migrate(cls, values: dict, version: int) -> dict:
        # 0.1.0 wrote data/last_dataset (a dataset key); data/recent_files in the same group
        # belongs to the AppContext and stays where it is.
        if version < 2:
            return {"last_dataset": values["last_dataset"]} if "last_dataset" in values else {}
        return values
