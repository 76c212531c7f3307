"""The standalone bundle (dist/ClusterLab/) against `python main.py` from the source tree:
its size, and the start-up times a person feels.

    python packaging/build_bundle.py --archive   # first: build the bundle (and its tar.gz)
    python bench/bench_bundle.py                 # about 30 s (a minute on a busy machine)
    python bench/bench_bundle.py --runs 9 --size 1920x1080

Each start is a new process with an empty settings and data folder (a first start), timed from
just before the process is spawned, warm (after one unmeasured start of each kind), median of
--runs:

- `--version`: until the process exited.
- first window: until the main window's first paint (`--exit-after-first-paint`, a hidden flag
  that prints the time of the first paint event of the window and exits), QT_QPA_PLATFORM
  offscreen.
- first K-Means result: `--page kmeans --screenshot out.png` until the process exited: the app
  started, fitted the chapter's K-Means, drew it and saved the PNG (this includes the 250 ms
  the screenshot waits for pyqtgraph's first layout pass).

Targets (issue 13): <= 280 MB unpacked (300 MB ceiling), about 110 MB as tar.gz; --version
< 0.5 s, first window <= 2 s warm, first K-Means result <= 3 s.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _common  # noqa: F401  (sets up sys.path and the offscreen platform)
from _common import ROOT, row

BUNDLE = ROOT / "dist" / "ClusterLab"
EXE = BUNDLE / ("ClusterLab.exe" if sys.platform == "win32" else "ClusterLab")
MB = 1024 * 1024


def _env(scratch: str) -> dict:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": scratch,
           "XDG_DATA_HOME": scratch, "CLUSTERLAB_DATA_DIR": os.path.join(scratch, "data")}
    env.pop("PYTHONPATH", None)
    return env


def _children_cpu() -> float:
    try:
        import resource
    except ImportError:  # Windows
        return float("nan")
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


CPU: dict[tuple, list[float]] = {}


def timed(command: list[str], first_paint: bool = False) -> float:
    """Seconds from spawning ``command`` to its exit (or to the first paint it printed).
    The CPU seconds the process used go into CPU[command]: on a shared machine they vary less
    than wall time."""
    with tempfile.TemporaryDirectory() as scratch:
        start_wall = time.time()
        start = time.perf_counter()
        cpu = _children_cpu()
        out = subprocess.run(command, cwd=ROOT, env=_env(scratch), capture_output=True,
                             text=True, timeout=300)
        elapsed = time.perf_counter() - start
        CPU.setdefault(tuple(command), []).append(_children_cpu() - cpu)
    if out.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({out.returncode}):\n{out.stderr[-2000:]}")
    if first_paint:
        line = next(x for x in out.stdout.splitlines() if x.startswith("first-paint "))
        return float(line.split()[1]) - start_wall
    return elapsed


def median(command: list[str], runs: int, first_paint: bool = False) -> float:
    timed(command, first_paint)  # warm: the files are in the page cache
    CPU.pop(tuple(command), None)
    return statistics.median(timed(command, first_paint) for _ in range(runs))


def cpu_row(label: str, bundle: list[str], source: list[str]) -> None:
    ours, base = CPU.get(tuple(bundle), []), CPU.get(tuple(source), [])
    if ours and base and ours[0] == ours[0]:  # not NaN (Windows has no rusage)
        row(f"  CPU time (user + sys) of {label}", statistics.median(ours),
            statistics.median(base), unit="s")


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def sizes() -> None:
    unpacked = folder_size(BUNDLE)
    row("bundle size unpacked (vs target 280 MB)", unpacked, 280 * MB, unit="MB",
        target="<= 280 MB, ceiling 300 MB")
    archives = sorted((ROOT / "dist").glob("ClusterLab-*.tar.gz")) + sorted(
        (ROOT / "dist").glob("ClusterLab-*.zip"))
    if archives:
        newest = max(archives, key=lambda p: p.stat().st_mtime)
        row(f"bundle size as {newest.name.split('-')[-1].split('.', 1)[1]} (vs target 110 MB)",
            newest.stat().st_size, 110 * MB, unit="MB", target="about 110 MB")
    else:
        print("(no dist/ClusterLab-*.tar.gz: build with --archive to measure the packed size)")
    report = ROOT / "build" / "bundle-report.json"
    if report.is_file():
        parts = json.loads(report.read_text(encoding="utf-8")).get("breakdown", {})
        print("  what takes the space: " + ", ".join(
            f"{label} {size / MB:.0f} MB" for label, size in list(parts.items())[:6]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="measured starts of each kind")
    parser.add_argument("--size", default="1320x820",
                        help="window size of the K-Means screenshot, WIDTHxHEIGHT")
    args = parser.parse_args()
    if not EXE.is_file():
        raise SystemExit(f"No bundle at {EXE.relative_to(ROOT)}: build it first with "
                         "`python packaging/build_bundle.py --archive`.")
    source = [sys.executable, str(ROOT / "main.py")]
    bundle = [str(EXE)]
    print(f"ClusterLab bundle ({EXE.relative_to(ROOT)}) vs `python main.py` from the source "
          f"tree; warm starts, median of {args.runs}; ratio = bundle / source")
    sizes()
    version = ["--version"]
    row("--version", median(bundle + version, args.runs),
        median(source + version, args.runs), unit="s", target="< 0.5 s")
    cpu_row("--version", bundle + version, source + version)
    flag = ["--page", "data", "--exit-after-first-paint"]
    row("first window painted", median(bundle + flag, args.runs, first_paint=True),
        median(source + flag, args.runs, first_paint=True), unit="s", target="<= 2 s warm")
    with tempfile.TemporaryDirectory() as out:
        shot = ["--page", "kmeans", "--size", args.size, "--screenshot",
                os.path.join(out, "kmeans.png")]
        runs = max(1, (args.runs + 1) // 2)
        row("first K-Means result (screenshot saved)", median(bundle + shot, runs),
            median(source + shot, runs), unit="s", target="<= 3 s")
        cpu_row("the K-Means screenshot", bundle + shot, source + shot)
    print(f"(load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
          if hasattr(os, "getloadavg") else "")


if __name__ == "__main__":
    main()
