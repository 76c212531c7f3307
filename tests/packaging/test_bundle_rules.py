"""The bundle's rules, checked without building it: what is kept and dropped, the version's
one source, the generated assets. (Fast; the build itself is tests/packaging/test_bundle.py.)"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "packaging" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


bundle_filter = _load("bundle_filter")
build_bundle = _load("build_bundle")


def pyproject_version() -> str:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    return re.search(r'^version\s*=\s*"([^"]+)"', text, re.M).group(1)


def test_the_version_has_one_source():
    import core

    assert core.__version__ == pyproject_version()
    assert build_bundle.project_metadata()["version"] == pyproject_version()


def test_main_answers_version_without_importing_qt():
    code = ("import runpy, sys; sys.argv = ['main.py', '--version']\n"
            "try:\n    runpy.run_path('main.py', run_name='__main__')\n"
            "except SystemExit as exit:\n    assert exit.code == 0\n"
            "assert 'PySide6' not in sys.modules and 'sklearn' not in sys.modules\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"ClusterLab {pyproject_version()}"


@pytest.mark.parametrize("dest, kept", [
    ("PySide6/Qt/plugins/platforms/libqxcb.so", True),
    ("PySide6/Qt/plugins/platforms/libqoffscreen.so", True),
    ("PySide6/Qt/plugins/platforms/libqeglfs.so", False),
    ("PySide6/Qt/plugins/platforms/libqvnc.so", False),
    ("PySide6/Qt/plugins/imageformats/libqjpeg.so", True),
    ("PySide6/Qt/plugins/iconengines/libqsvgicon.so", True),
    ("PySide6/Qt/plugins/platformthemes/libqgtk3.so", False),
    ("PySide6/Qt/plugins/platformthemes/libqxdgdesktopportal.so", True),
    ("PySide6/Qt/plugins/sqldrivers/libqsqlite.so", False),
    ("PySide6\\plugins\\platforms\\qwindows.dll", True),
    ("PySide6\\plugins\\platforms\\qdirect2d.dll", False),
    ("PySide6/Qt/plugins/platforms/libqcocoa.dylib", True),
    ("libcairo.so.2", False),
    ("libharfbuzz.so.0", False),
    ("pillow.libs/libharfbuzz-fb49c9fc.so.0.61450.0", True),  # the wheel's own copy stays
    ("numpy.libs/libscipy_openblas64_-32a4b2a6.so", True),
    ("PySide6/Qt/lib/libQt6Core.so.6", True),
])
def test_binaries_kept_and_dropped(dest, kept):
    assert bundle_filter.keep_binary(dest) is kept


@pytest.mark.parametrize("dest, kept", [
    ("sklearn/datasets/images/china.jpg", True),
    ("sklearn/datasets/data/digits.csv.gz", True),
    ("sklearn/datasets/tests/data/openml/id_1/data.json.gz", False),
    ("PySide6/Qt/translations/qtbase_de.qm", False),
    ("resources/icons/clusterlab.svg", True),
    ("numpy-2.4.6.dist-info/RECORD", False),
    ("numpy-2.4.6.dist-info/METADATA", True),
    ("numpy-2.4.6.dist-info/LICENSE.txt", True),
    ("pyqtgraph/icons/peegee/peegee_512px@2x.png", False),
    ("pyqtgraph/icons/auto.png", True),
])
def test_data_kept_and_dropped(dest, kept):
    assert bundle_filter.keep_data(dest) is kept


def test_unused_qt_modules_are_excluded_and_used_ones_are_not():
    excluded = set(bundle_filter.EXCLUDED_MODULES)
    for used in ("QtCore", "QtGui", "QtWidgets", "QtSvg", "QtOpenGL", "QtOpenGLWidgets"):
        assert f"PySide6.{used}" not in excluded
    for unused in ("QtQml", "QtQuick", "QtNetwork", "QtWebEngineCore", "QtMultimedia"):
        assert f"PySide6.{unused}" in excluded
    # every module the app imports at run time is kept
    for needed in ("sklearn", "scipy", "numpy", "PIL", "pyqtgraph", "narwhals", "joblib",
                   "pandas"):
        assert needed not in excluded


def test_what_pandas_reads_a_csv_with_is_kept_and_its_unused_extras_are_not():
    excluded = set(bundle_filter.EXCLUDED_MODULES)
    for needed in ("pandas.io.parsers", "pandas._libs.parsers", "pandas.io.parquet",
                   "pandas.io.common", "dateutil", "six"):
        assert needed not in excluded and not needed.startswith(tuple(e + "." for e in excluded))
    for unused in ("botocore", "fsspec", "jinja2", "pandas.io.formats.style", "sqlite3",
                   "pandas.tests", "pandas._libs.sas"):
        assert unused in excluded


# Excluded modules that the libraries import only inside try/except, doing without them.
# (PIL.Image.init() tries every format plugin; AVIF's fails without PIL._avif, as designed.
# scikit-learn imports pyarrow only when it happens to be installed; so does pandas, which the
# bundle reads CSVs with but never Parquet, since pyarrow is not bundled. numpy.f2py, which
# `from numpy import *` imports, tries charset_normalizer.)
OPTIONAL = {"ssl", "_ssl", "_hashlib", "rich", "yaml", "cffi", "readline", "psutil",
            "PIL._avif", "PIL.AvifImagePlugin", "pyarrow", "charset_normalizer"}


def test_excluded_modules_are_not_needed_by_what_the_app_imports(tmp_path):
    """Importing what the pages use (the way they use it) loads no excluded module, except the
    optional ones the libraries do without; nor does reading a CSV with core.tables, whole
    and in chunks. (An exclusion that is imported, like numpy's f2py by `from numpy import *`,
    breaks the bundle only when a page runs.)"""
    code = (
        "import sys, numpy\n"
        "from numpy import *\n"
        "import sklearn.cluster, sklearn.metrics, sklearn.neighbors, sklearn.linear_model\n"
        "import sklearn.datasets, sklearn.pipeline, sklearn.preprocessing, sklearn.decomposition\n"
        "import sklearn.semi_supervised, sklearn.model_selection, threadpoolctl\n"
        "import PIL.Image; PIL.Image.init()\n"
        "import numpy.testing\n"
        "import pandas, pandas.io.parsers\n"
        "import core.tables\n"
        "from core.datasets import load_table\n"
        "ds = load_table(sys.argv[1])\n"
        "assert (ds.n_samples, ds.n_features) == (4, 2), (ds.n_samples, ds.n_features)\n"
        "core.tables.CHUNK_ROWS = 2  # the chunked reading, as for a big file\n"
        "assert load_table(sys.argv[1]).n_samples == 4\n"
        "print('\\n'.join(sys.modules))\n")
    table = tmp_path / "small.csv"
    table.write_text("x,y,label\n1.0,2.0,a\n1.5,2.5,b\n3,4,a\n5,6,b\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-c", code, str(table)], capture_output=True,
                            text=True, timeout=120, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    loaded = set(result.stdout.split())
    excluded = [m for m in bundle_filter.EXCLUDED_MODULES if m not in OPTIONAL]
    hits = sorted(m for m in loaded if any(m == e or m.startswith(e + ".") for e in excluded))
    assert not hits


def test_libraries_nothing_links_to_are_pruned():
    binaries = [
        ("PySide6/Qt/plugins/platforms/libqxcb.so", "src/libqxcb.so", "BINARY"),
        ("numpy/_core/_multiarray_umath.cpython-311-x86_64-linux-gnu.so", "src/umath.so",
         "EXTENSION"),
        ("PySide6/Qt/lib/libQt6XcbQpa.so.6", "src/libQt6XcbQpa.so.6", "BINARY"),
        ("PySide6/Qt/lib/libQt6Network.so.6", "src/libQt6Network.so.6", "BINARY"),
        ("libgssapi_krb5.so.2", "src/libgssapi_krb5.so.2", "BINARY"),
        ("libxcb-cursor.so.0", "src/libxcb-cursor.so.0", "BINARY"),
        ("numpy.libs/libscipy_openblas64_.so", "src/openblas.so", "BINARY"),
        ("libpython3.11.so.1.0", "src/libpython3.11.so.1.0", "BINARY"),
    ]
    needs = {"src/libqxcb.so": {"libQt6XcbQpa.so.6", "libxcb-cursor.so.0"},
             "src/umath.so": {"libscipy_openblas64_.so"},
             "src/libQt6Network.so.6": {"libgssapi_krb5.so.2"}}
    kept, dropped = bundle_filter.prune_unreferenced(binaries, lambda s: needs.get(s, set()))
    assert [d for d, _s, _t in dropped] == ["PySide6/Qt/lib/libQt6Network.so.6",
                                            "libgssapi_krb5.so.2"]
    assert len(kept) == 6


def test_assets_icons_metadata_and_windows_version(tmp_path):
    pytest.importorskip("PIL")
    meta = {"name": "clusterlab", "version": "1.2.3", "description": "A lab."}
    manifest = build_bundle.write_assets(meta, tmp_path / "assets")
    folder = tmp_path / "assets"
    from PIL import Image

    with Image.open(folder / "clusterlab.ico") as ico:
        assert (256, 256) in ico.info["sizes"]
    with Image.open(folder / "clusterlab.icns") as icns:
        assert icns.size[0] >= 512
    metadata = (folder / manifest["dist_info"] / "METADATA").read_text()
    assert "Name: clusterlab\n" in metadata and "Version: 1.2.3\n" in metadata
    version_file = (folder / manifest["windows_version"]).read_text()
    assert "filevers=(1, 2, 3, 0)" in version_file and "'ProductVersion', '1.2.3'" in version_file


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the bundle is stripped on Linux")
def test_stripped_extension_modules_still_import_and_wheel_libs_are_untouched(tmp_path):
    import shutil
    import sysconfig

    strip = shutil.which("strip")
    source = Path(sysconfig.get_paths()["platstdlib"]) / "lib-dynload"
    cmath = next(source.glob("cmath.cpython-*.so"), None)
    if not strip or cmath is None:
        pytest.skip("needs binutils' strip and a shared cmath module")
    bundle = tmp_path / "ClusterLab"
    (bundle / "_internal" / "numpy.libs").mkdir(parents=True)
    stripped = bundle / "_internal" / cmath.name
    vendored = bundle / "_internal" / "numpy.libs" / cmath.name
    shutil.copy(cmath, stripped)
    shutil.copy(cmath, vendored)
    build_bundle.strip_binaries(bundle)
    assert vendored.read_bytes() == cmath.read_bytes()  # the wheels' *.libs/ stay as they are
    code = ("import importlib.util, sys\n"
            "spec = importlib.util.spec_from_file_location('cmath', sys.argv[1])\n"
            "module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)\n"
            "assert module.sqrt(-4) == 2j\n")
    result = subprocess.run([sys.executable, "-c", code, str(stripped)], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
