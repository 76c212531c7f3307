"""Numbers on screen: one format for counts and percentages, whole-number ticks on axes of
iterations and k, and a palette highlight that shows on every colour."""

from __future__ import annotations

import pytest

from gui.numbers import count, integer_ticks, percent


def test_counts_have_thousands_separators():
    assert count(100000) == "100,000"
    assert count(1347) == "1,347"
    assert count(7) == "7"


def test_percentages_keep_their_leading_zero():
    assert percent(0.009) == "0.9%"
    assert percent(0.0004, 2) == "0.04%"
    assert percent(0.25, 0) == "25%"
    assert percent(1.0) == "100.0%"


def test_integer_ticks_drop_halves():
    levels = [(1.0, [0.0, 1.0, 2.0]), (0.5, [0.5, 1.5])]
    assert integer_ticks(levels, 0.0, 2.0) == [(1.0, [0.0, 1.0, 2.0])]
    # only fractional spacings (a range of about one unit): every whole number in the range
    assert integer_ticks([(0.2, [0.2, 0.4, 0.6, 0.8])], -0.1, 1.1) == [(1.0, [0.0, 1.0])]


def _luminance(hex_color: str) -> float:
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (int(hex_color[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def _contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


@pytest.mark.parametrize("rgb", [(255, 255, 255), (250, 248, 240), (255, 235, 59),
                                 (255, 204, 0), (128, 128, 128), (31, 59, 87), (0, 0, 0),
                                 (200, 30, 30), (40, 160, 60)])
def test_the_palette_highlight_shows_on_every_colour(rgb):
    from gui.widgets.swatches import highlight_color

    swatch = "#{:02x}{:02x}{:02x}".format(*rgb)
    assert _contrast(highlight_color(rgb), swatch) >= 3.0, (swatch, highlight_color(rgb))


def test_swatches_print_small_shares_with_their_zero(qtbot):
    from gui.widgets.swatches import SwatchGrid

    grid = SwatchGrid(columns=4)
    qtbot.addWidget(grid)
    n = 20  # many colours: the small swatches
    shares = [0.009] * (n - 1) + [1 - 0.009 * (n - 1)]
    grid.set_palette([(250, 250, 250)] * n, shares, ["#fafafa"] * n, [90] * n)
    assert grid.buttons[0].text() == "0.9%"
    assert "0.90% of the image, 90 pixels" in grid.buttons[0].toolTip()


def test_swatches_share_one_style_and_paint_their_colours(qtbot):
    from PySide6.QtGui import QColor

    from gui.widgets.swatches import SwatchGrid, highlight_color

    grid = SwatchGrid(columns=4)
    qtbot.addWidget(grid)
    colors = [(250, 250, 250), (20, 30, 200), (255, 204, 0), (0, 0, 0), (200, 30, 30)]
    hexes = ["#{:02x}{:02x}{:02x}".format(*c) for c in colors]
    grid.set_palette(colors, [0.2] * 5, hexes)
    grid.resize(400, 80)
    grid.show()
    qtbot.waitExposed(grid)
    grid.select(3)  # black: the amber frame
    for b, rgb, hx in zip(grid.buttons, colors, hexes):
        assert b.styleSheet() == ""  # the grid's one style sheet styles them all
        image = b.grab().toImage()
        h = image.height()
        assert QColor(image.pixel(4, h // 2)).name() == hx  # the colour, left of the text
        fill = QColor(hx).lightness()
        inside = [QColor(image.pixel(x, y)).lightness() for x in range(4, image.width() - 4)
                  for y in range(4, h - 4)]
        text = max(inside, key=lambda v: abs(v - fill))  # the glyphs' strongest pixel
        dark = 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2] <= 140
        assert (text > fill + 60) if dark else (text < fill - 60)  # white on dark, else black
        frame = QColor(image.pixel(1 if b.isChecked() else 0, h // 2)).name()  # 3 px or 1 px
        assert frame == (highlight_color(rgb) if b.isChecked() else "#888888")
    assert highlight_color(colors[3]) == "#ffcc00"
    assert [b.isChecked() for b in grid.buttons] == [False, False, False, True, False]


def test_iteration_axes_tick_whole_numbers(qtbot):
    from gui.widgets.scatter import make_plot

    plot = make_plot(None, "iteration", "inertia", integer_x=True)
    qtbot.addWidget(plot)
    axis = plot.plotItem.getAxis("bottom")
    for lo, hi in ((0, 2), (0, 3), (0, 13), (-0.2, 1.2)):
        values = [v for _, vs in axis.tickValues(lo, hi, 300) for v in vs]
        assert values and all(float(v).is_integer() for v in values), (lo, hi, values)
