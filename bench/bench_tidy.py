"""GUI-thread time of two small things done on every click or result (issue 10's leftovers):

- K-Means hand placement: ``DatasetStore.set`` per click. Ours changes the value and hands
  the file's bytes to the background writer (gui/file_writer.py); the baseline is the write
  made there and then (``DatasetStore.save``: JSON, temp file, fsync, rename), what ``set``
  did before.
- Image segmentation: a new palette's swatches. Ours: the grid's one style sheet, each
  swatch painting its colour; the baseline: a style sheet per swatch (the former code,
  reproduced here), each parsed and applied as the swatch is shown.

    python bench/bench_tidy.py              # 20 datasets in the store, 8 colours
    python bench/bench_tidy.py --size 200   # 200 datasets, 32 colours
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import _common  # noqa: F401  (sets up sys.path and the offscreen platform)
from _common import median_time, row


def bench_store(n_datasets: int, repeats: int) -> None:
    import statistics
    import time

    from gui.app import SWITCH_INTERVAL_S
    from gui.persist import DatasetStore

    sys.setswitchinterval(SWITCH_INTERVAL_S)  # as the window sets it
    with tempfile.TemporaryDirectory(dir=Path.home()) as tmp:  # (a disk, not a tmpfs)
        store = DatasetStore(Path(tmp) / "kmeans-datasets.json", version=2)
        for i in range(n_datasets):
            store.datasets[f"data{i}"] = {"placed": [[0.1 * j, 0.2 * j] for j in range(8)],
                                          "x_new": [[1.0 * j, -1.0 * j] for j in range(6)]}
        store.save()

        def click(i: int, write_now: bool) -> float:
            points = [[0.01 * i, 0.5]] * 8
            t = time.perf_counter()
            if write_now:  # the baseline: what set() did before
                store.datasets.setdefault("data0", {})["placed"] = points
                store.save()
            else:
                store.set("data0", "placed", points)
            return time.perf_counter() - t

        def median(write_now: bool, settle: bool) -> float:
            times = []
            for i in range(repeats + 1):
                if settle:
                    store.flush()  # (not timed: the writes of the clicks before are done)
                times.append(click(i, write_now))
            store.flush()
            return statistics.median(times[1:])

        row(f"store.set, one click ({n_datasets} datasets)", median(False, True),
            median(True, True))
        row(f"store.set, clicks in a row ({n_datasets} datasets)", median(False, False),
            median(True, False))


def bench_swatches(n_colors: int, repeats: int) -> None:
    import numpy as np
    from PySide6.QtCore import qInstallMessageHandler
    from PySide6.QtWidgets import QApplication

    from gui.widgets import swatches

    app = QApplication.instance() or QApplication([])
    qInstallMessageHandler(lambda *_: None)  # (offscreen: "does not support propagateSizeHints")
    rng = np.random.default_rng(0)

    def palette():
        rgb = rng.integers(0, 256, (n_colors, 3))
        return rgb, [1 / n_colors] * n_colors, ["#{:02x}{:02x}{:02x}".format(*c) for c in rgb]

    grid = swatches.SwatchGrid(columns=4)
    grid.resize(270, 120)
    grid.show()

    def shown(setup):
        colors, shares, hexes = palette()
        setup(colors, shares, hexes)
        grid.repaint()  # (laid out, polished and painted: what the window does next)
        app.processEvents()

    def ours(colors, shares, hexes):
        grid.set_palette(colors, shares, hexes)

    def old_style(b, rgb, hx, many):
        """The former per-swatch style sheet (the baseline)."""
        light = 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2] > 140
        b.setStyleSheet(
            f"QToolButton {{ background: {hx}; color: {'#000000' if light else '#ffffff'};"
            f" border: 1px solid #888; border-radius: 3px; font-size: {10 if many else 11}px;"
            f" padding: 0px; }}"
            f"QToolButton:checked {{ border: 3px solid {swatches.highlight_color(rgb)}; }}")

    def baseline(colors, shares, hexes):
        grid.setStyleSheet("")
        grid.set_palette(colors, shares, hexes)
        many = len(hexes) > 16
        for b, rgb, hx in zip(grid.buttons, colors, hexes):
            old_style(b, rgb, hx, many)

    t_base = median_time(lambda: shown(baseline), repeats=repeats)
    grid.setStyleSheet(swatches.STYLE)
    t_ours = median_time(lambda: shown(ours), repeats=repeats)
    row(f"a new palette's {n_colors} swatches shown", t_ours, t_base)
    grid.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=20, help="datasets in the store")
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    bench_store(args.size, args.repeats)
    bench_swatches(8 if args.size <= 20 else 32, args.repeats)


if __name__ == "__main__":
    main()
