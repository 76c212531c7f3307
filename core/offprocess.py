"""Run a call that holds Python's GIL for long in a process of its own.

Some library calls hold the GIL from start to end (scikit-learn builds its ``KDTree`` so:
2.4 s for 1,000,000 x 2 points). Run on a worker thread, such a call still freezes every
other thread of the process, a GUI's included. :func:`call_in_process` runs it in a new
Python interpreter (``python -c``: the program's main module is not imported again, unlike
multiprocessing's ``spawn``) and waits for its pickled result with the GIL released; only
unpickling the result takes the GIL (~40 ms for that tree).

Processes are started only once a program asked for them (:func:`enable`: the app does); a
library user's script or notebook, a frozen bundle (no Python interpreter to start), or a
helper that fails, get the call on their own thread, as before.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

_enabled = False

#: The helper interpreter's program: read (fn, args) on stdin, write the outcome on stdout
#: (what the call prints goes to stderr).
_CHILD = (
    "import sys; sys.path[:0] = {paths!r}\n"
    "import pickle\n"
    "out = sys.stdout.buffer; sys.stdout = sys.stderr\n"
    "fn, args = pickle.loads(sys.stdin.buffer.read())\n"
    "try:\n"
    "    outcome = ('ok', fn(*args))\n"
    "except BaseException as exc:\n"
    "    outcome = ('error', f'{{type(exc).__name__}}: {{exc}}')\n"
    "out.write(pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)); out.flush()\n"
)


def enable(on: bool = True) -> None:
    """Let :func:`maybe_in_process` start helper processes."""
    global _enabled
    _enabled = bool(on)


def enabled() -> bool:
    """Whether helper processes may be started (enabled, and a Python interpreter to run)."""
    return _enabled and not getattr(sys, "frozen", False)


def call_in_process(fn: Callable, *args: Any) -> Any:
    """``fn(*args)`` computed in a new Python process (``fn`` a module-level function of an
    importable module; it, the arguments and the result picklable)."""
    root = str(Path(__file__).resolve().parents[1])  # where ``core`` is
    paths = [root] + [p for p in sys.path if p and p != root]
    proc = subprocess.Popen([sys.executable, "-c", _CHILD.format(paths=paths)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    # (communicate waits in select() and reads with the GIL released)
    out, err = proc.communicate(pickle.dumps((fn, args), protocol=pickle.HIGHEST_PROTOCOL))
    if proc.returncode != 0 or not out:
        tail = err.decode(errors="replace").strip().splitlines()[-1:] or ["no answer"]
        raise RuntimeError(f"The helper process failed (exit code {proc.returncode}): "
                           f"{tail[0]}")
    outcome, value = pickle.loads(out)
    if outcome != "ok":
        raise RuntimeError(f"The helper process failed: {value}")
    return value


def maybe_in_process(fn: Callable, *args: Any, fallback: Callable[[], Any] | None = None) -> Any:
    """``fn(*args)`` in a new process once :func:`enable` was called; else, or if the
    process fails to answer, ``fallback()`` (default ``fn(*args)``) here."""
    if enabled():
        try:
            return call_in_process(fn, *args)
        except (RuntimeError, OSError, pickle.UnpicklingError, EOFError):
            pass  # computed here, holding the GIL as before
    return fallback() if fallback is not None else fn(*args)
