"""The Digits: preprocessing page's state, without Qt: its parameters and what was fitted.

``cache`` maps ``(k, standardize)`` to the :class:`core.preprocessing.PipelineFit`
of that pipeline; a running sweep's worker stores each finished k in it (one
dict store), so a cancelled sweep keeps what it finished.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np

from core.preprocessing import DigitsPipelineData, PipelineFit

#: The chapter's printed values (cells 49, 52, 54), shown as reference marks on the chart.
CHAPTER_POINTS = {50: 0.9711111111111111, 88: 0.9822222222222222}
CHAPTER_BASELINE = 0.9733333333333334
MAX_K = 400

#: the parameters saved with :meth:`PreprocessingState.to_json` (the settings' fields)
PARAMS = ("k", "standardize", "k_from", "k_to", "k_step")


@dataclass
class PreprocessingState:
    k: int = 50
    standardize: bool = False
    k_from: int = 10
    k_to: int = 150
    k_step: int = 10
    #: the digits split and the baseline, once loaded
    data: DigitsPipelineData | None = None
    cache: dict[tuple[int, bool], PipelineFit] = field(default_factory=dict)
    #: the ks and switch of the last sweep asked for
    sweep_ks: list[int] = field(default_factory=list)
    sweep_standardize: bool = False
    #: what the sweep panel says
    sweep_message: str = ""

    # -- parameters -----------------------------------------------------------------------------
    def to_json(self) -> dict:
        return {name: getattr(self, name) for name in PARAMS}

    @classmethod
    def from_json(cls, doc: dict) -> PreprocessingState:
        known = {f.name for f in fields(cls)} & set(PARAMS)
        return cls(**{k: v for k, v in doc.items() if k in known})

    def update(self, **params) -> None:
        for name, value in params.items():
            if name in PARAMS:
                setattr(self, name, value)

    # -- derived ----------------------------------------------------------------------------------
    @property
    def baseline(self) -> float | None:
        return None if self.data is None else self.data.baseline

    @property
    def key(self) -> tuple[int, bool]:
        return self.k, self.standardize

    def current_fit(self) -> PipelineFit | None:
        return self.cache.get(self.key)

    def ks(self) -> list[int]:
        """The ks of the sweep range (empty when 'To' is below 'From')."""
        return list(range(self.k_from, self.k_to + 1, max(self.k_step, 1)))

    def missing(self, ks: list[int], standardize: bool) -> list[int]:
        return [k for k in ks if (k, standardize) not in self.cache]

    def done(self) -> int:
        """How many ks of the last sweep are fitted."""
        return sum((k, self.sweep_standardize) in self.cache for k in self.sweep_ks)

    def best(self) -> tuple[int, float] | None:
        """(k, accuracy) of the best fitted k of the last sweep (smallest k on ties)."""
        fits = [(self.cache[(k, self.sweep_standardize)].accuracy, -k) for k in self.sweep_ks
                if (k, self.sweep_standardize) in self.cache]
        if not fits:
            return None
        acc, neg_k = max(fits)
        return -neg_k, acc

    def series(self, standardize: bool) -> tuple[np.ndarray, np.ndarray]:
        """(ks, accuracies) of every cached fit with this switch, sorted by k."""
        items = sorted((k, f.accuracy) for (k, s), f in list(self.cache.items())
                       if s == standardize)
        if not items:
            return np.zeros(0), np.zeros(0)
        ks, acc = zip(*items)
        return np.asarray(ks, dtype=float), np.asarray(acc, dtype=float)

    def is_chapters(self, k: int | None = None, standardize: bool | None = None) -> bool:
        k = self.k if k is None else k
        standardize = self.standardize if standardize is None else standardize
        return not standardize and k in CHAPTER_POINTS
