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
    """Lower the calling thread's scheduling priority by ``increment`` (default
    :data:`WORKER_NICE`); True when it was lowered. Raising it again needs privileges, so
    only a thread that does nothing else afterwards calls this."""
    increment = WORKER_NICE if increment is None else increment
    if increment <= 0 or not sys.platform.startswith("linux"):
        return False
    try:
        tid = threading.get_native_id()
        now = os.getpriority(os.PRIO_PROCESS, tid)
        os.setpriority(os.PRIO_PROCESS, tid, min(19, now + increment))
    except (OSError, AttributeError):
        return False
    return True


def in_background(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` for a worker thread's target: it lowers the thread's priority, then runs."""

    def target(*args: Any, **kwargs: Any) -> Any:
        lower_priority()
        return fn(*args, **kwargs)

    return target
