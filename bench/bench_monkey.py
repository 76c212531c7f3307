"""The long monkey: tests/gui/monkey.py pressing every page's controls at random, with memory.

    python bench/bench_monkey.py               # 45 s (the default, under a minute)
    python bench/bench_monkey.py --size 600    # issue 12's long run: 10 minutes

Prints the exceptions that reached the event loop and the unexpected task errors (both must be
0), and the resident memory sampled every --every seconds once the work the monkey started has
finished (at most 10 s; the RSS while working, with its passing peaks, is printed beside it):
the growth from the end of the first quarter (pages built, caches warm) to the end, and the
least-squares slope over the last three quarters in MB per minute. It also measures the memory
of one settled state at the end of each of the first three quarters and at the end (every page
back on its first dataset, idle, garbage collected): what the app keeps between them is growth
no result held at the moment of a sample explains (flat memory: close to nothing). Settings and
saved work go to a temporary folder.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402,F401  (puts the project on sys.path, offscreen Qt)


def rss_bytes() -> int:
    """Resident memory of this process now (Linux /proc; else the peak from getrusage)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def mallinfo():
    """glibc's heap counters (``mallinfo2``), or None elsewhere."""
    import ctypes

    class MallInfo2(ctypes.Structure):
        _fields_ = [(name, ctypes.c_size_t) for name in (
            "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
            "fordblks", "keepcost")]

    try:
        mallinfo2 = ctypes.CDLL("libc.so.6").mallinfo2
    except (OSError, AttributeError):
        return None
    mallinfo2.restype = MallInfo2
    return mallinfo2()


def heap_text() -> str:
    """glibc's heap: in use by live allocations, and free but kept (what fragmentation holds);
    empty elsewhere."""
    info = mallinfo()
    if info is None:
        return ""
    return (f"  heap in use {(info.uordblks + info.hblkhd) / 2 ** 20:6.1f} MB"
            f"  free, kept {info.fordblks / 2 ** 20:6.1f} MB")


def settled_memory(window, monkey) -> tuple[int, int]:
    """(RSS, heap in use) of one state, whatever the monkey did before: its work cancelled,
    every page back on the first dataset of its picker (what it draws recomputed), the
    background work done, garbage collected and the free heap given back. Two of these at
    different times differ by what the app keeps (leaks, unbounded histories), not by which
    big results the pages happened to hold when memory was sampled."""
    import gc

    from gui.memory import _malloc_trim
    from gui.widgets.dataset_picker import DatasetPicker

    monkey.finish()
    for name in monkey.pages():
        page = window.show_page(name)
        page.ensure_started()
        for picker in page.findChildren(DatasetPicker):
            if picker.count():
                picker.set_current_key(picker.itemData(0))
        monkey.settle(1.0)  # debounced work starts
        monkey.finish()
    window.show_page(monkey.pages()[0])
    monkey.finish()
    gc.collect()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
    info = mallinfo()
    return rss_bytes(), (info.uordblks + info.hblkhd) if info is not None else 0


