"""Axes for counts: an iteration or k axis shows whole numbers only."""

from __future__ import annotations

import pyqtgraph as pg

from gui.numbers import integer_ticks
from gui.widgets.plot_pool import cache_axis


class IntegerAxis(pg.AxisItem):
    """A pyqtgraph axis with ticks at whole numbers only (no 0.5, 1.5 on an iteration axis).
    Counts have no SI prefix: an empty plot's tiny default range reads "0", not "k (x0.001)"."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.enableAutoSIPrefix(False)
        cache_axis(self)

    def tickValues(self, minVal, maxVal, size):  # noqa: N802, N803 - pyqtgraph's names
        return integer_ticks(super().tickValues(minVal, maxVal, size), minVal, maxVal)


__all__ = ["IntegerAxis"]
