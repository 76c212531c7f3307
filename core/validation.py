"""Checks shared by the engine's entry points: bad input becomes one clear sentence."""

from __future__ import annotations

import numpy as np

from core.errors import DataError


def as_data_matrix(X, what: str = "The data", purpose: str = "clustering", min_rows: int = 1,
                   copy: bool = False) -> np.ndarray:
    """``X`` as a C-contiguous float64 (n, d) array, or :class:`DataError` saying what is wrong.

    A 1-D array is one feature. ``purpose`` completes the sentences ("K-Means needs finite
    numbers"); ``min_rows`` is the fewest rows the caller can work with.
    """
    try:
        arr = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{what} must be a table of numbers.") from exc
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise DataError(f"{what} must be a table of rows × features; it has {arr.ndim} "
                        "dimensions.")
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise DataError(f"{what} is empty: it has no rows.")
    if arr.shape[0] < min_rows:
        words = {2: "two", 3: "three"}.get(min_rows, str(min_rows))
        raise DataError(f"{what} has {arr.shape[0]} row{'s' if arr.shape[0] != 1 else ''}; "
                        f"{purpose} needs at least {words} points.")
    finite = np.isfinite(arr)
    if not finite.all():
        bad = int(np.count_nonzero(~finite.all(axis=1)))
        raise DataError(f"{what} has {bad} row{'s' if bad != 1 else ''} with missing or "
                        f"infinite values; {purpose} needs finite numbers.")
    return np.array(arr, order="C", copy=True) if copy else np.ascontiguousarray(arr)
