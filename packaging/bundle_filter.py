"""What goes into the standalone bundle: excluded modules, kept metadata, binary and data filters.

Plain Python (no PyInstaller import) so that the rules can be read and tested on their own.
Paths are the bundle's destination paths, with ``/`` or ``\\`` separators.
"""

from __future__ import annotations

import re

# Distributions whose metadata the bundle keeps (the About box and core.__version__ read
# versions with importlib.metadata). A name that is not installed is skipped.
METADATA_DISTRIBUTIONS = [
    "scikit-learn",
    "Pillow",
    "numpy",
    "scipy",
    "PySide6",
    "PySide6-Essentials",
    "shiboken6",
    "pyqtgraph",
    "threadpoolctl",
    "joblib",
]

# The Qt modules ClusterLab (and pyqtgraph, which imports QtOpenGL and QtTest) really imports.
QT_MODULES_USED = {
    "QtCore", "QtGui", "QtWidgets", "QtSvg", "QtOpenGL", "QtOpenGLWidgets", "QtTest",
}
QT_MODULES_ALL = [
    "Qt3DAnimation", "Qt3DCore", "Qt3DExtras", "Qt3DInput", "Qt3DLogic", "Qt3DRender",
    "QtAxContainer", "QtBluetooth", "QtCharts", "QtConcurrent", "QtDBus", "QtDataVisualization",
    "QtDesigner", "QtGraphs", "QtGraphsWidgets", "QtHelp", "QtHttpServer", "QtLocation",
    "QtMultimedia", "QtMultimediaWidgets", "QtNetwork", "QtNetworkAuth", "QtNfc", "QtPdf",
    "QtPdfWidgets", "QtPositioning", "QtPrintSupport", "QtQml", "QtQuick", "QtQuick3D",
    "QtQuickControls2", "QtQuickTest", "QtQuickWidgets", "QtRemoteObjects", "QtScxml",
    "QtSensors", "QtSerialBus", "QtSerialPort", "QtSpatialAudio", "QtSql", "QtStateMachine",
    "QtSvgWidgets", "QtTextToSpeech", "QtUiTools", "QtWebChannel", "QtWebEngineCore",
    "QtWebEngineQuick", "QtWebEngineWidgets", "QtWebSockets", "QtWebView", "QtXml",
    "QtCanvasPainter",
]

EXCLUDED_MODULES = [
    *(f"PySide6.{name}" for name in QT_MODULES_ALL if name not in QT_MODULES_USED),
    # other Qt bindings pyqtgraph could pick
    "PyQt5", "PyQt6", "PySide2",
    # installed next to ClusterLab on a developer's machine, never used by the app
    "tkinter", "_tkinter", "IPython", "matplotlib", "pyarrow", "sympy", "numba",
    "torch", "cupy", "dask", "distributed", "pytest", "_pytest", "hypothesis", "pytest_qt", "pytestqt",
    "PyInstaller", "setuptools", "pkg_resources", "pip", "wheel", "docutils", "sphinx",
    "OpenGL", "cupy_backends", "array_api_strict", "jax", "polars", "duckdb", "ibis",
    "modin", "sqlframe", "psutil",
    # optional imports of the libraries that the app never reaches: rich/pygments (scikit-learn's
    # show_versions), yaml (numpy/scipy __config__), cffi (scipy's LowLevelCallable)
    "rich", "pygments", "markdown_it", "attr", "yaml", "cffi", "pycparser", "distutils",
    # TLS and OpenSSL hashes (libssl, libcrypto): ClusterLab downloads nothing; hashlib falls
    # back to Python's own hashes
    "ssl", "_ssl", "_hashlib", "readline", "curses", "_curses",
    # Pillow's AVIF codec (libavif, 5 MB); Pillow reports AVIF as unsupported without it
    "PIL._avif", "PIL.AvifImagePlugin",
    # pandas' optional parts that reading a local CSV never reaches (each is imported inside a
    # function, or through import_optional_dependency): remote files (s3:// through fsspec and
    # botocore, whose service models are 26 MB), DataFrame.style (jinja2), SQL (sqlite3,
    # libsqlite3)
    "botocore", "boto3", "s3fs", "fsspec", "gcsfs", "jinja2", "markupsafe",
    "pandas.io.formats.style", "pandas.io.formats.style_render", "sqlite3", "_sqlite3",
    # scipy.io's Matrix Market reader (4 MB), loaded only by mmread/mmwrite; pandas' SAS
    # reader's compiled parts (read_sas)
    "scipy.io._fast_matrix_market._fmm_core", "pandas._libs.sas", "pandas._libs.byteswap",
    # numpy.f2py's optional encoding detection (try/except); help()'s topics (pydoc)
    "charset_normalizer", "pydoc_data",
    # tests and examples of the libraries
    "numpy.tests", "scipy.tests", "pandas.tests",
    "sklearn.tests", "pyqtgraph.examples", "pyqtgraph.opengl", "PIL.ImageQt", "PIL.ImageTk",
]

