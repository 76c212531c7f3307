"""The Digits: labelling page's state, Qt-free: its parameters, the labelling session (the
user's hand labels) and the results computed for it."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from core.labelling import LabellingSession, Results

N_CLUSTERS = 50


@dataclass
class LabellingState:
    percentile: int = 25
    view: str = "representatives"  # the gallery: "representatives" or "asked"
    n_ask: int = 10
    distinct: bool = True
    check_truth: bool = False
    session: LabellingSession | None = None
    #: results computed, by (representatives' labels, percentile)
    results: dict[tuple[bytes, int], Results] = field(default_factory=dict)
    note: str | None = None  # what the last training round said (None: the default text)
    failed: str | None = None  # why the digits could not be prepared

    # -- what is shown ---------------------------------------------------------------------------
    @property
    def ready(self) -> bool:
        return self.session is not None

    def shown_view(self) -> str:
        """The gallery's view: the asked digits only when there are some."""
        if self.view == "asked" and self.ready and self.session.asked.size:
            return "asked"
        return "representatives"

    def tile_indices(self) -> np.ndarray:
        """Training-set indices of the digits in the gallery, tile by tile."""
        if not self.ready:
            return np.zeros(0, dtype=np.int64)
        s = self.session
        return s.reps.indices if self.shown_view() == "representatives" else s.asked

    def n_labelled(self) -> int:
        return self.session.n_labelled() if self.ready else 0

    def all_labelled(self) -> bool:
        return self.ready and self.session.all_labelled()

    def key(self, percentile: int | None = None) -> tuple[bytes, int]:
        return (self.session.rep_labels().tobytes(),
                self.percentile if percentile is None else percentile)

    def current_results(self) -> Results | None:
        """The numbers for the current labels and percentile, if computed."""
        if not self.all_labelled():
            return None
        return self.results.get(self.key())

    def reusable_results(self) -> Results | None:
        """Results computed for the current labels at another percentile, if any."""
        labels = self.session.rep_labels().tobytes()
        return next((r for (k, _p), r in self.results.items() if k == labels), None)

    def store(self, results: Results) -> None:
        self.results[(results.rep_labels.tobytes(), results.percentile)] = results

    # -- saving ---------------------------------------------------------------------------------
    def to_json(self) -> dict:
        """The parameters and the hand-made labels ({training index: digit})."""
        hand = {}
        if self.ready:
            idx = np.flatnonzero(self.session.hand >= 0)
            hand = {str(int(i)): int(self.session.hand[i]) for i in idx}
        return dict(percentile=self.percentile, view=self.view, n_ask=self.n_ask,
                    distinct=self.distinct, check_truth=self.check_truth, hand=hand)

    @classmethod
    def from_json(cls, doc: dict, session: LabellingSession | None = None) -> LabellingState:
        """The state ``to_json`` wrote; its hand labels are put on ``session`` if given."""
        state = cls(**{k: doc[k] for k in ("percentile", "view", "n_ask", "distinct",
                                            "check_truth") if k in doc})
        hand = doc.get("hand", {})
        if session is not None:
            state.session = session.with_labels([int(i) for i in hand], list(hand.values()))
        return state
