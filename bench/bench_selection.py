"""Benchmark core.selection against scikit-learn, in one run.

Targets (issue 4):

1. ``silhouette_diagram`` on 20 000 and 50 000 points, k=5: no slower than
   ``sklearn.metrics.silhouette_samples`` (ratio <= 1.0), peak memory under
   300 MB, the same values to 1e-10.
2. ``sweep_k`` for k = 1..10 on the chapter's blobs: under 2 s (the baseline is
   the plain scikit-learn loop: KMeans, silhouette_score, Calinski-Harabasz,
   Davies-Bouldin for every k).

Also: the sample of rows a sweep's silhouettes use, drawn for a second sweep of the same
data (the Choosing k page keeps it; scikit-learn shuffles every row again, holding the GIL).

Timings are medians of ``--runs`` runs, ours and the baseline alternating in
this process. Memory is the growth of the process' peak RSS during each call
(Linux VmHWM, reset before the call; elsewhere the call's tracemalloc peak).

    python bench/bench_selection.py                   # 20 000 points (under a minute)
    python bench/bench_selection.py --size 20000 50000
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def make_case(n: int):
    from sklearn.cluster import KMeans
    from sklearn.datasets import make_blobs

    X, _ = make_blobs(n_samples=n, centers=5, random_state=0)
    labels = KMeans(n_clusters=5, random_state=42).fit_predict(X)
    return X, labels


def run_ours(X, labels):
    from core.selection import silhouette_diagram

    return silhouette_diagram(X, labels).samples


def run_baseline(X, labels):
    from sklearn.metrics import silhouette_samples

    return silhouette_samples(X, labels)


def _status_kb(field: str) -> float | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return float(line.split()[1])
    except OSError:
        pass
    return None


def _reset_peak_rss() -> bool:
    """Reset the kernel's peak-RSS mark (VmHWM) of this process; False if impossible."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return _status_kb("VmHWM") is not None
    except OSError:
        return False


def measured_call(fn, *args):
    """(result, seconds, peak MB above the RSS before the call, peak RSS MB of the process).

    The peak comes from Linux's VmHWM, reset before the call. Elsewhere, the
    tracemalloc peak of the call is used for both figures (numpy's allocations
    are traced).
    """
    if _reset_peak_rss():
        before = _status_kb("VmRSS") or 0.0
        t = time.perf_counter()
        result = fn(*args)
        seconds = time.perf_counter() - t
        peak = _status_kb("VmHWM") or 0.0
        return result, seconds, max(0.0, peak - before) / 1024, peak / 1024
    t = time.perf_counter()
    result = fn(*args)
    seconds = time.perf_counter() - t
    tracemalloc.start()
    fn(*args)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return result, seconds, peak / 2**20, float("nan")


def median_time(fn, *args, runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn(*args)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def bench_silhouette(n: int, runs: int) -> None:
    X, labels = make_case(n)
    ours_t, base_t, ours_m, base_m = [], [], [], []
    for _ in range(runs):  # alternate, so both see the same machine load
        ours, t, grow, peak = measured_call(run_ours, X, labels)
        ours_t.append(t)
        ours_m.append((grow, peak))
        ref, t, grow, peak = measured_call(run_baseline, X, labels)
        base_t.append(t)
        base_m.append((grow, peak))
    o, b = statistics.median(ours_t), statistics.median(base_t)
    og, op = max(ours_m)
    bg, bp = max(base_m)
    diff = float(np.max(np.abs(ours - ref)))
    print(f"\nsilhouette_diagram vs silhouette_samples, n={n:,}, k=5 (median of {runs})")
    print(f"  time    ours {o:8.3f} s   baseline {b:8.3f} s   ratio {o / b:6.3f}   "
          "(target <= 1.0)")
    print(f"  memory  ours {og:8.1f} MB  baseline {bg:8.1f} MB  ratio {og / max(bg, 1e-9):6.3f}"
          "   (peak RSS growth during the call; target < 300 MB)")
    print(f"          whole process peak RSS: ours {op:.0f} MB, baseline {bp:.0f} MB")
    print(f"  values  max |ours - sklearn| = {diff:.2e}   (target <= 1e-10)")


def baseline_sweep(X, ks, random_state=42):
    from sklearn.cluster import KMeans
    from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score, silhouette_score

    out = []
    for k in ks:
        model = KMeans(n_clusters=k, random_state=random_state).fit(X)
        row = [model.inertia_]
        if k > 1:
            row += [silhouette_score(X, model.labels_), calinski_harabasz_score(X, model.labels_),
                    davies_bouldin_score(X, model.labels_)]
        out.append(row)
    return out


def bench_sweep(runs: int) -> None:
    from core.datasets import load_builtin
    from core.selection import sweep_k

    X = load_builtin("blobs").X
    ks = range(1, 11)
    sweep_k(X, [1, 2, 3])  # warm imports
    baseline_sweep(X, [1, 2])
    ours_t, base_t = [], []
    for _ in range(runs):
        t = time.perf_counter()
        sweep = sweep_k(X, ks)
        ours_t.append(time.perf_counter() - t)
        t = time.perf_counter()
        ref = baseline_sweep(X, ks)
        base_t.append(time.perf_counter() - t)
    o, b = statistics.median(ours_t), statistics.median(base_t)
    same = np.allclose(sweep.inertias, [r[0] for r in ref], rtol=1e-10) and np.allclose(
        sweep.silhouettes[1:], [r[1] for r in ref[1:]], atol=1e-10)
    print(f"\nsweep_k, k = 1..10 on the chapter's blobs (2 000 points, median of {runs})")
    print(f"  time    ours {o:8.3f} s   baseline {b:8.3f} s   ratio {o / b:6.3f}   "
          f"(target: ours < 2 s)")
    print(f"  values  same inertias and silhouette scores as scikit-learn: {same}; "
          f"elbow at k={sweep.elbow}")


def bench_sample_rows(runs: int, n: int = 1_000_000, size: int = 10_000) -> None:
    """The rows a sweep's silhouettes use (sample_size, random_state=42), drawn for a sweep
    of the same data again, as the Choosing k page does: ours keeps the draw; scikit-learn's
    ``silhouette_score`` shuffles all n rows each time, in one call holding the GIL."""
    from sklearn.utils import check_random_state

    import core.selection as sel

    sel._SAMPLES.clear()
    first = sel._sample_indices(n, size, 42)
    o = median_time(lambda: sel._sample_indices(n, size, 42), runs=runs)
    b = median_time(lambda: check_random_state(42).permutation(n)[:size], runs=runs)
    same = bool(np.array_equal(first, check_random_state(42).permutation(n)[:size]))
    print(f"\nsilhouette sample of {size:,} rows of {n:,}, a sweep's second time (median of {runs})")
    print(f"  time    ours {o * 1000:8.3f} ms  baseline {b * 1000:8.3f} ms  ratio {o / b:6.3f}")
    print(f"  values  the same rows as scikit-learn: {same}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, nargs="+", default=[20_000],
                        help="numbers of points for the silhouette target (default 20000)")
    parser.add_argument("--runs", type=int, default=3, help="runs per timing (median)")
    args = parser.parse_args(argv)
    import sklearn

    print(f"scikit-learn {sklearn.__version__}, numpy {np.__version__}")
    bench_sweep(max(args.runs, 3))
    bench_sample_rows(max(args.runs, 5))
    for n in args.size:
        bench_silhouette(n, args.runs)


if __name__ == "__main__":
    main()
