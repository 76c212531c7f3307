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
import time
from collections.abc import Callable

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


#: How often the GUI thread collects garbage while it owns the collection (milliseconds): the
#: young generation holds what was allocated since, so every 250 ms it took 6-29 ms at times
#: (a table being opened), every 50 ms 3-6 ms.
COLLECT_MS = 50
#: How long a collection of the older generations may wait while the window works (ms). One
#: walks everything a page or a table made since (tens of thousands of objects: 10-35 ms,
#: seen in the middle of a page's opening and of a result being drawn); the first check
#: after the work is done collects it, and work that goes on longer waits this long at most.
DEFER_MS = 1000

_owners = 0  # windows whose GUI thread collects garbage (automatic collection off meanwhile)


class GuiThreadCollector(QObject):
    """Python's garbage is collected on the GUI thread only, at the top of its event loop.

    Automatic collection runs at any allocation, in any thread: inside a Qt call that holds
    a lock (a signal's disconnect: a collected widget's destructor then waits for that same
    lock for good, a hang seen in CI), or on a worker thread, where a collected Qt object is
    destroyed off its thread (a crash). While a window lives, automatic collection is off and
    this timer collects the generations whose thresholds were passed, as the collector
    would, between events (pyqtgraph's ``GarbageCollector`` does the same).
    """

    def __init__(self, parent: QObject | None = None, interval_ms: int = COLLECT_MS,
                 working: Callable[[], bool] | None = None):
        super().__init__(parent)
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.check)
        self.running = False
        self._kept_by_full = 0  # objects in the oldest generation after the last full walk
        # while this says the window works (staged drawing waits its turn), the older
        # generations wait (DEFER_MS at most): the young one alone is collected
        self.working = working
        self.deferred_since: float | None = None  # when an older generation came due
        # a window deleted without being closed gives automatic collection back too
        state = self._state = {"running": False}
        self.destroyed.connect(lambda *_: _release(state))

    def start(self) -> None:
        global _owners
        if self.running:
            return
        self.running = self._state["running"] = True
        _owners += 1
        gc.disable()
        self.timer.start()

    def stop(self) -> None:
        """Collection back to automatic (once no window owns it)."""
        if not self.running:
            return
        self.running = False
        self.timer.stop()
        _release(self._state)

    def check(self) -> int:
        """Collect the generations whose thresholds were passed; the generation collected,
        or -1 when none was due. While ``working()`` says so, an older generation due
        waits (:data:`DEFER_MS` at most) and the young one is collected.

        A full collection, as the collector's own rule has it, waits until the objects that
        reached the oldest generation since the last one are a quarter of those it kept
        (each walks them all: ~20 ms for 50,000 objects); until then the middle one is
        collected."""
        t0, t1, t2 = gc.get_threshold()
        c0, c1, c2 = gc.get_count()
        if c0 <= t0:
            return -1
        generation = 2 if (c1 > t1 and c2 > t2) else 1 if c1 > t1 else 0
        if generation and self.working is not None:
            now = time.monotonic()
            if self.deferred_since is None:
                self.deferred_since = now
            if (now - self.deferred_since) * 1000 < DEFER_MS and self.working():
                generation = 0
            else:
                self.deferred_since = None
        if generation == 2:
            oldest = len(gc.get_objects(generation=2))
            if oldest - self._kept_by_full <= self._kept_by_full // 4:
                generation = 1
        collected = gc.collect(generation)
        if generation == 2:
            self._kept_by_full = oldest - collected
        return generation


def _release(state: dict) -> None:
    global _owners
    if state["running"]:
        state["running"] = False
        _owners = max(0, _owners - 1)
        if _owners == 0:
            gc.enable()
