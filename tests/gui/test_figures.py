"""Figures (issue 16): PNG at 2x and 4x that looks like the screen, only sharper; a whole
tab; the extension added when missing; --export-plot in a real process. Every page's plot as
SVG (rasterised by resvg and compared with Qt's PNG) and PDF is checked by the smoke test,
which opens every page anyway (tests/gui/figure_checks.py)."""

from __future__ import annotations

import io
import os
import stat

import numpy as np
import pytest
from PIL import Image

from gui.exports import save_widget

resvg_py = pytest.importorskip(
    "resvg_py", reason="resvg_py (the [test] extra) renders the SVGs independently of Qt")


def test_png_at_2x_looks_like_the_screen(window, open_page, tmp_path, qtbot):
    page = open_page("kmeans")
    window.code_dock.hide()  # as --export-plot does: the plot gets the code panel's room
    qtbot.wait(100)
    one, two = tmp_path / "k1.png", tmp_path / "k2.png"
    for path, scale in ((one, 1), (two, 2)):
        save_widget(page.export_widget(), str(path), scale=scale)
    with Image.open(one) as a, Image.open(two) as b:
        assert b.size == (2 * a.width, 2 * a.height)
        assert b.width >= 1100, "a 2x PNG of the K-Means plot is slide-sized"
        assert round(b.info["dpi"][0]) == 192
        shrunk = np.asarray(b.convert("L").resize(a.size, Image.Resampling.BOX), float)
        screen = np.asarray(a.convert("L"), float)
    # Every length doubled (fonts, lines, markers), so shrunk back it is the screen again:
    # with 1-pixel lines and markers left at screen size, the difference would be larger.
    assert np.abs(shrunk - screen).mean() < 8
    # Lines, markers and text are as thick as on screen: the dark pixels of the 2x image
    # cover four times the screen's count (twice as long, twice as wide), not two.
    with Image.open(two) as b:
        dark_2x = int((np.asarray(b.convert("L")) < 80).sum())
    assert 3.0 < dark_2x / int((screen < 80).sum()) < 5.0


def test_a_whole_tab_and_the_extension(window, open_page, tmp_path):
    page = open_page("kmeans")
    tab, plot = page.export_tab_widget(), page.export_widget()
    assert plot is not tab and tab.isAncestorOf(plot)  # the plot, and the tab with its table
    size = (2 * tab.width(), 2 * tab.height())
    path = window.export_plot(str(tmp_path / "tab"), "png", 2, whole_tab=True)
    assert path == str(tmp_path / "tab.png")
    with Image.open(path) as img:
        assert img.size == size
    # A name with another format's extension gets the chosen one appended, never replaced.
    path = window.export_plot(str(tmp_path / "plot.csv"), "svg")
    assert path == str(tmp_path / "plot.csv.svg")
    assert b"<svg" in (tmp_path / "plot.csv.svg").read_bytes()
    assert not (tmp_path / "plot.csv").exists()
    assert window.export_plot(str(tmp_path / "plot.PDF"), "pdf") == str(tmp_path / "plot.PDF")
    if os.name == "posix":
        old = os.umask(0o022)
        try:
            window.export_plot(str(tmp_path / "mode.svg"))
        finally:
            os.umask(old)
        assert stat.S_IMODE((tmp_path / "mode.svg").stat().st_mode) == 0o644


def test_the_dialogs_add_the_extension(window, open_page, tmp_path, monkeypatch, qtbot):
    from PySide6.QtWidgets import QFileDialog, QInputDialog

    open_page("data")
    answers = iter([str(tmp_path / "plot.csv"), str(tmp_path / "hi"), str(tmp_path / "table")])
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (next(answers), "")))
    monkeypatch.setattr(QInputDialog, "getInt", staticmethod(lambda *a, **k: (288, True)))
    window.export_plot_dialog("svg")
    assert (tmp_path / "plot.csv.svg").read_bytes().startswith(b"<?xml")
    window.export_menu.dpi_dialog()
    with Image.open(tmp_path / "hi.png") as img:
        assert img.width == 3 * page_width(window) and round(img.info["dpi"][0]) == 288
    window.export_csv_dialog()  # File ▸ Export results as CSV: "table" becomes table.csv
    qtbot.waitUntil(lambda: (tmp_path / "table.csv").exists(), timeout=30_000)
    assert (tmp_path / "table.csv").read_text().count("\n") > 100


def test_save_dialog_names():
    from gui.exports import ensure_suffix, path_for_filter, with_extension

    assert with_extension("a/plot.csv", "svg") == "a/plot.csv.svg"
    assert with_extension("plot.JPEG", "jpeg") == "plot.JPEG"
    assert ensure_suffix("labels", ".csv") == "labels.csv"
    assert path_for_filter("pal", "Hex list (*.txt)", ".csv") == "pal.txt"
    assert path_for_filter("img.jpeg", "JPEG image (*.jpg *.jpeg)", ".png") == "img.jpeg"
    assert path_for_filter("img.png", "JPEG image (*.jpg *.jpeg)", ".png") == "img.png.jpg"
    assert path_for_filter("x", "", ".gif") == "x.gif"


def page_width(window) -> int:
    return window.current_page().export_widget().width()


def test_svg_of_a_widget_that_is_not_a_plot_embeds_its_pixels(qtbot):
    from PySide6.QtWidgets import QLabel

    from gui.exports import render_image
    from gui.svg_export import widget_svg

    label = QLabel("no plot here")
    label.resize(120, 30)
    label.show()
    qtbot.addWidget(label)
    data = widget_svg(label)
    assert b"data:image/png;base64," in data
    img = Image.open(io.BytesIO(bytes(resvg_py.svg_to_bytes(svg_string=data.decode()))))
    assert img.size == (120, 30)
    assert render_image(label, 4).size().toTuple() == (480, 120)
    assert render_image(label, 300 / 96).width() == 375  # 300 DPI


