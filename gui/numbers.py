"""How ClusterLab writes numbers on screen, in one place: counts with thousands separators
("100,000", never "100000" or "100 000"), percentages with their leading zero ("0.9%",
never ".9%"), and integer ticks on axes of counts (iterations, k)."""

from __future__ import annotations

import math


def count(n) -> str:
    """A whole number with thousands separators: ``count(100000) == "100,000"``."""
    return f"{int(n):,}"


def percent(fraction: float, decimals: int = 1) -> str:
    """A fraction as a percentage: ``percent(0.009) == "0.9%"``, ``percent(0.25, 0) == "25%"``."""
    return f"{100 * float(fraction):,.{decimals}f}%"


def integer_ticks(levels: list[tuple[float, list[float]]], lo: float, hi: float
                  ) -> list[tuple[float, list[float]]]:
    """pyqtgraph's tick levels ``[(spacing, values), ...]`` keeping whole numbers only: an
    axis of iterations or of k shows 0, 1, 2, never 0.5 or 1.5 (a range of less than two
    units gets a tick at every whole number in it)."""
    kept = [(s, [v for v in values if float(v).is_integer()]) for s, values in levels if s >= 1]
    kept = [(s, values) for s, values in kept if values]
    if not kept:
        kept = [(1.0, [float(v) for v in range(math.ceil(lo), math.floor(hi) + 1)])]
    return kept


__all__ = ["count", "integer_ticks", "percent"]
