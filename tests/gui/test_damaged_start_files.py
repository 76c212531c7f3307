"""Files read at start or when a page opens, damaged: the settings file, the list of recent
files kept in it, and 0.1.0's K-Means session. Each is moved aside with a date (never
deleted), the window and the page open, and the message bar says what happened and where the
old file is."""

from __future__ import annotations

import json
import os

import pytest
from PySide6.QtCore import QSettings

from gui import settings as app_settings
from gui.context import RECENT_KEY, AppContext
from gui.pages.kmeans.settings import DATASETS_FILE, LEGACY_SESSION_FILE, open_store
from tests.gui.damage import write_damage

GOOD = [
    {"placed": {"blobs": [[0.0, 1.0], [2.0, 3.0]]}, "x_new": {"blobs": [[1.5, 2.5]]}},
]


def _recent_shown(ctx) -> list[str]:
    return [title for _, title in ctx.dataset_choices() if title.endswith("(recent)")]


def _ini_path() -> str:
    """The settings file of this test (tests/conftest.py points QSettings at tmp_path), found
    without a QSettings: Qt caches what one read."""
    from pathlib import Path

    return str(Path(os.environ["CLUSTERLAB_DATA_DIR"]).parent / "settings" / "ClusterLab"
               / "ClusterLab.ini")


def _damage(path, damage: str) -> None:
    write_damage(path, damage, truncated='{"placed": {"blobs": [[0.0, 1.0], [2.0',
                 wrong_type='{"placed": {"blobs": [["left", "up"], [2.0, 3.0]]}}')


# -- the K-Means session of 0.1.0 ----------------------------------------------------------------

@pytest.mark.parametrize("damage", ["truncated", "nesting", "empty", "wrong type", "not a dict",
                                    "folder", "not utf-8"])
def test_an_unreadable_kmeans_session_is_set_aside(damage):
    folder = app_settings.data_dir()
    _damage(folder / LEGACY_SESSION_FILE, damage)
    store = open_store()
    assert store.datasets == {} and store.error is None
    aside = list(folder.glob(f"{LEGACY_SESSION_FILE}.unreadable-*"))
    assert len(aside) == 1
    assert aside[0].name in store.notice and str(folder) in store.notice
    assert not (folder / LEGACY_SESSION_FILE).exists()
    # the page can save again, and the next start reads it without a word
    store.set("blobs", "placed", [[1.0, 2.0]])
    again = open_store()
    assert again.notice is None and again.get("blobs", "placed") == [[1.0, 2.0]]


def test_a_readable_kmeans_session_is_still_imported():
    folder = app_settings.data_dir()
    (folder / LEGACY_SESSION_FILE).write_text(json.dumps(GOOD[0]))
    store = open_store()
    assert store.notice is None
    assert store.get("blobs", "placed") == [[0.0, 1.0], [2.0, 3.0]]
    assert store.get("blobs", "x_new") == [[1.5, 2.5]]


def test_saved_points_of_the_wrong_type_set_the_file_aside():
    folder = app_settings.data_dir()
    doc = {"version": 2, "datasets": {"blobs": {"placed": [[0.0, "x"]]}, "moons": {}}}
    (folder / DATASETS_FILE).write_text(json.dumps(doc))
    store = open_store()
    assert store.datasets == {}
    aside = list(folder.glob(f"{DATASETS_FILE}.unreadable-*"))
    assert len(aside) == 1 and json.loads(aside[0].read_text()) == doc
    assert aside[0].name in store.notice


def test_the_kmeans_page_opens_over_a_damaged_session(window):
    folder = app_settings.data_dir()
    _damage(folder / LEGACY_SESSION_FILE, "truncated")
    page = window.show_page("kmeans")
    assert window.current_page() is page and page.isVisible()
    assert window.message_bar.isVisible() and window.message_bar.level == "warning"
    aside = list(folder.glob(f"{LEGACY_SESSION_FILE}.unreadable-*"))
    assert len(aside) == 1
    assert aside[0].name in window.message_bar.text() and str(folder) in window.message_bar.text()


# -- the list of recent files ----------------------------------------------------------------------

