"""A spin box for distances of any scale (DBSCAN's eps, a KNN's max distance)."""

from __future__ import annotations

import math

from PySide6.QtWidgets import QDoubleSpinBox


def distance_text(value: float) -> str:
    """A distance with four significant digits, trailing zeros dropped ("0.05", "123.5")."""
    if value <= 0:
        return "0"
    decimals = max(0, 3 - int(math.floor(math.log10(value))))
    text = f"{value:.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def snap_distance(value: float) -> float:
    """``value`` rounded to what a :class:`DistanceSpinBox` shows (a dragged eps snaps to it,
    so the spin box, the line and the clustering agree)."""
    return float(distance_text(value)) if value > 0 else value


class DistanceSpinBox(QDoubleSpinBox):
    """A spin box for distances of any scale: four significant digits shown, none lost.

    A plain QDoubleSpinBox rounds its value to a fixed number of decimals, which
    either loses small eps values or shows long tails of zeros.
    """

    def __init__(self, value: float, parent=None):
        super().__init__(parent)
        self.setDecimals(10)
        self.setRange(1e-8, 1e9)
        self.setStepType(QDoubleSpinBox.StepType.AdaptiveDecimalStepType)
        self.setValue(value)

    def textFromValue(self, value: float) -> str:  # noqa: N802 - Qt override
        return distance_text(value)

    def valueFromText(self, text: str) -> float:  # noqa: N802 - Qt override
        try:
            return float(text.replace(",", "."))
        except ValueError:
            return self.value()


__all__ = ["DistanceSpinBox", "distance_text", "snap_distance"]
