"""The Digits: preprocessing page's settings (0.1.0 saved none)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from gui.persist import PageSettings


@dataclass
class DigitsPreprocessingSettings(PageSettings):
    SECTION: ClassVar[str] = "digits_preprocessing"
    VERSION: ClassVar[int] = 2
    k: int = 50  # the chapter's first k
    standardize: bool = False  # off = the chapter's exact pipeline
    k_from: int = 10
    k_to: int = 150
    k_step: int = 10

    @classmethod
    def migrate(cls, values: dict, version: int) -> dict:
        # ClusterLab 0.1.0 kept nothing of this page: start from the defaults.
        return {} if version < 2 else values
