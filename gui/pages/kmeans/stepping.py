"""Step, back, reset and play: every move of the stepper is a task on the page's one
``stepper`` key, ``serial`` so that each is applied in order. A fit or a new hand-placed
init uses the same key without ``serial``: it supersedes the steps still waiting."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer

from gui.pages.kmeans import jobs
from gui.tasks import estimate_cost

#: While playing, the "Show code" panel follows the iteration shown at most this often.
CODE_MS = 250


class Stepping(QObject):
    def __init__(self, page):
        super().__init__(page)
        self.page = page
        self.pending = 0  # steps submitted and not finished (play never piles them up)
        self.timer = QTimer(self, timeout=self._tick)
        # the code of the iteration shown, while playing: at most every CODE_MS (writing the
        # code panel on every frame costs frames per second)
        self.code_timer = QTimer(self, singleShot=True, interval=CODE_MS,
                                 timeout=page.code_changed.emit)
        c = page.controls
        c.play_button.toggled.connect(self._toggled)
        c.speed_slider.valueChanged.connect(self._speed)

    def do(self, action: str) -> None:
        """``step``, ``back``, ``reset`` or ``show`` (the frame of where the stepper is)."""
        s = self.page.state
        if s.stepper is None:
            return
        stepper, X, proj = s.stepper, s.dataset.X, s.projection
        self.pending += 1
        task = self.page.run_task(
            lambda: (stepper, jobs.step(stepper, X, proj, action)), key="stepper", serial=True,
            cost=estimate_cost(len(X), X.shape[1], stepper.n_clusters),
            description="K-Means iteration…", paint_in_turns=True, on_result=self._stepped)
        task.finished.connect(self._finished)
        task.cancelled.connect(lambda t=task: self._cancelled(t))

    def _stepped(self, out) -> None:
        stepper, frame = out
        if stepper is self.page.state.stepper:  # not a stepper a new fit replaced
            self.page.show_frame(frame)

    def _finished(self) -> None:
        self.pending = max(0, self.pending - 1)

    def _cancelled(self, task) -> None:
        # Cancel (Esc) drops the step's frame, but the stepper did move: show where it is.
        if task.state != "stale" and self.page.state.stepper is not None:
            self.do("show")

    # -- play ------------------------------------------------------------------------------------
    def stop(self) -> None:
        if self.page.controls.play_button.isChecked():
            self.page.controls.play_button.setChecked(False)

    def _toggled(self, on: bool) -> None:
        page = self.page
        page.state.playing = on
        page.controls.play_button.setText("Pause" if on else "Play")
        if on:
            if page.state.frame is not None and page.state.frame.converged:
                self.do("reset")  # replay from the start
            self._speed(page.controls.speed_slider.value())
            self.timer.start()
        else:
            self.timer.stop()
            self.code_timer.stop()
            page.code_changed.emit()

    def code_soon(self) -> None:
        if not self.code_timer.isActive():
            self.code_timer.start()

    def _speed(self, value: int) -> None:
        self.timer.setInterval(int(1000 / max(1, value)))

    def _tick(self) -> None:
        f = self.page.state.frame
        if self.page.state.stepper is None or f is None:
            self.stop()
        elif self.pending:
            return  # the last step is still running
        elif f.converged:
            self.stop()
        else:
            self.do("step")
