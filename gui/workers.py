"""Background threads run below the window's priority.

With every core busy with the app's own work, the GUI thread waited its turn for a core like
any other thread: 60-400 ms in ``bench_responsiveness --why`` ("waiting for a core"). On
Linux a worker thread lowers its own scheduling priority (:data:`WORKER_NICE`) as it starts,
so the kernel gives a core to the window first; the work gets every cycle the window leaves.
Threads and processes a worker starts (OpenMP's, the helper process of
:mod:`core.offprocess`) inherit it. Elsewhere the priority is left alone.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable
from typing import Any

#: How much lower than the window's a worker's scheduling priority is (a ``nice``
#: increment; 0 leaves it alone). Linux only: there a thread's priority is its own. The
#: kernel shares a core by weight: at +5 (a third of the window's weight) the GUI thread still
#: waited for a core 16% of the time while two fits ran, at +10 (a tenth) 8%
#: (``bench_background --nice``). Work runs at full speed whenever the window is idle.
WORKER_NICE = 10


def lower_priority(increment: int | None = None) -> bool:
    """Put the calling thread ``increment`` (default :data:`WORKER_NICE`) below the window's
    priority; True when that lowered it. Raising it again needs privileges, so only a thread
    that does nothing else afterwards calls this."""
    increment = WORKER_NICE if increment is None else increment
    if increment <= 0 or not sys.platform.startswith("linux"):
        return False
    try:
        return _lower(threading.get_native_id(), _workers_priority(increment))
    except (OSError, AttributeError):
        return False


def _workers_priority(increment: int) -> int:
    """The nice value ``increment`` below the main (GUI) thread's."""
    return min(19, os.getpriority(os.PRIO_PROCESS, threading.main_thread().native_id)
               + increment)


def _lower(tid: int, target: int) -> bool:
    """Thread ``tid`` at nice ``target`` unless it is already there or lower; True if set.
    (The same target from the thread itself and from :func:`lower_library_threads`, which
    may see a new worker before it lowered itself: never lowered twice.)"""
    if os.getpriority(os.PRIO_PROCESS, tid) >= target:
        return False
    os.setpriority(os.PRIO_PROCESS, tid, target)
    return True


def in_background(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` for a worker thread's target: it lowers the thread's priority, then runs."""

    def target(*args: Any, **kwargs: Any) -> Any:
        lower_priority()
        return fn(*args, **kwargs)

    return target


def lower_library_threads(done: set[int] | None = None) -> list[int]:
    """Lower the priority of the threads libraries started at the window's priority; the
    native ids of those it lowered.

    A library's thread pool is made by the thread that loads it and inherits its priority:
    numpy's OpenBLAS starts its helper threads as numpy is imported, on the GUI thread, so
    they computed a worker's matrix products at the window's priority and, with two cores,
    kept the GUI thread waiting for one. Every thread of the process but the GUI thread
    that still has the window's name (Qt's own threads name themselves and are left alone)
    is put at the workers' priority. ``done`` holds the ids already looked at, so a call
    repeated on a timer reads only new threads. Linux only."""
    if not sys.platform.startswith("linux") or WORKER_NICE <= 0:
        return []
    done = set() if done is None else done
    main = threading.main_thread().native_id
    try:
        tids = [int(t) for t in os.listdir("/proc/self/task")]
        name = _thread_name(main)
        target = _workers_priority(WORKER_NICE)
    except (OSError, ValueError):
        return []
    lowered = []
    for tid in tids:
        if tid == main or tid in done:
            continue
        done.add(tid)
        try:
            if _thread_name(tid) == name and _lower(tid, target):
                lowered.append(tid)
        except OSError:  # the thread ended meanwhile
            continue
    return lowered


def _thread_name(tid: int) -> str:
    with open(f"/proc/self/task/{tid}/comm", encoding="utf-8", errors="replace") as f:
        return f.read().strip()
