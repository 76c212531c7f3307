"""The user's own tables: CSV/TSV/TXT through pandas' C parser, ``.npy`` arrays.

pandas does the parsing. This module only decides how to call it, which no
library does for us: the kind of file (by its first bytes), the encoding
(UTF-8 with or without BOM, UTF-16 by BOM, Latin-1 as the fallback), the
dialect (delimiter, header, decimal comma with its thousands separator,
scikit-learn's own CSV format), the labels column, and the guided fixes
(``drop_invalid``, ``drop_text``). Whatever it cannot use is explained in one
sentence (:class:`core.errors.DataError`). The exact ``pd.read_csv`` call is
kept in ``Dataset.code``, so a snippet reads the file the same way.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import math
import re
import warnings
from collections import Counter
from pathlib import Path

import numpy as np

from core.datasets import MAX_TABLE_BYTES, Dataset, _human_bytes, check_file
from core.errors import DataError

#: Values whose size is above this make squared distances overflow float64 (1e308).
MAX_ABS_VALUE = 1e150

#: What is read to sniff the dialect (more when the first lines are longer).
SNIFF_BYTES = 1 << 18

#: Rows pandas parses at a time (progress, and the values go straight into X).
CHUNK_ROWS = 1 << 17

#: Missing values beyond pandas' own ("", NA, NaN, null, None, ...).
EXTRA_NA = ["?", "-", "na", "none", "NONE"]

#: Names of a text column that holds labels ("auto" picks it).
TEXT_LABEL_NAMES = {"class", "classes", "label", "labels", "target", "targets", "species", "y",
                    "category", "categories", "kind", "type", "group", "variety", "cluster",
                    "diagnosis", "outcome"}
#: Names of an integer column that holds labels ("y" is a coordinate as often as a label).
NUMERIC_LABEL_NAMES = {"label", "labels", "target", "class", "species", "cluster", "category"}

_DELIMITERS = ("\t", ";", ",", "|")
_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13))
_QUOTED = re.compile(r'"[^"]*"')
_DECIMAL_COMMA = re.compile(r"^[+-]?(\d{1,3}(\.\d{3})+|\d*),\d+([eE][+-]?\d+)?$")
_COMMA_THOUSANDS_DOT_DECIMAL = re.compile(r"^[+-]?\d{1,3}(,\d{3})+\.\d*$")
_MISSING = {"", "na", "n/a", "nan", "null", "none", "?", "-"}

_IMAGE_MAGIC = ((b"\x89PNG\r\n\x1a\n", "PNG"), (b"\xff\xd8\xff", "JPEG"), (b"GIF87a", "GIF"),
                (b"GIF89a", "GIF"), (b"II*\x00", "TIFF"), (b"MM\x00*", "TIFF"))
_OTHER_MAGIC = ((b"%PDF", "a PDF document"),
                (b"PK\x03\x04", "a ZIP archive (an Excel workbook or a compressed folder)"),
                (b"\x1f\x8b", "a gzip-compressed file"), (b"7z\xbc\xaf", "a 7-Zip archive"),
                (b"Rar!", "a RAR archive"), (b"\xd0\xcf\x11\xe0", "an old Office document"),
                (b"SQLite format 3", "an SQLite database"), (b"ID3", "an MP3 recording"),
                (b"\x7fELF", "a program"), (b"MZ", "a program"))


# --------------------------------------------------------------------------- the kind of file
def file_kind(path) -> tuple[str, str]:
    """``(kind, what)`` from the file's first bytes: kind is ``"npy"``, ``"image"`` (a raster
    image Pillow reads), ``"parquet"``, ``"text"`` or ``"other"``; ``what`` names it for a
    person. Unreadable or missing files are ``"text"`` (the table reader explains)."""
    try:
        with Path(path).open("rb") as f:
            head = f.read(512)
    except OSError:
        return "text", "a file"
    if head.startswith(b"\x93NUMPY"):
        return "npy", "a NumPy array"
    for magic, name in _IMAGE_MAGIC:
        if head.startswith(magic):
            return "image", f"a {name} image"
    if head[:2] == b"BM" and head[6:10] == b"\x00\x00\x00\x00":
        return "image", "a BMP image"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image", "a WebP image"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1"):
            return "other", "a HEIC photo"
        if brand in (b"avif", b"avis"):
            return "other", "an AVIF photo"
        return "other", "a video or an MP4 file"
    if head.startswith(b"PAR1"):
        return "parquet", "a Parquet table"
    for magic, name in _OTHER_MAGIC:
        if head.startswith(magic):
            return "other", name
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<?xml", b"<svg")) and b"<svg" in head.lower():
        return "other", "an SVG drawing"
    if text.startswith((b"<!doctype html", b"<html")):
        return "other", "a web page"
    return "text", "a text file"


def _not_a_table(path: Path, what: str) -> DataError:
    advice = {"a HEIC photo": " Save it as JPEG or PNG first.",
              "an AVIF photo": " Save it as JPEG or PNG first.",
              "an SVG drawing": " Export it as PNG first.",
              "a ZIP archive (an Excel workbook or a compressed folder)":
                  " Save a workbook as CSV first."}.get(what, "")
    return DataError(
        f"The file '{path.name}' is {what}, neither a table nor an image ClusterLab can read "
        f"(CSV, TSV or NPY tables; PNG, JPEG, BMP, TIFF, WebP or GIF images).{advice}")


# --------------------------------------------------------------------------- entry point
def read_table(path, target="auto", *, drop_invalid=False, drop_text=False,
               max_bytes=MAX_TABLE_BYTES, progress=None) -> Dataset:
    """See :func:`core.datasets.load_table`."""
    path = Path(path)
    check_file(path, max_bytes, advice="Take a sample of its rows first.")
    kind, what = file_kind(path)
    if kind == "npy":
        return _load_npy(path, drop_invalid=drop_invalid)
    if kind == "parquet":
        return _read_parquet(path, target, drop_invalid=drop_invalid, drop_text=drop_text,
                             progress=progress)
    if kind != "text":
        raise _not_a_table(path, what)
    head = _read_head(path)
    encoding = _detect_encoding(path, head)
    try:
        return _read_text_table(path, _sniff(path, head, encoding), target,
                                drop_invalid=drop_invalid, drop_text=drop_text,
                                progress=progress)
    except _NotUtf8:
        return _read_text_table(path, _sniff(path, head, _single_byte_encoding(path)), target,
                                drop_invalid=drop_invalid, drop_text=drop_text,
                                progress=progress)


def _open_error(path: Path, exc: OSError) -> DataError:
    if isinstance(exc, PermissionError):
        return DataError(f"The file '{path.name}' cannot be read: permission denied.")
    return DataError(f"The file '{path.name}' cannot be read ({exc.strerror or exc}).")


def _read_head(path: Path) -> bytes:
    """The first 256 KB, or more until it holds three whole lines."""
    try:
        with path.open("rb") as f:
            head = f.read(SNIFF_BYTES)
            while head.count(b"\n") < 3 and len(head) < 64 * SNIFF_BYTES:
                more = f.read(len(head))
                if not more:
                    break
                head += more
    except OSError as exc:
        raise _open_error(path, exc) from exc
    return head


# --------------------------------------------------------------------------- encoding
def _detect_encoding(path: Path, head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    sample = head[:65536]
    if b"\x00" in sample:
        even, odd = sample[0::2], sample[1::2]
        if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * len(even):
            return "utf-16-le"
        if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.05 * len(odd):
            return "utf-16-be"
    control = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    if b"\x00" in sample or control > max(8, len(sample) // 100):
        raise DataError(
            f"The file '{path.name}' does not look like a text table: it contains binary data.")
    try:  # the first 256 KB decide; a later byte that is not UTF-8 makes read_table read again
        codecs.getincrementaldecoder("utf-8")().decode(head)
        return "utf-8"
    except UnicodeDecodeError:
        return _single_byte_encoding(path)


def _single_byte_encoding(path: Path) -> str:
    """Windows-1252 when every byte of the file is one, else Latin-1 (every byte is)."""
    return "cp1252" if _decodes(path, "cp1252") else "latin-1"


class _NotUtf8(Exception):
    """A byte past the sample is not UTF-8: the table is read again as single-byte text."""


def _chunks(path: Path, size: int = 4 << 20):
    with path.open("rb") as f:
        while chunk := f.read(size):
            yield chunk


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        for chunk in _chunks(path):
            decoder.decode(chunk)
    except UnicodeDecodeError:
        return False
    return True


# --------------------------------------------------------------------------- dialect
class Dialect:
    """How to call ``pd.read_csv`` for one file, and what its first lines say."""

    def __init__(self, encoding: str, sep: str | None, header: bool, decimal: str,
                 thousands: str | None, sklearn: tuple[str, ...] | None, spaces: bool):
        self.encoding, self.sep, self.header = encoding, sep, header
        self.decimal, self.thousands, self.sklearn = decimal, thousands, sklearn
        self.spaces = spaces  # spaces after the delimiter (costs pandas ~40% to skip)
        self.row_bytes = 64.0  # bytes per line in the sample (to size X before reading)
        self.source = "text"  # or "parquet"

    @property
    def unit(self) -> str:
        """What a row is called in sentences: a line of text, or a row of a Parquet table."""
        return "line" if self.source == "text" else "row"

    def read_csv_kwargs(self) -> dict:
        """The keyword arguments of ``pd.read_csv``, the app's and the snippet's."""
        kw: dict = {}
        if self.sep not in (None, ","):
            kw["sep"] = self.sep
        if self.sklearn is not None:
            kw["skiprows"] = 1
        if self.sklearn is not None or not self.header:
            kw["header"] = None
        if self.decimal != ".":
            kw["decimal"] = self.decimal
        if self.thousands:
            kw["thousands"] = self.thousands
        if self.encoding != "utf-8":
            kw["encoding"] = self.encoding
        kw["index_col"] = False
        if self.spaces:
            kw["skipinitialspace"] = True
        kw["na_values"] = list(EXTRA_NA)
        return kw


def _split_line(line: str, sep: str | None) -> list[str]:
    if sep is None:
        return [line.strip()]
    if sep == r"\s+":
        return line.split()
    if '"' in line:
        try:
            row = next(csv.reader([line], delimiter=sep))
        except csv.Error:  # a field over csv's limit: a plain split will do for sniffing
            row = line.split(sep)
    else:
        row = line.split(sep)
    return [f.strip().strip('"').strip() for f in row]


def _sniff_sep(lines: list[str]) -> str | None:
    """The delimiter found the same number of times (> 0) on most of the first lines."""
    sample = [_QUOTED.sub("", line) for line in lines[:50]]

    def consistent(counts: list[int]) -> bool:
        mode, times = Counter(counts).most_common(1)[0]
        return mode > 0 and times >= 0.6 * len(counts)

    for sep in _DELIMITERS:
        if consistent([line.count(sep) for line in sample]):
            return sep
    if consistent([len(line.split()) - 1 for line in sample]):
        return r"\s+"
    return None


def _to_float(value: str, decimal: str, thousands: str | None) -> float | None:
    """The value as a float, NaN for a missing value, None when it is text."""
    v = value.strip()
    if v.lower() in _MISSING:
        return float("nan")
    if thousands:
        v = v.replace(thousands, "")
    if decimal != ".":
        v = v.replace(decimal, ".")
    try:
        return float(v)
    except ValueError:
        return None


def _sniff(path: Path, head: bytes, encoding: str) -> Dialect:
    if encoding.startswith("utf-16"):
        head = head[: len(head) // 2 * 2]
    text = head.decode(encoding if encoding != "utf-8" else "utf-8", errors="replace")
    lines = text.splitlines()
    if len(head) < path.stat().st_size and len(lines) > 1:
        lines = lines[:-1]  # the last line of the sample may be cut
    lines = [line for line in lines if line.strip()][:200]
    if not lines:
        raise DataError(f"The file '{path.name}' is empty.")
    sep = _sniff_sep(lines)
    rows = [_split_line(line, sep) for line in lines]
    spaces = sep not in (None, r"\s+") and any(sep + " " in line for line in lines)
    row_bytes = max(1.0, len(head) / max(1, head.count(b"\n")))

    decimal, thousands = ".", None
    if sep != ",":
        fields = [f for row in rows for f in row]
        if any(_COMMA_THOUSANDS_DOT_DECIMAL.match(f) for f in fields):
            thousands = ","
        elif any(_DECIMAL_COMMA.match(f) for f in fields):
            decimal, thousands = ",", "."

    def numeric_share(row: list[str]) -> float:
        vals = [_to_float(f, decimal, thousands) for f in row]
        return sum(v is not None and not math.isnan(v) for v in vals) / max(1, len(vals))

    first = rows[0]
    if (sep == "," and len(rows) > 1 and len(first) >= 2 and first[0].isdigit()
            and first[1].isdigit() and len(rows[1]) == int(first[1]) + 1
            and numeric_share(rows[1]) == 1.0):
        dialect = Dialect(encoding, sep, False, decimal, thousands, tuple(first[2:]), spaces)
    else:
        first_share = numeric_share(first)
        header = first_share < 1.0 and (len(rows) == 1 or numeric_share(rows[1]) > first_share
                                        or all(_to_float(f, decimal, thousands) is None
                                               for f in first))
        dialect = Dialect(encoding, sep, header, decimal, thousands, None, spaces)
    dialect.row_bytes = row_bytes
    return dialect


# --------------------------------------------------------------------------- reading
class _Progress(io.RawIOBase):
    """A binary file that reports how much of it was read (and so lets a reader be
    cancelled: the callback raises :class:`Cancelled`)."""

    def __init__(self, f, size: int, progress):
        super().__init__()
        self._f, self._size, self._progress, self._read = f, max(size, 1), progress, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = self._f.readinto(buffer)
        self._read += n
        self._progress(min(self._read / self._size, 1.0) * 0.9)
        return n


def _parse(path: Path, kwargs: dict, progress, consume, chunked: bool = False):
    """``consume(read_csv, report)``: ``read_csv(**more)`` is ``pd.read_csv(file, engine="c",
    **kwargs, **more)``, pandas' complaints turned into sentences. Read whole, ``file``
    reports the bytes read to ``progress`` (which may cancel); read in chunks (``chunked``),
    ``report()`` does it between chunks."""
    import pandas as pd

    size = max(path.stat().st_size, 1)
    try:
        with path.open("rb") as raw, warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)
            source = raw if progress is None or chunked else io.BufferedReader(
                _Progress(raw, size, progress), 1 << 20)

            def report() -> None:
                if progress is not None:
                    progress(min(raw.tell() / size, 1.0) * 0.9)

            return consume(lambda **more: pd.read_csv(source, engine="c", **kwargs, **more),
                           report)
    except pd.errors.EmptyDataError as exc:
        raise DataError(f"The file '{path.name}' is empty.") from exc
    except pd.errors.ParserWarning as exc:
        raise DataError(
            f"Some rows of '{path.name}' have more values than its header has names; every "
            "row must have the same number of values.") from exc
    except pd.errors.ParserError as exc:
        m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
        if m:
            expected, line, saw = m.groups()
            raise DataError(
                f"Line {line} of '{path.name}' has {saw} values but the "
                f"{'header' if kwargs.get('header', 0) == 0 else 'first line'} has {expected}; "
                "every row must have the same number of values.") from exc
        if "EOF inside string" in str(exc):
            raise DataError(f"A quoted value in '{path.name}' never ends: a quote (\") is "
                            "missing.") from exc
        raise DataError(f"The file '{path.name}' cannot be read as a table.") from exc
    except (UnicodeDecodeError, UnicodeError) as exc:
        if kwargs.get("encoding", "utf-8") == "utf-8":
            raise _NotUtf8() from exc
        raise DataError(f"The file '{path.name}' is not readable text.") from exc
    except OSError as exc:
        raise _open_error(path, exc) from exc
    except MemoryError as exc:
        raise DataError(f"The file '{path.name}' does not fit in memory; take a sample of its "
                        "rows first.") from exc


def _filled_columns(X: np.ndarray) -> np.ndarray:
    """Which columns hold a value; one flat pass when every value is finite."""
    if np.isfinite(X.min()) and np.isfinite(X.max()):  # NaN propagates through min/max
        return np.ones(X.shape[1], dtype=bool)
    return ~np.isnan(X).all(axis=0)


class _Table:
    """What was read: every column's name, the float64 values of the columns in ``cols``
    (one C-ordered array), the labels column's values, and per column whether it holds
    any value."""

    def __init__(self, names, cols, X, t, labels, filled, last_partly_empty):
        self.names, self.cols, self.X, self.t, self.labels = names, cols, X, t, labels
        self.filled, self.last_partly_empty = filled, last_partly_empty


def _column_names(columns, dialect: Dialect) -> list[str]:
    if dialect.sklearn is not None:
        return [f"x{j + 1}" for j in range(len(columns) - 1)] + ["target"]
    return [_name(c, j, dialect.header) for j, c in enumerate(columns)]


def _read_numeric(path: Path, dialect: Dialect, kwargs: dict, target, progress):
    """The common case, numbers and maybe a labels column, parsed in chunks straight into one
    array (no DataFrame of the whole file, no second copy). None when a chunk holds text or
    the table is too short: the general reader then reads it whole and explains."""
    import pandas as pd

    def consume(read_csv, report):
        X, n, table = None, 0, None
        labels, filled, last_nan = [], None, False
        with read_csv(chunksize=CHUNK_ROWS) as reader:
            for chunk in reader:
                if table is None:
                    names = _column_names(chunk.columns, dialect)
                    every = list(range(chunk.shape[1]))
                    numeric = {j: _is_numeric(chunk.iloc[:, j]) for j in every}
                    t = _target_column(path, target, dialect, chunk, names, every, numeric)
                    cols = [j for j in every if j != t]
                    table = _Table(names, cols, None, t, None, None, False)
                    filled = np.zeros(len(every), dtype=bool)
                    # sized from the sample's bytes per line, grown if the guess was short
                    rows = int(path.stat().st_size / dialect.row_bytes * 1.05) + 16
                    X = np.empty((rows, len(cols)))
                if not cols or not all(_is_numeric(chunk.iloc[:, j]) for j in table.cols):
                    return None
                m = chunk.shape[0]
                if n + m > X.shape[0]:
                    grown = np.empty((int((n + m) * 1.25), len(cols)))
                    grown[:n] = X[:n]
                    X = grown
                block = X[n:n + m]
                values = [chunk.iloc[:, j].to_numpy(dtype=np.float64) for j in cols]
                for r in range(0, m, 4096):  # tiles that stay in cache while all columns land
                    tile = block[r:r + 4096]
                    for k, v in enumerate(values):
                        tile[:, k] = v[r:r + 4096]
                if t is not None:
                    labels.append(chunk.iloc[:, t])
                    filled[t] |= bool(chunk.iloc[:, t].notna().any())
                last_nan |= bool(chunk.iloc[:, -1].isna().any())
                n += m
                report()
        if table is None or n < 2:
            return None
        del block  # no view of X is left: give back the rows the size guess had too many
        X.resize((n, X.shape[1]), refcheck=False)
        filled[cols] = _filled_columns(X)
        table.X, table.filled = X, filled
        table.last_partly_empty = last_nan and bool(filled[-1])
        table.labels = None if t is None else pd.concat(labels, ignore_index=True)
        return table

    return _parse(path, kwargs, progress, consume, chunked=True)


def _line_numbers(path: Path, dialect: Dialect, rows: list[int]) -> list[int]:
    """The file line of each data row (blank lines are skipped, as pandas does)."""
    if dialect.source != "text":
        return [r + 1 for r in rows]
    skip = 1 if (dialect.header or dialect.sklearn is not None) else 0
    wanted = {r + skip: r for r in rows}
    found: dict[int, int] = {}
    last = max(wanted, default=-1)
    i = 0
    with path.open("r", encoding=dialect.encoding, errors="replace", newline="") as f:
        for n, line in enumerate(f, start=1):
            if not line.strip():
                continue
            if i in wanted:
                found[wanted[i]] = n
            if i >= last:
                break
            i += 1
    return [found.get(r, r + 1 + skip) for r in rows]


def _check_ragged(path: Path, dialect: Dialect, n_cols: int) -> None:
    """pandas fills short rows with NaN: find the first one and say so."""
    skip = 1 if (dialect.header or dialect.sklearn is not None) else 0
    with path.open("r", encoding=dialect.encoding, errors="replace", newline="") as f:
        seen = 0
        for n, line in enumerate(f, start=1):
            if not line.strip():
                continue
            seen += 1
            if seen <= skip:
                continue
            count = len(_split_line(line.rstrip("\r\n"), dialect.sep))
            if count < n_cols:
                raise DataError(
                    f"Line {n} of '{path.name}' has {count} values but the "
                    f"{'header' if dialect.header else 'first line'} has {n_cols}; every row "
                    "must have the same number of values.")


def _name(col, position: int, header: bool) -> str:
    text = str(col)
    if not header or text.startswith("Unnamed: "):
        return f"x{position + 1}" if not header else f"column {position + 1}"
    return text


def _read_text_table(path: Path, dialect: Dialect, target, *, drop_invalid: bool,
                     drop_text: bool, progress) -> Dataset:
    kwargs = dialect.read_csv_kwargs()
    table = _read_numeric(path, dialect, kwargs, target, progress)
    if table is None:
        table = _read_general(path, dialect, kwargs, target, drop_text, progress)
    if table.last_partly_empty and len(table.names) > 1:
        _check_ragged(path, dialect, len(table.names))
    return _finish(path, dialect, kwargs, table, drop_invalid, drop_text)


def _read_general(path: Path, dialect: Dialect, kwargs: dict, target, drop_text: bool,
                  progress) -> _Table:
    """The whole table as a DataFrame: text columns, typos, too few rows."""
    df = _parse(path, kwargs, progress, lambda read_csv, report: read_csv())
    if df.shape[0] == 0:
        raise DataError(f"The file '{path.name}' has a header but no data rows.")
    last = df.iloc[:, -1].isna()
    if df.shape[1] > 1 and last.any() and not last.all():
        _check_ragged(path, dialect, df.shape[1])
    return _table_from_frame(path, dialect, df, target, drop_text)


def _read_parquet(path: Path, target, *, drop_invalid: bool, drop_text: bool,
                  progress) -> Dataset:
    """A Parquet table, through pyarrow when it is installed (the ``parquet`` extra)."""
    try:
        import pyarrow.parquet  # noqa: F401
    except ImportError as exc:
        raise DataError(
            f"The file '{path.name}' is a Parquet table; opening Parquet needs the optional "
            "pyarrow package (pip install pyarrow). Or save it as CSV.") from exc
    import pandas as pd

    if progress is not None:
        progress(0.0)
    try:
        df = pd.read_parquet(path)
    except OSError as exc:
        raise _open_error(path, exc) from exc
    except Exception as exc:  # pyarrow's own errors (ArrowInvalid...) for a damaged file
        raise DataError(f"The Parquet file '{path.name}' is damaged and cannot be read.") from exc
    if progress is not None:
        progress(0.9)
    if df.shape[0] == 0 or df.shape[1] == 0:
        raise DataError(f"The Parquet table in '{path.name}' has no rows.")
    dialect = Dialect("", None, True, ".", None, None, False)
    dialect.source = "parquet"
    table = _table_from_frame(path, dialect, df.reset_index(drop=True), target, drop_text)
    return _finish(path, dialect, {}, table, drop_invalid, drop_text)


def _table_from_frame(path: Path, dialect: Dialect, df, target, drop_text: bool) -> _Table:
    n_cols = df.shape[1]
    if df.shape[0] < 2:
        raise DataError(
            f"The file '{path.name}' has only one data row; clustering needs at least two.")
    names = _column_names(df.columns, dialect)
    filled = np.array([bool(df.iloc[:, j].notna().any()) for j in range(n_cols)])
    usable = [j for j in range(n_cols) if filled[j]]
    numeric = {j: _is_numeric(df.iloc[:, j]) for j in usable}
    t = _target_column(path, target, dialect, df, names, usable, numeric)

    cols, text_columns = [], []
    for j in usable:
        if j == t:
            continue
        if numeric[j]:
            cols.append(j)
            continue
        _refuse_typo(path, dialect, df.iloc[:, j], names[j])
        text_columns.append(j)
    if text_columns and not drop_text:
        quoted = ", ".join(f"'{names[j]}'" for j in text_columns)
        one = len(text_columns) == 1
        raise DataError(
            f"{'Column' if one else 'Columns'} {quoted} {'is' if one else 'are'} not numeric; "
            "ClusterLab clusters numeric columns only.",
            fix="drop_text", fix_label="Ignore text columns")
    if not cols:
        raise DataError(f"The file '{path.name}' has no numeric column to cluster.")
    X = np.column_stack([df.iloc[:, j].to_numpy(dtype=np.float64) for j in cols])
    table = _Table(names, cols, X, t, None if t is None else df.iloc[:, t], filled, False)
    table.text_columns = text_columns
    return table


def _finish(path: Path, dialect: Dialect, kwargs: dict, table: _Table, drop_invalid: bool,
            drop_text: bool) -> Dataset:
    """The checks every table passes, the labels, the snippet and the Dataset."""
    import pandas as pd

    names, t, X = table.names, table.t, table.X
    notes = []
    empty = [j for j in range(len(names)) if not table.filled[j]]
    if empty:
        notes.append(f"empty column{'s' if len(empty) > 1 else ''} "
                     + ", ".join(f"'{names[j]}'" for j in empty) + " ignored")
    text_columns = getattr(table, "text_columns", [])
    if text_columns:
        notes.append("text column" + ("s " if len(text_columns) > 1 else " ")
                     + ", ".join(f"'{names[j]}'" for j in text_columns) + " ignored")
    features = [j for j in table.cols if table.filled[j]]
    if len(features) < len(table.cols):
        X = X[:, [k for k, j in enumerate(table.cols) if table.filled[j]]]
    if not features:
        raise DataError(f"The file '{path.name}' has no numeric column to cluster.")
    label_ok = None if t is None else table.labels.notna().to_numpy()
    keep = _rows_to_keep(path, dialect, X, label_ok, drop_invalid)
    if keep is not None:
        X = X[keep]
        notes.append(f"{int((~keep).sum())} rows with missing values dropped")
    _refuse_overflow(path, X, [names[j] for j in features])
    y, class_names = None, ()
    if t is not None:
        labels = table.labels if keep is None else table.labels[keep]
        codes, uniques = pd.factorize(labels, sort=True)
        y = codes.astype(np.int64)
        class_names = _class_names(uniques, dialect.sklearn)
        notes.append(f"labels from column '{names[t]}' ({len(class_names)} classes)")
    code = _snippet(path, kwargs, features, t, drop_invalid, dialect.source)
    description = (f"{X.shape[0]} rows × {X.shape[1]} numeric columns read from {path.name}"
                   + ("; " + "; ".join(notes) if notes else "") + ".")
    usable = [j for j in range(len(names)) if table.filled[j]]
    return Dataset(
        name=path.name, X=X, y=y, feature_names=tuple(names[j] for j in features),
        class_names=class_names, target_name="" if t is None else names[t],
        description=description, source=str(path), code=code, key=f"file:{path.resolve()}",
        extra={"columns": tuple(names[j] for j in usable),
               "load_options": {"drop_invalid": drop_invalid, "drop_text": drop_text}},
    )


def _is_numeric(col) -> bool:
    import pandas as pd

    return bool(pd.api.types.is_numeric_dtype(col.dtype))


def _target_column(path: Path, target, dialect: Dialect, df, names, usable, numeric):
    """The position of the labels column, or None."""
    if target is None:
        return None
    n = len(names)
    if isinstance(target, (int, np.integer)) and not isinstance(target, bool):
        j = int(target) + (n if target < 0 else 0)
        if not 0 <= j < n:
            raise DataError(f"'{path.name}' has {n} columns; there is no column {target}.")
        return j
    if target != "auto":
        target = str(target)
        for match in (lambda a: a == target, lambda a: a.lower() == target.strip().lower()):
            hits = [j for j in range(n) if match(names[j])]
            if hits:
                return hits[0]
        listed = ", ".join(f"'{c}'" for c in names[:12]) + (", …" if n > 12 else "")
        raise DataError(f"'{path.name}' has no column '{target}'; its columns are {listed}.")
    if dialect.sklearn is not None:
        return n - 1
    for j in usable:
        if not numeric[j] and names[j].strip().lower() in TEXT_LABEL_NAMES:
            return j
    for j in usable:
        if numeric[j] and names[j].strip().lower() in NUMERIC_LABEL_NAMES and len(usable) > 1:
            col = df.iloc[:, j].to_numpy(dtype=np.float64)
            if np.all(np.isfinite(col)) and np.all(col == np.round(col)):
                return j
    text = [j for j in usable if not numeric[j]]
    if not dialect.header and text == [usable[-1]] and len(usable) > 1:
        return usable[-1]  # UCI style: no header, the class last
    return None


def _refuse_typo(path: Path, dialect: Dialect, col, name: str) -> None:
    """A column of numbers with a few words in it is a typo, not a text column."""
    import pandas as pd

    present = col.notna().to_numpy()
    values = col.astype(str)
    if dialect.thousands:
        values = values.str.replace(dialect.thousands, "", regex=False)
    if dialect.decimal != ".":
        values = values.str.replace(dialect.decimal, ".", regex=False)
    bad = present & pd.to_numeric(values, errors="coerce").isna().to_numpy()
    if 0 < bad.sum() * 2 < present.sum():
        i = int(np.flatnonzero(bad)[0])
        line = _line_numbers(path, dialect, [i])[0]
        raise DataError(f"Column '{name}' has a value that is not a number on {dialect.unit} "
                        f"{line} ('{col.iloc[i]}').")


def _rows_to_keep(path: Path, dialect: Dialect, X: np.ndarray, label_ok, drop_invalid: bool):
    """None when every row is usable; else the rows kept (``drop_invalid``) or a DataError."""
    if np.isfinite(X.min()) and np.isfinite(X.max()):  # the common case: one flat pass
        ok = np.ones(X.shape[0], dtype=bool)
    else:
        ok = np.isfinite(X).all(axis=1)
    if label_ok is not None:
        ok &= label_ok
    n_bad = int(X.shape[0] - np.count_nonzero(ok))
    if not n_bad:
        return None
    if not drop_invalid:
        bad_rows = np.flatnonzero(~ok)[:5].tolist()
        where = ", ".join(str(n) for n in _line_numbers(path, dialect, bad_rows))
        more = ", …" if n_bad > 5 else ""
        kind = "row has" if n_bad == 1 else "rows have"
        raise DataError(
            f"{n_bad} {kind} missing or infinite values in '{path.name}' "
            f"({dialect.unit}{'s' if n_bad > 1 else ''} {where}{more}). ClusterLab can drop "
            f"{'it' if n_bad == 1 else 'them'} and keep the other {X.shape[0] - n_bad}.",
            fix="drop_invalid", fix_label=f"Drop {n_bad} row{'s' if n_bad > 1 else ''}")
    kept = int(np.count_nonzero(ok))
    if kept < 2:
        raise DataError(f"The file '{path.name}' has only {kept} usable row"
                        f"{'' if kept == 1 else 's'}; clustering needs at least two.")
    return ok


def _refuse_overflow(path: Path, X: np.ndarray, names) -> None:
    if X.size == 0 or max(-X.min(), X.max()) <= MAX_ABS_VALUE:
        return
    biggest = np.maximum(-X.min(axis=0), X.max(axis=0))
    over = np.flatnonzero(biggest > MAX_ABS_VALUE)
    if over.size:
        j = int(over[0])
        raise DataError(
            f"Column '{names[j]}' of '{path.name}' holds values as large as {biggest[j]:.3g}; "
            f"distances between such values overflow, so ClusterLab needs values below "
            f"{MAX_ABS_VALUE:.0e} in size. Rescale the column first.")


def _class_names(uniques, sklearn_names) -> tuple[str, ...]:
    values = list(uniques)
    if sklearn_names and all(float(v).is_integer() and 0 <= int(v) < len(sklearn_names)
                             for v in values):
        return tuple(sklearn_names[int(v)] for v in values)
    out = []
    for v in values:
        if isinstance(v, (float, np.floating)) and float(v).is_integer():
            v = int(v)
        out.append(str(v))
    return tuple(out)


def _columns(positions: list[int]) -> str:
    if positions == list(range(positions[0], positions[-1] + 1)):
        return f"{positions[0]}:{positions[-1] + 1}"
    return "[" + ", ".join(str(p) for p in positions) + "]"


def _py(value) -> str:
    """Python source for a value, strings in double quotes."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_py(v) for v in value) + "]"
    return repr(value)