def test_export_plot_on_the_command_line(tmp_path):
    """A real process: --export-plot with --scale, scratch settings, then it exits."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    out = tmp_path / "kmeans.png"
    result = subprocess.run([sys.executable, "main.py", "--page", "kmeans", "--export-plot",
                             str(out), "--scale", "2"], cwd=root, capture_output=True,
                            text=True, timeout=240)
    assert result.returncode == 0, result.stderr
    assert f"Saved {out}" in result.stdout
    with Image.open(out) as img:
        assert img.width >= 1100 and round(img.info["dpi"][0]) == 192
        colours = img.convert("RGB").getcolors(4_000_000)
        assert sum(1 for _, (r, g, b) in colours if max(r, g, b) - min(r, g, b) > 80) > 50


def test_kmeans_run_as_gif_and_png_frames(window, open_page, qtbot, tmp_path):
    """File ▸ Export run as animation and --export-frames (gui.batch calls the window's
    export_frames, as the menu does): every iteration from the initial centroids to
    convergence, the page's own stepper unmoved. (PNG frames: tests/core/test_animation.py.)"""
    from gui.batch import export_frames
    from tests.gui.drivers import KMeansDriver

    km = KMeansDriver.open(open_page, qtbot)
    km.wait_idle()
    km.back()
    km.back()  # the stepper stands two iterations before the end
    km.wait_idle()
    at = km.iteration()
    window.menuBar().actions()[0].menu().aboutToShow.emit()
    assert window.export_menu.frames_action.isEnabled()

    assert export_frames(window, "kmeans", str(tmp_path / "run.gif")) is None
    with Image.open(tmp_path / "run.gif") as gif:
        assert gif.n_frames == at + 3  # iterations 0 .. convergence
        first = np.asarray(gif.convert("RGB"), float)
        gif.seek(gif.n_frames - 1)
        last = np.asarray(gif.convert("RGB"), float)
        assert gif.info["loop"] == 0
        # the plot's size when it was drawn (the message bar has taken some height since)
        assert gif.width == window.current_page().export_widget().width()
    assert np.abs(first - last).mean() > 1  # the centroids and regions moved
    assert km.iteration() == at, "the page's stepper did not move"

    window.show_page("data")
    window.menuBar().actions()[0].menu().aboutToShow.emit()
    assert not window.export_menu.frames_action.isEnabled()
    assert window.export_frames(str(tmp_path / "x.gif")) is None
    assert "K-Means" in window.message_bar.text()


def test_export_frames_arguments_are_checked():
    from gui.cli import main

    assert main(["--page", "data", "--export-frames", "x.gif"]) == 2
    assert main(["--export-plot", "x.png", "--scale", "-1"]) == 2


def test_svg_draws_what_librsvg_got_wrong(qtbot, artifacts_dir):
    """The issue's cases, in one plot: a cosmetic line in a view scaled by thousands (a
    black slab in librsvg), '+' markers (diamonds), an image item, text with a background;
    each region of resvg's rendering matches Qt's."""
    import pyqtgraph as pg

    from gui.app import create_app
    from gui.exports import to_rgb
    from gui.svg_export import widget_svg

    create_app()
    plot = pg.PlotWidget(background="w")
    plot.resize(360, 260)
    qtbot.addWidget(plot)
    plot.show()
    qtbot.waitExposed(plot)
    x = np.linspace(0, 1000, 50)
    plot.addItem(pg.PlotCurveItem(x, x * 3000, pen=pg.mkPen(0, 0, 0, width=1)))
    plot.addItem(pg.ScatterPlotItem(x=[250, 750], y=[2.2e6, 2.2e6], symbol="+", size=24,
                                    pen=None, brush=pg.mkBrush(200, 0, 0)))
    image = pg.ImageItem(np.arange(12, dtype=float).reshape(3, 4), axisOrder="row-major")
    image.setRect(600, 1e5, 300, 6e5)
    plot.addItem(image)
    label = pg.TextItem(html="<b style='color:#1f77b4; background:rgba(255,255,255,200)'>"
                             "w=0.40</b>")
    label.setPos(100, 2.8e6)
    plot.addItem(label)
    plot.setRange(xRange=(0, 1000), yRange=(0, 3e6), padding=0)
    qtbot.wait(50)
    data = widget_svg(plot)
    qt = to_rgb(plot.grab().toImage()).astype(float).mean(-1)
    png = bytes(resvg_py.svg_to_bytes(svg_string=data.decode()))
    rgba = np.asarray(Image.open(io.BytesIO(png)).convert("RGBA"), float)
    other = (rgba[..., :3] * rgba[..., 3:] / 255 + 255 * (1 - rgba[..., 3:] / 255)).mean(-1)
    Image.fromarray(np.hstack([qt, other]).astype(np.uint8)).save(
        artifacts_dir / "svg-hard-cases.png")
    assert other.shape == qt.shape
    assert np.abs(other - qt).mean() < 6
    assert ((other < 60) & (qt >= 60)).mean() < 0.01  # no slab
    vb = plot.plotItem.vb
    for px, py in ((250, 2.2e6), (750, 2.2e6)):  # the '+' markers: the same shape
        p = plot.mapFromScene(vb.mapViewToScene(pg.Point(px, py)))
        box = np.s_[p.y() - 14:p.y() + 14, p.x() - 14:p.x() + 14]
        assert np.abs(other[box] - qt[box]).mean() < 12
        assert (other[box] < 200).sum() > 0.5 * (qt[box] < 200).sum()
