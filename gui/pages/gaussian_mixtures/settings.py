"""The Gaussian mixtures page's settings, declared once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from gui.pages.gaussian_mixtures.state import GMParams
from gui.persist import PageSettings


@dataclass
class GaussianMixturesSettings(PageSettings, GMParams):
    """The page's parameters (new in 0.2: nothing to migrate from 0.1.0)."""

    SECTION: ClassVar[str] = "gaussian_mixtures"
    VERSION: ClassVar[int] = 1
