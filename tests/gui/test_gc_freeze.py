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
