"""Full garbage collections that do not hold the window.

Python's cyclic garbage collector now and then walks every container object it tracks (a
"generation 2" collection). Once scikit-learn, scipy and pyqtgraph are imported that is about
200,000 objects (their functions, classes and dicts) and the walk held the GUI thread, or a
worker thread holding the GIL, for 100-130 ms at random moments: a stall of whatever
interaction it fell into. Those objects live as long as the process, so the window moves
them out of the collector's way with :func:`gc.freeze` after each burst of imports (modules
are imported lazily: scikit-learn at the first fit, the pages in the background); a full
collection then walks only the app's own objects, about a millisecond.

Each freeze follows a full collection, so only live objects are frozen; what is alive then and
becomes cyclic garbage later (the window and its pages live as long as the process anyway)
is never collected, so freezes are rare: at start, and when imports add modules. That
collection walks what is not frozen yet (~100 ms the first time, less later), so it waits
until no task runs.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

#: How often the number of imported modules is looked at (milliseconds).
CHECK_MS = 1000
#: New modules since the last freeze that make it worth another.
NEW_MODULES = 10


class ImportFreezer(QObject):
    """Freezes the objects made by imports (:func:`gc.freeze`) once the imports settle."""

    def __init__(self, parent: QObject | None = None, idle: Callable[[], bool] = lambda: True):
        super().__init__(parent)
        self.idle = idle  # freezing (its full collection) waits until this says so
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
        """Freeze if enough modules were imported since the last time and the window is idle;
        True if it did."""
        n = len(sys.modules)
        if n - self.frozen_at < NEW_MODULES or not self.idle():
            return False
        gc.collect()  # garbage is collected, not frozen
        gc.freeze()
        self.frozen_at = n
        self.freezes += 1
        return True
