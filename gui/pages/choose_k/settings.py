"""The Choosing k page's settings, declared once (0.1.0 wrote one key per control)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from gui.pages.choose_k.state import SweepParams
from gui.persist import PageSettings


@dataclass
class ChooseKSettings(PageSettings, SweepParams):
    """0.1.0's keys: the sweep's parameters (dataset, k_min, k_max, random_state, sample,
    sample_size, more_scores) and the text of "Diagrams for k"."""

    SECTION: ClassVar[str] = "choose_k"
    VERSION: ClassVar[int] = 2

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