@pytest.mark.parametrize("damage", ["wrong type", "a dict", "nesting", "nul", "relative",
                                    "mixed"])
def test_a_damaged_recent_files_list_is_kept_aside(damage, tmp_path):
    good = str(tmp_path / "kept.csv")
    value = {"wrong type": 5, "a dict": {"a": 1}, "nesting": "[" * 100_000,
             "nul": "/tmp/a\x00b.csv", "relative": "data.csv", "mixed": [good, 7]}[damage]
    store = app_settings.settings()
    store.setValue(RECENT_KEY, value)
    store.sync()
    ctx = AppContext(settings=app_settings.settings())
    assert ctx.notice is not None and "recent files" in ctx.notice
    assert _ini_path() in ctx.notice
    # the damaged value is kept under a dated key, the list holds what made sense
    after = app_settings.settings()
    keys = [k for k in after.allKeys() if k.startswith(f"{RECENT_KEY}.unreadable-")]
    assert len(keys) == 1 and keys[0] in ctx.notice
    expected = [good] if damage == "mixed" else []
    assert _recent_shown(ctx) == ["kept.csv (recent)"] * len(expected)
    assert (after.value(RECENT_KEY, [], type=list) or []) == expected
    assert AppContext(settings=app_settings.settings()).notice is None  # said once


@pytest.mark.parametrize("value", [None, "", "one"])
def test_an_empty_or_single_recent_file_is_no_damage(value, tmp_path):
    store = app_settings.settings()
    if value is not None:
        store.setValue(RECENT_KEY, str(tmp_path / "one.csv") if value else value)
        store.sync()
    ctx = AppContext(settings=app_settings.settings())
    assert ctx.notice is None
    assert _recent_shown(ctx) == (["one.csv (recent)"] if value else [])


# -- the settings file itself --------------------------------------------------------------------

@pytest.mark.parametrize("damage", ["truncated", "folder"])
def test_an_unreadable_settings_file_is_set_aside_and_the_window_opens(damage, qtbot):
    from pathlib import Path

    from gui.app import MainWindow, create_app

    ini = Path(_ini_path())
    ini.parent.mkdir(parents=True, exist_ok=True)
    if damage == "truncated":
        ini.write_bytes(b"[window]\nlast_page=kmeans\n[data]\nrecent_fi")
    else:
        ini.mkdir()
    create_app()
    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    try:
        assert win.message_bar.isVisible() and win.message_bar.level == "warning"
        aside = list(ini.parent.glob(f"{ini.name}.unreadable-*"))
        assert len(aside) == 1 and aside[0].is_dir() == (damage == "folder")
        assert aside[0].name in win.message_bar.text()
        assert str(ini.parent) in win.message_bar.text()
        assert win.current_page().name == "data"
        # and the settings are saved again
        win.settings.setValue("window/last_page", "dbscan")
        win.settings.sync()
        assert win.settings.status() == QSettings.Status.NoError
        assert QSettings(str(ini), QSettings.Format.IniFormat).value("window/last_page") \
            == "dbscan"
    finally:
        win.close()


@pytest.mark.parametrize("content", [b"", b"\xff\xfe\x00not utf-8\nkey=\xff\n",
                                     b"[data\nrecent_files=" + b"[" * 100_000],
                         ids=["empty", "not utf-8", "nesting"])
def test_empty_or_damaged_settings_files(content):
    from pathlib import Path

    ini = Path(_ini_path())
    ini.parent.mkdir(parents=True, exist_ok=True)
    ini.write_bytes(content)
    store, notice = app_settings.open_settings()
    aside = list(ini.parent.glob(f"{ini.name}.unreadable-*"))
    if content:  # set aside, with the sentence that says where
        assert len(aside) == 1 and aside[0].read_bytes() == content
        assert aside[0].name in notice and str(ini.parent) in notice
    else:  # an empty file is an empty settings file
        assert notice is None and not aside
    store.setValue("window/last_page", "kmeans")
    store.sync()
    assert store.status() == QSettings.Status.NoError
    assert QSettings(str(ini), QSettings.Format.IniFormat).value("window/last_page") == "kmeans"