def least_squares_slope(samples: list[tuple[float, int]]) -> float:
    """MB per minute of the line fitted to (seconds, bytes) samples: a single sample taken
    while a big table is being drawn (a passing peak) moves it little, a steady rise does."""
    if len(samples) < 2:
        return 0.0
    import numpy as np

    t = np.array([s[0] for s in samples]) / 60
    m = np.array([s[1] for s in samples]) / 2 ** 20
    return float(np.polyfit(t, m, 1)[0]) if np.ptp(t) > 0 else 0.0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=float, default=45.0, help="seconds of monkey (600: 10 min)")
    parser.add_argument("--every", type=float, default=15.0, help="seconds between memory samples")
    parser.add_argument("--seed", type=int, default=20261201)
    args = parser.parse_args(argv)

    scratch = tempfile.mkdtemp(prefix="clusterlab-monkey-")
    os.environ["CLUSTERLAB_DATA_DIR"] = os.path.join(scratch, "data")
    import pytest
    from PySide6.QtCore import QSettings

    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, scratch)

    from gui.app import MainWindow, create_app
    from tests.gui.monkey import SKIPPED_PAGES, Monkey, big_table, no_dialogs

    create_app()
    patches = pytest.MonkeyPatch()
    no_dialogs(patches)
    window = MainWindow()
    window.resize(1320, 820)
    window.show()
    window.ctx.add_dataset(big_table())
    samples: list[tuple[float, int]] = []
    start = time.monotonic()
    print(f"monkey for {args.size:.0f} s (seed {args.seed}); skipped: "
          + ", ".join(f"{k} ({why})" for k, why in SKIPPED_PAGES.items()), flush=True)
    settled: list[tuple[float, int, int]] = []  # (seconds, RSS, heap in use) of one state

    def settle_and_say():
        rss, heap = settled_memory(window, monkey)
        settled.append((time.monotonic() - start, rss, heap))
        print(f"  {settled[-1][0]:6.0f} s  settled (every page on its first dataset, idle): "
              f"RSS {rss / 2 ** 20:7.1f} MB  heap in use {heap / 2 ** 20:6.1f} MB", flush=True)

    with Monkey(window, args.seed) as monkey:
        while time.monotonic() - start < args.size:
            monkey.run(min(args.every, max(1.0, args.size - (time.monotonic() - start))))
            busy_rss = rss_bytes()  # (a big task may be half done: a passing peak)
            quiet_by = time.monotonic() + 10.0  # the work started finishes, nothing cancelled
            while window.tasks.busy and time.monotonic() < quiet_by:
                monkey.settle(0.05)
            samples.append((time.monotonic() - start, rss_bytes()))
            t, rss = samples[-1]
            print(f"  {t:6.0f} s  {monkey.report.actions:6d} actions  RSS {rss / 2 ** 20:7.1f} MB"
                  f" (while working {busy_rss / 2 ** 20:7.1f}){heap_text()}  failures "
                  f"{len(monkey.report.failures)}", flush=True)
            if len(settled) < 3 and t >= args.size * (len(settled) + 1) / 4:
                settle_and_say()  # at the end of each of the first three quarters
        settle_and_say()
        answers = monkey.finish()
    report = monkey.report
    window.close()
    patches.undo()

    q = max(0, len(samples) // 4 - 1)
    (t0, m0), (t1, m1) = samples[q], samples[-1]
    slope = least_squares_slope(samples[q:])
    print(f"actions: {report.actions} on {len(report.pages)} pages "
          + ", ".join(f"{k} {v}" for k, v in sorted(report.pages.items())))
    print(f"exceptions reaching the event loop: {len(report.exceptions)}   "
          f"unexpected task errors: {len(report.task_errors)}   window answers: "
          f"{'yes' if answers else 'NO'}")
    print(f"memory: {m0 / 2 ** 20:.1f} MB at {t0:.0f} s -> {m1 / 2 ** 20:.1f} MB at {t1:.0f} s "
          f"(growth {(m1 - m0) / 2 ** 20:+.1f} MB); least-squares slope over the last three "
          f"quarters {slope:+.2f} MB/min")
    print("settled memory (the same state), heap in use: " + " -> ".join(
        f"{h / 2 ** 20:.1f} MB at {t:.0f} s" for t, _r, h in settled))
    (_, r0, h0), (_, r1, h1) = settled[0], settled[-1]
    print(f"  from the first to the last: heap in use {(h1 - h0) / 2 ** 20:+.1f} MB, RSS "
          f"{(r1 - r0) / 2 ** 20:+.1f} MB; from the second to the last (caches and pages "
          f"built): heap in use {(h1 - settled[min(1, len(settled) - 1)][2]) / 2 ** 20:+.1f} MB")
    for failure in report.failures[:5]:
        print("\n" + failure)
    return 0 if not report.failures and answers else 1


if __name__ == "__main__":
    sys.exit(main())
