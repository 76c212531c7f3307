"""``--export-plot`` and ``--export-frames``: open a page, wait until it drew its result,
save, and say what went wrong (None when all went well)."""

from __future__ import annotations

from PySide6.QtCore import QEventLoop, QTimer


def _settle(ms: int = 250) -> None:
    """Let pyqtgraph finish its first layout pass (axes size themselves on first paint)."""
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def drain(window, timeout_s: float = 15.0) -> None:
    """Let the tasks the export started (a resize redraws regions) finish before closing."""
    loop = QEventLoop()
    timer = QTimer()
    timer.setInterval(20)
    timer.timeout.connect(lambda: None if window.tasks.busy else loop.quit())
    QTimer.singleShot(int(timeout_s * 1000), loop.quit)
    timer.start()
    if window.tasks.busy:
        loop.exec()
    timer.stop()


def _ready(window, name: str, timeout_s: float) -> str | None:
    page = window.show_page(name)
    page.ensure_started()
    if not window.wait_for_result(page, timeout_s):
        shown = window.message_bar.text() if window.message_bar.isVisible() else ""
        return shown or f"the page did not draw a result within {timeout_s:.0f} s"
    _settle()
    return None


def export_plot(window, name: str, path: str, scale: float = 1.0,
                timeout_s: float = 180.0) -> str | None:
    """Save page ``name``'s main plot to ``path`` (SVG, PDF or PNG by the extension)."""
    problem = _ready(window, name, timeout_s)
    if problem:
        return problem
    if window.export_plot(path, None, scale) is None:
        return window.message_bar.text() or "the plot could not be saved"
    return None


def export_frames(window, name: str, path: str, scale: float = 1.0,
                  timeout_s: float = 180.0) -> str | None:
    """Save page ``name``'s run as an animated GIF or numbered PNG frames."""
    problem = _ready(window, name, timeout_s)
    if problem:
        return problem
    loop = QEventLoop()
    outcome: list = []

    def done(paths) -> None:
        outcome.append(paths)
        loop.quit()

    if window.export_frames(path, scale, on_done=done) is None and not outcome:
        return window.message_bar.text() or "this page has no run to animate"
    if not outcome:
        timer = QTimer()
        timer.setSingleShot(True)
        timer.timeout.connect(loop.quit)
        timer.start(int(timeout_s * 1000))
        loop.exec()
        timer.stop()
    if not outcome:
        return f"the frames were not saved within {timeout_s:.0f} s"
    if outcome[0] is None:
        return window.message_bar.text() or "the frames could not be saved"
    return None
