"""New data is shown at once: how soon an opened table's points are on a page, and what
drawing them grey costs the GUI thread.

Opens the window offscreen with the K-Means page (the chapter's blobs) built and drawn, then
opens a table of ROWS x 2 as File ▸ Open data does, twice: once as the app does now (the
page draws the new points grey, with "computing…", as soon as they are loaded:
gui/preview.py), once with that preview switched off (the page's points change only when its
fit is drawn: the behaviour before, the baseline). For each it prints the time from opening
the file to the new points on the page, and the longest GUI-thread stall (a 2 ms heartbeat)
from opening the file until the fit is drawn. Medians of --repeats runs.

    python bench/bench_new_data.py                    # 200 000 x 2 (< 1 min)
    python bench/bench_new_data.py --size 1000000     # the issue's million points
    python bench/bench_new_data.py --pages kmeans,gaussian-mixtures

Target: the points come well before the fit (time ratio < 1), and drawing them grey stalls
the GUI thread no more than the page's own drawing does. On a loaded 2-core machine the
longest stall is noisy (queued results are drawn in one go between two heartbeats); the
drawing times say what the preview itself costs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import _common  # noqa: F401  (sets up sys.path and the offscreen platform)
import numpy as np
from bench_responsiveness import Bot, Heartbeat


def write_table(path: Path, rows: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    centres = rng.uniform(-8, 8, size=(6, 2))
    xy = centres[rng.integers(0, 6, rows)] + rng.normal(size=(rows, 2))
    np.save(path, xy)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=200_000, help="rows of the table")
    parser.add_argument("--pages", default="kmeans",
                        help="comma-separated pages built before the table is opened")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    pages = [p for p in args.pages.split(",") if p]

    scratch = Path(tempfile.mkdtemp(prefix="clusterlab-bench-"))
    os.environ["CLUSTERLAB_DATA_DIR"] = str(scratch / "data")
    from PySide6.QtCore import QSettings

    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(scratch))
    from gui import preview
    from gui.app import create_app
    from tests.gui.drivers import open_window

    app = create_app()
    bot = Bot(app)
    window = open_window(bot)  # (a Bot does what the helper asks of a qtbot)
    beat = Heartbeat()
    beat.start()

    for name in pages:
        page = window.show_page(name)
        page.ensure_started()
        bot.waitUntil(lambda p=page: p.has_result and not window.tasks.busy, timeout=120_000)

    def views():
        return [v for name in pages for v in window.pages[name].current_tab().pending_views()]

    from gui.tasks import TaskRunner

    main_keys = {"kmeans:stepper", "choose-k:sweep", "dbscan:dbscan", "gaussian-mixtures:fit"}
    timed: dict[str, float] = {}
    show, on_done = preview.NewData._show, TaskRunner._on_done

    def timed_show(self, p):
        t = time.perf_counter()
        show(self, p)
        timed["preview"] = max(timed.get("preview", 0.0), time.perf_counter() - t)

    def timed_done(self, task, *args):
        t = time.perf_counter()
        on_done(self, task, *args)
        if task.key in main_keys:
            timed["result"] = max(timed.get("result", 0.0), time.perf_counter() - t)

    preview.NewData._show = timed_show
    TaskRunner._on_done = timed_done
    want = preview.NewData.want
    results: dict[str, dict[str, list[float]]] = {"ours": {}, "baseline": {}}
    for run in range(args.repeats):
        for mode in ("ours", "baseline"):
            preview.NewData.want = want if mode == "ours" else (lambda self, key: None)
            path = scratch / f"table-{mode}-{run}.npy"
            rows = args.size + (1 if mode == "baseline" else 0)  # (its points: told apart)
            write_table(path, rows, run)
            drawn = {name: window.pages[name].result_drawn for name in pages}
            done = set()
            slots = {name: (lambda n=name, d=done: d.add(n)) for name in pages}
            for name, signal in drawn.items():
                signal.connect(slots[name])
            bot.wait(300)
            timed.clear()
            beat.reset()
            t0 = time.perf_counter()
            window.open_path(str(path))
            bot.waitUntil(lambda r=rows: all(v.n_points == r for v in views()),
                          timeout=300_000)
            shown = time.perf_counter() - t0
            bot.waitUntil(lambda d=done: d == set(pages) and not window.tasks.busy,
                          timeout=600_000)
            stall = beat.measure()
            for name, signal in drawn.items():
                signal.disconnect(slots[name])
            results[mode].setdefault("shown", []).append(shown)
            results[mode].setdefault("stall", []).append(stall)
            results[mode].setdefault("preview", []).append(timed.get("preview", 0.0))
            results[mode].setdefault("result", []).append(timed.get("result", 0.0))
    preview.NewData.want = want

    print(f"ClusterLab new data: a {args.size:,} x 2 table opened, pages {', '.join(pages)} "
          f"(medians of {args.repeats})")
    for what, label, unit in (("shown", "time to the new points on the page", 1.0),
                              ("stall", "longest GUI-thread stall until the fit is drawn",
                               1000.0),
                              ("result", "GUI thread: drawing the result", 1000.0)):
        ours = statistics.median(results["ours"][what])
        base = statistics.median(results["baseline"][what])
        suffix = "s" if unit == 1.0 else "ms"
        print(f"{label:<50} ours {ours * unit:8.2f} {suffix}  baseline {base * unit:8.2f} "
              f"{suffix}  ratio {ours / base:.2f}")
    grey = statistics.median(results["ours"]["preview"])
    base = statistics.median(results["baseline"]["result"])
    print(f"{'GUI thread: drawing the grey points (ours only)':<50} ours {grey * 1000:8.2f} ms"
          f"  vs the baseline's result drawing {base * 1000:8.2f} ms  ratio {grey / base:.2f}")
    window.close()
    app.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main())
