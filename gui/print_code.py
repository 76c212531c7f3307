"""``clusterlab --page NAME --print-code``: the page's "Show code" for its default state.

The snippet is the one the "Show code" panel shows once the page drew its first result
(some snippets quote the page's numbers, so the page's first computation runs). The window
is made offscreen and never shown on a display; the command line gives it scratch settings
(a new user's defaults), so the user's own settings and saved work are neither read nor
changed.
"""

from __future__ import annotations

import sys
import time

#: printed on stderr, so that stdout holds the snippet alone (``> snippet.py`` runs)
RUNS_WITH = ('# Runs in a Python with ClusterLab\'s notebook extra: pip install -e ".[notebook]" '
             "in a clone of ClusterLab.")


def default_code(name: str | None, timeout_s: float = 180.0) -> tuple[str | None, str]:
    """(the snippet of page ``name``'s default state, '') or (None, why it failed)."""
    from gui.app import MainWindow, create_app

    app = create_app()
    window = MainWindow()
    try:
        window.resize(1320, 820)
        window.show()  # offscreen: the pages lay out as on a screen
        name = name or window.current_page().name
        page = window.show_page(name)
        if not page.code_needs_result:
            return page.code(), ""
        page.ensure_started()
        if not window.wait_for_result(page, timeout_s):
            error = window.message_bar.text() if window.message_bar.isVisible() else ""
            return None, error or f"the page had no result within {timeout_s:.0f} s"
        wait_idle(window, deadline=time.monotonic() + timeout_s)
        return page.code(), ""
    finally:
        window.close()
        app.processEvents()


def wait_idle(window, deadline: float) -> None:
    """Let the work the first result started finish (e.g. DBSCAN's predictions for the new
    instances, which its snippet quotes), as a person looking at the page would."""
    from PySide6.QtCore import QEventLoop, QTimer

    while window.tasks.busy and time.monotonic() < deadline:
        loop = QEventLoop()
        QTimer.singleShot(50, loop.quit)
        loop.exec()


def print_code(name: str | None, timeout_s: float = 180.0) -> int:
    code, error = default_code(name, timeout_s)
    if code is None:
        print(f"--print-code failed: {error}", file=sys.stderr)
        return 1
    if not code:
        print(f"--print-code: the page '{name}' shows no code.", file=sys.stderr)
        return 1
    print(RUNS_WITH, file=sys.stderr)
    sys.stdout.write(code if code.endswith("\n") else code + "\n")
    sys.stdout.flush()
    return 0
