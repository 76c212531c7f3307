"""Progress reporting for long computations.

A *progress callback* is a callable ``progress(fraction)`` with ``fraction``
in [0, 1]. It may raise :class:`core.errors.Cancelled` to stop the work;
every core loop calls it between units of work, so cancelling is prompt.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

from core.errors import Cancelled

ProgressFn = Callable[[float], None]

__all__ = ["Cancelled", "ProgressFn", "report", "scaled", "timed_chunks"]


def report(progress: ProgressFn | None, fraction: float) -> None:
    """Call ``progress`` with ``fraction`` clipped to [0, 1] if it is set."""
    if progress is not None:
        progress(min(1.0, max(0.0, float(fraction))))


def scaled(progress: ProgressFn | None, start: float, stop: float) -> ProgressFn | None:
    """A callback that maps [0, 1] onto [start, stop] of ``progress``.

    Used when one job is made of several parts, each reporting its own 0..1.
    """
    if progress is None:
        return None

    def inner(fraction: float) -> None:
        report(progress, start + (stop - start) * fraction)

    return inner


def timed_chunks(n: int, first: int = 1024, most: int = 20_000, target_s: float = 0.25,
                 row_cost: float = 0.0) -> Iterator[tuple[int, int]]:
    """Row ranges ``(start, stop)`` covering ``range(n)``, each sized from the time the
    last one took so that it takes about ``target_s`` seconds.

    Progress is reported (and a cancel seen) between chunks, so a chunk must not run for
    minutes: a k-nearest-neighbour query of 20,000 rows takes ~10 ms on 1M x 2 points but
    over a minute on 150,000 x 64, where a tree is no better than brute force.
    ``row_cost``: the worst-case work of one row (for a neighbour query, points x
    features); the first chunk is made small enough that it cannot take long either.
    """
    if row_cost > 0:
        first = min(first, max(16, int(2e8 / row_cost)))
    start, rows = 0, max(1, min(first, most))
    while start < n:
        stop = min(n, start + rows)
        began = time.perf_counter()
        yield start, stop
        took = time.perf_counter() - began
        grown = rows * target_s / max(took, 1e-4)
        rows = int(min(most, max(1, rows // 4, min(grown, rows * 8))))
        start = stop
