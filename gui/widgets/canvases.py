"""Index canvases of big clouds, shared by the views that show the same points alike.

A view of 200,000 points or more draws them from a canvas: for each pixel, the index of the
point on top (:func:`rasterize_indices`), made by a task. Views that show the
same points over the same ranges and pixels need the same canvas: the six panels of K-Means'
figure of iterations asked for it six times, 100-200 ms of a worker's time each for a
million points. The last few canvases are kept (read-only), and a canvas being made is
waited for rather than made twice.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

#: Points rasterised by one numpy call at a time (:func:`rasterize_indices`).
RASTER_BLOCK = 1 << 16
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


# Offsets of a round "stamp" drawn around each rasterised point, by radius.
_STAMPS = {
    0: [(0, 0)],
    1: [(0, 0), (1, 0), (-1, 0), (0, 1), (0, -1)],
    2: [(dx, dy) for dx in range(-2, 3) for dy in range(-2, 3) if dx * dx + dy * dy <= 5],
}


def rasterize_indices(x: np.ndarray, y: np.ndarray, x_range, y_range, width: int, height: int,
                      radius: int = 1, progress=None) -> np.ndarray:
    """For every pixel of a (height, width) canvas, the index of the point on top, or -1.

    Row 0 is the bottom of the view (``y_range[0]``). Later points are drawn
    over earlier ones, as a painter would. ``progress`` (a task's) is called between
    blocks of points: a canvas no longer wanted stops there.
    """
    canvas = np.full(height * width, -1, dtype=np.int64)
    if width <= 0 or height <= 0 or x.size == 0:
        return canvas.reshape(max(height, 0), max(width, 0))
    (x0, x1), (y0, y1) = x_range, y_range
    sx = width / (x1 - x0) if x1 > x0 else 0.0
    sy = height / (y1 - y0) if y1 > y0 else 0.0
    # The points go in blocks, in order (a later point is drawn over an earlier one): a
    # call over a million points held a worker the GIL long enough to hold up the window.
    for start in range(0, x.size, RASTER_BLOCK):
        if progress is not None:
            progress(start / x.size)
        px = np.subtract(x[start:start + RASTER_BLOCK], x0)  # in place from here
        px *= sx
        np.floor(px, out=px)
        py = np.subtract(y[start:start + RASTER_BLOCK], y0)
        py *= sy
        np.floor(py, out=py)
        on = np.flatnonzero((px >= 0) & (px < width) & (py >= 0) & (py < height))
        cells = py[on].astype(np.int64)
        cells *= width
        cells += px[on].astype(np.int64)
        on += start
        canvas[cells] = on
    img = canvas.reshape(height, width)
    if radius > 0:
        # Grow each point into a small disc, only into pixels no point covers.
        centres = img.copy()
        for dx, dy in _STAMPS[min(radius, 2)]:
            if dx == 0 and dy == 0:
                continue
            src = centres[max(0, -dy):height - max(0, dy), max(0, -dx):width - max(0, dx)]
            dst = img[max(0, dy):height - max(0, -dy), max(0, dx):width - max(0, -dx)]
            np.copyto(dst, src, where=(dst < 0) & (src >= 0))
    return img


@dataclass(frozen=True, eq=False)
class RasterRequest:
    """The index canvas a view wants: the points ``xy`` (n, 2) over (height, width) pixels
    of the given ranges, each drawn with ``radius``."""

    xy: np.ndarray
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    width: int
    height: int
    radius: int

    @property
    def key(self) -> tuple:
        return (self.x_range, self.y_range, self.width, self.height, self.radius, id(self.xy))

    def rasterize(self, progress=None) -> np.ndarray:
        """The canvas (read-only), shared with views that ask for the same one. With
        ``progress`` (a task's), a canvas superseded by the view's next one stops half-made:
        a page opening resized its view three times, and three canvases of a million points
        were made side by side beside its other work."""
        return shared_canvas(self.xy, self.key, lambda: rasterize_indices(
            self.xy[:, 0], self.xy[:, 1], self.x_range, self.y_range, self.width, self.height,
            self.radius, progress))
