"""The background-task mechanism: progress, Cancel, stale results, errors, clean exit."""

from __future__ import annotations

import threading
import time

import pytest
from PySide6.QtCore import QObject, Qt, QTimer

from core.errors import DataError
from core.progress import report


class SlowJob:
    """A core-style loop: n steps of work, reporting progress after each."""

    def __init__(self, steps=200, pause=0.01):
        self.steps, self.pause, self.done = steps, pause, 0

    def __call__(self, progress=None):
        for i in range(self.steps):
            time.sleep(self.pause)
            self.done = i + 1
            report(progress, (i + 1) / self.steps)
        return "finished"


def test_progress_moves_gui_ticks_and_cancel_stops_the_job(window, qtbot):
    qtbot.waitUntil(lambda: not window.tasks.busy, timeout=30_000)  # the Data page's first load
    job = SlowJob(steps=400, pause=0.01)
    ticks = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start(10)
    results = []
    task = window.tasks.submit(job, key="slow", description="Slow job…", on_result=results.append)
    assert window.cancel_button.isVisible() and window.progress.isVisible()
    assert window.status_label.text() == "Slow job…"
    qtbot.waitUntil(lambda: window.progress.value() > 100, timeout=10_000)
    first = window.progress.value()
    qtbot.waitUntil(lambda: window.progress.value() > first, timeout=10_000)
    assert len(ticks) >= 5, "the GUI thread kept running its timers while the job worked"
    with qtbot.waitSignal(task.finished, timeout=10_000):
        qtbot.mouseClick(window.cancel_button, Qt.MouseButton.LeftButton)
    timer.stop()
    assert task.state == "cancelled"
    assert results == []
    assert job.done < job.steps, "the job stopped at its next progress report"
    assert not task.is_running
    assert not window.cancel_button.isVisible() and not window.progress.isVisible()
    assert window.status_label.text() == "Cancelled"


def test_a_newer_task_with_the_same_key_wins(window, qtbot):
    results = []
    slow = SlowJob(steps=50, pause=0.01)
    first = window.tasks.submit(slow, key="fit", on_result=lambda r: results.append("first"))
    second = window.tasks.submit(lambda: "second", key="fit", on_result=results.append)
    with qtbot.waitSignal(first.finished, timeout=10_000):
        pass
    qtbot.waitUntil(lambda: not window.tasks.busy, timeout=10_000)
    assert results == ["second"]
    assert first.state == "stale"
    assert second.state == "done"


def test_stale_result_of_a_job_that_ignores_progress_is_dropped(window, qtbot):
    gate = threading.Event()
    results = []
    old = window.tasks.submit(lambda: (gate.wait(5), "old")[1], key="k", on_result=results.append)
    window.tasks.submit(lambda: "new", key="k", on_result=results.append)
    qtbot.waitUntil(lambda: results == ["new"], timeout=5000)
    with qtbot.waitSignal(old.finished, timeout=5000):
        gate.set()
    assert results == ["new"]


def test_errors_reach_the_message_bar(window, qtbot):
    def bad_input():
        raise DataError("Column 'city' is not numeric; ClusterLab clusters numeric columns only.")

    task = window.tasks.submit(bad_input, key="bad")
    with qtbot.waitSignal(task.finished, timeout=5000):
        pass
    assert window.message_bar.isVisible()
    assert window.message_bar.text().startswith("Column 'city' is not numeric")

    def crash():
        raise RuntimeError("boom")

    task = window.tasks.submit(crash, key="crash", description="Fitting…")
    with qtbot.waitSignal(task.finished, timeout=5000):
        pass
    assert "Fitting failed: RuntimeError: boom" in window.message_bar.text()
    assert window.message_bar.level == "error"


def test_on_error_callback_replaces_the_default(window, qtbot):
    seen = []

    def bad():
        raise DataError("nope")

    task = window.tasks.submit(bad, key="x", on_error=seen.append)
    with qtbot.waitSignal(task.finished, timeout=5000):
        pass
    assert isinstance(seen[0], DataError)
    assert not window.message_bar.isVisible()


@pytest.mark.parametrize("cooperative", [True, False])
def test_closing_the_window_with_a_task_running_exits_cleanly(qtbot, cooperative):
    from gui.app import MainWindow, create_app

    create_app()
    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    if cooperative:
        job = SlowJob(steps=10_000, pause=0.01)
    else:
        def job():  # ignores progress: the window waits for it to end
            time.sleep(0.5)
            return 1
    task = win.tasks.submit(job, key="long")
    thread = task._thread
    qtbot.wait(50)
    started = time.monotonic()
    win.close()
    assert not thread.is_alive()
    assert time.monotonic() - started < 5
    if cooperative:
        assert job.done < job.steps


