"""Regression guard for PySide6 6.12.0 on Python < 3.12, which corrupts None's refcount.

Every PySide6 call that returns nothing lowered ``sys.getrefcount(None)`` by one there, and the
interpreter aborted with "none_dealloc" after a few thousand calls. pyproject.toml pins a working
combination with environment markers; this test fails if a broken one is installed.
"""

from __future__ import annotations

import ctypes
import sys

import pytest
from PySide6.QtCore import QObject, QPointF

#: None's refcount may move by this much for reasons of its own (caches, frames).
SLACK = 100


def none_drift(work) -> int:
    """How much ``work()`` changed ``sys.getrefcount(None)``, with nothing else changing it:
    the app's background threads left by earlier tests done (a window's start-up prefetch
    imports the pages and runs the engine's first calls), and earlier tests' garbage
    collected first, not in the middle (freeing it gave back thousands of references)."""
    import gc
    import threading

    for thread in threading.enumerate():
        if thread.name.startswith("clusterlab-") and thread is not threading.current_thread():
            thread.join(120)
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        before = sys.getrefcount(None)
        work()
        return sys.getrefcount(None) - before
    finally:
        if was_enabled:
            gc.enable()


def _void_calls() -> None:
    for _ in range(1000):
        QObject().setObjectName("x")
    point = QPointF()
    for i in range(1000):
        point.setX(float(i))


def test_calls_returning_none_keep_nones_refcount(qapp):
    drift = none_drift(_void_calls)
    assert abs(drift) < SLACK, (
        f"PySide6 changed None's refcount by {drift} over 2 000 calls: this PySide6 "
        "build is broken on this Python (see pyproject.toml's pin)."
    )


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="None is immortal from Python 3.12")
def test_the_check_sees_a_broken_build():
    """A stand-in for the broken build: 1 000 references to None taken and not given back
    (then returned, so the interpreter is left as it was)."""
    incref, decref = ctypes.pythonapi.Py_IncRef, ctypes.pythonapi.Py_DecRef
    incref.argtypes = decref.argtypes = [ctypes.py_object]

    def leak() -> None:
        for _ in range(1000):
            incref(None)

    try:
        drift = none_drift(leak)
    finally:
        for _ in range(1000):
            decref(None)
    assert abs(drift) >= SLACK


def test_many_scatter_redraws_do_not_crash(qapp):
    import numpy as np

    from gui.widgets.scatter import ScatterView

    rng = np.random.default_rng(0)
    xy = rng.normal(size=(300, 2))
    shown = []

    def redraws() -> None:
        view = ScatterView()
        for _ in range(30):
            view.set_points(xy, labels=rng.integers(0, 8, 300))
            shown.append(view.n_points)
            view.plotItem.clear()
            view = ScatterView()

    drift = none_drift(redraws)
    # widgets still alive hold references to None (a rise); the broken build gives them
    # back twice (a fall)
    assert drift > -SLACK, f"30 redraws lowered None's refcount by {-drift}"
    assert shown == [300] * 30  # every redraw holds its points