def _snippet(path: Path, kwargs: dict, features: list[int], t, drop_invalid: bool,
             source: str = "text") -> str:
    args = "".join(f", {k}={_py(v)}" for k, v in kwargs.items())
    read = "read_csv" if source == "text" else "read_parquet"
    lines = ["import numpy as np", "import pandas as pd", "",
             f"df = pd.{read}({_py(str(path))}{args})",
             f"X = df.iloc[:, {_columns(features)}].to_numpy(dtype=float)"]
    labels = None if t is None else f"df.iloc[:, {t}]"
    if drop_invalid:
        lines.append("keep = np.isfinite(X).all(axis=1)"
                     + ("" if labels is None else f" & {labels}.notna().to_numpy()"))
        lines.append("X = X[keep]")
        if labels is not None:
            labels += "[keep]"
    if labels is not None:
        lines.append(f"y, class_names = pd.factorize({labels}, sort=True)")
    if not drop_invalid:
        lines.remove("import numpy as np")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- .npy
def _check_npy_header(path: Path) -> None:
    """Refuse objects and headers that promise more values than the file holds, before
    numpy allocates anything."""
    fmt = np.lib.format
    try:
        with path.open("rb") as f:
            version = fmt.read_magic(f)
            if version == (1, 0):
                shape, fortran, dtype = fmt.read_array_header_1_0(f)
            elif version in ((2, 0), (3, 0)):
                shape, fortran, dtype = fmt.read_array_header_2_0(f)
            else:
                raise ValueError(f"unknown version {version}")
            offset = f.tell()
    except OSError as exc:
        raise _open_error(path, exc) from exc
    except (ValueError, EOFError, SyntaxError) as exc:
        raise DataError(f"The file '{path.name}' is not a valid .npy array file.") from exc
    if dtype.hasobject:
        raise DataError(
            f"The file '{path.name}' holds Python objects; for safety ClusterLab only "
            "opens .npy files of plain numbers.")
    count = math.prod(shape)
    needed, held = count * dtype.itemsize, path.stat().st_size - offset
    if needed > held:
        raise DataError(
            f"The file '{path.name}' says it holds {count:,} values ({_human_bytes(needed)}) "
            f"but has only {_human_bytes(held)} of data: it is truncated or damaged.")


