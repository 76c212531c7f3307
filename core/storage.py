"""Atomic, pickle-free persistence for the user's work (labels, sessions).

Files are written to a temporary file in the same folder and renamed over
the target, so a crash never leaves a half-written file. Arrays are stored
as ``.npz`` and read back with ``allow_pickle=False``; metadata as JSON.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from core.errors import DataError
from core.progress import ProgressFn, report


def current_umask() -> int:
    """The process's umask, read without changing it where the system tells it (Linux's
    /proc); elsewhere set and restored at once."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _set_new_file_mode(fd: int, path: Path) -> None:
    """Give the temp file the mode the file would have had if opened plainly: the mode of
    the file it replaces, or 0666 less the umask (0644 under the usual 022). mkstemp makes
    it 0600, which made exported CSVs private while PNGs were not."""
    if not hasattr(os, "fchmod"):  # Windows: no POSIX modes to honour
        return
    try:
        mode = path.stat().st_mode & 0o7777
    except OSError:
        mode = 0o666 & ~current_umask()
    try:
        os.fchmod(fd, mode)
    except OSError:
        pass


@contextlib.contextmanager
def atomic_writer(path: str | os.PathLike) -> Iterator[BinaryIO]:
    """A binary file to write ``path`` through, atomically: the data goes to a temp file in
    the same folder, which is fsynced and renamed over ``path`` when the block ends; on any
    exception (a cancel included) the temp file is removed and ``path`` is left as it was.
    The file gets the usual permissions: those of the file it replaces, or 0666 less the
    umask for a new one (not mkstemp's 0600)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        _set_new_file_mode(fd, path)
        with os.fdopen(fd, "w+b") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (temp file + fsync + rename), with the usual
    permissions (see :func:`atomic_writer`)."""
    with atomic_writer(path) as fh:
        fh.write(data)
    return Path(path)


#: A temp file older than this (seconds) belongs to no write still under way.
STALE_TEMP_SECONDS = 600.0


def clean_stale_temp_files(folder: str | os.PathLike,
                           older_than: float = STALE_TEMP_SECONDS) -> list[Path]:
    """Remove the temp files interrupted atomic writes left in ``folder`` (and below).

    Only names :func:`atomic_write_bytes` makes (``.<name>.<random>.tmp``) older than
    ``older_than`` seconds are removed (a younger one may be another instance's write);
    returns what was removed.
    """
    import time

    root = Path(folder)
    removed: list[Path] = []
    if not root.is_dir():
        return removed
    now = time.time()
    for path in root.rglob(".*.tmp"):
        try:
            if path.is_file() and not path.is_symlink() \
                    and now - path.stat().st_mtime > older_than:
                path.unlink()
                removed.append(path)
        except OSError:
            continue
    return removed


def json_bytes(obj: Any) -> bytes:
    """The bytes :func:`save_json` writes for ``obj``."""
    return json.dumps(obj, indent=2, sort_keys=True).encode("utf-8")


def save_json(path: str | os.PathLike, obj: Any) -> Path:
    """Save a JSON-serialisable object atomically."""
    return atomic_write_bytes(path, json_bytes(obj))


def load_json(path: str | os.PathLike, default: Any = None) -> Any:
    """Load JSON, or return ``default`` when the file is missing or unreadable (damaged,
    not UTF-8, nested too deeply, a folder)."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError, MemoryError):
        return default


def set_aside(path: str | os.PathLike) -> Path | None:
    """Rename an unreadable file (or folder) to ``<name>.unreadable-<date-time>`` beside it,
    never deleting it; returns the new path (None if it could not be moved)."""
    import time

    path = Path(path)
    aside = path.with_name(f"{path.name}.unreadable-{time.strftime('%Y%m%d-%H%M%S')}")
    try:
        path.replace(aside)
    except OSError:
        return None
    return aside


def save_arrays(path: str | os.PathLike, **arrays: np.ndarray) -> Path:
    """Save numeric arrays to an ``.npz`` file atomically."""
    buf = io.BytesIO()
    np.savez(buf, **{k: np.asarray(v) for k, v in arrays.items()})
    return atomic_write_bytes(path, buf.getvalue())


def load_arrays(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Load an ``.npz`` written by :func:`save_arrays`, never unpickling."""
    import zipfile

    try:
        with np.load(Path(path), allow_pickle=False) as data:
            return {k: data[k] for k in data.files}
    except FileNotFoundError as exc:
        raise DataError(f"The file '{path}' does not exist.") from exc
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise DataError(f"The file '{path}' is not a readable ClusterLab array file.") from exc


class RowTable(Sequence):
    """Rows of a table made lazily from equal-length columns, for exporting big results.

    Each argument is a 1-D array (one column) or a 2-D array (one column per feature).
    Building it costs nothing; rows become Python lists only when read, so a million-row
    export is converted where it is written (a background task), not where it is asked for.
    """

    def __init__(self, *columns):
        cols: list[np.ndarray] = []
        for c in columns:
            a = np.asarray(c)
            cols.extend([a] if a.ndim == 1 else [a[:, j] for j in range(a.shape[1])])
        lengths = {len(c) for c in cols}
        if len(lengths) > 1:
            raise ValueError(f"columns of different lengths: {sorted(lengths)}")
        self._cols = cols
        self._n = lengths.pop() if lengths else 0

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._n))]
        if index < 0:
            index += self._n
        if not 0 <= index < self._n:
            raise IndexError(index)
        return [c[index].item() for c in self._cols]

    def __iter__(self) -> Iterator[list]:
        block = 65_536
        for start in range(0, self._n, block):
            parts = [c[start:start + block].tolist() for c in self._cols]
            yield from (list(r) for r in zip(*parts))


def write_csv(path: str | os.PathLike, header: Sequence[str], rows: Iterable,
              progress: ProgressFn | None = None) -> Path:
    """Write a CSV atomically; ``progress`` is called every 65 536 rows (it may cancel)."""
    total = len(rows) if hasattr(rows, "__len__") else 0
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(list(header))
    for i, r in enumerate(rows, 1):
        writer.writerow(r)
        if i % 65_536 == 0 and total:
            report(progress, i / total)
    return atomic_write_bytes(path, buf.getvalue().encode("utf-8"))
