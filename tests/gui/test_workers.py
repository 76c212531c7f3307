"""gui/workers.py: background threads run below the window's priority (Linux)."""

from __future__ import annotations

import os
import sys
import threading
import time

import pytest

from gui.workers import WORKER_NICE, in_background, lower_library_threads, lower_priority

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
def test_tasks_run_below_the_windows_priority(qtbot, runner):
    seen = []
    runner.submit(_nice, key="nice", on_result=seen.append)
    qtbot.waitUntil(lambda: bool(seen), timeout=5_000)
    assert seen == [min(19, _nice() + WORKER_NICE)]


def _parked_thread(name: str | None = None):
    """A thread that waits until its event is set; (thread, event, its native id)."""
    go, ids = threading.Event(), []

    def park():
        if name is not None:  # as Qt names its threads
            with open("/proc/thread-self/comm", "w") as f:
                f.write(name)
        ids.append(threading.get_native_id())
        go.wait(10.0)

    thread = threading.Thread(target=park)
    thread.start()
    while not ids:
        time.sleep(0.001)
    return thread, go, ids[0]


@linux_only
def test_threads_libraries_start_at_the_windows_priority_are_lowered_once():
    mine = _nice()
    pool, pool_go, pool_id = _parked_thread()  # as OpenBLAS starts its helpers: unnamed
    named, named_go, named_id = _parked_thread("QtNamedThread")
    seen: set[int] = set()
    try:
        lowered = lower_library_threads(seen)
        assert pool_id in lowered and named_id not in lowered
        assert os.getpriority(os.PRIO_PROCESS, pool_id) == min(19, mine + WORKER_NICE)
        assert os.getpriority(os.PRIO_PROCESS, named_id) == mine  # Qt's own: left alone
        assert _nice() == mine  # the window's thread keeps its priority
        assert {pool_id, named_id} <= seen
        assert lower_library_threads(seen) == []  # each thread is looked at once
    finally:
        pool_go.set()
        named_go.set()
        pool.join(5.0)
        named.join(5.0)


@linux_only
def test_the_window_lowers_threads_started_at_its_priority(window, qtbot):
    mine = _nice()
    thread, go, tid = _parked_thread()  # started after the window, as a library's pool is
    try:
        qtbot.waitUntil(lambda: os.getpriority(os.PRIO_PROCESS, tid) > mine, timeout=10_000)
        assert os.getpriority(os.PRIO_PROCESS, tid) == min(19, mine + WORKER_NICE)
        assert tid in window.library_threads
        assert _nice() == mine
    finally:
        go.set()
        thread.join(5.0)
    window.close()  # a closed window looks no more
    assert not window._library_timer.isActive()


@linux_only
def test_a_worker_the_window_lowered_first_is_not_lowered_again():
    """The window's look for library threads may find a new worker before the worker lowers
    itself: both put it at the same priority, never one below the other."""
    mine = _nice()
    lowered_first, go, after = threading.Event(), threading.Event(), []

    def worker():
        lowered_first.set()
        go.wait(10.0)
        after.append((lower_priority(), _nice()))

    thread = threading.Thread(target=worker)
    thread.start()
    assert lowered_first.wait(5.0)
    try:
        assert thread.native_id in lower_library_threads()
    finally:
        go.set()
        thread.join(5.0)
    assert after == [(False, min(19, mine + WORKER_NICE))]
