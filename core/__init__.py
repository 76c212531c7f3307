"""ClusterLab's engine: numpy, scikit-learn and Pillow, no Qt.

Every entry point takes arrays and plain parameters and returns a frozen
dataclass of numpy arrays and numbers, so it can be used from a notebook.
scikit-learn is imported lazily inside the functions that need it.
"""

from __future__ import annotations

from pathlib import Path

DISTRIBUTION = "clusterlab"


def _read_version() -> str:
    """The package version; its one source is ``version`` in pyproject.toml.

    An installed ClusterLab (pip, editable or not) and the standalone bundle (whose build
    copies the metadata in) answer through importlib.metadata; a source checkout that was
    never installed reads pyproject.toml beside this package.
    """
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:
        pass
    pyproject = Path(__file__).resolve().parents[1] / "pyproject.toml"
    try:
        text = pyproject.read_text(encoding="utf-8")
    except OSError:
        return "0+unknown"
    import re

    project = re.search(r"^\[project\]\s*$(.*?)(?=^\[|\Z)", text, re.M | re.S)
    found = re.search(r'^version\s*=\s*"([^"]+)"', project.group(1), re.M) if project else None
    return found.group(1) if found else "0+unknown"


def __getattr__(name: str):
    # ``core.__version__`` is read on first use: importing core stays free of importlib.metadata.
    if name == "__version__":
        value = _read_version()
        globals()["__version__"] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
