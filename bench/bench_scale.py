"""Benchmark K-Means on data bigger than memory (issue 14): ``core.scale``.

1. One machine: a memory-mapped ``.npy`` of 16M x 16 float64 (2 GB, ``--size full``):
   ``fit_kmeans_streaming`` (k-means++ on a 1M-row sample, then exact Lloyd passes over
   chunks): time per pass and peak RSS, against ``KMeans`` fitted on a 1M-row sample (its
   time and peak RSS; the sample drawn by reading the file, as ours does); the passes alone
   (from k given rows: no sample fit) for the memory of streaming itself; and the inertia on
   the whole data of both fits; and ``StreamingStepper.step()`` (one pass a press of the
   K-Means page's "Pass ▶") against a pass of the fit.
2. A cluster: a 20M x 8 table (8 ``.npy`` shards) on a 2-worker ``LocalCluster``: time per
   Lloyd step against a pass of the same fit in this process, and the inertia on the whole
   data against the in-memory ``KMeans`` fit on a 1M-row sample.

Each fit runs in a fresh Python process, so its memory figure is its own: the growth of the
peak RSS (Linux VmHWM) over the RSS before the call. The data are generated into a temporary
folder (``--tmp``, default /tmp) and deleted at the end.

    python bench/bench_scale.py             # small: 1M x 16 and 2M x 8, about a minute
    python bench/bench_scale.py --small     # the same
    python bench/bench_scale.py --size full # 16M x 16 (2 GB) and 20M x 8 (1.3 GB): minutes
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._common import row  # noqa: E402

SIZES = {
    "small": {"one": (1_000_000, 16), "cluster": (2_000_000, 8), "sample": 100_000},
    "full": {"one": (16_000_000, 16), "cluster": (20_000_000, 8), "sample": 1_000_000},
}
K = 8
MAX_PASSES = 20

CHILD = r"""
import json, sys, time
sys.path.insert(0, {root!r})
import numpy as np
from core.scale import fit_kmeans_streaming
from sklearn.cluster import KMeans

def memory():  # VmRSS, VmHWM... of this process in bytes (getrusage's maxrss survives exec)
    with open("/proc/self/status") as f:
        vm = dict(line.split(":", 1) for line in f if line.startswith("Vm"))
    return {{k: int(v.split()[0]) * 1024 for k, v in vm.items()}}

args = json.loads(sys.argv[1])
out = {{}}
before = memory()["VmRSS"]
t = time.perf_counter()
if args["mode"] == "stream":
    res = fit_kmeans_streaming(args["paths"], args["k"], init_sample=args["sample"],
                               max_iter=args["max_iter"], method=args.get("method", "lloyd"),
                               random_state=0)
    out.update(passes=list(res.pass_seconds), inertia=res.inertia, n_iter=res.n_iter,
               centers=np.asarray(res.centers).tolist(), chunks=res.n_chunks)
elif args["mode"] == "passes":
    X0 = np.load(args["paths"][0], mmap_mode="r")
    init = np.array(X0[:args["k"]])
    res = fit_kmeans_streaming(args["paths"], args["k"], init=init, init_sample=1000,
                               max_iter=args["max_iter"], tol=0.0)
    out.update(passes=list(res.pass_seconds), n_iter=res.n_iter)
elif args["mode"] == "stepper":  # what the K-Means page's "Pass ▶" costs a press
    from core.scale import StreamingStepper
    X0 = np.load(args["paths"][0], mmap_mode="r")
    st = StreamingStepper(args["paths"], args["k"], init=np.array(X0[:args["k"]]), tol=0.0,
                          max_iter=args["max_iter"])
    steps = []
    while st.can_step:
        t0 = time.perf_counter()
        st.step()
        steps.append(time.perf_counter() - t0)
    out.update(passes=steps)
elif args["mode"] == "sample":
    from core.scale import sample_rows
    S, _, _ = sample_rows(args["paths"], args["sample"], random_state=0)
    t = time.perf_counter()
    km = KMeans(args["k"], n_init=3, random_state=0).fit(S)
    out.update(centers=km.cluster_centers_.tolist())
elif args["mode"] == "dask":
    from distributed import Client, LocalCluster
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address="127.0.0.1:0", host="127.0.0.1") as cl, Client(cl) as c:
        from core.kmeans import _Kernels
        c.run(lambda: _Kernels.get() is not None)  # scikit-learn imported on every worker
        t = time.perf_counter()
        res = fit_kmeans_streaming(args["paths"], args["k"], init_sample=args["sample"],
                                   max_iter=args["max_iter"], client=c, random_state=0)
        out.update(passes=list(res.pass_seconds), inertia=res.inertia, n_iter=res.n_iter,
                   centers=np.asarray(res.centers).tolist(), chunks=res.n_chunks)
