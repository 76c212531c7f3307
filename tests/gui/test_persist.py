"""The one settings mechanism: declared settings, migration of 0.1.0 keys, the widget binder,
per-dataset stores."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import pytest
from PySide6.QtCore import QObject, QSettings, QThread, QTimer
from PySide6.QtWidgets import QCheckBox, QComboBox, QSpinBox

from core.storage import json_bytes
from gui.persist import Binder, DatasetStore, PageSettings, load_settings, save_settings
from tests.gui.damage import write_damage

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class DemoSettings(PageSettings):
    SECTION: ClassVar[str] = "demo"
    VERSION: ClassVar[int] = 2
    k: int = 5
    sample: bool = True
    ratio: float = 0.5
    name: str = "blobs"
    ks: list[int] = field(default_factory=lambda: [3, 4])

    @classmethod
    def migrate(cls, values, version):
        if version == 1:  # 0.1.0 called k "n_clusters" and stored ks as text
            values = dict(values)
            if "n_clusters" in values:
                values["k"] = values.pop("n_clusters")
            if "ks" in values:
                values["ks"] = [int(v) for v in str(values["ks"]).split(",")]
        return values


def _store(tmp_path):
    return QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)


def test_defaults_without_a_store_and_round_trip(tmp_path):
    assert load_settings(DemoSettings, None) == DemoSettings()
    store = _store(tmp_path)
    save_settings(DemoSettings(k=8, sample=False, ratio=0.25, name="moons", ks=[2, 9]), store)
    store.sync()
    again = load_settings(DemoSettings, _store(tmp_path))
    assert again == DemoSettings(k=8, sample=False, ratio=0.25, name="moons", ks=[2, 9])
    doc = json.loads(_store(tmp_path).value("pages/demo"))
    assert doc["version"] == 2


def test_version_1_keys_are_migrated_and_bad_values_fall_back(tmp_path):
    store = _store(tmp_path)
    for key, value in {"n_clusters": "7", "sample": "false", "ratio": "not a number",
                       "name": "iris", "ks": "5, 6"}.items():
        store.setValue(f"demo/{key}", value)
    store.sync()
    got = load_settings(DemoSettings, _store(tmp_path))
    assert got == DemoSettings(k=7, sample=False, ratio=0.5, name="iris", ks=[5, 6])


def test_binder_restores_silently_and_saves_on_change(qtbot, tmp_path):
    store = _store(tmp_path)
    binder = Binder(DemoSettings(k=9), store)
    spin, check, combo = QSpinBox(), QCheckBox(), QComboBox()
    spin.setRange(1, 50)
    combo.addItem("Blobs", "blobs")
    combo.addItem("Moons", "moons")
    for w in (spin, check, combo):
        qtbot.addWidget(w)
    emitted = []
    spin.valueChanged.connect(emitted.append)
    binder.bind("k", spin)
    binder.bind("sample", check)
    binder.bind("name", combo)
    assert spin.value() == 9 and check.isChecked() and combo.currentData() == "blobs"
    assert emitted == []  # restored without signals
    spin.setValue(12)
    combo.setCurrentIndex(1)
    assert load_settings(DemoSettings, store).k == 12
    assert load_settings(DemoSettings, store).name == "moons"
    binder.restore({"k": 4})
    assert spin.value() == 4 and emitted == [12]
    assert binder.settings.k == 4


def test_dataset_store_migrates_legacy_state_and_keeps_unreadable_files(tmp_path):
    path = tmp_path / "demo-datasets.json"
    store = DatasetStore(path, version=2,
                         migrate=lambda doc, v: {k: {"eps": e} for k, e in
                                                 doc["datasets"].items()},
                         legacy=lambda: {"moons": 0.05})
    assert store.get("moons", "eps") == 0.05
    assert json.loads(path.read_text())["version"] == 2
    store.set("blobs", "eps", 0.3)
    assert DatasetStore(path, version=2).get("blobs", "eps") == 0.3
    path.write_text("{ broken")
    broken = DatasetStore(path, version=2)
    # moved aside with a date, never overwritten; the page starts afresh and can save
    assert broken.error is None and broken.datasets == {}
    aside = list(tmp_path.glob("demo-datasets.json.unreadable-*"))
    assert len(aside) == 1 and aside[0].read_text() == "{ broken"
    assert aside[0].name in broken.notice and str(tmp_path) in broken.notice
    broken.set("x", "eps", 1.0)
    assert DatasetStore(path, version=2).get("x", "eps") == 1.0


@pytest.mark.parametrize("damage", ["truncated", "nesting", "empty", "wrong type", "folder",
                                    "not utf-8"])
def test_dataset_store_sets_every_kind_of_damage_aside(tmp_path, damage):
    path = tmp_path / "demo-datasets.json"
    write_damage(path, damage, truncated='{"version": 2, "datasets": {"blobs": {"eps"',
                 wrong_type='{"version": 2, "datasets": [1, 2, 3]}')
    store = DatasetStore(path, version=2)
    assert store.datasets == {}
    store.set("blobs", "eps", 0.5)
    assert DatasetStore(path, version=2).get("blobs", "eps") == 0.5
    assert len(list(tmp_path.glob("demo-datasets.json.unreadable-*"))) == 1


# -- DatasetStore.set writes in the background ----------------------------------------------------
class _Gate:
    """Holds the background writer inside its write until opened; records what was written."""

    def __init__(self, monkeypatch):
        import threading

        from gui import file_writer

        self.open_event = threading.Event()
        self.started = threading.Event()
        self.written: list[dict] = []
        real = file_writer.atomic_write_bytes

        def write(path, data):
            self.started.set()
            assert self.open_event.wait(30.0), "the gate was never opened"
            real(path, data)
            self.written.append(json.loads(data))

        monkeypatch.setattr(file_writer, "atomic_write_bytes", write)


def test_dataset_store_set_is_read_at_once_and_written_by_flush(tmp_path, monkeypatch):
    path = tmp_path / "demo-datasets.json"
    store = DatasetStore(path, version=2)
    gate = _Gate(monkeypatch)
    store.set("blobs", "placed", [[1.0, 2.0]])
    assert gate.started.wait(30.0)  # the write is under way on the writer thread ...
    assert store.get("blobs", "placed") == [[1.0, 2.0]]  # ... and reads already see the value
    assert not path.exists()
    gate.open_event.set()
    store.flush()
    doc = {"version": 2, "datasets": {"blobs": {"placed": [[1.0, 2.0]]}}}
    assert path.read_bytes() == json_bytes(doc)  # the file's format: save_json's
    assert store.write_error is None


def test_dataset_store_sets_in_a_row_end_with_the_last_state(tmp_path, monkeypatch):
    path = tmp_path / "demo-datasets.json"
    store = DatasetStore(path, version=2)
    gate = _Gate(monkeypatch)
    store.set("blobs", "placed", [[0.0, 0.0]])
    assert gate.started.wait(30.0)  # the first write is held under way
    for i in range(1, 6):
        store.set("blobs", "placed", [[float(i), 0.0]])
    store.set("moons", "x_new", [[9.0, 9.0]])
    gate.open_event.set()
    store.flush()
    last = {"blobs": {"placed": [[5.0, 0.0]]}, "moons": {"x_new": [[9.0, 9.0]]}}
    # the write under way, then only the newest of the six states that waited
    assert [w["datasets"] for w in gate.written] == [{"blobs": {"placed": [[0.0, 0.0]]}}, last]
    assert json.loads(path.read_text())["datasets"] == last
    assert DatasetStore(path, version=2).datasets == last


def test_dataset_store_reopened_reads_what_was_set(tmp_path):
    path = tmp_path / "demo-datasets.json"
    store = DatasetStore(path, version=2)
    store.set("blobs", "eps", 0.25)
    store.flush()
    assert DatasetStore(path, version=2).get("blobs", "eps") == 0.25
    store.set("blobs", "eps", 0.5)  # re-opened without a flush: it waits for the write
    assert DatasetStore(path, version=2).get("blobs", "eps") == 0.5


def test_dataset_store_never_writes_a_file_it_could_not_read(tmp_path):
    path = tmp_path / "demo-datasets.json"
    path.write_text('{"version": 2, "datasets": {}}')
    store = DatasetStore(path, version=2)
    store.error = "'demo-datasets.json' could not be read; it was left as it is."
    store.set("blobs", "eps", 0.5)
    store.save()
    store.flush()
    assert path.read_text() == '{"version": 2, "datasets": {}}'
    assert store.get("blobs", "eps") == 0.5


def test_closing_the_window_writes_what_was_set(window, tmp_path, monkeypatch):
    from gui import file_writer

    path = tmp_path / "demo-datasets.json"
    store = DatasetStore(path, version=2)
    gate = _Gate(monkeypatch)
    flushed = []
    real_flush_all = file_writer.flush_all

    def flush_all():  # the gate opens only once the closing window asks for the flush
        flushed.append(True)
        gate.open_event.set()
        real_flush_all()

    monkeypatch.setattr(file_writer, "flush_all", flush_all)
    store.set("blobs", "placed", [[1.0, 1.0]])
    store.set("blobs", "placed", [[2.0, 2.0]])
    assert gate.started.wait(30.0)
    window.close()
    assert flushed == [True]
    assert json.loads(path.read_text())["datasets"] == {"blobs": {"placed": [[2.0, 2.0]]}}
    assert not file_writer.writer_for(path).busy()


def test_the_settings_file_is_written_once_changes_pause_and_as_the_store_goes(qtbot, tmp_path,
                                                                             monkeypatch):
    """QSettings wrote its file (two flushes to the disk) on the turn after every change, on
    the GUI thread; the app's store writes it once changes pause, and as it goes. Other
    stores of the process see a change at once."""
    import gui.settings as app_settings

    monkeypatch.setattr(app_settings, "SYNC_AFTER_MS", 300)
    path = tmp_path / "app.ini"
    store = app_settings.SettingsStore(str(path), QSettings.Format.IniFormat)

    def on_disk() -> str:
        return path.read_text() if path.exists() else ""

    for k in range(5):  # a slider dragged: a change a turn
        store.setValue("demo/k", k)
        qtbot.wait(20)
    assert "k=4" not in on_disk()
    assert _store_at(path).value("demo/k") == 4  # (seen at once in the process)
    qtbot.waitUntil(lambda: "k=4" in on_disk(), timeout=3000)

    store.remove("demo/k")
    qtbot.wait(20)
    assert "k=4" in on_disk()
    qtbot.waitUntil(lambda: "k=" not in on_disk(), timeout=3000)

    store.setValue("demo/name", "moons")
    del store  # (the window's close: written now)
    assert "name=moons" in on_disk()


def test_the_settings_file_is_written_on_the_writing_thread(qtbot, tmp_path, monkeypatch):
    """The write waits for the disk (two flushes): it happens on the settings' own Qt thread,
    by a QSettings object of the same file, never by the GUI thread, not even the first."""
    import gui.settings as app_settings

    monkeypatch.setattr(app_settings, "SYNC_AFTER_MS", 50)
    path = tmp_path / "app.ini"
    store = app_settings.SettingsStore(str(path), QSettings.Format.IniFormat)
    on_gui_thread = []
    monkeypatch.setattr(app_settings.SettingsStore, "sync",
                        lambda self: on_gui_thread.append(self.fileName()))
    thread = app_settings._WRITER_THREAD
    assert thread is not None and thread.isRunning() and thread is not QThread.currentThread()

    # The writing thread is kept busy: the change waits for it, the GUI thread writes nothing.
    busy, release = threading.Event(), threading.Event()
    holder = QObject()
    holder.moveToThread(thread)
    QTimer.singleShot(0, holder, lambda: (busy.set(), release.wait(30.0)))
    assert busy.wait(10.0)
    store.setValue("files/last_folder", "/data/ch9")
    store.setValue("demo/ks", ["3", "4"])
    qtbot.wait(300)  # the write was asked for after 50 ms
    assert not path.exists() and on_gui_thread == []
    release.set()
    qtbot.waitUntil(lambda: path.exists() and "ch9" in path.read_text(), timeout=5000)
    assert on_gui_thread == [] and app_settings._writer_for(str(path)).thread() is thread
    fresh = _store_at(path)
    assert fresh.value("files/last_folder") == "/data/ch9"
    assert [str(v) for v in fresh.value("demo/ks")] == ["3", "4"]
    store.remove("files/last_folder")
    qtbot.waitUntil(lambda: "ch9" not in path.read_text(), timeout=5000)
    assert on_gui_thread == [] and "ks=" in path.read_text()
    holder.deleteLater()


def test_the_writing_thread_stops_as_the_process_ends(tmp_path):
    """A change written in the background, then the process ends: the thread is stopped (a
    QThread still running as Python goes aborts the process) and nothing is lost, including
    a change made after the last write."""
    path = tmp_path / "app.ini"
    script = f"""
