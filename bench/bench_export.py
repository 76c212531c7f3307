"""Figures (issue 16): how faithful and how fast the SVG export is, ours (gui/svg_export.py:
every item in device pixels) against Qt's QSvgGenerator (what the app used before), both
drawn by an independent renderer (resvg, the [test] extra) and compared with the app's own
PNG; and the time of a PNG at 2x against the 1x grab.

    python bench/bench_export.py                 # the K-Means and Choosing k pages
    python bench/bench_export.py --size all      # every page

Fidelity is the mean difference in grey levels (0-255) between the rasterised SVG and Qt's
PNG of the same plot (the issue's bound: 20); "dark" is the share of pixels dark in the SVG
and not on screen (black slabs). Lower is better for both.
"""

from __future__ import annotations

import argparse
import io
import re
import tempfile

import _common  # noqa: F401  (sets up sys.path and the offscreen platform)
import numpy as np
from _common import median_time, row


def qt_svg(widget) -> bytes:
    """The baseline: the widget painted into Qt's QSvgGenerator (the app's former export)."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPoint
    from PySide6.QtGui import QPainter
    from PySide6.QtSvg import QSvgGenerator
    from PySide6.QtWidgets import QWidget

    from gui.exports import export_mode

    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    generator = QSvgGenerator()
    generator.setOutputDevice(buffer)
    generator.setSize(widget.size())
    generator.setViewBox(widget.rect())
    painter = QPainter(generator)
    with export_mode(widget):
        QWidget.render(widget, painter, QPoint())
    painter.end()
    buffer.close()
    svg = bytes(data.data())
    # its size is in millimetres, which resvg_py refuses: the same size in pixels
    return re.sub(rb'width="[^"]*mm" height="[^"]*mm"',
                  f'width="{widget.width()}px" height="{widget.height()}px"'.encode(), svg,
                  count=1)


def grey_of(png: bytes) -> np.ndarray:
    from PIL import Image

    rgba = np.asarray(Image.open(io.BytesIO(png)).convert("RGBA"), float)
    alpha = rgba[..., 3:] / 255
    return (rgba[..., :3] * alpha + 255 * (1 - alpha)).mean(-1)


def fidelity(svg: bytes, screen: np.ndarray) -> tuple[float, float]:
    import resvg_py

    drawn = grey_of(bytes(resvg_py.svg_to_bytes(svg_string=svg.decode("utf-8"))))
    if drawn.shape != screen.shape:
        return float("nan"), float("nan")
    return (float(np.abs(drawn - screen).mean()),
            float(((drawn < 60) & (screen >= 60)).mean()))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", default="small", help="'small' (2 pages) or 'all'")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    from PySide6.QtCore import QSettings

    scratch = tempfile.mkdtemp(prefix="clusterlab-bench-")
    import os

    os.environ["CLUSTERLAB_DATA_DIR"] = os.path.join(scratch, "data")
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, scratch)
    from gui.app import MainWindow, create_app
    from gui.batch import spin
    from gui.exports import png_bytes
    from gui.pages import page_names
    from gui.svg_export import widget_svg

    app = create_app()
    window = MainWindow()
    window.resize(1320, 820)
    window.show()
    names = page_names() if args.size == "all" else ["kmeans", "choose-k"]
    for name in names:
        page = window.show_page(name)
        page.ensure_started()
        window.wait_for_result(page, 180)
        spin(0.3)
        widget = page.export_widget()
        ours_svg, base_svg = widget_svg(widget), qt_svg(widget)
        screen = grey_of(png_bytes(widget, 1.0))
        (ours_mean, ours_dark), (base_mean, base_dark) = (fidelity(ours_svg, screen),
                                                          fidelity(base_svg, screen))
        print(f"{name}: {widget.width()} x {widget.height()} px")
        print(f"  {'SVG vs Qt PNG, mean grey difference':<42} ours {ours_mean:8.2f}     "
              f"baseline {base_mean:8.2f}     ratio {ours_mean / base_mean:6.3f}   target: <= 20")
        print(f"  {'SVG: dark where the screen is not':<42} ours {ours_dark:8.4f}     "
              f"baseline {base_dark:8.4f}     ratio "
              f"{(ours_dark / base_dark if base_dark else float('nan')):6.3f}")
        row(f"  SVG export time ({len(ours_svg) // 1024} KB vs {len(base_svg) // 1024} KB)",
            median_time(lambda w=widget: widget_svg(w), args.repeats),
            median_time(lambda w=widget: qt_svg(w), args.repeats))
        row("  PNG at 2x (ours) vs the 1x grab",
            median_time(lambda w=widget: png_bytes(w, 2.0), args.repeats),
            median_time(lambda w=widget: png_bytes(w, 1.0), args.repeats))
    window.close()
    app.processEvents()


if __name__ == "__main__":
    main()