_SEP = re.compile(r"[\\/]+")

# Qt plugins kept, by folder (None: the whole folder). Everything else under plugins/ goes.
QT_PLUGINS_KEPT: dict[str, set[str] | None] = {
    "platforms": {"xcb", "offscreen", "minimal", "wayland", "wayland-egl", "windows", "cocoa"},
    "imageformats": None,  # PNG is built in; JPEG, GIF, ICO, SVG, WebP, TIFF... for photos
    "iconengines": None,  # SVG icons
    "platformthemes": {"xdgdesktopportal"},  # native file dialogs through the portal; not
    # gtk3, which would bring GTK, cairo and pango
    "platforminputcontexts": None,  # compose keys, input methods
    "xcbglintegrations": None,
    "wayland-shell-integration": None,
    "wayland-decoration-client": None,
    "wayland-graphics-integration-client": None,
    "styles": None,  # macOS / Windows native styles
}


def _plugin_name(filename: str) -> str:
    """'libqxcb.so' -> 'xcb', 'qwindows.dll' -> 'windows', 'libqcocoa.dylib' -> 'cocoa'."""
    stem = filename.split(".")[0]
    for prefix in ("libq", "q"):
        if stem.startswith(prefix):
            return stem[len(prefix):]
    return stem


def _parts(dest: str) -> list[str]:
    return [p for p in _SEP.split(dest) if p]


# Libraries only Qt's GTK3 platform theme (not kept) and the EGLFS platform (not kept) load.
# Matched on the file name, so the wheels' renamed copies (libharfbuzz-fb49c9fc.so...) stay.
UNUSED_LIBRARIES = re.compile(
    r"^lib(gtk-3|gdk-3|gdk_pixbuf-2\.0|atk-1\.0|atk-bridge-2\.0|atspi|cairo|cairo-gobject|"
    r"pango-1\.0|pangocairo-1\.0|pangoft2-1\.0|pixman-1|fribidi|thai|datrie|graphite2|epoxy|"
    r"harfbuzz|Qt6EglFSDeviceIntegration|Qt6EglFsKmsSupport)\.so(\.|$)")


def keep_binary(dest: str) -> bool:
    """False for a binary the bundle does not need (Qt plugins and libraries it never loads)."""
    parts = _parts(dest)
    if UNUSED_LIBRARIES.match(parts[-1]):
        return False
    if "PySide6" in parts and "plugins" in parts:
        i = parts.index("plugins")
        if len(parts) >= i + 3:
            kept = QT_PLUGINS_KEPT.get(parts[i + 1], set())
            return kept is None or _plugin_name(parts[-1]) in kept
    return True


def keep_data(dest: str) -> bool:
    """False for data the bundle does not need: tests, translations, caches, examples."""
    parts = _parts(dest)
    lowered = [p.lower() for p in parts]
    if any(p in ("tests", "test", "__pycache__", "examples") for p in lowered[:-1]):
        return False
    if "translations" in lowered and "PySide6" in parts:
        return False
    # the list of an installed wheel's files (importlib.metadata.version reads METADATA); wrong
    # paths in the bundle anyway
    if parts[-1] == "RECORD" and len(parts) > 1 and parts[-2].endswith(".dist-info"):
        return False
    # pyqtgraph's own application icon: set only when pyqtgraph creates the QApplication,
    # and ClusterLab creates it (with its own icon)
    if parts[:3] == ["pyqtgraph", "icons", "peegee"]:
        return False
    if parts[-1].endswith((".pyc", ".pyi")) and "__pycache__" in parts:
        return False
    return keep_binary(dest)


def _prunable(dest: str) -> bool:
    """A shared library PyInstaller collected as a dependency: at the top of the bundle, or
    one of Qt's libraries (which PyInstaller's Qt hooks add whether or not anything loads them).
    Python extension modules, Qt plugins, libpython and the wheels' *.libs/ are never pruned."""
    parts = _parts(dest)
    name = parts[-1]
    if name.startswith("libpython") or ".cpython-" in name or ".abi3." in name:
        return False
    if len(parts) == 1:
        return True
    return parts[:-1] == ["PySide6", "Qt", "lib"]


def prune_unreferenced(binaries, dependencies) -> tuple[list, list]:
    """Drop the collected libraries nothing in the bundle links to (Linux).

    ``binaries`` are PyInstaller's (dest, source, typecode) entries; ``dependencies(source)``
    gives the names of the libraries a binary needs, transitively (PyInstaller's bindepend
    runs ldd on Linux). Returns (kept, dropped)."""
    needed: set[str] = set()
    for dest, source, _kind in binaries:
        if not _prunable(dest):
            needed.update(dependencies(source))
    kept, dropped = [], []
    for entry in binaries:
        name = _parts(entry[0])[-1]
        (dropped if _prunable(entry[0]) and name not in needed else kept).append(entry)
    return kept, dropped
