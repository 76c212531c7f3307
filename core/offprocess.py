"""Run a call that holds Python's GIL for long in a process of its own.

Some library calls hold the GIL from start to end (scikit-learn builds its ``KDTree`` so:
2.4 s for 1,000,000 x 2 points). Run on a worker thread, such a call still freezes every
other thread of the process, a GUI's included. :func:`call_in_process` runs it in a fresh
process (``spawn``: safe from a threaded program) and waits for its pickled result with the
GIL released; only unpickling the result takes the GIL (~40 ms for that tree).

A new process imports the program's main module again (as ``__mp_main__``), so it is only
used once a program says it can (:func:`enable`): the app does (main.py keeps its work under
``if __name__ == "__main__"`` and calls ``multiprocessing.freeze_support()`` for the frozen
bundle). A library user's script, or a notebook, gets the call on its own thread, as before.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from typing import Any

from core.errors import DataError

_enabled = False


def enable(on: bool = True) -> None:
    """Let :func:`maybe_in_process` start processes (a program whose main module can be
    imported again without running it)."""
    global _enabled
    _enabled = bool(on)


def enabled() -> bool:
    return _enabled


#: How often the waiting thread looks whether the process ended without an answer (seconds).
_POLL_S = 0.1


def _child(conn, fn: Callable, args: tuple) -> None:
    try:
        result = fn(*args)
    except BaseException as exc:  # noqa: BLE001 - handed back to the parent
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
    else:
        conn.send(("ok", result))
    finally:
        conn.close()


def call_in_process(fn: Callable, *args: Any) -> Any:
    """``fn(*args)`` computed in a new process (``fn``, the arguments and the result must be
    picklable; ``fn`` a module-level function)."""
    ctx = multiprocessing.get_context("spawn")
    receiver, sender = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(sender, fn, args), daemon=True,
                       name="clusterlab-offprocess")
    proc.start()
    sender.close()
    try:
        while not receiver.poll(_POLL_S):
            if not proc.is_alive() and not receiver.poll(0):
                raise DataError(f"A helper process ended without an answer (exit code "
                                f"{proc.exitcode}); the computation was not done.")
        outcome, value = receiver.recv()
    finally:
        receiver.close()
        if proc.is_alive():
            proc.terminate()
        proc.join()
    if outcome != "ok":
        raise RuntimeError(f"The helper process failed: {value}")
    return value


def maybe_in_process(fn: Callable, *args: Any, fallback: Callable[[], Any] | None = None) -> Any:
    """``fn(*args)`` in a new process once :func:`enable` was called; else, or if the
    process fails to answer, ``fallback()`` (default ``fn(*args)``) here."""
    if _enabled:
        try:
            return call_in_process(fn, *args)
        except (DataError, RuntimeError, OSError, EOFError):
            pass  # computed here, holding the GIL as before
    return fallback() if fallback is not None else fn(*args)
