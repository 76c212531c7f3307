"""Index canvases of big clouds, shared by the views that show the same points alike.

A view of 200,000 points or more draws them from a canvas: for each pixel, the index of the
point on top (``gui.widgets.scatter.rasterize_indices``), made by a task. Views that show the
same points over the same ranges and pixels need the same canvas: the six panels of K-Means'
figure of iterations asked for it six times, 100-200 ms of a worker's time each for a
million points. The last few canvases are kept (read-only), and a canvas being made is
waited for rather than made twice.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable

import numpy as np

#: Canvases kept (a 1,000 x 800 canvas is 6.4 MB).
CANVASES_KEPT = 4

_LOCK = threading.Lock()
_KEPT: list = []  # (weak reference to the points, key, canvas), newest first
_MAKING: list = []  # (weak reference to the points, key, event set once it is made)


def shared_canvas(xy: np.ndarray, key: tuple, make: Callable[[], np.ndarray]) -> np.ndarray:
    """The canvas ``make()`` makes for the points ``xy`` and ``key`` (their view's ranges,
    pixels and radius), read-only: a kept one, or the one another thread is making."""
    while True:
        with _LOCK:
            canvas = _find(_KEPT, xy, key)
            if canvas is not None:
                return canvas
            making = _find(_MAKING, xy, key)
            if making is None:
                making = threading.Event()
                mine = (weakref.ref(xy), key, making)
                _MAKING.append(mine)
                break
        making.wait()  # then look again: kept, or (it failed) made here
    try:
        canvas = make()
        canvas.flags.writeable = False
        with _LOCK:
            _KEPT.insert(0, (weakref.ref(xy), key, canvas))
            _KEPT[:] = [kept for kept in _KEPT if kept[0]() is not None][:CANVASES_KEPT]
        return canvas
    finally:
        with _LOCK:
            _MAKING.remove(mine)
        making.set()


def _find(entries: list, xy: np.ndarray, key: tuple):
    # the key holds id(xy), and ids of freed arrays recur: the reference tells
    return next((value for ref, k, value in entries if k == key and ref() is xy), None)


def forget() -> None:
    """Drop the kept canvases (tests)."""
    with _LOCK:
        _KEPT.clear()
