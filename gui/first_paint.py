"""``--exit-after-first-paint``: print when the main window first painted, then exit.

Used by bench/bench_bundle.py to time the start of the app (from source and from the bundle)
to its first painted window; not meant for people, so the flag is hidden from --help.
"""

from __future__ import annotations

import os
import sys
import time

from PySide6.QtCore import QEvent, QObject


class _FirstPaint(QObject):
    def eventFilter(self, obj, event):  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.Paint:
            print(f"first-paint {time.time():.6f}", flush=True)
            sys.stderr.flush()
            os._exit(0)  # nothing to save: the window was only shown
        return False


def exit_after_first_paint(window) -> None:
    """Print ``first-paint <unix time>`` at the first paint of the window's navigation list
    (the first thing a person sees) and end the process there."""
    watcher = _FirstPaint(window)
    window.nav.viewport().installEventFilter(watcher)
