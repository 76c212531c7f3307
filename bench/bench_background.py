"""The window while background work takes every core: worker threads below the window's
priority (gui/workers.py) against workers at the window's own priority (before).

Two K-Means fits on 150,000 x 16 run as tasks (as two pages computing at once do) while the
GUI thread ticks a 2 ms heartbeat and does 4 ms of work every 16 ms (a paint). Measured on
the GUI thread:

- the longest gap between heartbeats, and the 99th percentile of the gaps;
- the time it was runnable but waited for a core (Linux's schedstat), as a share of the run;
- how long ``TaskRunner.submit`` of a small task took (``Thread.start()`` waits for the new
  thread to run: a core and the GIL).

    python bench/bench_background.py              # 4 s of work per configuration, 3 runs
    python bench/bench_background.py --seconds 8 --repeats 5

"ours": workers at nice +gui.workers.WORKER_NICE (--nice); "baseline": at the window's
priority, as before. Ratio < 1: ours is better. Linux only (elsewhere both are the same).

Then the GUI thread "painting" 20 ms of CPU every 60 ms while one task multiplies matrices
with numpy: OpenBLAS computes on the calling thread and on helper threads it started when
numpy was imported, at the importing thread's priority. "ours": those helpers lowered to the
workers' priority (gui.workers.lower_library_threads, as the window does); "baseline": left
at the window's priority, where a helper shared the GUI thread's core as an equal and a
paint took up to twice its CPU time.

Then a real paint (a pyqtgraph plot rendered into an image) beside one task that runs
Python code: painting hands the GIL to Qt and takes it back many times, and each time it
waits up to the GIL's switch interval. "ours": the window's interval
(gui.app.SWITCH_INTERVAL_S); "baseline": Python's default, 5 ms.

Printed first (it runs first): scikit-learn's KNeighborsClassifier.fit on a million points
(DBSCAN's new instances) as a task after a few seconds of rest, while the GUI thread waits for the GIL: a few numpy
calls inside it fill fresh arrays holding the GIL, and with numpy's huge-page advice the
kernel makes 2 MB pages on that first touch. "ours": no advice (gui.memory.no_hugepage_advice);
"baseline": numpy's default.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time

import _common  # noqa: F401  (sets up sys.path and the offscreen platform)
import numpy as np
from _common import row


def _queued_s() -> float:
    try:
        with open(f"/proc/self/task/{threading.get_native_id()}/schedstat") as f:
            return int(f.read().split()[1]) / 1e9
    except (OSError, ValueError, IndexError):
        return 0.0


_KEEP: list = []
NICE = 0  # (set by main: --nice, else gui.workers.WORKER_NICE)


def _fits(X: np.ndarray):
    """A task that fits K-Means on ``X`` again and again until its time is up."""
    from core.kmeans import fit_kmeans

    def fits(until: float) -> None:
        seed = 0
        while time.perf_counter() < until:
            fit_kmeans(X, 8, n_init=1, random_state=seed, max_iter=30)
            seed += 1

    return fits


def _products(A: np.ndarray):
    """A task that multiplies ``A`` by itself with numpy (OpenBLAS: the calling thread and
    OpenBLAS's own helper threads) until its time is up."""

    def products(until: float) -> None:
        while time.perf_counter() < until:
            A @ A

    return products


def one_run(app, seconds: float, jobs: list, nice: int, paint_ms: float = 4.0,
            every_ms: int = 16) -> dict[str, float]:
    """The GUI thread ticking a 2 ms heartbeat and "painting" (``paint_ms`` of CPU every
    ``every_ms``) while ``jobs`` (functions of the time to stop) run as tasks whose threads
    are at nice +``nice``."""
    from PySide6.QtCore import Qt, QTimer

    import gui.tasks as tasks
    import gui.workers as workers

    workers.WORKER_NICE = nice  # (read as each task's thread starts)
    runner = tasks.TaskRunner()
    _KEEP.append(runner)  # (its tasks are deleted later, by the event loop)
    until = time.perf_counter() + seconds

    gaps: list[float] = []
    submits: list[float] = []
    paints: list[float] = []
    last = [time.perf_counter()]

    def tick():
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now

    def paint():
        started = time.perf_counter()
        end = time.thread_time() + paint_ms / 1000
        while time.thread_time() < end:
            pass
        paints.append(time.perf_counter() - started)

    def small_task():
        started = time.perf_counter()
        runner.submit(sum, range(1000), key="small")
        submits.append(time.perf_counter() - started)

    timers = []
    for interval, slot in ((2, tick), (every_ms, paint), (100, small_task)):
        timer = QTimer()
        timer.setTimerType(Qt.TimerType.PreciseTimer)
        timer.setInterval(interval)
        timer.timeout.connect(slot)
        timers.append(timer)
    for i, job in enumerate(jobs):
        runner.submit(lambda progress, job=job: job(until), key=f"job-{i}")
    app.processEvents()
    queued0, wall0 = _queued_s(), time.perf_counter()
    last[0] = time.perf_counter()
    for timer in timers:
        timer.start()
    while runner.busy:
        app.processEvents()
        time.sleep(0.0005)
    for timer in timers:
        timer.stop()
    wall = time.perf_counter() - wall0
    runner.shutdown()
    for _ in range(20):
        app.processEvents()
    gaps.sort()
    return {"worst": gaps[-1], "p99": gaps[int(0.99 * (len(gaps) - 1))],
            "queued": (_queued_s() - queued0) / wall,
            "submit": statistics.median(submits), "submit_worst": max(submits),
            "paint": statistics.median(paints), "paint_worst": max(paints)}


def paints_beside_python(app, interval: float, paints: int = 40) -> tuple[float, float]:
    """Median and longest wall time of a plot's paint while a task runs Python code, with
    the GIL's switch interval at ``interval``."""
    import pyqtgraph as pg
    from PySide6.QtGui import QImage, QPainter

    import gui.tasks as tasks

    plot = pg.PlotWidget()
    plot.resize(600, 400)
    for i in range(8):
        plot.plot(np.random.default_rng(i).random(50), pen=i, symbol="o")
    plot.show()

    def paint():
        image = QImage(600, 400, QImage.Format.Format_ARGB32_Premultiplied)
        painter = QPainter(image)
        plot.render(painter)
        painter.end()

    for _ in range(3):
        paint()
    stop = threading.Event()

    def python_work(progress):
        while not stop.is_set():
            total = 0
            for i in range(20_000):
                total += i * i

    before = sys.getswitchinterval()
    sys.setswitchinterval(interval)
    runner = tasks.TaskRunner()
    _KEEP.append(runner)
    try:
        runner.submit(python_work, key="python")
        time.sleep(0.1)
        times = []
        for _ in range(paints):
            started = time.perf_counter()
            paint()
            times.append(time.perf_counter() - started)
            app.processEvents()
    finally:
        stop.set()
        while runner.busy:
            app.processEvents()
            time.sleep(0.001)
        runner.shutdown()
        sys.setswitchinterval(before)
        plot.close()
    return statistics.median(times), max(times)


def fit_after_idle(app, advice: bool, X: np.ndarray, y: np.ndarray, fits: int = 3,
                   idle_s: float = 2.5) -> float:
    """The GUI thread's longest wait while a task fits scikit-learn's brute-force
    ``KNeighborsClassifier`` on ``X`` (what DBSCAN's "new instances" asks of a million core
    samples), each fit after ``idle_s`` seconds of rest (a person's pace: memory freed by
    earlier work has gone back to the system), with numpy's huge-page advice on or off."""
    from sklearn.neighbors import KNeighborsClassifier

    import gui.tasks as tasks

    toggle = np._core.multiarray._set_madvise_hugepage
    before = toggle(advice)
    runner = tasks.TaskRunner()
    _KEEP.append(runner)
    worst = 0.0
    try:
        for _ in range(fits):
            end = time.perf_counter() + idle_s
            while time.perf_counter() < end:
                app.processEvents()
                time.sleep(0.01)
            runner.submit(lambda progress: KNeighborsClassifier(n_neighbors=50,
                                                                algorithm="brute").fit(X, y),
                          key="knn")
            last = time.perf_counter()
            while runner.busy:
                time.sleep(0.0005)  # needs the GIL to wake: a long gap is a worker holding it
                now = time.perf_counter()
                worst = max(worst, now - last)
                last = now
                app.processEvents()
    finally:
        runner.shutdown()
        toggle(before)
    return worst


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--nice", type=int, default=None,
                        help="the workers' nice increment for 'ours' (gui.workers.WORKER_NICE)")
    args = parser.parse_args(argv)
    global NICE
    from gui.workers import WORKER_NICE

    NICE = WORKER_NICE if args.nice is None else args.nice
    from gui.app import create_app

    app = create_app()
    # gui.memory.no_hugepage_advice (create_app) turned the advice off; the baseline turns it
    # back on. The window's allocator settings (gui.memory.limit_fragmentation) apply to both.
    # First: after the sections below had mapped and freed a lot, the kernel had 2 MB pages at
    # hand and neither configuration waited (a window's memory is not always so ready).
    from gui.memory import limit_fragmentation

    limit_fragmentation()
    rng = np.random.default_rng(1)
    cores, labels = rng.normal(size=(1_000_000, 2)), rng.integers(0, 8, 1_000_000)
    waits = {False: [], True: []}
    for _ in range(args.repeats):
        for advice in waits:
            waits[advice].append(fit_after_idle(app, advice, cores, labels))
    print(f"The GUI thread's longest wait for the GIL while a task fits KNeighborsClassifier on "
          f"1,000,000 x 2 after 2.5 s of rest (median of {args.repeats}; ours: no huge-page "
          f"advice, baseline: numpy's default)")
    row("longest GIL wait", statistics.median(waits[False]), statistics.median(waits[True]))

    X = np.random.default_rng(0).normal(size=(150_000, 16))
    results = {True: [], False: []}
    for _ in range(args.repeats):  # alternated: the machine's load changes under both alike
        for lowered in (True, False):
            results[lowered].append(one_run(app, args.seconds, [_fits(X)] * 2,
                                            NICE if lowered else 0))

    def med(lowered: bool, name: str) -> float:
        return statistics.median(r[name] for r in results[lowered])

    print(f"The GUI thread while two fits take every core ({args.seconds:g} s, "
          f"median of {args.repeats}; ours: workers at nice +{NICE}, baseline: at the window's "
          f"priority)")
    row("longest gap between 2 ms heartbeats", med(True, "worst"), med(False, "worst"))
    row("99th percentile of the gaps", med(True, "p99"), med(False, "p99"))
    print(f"{'share of the run waiting for a core':<44} ours {med(True, 'queued'):10.3f}     "
          f"baseline {med(False, 'queued'):10.3f}     ratio "
          f"{med(True, 'queued') / max(med(False, 'queued'), 1e-9):6.3f}")
    row("TaskRunner.submit of a small task (median)", med(True, "submit"), med(False, "submit"))
    row("TaskRunner.submit of a small task (worst)", med(True, "submit_worst"),
        med(False, "submit_worst"))

    # numpy's OpenBLAS helper threads were started as numpy was imported, at this thread's
    # priority; the window lowers them (gui.workers.lower_library_threads). A priority once
    # lowered may not be raised again without privileges: the baseline runs first.
    A = np.random.default_rng(2).normal(size=(1500, 1500))
    helpers = {False: [], True: []}
    for lowered in (False, True):
        if lowered:
            from gui.workers import lower_library_threads

            lower_library_threads()
        for _ in range(args.repeats):
            helpers[lowered].append(one_run(app, args.seconds, [_products(A)], NICE,
                                            paint_ms=20.0, every_ms=60))

    def helper(lowered: bool, name: str) -> float:
        return statistics.median(r[name] for r in helpers[lowered])

    print(f"The GUI thread painting (20 ms of CPU every 60 ms) while a task multiplies "
          f"1,500 x 1,500 matrices with numpy ({args.seconds:g} s, median of {args.repeats}; "
          f"ours: OpenBLAS's helper threads lowered by the window, baseline: left at its "
          f"priority)")
    row("a paint's wall time, median", helper(True, "paint"), helper(False, "paint"))
    row("a paint's wall time, longest", helper(True, "paint_worst"),
        helper(False, "paint_worst"))
    row("longest gap between 2 ms heartbeats ", helper(True, "worst"), helper(False, "worst"))
    print(f"{'share of the run waiting for a core ':<44} ours {helper(True, 'queued'):10.3f}     "
          f"baseline {helper(False, 'queued'):10.3f}     ratio "
          f"{helper(True, 'queued') / max(helper(False, 'queued'), 1e-9):6.3f}")

    from gui.app import SWITCH_INTERVAL_S

    paints = {SWITCH_INTERVAL_S: [], 0.005: []}
    for _ in range(args.repeats):
        for interval in paints:
            paints[interval].append(paints_beside_python(app, interval))
    print(f"A plot's paint beside a task running Python (median of {args.repeats}; ours: GIL "
          f"switch interval {SWITCH_INTERVAL_S * 1000:g} ms, baseline: 5 ms)")
    for i, what in enumerate(("median", "longest")):
        row(f"paint, {what}", statistics.median(r[i] for r in paints[SWITCH_INTERVAL_S]),
            statistics.median(r[i] for r in paints[0.005]))

    return 0


if __name__ == "__main__":
    sys.exit(main())
