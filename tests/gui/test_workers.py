"""gui/workers.py: background threads run below the window's priority (Linux)."""

from __future__ import annotations

import os
import sys
import threading

import pytest

from gui.workers import WORKER_NICE, in_background, lower_priority

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="a thread's own priority is a Linux feature")


def _nice() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


@linux_only
def test_a_background_target_runs_below_the_callers_priority_and_returns_its_value():
    mine = _nice()
    seen = []

    def job(a, b=0):
        seen.append(_nice())
        return a + b

    results = []
    thread = threading.Thread(target=lambda: results.append(in_background(job)(2, b=3)))
    thread.start()
    thread.join(5.0)
    assert results == [5]
    assert seen == [min(19, mine + WORKER_NICE)]
    assert _nice() == mine  # the caller's own is untouched
    assert lower_priority(0) is False


@linux_only
def test_tasks_run_below_the_windows_priority(qtbot):
    from gui.tasks import TaskRunner

    runner = TaskRunner()
    seen = []
    runner.submit(_nice, key="nice", on_result=seen.append)
    qtbot.waitUntil(lambda: bool(seen), timeout=5_000)
    assert seen == [min(19, _nice() + WORKER_NICE)]
