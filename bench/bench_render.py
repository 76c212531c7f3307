"""Scatter view: recolour + repaint with N points and 8 labels, ours vs the stock pyqtgraph way;
the index canvases of six views of the same million points (the K-Means figure of
iterations' panels), shared (gui/widgets/canvases.py) vs made once per view; making the six
plots of that figure, their view boxes' menus made when first asked for
(gui/widgets/plot_pool.py) vs pyqtgraph's ``PlotItem()``; six plots repainted after their
points change colour, their axes painted from kept pixmaps vs replayed each time; a
million points rasterised in blocks vs one numpy call over all of them (and how long a
heartbeat thread waits meanwhile); and cold start to the first painted window, ours vs
importing scikit-learn at start-up.

    python bench/bench_render.py            # N = 10 000, 100 000, 1 000 000
    python bench/bench_render.py --size 200000

Targets (issue 2): < 50 ms per frame at 100 000 points, < 200 ms at 1 000 000; first painted
window < 1 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

import _common  # noqa: F401  (sets up sys.path and the offscreen platform)
import numpy as np
from _common import ROOT, longest_gil_wait, median_time, row


def frame_times(sizes, repeats, stock_repeats):
    import pyqtgraph as pg

    from gui.app import create_app
    from gui.widgets.palette import palette_rgba
    from gui.widgets.scatter import ScatterView

    app = create_app()
    palette = palette_rgba(8)
    brushes = [pg.mkBrush(*c) for c in palette]
    rng = np.random.default_rng(0)
    for n in sizes:
        xy = rng.normal(size=(n, 2))
        label_sets = [rng.integers(0, 8, n) for _ in range(repeats + 1)]

        view = ScatterView()
        view.resize(900, 650)
        view.show()
        app.processEvents()
        view.set_points(xy, labels=label_sets[0], size=4)
        view.viewport().repaint()
        ours = []
        for labels in label_sets[1:]:
            t = time.perf_counter()
            view.set_labels(labels, 8)
            view.viewport().repaint()
            ours.append(time.perf_counter() - t)
        view.close()

        stock = pg.PlotWidget()
        stock.resize(900, 650)
        stock.show()
        item = pg.ScatterPlotItem(x=xy[:, 0], y=xy[:, 1], size=4, pen=None)
        stock.addItem(item)
        app.processEvents()
        base = []
        for labels in label_sets[1:1 + stock_repeats(n)]:
            t = time.perf_counter()
            item.setBrush([brushes[i] for i in labels])
            stock.viewport().repaint()
            base.append(time.perf_counter() - t)
        stock.close()
        target = {100_000: "< 50 ms", 1_000_000: "< 200 ms"}.get(n, "")
        row(f"recolour + repaint, {n:,} points", statistics.median(ours),
            statistics.median(base), target=target)


STARTUP = r"""
import os, sys, time
t0 = float(os.environ["BENCH_T0"])
if os.environ.get("BENCH_EAGER_SKLEARN") == "1":
    import sklearn.cluster, sklearn.metrics  # what an app that imports scikit-learn at start pays
from PySide6.QtCore import QEvent, QObject, QTimer
from gui.app import MainWindow, create_app
app = create_app()
window = MainWindow()

