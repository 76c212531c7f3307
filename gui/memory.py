"""Give the memory that finished work freed back to the system.

The pages' work runs on worker threads and allocates large numpy temporaries (distance
tiles, decision grids, images). glibc's allocator keeps what they free in per-thread heaps
(arenas) and raises its mmap threshold after every large free, so later arrays of up to 32 MB
come from those heaps too: over a long session the process's resident memory kept growing
although the live Python objects did not (bench/bench_monkey.py: 529 -> 795 MB in 10 minutes,
with no growth of the objects tracemalloc sees; glibc's "free but kept" grew 90 -> 300 MB).
:func:`limit_fragmentation` fixes the mmap threshold at 4 MB (big arrays are unmapped when
freed) and the heaps at two, and ``malloc_trim(0)`` returns the free pages of every heap to
the system; :class:`MemoryReleaser` does both, the trim every few seconds and when the task
runner falls idle, on a thread of its own (a trim after a big task can take 100 ms: not on
the GUI thread). The same monkey then kept 15-30 MB "free but kept", and its resident memory
followed the live allocations (about 430-460 MB from the third minute on).
Elsewhere than on glibc it does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading
import time

#: At most one trim per this many seconds (a trim walks the heaps: a few milliseconds).
MIN_INTERVAL_S = 5.0


#: mallopt's parameters (glibc's malloc.h)
_M_MMAP_THRESHOLD = -3
_M_ARENA_MAX = -8
#: Arrays from this size on are mapped apart and unmapped when freed (glibc's default starts
#: at 128 KB but rises to 32 MB after the first large free: then they fragment the heaps).
MMAP_THRESHOLD = 4 << 20
#: Heaps shared by the threads (glibc's default: 8 per core, each keeping its own free pieces).
ARENA_MAX = 2


def limit_fragmentation() -> bool:
    """Fix glibc's mmap threshold and number of heaps (call once, before worker threads
    start); False where that is not glibc."""
    try:
        mallopt = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) and mallopt(_M_ARENA_MAX, ARENA_MAX))


def no_hugepage_advice() -> bool:
    """Stop numpy asking the kernel for transparent huge pages (call once, early).

    numpy marks every array of 4 MB or more with ``madvise(MADV_HUGEPAGE)``. Where the system's
    huge-page policy is "madvise" (a common default), the first touch of such an array makes
    the kernel find, compact and zero 2 MB pages on the spot, and a few numpy calls do that
    while holding the GIL (a bool ``cumsum`` into a fresh int64 array, as ``np.unique`` does
    inside scikit-learn's ``KNeighborsClassifier.fit``): the GUI thread then waited 50-120 ms
    for a worker (bench/bench_background.py, its first section: 56 ms with the advice, 7 ms
    without). Without it those pages come 4 KB at a time and the same calls let the GUI
    thread in. This is numpy's own switch (what ``NUMPY_MADVISE_HUGEPAGE=0`` sets when numpy
    is imported); the environment variable is set too, for the processes the app starts.
    False where numpy has no such switch."""
    import os

    import numpy as np

    os.environ["NUMPY_MADVISE_HUGEPAGE"] = "0"
    for name in ("_core", "core"):  # numpy 2 / numpy 1
        toggle = getattr(getattr(getattr(np, name, None), "multiarray", None),
                         "_set_madvise_hugepage", None)
        if toggle is not None:
            toggle(False)
            return True
    return False


def _malloc_trim():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):  # not glibc (macOS, Windows, musl without it)
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


class MemoryReleaser:
    """Calls ``malloc_trim(0)`` on :meth:`maybe_release`, at most every ``interval`` seconds.

    :meth:`start` (with a parent QObject) also asks every ``interval`` seconds."""

    def __init__(self, interval: float = MIN_INTERVAL_S):
        self.interval = interval
        self._trim = _malloc_trim()
        limit_fragmentation()
        self._last = float("-inf")
        self._thread: threading.Thread | None = None
        #: how many times memory was handed back (for tests and benchmarks)
        self.releases = 0

    @property
    def available(self) -> bool:
        return self._trim is not None

    def maybe_release(self) -> bool:
        """Trim (on a short-lived thread) unless the last trim was less than ``interval``
        seconds ago or is still running."""
        now = time.monotonic()
        if self._trim is None or now - self._last < self.interval:
            return False
        if self._thread is not None and self._thread.is_alive():
            return False
        self._last = now
        # ctypes releases the GIL during the call: the GUI thread goes on meanwhile. A trim
        # walks every heap for up to 100 ms of CPU: below the window's priority, as workers.
        from gui.workers import in_background

        self._thread = threading.Thread(target=in_background(self._trim), args=(0,),
                                        daemon=True, name="clusterlab-malloc-trim")
        self._thread.start()
        self.releases += 1
        return True

    def wait(self, timeout: float = 5.0) -> None:
        """Wait for a running trim (at shutdown)."""
        if self._thread is not None:
            self._thread.join(timeout)

    def start(self, parent) -> None:
        """Ask every ``interval`` seconds, on a timer of ``parent`` (a QObject)."""
        from PySide6.QtCore import QTimer

        self._timer = QTimer(parent)
        self._timer.setInterval(int(self.interval * 1000))
        self._timer.timeout.connect(self.maybe_release)
        self._timer.start()