def test_cheap_work_runs_inline_and_still_arrives_through_the_event_loop(qtbot, runner):
    from gui.tasks import INLINE_COST, estimate_cost

    results = []
    task = runner.submit(lambda a, b: a + b, 2, 3, key="add", on_result=results.append,
                         cost=estimate_cost(100, 2, 3))
    assert estimate_cost(100, 2, 3) < INLINE_COST
    assert task.inline and runner.inline_count == 1
    assert results == []  # delivered by the event loop, as a thread's result would be
    with qtbot.waitSignal(task.finished, timeout=5_000):
        pass
    assert results == [5]
    big = runner.submit(lambda: threading.current_thread().name, key="big",
                        on_result=results.append, cost=INLINE_COST * 10)
    assert not big.inline
    qtbot.waitUntil(lambda: len(results) == 2, timeout=5_000)
    assert results[1].startswith("clusterlab-big")
    assert not runner.busy


def test_a_worker_hands_the_gil_to_the_gui_thread_at_each_progress_report(qtbot, runner,
                                                                         monkeypatch):
    """core's loops report between their calls; there the worker lets a waiting GUI thread
    have the GIL (core.threads.let_others_run), on the worker's thread."""
    import gui.tasks as tasks

    handed = []
    monkeypatch.setattr(tasks, "let_others_run",
                        lambda: handed.append(threading.current_thread().name))
    results = []
    runner.submit(SlowJob(steps=5, pause=0.001), key="slow", on_result=results.append,
                  cost=tasks.INLINE_COST * 10)
    qtbot.waitUntil(lambda: results == ["finished"], timeout=5_000)
    assert len(handed) == 5
    assert all(name.startswith("clusterlab-slow") for name in handed)


def test_serial_tasks_all_run_in_order_and_a_latest_wins_task_drops_the_queue(qtbot, runner):
    order = []

    def step(i):
        time.sleep(0.02)
        return i

    tasks = [runner.submit(step, i, key="step", serial=True, on_result=order.append)
             for i in range(4)]
    qtbot.waitUntil(lambda: not runner.busy, timeout=10_000)
    assert order == [0, 1, 2, 3]
    assert [t.state for t in tasks] == ["done"] * 4

    order.clear()
    slow = [runner.submit(step, i, key="step", serial=True, on_result=order.append)
            for i in range(3)]
    runner.submit(step, 99, key="step", on_result=order.append)  # latest wins
    qtbot.waitUntil(lambda: not runner.busy, timeout=10_000)
    assert order == [99]
    assert slow[1].state == "cancelled" and slow[2].state == "cancelled"


def test_inline_error_goes_to_on_error(qtbot, runner):
    errors = []

    def bad():
        raise DataError("That file has no rows.")

    runner.submit(bad, key="bad", cost=1, on_error=errors.append)
    qtbot.waitUntil(lambda: bool(errors), timeout=5_000)
    assert str(errors[0]) == "That file has no rows."


def test_stages_on_next_turns_let_due_timers_run_in_between(qtbot):
    """A chain of stages (a page drawing a result a part at a time) leaves the event loop
    between parts: a timer that is due (input, a heartbeat) runs before the next part."""
    from PySide6.QtCore import QObject

    from gui.tasks import next_turn

    owner = QObject()
    order: list[str] = []
    beat = _heartbeat(order)

    def stage(i: int) -> None:
        order.append("stage")
        time.sleep(0.004)  # longer than the timer's interval: it is due when the stage ends
        if i < 6:
            next_turn(owner, lambda: stage(i + 1))

    beat.start()
    next_turn(owner, lambda: stage(1))
    qtbot.waitUntil(lambda: order.count("stage") == 6, timeout=5000)
    beat.stop()
    assert _ticks_between(order, [i for i, what in enumerate(order) if what == "stage"])


def test_what_a_task_was_given_is_let_go_on_the_gui_thread(qtbot, runner):
    """A worker thread drops its target and arguments as it ends: were those the last
    references to what the task was given (a page's context, and through it widgets), Qt
    objects would be destroyed off their thread. The runner lets them go on the GUI thread."""
    freed_on: list[str] = []

    class Given:
        def __del__(self):
            freed_on.append(threading.current_thread().name)

    results = []
    task = runner.submit(lambda given: type(given).__name__, Given(), key="given",
                         on_result=results.append)
    qtbot.waitUntil(lambda: results == ["Given"], timeout=5_000)
    assert task.wait(5.0)
    qtbot.waitUntil(lambda: bool(freed_on), timeout=5_000)
    assert freed_on == [threading.main_thread().name]


