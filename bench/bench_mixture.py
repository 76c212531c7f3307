"""Gaussian mixtures: one EM step, the chapter's BIC sweep as a background task, the grid.

    python bench/bench_mixture.py                 # 100 000 rows for the EM step (under a minute)
    python bench/bench_mixture.py --size 400000   # a bigger EM step

* One EM step (``EMStepper.step()``, k=5, full covariances) at N x 2 and N x 16, against
  ``GaussianMixture(max_iter=1, weights_init=, means_init=, precisions_init=)`` fitted from
  the same initial parameters (target: ratio <= 1.0). Both give the same parameters; the
  bench checks it.
* The chapter's BIC sweep (k = 1..10, n_init=10, 1 250 points) run by ``gui.tasks.TaskRunner``
  on a worker thread, as the page runs it, against the plain scikit-learn loop
  ``GaussianMixture(n_components=k, n_init=10, random_state=42).fit(X).bic(X)``; also the
  longest gap between two progress reports (how long Cancel can take).
* The region grid: ``gmm_regions`` at 500 x 500, k=3 and k=10, against ``score_samples`` +
  ``predict`` on the 250 000 grid points (target: ours < 10 ms).

Medians of --repeat runs (the sweep: 2 runs, its baseline once).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import median_time, row  # noqa: E402


def make_data(n: int, d: int, seed: int = 0):
    from sklearn.datasets import make_blobs

    X, _ = make_blobs(n_samples=n, n_features=d, centers=5, cluster_std=[1.0, 1.5, 0.5, 2.0, 1.0],
                      random_state=seed)
    return X


def bench_step(n: int, d: int, repeats: int) -> None:
    import numpy as np
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.mixture import GaussianMixture

    from core.mixture import EMStepper

    X = make_data(n, d, seed=d)
    stepper = EMStepper(X, 5, "full", random_state=42)
    w0, m0, p0 = stepper.initial_params()
    times = []
    for _ in range(repeats + 1):
        stepper.reset()
        t = time.perf_counter()
        stepper.step()
        times.append(time.perf_counter() - t)
    ours = statistics.median(times[1:])

    def baseline():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            return GaussianMixture(5, covariance_type="full", max_iter=1, weights_init=w0,
                                   means_init=m0, precisions_init=p0).fit(X)

    base = median_time(baseline, repeats=repeats)
    gm = baseline()
    diff = max(np.abs(stepper.means - gm.means_).max(),
               np.abs(stepper.covariances - gm.covariances_).max())
    row(f"EM step, {n:,} x {d}, k=5 (max diff {diff:.1e})", ours, base, "ms",
        "ratio <= 1.0")
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):  # the baseline on one BLAS thread, as ours runs
        base1 = median_time(baseline, repeats=repeats)
    row("  same, baseline on one BLAS thread", ours, base1, "ms", "ratio <= 1.0")


def bench_sweep(repeats: int) -> None:
    import numpy as np
    from PySide6.QtCore import QCoreApplication
    from sklearn.mixture import GaussianMixture
    from threadpoolctl import threadpool_limits

    from core.mixture import chapter_data, sweep_components
    from gui.tasks import TaskRunner

    X = chapter_data()
    app = QCoreApplication.instance() or QCoreApplication([])
    runner = TaskRunner()
    times, gaps, results = [], [], []
    for _ in range(repeats):
        stamps: list[float] = []
        t = time.perf_counter()
        task = runner.submit(sweep_components, X, range(1, 11), "full", 10, 42, key="sweep",
                             on_result=results.append,
                             on_progress=lambda f, s=stamps: s.append(time.perf_counter()))
        while task.state in ("pending", "running"):
            app.processEvents()
            time.sleep(0.001)
        app.processEvents()
        times.append(time.perf_counter() - t)
        marks = [t, *stamps]
        gaps.append(max(b - a for a, b in zip(marks, marks[1:], strict=False)) if stamps else 0)
    runner.shutdown()
    ours = statistics.median(times)

    def baseline():
        # One BLAS thread for the baseline too: with the default two, on a busy 2-core
        # machine, the same loop took 10 times longer (26 s).
        with threadpool_limits(limits=1):
            return [GaussianMixture(n_components=k, n_init=10, random_state=42).fit(X).bic(X)
                    for k in range(1, 11)]

    t = time.perf_counter()
    bics = baseline()
    base = time.perf_counter() - t
    same = np.allclose(results[-1].bics, bics, atol=1e-6)
    row(f"BIC sweep k=1..10, n_init=10 (task; same: {same})", ours, base, "s")
    print(f"    best k by BIC: {results[-1].best_bic}; longest gap between progress reports "
          f"(Cancel latency): {statistics.median(gaps) * 1000:.1f} ms", flush=True)


def bench_regions(repeats: int) -> None:
    import numpy as np
    from sklearn.mixture import GaussianMixture

    from core.mixture import chapter_data, fit_gmm, gmm_regions, to_sklearn

    X = chapter_data()
    for k in (3, 10):
        result = fit_gmm(X, k, n_init=1)
        xr, yr = (X[:, 0].min() - 1, X[:, 0].max() + 1), (X[:, 1].min() - 1, X[:, 1].max() + 1)
        ours = median_time(lambda r=result, xr=xr, yr=yr: gmm_regions(r, xr, yr, 500), repeats=repeats * 4)
        gm: GaussianMixture = to_sklearn(result)
        grid = gmm_regions(result, xr, yr, 500)
        gx, gy = np.meshgrid(grid.xs, grid.ys)
        cells = np.c_[gx.ravel(), gy.ravel()]

        def baseline(gm=gm, cells=cells):
            return gm.score_samples(cells), gm.predict(cells)

        base = median_time(baseline, repeats=2)
        dens, labels = baseline()
        same = np.mean(grid.labels.ravel() == labels)
        err = np.abs(grid.log_density.ravel() - dens).max()
        row(f"gmm_regions 500x500, k={k} ({same:.3%} same, err {err:.0e})", ours, base, "ms",
            "ours < 10 ms")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000, help="rows for the EM step")
    parser.add_argument("--repeat", type=int, default=5, help="runs per case (median)")
    args = parser.parse_args(argv)
    print(f"Gaussian mixtures; medians of {args.repeat} runs", flush=True)
    bench_step(args.size, 2, args.repeat)
    bench_step(args.size, 16, args.repeat)
    bench_regions(args.repeat)
    bench_sweep(2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
