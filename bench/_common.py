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


_SCALES = {"s": 1.0, "ms": 1000.0, "MB": 1 / 2 ** 20}


def row(label: str, ours: float, baseline: float, unit: str = "ms", target: str = "") -> str:
    """Print one line: ours, the baseline and their ratio. Times in s, memory in bytes."""
    scale = _SCALES[unit]
    ratio = ours / baseline if baseline else float("nan")
    line = (f"{label:<44} ours {ours * scale:10.2f} {unit:<2}  baseline {baseline * scale:10.2f} "
            f"{unit:<2}  ratio {ratio:6.3f}")
    if target:
        line += f"   target: {target}"
    print(line, flush=True)
    return line


def longest_gil_wait(fn, runs: int = 1) -> float:
    """Seconds the longest a 1 ms heartbeat on one thread waited while a worker thread ran
    ``fn()`` ``runs`` times: how long the worker kept the GIL from a thread that wanted it
    back (the GUI thread, between two events). Python switches as the window has it
    (gui.app.SWITCH_INTERVAL_S)."""
    import threading

    from gui.app import SWITCH_INTERVAL_S

    waits: list[float] = []
    done = threading.Event()

    def heartbeat():
        last = time.perf_counter()
        while not done.is_set():
            time.sleep(0.001)
            now = time.perf_counter()
            waits.append(now - last - 0.001)
            last = now

    previous = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    beat = threading.Thread(target=heartbeat)
    beat.start()
    try:
        worker = threading.Thread(target=lambda: [fn() for _ in range(runs)])
        worker.start()
        worker.join()
    finally:
        done.set()
        beat.join()
        sys.setswitchinterval(previous)
    return max(waits)
