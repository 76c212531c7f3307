"""Datasets: the chapter's built-in data and the user's own tables.

``load_builtin(name)`` reproduces the chapter's calls exactly (same
generators, same seeds). ``load_table(path)`` reads CSV/TSV/NPY files and
explains, in one sentence, anything it cannot use.
"""

from __future__ import annotations

import csv
import io
import os
import re
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
    """A dataset: ``X`` (n, d) float64, optional integer labels ``y``."""

    name: str
    X: np.ndarray
    y: np.ndarray | None = None
    feature_names: tuple[str, ...] = ()
    target_names: tuple[str, ...] = ()
    description: str = ""
    source: str = ""
    code: str = ""
    key: str = ""
    extra: dict = field(default_factory=dict, compare=False)

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
    def n_classes(self) -> int:
        return 0 if self.y is None else int(np.unique(self.y).size)


# --------------------------------------------------------------------------- built-ins

BUILTIN_TITLES = {
    "blobs": "Blobs (the chapter's 2 000 points)",
    "elongated": "Elongated blobs (K-Means' limits)",
    "moons": "Moons (1 000 points, noise 0.05)",
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
        target_names=y_names,
        description=desc,
        source="built-in (scikit-learn)",
        code=_BUILTIN_CODE[name],
        key=name,
    )
    _BUILTIN_CACHE[name] = ds
    return ds


# --------------------------------------------------------------------------- user files

_MISSING = {"", "na", "n/a", "nan", "null", "none", "?", "-"}
_LABEL_NAMES = {"label", "labels", "target", "class", "species", "cluster", "category"}
_DECIMAL_COMMA = re.compile(r"^[+-]?(\d{1,3}(\.\d{3})+|\d*),\d+([eE][+-]?\d+)?$")
_DELIMITERS = ("\t", ";", ",", "|")


def load_table(
    path: str | os.PathLike,
    *,
    drop_invalid: bool = False,
    drop_text: bool = False,
    max_bytes: int = MAX_TABLE_BYTES,
) -> Dataset:
    """Read a CSV/TSV/TXT table or a ``.npy`` array as a :class:`Dataset`.

    The delimiter and the header are sniffed; files with ``;`` as delimiter
    and decimal commas are read correctly. A non-numeric last column is
    taken as the labels. Anything unusable raises :class:`DataError` with a
    sentence; ``drop_invalid`` drops rows with missing or infinite values and
    ``drop_text`` ignores text columns instead of refusing them.
    """
    path = Path(path)
    check_file(path, max_bytes, advice="Take a sample of its rows first.")
    if path.suffix.lower() == ".npy":
        return _load_npy(path, drop_invalid=drop_invalid)
    raw = _read_bytes(path)
    text = _decode(raw, path)
    return _parse_text_table(text, path, drop_invalid=drop_invalid, drop_text=drop_text)


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


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except PermissionError as exc:
        raise DataError(f"The file '{path.name}' cannot be read: permission denied.") from exc
    except OSError as exc:
        raise DataError(f"The file '{path.name}' cannot be read ({exc.strerror or exc}).") from exc


def _human_bytes(n: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}".replace(".0 ", " ")
        n /= 1024
    return f"{n:.1f} GB"  # pragma: no cover


