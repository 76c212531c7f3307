"""Progress reporting for long computations.

A *progress callback* is a callable ``progress(fraction)`` with ``fraction``
in [0, 1]. It may raise :class:`core.errors.Cancelled` to stop the work;
every core loop calls it between units of work, so cancelling is prompt.
"""

from __future__ import annotations

from collections.abc import Callable

from core.errors import Cancelled

ProgressFn = Callable[[float], None]

__all__ = ["Cancelled", "ProgressFn", "report", "scaled"]


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