def _load_npy(path: Path, *, drop_invalid: bool) -> Dataset:
    _check_npy_header(path)
    try:
        arr = np.load(path, allow_pickle=False)
    except OSError as exc:
        raise _open_error(path, exc) from exc
    except (ValueError, EOFError) as exc:
        raise DataError(f"The file '{path.name}' is not a valid .npy array file.") from exc
    if arr.dtype.names is not None or not (
        np.issubdtype(arr.dtype, np.number) or arr.dtype == bool
    ) or np.iscomplexobj(arr):
        raise DataError(
            f"The array in '{path.name}' has type {arr.dtype}; ClusterLab clusters real numbers only."
        )
    one_d = arr.ndim == 1
    if one_d:
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
    ok = np.isfinite(X).all(axis=1)
    n_bad = int(X.shape[0] - np.count_nonzero(ok))
    if n_bad and not drop_invalid:
        where = ", ".join(str(i + 1) for i in np.flatnonzero(~ok)[:5])
        raise DataError(
            f"{n_bad} {'row has' if n_bad == 1 else 'rows have'} missing or infinite values in "
            f"'{path.name}' (row{'s' if n_bad > 1 else ''} {where}{', …' if n_bad > 5 else ''}). "
            f"ClusterLab can drop {'it' if n_bad == 1 else 'them'} and keep the other "
            f"{X.shape[0] - n_bad}.",
            fix="drop_invalid", fix_label=f"Drop {n_bad} row{'s' if n_bad > 1 else ''}")
    if n_bad:
        X = X[ok]
        if X.shape[0] < 2:
            raise DataError(f"The file '{path.name}' has only {X.shape[0]} usable row"
                            f"{'' if X.shape[0] == 1 else 's'}; clustering needs at least two.")
    names = tuple(f"x{i + 1}" for i in range(X.shape[1]))
    _refuse_overflow(path, X, names)
    code = f'import numpy as np\n\nX = np.load({_py(str(path))}, allow_pickle=False)\n'
    if one_d:
        code += "X = X.reshape(-1, 1)\n"
    if n_bad:
        code += "X = X[np.isfinite(X).all(axis=1)]\n"
    return Dataset(
        name=path.name, X=X, feature_names=names,
        description=f"{X.shape[0]} rows × {X.shape[1]} features read from {path.name}.",
        source=str(path), code=code, key=f"file:{path.resolve()}",
        extra={"load_options": {"drop_invalid": drop_invalid}},
    )


__all__ = ["MAX_ABS_VALUE", "file_kind", "read_table"]
