"""Datasets: the chapter's built-in data and the user's own tables.

``load_builtin(name)`` reproduces the chapter's calls exactly (same
generators, same seeds). ``load_table(path)`` reads CSV/TSV/NPY files and
explains, in one sentence, anything it cannot use (the reader is
``core.tables``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from core.errors import DataError

#: Largest table file :func:`load_table` opens, in bytes.
MAX_TABLE_BYTES = 200 * 1024 * 1024

#: The chapter's five blob centres and standard deviations.
BLOB_CENTERS = np.array([[0.2, 2.3], [-1.5, 2.3], [-2.8, 1.8], [-2.8, 2.8], [-2.8, 1.3]])
BLOB_STD = np.array([0.4, 0.3, 0.1, 0.1, 0.1])


@dataclass(frozen=True)
class Dataset:
    """A dataset: ``X`` (n, d) float64, optional integer labels ``y`` (0..k-1), the
    ``feature_names``, the name of the labels column ``target_name`` and the
    ``class_names`` (``class_names[y[i]]`` is row i's class)."""

    name: str
    X: np.ndarray
    y: np.ndarray | None = None
    feature_names: tuple[str, ...] = ()
    class_names: tuple[str, ...] = ()
    description: str = ""
    source: str = ""
    code: str = ""
    key: str = ""
    extra: dict = field(default_factory=dict, compare=False)
    target_name: str = ""

    def __post_init__(self):
        X = np.ascontiguousarray(self.X, dtype=np.float64)
        if X.ndim != 2:
            raise ValueError("Dataset.X must be two-dimensional")
        X.setflags(write=False)
        object.__setattr__(self, "X", X)
        if self.y is not None:
            y = np.asarray(self.y)
            if y.shape != (X.shape[0],):
                raise ValueError("Dataset.y must have one label per row of X")
            y = y.copy()
            y.setflags(write=False)
            object.__setattr__(self, "y", y)
        if not self.feature_names:
            names = tuple(f"x{i + 1}" for i in range(X.shape[1]))
            object.__setattr__(self, "feature_names", names)
        if not self.key:
            object.__setattr__(self, "key", self.name)

    @property
    def n_samples(self) -> int:
        return int(self.X.shape[0])

    @property
    def n_features(self) -> int:
        return int(self.X.shape[1])

    @property
    def target_names(self) -> tuple[str, ...]:
        """The class names (the name scikit-learn's bunches use)."""
        return self.class_names

    @property
    def n_classes(self) -> int:
        return 0 if self.y is None else int(np.unique(self.y).size)


# --------------------------------------------------------------------------- built-ins

BUILTIN_TITLES = {
    "blobs": "Blobs (the chapter's 2,000 points)",
    "elongated": "Elongated blobs (K-Means' limits)",
    "moons": "Moons (1,000 points, noise 0.05)",
    "iris": "Iris (150 flowers, 4 features)",
    "digits": "Digits (1 797 images of 8×8)",
    "mixture": "Gaussian mixture (the chapter's 1 250 points)",
}

_BUILTIN_CODE = {
    "blobs": """\
import numpy as np
from sklearn.datasets import make_blobs

blob_centers = np.array([[ 0.2,  2.3], [-1.5,  2.3], [-2.8,  1.8],
                         [-2.8,  2.8], [-2.8,  1.3]])
blob_std = np.array([0.4, 0.3, 0.1, 0.1, 0.1])
X, y = make_blobs(n_samples=2000, centers=blob_centers, cluster_std=blob_std,
                  random_state=7)
""",
    "elongated": """\
import numpy as np
from sklearn.datasets import make_blobs

X1, y1 = make_blobs(n_samples=1000, centers=((4, -4), (0, 0)), random_state=1)
X1 = X1.dot(np.array([[0.374, 0.95], [0.732, 0.598]]))
X2, y2 = make_blobs(n_samples=250, centers=1, random_state=42)
X2 = X2 + [6, -8]
X = np.r_[X1, X2]
y = np.r_[y1, y2]
""",
    "moons": """\
from sklearn.datasets import make_moons

X, y = make_moons(n_samples=1000, noise=0.05, random_state=42)
""",
    "iris": """\
from sklearn.datasets import load_iris

X, y = load_iris(return_X_y=True)
""",
    "digits": """\
from sklearn.datasets import load_digits

X, y = load_digits(return_X_y=True)
""",
    "mixture": """\
import numpy as np
from sklearn.datasets import make_blobs

X1, y1 = make_blobs(n_samples=1000, centers=((4, -4), (0, 0)), random_state=42)
X1 = X1.dot(np.array([[0.374, 0.95], [0.732, 0.598]]))
X2, y2 = make_blobs(n_samples=250, centers=1, random_state=42)
X = np.r_[X1, X2 + [6, -8]]
y = np.r_[y1, y2 + 2]
""",
}

_BUILTIN_CACHE: dict[str, Dataset] = {}


def builtin_names() -> tuple[str, ...]:
    """The names accepted by :func:`load_builtin`, in catalog order."""
    return tuple(BUILTIN_TITLES)


def load_builtin(name: str) -> Dataset:
    """Load one of the chapter's datasets: blobs, elongated, moons, iris, digits, mixture."""
    if name not in BUILTIN_TITLES:
        known = ", ".join(BUILTIN_TITLES)
        raise DataError(f"There is no built-in dataset called '{name}'; choose one of {known}.")
    if name in _BUILTIN_CACHE:
        return _BUILTIN_CACHE[name]
    from sklearn import datasets as skd

    y_names: tuple[str, ...] = ()
    features: tuple[str, ...] = ()
    if name == "blobs":
        X, y = skd.make_blobs(n_samples=2000, centers=BLOB_CENTERS, cluster_std=BLOB_STD,
                              random_state=7)
        desc = "Five Gaussian blobs of different spreads, as in the chapter's K-Means section."
    elif name == "elongated":
        X1, y1 = skd.make_blobs(n_samples=1000, centers=((4, -4), (0, 0)), random_state=1)
        X1 = X1.dot(np.array([[0.374, 0.95], [0.732, 0.598]]))
        X2, y2 = skd.make_blobs(n_samples=250, centers=1, random_state=42)
        X2 = X2 + [6, -8]
        X = np.r_[X1, X2]
        y = np.r_[y1, y2 + 2]
        desc = ("Two stretched blobs and a round one of different densities: the chapter's "
                "example where K-Means' lowest inertia is not the right clustering.")
    elif name == "moons":
        X, y = skd.make_moons(n_samples=1000, noise=0.05, random_state=42)
        desc = "Two interleaving half circles, the chapter's DBSCAN example."
    elif name == "iris":
        bunch = skd.load_iris()
        X, y = bunch.data, bunch.target
        y_names = tuple(str(s) for s in bunch.target_names)
        features = tuple(str(s) for s in bunch.feature_names)
        desc = "Fisher's iris flowers: 150 samples, 4 measurements, 3 species."
    elif name == "mixture":
        X1, y1 = skd.make_blobs(n_samples=1000, centers=((4, -4), (0, 0)), random_state=42)
        X1 = X1.dot(np.array([[0.374, 0.95], [0.732, 0.598]]))
        X2, y2 = skd.make_blobs(n_samples=250, centers=1, random_state=42)
        X = np.r_[X1, X2 + [6, -8]]
        y = np.r_[y1, y2 + 2]
        desc = ("Two stretched blobs and a round one: the chapter's Gaussian mixtures "
                "example (random_state=42).")
    else:  # digits
        bunch = skd.load_digits()
        X, y = bunch.data, bunch.target
        y_names = tuple(str(i) for i in range(10))
        features = tuple(f"pixel {r},{c}" for r in range(8) for c in range(8))
        desc = "1 797 handwritten digits, 8×8 grey levels (0–16), the chapter's semi-supervised example."
    ds = Dataset(
        name=BUILTIN_TITLES[name],
        X=X,
        y=np.asarray(y, dtype=np.int64),
        feature_names=features,
        class_names=y_names,
        target_name="target",
        description=desc,
        source="built-in (scikit-learn)",
        code=_BUILTIN_CODE[name],
        key=name,
    )
    _BUILTIN_CACHE[name] = ds
    return ds


# --------------------------------------------------------------------------- user files


def load_table(
    path: str | os.PathLike,
    target: str | int | None = "auto",
    *,
    drop_invalid: bool = False,
    drop_text: bool = False,
    max_bytes: int = MAX_TABLE_BYTES,
    progress=None,
) -> Dataset:
    """Read a CSV/TSV/TXT table or a ``.npy`` array as a :class:`Dataset`.

    pandas' C parser reads the text; the encoding (UTF-8 with or without BOM,
    UTF-16 by BOM, Latin-1), the delimiter, the header, the decimal comma with
    its thousands separator and scikit-learn's own CSV format (first line: rows,
    features, class names) are recognised. ``target`` picks the labels column:
    ``"auto"`` takes scikit-learn's class column or a column named class, label,
    target, species, y…; ``None`` means no labels; a name or an index picks that
    column. Anything unusable raises :class:`DataError` with a sentence;
    ``drop_invalid`` drops rows with missing or infinite values and ``drop_text``
    ignores text columns instead of refusing them. ``progress(fraction)`` is
    called while the file is read and may raise :class:`core.errors.Cancelled`.
    """
    from core.tables import read_table

    return read_table(path, target, drop_invalid=drop_invalid, drop_text=drop_text,
                      max_bytes=max_bytes, progress=progress)


def check_file(path: Path, max_bytes: int, kind: str = "tables", advice: str = "") -> None:
    """Raise :class:`DataError` unless ``path`` is an existing, non-empty file within the limit."""
    if not path.exists():
        raise DataError(f"The file '{path}' does not exist.")
    if path.is_dir():
        raise DataError(f"'{path}' is a folder, not a file.")
    size = path.stat().st_size
    if size == 0:
        raise DataError(f"The file '{path.name}' is empty.")
    if size > max_bytes:
        raise DataError(
            f"The file '{path.name}' is {_human_bytes(size)}; ClusterLab opens {kind} up to "
            f"{_human_bytes(max_bytes)}.{' ' + advice if advice else ''}"
        )


def _human_bytes(n: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}".replace(".0 ", " ")
        n /= 1024
    return f"{n:.1f} GB"  # pragma: no cover
