"""The one way to run core work off the GUI thread.

``TaskRunner.submit(fn, *args, key=...)`` runs ``fn`` on a worker thread.
If ``fn`` accepts a ``progress`` keyword it receives a callback; calling it
reports a fraction in [0, 1] and raises :class:`core.errors.Cancelled`
once the task was cancelled, so core loops stop promptly. Results come back
on the GUI thread through queued signals. Submitting a new task with the
same ``key`` cancels the previous one (latest wins: drags and sliders), and a
result that arrives after its task was superseded or cancelled is dropped.

Two options choose *how* the work runs:

- ``cost``: the estimated size of the work (rows x features x k, see
  :func:`estimate_cost`). Work cheaper than :data:`INLINE_COST` runs at once on
  the calling (GUI) thread, because a thread would cost more than the work;
  anything else, or work whose cost is not given, runs on a worker thread.
  Either way the result is delivered the same way: queued to the event loop.
- ``serial=True``: a task with the key of a running one waits for it instead of
  superseding it (stepping: every step is applied, in order). A later
  non-serial task with the same key still cancels the whole queue.

This is the one staleness mechanism of the app: pages keep no generation
counters of their own.
"""

from __future__ import annotations

import inspect
import itertools
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer, Signal

from core.errors import Cancelled, DataError
from core.threads import let_others_run
from gui.workers import in_background

_ids = itertools.count(1)

#: (thread, its target, its arguments) of every task thread the GUI thread has not yet seen
#: end. A thread drops its target and arguments as it ends; were those the last references
#: to what the task was given (a page's context, and through it widgets, once the window
#: closed), they would be freed on the worker, and a Qt object destroyed off its thread
#: crashes or deadlocks. Held here, they are let go on the GUI thread (:func:`_let_go`).
_HELD: list[tuple[threading.Thread, Callable, tuple]] = []


def _let_go() -> None:
    """Drop, on the GUI thread, what ended task threads were given."""
    _HELD[:] = [held for held in _HELD if held[0].is_alive()]

#: Work estimated below this many (rows x features x k) units runs inline: a few ms at most.
INLINE_COST = 400_000


def estimate_cost(n_rows: int, n_features: int = 1, k: int = 1, passes: int = 1) -> float:
    """The cost the runner compares with :data:`INLINE_COST`: rows x features x k x passes."""
    return float(max(n_rows, 0)) * max(n_features, 1) * max(k, 1) * max(passes, 1)


def _accepts_progress(fn: Callable) -> bool:
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return "progress" in params