out["seconds"] = time.perf_counter() - t
out["peak"] = memory()["VmHWM"] - before
print(json.dumps(out))
"""


def child(args: dict) -> dict:
    code = CHILD.format(root=str(ROOT))
    out = subprocess.run([sys.executable, "-c", code, json.dumps(args)], capture_output=True,
                         text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"child failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def make_blobs_npy(path: Path, n: int, d: int, seed: int, shards: int = 1) -> list[str]:
    """Gaussian blobs around K random centres, written chunk by chunk (never all in memory)."""
    rng = np.random.default_rng(seed)
    centres = rng.uniform(-10, 10, size=(K, d))
    spread = rng.uniform(0.5, 2.0, size=K)
    paths = []
    bounds = np.linspace(0, n, shards + 1).astype(int)
    for s in range(shards):
        p = path.with_name(f"{path.stem}-{s}.npy") if shards > 1 else path
        rows = int(bounds[s + 1] - bounds[s])
        arr = np.lib.format.open_memmap(p, mode="w+", dtype=np.float64, shape=(rows, d))
        for a in range(0, rows, 1_000_000):
            b = min(rows, a + 1_000_000)
            lab = rng.integers(0, K, b - a)
            arr[a:b] = centres[lab] + rng.normal(size=(b - a, d)) * spread[lab, None]
        arr.flush()
        del arr
        paths.append(str(p))
    return paths


def value_row(label: str, ours: float, baseline: float, digits: int = 6) -> None:
    print(f"{label:<50} ours {ours:.6e}  baseline {baseline:.6e}  "
          f"ratio {ours / baseline:.{digits}f}", flush=True)


def inertia_on(paths: list[str], centers) -> float:
    """The exact inertia of ``centers`` on the whole data (one streaming pass, here)."""
    from core.scale import fit_kmeans_streaming

    res = fit_kmeans_streaming(paths, len(centers), init=np.asarray(centers), max_iter=1,
                               init_sample=1000)
    return float(res.history_inertia[0])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", choices=sorted(SIZES), default="small")
    ap.add_argument("--small", action="store_true", help="the small size (the default)")
    ap.add_argument("--tmp", default="/tmp", help="where the data are generated")
    ap.add_argument("--only", choices=("one", "cluster"), help="run one of the two parts")
    ns = ap.parse_args()
    size = SIZES["small" if ns.small else ns.size]
    folder = Path(tempfile.mkdtemp(prefix="clusterlab-bench-scale-", dir=ns.tmp))
    try:
        if ns.only != "cluster":
            one(folder, size)
        if ns.only != "one":
            cluster(folder, size)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def one(folder: Path, size: dict) -> None:
    n, d = size["one"]
    m = size["sample"]
    t = time.perf_counter()
    paths = make_blobs_npy(folder / "one.npy", n, d, seed=1)
    gb = Path(paths[0]).stat().st_size / 2**30
    print(f"# one machine: {n:,} x {d} float64 memory-mapped .npy ({gb:.2f} GB, generated "
          f"in {time.perf_counter() - t:.0f} s), k={K}, sample {m:,} rows", flush=True)
    ours = child({"mode": "stream", "paths": paths, "k": K, "sample": m,
                  "max_iter": MAX_PASSES})
    mb = child({"mode": "stream", "paths": paths, "k": K, "sample": m, "max_iter": 3,
                "method": "minibatch"})
    passes = child({"mode": "passes", "paths": paths, "k": K, "max_iter": 3})
    steps = child({"mode": "stepper", "paths": paths, "k": K, "max_iter": 3})
    base = child({"mode": "sample", "paths": paths, "k": K, "sample": m})
    per_pass = statistics.median(ours["passes"] + passes["passes"])
    print(f"  streaming: {ours['n_iter']} Lloyd passes of {ours['chunks']} chunks, "
          f"{ours['seconds']:.1f} s in all (sample fit included); passes "
          + ", ".join(f"{s:.2f}" for s in ours["passes"]) + " s", flush=True)
    row(f"Lloyd pass over {n // 10**6}M rows vs KMeans(1M sample)" if m >= 10**6 else
        f"Lloyd pass over {n:,} rows vs KMeans({m:,} sample)", per_pass, base["seconds"], "s")
    row("MiniBatch pass (same chunks) vs KMeans(sample)", statistics.median(mb["passes"]),
        base["seconds"], "s")
    print("  Lloyd passes from k given rows (no sample fit): "
          + ", ".join(f"{x:.2f}" for x in passes["passes"]) + " s", flush=True)
    row("StreamingStepper.step() vs a pass of the fit", statistics.median(steps["passes"]),
        statistics.median(passes["passes"]), "s")
    row("peak RSS growth: streaming fit vs KMeans(sample)", ours["peak"], base["peak"], "MB")
    row("peak RSS growth: the passes alone vs KMeans(sample)", passes["peak"], base["peak"],
        "MB")
    full_base = inertia_on(paths, base["centers"])
    value_row("inertia on all rows: streaming vs KMeans(sample)", ours["inertia"], full_base)
    value_row("inertia on all rows: MiniBatch vs streaming", mb["inertia"], ours["inertia"])
    for p in paths:
        Path(p).unlink()


def cluster(folder: Path, size: dict) -> None:
    n, d = size["cluster"]
    m = size["sample"]
    paths = make_blobs_npy(folder / "shard.npy", n, d, seed=2, shards=8)
    gb = sum(Path(p).stat().st_size for p in paths) / 2**30
    print(f"# cluster: {n:,} x {d} in 8 .npy shards ({gb:.2f} GB), 2-worker LocalCluster "
          f"(processes, 1 thread each), k={K}, sample {m:,} rows", flush=True)
    ours = child({"mode": "dask", "paths": paths, "k": K, "sample": m, "max_iter": MAX_PASSES})
    here = child({"mode": "stream", "paths": paths, "k": K, "sample": m,
                  "max_iter": MAX_PASSES})
    base = child({"mode": "sample", "paths": paths, "k": K, "sample": m})
    print(f"  dask: {ours['n_iter']} steps of {ours['chunks']} chunk tasks, "
          f"{ours['seconds']:.1f} s in all; steps "
          + ", ".join(f"{s:.2f}" for s in ours["passes"]) + " s", flush=True)
    row("Lloyd step on 2 workers vs a pass in-process", statistics.median(ours["passes"]),
        statistics.median(here["passes"]), "s")
    full_base = inertia_on(paths, base["centers"])
    value_row("inertia on all rows: dask fit vs KMeans(sample)", ours["inertia"], full_base)
    value_row("inertia: dask fit vs the same fit in-process", ours["inertia"], here["inertia"],
              digits=12)


if __name__ == "__main__":
    main()