import sys
sys.path.insert(0, {str(ROOT)!r})
from PySide6.QtCore import QCoreApplication, QSettings
import gui.settings as s
s.SYNC_AFTER_MS = 20
app = QCoreApplication([])
store = s.SettingsStore({str(path)!r}, QSettings.Format.IniFormat)
store.setValue("demo/k", 7)
end = __import__("time").monotonic() + 10
while "k=7" not in (open({str(path)!r}).read() if __import__("os").path.exists({str(path)!r}) else ""):
    app.processEvents()
    assert __import__("time").monotonic() < end
store.setValue("demo/name", "moons")  # (not yet written: written as the store goes)
print("ok")
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120, env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok" and "Destroyed while thread" not in done.stderr
    fresh = _store_at(path)
    assert int(fresh.value("demo/k")) == 7 and fresh.value("demo/name") == "moons"


def _store_at(path):
    return QSettings(str(path), QSettings.Format.IniFormat)


def test_a_writer_whose_state_fails_to_make_is_done_and_says_why(tmp_path):
    """Any error in a state given as a function is kept and said: the writer thread ends,
    so flush() (the window's closing) does not wait for ever, and the next state is written."""
    from gui import file_writer

    path = tmp_path / "labels.json"

    def broken() -> bytes:
        raise RuntimeError("the session could not be made into bytes")

    writer = file_writer.writer_for(path)
    writer.write_soon(broken)
    done = threading.Thread(target=writer.flush, daemon=True)
    done.start()
    done.join(10.0)
    assert not done.is_alive() and not writer.busy()
    assert isinstance(writer.failure, RuntimeError)
    assert "could not be made into bytes" in writer.error
    writer.write_soon(b"{}")
    writer.flush()
    assert path.read_bytes() == b"{}" and writer.failure is None and writer.error is None
