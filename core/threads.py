"""One thread for BLAS and OpenMP while the engine's small, repeated products run.

On small machines (2 cores here) a 2-thread OpenBLAS made the engine's many small matrix
products several times slower than one thread (DESIGN.md, Performance).

OpenMP's thread count is per thread; OpenBLAS's is process-wide in some builds and per
thread in others. So every entering thread sets both for itself and restores its own on the
way out, and the first one to enter also records the process's settings, which the last one
to leave restores: the end state is what was there, whichever way the libraries behave and
however tasks on different threads overlap.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

_LOCK = threading.Lock()
_USERS = 0
_FIRST = None
_CONTROLLER = None


#: How often :func:`let_others_run` hands the GIL over at most (seconds): a waiting thread
#: waits about this long at worst, and a loop of thousands of short calls is not slowed.
HAND_OVER_S = 0.002
_handed_at = 0.0


def let_others_run() -> None:
    """Hand Python's GIL to a thread waiting for it (a GUI's), at most every
    :data:`HAND_OVER_S`. For a worker's loop of numpy calls that each let the GIL go and
    take it back many times (``ufunc.reduceat`` does, per segment): every take-back cancels
    the waiting thread's request for a switch, so it waited for the whole loop (36 calls of
    0.5 ms held a thread off for 20-48 ms; with this between them, about 2 ms)."""
    global _handed_at
    now = time.perf_counter()
    if now - _handed_at >= HAND_OVER_S:
        _handed_at = now
        time.sleep(0)  # (lets the GIL go: a thread waiting for it takes it)


_LET_GO: list[list] = []
_LET_GO_LOCK = threading.Lock()
_LET_GO_THREAD: threading.Thread | None = None


def let_go_elsewhere(objects: list) -> None:
    """Let the objects of ``objects`` (a list nothing else keeps) go on a thread of their own.

    For big data a GUI thread no longer needs (a neighbour index, a clustering, a table):
    dropping the last reference frees its memory there and then, and giving back tens of
    MB of pages takes milliseconds (a 1,000,000-point neighbour index: 3-4 ms of a turn).
    The thread lets them go one at a time, so the GIL can change hands between them, and
    ends when there is nothing left. Only plain data may go this way: a Qt object must be
    destroyed on its own thread.
    """
    global _LET_GO_THREAD
    with _LET_GO_LOCK:
        _LET_GO.append(objects)
        if _LET_GO_THREAD is None:
            _LET_GO_THREAD = threading.Thread(target=_let_go_loop, name="let-go", daemon=True)
            _LET_GO_THREAD.start()


def _let_go_loop() -> None:
    global _LET_GO_THREAD
    while True:
        with _LET_GO_LOCK:
            if not _LET_GO:
                _LET_GO_THREAD = None
                return
            objects = _LET_GO.pop(0)
        while objects:
            objects.pop()  # (dropped here, on this thread)
        del objects


def _controller():
    global _CONTROLLER
    if _CONTROLLER is None:
        # Load scikit-learn's OpenMP runtime and scipy's BLAS first, so the controller,
        # made once (inspecting the libraries costs ~4 ms), sees them all.
        import sklearn.cluster  # noqa: F401
        import sklearn.linear_model  # noqa: F401
        from threadpoolctl import ThreadpoolController

        _CONTROLLER = ThreadpoolController()
    return _CONTROLLER


def prepare() -> None:
    """Make the controller now (on a background thread at start-up), not in the first
    ``with single_threaded()``: it imports scikit-learn's solvers and inspects every loaded
    library, holding the GIL for 20-30 ms at a time in a window that has Qt loaded."""
    with _LOCK:
        _controller()


def _release_openblas() -> None:
    """Let the next thread that sets OpenBLAS's process-wide limit do so.

    threadpoolctl (3.6+) lets only one "controlling" thread change a process-wide OpenBLAS
    pool and silently ignores the others; a worker thread that set it would keep that role.
    """
    import threadpoolctl

    clear = getattr(getattr(threadpoolctl, "OpenBLASController", None),
                    "clear_controlling_thread", None)
    if clear is not None:
        clear(force=True)


@contextmanager
def single_threaded() -> Iterator[None]:
    """Run BLAS and OpenMP on one thread inside the ``with`` block (thread-safe)."""
    global _USERS, _FIRST
    with _LOCK:
        controller = _controller()
        if _USERS == 0:
            _release_openblas()
            _FIRST = controller.limit(limits=1)
        _USERS += 1
    mine = controller.limit(limits=1)  # this thread's own settings, where they are per thread
    try:
        yield
    finally:
        with _LOCK:
            mine.restore_original_limits()
            _USERS -= 1
            if _USERS == 0 and _FIRST is not None:
                _release_openblas()
                _FIRST.restore_original_limits()
                _FIRST = None
                _release_openblas()