def test_stages_of_different_chains_take_a_turn_each(qtbot):
    """Stages asked for in the same turn by different owners (a page's opening steps, its
    tab's, a preview) ran in the same pass of the event loop, each on a timer of its own:
    30-50 ms in one turn. They wait in one queue and run one a turn, in order."""
    from PySide6.QtCore import QObject

    from gui.tasks import next_turn

    owners = [QObject(), QObject(), QObject()]
    order: list[str] = []
    beat = _heartbeat(order)

    def stage(name: str) -> None:
        order.append(name)
        time.sleep(0.004)  # the heartbeat is due when the stage ends

    beat.start()
    for i, owner in enumerate(owners):
        next_turn(owner, lambda i=i: stage(f"stage {i}"))
    gone = QObject()
    next_turn(gone, lambda: order.append("of an owner gone"))
    gone.deleteLater()
    qtbot.waitUntil(lambda: order.count("tick") > 8 and "stage 2" in order, timeout=5000)
    beat.stop()
    stages = [i for i, what in enumerate(order) if what.startswith("stage")]
    assert [order[i] for i in stages] == ["stage 0", "stage 1", "stage 2"]
    assert _ticks_between(order, stages)
    assert "of an owner gone" not in order


def test_results_that_arrive_together_are_drawn_a_turn_each(qtbot, runner):
    """Several tasks that end together (a tab's views, each with its regions) had their
    results drawn, and painted, in one pass of the event loop: 50-60 ms. Each result is
    delivered on a turn of its own; a due timer (input, painting) runs in between."""
    go = threading.Event()
    order: list[str] = []
    beat = _heartbeat(order)

    def drawn(name: str) -> None:
        order.append(name)
        time.sleep(0.004)  # drawing it: the heartbeat is due when it ends

    for name in ("a", "b", "c"):
        runner.submit(lambda n=name: (go.wait(5.0), n)[1], key=f"view {name}",
                      on_result=drawn)
    qtbot.wait(50)  # all three waiting at the gate, then let go together
    beat.start()
    go.set()
    qtbot.waitUntil(lambda: all(n in order for n in "abc") and not runner.busy, timeout=5000)
    beat.stop()
    results = [i for i, what in enumerate(order) if what != "tick"]
    assert sorted(order[i] for i in results) == ["a", "b", "c"]
    assert _ticks_between(order, results)


def _heartbeat(order: list[str]) -> QTimer:
    """A 2 ms timer that notes "tick" in ``order`` (input or painting that is due)."""
    beat = QTimer()
    beat.setTimerType(Qt.TimerType.PreciseTimer)
    beat.setInterval(2)
    beat.timeout.connect(lambda: order.append("tick"))
    return beat


def _ticks_between(order: list[str], positions: list[int]) -> bool:
    """The heartbeat ran between each two of the entries of ``order`` at ``positions``."""
    return all("tick" in order[a + 1:b] for a, b in zip(positions, positions[1:]))


def test_a_stage_is_laid_out_before_the_paint_it_asked_for(qtbot):
    """A stage that draws new points and a new title posts the scene's repaint first and the
    plot's layout request after it: laid out after that paint, the plot was painted, resized
    and painted again in the turn (K-Means' first result). The stage is laid out as it ends."""
    import numpy as np
    from PySide6.QtCore import QEvent

    from gui.tasks import next_turn
    from gui.widgets.scatter import ScatterView

    view = ScatterView()
    qtbot.addWidget(view)
    view.resize(400, 300)
    view.show()
    qtbot.waitExposed(view)
    xy = np.random.default_rng(1).normal(size=(200, 2))
    view.set_points(xy)
    view.set_title("data")
    qtbot.wait(100)
    seen = _Events({QEvent.Type.LayoutRequest: "layout", QEvent.Type.Paint: "paint"})
    view.plotItem.installEventFilter(seen)
    view.viewport().installEventFilter(seen)
    next_turn(view, lambda: (view.set_points(xy * 3), view.set_title("other data")))
    qtbot.waitUntil(lambda: "paint" in seen.names, timeout=5000)
    assert seen.names[:2] == ["layout", "paint"]


class _Events(QObject):
    """Records the names of the events of the given types its objects receive."""

    def __init__(self, kinds: dict):
        super().__init__()
        self.kinds, self.names = kinds, []

    def eventFilter(self, obj, event):  # noqa: N802 - Qt's name
        if event.type() in self.kinds:
            self.names.append(self.kinds[event.type()])
        return False
