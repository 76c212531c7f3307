"""Storage, projection, progress, and the rule that core never imports Qt."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from core.errors import Cancelled, DataError
from core.progress import report, scaled
from core.projection import project_2d
from core.storage import atomic_write_bytes, load_arrays, load_json, save_arrays, save_json

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = ("PySide6", "pyqtgraph", "superqt", "shiboken6", "qtpy", "gui")


def test_core_source_never_imports_qt():
    offenders = []
    for path in (ROOT / "core").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                if name.split(".")[0] in FORBIDDEN:
                    offenders.append(f"{path.relative_to(ROOT)}: {name}")
    assert not offenders, offenders


def test_core_imports_with_qt_unavailable():
    """Every core module imports (and loads a dataset) in a Python where Qt cannot be imported."""
    code = (
        "import sys, importlib, pkgutil\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        f"        if name.split('.')[0] in {FORBIDDEN!r}:\n"
        "            raise ImportError('blocked: ' + name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "import core\n"
        "for m in pkgutil.iter_modules(core.__path__):\n"
        "    importlib.import_module('core.' + m.name)\n"
        "from core.datasets import load_builtin\n"
        "print(load_builtin('blobs').X.shape)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert "(2000, 2)" in out.stdout


def test_import_linter_contract_is_declared():
    text = (ROOT / "pyproject.toml").read_text()
    assert "[tool.importlinter]" in text and '"PySide6"' in text and '"pyqtgraph"' in text


def test_atomic_json_and_arrays(tmp_path):
    target = tmp_path / "deep" / "labels.json"
    save_json(target, {"labels": [1, 2, 3]})
    assert json.loads(target.read_text()) == {"labels": [1, 2, 3]}
    assert load_json(tmp_path / "missing.json", default={}) == {}
    (tmp_path / "bad.json").write_text("{not json")
    assert load_json(tmp_path / "bad.json", default="fallback") == "fallback"
    save_arrays(tmp_path / "a.npz", x=np.arange(4), y=np.eye(2))
    back = load_arrays(tmp_path / "a.npz")
    np.testing.assert_array_equal(back["x"], np.arange(4))
    assert not list(tmp_path.glob(".*.tmp")), "no temporary file is left behind"


def test_atomic_write_keeps_old_file_when_writing_fails(tmp_path, monkeypatch):
    target = tmp_path / "work.json"
    save_json(target, {"v": 1})

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("os.replace", boom)
    with pytest.raises(OSError):
        atomic_write_bytes(target, b'{"v": 2}')
    assert json.loads(target.read_text()) == {"v": 1}
    assert not list(tmp_path.glob(".*.tmp"))


def test_arrays_never_unpickle(tmp_path):
    p = tmp_path / "evil.npz"
    np.savez(p, x=np.array([object()], dtype=object))
    with pytest.raises(DataError, match="not a readable ClusterLab array file"):
        load_arrays(p)
    with pytest.raises(DataError, match="does not exist"):
        load_arrays(tmp_path / "none.npz")


def test_projection_matches_sklearn_pca():
    from sklearn.datasets import load_iris
    from sklearn.decomposition import PCA

    X = load_iris().data
    proj = project_2d(X)
    ref = PCA(n_components=2, svd_solver="full").fit(X)
    np.testing.assert_allclose(proj.coords, ref.transform(X), atol=1e-10)
    np.testing.assert_allclose(proj.explained_variance_ratio, ref.explained_variance_ratio_)
    assert proj.axis_titles[0].startswith("PC1 (92.5%")
    np.testing.assert_allclose(proj.transform(X[:3]), ref.transform(X[:3]), atol=1e-10)


def test_projection_of_2d_and_1d():
    X = np.random.default_rng(0).normal(size=(10, 2))
    proj = project_2d(X, ("a", "b"))
    np.testing.assert_array_equal(proj.coords, X)
    assert proj.method == "identity" and proj.axis_titles == ("a", "b")
    one = project_2d(X[:, :1])
    assert one.method == "pad" and np.all(one.coords[:, 1] == 0)


def test_progress_helpers():
    seen = []
    report(seen.append, 1.7)
    report(seen.append, -1)
    report(None, 0.5)
    inner = scaled(seen.append, 0.5, 1.0)
    inner(0.5)
    assert seen == [1.0, 0.0, 0.75]
    assert scaled(None, 0, 1) is None

    def cancelling(_):
        raise Cancelled()

    with pytest.raises(Cancelled):
        report(cancelling, 0.1)


def test_row_table_reads_lazily_and_writes_csv(tmp_path):
    from core.storage import RowTable, write_csv

    X = np.arange(6.0).reshape(3, 2)
    table = RowTable(X, np.array([1, 0, 1]), np.array(["core", "border", "core"]))
    assert len(table) == 3
    assert table[0] == [0.0, 1.0, 1, "core"] and table[-1] == [4.0, 5.0, 1, "core"]
    assert table[1:] == [[2.0, 3.0, 0, "border"], [4.0, 5.0, 1, "core"]]
    assert list(table) == table[:]
    with pytest.raises(IndexError):
        table[3]
    with pytest.raises(ValueError):
        RowTable(X, np.arange(2))
    seen = []
    big = RowTable(np.arange(200_000), np.arange(200_000) % 3)
    write_csv(tmp_path / "t.csv", ["i", "label"], big, progress=seen.append)
    lines = (tmp_path / "t.csv").read_text().splitlines()
    assert lines[:3] == ["i,label", "0,0", "1,1"] and len(lines) == 200_001
    assert seen and seen == sorted(seen) and seen[-1] <= 1.0


def test_single_threaded_is_counted_across_threads():
    import threading

    import sklearn.cluster  # noqa: F401 - load every BLAS and OpenMP library first
    import sklearn.linear_model  # noqa: F401
    from threadpoolctl import threadpool_info

    from core.threads import single_threaded

    def threads_by_api():
        return sorted((i["user_api"], i["num_threads"]) for i in threadpool_info())

    before = threads_by_api()
    inside = []
    gate = threading.Barrier(3)

    def work():
        with single_threaded():
            gate.wait(5)  # all three are inside at once
            inside.append({n for api, n in threads_by_api()})
            gate.wait(5)

    workers = [threading.Thread(target=work) for _ in range(3)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    assert inside == [{1}, {1}, {1}]
    assert threads_by_api() == before


def test_the_controller_made_ahead_is_the_one_single_threaded_uses(monkeypatch):
    import core.threads as threads

    monkeypatch.setattr(threads, "_CONTROLLER", None)
    threads.prepare()
    made = threads._CONTROLLER
    assert made is not None and made.lib_controllers  # it found the OpenMP/BLAS libraries
    threads.prepare()
    with threads.single_threaded():
        assert threads._CONTROLLER is made

def test_projection_of_a_big_table_matches_sklearn_pca():
    """Big tables go through the covariance matrix (no GIL-holding SVD): same view."""
    from sklearn.decomposition import PCA

    from core.projection import COVARIANCE_PCA_SIZE

    rng = np.random.default_rng(3)
    n, d = COVARIANCE_PCA_SIZE // 40 + 1, 40
    X = rng.normal(size=(n, d)) @ rng.normal(size=(d, d)) + rng.normal(size=d)
    proj = project_2d(X)
    ref = PCA(n_components=2, svd_solver="full").fit(X)
    scale = np.abs(proj.coords).max()
    np.testing.assert_allclose(proj.coords, ref.transform(X), atol=1e-9 * scale)
    np.testing.assert_allclose(proj.explained_variance_ratio, ref.explained_variance_ratio_,
                               rtol=1e-9)
    np.testing.assert_allclose(proj.components, ref.components_, atol=1e-9)


def test_stale_temp_files_of_interrupted_saves_are_cleaned(tmp_path):
    import os
    import time

    from core.storage import clean_stale_temp_files

    (tmp_path / "sub").mkdir()
    stale = [tmp_path / ".digits-labels.npz.a1b2.tmp", tmp_path / "sub" / ".x.json.zz.tmp"]
    fresh = tmp_path / ".digits-labels.json.c3d4.tmp"  # maybe another instance's write
    kept = [tmp_path / "digits-labels.npz", tmp_path / "notes.tmp", fresh]
    old = time.time() - 3600
    for p in stale + kept:
        p.write_bytes(b"x")
    for p in stale + kept[:2]:
        os.utime(p, (old, old))
    removed = clean_stale_temp_files(tmp_path)
    assert sorted(removed) == sorted(stale)
    assert all(p.exists() for p in kept) and not any(p.exists() for p in stale)
    assert clean_stale_temp_files(tmp_path / "missing") == []


def test_timed_chunks_cover_every_row_once_and_follow_the_time_a_chunk_takes(monkeypatch):
    import core.progress as progress

    clock = [0.0]
    monkeypatch.setattr(progress.time, "perf_counter", lambda: clock[0])
    sizes = []
    covered = []
    for start, stop in progress.timed_chunks(50_000, first=500, most=20_000, target_s=0.25):
        covered.append((start, stop))
        sizes.append(stop - start)
        clock[0] += (stop - start) / 4096  # 1,024 rows take the target
    assert covered[0] == (0, 500)
    assert all(a[1] == b[0] for a, b in zip(covered, covered[1:])) and covered[-1][1] == 50_000
    assert all(s == 1024 for s in sizes[1:-1])
    # a slow chunk (a tree in 64 dimensions) makes the next one smaller, never below a quarter
    clock[0] = 0.0
    sizes = []
    for start, stop in progress.timed_chunks(10_000, first=4000, target_s=0.25):
        sizes.append(stop - start)
        clock[0] += 10.0
    assert sizes[:3] == [4000, 1000, 250]


def test_let_others_run_hands_the_gil_over_at_most_every_few_milliseconds(monkeypatch):
    """A worker's loop calls it between numpy calls: the first call hands the GIL over (a
    sleep of 0, which lets it go), calls soon after it do nothing, and one a while later
    hands it over again."""
    from core import threads

    clock = [100.0]
    slept = []
    monkeypatch.setattr(threads.time, "perf_counter", lambda: clock[0])
    monkeypatch.setattr(threads.time, "sleep", slept.append)
    monkeypatch.setattr(threads, "_handed_at", 0.0)
    threads.let_others_run()
    assert slept == [0]
    clock[0] += threads.HAND_OVER_S / 4
    threads.let_others_run()
    threads.let_others_run()
    assert slept == [0]
    clock[0] += threads.HAND_OVER_S
    threads.let_others_run()
    assert slept == [0, 0]


def test_block_reductions_hand_the_gil_over_between_their_calls(monkeypatch):
    """core.density reduces 150,000 x 64 blocks in calls of ~4,096 rows: a loop of
    ``ufunc.reduceat`` calls kept a waiting GUI thread off for 20-48 ms. It hands the GIL
    over between calls, and its sums, minima and maxima are reduceat's own."""
    from core import density

    calls = []
    monkeypatch.setattr(density, "let_others_run", lambda: calls.append(1))
    X = np.random.default_rng(4).normal(size=(20_000, 64))
    starts = np.arange(0, 20_000, 256)
    for ufunc in (np.add, np.minimum, np.maximum):
        np.testing.assert_array_equal(density._reduceat(ufunc, X, starts),
                                      ufunc.reduceat(X, starts, axis=0))
    rows_per_call = density._REDUCE_ELEMS // 64
    assert len(calls) >= 3 * (20_000 // rows_per_call)



def test_let_go_elsewhere_frees_the_objects_on_its_own_thread_and_ends():
    import threading
    import time

    from core import threads

    freed: list[tuple[str, str]] = []
    all_freed = threading.Event()

    class Big:
        def __init__(self, name):
            self.name = name

        def __del__(self):
            freed.append((self.name, threading.current_thread().name))
            if len(freed) == 3:
                all_freed.set()

    kept = Big("kept")
    threads.let_go_elsewhere([Big("a"), Big("b"), kept])  # kept: still referenced here
    deadline = time.monotonic() + 5
    while len(freed) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert sorted(freed) == [("a", "let-go"), ("b", "let-go")]
    objects = [kept]
    del kept  # the list holds the last reference: the object is freed where it is dropped
    threads.let_go_elsewhere(objects)
    assert all_freed.wait(5)
    assert freed[-1] == ("kept", "let-go")
    deadline = time.monotonic() + 5
    while threads._LET_GO_THREAD is not None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert threads._LET_GO_THREAD is None  # nothing left: the thread ended
