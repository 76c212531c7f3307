"""The Digits: labelling page's settings, declared once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from core.storage import load_json
from gui import settings as app_settings
from gui.persist import PageSettings

VIEWS = ("representatives", "asked")


@dataclass
class DigitsLabellingSettings(PageSettings):
    SECTION: ClassVar[str] = "digits_labelling"
    VERSION: ClassVar[int] = 2

    percentile: int = 25  # partial propagation keeps this percentile of each cluster
    view: str = "representatives"  # what the gallery shows: "representatives" or "asked"
    n_ask: int = 10  # how many digits the model asks about each round
    one_per_cluster: bool = True  # ask in distinct clusters when possible
    check_truth: bool = False  # mark the labels that differ from the truth

    @classmethod
    def migrate(cls, values: dict, version: int) -> dict:
        """0.1.0 kept no QSettings keys for this page: its percentile and gallery mode were
        inside ``digits-labels.json`` (version 1) in the data folder."""
        if version < 2:
            doc = load_json(app_settings.data_dir() / "digits-labels.json", None)
            if isinstance(doc, dict) and doc.get("version") == 1:
                if "percentile" in doc:
                    values = {**values, "percentile": doc["percentile"]}
                if doc.get("mode") in VIEWS:
                    values = {**values, "view": doc["mode"]}
        return values

    def __post_init__(self) -> None:
        self.percentile = min(max(int(self.percentile), 1), 100)
        self.n_ask = min(max(int(self.n_ask), 1), 50)
        if self.view not in VIEWS:
            self.view = "representatives"
