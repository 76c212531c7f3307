"""The window hands the memory that finished tasks freed back to the system (gui/memory.py)."""

from __future__ import annotations

import sys

import pytest

from gui.memory import MemoryReleaser


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="malloc_trim is glibc's")
def test_a_release_is_at_most_every_interval(monkeypatch):
    import gui.memory as memory

    clock = [100.0]
    monkeypatch.setattr(memory.time, "monotonic", lambda: clock[0])
    releaser = MemoryReleaser(interval=5.0)
    assert releaser.available
    assert releaser.maybe_release() and releaser.releases == 1
    releaser.wait()
    clock[0] += 4.9
    assert not releaser.maybe_release() and releaser.releases == 1
    clock[0] += 0.2
    assert releaser.maybe_release() and releaser.releases == 2
    releaser.wait()


def test_without_malloc_trim_nothing_happens(monkeypatch):
    import gui.memory as memory

    monkeypatch.setattr(memory, "_malloc_trim", lambda: None)
    releaser = MemoryReleaser()
    assert not releaser.available
    assert not releaser.maybe_release() and releaser.releases == 0


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="malloc_trim is glibc's")
def test_the_window_releases_memory_when_its_tasks_are_done(window, qtbot):
    window.memory.interval = 0.0
    with qtbot.waitSignal(window.tasks.task_finished, timeout=30_000):
        window.tasks.submit(sum, [1, 2, 3], key="memory-test", cost=1e12)
    # once nothing runs any more (the first page's own tasks included), it was trimmed
    qtbot.waitUntil(lambda: not window.tasks.busy and window.memory.releases >= 1,
                    timeout=120_000)


def test_the_app_turns_numpy_huge_page_advice_off(qapp, monkeypatch):
    import os

    import numpy as np

    from gui.app import create_app

    toggle = np._core.multiarray._set_madvise_hugepage
    monkeypatch.setenv("NUMPY_MADVISE_HUGEPAGE", "1")
    previous = toggle(True)
    try:
        create_app()
        assert toggle(False) is False  # (the toggle answers with the setting it replaces)
        assert os.environ["NUMPY_MADVISE_HUGEPAGE"] == "0"  # for the processes the app starts
    finally:
        toggle(previous)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice is Linux's")
def test_the_trim_runs_below_the_window_priority(monkeypatch):
    import os
    import threading

    import gui.memory as memory
    from gui.workers import WORKER_NICE

    seen = []

    def trim(pad):
        seen.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
        return 1

    monkeypatch.setattr(memory, "_malloc_trim", lambda: trim)
    releaser = MemoryReleaser()
    assert releaser.maybe_release()
    releaser.wait()
    mine = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    assert seen == [min(19, mine + WORKER_NICE)]
