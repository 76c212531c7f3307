"""Full garbage collections that do not hold the window.

Python's cyclic garbage collector now and then walks every container object it tracks (a
"generation 2" collection). Once scikit-learn, scipy and pyqtgraph are imported that is about
200,000 objects (their functions, classes and dicts) and the walk held the GUI thread, or a
worker thread holding the GIL, for 100-130 ms at random moments: a stall of whatever
interaction it fell into. Those objects live as long as the process, so the window moves
them out of the collector's way with :func:`gc.freeze` after each burst of imports (modules
are imported lazily: scikit-learn at the first fit, the pages in the background); a full
collection then walks only the app's own objects, about a millisecond.

Freezing is instant. Before it, the young generations are collected (a few milliseconds), so
their garbage is not frozen; garbage that already reached the old generation, and objects
alive then that become cyclic garbage later, are never collected. So freezes are rare: at
start, and when imports added modules (a full collection first would walk the very objects
the freeze spares, 100-180 ms).
"""

from __future__ import annotations

import gc
import sys

from PySide6.QtCore import QObject, QTimer

#: How often the number of imported modules is looked at (milliseconds).
CHECK_MS = 1000
#: New modules since the last freeze that make it worth another.
NEW_MODULES = 10
#: Freezes in a process at most (start, the pages imported, scikit-learn imported, ...):
#: each one keeps what was alive then for good.
MAX_FREEZES = 4


_freezes = 0  # in this process


class ImportFreezer(QObject):
    """Freezes the objects made by imports (:func:`gc.freeze`) once the imports settle."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.frozen_at = 0  # len(sys.modules) at the last freeze
        self.freezes = 0
        self.timer = QTimer(self)
        self.timer.setInterval(CHECK_MS)
        self.timer.timeout.connect(self.check)

    def start(self) -> None:
        self.check()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def check(self) -> bool:
        """Freeze if enough modules were imported since the last time; True if it did."""
        global _freezes
        n = len(sys.modules)
        if n - self.frozen_at < NEW_MODULES or _freezes >= MAX_FREEZES:
            return False
        gc.collect(1)  # the young generations' garbage is collected, not frozen
        gc.freeze()
        self.frozen_at = n
        self.freezes += 1
        _freezes += 1
        return True
