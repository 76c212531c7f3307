"""Small helpers shared by the bench scripts (timing medians, table printing)."""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def median_time(fn, repeats: int = 5, warmup: int = 1) -> float:
    """Median wall time of ``fn()`` in seconds over ``repeats`` runs after ``warmup`` runs."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def row(label: str, ours: float, baseline: float, unit: str = "ms", target: str = "") -> str:
    scale = 1000.0 if unit == "ms" else 1.0
    ratio = ours / baseline if baseline else float("nan")
    line = (f"{label:<44} ours {ours * scale:10.1f} {unit}   baseline {baseline * scale:10.1f} "
            f"{unit}   ratio {ratio:6.3f}")
    if target:
        line += f"   target: {target}"
    print(line, flush=True)
    return line
