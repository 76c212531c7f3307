"""The standalone bundle, built by the documented command and started like a person would.

Slow (it runs PyInstaller: minutes), so it is skipped unless CLUSTERLAB_BUNDLE_TEST=1:

    CLUSTERLAB_BUNDLE_TEST=1 python -m pytest tests/packaging/test_bundle.py
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = ROOT / "dist" / "ClusterLab"
EXE = BUNDLE / ("ClusterLab.exe" if sys.platform == "win32" else "ClusterLab")
INTERNAL = BUNDLE / "_internal"
MB = 1024 * 1024

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.environ.get("CLUSTERLAB_BUNDLE_TEST") != "1",
                       reason="builds the bundle with PyInstaller (minutes): "
                              "set CLUSTERLAB_BUNDLE_TEST=1 to run it"),
    pytest.mark.timeout(3600),
]


def pyproject_version() -> str:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    return re.search(r'^version\s*=\s*"([^"]+)"', text, re.M).group(1)


@pytest.fixture(scope="module")
def bundle() -> Path:
    """dist/ClusterLab/, built once for this module by `python packaging/build_bundle.py`
    (CLUSTERLAB_BUNDLE_PREBUILT=1: test the bundle already in dist/, as CI does after building
    it with --archive)."""
    if os.environ.get("CLUSTERLAB_BUNDLE_PREBUILT") == "1" and EXE.is_file():
        return BUNDLE
    result = subprocess.run([sys.executable, "packaging/build_bundle.py"], cwd=ROOT,
                            capture_output=True, text=True, timeout=3600)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert EXE.is_file()
    print(result.stdout[-1500:])
    return BUNDLE


def run(*args, env=None, timeout=300):
    env = {**os.environ, **(env or {})}
    env.pop("PYTHONPATH", None)
    return subprocess.run([str(EXE), *args], capture_output=True, text=True, timeout=timeout,
                          env=env, cwd=EXE.parent)


def _isolated(tmp_path) -> dict:
    return {"QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path / "config"),
            "XDG_DATA_HOME": str(tmp_path / "share"),
            "CLUSTERLAB_DATA_DIR": str(tmp_path / "data")}


def test_version_comes_from_pyproject(bundle):
    result = run("--version", timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"ClusterLab {pyproject_version()}"


def test_kmeans_screenshot_is_a_real_picture(bundle, tmp_path):
    out = tmp_path / "out.png"
    result = run("--page", "kmeans", "--timeout", "120", "--screenshot", str(out),
                 env=_isolated(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    from PIL import Image

    with Image.open(out) as img:
        assert img.size == (1320, 820)
        colours = img.convert("RGB").getcolors(1_000_000)
    assert len(colours) > 200  # text, plots, decision regions: not a blank or one-tone window
    # decision regions and clusters in colour, not only white and grey
    assert sum(1 for count, (r, g, b) in colours if max(r, g, b) - min(r, g, b) > 80) > 50


def test_the_bundle_reads_a_csv_with_pandas(bundle, tmp_path, monkeypatch):
    """core.datasets.load_table run by the bundle's own Python: pandas' C parser, whole and in
    chunks, none of the excluded modules loaded. (The bundle has no Python prompt; it is driven
    through pyqtgraph's remote processes, which PyInstaller's runtime hook for
    pyqtgraph.multiprocess starts when the executable is given the bundle's bootstrap.py.)"""
    import hmac  # noqa: F401  (the listener imports it while sys.path is the bundle's)
    import types

    import pyqtgraph.multiprocess.processes as processes
    from pyqtgraph.multiprocess.remoteproxy import ObjectProxy

    def value(x):
        return x._getValue() if isinstance(x, ObjectProxy) else x

    table = tmp_path / "iris.csv"
    table.write_text("sepal length,sepal width,species\n5.1,3.5,setosa\n4.9,3.0,setosa\n"
                     "7.0,3.2,versicolor\n6.4,3.2,versicolor\n6.3,3.3,virginica\n", "utf-8")
    bootstrap = str(INTERNAL / "pyqtgraph" / "multiprocess" / "bootstrap.py")

    def popen(args, *more, **kwargs):
        return subprocess.Popen((str(EXE), bootstrap), *more, **kwargs)

    monkeypatch.setattr(processes, "subprocess", types.SimpleNamespace(
        Popen=popen, PIPE=subprocess.PIPE))
    for name, path in _isolated(tmp_path).items():
        monkeypatch.setenv(name, path)
    # the child's sys.path: the bundle's folders only, so that nothing comes from this Python
    stdlib = INTERNAL / f"python{sys.version_info[0]}.{sys.version_info[1]}" / "lib-dynload"
    monkeypatch.setattr(sys, "path", [str(INTERNAL / "base_library.zip"), str(stdlib),
                                      str(INTERNAL)])
    proc = processes.Process(executable=str(EXE), copySysPath=True, timeout=120)
    monkeypatch.undo()
    try:
        remote_sys = proc._import("sys")
        assert value(remote_sys.frozen) is True
        datasets = proc._import("core.datasets")
        ds = datasets.load_table(str(table))
        assert (value(ds.n_samples), value(ds.n_features)) == (5, 2)
        assert value(ds.y).tolist() == [0, 0, 1, 1, 2]
        assert value(ds.X).tolist()[2] == [7.0, 3.2]
        proc._import("core.tables").CHUNK_ROWS = 2  # the chunked reading of a big file
        assert value(datasets.load_table(str(table)).n_samples) == 5
        pandas_file = value(proc._import("pandas").__file__)
        assert pandas_file.startswith(str(INTERNAL)), pandas_file
        remote_sys._setProxyOptions(returnType="proxy")  # sys.modules holds modules
        loaded = [m for m in ("botocore", "jinja2", "sqlite3", "fsspec", "pyarrow")
                  if value(remote_sys.modules.__contains__(m))]
        assert not loaded
    finally:
        proc.close()


def test_bundle_holds_what_the_app_reads_and_not_what_it_does_not(bundle):
    names = {p.name for p in INTERNAL.iterdir()}
    # the About box and core.__version__ read versions with importlib.metadata
    for dist in ("clusterlab", "scikit_learn", "pillow", "numpy", "scipy", "pyqtgraph"):
        assert any(n.lower().startswith(dist + "-") and n.endswith(".dist-info")
                   for n in names), dist
    assert any(n.lower().startswith("pyside6") and n.endswith(".dist-info") for n in names)
    assert (INTERNAL / f"clusterlab-{pyproject_version()}.dist-info" / "METADATA").is_file()
    # icons and the desktop entry (importlib.resources), the chapter's sample photos
    for rel in ("resources/icons/clusterlab.svg", "resources/icons/clusterlab.png",
                "resources/clusterlab.desktop", "sklearn/datasets/images/china.jpg",
                "sklearn/datasets/images/flower.jpg", "sklearn/datasets/data/digits.csv.gz"):
        assert (INTERNAL / rel).is_file(), rel
    plugins = {p.name for p in INTERNAL.rglob("*") if "plugins" in p.parts}
    for plugin in ("qoffscreen", "qsvg", "qjpeg"):
        assert any(plugin in n for n in plugins), plugin
    if sys.platform.startswith("linux"):
        assert any("qxcb" in n for n in plugins)
    # no tests, no caches, no Qt module the app does not use
    assert not [p for p in INTERNAL.rglob("*") if p.name in ("tests", "__pycache__")]
    assert not list(INTERNAL.rglob("*QtQml*")) and not list(INTERNAL.rglob("*QtNetwork.*"))
    size = sum(p.stat().st_size for p in BUNDLE.rglob("*") if p.is_file() and not p.is_symlink())
    print(f"bundle: {size / MB:.0f} MB unpacked")
    if sys.platform.startswith("linux"):  # the ceiling of issue 13, measured on Linux
        assert size < 300 * MB, f"{size / MB:.0f} MB"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="desktop entries are Linux's")
def test_desktop_entry_from_the_bundle_starts_the_bundle(bundle, tmp_path):
    result = run("--install-desktop-entry", env=_isolated(tmp_path), timeout=60)
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "share" / "applications" / "clusterlab.desktop").read_text()
    assert f"Exec={EXE.resolve()} %F" in text.splitlines()
