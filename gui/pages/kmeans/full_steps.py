"""The K-Means page's passes over the full data: exact Lloyd passes over every row of a
streaming dataset's file, one pass a step, through the compute backend
(``core.scale.StreamingStepper``). The centres of the pass shown are drawn on the page's plot
over the sample it shows, its points coloured by their nearest full-data centre; the pass
number and the exact inertia on every row are shown beside it.

The passes start from the initial centroids of the page's fit on the sample. Every move is a
task on the page's key ``full-steps``: the start (a statistics pass and pass 0) supersedes
whatever ran there; steps and backs are ``serial`` (each applied, in order). "Run to
convergence" submits one step after the other (each drawn) until the run stops; Stop, the
status bar's Cancel or Esc cancel the step running (on Dask its futures are cancelled) and
leave the passes where the last one shown is.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from core.kmeans import distances_to_centers
from gui.backend import Backend, client_for
from gui.pages.base import hbox, info_label
from gui.pages.kmeans.state import Frame, FullInfo
from gui.widgets.palette import colors_for_labels

KEY = "full-steps"


# --------------------------------------------------------------------------- jobs (no Qt)


def full_frame(stepper, X: np.ndarray, projection, info: FullInfo) -> Frame:
    """What the views draw of the stepper's pass: its centres over the sample ``X``."""
    t = stepper.iteration
    labels = stepper.predict(X)
    changed = int(np.count_nonzero(labels != stepper.predict(X, t - 1))) if t else 0
    hist = stepper.history
    d = hist.centers.shape[-1]
    trail = projection.transform(hist.centers.reshape(-1, d)).reshape(t + 1, -1, 2)
    info = replace(info, backend=stepper.backend, seconds=stepper.pass_seconds)
    return Frame(t, stepper.centers, labels, stepper.inertia, stepper.converged,
                 stepper.n_iter, changed, hist.centers, hist.inertia,
                 colors_for_labels(labels, stepper.n_clusters),
                 projection.transform(stepper.centers), trail,
                 distances_to_centers(X, stepper.centers, labels), full=info)


def start_job(info: FullInfo, backend: Backend, X: np.ndarray, projection, progress=None):
    """A stepper at pass 0 on the full data (reads it twice), and its frame."""
    from core.scale import StreamingStepper

    stepper = StreamingStepper(info.path, len(info.init), init=info.init,
                               max_iter=info.max_iter, random_state=info.random_state,
                               client=client_for(backend), progress=progress)
    return stepper, full_frame(stepper, X, projection, info)


def move_job(stepper, action: str, X: np.ndarray, projection, info: FullInfo,
             progress=None):
    """``step`` (one pass over the data, unless it was run already), ``back`` or ``show``."""
    if action == "step":
        stepper.step(progress)
    elif action == "back":
        stepper.back()
    return stepper, full_frame(stepper, X, projection, info)


# --------------------------------------------------------------------------- the controls


