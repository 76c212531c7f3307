"""The GUI thread never computes: the longest GUI-thread stall of every page's interactions.

Opens the main window offscreen, opens a wide table (rows x 64 features) and a long one
(rows x 2) as File ▸ Open data does, and drives every page through the interactions a person
makes (fit, step, play, hand placement with drags, sweeps, sliders, eps/min_samples,
labelling, opening files) with the test drivers of tests/gui/page_drivers/; each run of
"choose the table" starts from the other table (switched to unmeasured). A 2 ms heartbeat
timer on the GUI thread records when the event loop last ran; an interaction's stall is the
longest gap between two heartbeats while it runs and until its background work is done.
"cpu/turn" is the GUI thread's own CPU time in its longest turn: the stall a quiet machine
would see, without the waits for a busy core or the GIL. A run of an interaction over
budget prints, just before the interaction's line, its longest turn split into GUI-thread
CPU, waiting for a core (a busy machine: Linux only) and blocked (the GIL held by a worker,
or I/O); --why also samples where the GUI thread and the workers were.

    python bench/bench_responsiveness.py                  # 20 000 x 64 and 100 000 x 2 (< 1 min)
    python bench/bench_responsiveness.py --size full      # the issue's 150 000 x 64 and 1 000 000 x 2
    python bench/bench_responsiveness.py --pages kmeans,dbscan

Target (issue 10): at most 50 ms everywhere. The "baseline" column is that budget, so a
ratio above 1 is a failure.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import tempfile
import time
from pathlib import Path

import _common  # noqa: F401  (sets up sys.path and the offscreen platform)
import numpy as np
from _common import ROOT

BUDGET_S = 0.050
SIZES = {"default": (20_000, 100_000), "full": (150_000, 1_000_000)}


class Heartbeat:
    """Records the longest gap between ticks of a 2 ms timer on the GUI thread."""

    def __init__(self):
        from PySide6.QtCore import Qt, QTimer

        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(2)
        self.timer.timeout.connect(self._tick)
        self.last = time.perf_counter()
        self.worst = 0.0
        # The GUI thread's own CPU time between two ticks: what a stall costs on a quiet
        # machine, without the time the thread waited for a core or for the GIL.
        self.last_cpu = time.thread_time()
        self.worst_cpu = 0.0
        # The longest turn split: (wall, GUI-thread CPU, time runnable but waiting for a core).
        # The rest of a turn the thread was blocked: on the GIL (a worker's long call) or I/O.
        self.last_queued = _queued_s()
        self.worst_turn = (0.0, 0.0, 0.0)

    def _tick(self) -> None:
        now, cpu, queued = time.perf_counter(), time.thread_time(), _queued_s()
        turn = (now - self.last, cpu - self.last_cpu, queued - self.last_queued)
        if turn[0] > self.worst_turn[0]:
            self.worst_turn = turn
        self.worst = max(self.worst, now - self.last)
        self.worst_cpu = max(self.worst_cpu, cpu - self.last_cpu)
        self.last, self.last_cpu, self.last_queued = now, cpu, queued

    def start(self) -> None:
        self.timer.start()

    def reset(self) -> None:
        self.last = time.perf_counter()
        self.worst = 0.0
        self.last_cpu = time.thread_time()
        self.worst_cpu = 0.0
        self.last_queued = _queued_s()
        self.worst_turn = (0.0, 0.0, 0.0)

    def measure(self) -> float:
        """The worst gap so far, counting the time since the last tick."""
        return max(self.worst, time.perf_counter() - self.last)


def _queued_s() -> float:
    """Seconds this thread spent runnable but waiting for a core (Linux's schedstat; else 0):
    what a busy machine adds to a stall."""
    import threading

    try:
        with open(f"/proc/self/task/{threading.get_native_id()}/schedstat") as f:
            return int(f.read().split()[1]) / 1e9
    except (OSError, ValueError, IndexError):
        return 0.0


class StallSampler:
    """Where the GUI thread is while it stalls (``--why``): a thread samples its stack every
    2 ms once the heartbeat is late by 30 ms, and counts the innermost project frames."""

    def __init__(self, beat: Heartbeat):
        import threading

        self.beat = beat
        self.main = threading.get_ident()
        self.counts: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        from gui.app import SWITCH_INTERVAL_S

        sys.setswitchinterval(SWITCH_INTERVAL_S)  # (as the window sets it)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def reset(self) -> None:
        self.counts = {}

    def _run(self) -> None:
        import threading
        import traceback

        def where(frame) -> str:
            stack = traceback.extract_stack(frame)
            picked = [f for f in stack if "/gui/" in f.filename or "/core/" in f.filename]
            tail = stack[-1]
            inner = " <- ".join(f"{Path(f.filename).name}:{f.name}:{f.lineno}"
                                for f in reversed(picked[-3:]))
            return f"{Path(tail.filename).name}:{tail.name}:{tail.lineno} | {inner}"

        me = threading.get_ident()
        while True:
            asleep = time.perf_counter()
            if self._stop.wait(0.002):
                return
            # Waking takes the GIL: a long wait means another thread held it (or the machine
            # was busy). The thread that held it has just let go, right after the long call.
            held = time.perf_counter() - asleep - 0.002
            frames = sys._current_frames()
            if held > 0.020:
                for ident, frame in frames.items():
                    if ident not in (me, self.main):
                        key = f"GIL wait {held * 1000:.0f} ms, thread at {where(frame)}"
                        self.counts[key] = self.counts.get(key, 0) + 1
            if time.perf_counter() - self.beat.last < 0.030:
                continue
            frame = frames.get(self.main)
            if frame is not None:
                key = where(frame)
                self.counts[key] = self.counts.get(key, 0) + 1

    def report(self, top: int = 4) -> None:
        for key, n in sorted(self.counts.items(), key=lambda kv: -kv[1])[:top]:
            print(f"{'':<24}~{n * 2:5d} ms  {key}", flush=True)
        # A long GIL hold is seen once (one sample), so it is not among the most counted.
        held = sorted((k for k in self.counts if k.startswith("GIL wait ")),
                      key=lambda k: -int(k.split()[2]))[:2]
        for key in held:
            if int(key.split()[2]) >= 40:
                print(f"{'':<24}longest: {key}", flush=True)


class Bot:
    """The part of pytest-qt's ``qtbot`` the drivers use, for a script."""

    def __init__(self, app):
        self.app = app

    def _spin(self, seconds: float) -> None:
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            self.app.processEvents()
            time.sleep(0.001)

    def wait(self, ms: int) -> None:
        self._spin(ms / 1000)

    def waitUntil(self, condition, timeout: int = 5000) -> None:  # noqa: N802 - qtbot's name
        end = time.perf_counter() + timeout / 1000
        while True:
            self.app.processEvents()
            try:
                ok = condition()
                ok = True if ok is None else ok
            except AssertionError:
                ok = False
            if ok:
                return
            if time.perf_counter() > end:
                raise TimeoutError("condition not met")
            time.sleep(0.001)

    @contextlib.contextmanager
    def waitSignal(self, signal, timeout: int = 5000, raising: bool = True):  # noqa: N802
        fired = []

        def slot(*args):
            fired.append(args)

        signal.connect(slot)
        try:
            yield
            self.waitUntil(lambda: bool(fired), timeout)
        except TimeoutError:
            if raising:
                raise
        finally:
            with contextlib.suppress(RuntimeError, TypeError):
                signal.disconnect(slot)

    def waitExposed(self, widget, timeout: int = 5000):  # noqa: N802
        return contextlib.nullcontext()

    def __getattr__(self, name):
        # mouseClick, mousePress, mouseMove, mouseRelease, keyClick, keyClicks, keyPress...
        from PySide6.QtTest import QTest

        return getattr(QTest, name)

    def addWidget(self, widget) -> None:  # noqa: N802
        pass


def make_tables(folder: Path, wide_rows: int, long_rows: int) -> tuple[Path, Path]:
    rng = np.random.default_rng(0)
    centres = rng.normal(scale=6.0, size=(8, 64))
    wide = centres[rng.integers(0, 8, wide_rows)] + rng.normal(size=(wide_rows, 64))
    centres2 = rng.uniform(-8, 8, size=(8, 2))
    long = centres2[rng.integers(0, 8, long_rows)] + rng.normal(scale=1.0, size=(long_rows, 2))
    wide_path, long_path = folder / "wide.npy", folder / "long.npy"
    np.save(wide_path, wide.astype(np.float64))
    np.save(long_path, long.astype(np.float64))
    return wide_path, long_path


def interactions(page: str, drivers, key: str, table: str):
    """(name, action) pairs for ``page`` on dataset ``key``; actions take the driver."""
    if page == "data":
        return [("choose the table", lambda d: d.set_dataset(key))]
    if page == "kmeans":
        return [
            ("choose the table + fit", lambda d: d.set_dataset(key)),
            ("k = 8, fit", lambda d: (d.set_k(8), d.wait_settled(), d.fit())),
            ("step", lambda d: d.step()),
            ("back", lambda d: d.back()),
            ("play 1 s", lambda d: (d.reset(), d.set_speed(30), d.play(True),
                                    d.bot_wait(1000), d.play(False))),
            ("init by hand: place 8 centroids",
             lambda d: (d.set_init("hand"), d.clear_placed(),
                        [d.place_centroid(*d.somewhere(i)) for i in range(8)])),
            ("drag a centroid", lambda d: d.drag_centroid(0, *d.somewhere(9), steps=12,
                                                          between=lambda: d.bot_wait(16))),
            ("pan and zoom", lambda d: (d.pan(0.1), d.zoom(1.3))),
            ("chapter's figure (iterations 1-3)", lambda d: d.chapter_figure()),
            ("init: k-means++", lambda d: (d.set_init("k-means++"), d.wait_settled())),
        ]
    if page == "choose-k":
        return [
            ("choose the table + sweep", lambda d: d.set_dataset(key)),
            ("select k on a curve", lambda d: d.select_k(3)),
            ("sweep k = 2..6", lambda d: d.set_k_range(2, 6)),
        ]
    if page == "dbscan":
        # DBSCAN on 150 000 x 64 runs for minutes: the driver does not wait for the result;
        # the stall is measured while the work runs (see --limit).
        return [
            ("choose the table", lambda d: d.set_dataset(key, wait=False)),
            ("eps: step the spin box", lambda d: d.step_eps(1, wait=False)),
            ("min_samples", lambda d: d.set_min_samples(8, wait=False)),
            ("add an instance", lambda d: d.add_instance(*d.somewhere(3), wait=False)),
        ]
    if page == "digits-labelling":
        return [
            ("label a digit", lambda d: d.label(0, 4)),
            ("undo", lambda d: d.undo()),
            ("fill with the chapter's labels", lambda d: d.fill_with_chapter_labels()),
            ("percentile slider", lambda d: d.set_percentile(40)),
            ("training round", lambda d: d.train_round()),
        ]
    if page == "digits-preprocessing":
        return [
            ("k", lambda d: d.set_k(60)),
            ("sweep of k", lambda d: d.run_sweep()),
        ]
    if page == "segmentation":
        return [
            ("k slider drag", lambda d: d.set_k(6)),
            ("k spin box", lambda d: d.set_k_spin(4)),
        ]
    return []


TABLE_PAGES = ("data", "kmeans", "choose-k", "dbscan")
OTHER_PAGES = ("segmentation", "digits-preprocessing", "digits-labelling")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="default",
                        help="'default' (20k x 64, 100k x 2), 'full' (150k x 64, 1M x 2) or "
                             "WIDE,LONG row counts")
    parser.add_argument("--pages", default="",
                        help="comma-separated page names (default: every page)")
    parser.add_argument("--tables", default="wide,long",
                        help="which tables the table pages work on: wide, long or both")
    parser.add_argument("--repeats", type=int, default=3,
                        help="runs of each interaction; the median stall is printed, and the "
                             "worst beside it")
    parser.add_argument("--limit", type=float, default=30.0,
                        help="seconds an interaction's background work is watched; work still "
                             "running then is cancelled, as a person pressing Esc would")
    parser.add_argument("--why", action="store_true",
                        help="sample the GUI thread's stack during stalls and print where it "
                             "was after each interaction over budget")
    args = parser.parse_args(argv)
    if args.size in SIZES:
        wide_rows, long_rows = SIZES[args.size]
    else:
        wide_rows, long_rows = (int(v) for v in args.size.split(","))
    pages = [p for p in args.pages.split(",") if p] or list(TABLE_PAGES + OTHER_PAGES)

    _compile_bytecode()
    scratch = Path(tempfile.mkdtemp(prefix="clusterlab-bench-"))
    import os

    os.environ["CLUSTERLAB_DATA_DIR"] = str(scratch / "data")
    from PySide6.QtCore import QSettings

    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(scratch))
    sys.path.insert(0, str(ROOT))
    import tests.gui.drivers as drivers
    from gui.app import MainWindow, create_app

    app = create_app()
    window = MainWindow()
    window.resize(1320, 820)
    window.show()
    bot = Bot(app)
    beat = Heartbeat()
    beat.start()
    sampler = StallSampler(beat) if args.why else None
    if sampler:
        sampler.start()
    wide_path, long_path = make_tables(scratch, wide_rows, long_rows)
    limit_ms = int(args.limit * 1000)

    def idle():
        """Wait for the background work (debounced work starts within 0.5 s), at most
        --limit seconds; then cancel what still runs and wait for it to stop."""
        bot.wait(500)
        try:
            bot.waitUntil(lambda: not window.tasks.busy, timeout=limit_ms)
        except TimeoutError:
            window.tasks.cancel()
            bot.waitUntil(lambda: not window.tasks.busy, timeout=120_000)
        bot.wait(30)  # the result's repaint

    cpu_turns: list[float] = []  # the longest CPU time in one turn, per measured action

    def measured(action) -> float:
        idle()
        beat.reset()
        if sampler:
            sampler.reset()
        action()
        idle()
        stall = beat.measure()
        if stall > BUDGET_S:
            wall, cpu, queued = beat.worst_turn
            print(f"{'':<24}longest turn {wall * 1000:.0f} ms: GUI-thread CPU {cpu * 1000:.0f}, "
                  f"waiting for a core {queued * 1000:.0f}, blocked (GIL, I/O) "
                  f"{max(0.0, wall - cpu - queued) * 1000:.0f}", flush=True)
            if sampler:
                sampler.report()
        cpu_turns.append(beat.worst_cpu)
        return stall

    print(f"ClusterLab GUI-thread stalls: wide {wide_rows:,} x 64, long {long_rows:,} x 2 "
          f"(budget {BUDGET_S * 1000:.0f} ms; ratio = stall / budget)", flush=True)
    # The window's start-up work (it imports the pages on a thread and makes plots ahead in
    # idle turns) is done before the first file opens, as when a person picks one in the
    # Open dialog; it is measured on its own row.
    from gui.widgets import plot_pool

    stall = measured(lambda: bot.waitUntil(
        lambda: window._prefetch.ident is not None and not window._prefetch.is_alive()
        and plot_pool.filled(), timeout=60_000))
    worst = _report("app", "start-up work (pages, plots ahead)", stall, cpu=cpu_turns[-1])
    keys = {}
    for label, path in (("wide", wide_path), ("long", long_path)):
        stall = measured(lambda p=path: window.open_path(str(p)))
        keys[label] = next(k for k, _ in window.ctx.dataset_choices() if k.endswith(path.name))
        worst = max(worst, _report("app", f"open the {label} table", stall, cpu=cpu_turns[-1]))

    for page in pages:
        cls = _driver_class(drivers, page)
        tables = [t for t in ("wide", "long") if t in args.tables.split(",")]
        for i, label in enumerate(tables if page in TABLE_PAGES else ("-",)):
            if i == 0:  # a page opens once: on the table opened last (it adopts it)
                stall = measured(lambda p=page: _click_page(window, p))
            else:
                window.show_page(page)
            driver = cls(window.page(page), bot)
            driver.bot_wait = bot.wait
            driver.somewhere = _somewhere(driver)
            if i == 0:
                shown = driver.selected_dataset()
                on = next((f" [{t}]" for t, k in keys.items() if k == shown), "")
                worst = max(worst, _report(page, f"open the page{on}", stall,
                                           cpu=cpu_turns[-1]))
            runs: dict[str, list[float]] = {}
            cpus: dict[str, list[float]] = {}
            other = next((k for t, k in keys.items() if t != label), None)
            for repeat in range(max(1, args.repeats)):
                for name, action in interactions(page, drivers, keys.get(label, ""), label):
                    try:
                        if repeat and other and name.startswith("choose the table"):
                            # each run chooses the table anew: from the other one (unmeasured)
                            if page == "dbscan":  # (its clustering of the wide table
                                driver.set_dataset(other, wait=False)  # runs for minutes)
                            else:
                                driver.set_dataset(other)
                            idle()
                        stall = measured(lambda a=action, d=driver: a(d))
                        runs.setdefault(name, []).append(stall)
                        cpus.setdefault(name, []).append(cpu_turns[-1])
                    except Exception as exc:  # noqa: BLE001 - report and go on
                        print(f"{page:<22} {name + _on(label):<44} failed: "
                              f"{type(exc).__name__}: {exc}", flush=True)
            for name, stalls in runs.items():
                _report(page, name + _on(label), statistics.median(stalls), max(stalls),
                        cpu=statistics.median(cpus[name]))
                worst = max(worst, max(stalls))
    print(f"worst stall: {worst * 1000:.1f} ms (budget {BUDGET_S * 1000:.0f} ms)", flush=True)
    window.close()
    app.processEvents()
    return 0


