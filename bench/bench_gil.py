"""How long core's work on a worker thread keeps Python's GIL from a thread that wants it.

The GUI thread takes the GIL back after every event. Some numpy calls let the GIL go and
take it back many times inside one call (``ufunc.reduceat``: once per segment), and each
take-back cancels a waiting thread's request for a switch: a loop of such calls kept the
waiting thread off to the loop's end. core's chunked loops hand the GIL over between their
calls (:func:`core.threads.let_others_run`). Ours has the hand-over; the baseline is the
same code with it made a no-op. Each line prints the longest a 1 ms heartbeat thread waited
while a worker thread ran the work, then the work's own time: beside the heartbeat (which
ours lets run, and so takes some of the time) and alone.

    python bench/bench_gil.py                  # 150 000 x 64 (about a minute)
    python bench/bench_gil.py --rows 50000

Target (issue 10): the GUI thread waits at most a few milliseconds for the GIL while DBSCAN
runs on 150 000 x 64, so no turn of the window goes over 50 ms because of it.
"""

from __future__ import annotations

import argparse
import sys
from contextlib import contextmanager

import _common  # noqa: F401  (sets up sys.path)
import numpy as np
from _common import longest_gil_wait, median_time, row


@contextmanager
def without_hand_over():
    """The baseline: core's loops as they were, with no hand-over between their calls."""
    import core.density as density

    kept = density.let_others_run
    density.let_others_run = lambda: None
    try:
        yield
    finally:
        density.let_others_run = kept


def wide_table(rows: int) -> np.ndarray:
    """bench_responsiveness's wide table: 8 blobs in 64 dimensions."""
    rng = np.random.default_rng(0)
    centres = rng.normal(scale=6.0, size=(8, 64))
    return centres[rng.integers(0, 8, rows)] + rng.normal(size=(rows, 64))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=150_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    from gui.app import SWITCH_INTERVAL_S

    sys.setswitchinterval(SWITCH_INTERVAL_S)  # as the window sets it
    from core import density
    from core.threads import single_threaded

    X = wide_table(args.rows)
    print(f"GIL hand-over: {args.rows:,} x 64 (longest wait of a 1 ms heartbeat thread; "
          "then the work's time)", flush=True)

    starts = np.arange(0, args.rows, 256)

    def reduce():
        return density._reduceat(np.add, X, starts)

    same = np.array_equal(reduce(), np.add.reduceat(X, starts, axis=0))
    ours = longest_gil_wait(reduce, args.repeats)
    with without_hand_over():
        base = longest_gil_wait(reduce, args.repeats)
    row(f"block sums (_reduceat; same sums: {same}): wait", ours, base)
    t_ours = median_time(reduce, args.repeats)
    with without_hand_over():
        t_base = median_time(reduce, args.repeats)
    row("  time", t_ours, t_base)

    eps = density.k_distances(X[:20_000], 4).knee  # the page's eps for a sample of it
    timings = {}

    def dbscan(label):
        def run():
            import time

            began = time.perf_counter()
            with single_threaded():  # as the page's job runs it
                labels = density.run_dbscan(X, eps, 5).labels
            timings[label] = time.perf_counter() - began
            return labels
        return run

    ours = longest_gil_wait(dbscan("ours"))
    with without_hand_over():
        base = longest_gil_wait(dbscan("baseline"))
    row(f"DBSCAN eps={eps:.3g}, min_samples=5: wait", ours, base,
        target="a few ms (a turn's budget is 50)")
    row("  time, the heartbeat thread running beside it", timings["ours"],
        timings["baseline"], unit="s")
    dbscan("ours")()  # (no thread beside it: its time is in timings)
    with without_hand_over():
        dbscan("baseline")()
    row("  time, alone", timings["ours"], timings["baseline"], unit="s",
        target="no slower (the hand-over costs nothing when no thread waits)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
