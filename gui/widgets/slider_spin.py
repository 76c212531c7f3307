"""A slider with a spin box beside it, one value (the k of a live slider)."""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QSlider, QSpinBox, QWidget


class SliderSpin(QWidget):
    """``slider`` and ``spin`` show the same integer; either one changes it.

    ``key_changed(value)`` fires once per change, whichever widget made it. The
    ``current_key``/``set_current_key`` pair lets :class:`gui.persist.Binder` bind it
    (``set_current_key`` shows a value without signals).
    """

    key_changed = Signal(int)

    def __init__(self, minimum: int, maximum: int, value: int, *, page_step: int = 1,
                 tip: str = "", spin_tip: str = "", parent=None):
        super().__init__(parent)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(minimum, maximum)
        self.slider.setPageStep(page_step)
        self.spin = QSpinBox()
        self.spin.setRange(minimum, maximum)
        for w in (self.slider, self.spin):
            w.setValue(value)
        self.slider.setToolTip(tip)
        self.spin.setToolTip(spin_tip or tip)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.spin)
        self.slider.valueChanged.connect(self._changed)
        self.spin.valueChanged.connect(self._changed)

    def _changed(self, value: int) -> None:
        self._show(value)
        self.key_changed.emit(int(value))

    def _show(self, value: int) -> None:
        for w in (self.slider, self.spin):
            if w.value() != value:
                blocker = QSignalBlocker(w)
                w.setValue(value)
                blocker.unblock()

    def current_key(self) -> int:
        return int(self.slider.value())

    def set_current_key(self, value) -> None:
        self._show(int(value))

    def value(self) -> int:
        return self.current_key()
