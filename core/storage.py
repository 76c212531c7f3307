"""Atomic, pickle-free persistence for the user's work (labels, sessions).

Files are written to a temporary file in the same folder and renamed over
the target, so a crash never leaves a half-written file. Arrays are stored
as ``.npz`` and read back with ``allow_pickle=False``; metadata as JSON.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from core.errors import DataError


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (temp file + fsync + rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return path


def save_json(path: str | os.PathLike, obj: Any) -> Path:
    """Save a JSON-serialisable object atomically."""
    return atomic_write_bytes(path, json.dumps(obj, indent=2, sort_keys=True).encode("utf-8"))


def load_json(path: str | os.PathLike, default: Any = None) -> Any:
    """Load JSON, or return ``default`` when the file is missing or unreadable."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return default


def save_arrays(path: str | os.PathLike, **arrays: np.ndarray) -> Path:
    """Save numeric arrays to an ``.npz`` file atomically."""
    buf = io.BytesIO()
    np.savez(buf, **{k: np.asarray(v) for k, v in arrays.items()})
    return atomic_write_bytes(path, buf.getvalue())


def load_arrays(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Load an ``.npz`` written by :func:`save_arrays`, never unpickling."""
    try:
        with np.load(Path(path), allow_pickle=False) as data:
            return {k: data[k] for k in data.files}
    except FileNotFoundError as exc:
        raise DataError(f"The file '{path}' does not exist.") from exc
    except (OSError, ValueError) as exc:
        raise DataError(f"The file '{path}' is not a readable ClusterLab array file.") from exc
