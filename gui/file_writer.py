"""Files written off the GUI thread: latest state wins, one write in flight per file.

An atomic write waits for the disk (``core.storage``: temp file, fsync, rename), which is
too long for the GUI thread on every click. :func:`write_soon` hands the bytes of a file's
newest state to that file's writer and returns at once. The writer is a plain thread
(started when there is something to write, ended when there is nothing left: no kept
threads) that writes the newest bytes it was given; bytes given while a write is under way
replace any that were waiting, so a burst of changes ends in one or two writes and the file
always ends with the last state. :func:`flush` (one file) and :func:`flush_all` (the window
calls it as it closes) wait until everything given was written.

Qt-free: the writer thread touches nothing but the bytes it was given and the file.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from core.storage import atomic_write_bytes
from gui.workers import in_background


class FileWriter:
    """The writer of one file (see the module's text)."""

    def __init__(self, path: Path):
        self.path = path
        self._lock = threading.Lock()
        #: the newest state not yet being written (bytes, or what makes them)
        self._pending: bytes | Callable[[], bytes] | None = None
        self._thread: threading.Thread | None = None
        #: why the last write failed (None when it succeeded), and what was raised
        self.error: str | None = None
        self.failure: BaseException | None = None

    def write_soon(self, data: bytes | Callable[[], bytes]) -> None:
        """Write ``data`` on the writer thread (replacing what was waiting); returns at once.
        ``data`` may be a function that makes the bytes there (the work of the states
        replaced is then never done); it must hold nothing the GUI thread changes."""
        with self._lock:
            self._pending = data
            if self._thread is None:
                self._thread = threading.Thread(target=in_background(self._run),
                                                name=f"write {self.path.name}")
                self._thread.start()

    def write_now(self, data: bytes) -> None:
        """Write ``data`` in the calling thread, after the write under way (what was waiting
        is older: dropped). Raises what the write raises."""
        with self._lock:
            self._pending = None
        self.flush()
        atomic_write_bytes(self.path, data)
        self.error = None

    def flush(self) -> None:
        """Wait until every state given was written."""
        while True:
            with self._lock:
                thread = self._thread
            if thread is None or thread is threading.current_thread():
                return
            thread.join()

    def busy(self) -> bool:
        with self._lock:
            return self._thread is not None

    def _run(self) -> None:
        while True:
            with self._lock:
                data, self._pending = self._pending, None
                if data is None:
                    self._thread = None
                    return
            try:
                atomic_write_bytes(self.path, data() if callable(data) else data)
                self.error = self.failure = None
            except Exception as exc:  # noqa: BLE001 - kept and said; the next state tries again
                # (any error: a writer thread that died would stay "busy", and flush() would
                # wait for it for ever as the window closes)
                self.error = f"'{self.path.name}' could not be saved: {exc}"
                self.failure = exc
                print(f"ClusterLab: {self.error}", file=sys.stderr)


_writers: dict[str, FileWriter] = {}
_writers_lock = threading.Lock()


def writer_for(path: str | os.PathLike) -> FileWriter:
    """The one writer of ``path`` (the same object for every spelling of the path)."""
    key = os.path.abspath(os.fspath(path))
    with _writers_lock:
        writer = _writers.get(key)
        if writer is None:
            writer = _writers[key] = FileWriter(Path(key))
        return writer


def write_soon(path: str | os.PathLike, data: bytes | Callable[[], bytes]) -> None:
    writer_for(path).write_soon(data)


def flush(path: str | os.PathLike) -> None:
    """Wait until what was given for ``path`` is written (at once when nothing is)."""
    key = os.path.abspath(os.fspath(path))
    with _writers_lock:
        writer = _writers.get(key)
    if writer is not None:
        writer.flush()


def flush_all() -> None:
    """Wait until every file given to a writer is written (the window calls it as it closes)."""
    with _writers_lock:
        writers = list(_writers.values())
    for writer in writers:
        writer.flush()
