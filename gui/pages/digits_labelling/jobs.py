"""The Digits: labelling page's work: one-line calls into core.labelling, run by the task
runner (with the cost each one is given by the page)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from core.labelling import LabellingSession, Opened, Results, open_session
from core.progress import ProgressFn
from core.storage import RowTable, write_csv

HEADER = ["index", "label", "source", "digits_index"]


def prepare(folder: Path, progress: ProgressFn | None = None) -> Opened:
    return open_session(folder, progress=progress)


def results(session: LabellingSession, percentile: int, reuse: Results | None,
            progress: ProgressFn | None = None) -> Results:
    return session.results(percentile, reuse=reuse, progress=progress)


def train_round(session: LabellingSession, n_ask: int, distinct: bool, ask: bool,
                progress: ProgressFn | None = None) -> LabellingSession:
    return session.train_round(n_ask, distinct, ask, progress=progress)


def export_labels(session: LabellingSession, path: str) -> int:
    """Write every labelled training digit as CSV; returns how many rows."""
    idx, labels, is_hand, rows = session.label_table()
    source = np.where(is_hand, "hand", "propagated")
    write_csv(path, HEADER, RowTable(idx, labels, source, rows))
    return int(idx.size)