class FullSteps:
    """The "Step through the passes" rows of the page's "Full data" group."""

    def __init__(self, page, form):
        self.page = page
        self.back_button = QPushButton("◀ Pass")
        self.back_button.setToolTip("One pass back, through the passes already run (no data "
                                    "is read).")
        self.step_button = QPushButton("Pass ▶")
        self.step_button.setToolTip(
            "One exact Lloyd pass over every row of the file, on the compute backend: every "
            "centroid moves to the mean of its rows. The first press starts from the initial "
            "centroids of the fit on the sample (pass 0, with their inertia on every row). "
            "Esc cancels a pass.")
        self.run_button = QPushButton("Run to convergence")
        self.run_button.setCheckable(True)
        self.run_button.setToolTip("Pass after pass until the centroids settle (or max_iter "
                                   "passes), each one drawn; press again (or Esc) to stop.")
        self.label = info_label("")
        self.label.setTextFormat(Qt.TextFormat.RichText)
        form.addRow(hbox(self.back_button, self.step_button))
        form.addRow(self.run_button)
        form.addRow(self.label)
        self.stepper = None
        self.key: tuple | None = None
        self.frame: Frame | None = None  # the last full-data frame drawn
        self.note = ""  # "Cancelled…", until the next move
        self.busy = 0  # moves submitted and not finished (a pass at a time)
        self.running = ""  # what the pass running does
        self.step_button.clicked.connect(self.step)
        self.back_button.clicked.connect(self.back)
        self.run_button.toggled.connect(self._run_toggled)

    # -- what the passes start from ---------------------------------------------------------
    def info(self) -> FullInfo | None:
        """The passes the page's current fit asks for, or None (no fit on the sample yet)."""
        page = self.page
        s, stream = page.state, page.full_data.stream()
        if stream is None or s.stepper is None or s.dataset is None or \
                s.dataset.key != page.settings.dataset:
            return None
        b = page.full_data.backend()
        return FullInfo(path=stream["path"], n_rows=int(stream["n_rows"]),
                        init=np.array(s.stepper.init_centers), max_iter=page.settings.max_iter,
                        random_state=page.settings.random_state, mode=b.mode,
                        workers=b.workers, address=b.address, where=b.describe())

    @staticmethod
    def _key(info: FullInfo) -> tuple:
        return (info.path, info.init.tobytes(), info.max_iter, info.mode, info.workers,
                info.address)

    def shown(self) -> bool:
        """Whether the page draws a pass of the full data now."""
        return self.frame is not None and self.page.state.frame is self.frame

    # -- moves -------------------------------------------------------------------------------
    def step(self) -> None:
        if self.busy and not self.run_button.isChecked():
            return  # one pass at a time (Run to convergence chains them)
        info = self.info()
        if info is None:
            self.page.ctx.show_message("Fit K-Means on the sample first: the passes over "
                                       "the full data start from its initial centroids.",
                                       "warning")
            self.stop()
            return
        if self.stepper is None and self.key == self._key(info):
            return  # starting: the passes come
        if self.stepper is None or self.key != self._key(info):
            self._start(info)
        elif not self.shown():
            self._move("show", info)  # the page drew its own fit meanwhile: this pass again
        elif self._can_step():
            self._move("step", info)
        else:
            self.stop()

    def back(self) -> None:
        self.stop()
        if self.busy:
            return
        info = self.info()
        if self.stepper is not None and info is not None and self.key == self._key(info):
            self._move("back" if self.shown() else "show", info)

    def _can_step(self) -> bool:
        f = self.frame
        return f is not None and not f.converged and f.iteration < f.full.max_iter

    def _run_toggled(self, on: bool) -> None:
        self.run_button.setText("Stop" if on else "Run to convergence")
        if on:
            self.step()
        else:
            self.page.ctx.tasks.cancel(f"{self.page.name}:{KEY}")

    def stop(self) -> None:
        if self.run_button.isChecked():
            self.run_button.setChecked(False)

    def _description(self, info: FullInfo, what: str) -> str:
        return f"K-Means on all {info.n_rows:,} rows: {what} {on(info)}…"

    def _start(self, info: FullInfo) -> None:
        s = self.page.state
        self.stepper, self.key, self.frame = None, self._key(info), None
        self.running = f"<i>Reading all {info.n_rows:,} rows {on(info)}…</i>"
        self._submit(start_job, info, self.page.full_data.backend(), s.dataset.X,
                     s.projection, what="pass 0 (the initial centroids)", info=info)

    def _move(self, action: str, info: FullInfo) -> None:
        s = self.page.state
        what = {"step": f"pass {self.frame.iteration + 1}" if self.frame else "a pass",
                "back": "one pass back", "show": "the pass shown"}[action]
        self.running = (f"<i>Pass {self.frame.iteration + 1} over all {info.n_rows:,} rows "
                        f"{on(info)}…</i>") if action == "step" else ""
        self._submit(move_job, self.stepper, action, s.dataset.X, s.projection, info,
                     what=what, info=info, serial=True)

    def _submit(self, fn, *args, what: str, info: FullInfo, serial: bool = False) -> None:
        if what != "the pass shown":
            self.note = ""
        task = self.page.run_task(fn, *args, key=KEY, serial=serial,
                                  description=self._description(info, what),
                                  paint_in_turns=True, on_result=self._shown, on_error=self._failed)
        task.cancelled.connect(lambda t=task: self._cancelled(t))
        task.finished.connect(self._finished)
        self.busy += 1
        self.render()

    def _finished(self) -> None:
        self.busy = max(0, self.busy - 1)
        self.render()

    # -- results -----------------------------------------------------------------------------
    def _shown(self, out) -> None:
        stepper, frame = out
        info = self.info()
        if info is None or self._key(info) != self.key:
            self.stop()  # the page's fit or data changed meanwhile: not its passes
            self.render()
            return
        if self.stepper is None:
            self.stepper = stepper  # the start
        if stepper is not self.stepper:
            return
        self.frame = frame
        self.page.show_frame(frame)
        self.render()
        if self.run_button.isChecked():
            if self._can_step():
                self._move("step", frame.full)
            else:
                self.stop()

    def _failed(self, exc: BaseException) -> None:
        self.stop()
        if self.stepper is None:
            self.key = None
        self.render()
        self.page.fail(exc, "K-Means on the full data")

    def _cancelled(self, task) -> None:
        if task.state == "stale":
            return
        self.stop()
        self.note = "Cancelled: the pass stopped, nothing runs on."
        if self.stepper is None:
            self.key = None  # the start was cancelled: the next press starts again
        elif self.shown() and self.info() is not None:
            # a pass that ended as Cancel came is kept: draw where the stepper is
            self._move("show", self.info())
        self.render()

    # -- drawing -----------------------------------------------------------------------------
    def render(self) -> None:
        f = self.frame
        ready = self.info() is not None
        current = f is not None and self.key == self._key(self.info()) if ready else False
        can_go = ready and (not current or self._can_step() or not self.shown())
        self.step_button.setEnabled(can_go and not self.busy)
        self.back_button.setEnabled(current and f.iteration > 0 and not self.busy)
        self.run_button.setEnabled(can_go or self.run_button.isChecked())
        note = f"<br><i>{self.note}</i>" if self.note else ""
        if self.busy and self.running:
            self.label.setText(self.running)
        elif f is None and self.note:
            self.label.setText(self.note)
        elif not ready:
            self.label.setText("Fit on the sample first: the passes start from its initial "
                               "centroids.")
        elif not current:
            self.label.setText("Pass ▶ draws the centroids of exact Lloyd passes over every "
                               "row, from the initial centroids of the fit on the sample.")
        else:
            self.label.setText(pass_text(f, self.shown()) + note)


def on_backend(backend: Backend) -> str:
    """Where work runs, after a verb: "in this process", "on a local cluster of…"."""
    return "in this process" if backend.mode == "process" else f"on {backend.describe()}"


def on(info: FullInfo) -> str:
    return "in this process" if info.mode == "process" else f"on {info.where}"


def pass_text(f: Frame, shown: bool = True) -> str:
    """What the group says of a full-data pass."""
    info = f.full
    lines = [f"Pass <b>{f.iteration}</b> over all {info.n_rows:,} rows: inertia "
             f"<b>{f.inertia:,.2f}</b> (exact)"]
    if f.converged:
        lines.append(f"<span style='color:#2c7a2c'><b>Converged after {f.n_iter} "
                     f"pass{'es' if f.n_iter != 1 else ''}</b></span>")
    elif f.iteration >= info.max_iter:
        lines.append(f"Stopped at max_iter = {info.max_iter} passes")
    where = "In this process" if info.backend == "this process" else f"On {info.backend}"
    lines.append(f"{where}: {info.seconds:.2g} s a pass"
                 + ("" if shown else "; the plot shows the sample's own fit (Pass ▶ draws "
                    "this pass again)"))
    return "<br>".join(lines)