class FirstPaint(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint:
            print(f"{time.time() - t0:.4f}", flush=True)
            os._exit(0)
        return False

f = FirstPaint()
window.nav.viewport().installEventFilter(f)
window.show()
app.exec()
"""


def startup_time(eager: bool) -> float:
    with tempfile.TemporaryDirectory() as scratch:  # a first start: no user settings
        env = {**os.environ, "BENCH_EAGER_SKLEARN": "1" if eager else "0",
               "PYTHONPATH": str(ROOT), "XDG_CONFIG_HOME": scratch,
               "CLUSTERLAB_DATA_DIR": os.path.join(scratch, "data")}
        env["BENCH_T0"] = repr(time.time())
        out = subprocess.run([sys.executable, "-c", STARTUP], env=env, cwd=ROOT,
                             capture_output=True, text=True, timeout=120)
    return float(out.stdout.strip().splitlines()[-1])


def shared_canvases(repeats: int, views: int = 6, n: int = 1_000_000) -> None:
    """Six views of the same points over the same ranges and pixels ask for their canvas."""
    from gui.widgets import canvases
    from gui.widgets.scatter import RasterRequest, rasterize_indices

    xy = np.random.default_rng(0).normal(size=(n, 2))

    def ours():
        canvases.forget()
        return [RasterRequest(xy, (-4.0, 4.0), (-4.0, 4.0), 231, 180, 1).rasterize()
                for _ in range(views)]

    def baseline():
        return [rasterize_indices(xy[:, 0], xy[:, 1], (-4.0, 4.0), (-4.0, 4.0), 231, 180, 1)
                for _ in range(views)]

    same = all(np.array_equal(a, b) for a, b in zip(ours(), baseline()))
    row(f"canvases of {views} views of {n:,} points (same: {same})",
        median_time(ours, repeats), median_time(baseline, repeats))
    canvases.forget()


def raster_blocks(repeats: int, n: int = 1_000_000) -> None:
    """One index canvas of a million points, rasterised in blocks of ``RASTER_BLOCK`` points
    (ours) vs one numpy call per step over all of them; and, while a worker thread makes
    canvases, the longest a 1 ms heartbeat on another thread waited (the GIL, as the GUI
    thread would)."""
    from gui.widgets import canvases, scatter

    xy = np.random.default_rng(0).normal(size=(n, 2))
    block = canvases.RASTER_BLOCK

    def make(block_size: int):
        def run():
            canvases.RASTER_BLOCK = block_size
            try:
                return scatter.rasterize_indices(xy[:, 0], xy[:, 1], (-4.0, 4.0), (-4.0, 4.0),
                                                 600, 500, 1)
            finally:
                canvases.RASTER_BLOCK = block
        return run

    ours, baseline = make(block), make(n)
    same = np.array_equal(ours(), baseline())
    row(f"rasterising {n:,} points (same canvas: {same})", median_time(ours, repeats),
        median_time(baseline, repeats))

    row("  longest heartbeat wait while a worker rasterises",
        longest_gil_wait(ours, repeats * 2), longest_gil_wait(baseline, repeats * 2))


def plot_making(repeats: int, plots: int = 6) -> None:
    """The plots of a page made at once (the figure of iterations' six panels): what the pool's
    idle turns, or a page with an empty stock, spend on the GUI thread. Ours and the baseline
    alternate, and each run's plots are freed before the next (a view box costs more to make
    the more there are)."""
    import gc

    import pyqtgraph as pg

    from gui.app import create_app
    from gui.widgets.plot_pool import new_plot

    app = create_app()
    times: dict = {new_plot: [], pg.PlotItem: []}
    for i in range(repeats + 1):
        for factory in (new_plot, pg.PlotItem) if i % 2 else (pg.PlotItem, new_plot):
            t = time.perf_counter()
            kept = [factory() for _ in range(plots)]
            elapsed = time.perf_counter() - t
            del kept
            gc.collect()
            app.processEvents()
            if i:  # (the first round warms up)
                times[factory].append(elapsed)
    row(f"making {plots} plots", statistics.median(times[new_plot]),
        statistics.median(times[pg.PlotItem]))


def axis_repaints(repeats: int, views: int = 6, n: int = 3_000) -> None:
    """Six plots (the figure of iterations' panels) repainted after their points change
    colour: their axes painted from pixmaps Qt keeps until they change
    (``plot_pool.cached_axes``, ours) vs replayed at every paint (pyqtgraph's way)."""
    from gui.app import create_app
    from gui.widgets.plot_pool import cached_axes
    from gui.widgets.scatter import ScatterView

    app = create_app()
    rng = np.random.default_rng(0)
    xy = rng.normal(size=(n, 2))
    label_sets = [rng.integers(0, 5, n) for _ in range(3)]
    groups = {}
    for cached in (True, False):
        groups[cached] = []
        for i in range(views):
            view = ScatterView(title=f"Panel {i + 1}")
            cached_axes(view.plotItem, on=cached)
            view.resize(430, 250)
            view.show()
            groups[cached].append(view)
    app.processEvents()  # (laid out before their points: both groups ranged alike)
    for view in groups[True] + groups[False]:
        view.set_points(xy, labels=label_sets[0], size=3)
        view.viewport().repaint()
    same = all(a.grab().toImage() == b.grab().toImage()
               for a, b in zip(groups[True], groups[False]))

    def repainting(plots):
        turn = iter(range(10**9))

        def repaint():
            labels = label_sets[next(turn) % len(label_sets)]
            for view in plots:
                view.set_labels(labels, 5)
                view.viewport().repaint()
        return repaint

    row(f"repaint of {views} plots after a recolouring (same pixels: {same})",
        median_time(repainting(groups[True]), repeats * 3),
        median_time(repainting(groups[False]), repeats * 3))
    for view in groups[True] + groups[False]:
        view.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, nargs="*", default=[10_000, 100_000, 1_000_000],
                        help="numbers of points")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--startup-runs", type=int, default=5)
    args = parser.parse_args()
    print("ClusterLab scatter view vs stock ScatterPlotItem with per-point brushes")
    frame_times(args.size, args.repeats, lambda n: 1 if n >= 500_000 else 3)
    shared_canvases(3)
    raster_blocks(args.repeats)
    plot_making(args.repeats)
    axis_repaints(args.repeats)
    ours = statistics.median(startup_time(False) for _ in range(args.startup_runs))
    base = statistics.median(startup_time(True) for _ in range(args.startup_runs))
    row("cold start to first painted window", ours, base, unit="s", target="< 1 s")


if __name__ == "__main__":
    main()
