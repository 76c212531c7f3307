"""Shared fixtures: offscreen Qt, isolated settings and data folder, no leaked threads."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ARTIFACTS = Path(__file__).parent / "artifacts"


@pytest.fixture(autouse=True)
def _isolated_user_folders(tmp_path, monkeypatch):
    """Point the app's data folder and QSettings at tmp_path: tests never touch the user's."""
    data = tmp_path / "clusterlab-data"
    monkeypatch.setenv("CLUSTERLAB_DATA_DIR", str(data))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    try:
        from PySide6.QtCore import QSettings
    except ImportError:  # core tests may run without Qt
        yield
        return
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope,
                      str(tmp_path / "settings"))
    yield


@pytest.fixture(autouse=True)
def _no_leaked_threads():
    """Fail a test that leaves a worker thread running."""
    before = set(threading.enumerate())
    yield
    leaked = [t for t in threading.enumerate() if t not in before and t.is_alive()]
    for t in leaked:
        t.join(5.0)
    still = [t.name for t in leaked if t.is_alive()]
    assert not still, f"test left threads running: {still}"


@pytest.fixture
def artifacts_dir() -> Path:
    """Where GUI tests save screenshots for a person to look at (git-ignored)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def window(qtbot):
    """A main window with isolated settings; closed (and its tasks joined) after the test."""
    from tests.gui.drivers import open_window

    win = open_window(qtbot)
    yield win
    win.close()


@pytest.fixture
def runner(qtbot):
    """A ``TaskRunner`` without a window, its Qt objects destroyed on this (the GUI) thread
    after the test.

    A runner and its tasks hold each other (their signals' slots), so only the garbage
    collector frees them; without a window that collection is automatic and may run on
    whichever thread allocates, a worker's included, where destroying a Qt object crashes.
    Deleted here, what a later collection frees is only Python's side of it.
    """
    import shiboken6

    from gui.tasks import TaskRunner

    made = TaskRunner()
    yield made
    made.shutdown()
    qtbot.wait(10)  # what the tasks still deliver
    shiboken6.delete(made)  # (its tasks, its children, with it)


@pytest.fixture
def open_page(window, qtbot):
    """open_page(name) shows a page and waits until it drew its first result."""

    def _open(name: str, timeout_s: float = 120.0):
        page = window.show_page(name)
        page.ensure_started()
        if not page.has_result:
            with qtbot.waitSignal(page.result_drawn, timeout=int(timeout_s * 1000)):
                pass
        return page

    return _open


V010 = Path(__file__).parent / "fixtures" / "v0_1_0"


@pytest.fixture
def v010_user(tmp_path, _isolated_user_folders):
    """A user of ClusterLab 0.1.0: its settings file and data folder, as 0.1.0 wrote them,
    copied into this test's isolated folders. Returns (settings ini path, data folder)."""
    import shutil

    ini = tmp_path / "settings" / "ClusterLab" / "ClusterLab.ini"
    ini.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(V010 / "settings" / "ClusterLab" / "ClusterLab.ini", ini)
    data = tmp_path / "clusterlab-data"
    shutil.copytree(V010 / "data", data, dirs_exist_ok=True)
    return ini, data
