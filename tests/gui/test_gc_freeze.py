"""The window moves imported code out of the garbage collector's full walks (gui/gc_freeze.py)."""

from __future__ import annotations

import gc
import sys
import types
import weakref

import pytest

from gui.gc_freeze import NEW_MODULES, ImportFreezer


@pytest.fixture
def unfrozen():
    gc.unfreeze()  # (another test's window may have frozen)
    yield
    gc.unfreeze()  # the rest of the test session collects as usual


def test_a_burst_of_imports_is_frozen(qtbot, unfrozen, monkeypatch):
    import gui.gc_freeze as gc_freeze

    monkeypatch.setattr(gc_freeze, "_freezes", 0)
    freezer = ImportFreezer()
    freezer.frozen_at = len(sys.modules)
    assert not freezer.check()  # nothing new imported
    for i in range(NEW_MODULES):
        monkeypatch.setitem(sys.modules, f"_clusterlab_fake_{i}", types.ModuleType(f"m{i}"))
    garbage = _Node()
    garbage.me = garbage  # a young cycle: collected, not frozen
    gone = weakref.ref(garbage)
    del garbage
    assert freezer.check()
    assert freezer.freezes == 1 and gc.get_freeze_count() > 0
    assert gone() is None
    assert not freezer.check()  # until more modules come
    monkeypatch.setattr(gc_freeze, "_freezes", gc_freeze.MAX_FREEZES)
    for i in range(NEW_MODULES):
        monkeypatch.setitem(sys.modules, f"_clusterlab_later_{i}", types.ModuleType(f"l{i}"))
    assert not freezer.check()  # a process freezes a few times at most


class _Node:
    me = None


def test_the_window_freezes_after_start(window, qtbot, unfrozen, monkeypatch):
    import gui.gc_freeze as gc_freeze

    monkeypatch.setattr(gc_freeze, "_freezes", 0)
    qtbot.waitUntil(lambda: getattr(window, "gc_freezer", None) is not None, timeout=10_000)
    qtbot.waitUntil(lambda: window.gc_freezer.freezes >= 1, timeout=30_000)
    assert gc.get_freeze_count() > 0


class _Cycle:
    def __init__(self):
        self.me = self


def test_while_a_window_lives_garbage_is_collected_on_its_thread_between_events(window, qtbot):
    """Automatic collection is off while a window lives (a collection inside a Qt call that
    holds a lock hung CI; one on a worker thread destroys Qt objects off their thread); the
    window's timer collects cyclic garbage between events instead; closing the last window
    gives automatic collection back."""
    from gui.app import MainWindow

    assert window.gc_collector.running and not gc.isenabled()
    cycle = _Cycle()
    gone = weakref.ref(cycle)
    del cycle
    for _ in range(gc.get_threshold()[0] + 10):  # cyclic garbage past the first threshold
        _Cycle()
    assert gone() is not None  # nothing collected it automatically
    qtbot.waitUntil(lambda: gone() is None, timeout=10_000)  # the window's timer did
    other = MainWindow()  # two windows: the first one closed keeps collection manual
    try:
        window.close()
        assert not gc.isenabled()
    finally:
        other.close()
    assert gc.isenabled()


def test_the_collector_collects_the_generations_due():
    from gui.gc_freeze import GuiThreadCollector

    collector = GuiThreadCollector()
    collector.start()  # (automatic collection off, as while a window lives)
    try:
        gc.collect()
        assert collector.check() == -1  # nothing allocated since: nothing due
        cycle = _Cycle()
        gone = weakref.ref(cycle)
        del cycle
        for _ in range(gc.get_threshold()[0] + 10):
            _Cycle()
        assert gone() is not None
        assert collector.check() in (0, 1, 2) and gone() is None
        assert collector.check() == -1  # collected: nothing due any more
    finally:
        collector.stop()
    assert gc.isenabled()


def test_a_full_collection_waits_until_the_oldest_generation_grew_by_a_quarter(monkeypatch):
    from gui.gc_freeze import GuiThreadCollector

    collector = GuiThreadCollector()
    collector.start()
    try:
        gc.collect()
        kept = len(gc.get_objects(generation=2))
        collector._kept_by_full = kept  # as after a full walk
        full = []
        real_collect = gc.collect
        monkeypatch.setattr(gc, "collect", lambda g=2: (full.append(g), real_collect(g))[1])
        monkeypatch.setattr(gc, "get_count", lambda: (10_000, 10_000, 10_000))  # all due
        assert collector.check() == 1 and full == [1]  # the oldest did not grow: no full walk
        old = [_Cycle() for _ in range(kept // 4 + 100)]
        real_collect(1)
        real_collect(1)  # (they reach the oldest generation)
        assert collector.check() == 2 and full[-1] == 2
        assert collector._kept_by_full >= len(old)
        assert collector.check() == 1  # kept since: a quarter more needed again
    finally:
        collector.stop()


def test_older_generations_wait_while_the_window_works_and_not_for_long(monkeypatch):
    """An older generation due while staged drawing waits is put off: the young one is
    collected instead, until the work is done or DEFER_MS passed."""
    import gui.gc_freeze as gc_freeze
    from gui.gc_freeze import GuiThreadCollector

    working = [True]
    collector = GuiThreadCollector(working=lambda: working[0])
    collector.start()
    clock = [100.0]
    monkeypatch.setattr(gc_freeze.time, "monotonic", lambda: clock[0])
    try:
        gc.collect()
        t0, t1, _ = gc.get_threshold()
        collected = []
        real_collect = gc.collect
        monkeypatch.setattr(gc, "collect", lambda g=2: (collected.append(g), real_collect(g))[1])
        monkeypatch.setattr(gc, "get_count", lambda: (t0 + 1, t1 + 1, 0))  # the middle one due
        assert collector.check() == 0 and collected == [0]  # put off: the window works
        clock[0] += gc_freeze.DEFER_MS / 1000 / 2
        assert collector.check() == 0
        clock[0] += gc_freeze.DEFER_MS / 1000  # waited long enough: collected anyway
        assert collector.check() == 1 and collected[-1] == 1
        assert collector.check() == 0  # due again, and the window still works: put off
        working[0] = False
        assert collector.check() == 1  # the work is done: collected at once
    finally:
        collector.stop()


def test_a_window_puts_off_older_generations_while_drawing_waits_its_turn(window, qtbot):
    from gui.tasks import next_turn, staged_work_waiting

    assert window.gc_collector.working is staged_work_waiting
    qtbot.waitUntil(lambda: not staged_work_waiting(), timeout=30_000)
    ran = []
    next_turn(window, lambda: ran.append(staged_work_waiting()))
    assert staged_work_waiting()
    qtbot.waitUntil(lambda: bool(ran), timeout=5_000)
    assert ran == [True]  # (running counts as working too)
    qtbot.waitUntil(lambda: not staged_work_waiting(), timeout=30_000)
