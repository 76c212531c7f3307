"""Benchmark of the digits lab (issue 6), ours and the baseline in one process.

Targets:
1. semi-supervised: representatives + propagation + partial propagation + the four
   evaluations (core.semisupervised) under 10 s; baseline: the chapter's cells by hand with
   plain scikit-learn (default threads).
2. K-Means as preprocessing at k=88: ``standardize=True`` (ours) against the chapter's exact
   pipeline (baseline), both through core.preprocessing; the first at least 10× faster.

``--size N`` makes the training set N times bigger with 1-pixel shifted copies of the
digits (size 1 = the chapter's 1 347 training digits). Each figure is the median of
``--repeat`` runs (ours and the baseline alternately, so both see the same load). ``--plain`` also times the chapter's exact k=88 pipeline as a plain
scikit-learn call with its default threads (slow on a busy 2-core machine).

    python bench/bench_digits.py [--size 1] [--repeat 5] [--plain]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.preprocessing import fit_pipeline  # noqa: E402
from core.semisupervised import digits_split, representatives, study  # noqa: E402

SHIFTS = [(1, 0), (0, 1), (-1, 0), (0, -1), (1, 1), (-1, -1), (1, -1), (-1, 1)]


def shifted(X: np.ndarray, dx: int, dy: int) -> np.ndarray:
    imgs = X.reshape(-1, 8, 8)
    out = np.zeros_like(imgs)
    src = imgs[:, max(0, -dy):8 - max(0, dy), max(0, -dx):8 - max(0, dx)]
    out[:, max(0, dy):8 - max(0, -dy), max(0, dx):8 - max(0, -dx)] = src
    return out.reshape(len(X), 64)


class Split:
    """The chapter's split, with the training set grown ``size`` times by shifted copies."""

    def __init__(self, size: int):
        s = digits_split()
        Xs, ys = [s.X_train], [s.y_train]
        for i in range(size - 1):
            dx, dy = SHIFTS[i % len(SHIFTS)]
            Xs.append(shifted(s.X_train, dx * (1 + i // len(SHIFTS)), dy * (1 + i // len(SHIFTS))))
            ys.append(s.y_train)
        self.X_train = np.vstack(Xs)
        self.y_train = np.concatenate(ys)
        self.X_test, self.y_test = s.X_test, s.y_test


def timed_pair(ours, baseline, repeat: int):
    """Median times of ``ours`` and ``baseline``, run alternately so both see the same load."""
    t_ours, t_base, r_ours, r_base = [], [], None, None
    for _ in range(repeat):
        start = time.perf_counter()
        r_ours = ours()
        t_ours.append(time.perf_counter() - start)
        start = time.perf_counter()
        r_base = baseline()
        t_base.append(time.perf_counter() - start)
    return statistics.median(t_ours), r_ours, statistics.median(t_base), r_base


def ours_semi(split):
    reps = representatives(split.X_train, n_clusters=50, random_state=42)
    y_reps = split.y_train[reps.indices]  # what a careful person types
    return study(split, reps, y_reps, percentile=25)


def baseline_semi(split):
    """The chapter's cells 57–69, by hand (argmin: the closest digit)."""
    from sklearn.cluster import KMeans
    from sklearn.linear_model import LogisticRegression

    X_train, y_train, X_test, y_test = split.X_train, split.y_train, split.X_test, split.y_test

    def score(X, y):
        log_reg = LogisticRegression(max_iter=10_000, random_state=42)
        return log_reg.fit(X, y).score(X_test, y_test)

    random = score(X_train[:50], y_train[:50])
    k = 50
    kmeans = KMeans(n_clusters=k, random_state=42)
    X_digits_dist = kmeans.fit_transform(X_train)
    idx = X_digits_dist.argmin(axis=0)
    y_reps = y_train[idx]
    reps = score(X_train[idx], y_reps)
    y_prop = np.empty(len(X_train), dtype=np.int64)
    for i in range(k):
        y_prop[kmeans.labels_ == i] = y_reps[i]
    prop = score(X_train, y_prop)
    X_cluster_dist = X_digits_dist[np.arange(len(X_train)), kmeans.labels_]
    for i in range(k):
        in_cluster = kmeans.labels_ == i
        cutoff = np.percentile(X_cluster_dist[in_cluster], 25)
        X_cluster_dist[in_cluster & (X_cluster_dist > cutoff)] = -1
    mask = X_cluster_dist != -1
    partial = score(X_train[mask], y_prop[mask])
    return random, reps, prop, partial


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1,
                        help="training set multiplier (shifted copies); 1 = the chapter's")
    parser.add_argument("--repeat", type=int, default=5, help="runs per figure (median)")
    parser.add_argument("--k", type=int, default=88, help="clusters of the pipeline target")
    parser.add_argument("--plain", action="store_true",
                        help="also time the chapter's pipeline as a plain scikit-learn call")
    args = parser.parse_args(argv)
    split = Split(max(1, args.size))
    print(f"digits: {len(split.X_train)} training, {len(split.X_test)} test instances; "
          f"median of {args.repeat} runs\n")

    # warm-up: imports and the first KMeans
    ours_semi(split)

    t_ours, s, t_base, b = timed_pair(lambda: ours_semi(split), lambda: baseline_semi(split),
                                      args.repeat)
    # (equal at size 1; on the shifted copies, whose duplicates make ties, the thread count
    # can change KMeans' last bits and so the representatives)
    same = np.allclose([s.random, s.representatives, s.propagated, s.partial], b)
    print("1. representatives + propagation + partial propagation + 4 evaluations")
    print(f"   ours      {t_ours:8.3f} s   (core.semisupervised, single-threaded BLAS)")
    print(f"   baseline  {t_base:8.3f} s   (the chapter's cells, plain scikit-learn)")
    print(f"   ratio     {t_base / t_ours:8.2f} x   target: ours under 10 s -> "
          f"{'OK' if t_ours < 10 else 'MISSED'}")
    print(f"   accuracies random/reps/propagated/partial: {s.random:.4f} {s.representatives:.4f}"
          f" {s.propagated:.4f} {s.partial:.4f}  (same as baseline: {same})\n")

    k = args.k
    t_std, f_std, t_exact, f_exact = timed_pair(
        lambda: fit_pipeline(split.X_train, split.y_train, split.X_test, split.y_test, k,
                             standardize=True),
        lambda: fit_pipeline(split.X_train, split.y_train, split.X_test, split.y_test, k),
        args.repeat)
    ratio = t_exact / t_std
    print(f"2. K-Means ({k} clusters) + LogisticRegression pipeline")
    print(f"   ours      {t_std:8.3f} s   standardize=True: accuracy {f_std.accuracy:.4f}, "
          f"{f_std.n_iter} lbfgs iterations")
    print(f"   baseline  {t_exact:8.3f} s   chapter-exact: accuracy {f_exact.accuracy:.4f}, "
          f"{f_exact.n_iter} lbfgs iterations")
    print(f"   ratio     {ratio:8.2f} x   target: at least 10x -> "
          f"{'OK' if ratio >= 10 else 'MISSED'}")
    if args.plain:
        from sklearn.cluster import KMeans
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import Pipeline

        pipe = Pipeline([("kmeans", KMeans(n_clusters=k, random_state=42)),
                         ("log_reg", LogisticRegression(max_iter=10_000, random_state=42))])
        start = time.perf_counter()
        acc = pipe.fit(split.X_train, split.y_train).score(split.X_test, split.y_test)
        t_plain = time.perf_counter() - start
        print(f"   plain     {t_plain:8.3f} s   the chapter's cell as is (default threads): "
              f"accuracy {acc:.4f}; ratio to ours {t_plain / t_std:.1f} x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
