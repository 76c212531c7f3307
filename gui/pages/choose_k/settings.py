"""The Choosing k page's settings, declared once (0.1.0 wrote one key per control)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from gui.persist import PageSettings


@dataclass
class ChooseKSettings(PageSettings):
    SECTION: ClassVar[str] = "choose_k"
    VERSION: ClassVar[int] = 2

    dataset: str = "blobs"
    k_min: int = 1
    k_max: int = 9
    random_state: int = 42
    sample: bool = True
    sample_size: int = 10_000
    more_scores: bool = False
    diagram_ks: str = "3, 4, 5, 6"

    @classmethod
    def migrate(cls, values: dict, version: int) -> dict:
        """0.1.0 (version 1) used the same names, one QSettings key each; an unquoted
        ``diagram_ks`` comes back from its INI file as a list of strings."""
        values = dict(values)
        ks = values.get("diagram_ks")
        if isinstance(ks, (list, tuple)):
            values["diagram_ks"] = ", ".join(str(v).strip() for v in ks)
        return values