def _compile_bytecode() -> None:
    """Compile the project's modules as an install does (pip, the bundle). Run from a source
    tree with PYTHONDONTWRITEBYTECODE set, each page's first import would compile its modules
    while holding the GIL, in the thread that imports pages ahead: stalls of 0.4-2.5 s that an
    installed ClusterLab never has."""
    import compileall

    for folder in ("core", "gui"):
        compileall.compile_dir(str(ROOT / folder), quiet=1)


def _on(label: str) -> str:
    return "" if label == "-" else f" [{label}]"


def _report(page: str, name: str, stall: float, worst: float | None = None,
            cpu: float = float("nan")) -> float:
    worst = stall if worst is None else worst
    flag = "" if worst <= BUDGET_S else "   OVER BUDGET"
    print(f"{page:<22} {name:<44} ours {stall * 1000:8.1f} ms (worst {worst * 1000:6.1f}, "
          f"cpu/turn {cpu * 1000:5.1f})  baseline {BUDGET_S * 1000:4.0f} ms  "
          f"ratio {stall / BUDGET_S:5.2f}{flag}", flush=True)
    return worst


def _driver_class(drivers, page: str):
    for name, module in drivers._DRIVERS.items():
        if module == page.replace("-", "_"):
            return getattr(drivers, name)
    raise KeyError(page)


def _click_page(window, name: str) -> None:
    """Open page ``name`` as a person does: a click on its entry in the navigation list
    (the window makes the page in that turn and starts its work in the next)."""
    from tests.gui.drivers import click_page_entry

    click_page_entry(window, name)
    if name not in window.pages:
        raise RuntimeError(f"a click on the entry of '{name}' did not open the page")


def _somewhere(driver):
    """A point of the data as drawn (the i-th of a fixed random choice of rows)."""
    rng = np.random.default_rng(1)

    def at(i: int) -> tuple[float, float]:
        points = driver.view_coords() if hasattr(driver, "view_coords") else \
            driver.points_shown()
        row = rng.integers(0, len(points)) if i >= 0 else 0
        return float(points[row, 0]), float(points[row, 1])

    return at


if __name__ == "__main__":
    sys.exit(main())
