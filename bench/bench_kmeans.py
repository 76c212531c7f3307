"""K-Means lab: the stepper, the regions, playing on the page and a big fit, each beside its
baseline in one run.

    python bench/bench_kmeans.py                 # N = 1 000 000 2-D points, k = 8
    python bench/bench_kmeans.py --size 200000   # a smaller N (the page figures use N and N/10)
    python bench/bench_kmeans.py --skip-page     # engine figures only

Targets (issue 3):
  * one LloydStepper.step() on N points, k = 8: at most half the time of
    KMeans(init=C, n_init=1, max_iter=1).fit on the same data (ratio <= 0.5);
  * a stepper replaced by a new one on the same 150 000 x 64 table (issue 10: the GUI thread
    never computes): the old one freed on the GUI thread, ours vs centring the table afresh;
  * decision_regions on a 500 x 500 grid: under 10 ms (baseline: KMeans.predict on the 250 000
    cell centres, what the chapter's plot_decision_boundaries does);
  * playing the stepper on the page: >= 20 frames/s with 100 000 points, >= 5 with 1 000 000
    (step + recolour + centroids + trails + regions + repaint; baseline: the frame budget);
  * the GUI stays responsive during a 1 000 000-point fit (it runs as a task with Cancel):
    longest event-loop stall vs the same fit run on the GUI thread, and how fast Cancel stops it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
import warnings

import _common  # noqa: F401  (sets up sys.path and the offscreen platform)
import numpy as np
from _common import median_time, row


def make_data(n: int, seed: int = 0) -> np.ndarray:
    """Uniform points with eight denser blobs: K-Means takes many iterations on it."""
    rng = np.random.default_rng(seed)
    centres = rng.uniform(-8, 8, size=(8, 2))
    m = n // 2
    blobs = centres[rng.integers(0, 8, m)] + rng.normal(scale=1.2, size=(m, 2))
    return np.r_[blobs, rng.uniform(-10, 10, size=(n - m, 2))]


def bench_step(X: np.ndarray, repeats: int) -> None:
    from sklearn.cluster import KMeans

    from core.kmeans import LloydStepper

    k = 8
    for threads in (1, 2):
        stepper = LloydStepper(X, k, init="random", random_state=0, tol=0.0, n_threads=threads)
        stepper.step()  # warm-up
        times = []
        for _ in range(repeats):
            if stepper.converged:
                stepper.back()
            t = time.perf_counter()
            stepper.step()
            times.append(time.perf_counter() - t)
        ours = statistics.median(times)
        C = stepper.centers.copy()

        def baseline(C=C):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                KMeans(n_clusters=k, init=C, n_init=1, max_iter=1).fit(X)

        base = median_time(baseline, repeats=repeats)
        default = " (default)" if threads == 1 else ""
        row(f"step, {len(X):,} pts, k=8, {threads} thread{'s' if threads > 1 else ''}{default}",
            ours, base, target="ratio <= 0.5")

    # back() restores the exact previous state: recomputed labels when not cached
    stepper = LloydStepper(X, k, init="random", random_state=0)
    stepper.run(4)

    def back_and_forth():
        stepper.back()
        stepper.step()

    row("back() + step()", median_time(back_and_forth, repeats=repeats), 2 * base,
        target="(baseline: two KMeans max_iter=1 fits)")


def bench_regions(repeats: int) -> None:
    from sklearn.cluster import KMeans

    from core.kmeans import decision_regions

    rng = np.random.default_rng(1)
    X = rng.normal(size=(2000, 2))
    for k in (5, 8):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = KMeans(n_clusters=k, n_init=1, random_state=0).fit(X)
        C = model.cluster_centers_
        ours = median_time(lambda C=C: decision_regions(C, (-4, 4), (-3, 3), 500),
                           repeats=repeats * 3)
        grid = decision_regions(C, (-4, 4), (-3, 3), 500)
        gx, gy = np.meshgrid(grid.x, grid.y)
        cells = np.c_[gx.ravel(), gy.ravel()]
        base = median_time(lambda model=model, cells=cells: model.predict(cells),
                           repeats=repeats * 3)
        same = np.mean(grid.labels.ravel() == model.predict(cells))
        row(f"decision_regions 500x500, k={k} ({same:.4%} same)", ours, base,
            target="ours < 10 ms")


def bench_page(n_big: int, frames_small: int, frames_big: int) -> None:
    from PySide6.QtWidgets import QApplication

    from core.datasets import Dataset
    from core.kmeans import fit_kmeans
    from gui.app import MainWindow, create_app

    # The bench's window must not touch the user's settings or saved work.
    tmp = tempfile.mkdtemp(prefix="clusterlab-bench-")
    os.environ["CLUSTERLAB_DATA_DIR"] = os.path.join(tmp, "data")
    from PySide6.QtCore import QSettings

    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tmp)
    app = create_app()
    win = MainWindow()
    win.resize(1320, 820)
    win.show()
    app.processEvents()
    page = win.show_page("kmeans")
    page.ensure_started()

    def wait(cond, timeout=300.0):
        end = time.perf_counter() + timeout
        while not cond():
            app.processEvents()
            time.sleep(0.001)
            if time.perf_counter() > end:
                raise TimeoutError("the page did not finish in time")

    wait(lambda: page.has_result and not win.tasks.busy)

    def load(n: int, max_iter: int) -> str:
        X = make_data(n, seed=n % 97)
        key = f"bench-{n}"
        win.ctx.add_dataset(Dataset(name=f"bench {n:,}", X=X, key=key))
        c = page.controls
        c.max_iter_spin.setValue(max_iter)
        c.init_combo.setCurrentIndex(c.init_combo.findData("random"))
        c.n_init_spin.setValue(1)
        win.ctx.navigate("kmeans", n_clusters=8, dataset=key)
        wait(lambda: not win.tasks.busy and page.state.dataset is not None
             and page.state.dataset.key == key)
        return key

    # -- frames per second while playing
    for n, frames, budget in ((n_big // 10, frames_small, 1 / 20), (n_big, frames_big, 1 / 5)):
        load(n, max_iter=3)
        page.reset()
        wait(lambda: not win.tasks.busy)
        drawn: list[float] = []
        play = page.controls.play_button

        def painted(task, drawn=drawn):
            if task.key == "kmeans:stepper" and task.state == "done":  # a frame was rendered
                page.clusters.view.repaint()  # the repaint is part of the frame
                drawn.append(time.perf_counter())

        win.tasks.task_finished.connect(painted)
        play.setChecked(True)
        page.play_timer.setInterval(0)  # as fast as it goes
        t0 = time.perf_counter()
        wait(lambda d=drawn, f=frames, p=play: len(d) >= f or not p.isChecked())
        play.setChecked(False)
        wait(lambda: not win.tasks.busy)
        win.tasks.task_finished.disconnect(painted)
        # median interval between frames (robust to other processes stealing the CPU)
        per_frame = statistics.median(np.diff([t0] + drawn)) if drawn else float("nan")
        mode = "a worker thread or inline, by cost"
        row(f"play, {n:,} pts ({len(drawn)} frames, steps on {mode})", per_frame, budget,
            target=f">= {1 / budget:.0f} frames/s, i.e. ratio <= 1 ({1 / per_frame:.1f} fps)")

    # -- responsiveness during a big fit (runs as a task), vs the same fit on the GUI thread
    X = page.state.dataset.X
    t = time.perf_counter()
    fit_kmeans(X, 8, init="random", n_init=1, max_iter=20, random_state=0)
    frozen = time.perf_counter() - t

    stalls: list[float] = []
    last = [time.perf_counter()]

    def tick():
        now = time.perf_counter()
        stalls.append(now - last[0])
        last[0] = now

    from PySide6.QtCore import QTimer

    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(tick)
    page.controls.max_iter_spin.setValue(20)
    page.controls.seed_spin.setValue(0)
    last[0] = time.perf_counter()
    timer.start()
    page.fit()
    t = time.perf_counter()
    wait(lambda: not win.tasks.busy)
    timer.stop()
    took = time.perf_counter() - t
    worst = max(stalls) if stalls else float("nan")
    row(f"fit {len(X):,} pts (task, {took:.1f} s): longest GUI stall", worst, frozen,
        target="GUI responsive (baseline: the fit on the GUI thread)")

    # Cancel: how long until a long fit (ten initialisations) stops
    page.controls.max_iter_spin.setValue(300)
    page.controls.n_init_spin.setValue(10)
    page.fit()
    start = time.perf_counter()
    wait(lambda: time.perf_counter() - start > 0.5)
    running = win.tasks.busy
    t = time.perf_counter()
    win.cancel_current()
    wait(lambda: not win.tasks.busy)
    cancel = time.perf_counter() - t
    row("Cancel a running fit: time to stop" + ("" if running else " (it had ended!)"),
        cancel, frozen / 20, target="about one iteration (baseline: one iteration)")
    win.close()
    QApplication.processEvents()
    shutil.rmtree(tmp, ignore_errors=True)


def bench_replace(repeats: int, n: int = 150_000, d: int = 64) -> None:
    """A new stepper on the table the page shows (a centroid placed, a new fit) replaces the
    last one: made on a worker, the old one dropped on the GUI thread. Ours: the table is
    read-only (the app's datasets are) and its centred copy is shared; baseline: a writeable
    table, centred afresh for every stepper. Memory as the app has it (no huge pages)."""
    from core.kmeans import LloydStepper
    from gui.memory import no_hugepage_advice

    no_hugepage_advice()
    table = np.random.default_rng(0).normal(size=(n, d))
    frozen = table.copy()
    frozen.setflags(write=False)
    figures = {}
    for name, X in (("ours", frozen), ("baseline", table)):
        made, dropped = [], []
        stepper = LloydStepper(X, 8, init="random", random_state=0)
        for seed in range(1, repeats + 1):
            t = time.perf_counter()
            new = LloydStepper(X, 8, init="random", random_state=seed)
            made.append(time.perf_counter() - t)
            t = time.perf_counter()
            stepper = new  # the one replaced is freed here
            dropped.append(time.perf_counter() - t)
        del stepper, new
        figures[name] = statistics.median(made), statistics.median(dropped)
    row(f"new stepper on the same {n:,} x {d} table (worker)", figures["ours"][0],
        figures["baseline"][0])
    row("  the one it replaced freed (GUI thread)", figures["ours"][1], figures["baseline"][1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000,
                        help="points for the step bench and the big page figures (default 1e6)")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--skip-page", action="store_true", help="engine figures only")
    args = parser.parse_args()
    X = make_data(args.size)
    bench_step(X, args.repeats)
    bench_regions(args.repeats)
    bench_replace(args.repeats)
    if not args.skip_page:
        bench_page(args.size, frames_small=40, frames_big=12)


if __name__ == "__main__":
    main()