class Task(QObject):
    """A unit of background work; its signals are delivered on the GUI thread."""

    progressed = Signal(float)
    succeeded = Signal(object)
    failed = Signal(object)
    cancelled = Signal()
    finished = Signal()

    # Emitted from the worker thread; queued to the GUI thread.
    _progress_from_worker = Signal(float)
    _done_from_worker = Signal(object, object)

    def __init__(self, key: str, description: str, parent: QObject | None = None):
        super().__init__(parent)
        self.id = next(_ids)
        self.key = key
        self.description = description
        self.fraction = 0.0
        self.result: Any = None
        self.error: BaseException | None = None
        self.state = "pending"  # pending, running, done, failed, cancelled, stale
        self.serial = False
        self.inline = False
        # False for work that must finish once started (saving the user's work): the status
        # bar's Cancel and Esc leave it alone
        self.user_cancellable = True
        self._cancel = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_emit = 0.0
        self._progress_from_worker.connect(self._on_progress)

    # -- control -------------------------------------------------------------------------
    def cancel(self) -> None:
        """Ask the work to stop at its next progress report; its result will be dropped."""
        self._cancel.set()

    @property
    def is_cancelled(self) -> bool:
        return self._cancel.is_set()

    @property
    def is_running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the worker thread ended (used at shutdown and in tests)."""
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)
            return not self._thread.is_alive()
        return True

    # -- worker side -----------------------------------------------------------------------
    def _progress_callback(self, fraction: float) -> None:
        if self._cancel.is_set():
            raise Cancelled()
        # The GIL handed to the GUI thread if it waits for it: between the calls of core's
        # loops, which report here, numpy calls that let it go and take it back inside
        # (core.threads.let_others_run) kept the GUI thread waiting 15-25 ms at times.
        let_others_run()
        now = time.monotonic()
        if now - self._last_emit >= 0.03 or fraction >= 1.0:
            self._last_emit = now
            self._progress_from_worker.emit(float(fraction))

    def _on_progress(self, fraction: float) -> None:
        if self.state == "running":
            self.fraction = fraction
            self.progressed.emit(fraction)


class TaskRunner(QObject):
    """Runs tasks on worker threads and tracks them for the status bar."""

    task_started = Signal(object)
    task_finished = Signal(object)
    busy_changed = Signal(bool)
    error = Signal(str, str)  # message, detail (traceback) for unexpected errors

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._latest: dict[str, Task] = {}
        self._active: list[Task] = []
        self._queued: dict[str, list[tuple[Task, Callable[[], None]]]] = {}
        self.inline_count = 0  # tasks run inline (for tests and benchmarks)

    # -- public API ----------------------------------------------------------------------------
    def submit(
        self,
        fn: Callable,
        *args: Any,
        key: str | None = None,
        description: str = "Working…",
        on_result: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        on_progress: Callable[[float], None] | None = None,
        cost: float | None = None,
        serial: bool = False,
        user_cancellable: bool = True,
        **kwargs: Any,
    ) -> Task:
        """Run ``fn(*args, **kwargs)`` in the background and return its :class:`Task`.

        ``on_result`` runs on the GUI thread with the return value unless the
        task was cancelled or superseded by a newer task with the same ``key``.
        ``on_error`` receives any exception (a :class:`DataError` carries a
        sentence for the user); without it, the runner's ``error`` signal fires.
        ``cost`` and ``serial``: see the module's docstring. ``user_cancellable=False``
        for work that must finish once started (saving the user's work): the status bar's
        Cancel and Esc leave it alone.
        """
        key = key or f"task-{next(_ids)}"
        previous = self._latest.get(key)
        busy = previous is not None and previous.state in ("pending", "running")
        if busy and not serial:
            self._drop_queue(key)
            for old in [t for t in self._active if t.key == key] + [previous]:
                if old.state != "cancelled":
                    old.cancel()
                    old.state = "stale"
        task = Task(key, description, self)
        task.serial = serial
        task.user_cancellable = user_cancellable
        self._latest[key] = task
        if on_progress is not None:
            task.progressed.connect(on_progress)

        def done(outcome: str, payload: Any, t: Task = task) -> None:
            self._on_done(t, outcome, payload, on_result, on_error)

        if _accepts_progress(fn):
            kwargs = {**kwargs, "progress": task._progress_callback}

        def work(emit: Callable[[str, Any], None]) -> None:
            try:
                result = fn(*args, **kwargs)
            except Cancelled:
                emit("cancelled", None)
            except BaseException as exc:  # noqa: BLE001 - reported on the GUI thread
                exc.__traceback_text__ = traceback.format_exc()
                emit("error", exc)
            else:
                emit("ok", result)

        inline = cost is not None and cost < INLINE_COST
        start = (lambda: self._start_inline(task, work, done)) if inline else \
            (lambda: self._start_thread(task, work, done))
        if busy and serial:
            self._queued.setdefault(key, []).append((task, start))
        else:
            start()
        return task

    def _start_thread(self, task: Task, work, done) -> None:
        task.state = "running"
        # A result is drawn on a turn of its own (next_turn): results of several tasks that
        # arrived together (a tab's views, each with its regions) were drawn, and painted,
        # in one pass of the event loop: 50-60 ms.
        task._done_from_worker.connect(
            lambda outcome, payload, t=task: next_turn(t, lambda: done(outcome, payload)))
        target, args = in_background(work), (task._done_from_worker.emit,)
        task._thread = threading.Thread(target=target, args=args,
                                        name=f"clusterlab-{task.key}", daemon=True)
        _let_go()
        _HELD.append((task._thread, target, args))
        was_busy = bool(self._active)
        self._active.append(task)
        task._thread.start()
        self.task_started.emit(task)
        if not was_busy:
            self.busy_changed.emit(True)

    def _start_inline(self, task: Task, work, done) -> None:
        # Cheap work: computed now, delivered through the event loop like a thread's result.
        task.state = "running"
        task.inline = True
        self.inline_count += 1
        was_busy = bool(self._active)
        self._active.append(task)
        self.task_started.emit(task)
        if not was_busy:
            self.busy_changed.emit(True)
        outcome: list = []
        work(lambda o, p: outcome.append((o, p)))
        QTimer.singleShot(0, task, lambda: done(*outcome[0]))

    def _drop_queue(self, key: str) -> None:
        for task, _start in self._queued.pop(key, []):
            task.cancel()
            task.state = "cancelled"
            task.cancelled.emit()
            task.finished.emit()
            task.deleteLater()

    def cancel(self, key: str | None = None) -> None:
        """Cancel the task with ``key``, or every active task when ``key`` is None."""
        for k in [k for k in self._queued if key is None or k == key]:
            self._drop_queue(k)
        for task in list(self._active):
            if key is None or task.key == key:
                task.cancel()

    def active_tasks(self) -> list[Task]:
        return list(self._active)

    def current(self) -> Task | None:
        """The most recently started task that still runs (what the status bar shows)."""
        return self._active[-1] if self._active else None

    @property
    def busy(self) -> bool:
        return bool(self._active)

    def shutdown(self, timeout: float = 10.0) -> bool:
        """Cancel everything and wait for the worker threads; True when all ended."""
        self.cancel()
        deadline = time.monotonic() + timeout
        ok = True
        for task in list(self._active):
            ok &= task.wait(max(0.0, deadline - time.monotonic()))
        _let_go()
        return ok

    # -- GUI-thread side ------------------------------------------------------------------------
    def _on_done(self, task: Task, outcome: str, payload: Any, on_result, on_error) -> None:
        task.wait(1.0)
        _let_go()
        if task in self._active:
            self._active.remove(task)
        superseded = self._latest.get(task.key) is not task and not task.serial
        stale = task.state == "stale" or task.is_cancelled or superseded
        if outcome == "cancelled" or (stale and outcome == "ok"):
            task.state = "stale" if task.state == "stale" else "cancelled"
            task.cancelled.emit()
        elif outcome == "error":
            task.state = "failed"
            task.error = payload
            if not stale:
                if on_error is not None:
                    on_error(payload)
                elif isinstance(payload, DataError):
                    self.error.emit(str(payload), "")
                else:
                    detail = getattr(payload, "__traceback_text__", "")
                    self.error.emit(
                        f"{task.description.rstrip('…')} failed: {type(payload).__name__}: {payload}",
                        detail,
                    )
            task.failed.emit(payload)
        else:
            task.state = "done"
            task.result = payload
            task.fraction = 1.0
            if on_result is not None:
                on_result(payload)
            task.succeeded.emit(payload)
        if self._latest.get(task.key) is task:
            del self._latest[task.key]
        queue = self._queued.get(task.key)
        if queue:
            _next, start = queue.pop(0)
            if not queue:
                del self._queued[task.key]
            start()
        self.task_finished.emit(task)
        if not self._active:
            self.busy_changed.emit(False)
        task.finished.emit()
        task.deleteLater()


def next_turn(receiver: QObject, fn: Callable[[], Any]) -> None:
    """Call ``fn`` on a later turn of the event loop, once input, painting and timers that
    are due have had theirs (``receiver``: the object it belongs to; nothing runs once it is
    gone).

    Work drawn in stages goes through this, not ``QTimer.singleShot(0, ...)``: in Qt 6 a
    zero single shot is a posted event, and a chain of them runs within one pass of the
    event loop, where timers and input wait (a chain of 10 ms stages held them ~40 ms).
    The calls wait in one queue and run one a turn, in the order they were asked for: a
    timer of their own each, those due together (a page's opening steps, a tab's, a
    preview's) ran in the same pass, 30-50 ms of one turn.
    """
    global _turns
    if _turns is None or not shiboken6.isValid(_turns):
        _turns = _Turns(QCoreApplication.instance())
    _turns.add(receiver, fn)


def staged_work_waiting() -> bool:
    """True while calls of :func:`next_turn` wait for their turn or one runs (a page, a tab
    or a result being drawn in stages)."""
    return _turns is not None and shiboken6.isValid(_turns) and bool(_turns.calls
                                                                      or _turns.running)


def lay_out_now() -> None:
    """Lay out now what the work of this turn changed, before the paint it asked for.

    A layout request is posted after the scene's update that paints, and both are handled in
    the same pass of the event loop: laid out after the paint, a plot was painted, resized
    and painted again in that pass (K-Means' first result: 44-56 ms of one turn, now 36-44).
    Every call of :func:`next_turn` is followed by this; work drawn in steps on timers of
    its own calls it after each step."""
    QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)


class _Turns(QObject):
    """The queue of :func:`next_turn`: a call per turn of the event loop."""

    def __init__(self, parent: QObject | None):
        super().__init__(parent)
        self.calls: deque[tuple[QObject, Callable[[], Any]]] = deque()
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(1)
        self.timer.timeout.connect(self.run_one)
        self.running = False

    def add(self, receiver: QObject, fn: Callable[[], Any]) -> None:
        self.calls.append((receiver, fn))
        if not self.running and not self.timer.isActive():
            self.timer.start()

    def run_one(self) -> None:
        while self.calls:
            receiver, fn = self.calls.popleft()
            if shiboken6.isValid(receiver):
                self.running = True
                try:
                    fn()
                    lay_out_now()
                finally:  # (the next one's timer after it: timers due meanwhile go first)
                    self.running = False
                    if self.calls and not self.timer.isActive():
                        self.timer.start()
                return


_turns: _Turns | None = None
