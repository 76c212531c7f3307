"""A palette as clickable colour swatches, each with its share of the pixels.

The swatches share one style sheet, set once on their grid: the frame, the font and the
two text and frame colours, chosen by each swatch's dynamic properties (``dark``,
``frame``), which are fixed when the swatch is made. The colour itself, which differs for
every swatch, is painted by the swatch under what the style sheet draws. (A style sheet
per swatch had Qt parse a sheet and restyle each button of every new result.)"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QRectF, QSize, Signal
from PySide6.QtGui import QColor, QPainter, QPainterPath
from PySide6.QtWidgets import QGridLayout, QSizePolicy, QToolButton, QWidget

from gui.numbers import count, percent
from gui.widgets.palette import hex_color


def _light(rgb) -> bool:
    r, g, b = (int(c) for c in rgb[:3])
    return 0.299 * r + 0.587 * g + 0.114 * b > 140


#: the selected swatch's frame: black on light and middle colours, amber on dark ones
HIGHLIGHTS = ((0, 0, 0), (255, 204, 0))
#: the frame's radius (px) in the style sheet, which the painted colour follows
RADIUS = 3


def _relative_luminance(rgb) -> float:
    def channel(c: float) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(float(c)) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(a, b) -> float:
    la, lb = sorted((_relative_luminance(a), _relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def highlight_color(rgb) -> str:
    """The frame of the selected swatch: of black and amber, the one with more contrast to
    the colour (at least 3.7:1 for every colour; an amber frame on near-white did not show)."""
    return hex_color(max(HIGHLIGHTS, key=lambda h: _contrast(h, rgb)))


#: the swatches' one style sheet (on their grid): white text on dark colours, a frame of the
#: second highlight where it shows better, smaller text when there are many swatches
STYLE = (
    f"QToolButton {{ background: transparent; color: #000000; border: 1px solid #888;"
    f" border-radius: {RADIUS}px; font-size: 11px; padding: 0px; }}"
    "QToolButton[small=\"true\"] { font-size: 10px; }"
    "QToolButton[dark=\"true\"] { color: #ffffff; }"
    f"QToolButton:checked {{ border: 3px solid {hex_color(HIGHLIGHTS[0])}; }}"
    f"QToolButton[frame=\"{hex_color(HIGHLIGHTS[1])}\"]:checked"
    f" {{ border-color: {hex_color(HIGHLIGHTS[1])}; }}")


class Swatch(QToolButton):
    """A checkable button that paints its colour (``color``, a ``#rrggbb`` name) under the
    grid's style sheet; ``rgb`` (the colour's RGB triple) chooses its text and frame."""

    def __init__(self, color: str, rgb, small: bool, parent=None):
        super().__init__(parent)
        self.color = QColor(color)
        self.setCheckable(True)
        # read by STYLE (set before the swatch is first polished: never restyled)
        self.setProperty("small", small)
        self.setProperty("dark", not _light(rgb))
        self.setProperty("frame", highlight_color(rgb))

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt override
        painter = QPainter(self)
        path = QPainterPath()  # inside the style sheet's rounded frame, which is drawn over it
        path.addRoundedRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5),
                            RADIUS - 0.5, RADIUS - 0.5)
        painter.fillPath(path, self.color)
        painter.end()
        super().paintEvent(event)


class SwatchGrid(QWidget):
    """Swatches in rows of ``columns``; clicking one selects it (``selected(index)``),
    clicking it again clears the selection (``selected(-1)``)."""

    selected = Signal(int)

    def __init__(self, columns: int = 4, parent=None):
        super().__init__(parent)
        self._columns = columns
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setSpacing(3)
        self.setStyleSheet(STYLE)
        self.buttons: list[Swatch] = []
        self._current = -1
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)

    def set_palette(self, colors: Sequence, shares: Sequence[float], hexes: Sequence[str],
                    counts: Sequence[int] | None = None) -> None:
        """One swatch per colour (``colors`` are RGB triples, ``shares`` fractions)."""
        for b in self.buttons:
            self._grid.removeWidget(b)
            b.hide()  # deleted later: until then it must not be clicked (the monkey did)
            b.setEnabled(False)
            b.deleteLater()
        self.buttons = []
        self._current = -1
        many = len(hexes) > 4 * self._columns  # many colours: more, smaller swatches per row
        columns = self._columns + 2 if many else self._columns
        for i, (rgb, share, hx) in enumerate(zip(colors, shares, hexes)):
            b = Swatch(hx, rgb, many, self)
            b.setText(percent(share))
            b.setMinimumSize(QSize(34, 24) if many else QSize(52, 30))
            b.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            pixels = f", {count(counts[i])} pixels" if counts is not None else ""
            b.setToolTip(f"Colour {i}: {hx} (RGB {int(rgb[0])}, {int(rgb[1])}, {int(rgb[2])}) — "
                         f"{percent(share, 2)} of the image{pixels}.\n"
                         "Click to highlight its pixels; click again to show all.")
            b.clicked.connect(lambda checked=False, i=i: self._clicked(i))
            self._grid.addWidget(b, i // columns, i % columns)
            self.buttons.append(b)

    def _clicked(self, index: int) -> None:
        if not 0 <= index < len(self.buttons):
            return  # a swatch of a palette that was replaced
        self.select(-1 if index == self._current else index)

    def select(self, index: int) -> None:
        """Select swatch ``index`` (-1: none) and emit ``selected``."""
        self._current = index
        for i, b in enumerate(self.buttons):
            b.setChecked(i == index)
        self.selected.emit(index)

    def current(self) -> int:
        return self._current