def _decode(raw: bytes, path: Path) -> str:
    head = raw[:65536]
    control = sum(1 for b in head if b < 32 and b not in (9, 10, 13, 12))
    if b"\x00" in head or control > max(8, len(head) // 100):
        raise DataError(
            f"The file '{path.name}' does not look like a text table: it contains binary data."
        )
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DataError(f"The file '{path.name}' is not readable text.")  # pragma: no cover


def _sniff_delimiter(lines: list[str]) -> str | None:
    """The delimiter that splits most of the first lines into the same number (> 1) of fields."""
    sample = lines[:50]

    def consistent(counts: list[int]) -> bool:
        mode = max(set(counts), key=counts.count)
        return mode > 1 and counts.count(mode) >= 0.6 * len(counts)

    for delim in _DELIMITERS:
        if consistent([len(r) for r in csv.reader(sample, delimiter=delim)]):
            return delim
    if consistent([len(line.split()) for line in sample]):
        return " "
    return None


def _split(lines: list[str], delim: str | None) -> list[list[str]]:
    if delim is None:
        return [[line.strip()] for line in lines]
    if delim == " ":
        return [line.split() for line in lines]
    return [[f.strip() for f in row] for row in csv.reader(lines, delimiter=delim)]


def _to_float(value: str, decimal_comma: bool) -> float | None:
    """The value as a float, NaN for a missing value, None when it is text."""
    v = value.strip().strip('"').strip()
    if v.lower() in _MISSING:
        return float("nan")
    if decimal_comma and "," in v:
        v = v.replace(".", "").replace(",", ".")
    try:
        return float(v)
    except ValueError:
        return None


def _parse_text_table(text: str, path: Path, *, drop_invalid: bool, drop_text: bool) -> Dataset:
    numbered = [(i + 1, line) for i, line in enumerate(text.splitlines()) if line.strip()]
    if not numbered:
        raise DataError(f"The file '{path.name}' is empty.")
    line_no = [n for n, _ in numbered]
    lines = [line for _, line in numbered]
    delim = _sniff_delimiter(lines)
    rows = _split(lines, delim)

    sample_fields = [f for row in rows[:200] for f in row]
    decimal_comma = delim != "," and any(_DECIMAL_COMMA.match(f.strip()) for f in sample_fields)

    def numeric_share(row: list[str]) -> float:
        vals = [_to_float(f, decimal_comma) for f in row]
        return sum(v is not None and not np.isnan(v) for v in vals) / max(1, len(vals))

    first_share = numeric_share(rows[0])
    has_header = first_share < 1.0 and (len(rows) == 1 or numeric_share(rows[1]) > first_share
                                         or all(_to_float(f, decimal_comma) is None for f in rows[0]))
    if has_header:
        header = [h.strip().strip('"') or f"column {i + 1}" for i, h in enumerate(rows[0])]
        body, body_lines = rows[1:], line_no[1:]
    else:
        header = [f"x{i + 1}" for i in range(len(rows[0]))]
        body, body_lines = rows, line_no
    if not body:
        raise DataError(f"The file '{path.name}' has a header but no data rows.")
    n_cols = len(header)
    for row, n in zip(body, body_lines):
        if len(row) != n_cols:
            raise DataError(
                f"Line {n} of '{path.name}' has {len(row)} values but the "
                f"{'header' if has_header else 'first line'} has {n_cols}; every row must have "
                "the same number of values."
            )
    if len(body) < 2:
        raise DataError(
            f"The file '{path.name}' has only one data row; clustering needs at least two."
        )

    columns = list(zip(*body))
    numeric: list[np.ndarray] = []
    names: list[str] = []
    labels: np.ndarray | None = None
    target_names: tuple[str, ...] = ()
    text_columns: list[str] = []
    for j, col in enumerate(columns):
        vals = [_to_float(f, decimal_comma) for f in col]
        bad = [i for i, v in enumerate(vals) if v is None]
        present = sum(1 for f in col if f.strip().strip('"').lower() not in _MISSING)
        if not bad:
            numeric.append(np.array(vals, dtype=np.float64))
            names.append(header[j])
            continue
        if len(bad) * 2 < present:
            i = bad[0]
            raise DataError(
                f"Column '{header[j]}' has a value that is not a number on line "
                f"{body_lines[i]} ('{col[i]}')."
            )
        if j == n_cols - 1 and labels is None:
            strings = np.array([f.strip().strip('"') for f in col])
            uniq, inv = np.unique(strings, return_inverse=True)
            labels, target_names = inv.astype(np.int64), tuple(str(u) for u in uniq)
        else:
            text_columns.append(header[j])
    if text_columns and not drop_text:
        quoted = ", ".join(f"'{c}'" for c in text_columns)
        noun = "Column" if len(text_columns) == 1 else "Columns"
        verb = "is" if len(text_columns) == 1 else "are"
        raise DataError(
            f"{noun} {quoted} {verb} not numeric; ClusterLab clusters numeric columns only.",
            fix="drop_text", fix_label="Ignore text columns",
        )
    if not numeric:
        raise DataError(f"The file '{path.name}' has no numeric column to cluster.")
    if labels is None and len(numeric) > 1 and names[-1].strip().lower() in _LABEL_NAMES:
        last = numeric[-1]
        if np.all(np.isfinite(last)) and np.all(last == np.round(last)):
            uniq, inv = np.unique(last.astype(np.int64), return_inverse=True)
            labels, target_names = inv.astype(np.int64), tuple(str(v) for v in uniq)
            numeric.pop()
            names.pop()
    X = np.column_stack(numeric)
    X, labels = _check_finite(X, labels, path, np.array(body_lines), drop_invalid)
    if delim is None:
        sep = ","
    else:
        sep = "\\t" if delim == "\t" else ("\\s+" if delim == " " else delim)
    read = f'pd.read_csv("{path.name}", sep="{sep}"'
    if decimal_comma:
        read += ', decimal=",", thousands="."'
    if not has_header:
        read += ", header=None"
    read += ")"
    code = (
        "import pandas as pd\n\n"
        f"df = {read}\n"
        + ("df = df.dropna()\n" if drop_invalid else "")
        + 'X = df.select_dtypes("number").to_numpy()\n'
    )
    return Dataset(
        name=path.name,
        X=X,
        y=labels,
        feature_names=tuple(names),
        target_names=target_names,
        description=f"{X.shape[0]} rows × {X.shape[1]} numeric columns read from {path.name}.",
        source=str(path),
        code=code,
        key=f"file:{path.resolve()}",
    )


def _check_finite(X, labels, path: Path, line_numbers: np.ndarray, drop_invalid: bool,
                  unit: str = "line"):
    bad = ~np.all(np.isfinite(X), axis=1)
    n_bad = int(bad.sum())
    if n_bad:
        if not drop_invalid:
            where = ", ".join(str(n) for n in line_numbers[bad][:5])
            more = ", …" if n_bad > 5 else ""
            kind = "row has" if n_bad == 1 else "rows have"
            raise DataError(
                f"{n_bad} {kind} missing or infinite values in '{path.name}' "
                f"({unit}{'s' if n_bad > 1 else ''} {where}{more}). ClusterLab can drop "
                f"{'it' if n_bad == 1 else 'them'} and keep the other {X.shape[0] - n_bad}.",
                fix="drop_invalid", fix_label=f"Drop {n_bad} row{'s' if n_bad > 1 else ''}",
            )
        X = X[~bad]
        if labels is not None:
            labels = labels[~bad]
    if X.shape[0] < 2:
        raise DataError(
            f"The file '{path.name}' has only {X.shape[0]} usable row"
            f"{'' if X.shape[0] == 1 else 's'}; clustering needs at least two."
        )
    return X, labels


def _load_npy(path: Path, *, drop_invalid: bool) -> Dataset:
    raw = _read_bytes(path)
    try:
        arr = np.load(io.BytesIO(raw), allow_pickle=False)
    except ValueError as exc:
        if "pickle" in str(exc).lower():
            raise DataError(
                f"The file '{path.name}' holds Python objects; for safety ClusterLab only "
                "opens .npy files of plain numbers."
            ) from exc
        raise DataError(f"The file '{path.name}' is not a valid .npy array file.") from exc
    except (OSError, EOFError) as exc:
        raise DataError(f"The file '{path.name}' is not a valid .npy array file.") from exc
    if arr.dtype.names is not None or not (
        np.issubdtype(arr.dtype, np.number) or arr.dtype == bool
    ) or np.iscomplexobj(arr):
        raise DataError(
            f"The array in '{path.name}' has type {arr.dtype}; ClusterLab clusters real numbers only."
        )
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise DataError(
            f"The array in '{path.name}' has {arr.ndim} dimensions {arr.shape}; ClusterLab needs "
            "a table of rows × features (two dimensions)."
        )
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise DataError(f"The array in '{path.name}' is empty {arr.shape}.")
    if arr.shape[0] == 1:
        raise DataError(
            f"The array in '{path.name}' has only one row; clustering needs at least two."
        )
    X = arr.astype(np.float64)
    X, _ = _check_finite(X, None, path, np.arange(1, X.shape[0] + 1), drop_invalid, "row")
    return Dataset(
        name=path.name,
        X=X,
        description=f"{X.shape[0]} rows × {X.shape[1]} features read from {path.name}.",
        source=str(path),
        code=f'import numpy as np\n\nX = np.load("{path.name}", allow_pickle=False)\n',
        key=f"file:{path.resolve()}",
    )
