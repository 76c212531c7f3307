"""``--export-plot`` and ``--export-frames``: open a page, wait until it drew its result,
save, and say what went wrong (None when all went well)."""

from __future__ import annotations

from PySide6.QtCore import QEventLoop, QTimer


def spin(timeout_s: float, until=None) -> None:
    """Run the event loop for ``timeout_s`` seconds, or until ``until()`` holds (checked
    every 20 ms)."""
    if until is not None and until():
        return
    loop = QEventLoop()
    poll = QTimer()
    poll.setInterval(20)
    poll.timeout.connect(lambda: loop.quit() if until is not None and until() else None)
    deadline = QTimer()
    deadline.setSingleShot(True)
    deadline.timeout.connect(loop.quit)
    deadline.start(int(timeout_s * 1000))
    poll.start()
    loop.exec()
    poll.stop()
    deadline.stop()


def drain(window, timeout_s: float = 15.0) -> None:
    """Let the tasks the export started (a resize redraws regions) finish before closing."""
    spin(timeout_s, lambda: not window.tasks.busy)


def _ready(window, name: str, timeout_s: float) -> str | None:
    page = window.show_page(name)
    page.ensure_started()
    if not window.wait_for_result(page, timeout_s):
        shown = window.message_bar.text() if window.message_bar.isVisible() else ""
        return shown or f"the page did not draw a result within {timeout_s:.0f} s"
    spin(0.25)  # pyqtgraph's first layout pass (axes size themselves on first paint)
    return None


def export(window, name: str, path: str, scale: float = 1.0, timeout_s: float = 180.0,
           frames: bool = False) -> str | None:
    """Open page ``name``, wait for its result, then save its main plot to ``path`` (SVG,
    PDF or PNG by the extension) or, with ``frames``, its run (GIF or PNG frames)."""
    problem = _ready(window, name, timeout_s)
    if problem:
        return problem
    if not frames:
        if window.export_plot(path, None, scale) is None:
            return window.message_bar.text() or "the plot could not be saved"
        return None
    outcome: list = []
    if window.export_frames(path, scale, on_done=outcome.append) is None and not outcome:
        return window.message_bar.text() or "this page has no run to animate"
    spin(timeout_s, lambda: bool(outcome))
    if not outcome:
        return f"the frames were not saved within {timeout_s:.0f} s"
    if outcome[0] is None:
        return window.message_bar.text() or "the frames could not be saved"
    return None


def export_plot(window, name: str, path: str, scale: float = 1.0,
                timeout_s: float = 180.0) -> str | None:
    """--export-plot: page ``name``'s main plot saved to ``path``."""
    return export(window, name, path, scale, timeout_s)


def export_frames(window, name: str, path: str, scale: float = 1.0,
                  timeout_s: float = 180.0) -> str | None:
    """--export-frames: page ``name``'s run saved as a GIF or numbered PNG frames."""
    return export(window, name, path, scale, timeout_s, frames=True)
