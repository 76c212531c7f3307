"""Data bigger than memory, and K-Means where the data is: on one machine or a Dask cluster.

* :func:`open_array` memory-maps a ``.npy`` file, or converts a Parquet or CSV table, chunk
  by chunk, into a ``.npy`` cache it then memory-maps (progress and Cancel while it converts;
  the cache is written atomically, so a cancelled or crashed conversion leaves nothing).
* :func:`fit_kmeans_streaming` fits K-Means on data of any size: the initial centres are a
  K-Means fit (k-means++, several starts) on a random sample of rows, then exact Lloyd passes
  run over the data chunk by chunk, each chunk contributing partial sums (the count and the
  coordinate sum of every centre, the exact squared-distance inertia). Memory is bounded by
  the chunk size. ``method="minibatch"`` runs ``MiniBatchKMeans.partial_fit`` passes instead.
* With ``client=`` (a ``dask.distributed.Client``) the same fit runs on a Dask cluster: the
  data are ``.npy`` or Parquet shards the workers read themselves (nothing is sent from this
  process but paths and centres); every Lloyd step is one map of partial sums over the chunks
  reduced here; the sample for the initial centres is drawn, and fitted, on the workers.

A Lloyd pass is scikit-learn's Lloyd iteration: the data are centred by their mean, the
tolerance is ``tol`` times the mean variance of the features, the run stops when the squared
total centre shift is within it (a pass in which no label changed moves no centre, so
scikit-learn's strict rule is the same stop), empty clusters take the points farthest from
their centres. So after the same passes the centres are those of
``KMeans(init=result.init, n_init=1, algorithm="lloyd")`` on the whole data.
"""

from __future__ import annotations

import hashlib
import math
import numbers
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.errors import DataError
from core.kmeans import (
    KMeansResult,
    _average,
    _check_init,
    _check_k,
    _check_positive_int,
    _frozen,
    _Kernels,
    _numpy_assign,
    fit_warnings,
)
from core.progress import ProgressFn, report, scaled

__all__ = [
    "BackendCheck",
    "StreamingKMeansResult",
    "StreamingStepper",
    "array_shape",
    "available_memory",
    "busy_tasks",
    "check_backend",
    "connect",
    "fit_kmeans_streaming",
    "open_array",
    "sample_rows",
]

#: Bytes of float64 values one chunk holds (what a pass keeps in memory at once).
CHUNK_BYTES = 32 << 20

#: Rows per OpenMP thread below which a chunk is assigned by one thread.
THREAD_ROWS = 32_768

#: Rows of the view sample returned with a fit (its labels are the fit's ``labels``).
VIEW_SAMPLE = 100_000

#: k-means++ starts of the fit on the sample that gives the initial centres.
SAMPLE_STARTS = 3

#: Rows pandas/pyarrow convert at a time into the cache.
CONVERT_ROWS = 1 << 17

#: The fixed size of the .npy header the converter writes (rewritten once the rows are known).
_HEADER_BYTES = 128


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class StreamingKMeansResult(KMeansResult):
    """A :class:`core.kmeans.KMeansResult` fitted on the whole data, chunk by chunk.

    ``labels`` are those of the view sample: ``sample`` (m, d) holds its rows, which are rows
    ``sample_index`` of the data. ``n_iter`` is the number of passes (Lloyd steps) over the
    data, ``init`` the centres they started from, ``history[t]`` the centres after ``t``
    passes and ``history_inertia[t]`` their exact inertia on the whole data.
    ``run_inertias`` holds the inertia of the fit on the initial sample (``init_sample`` rows).
    """

    n_samples: int = 0
    sample: np.ndarray | None = None
    sample_index: np.ndarray | None = None
    init_sample: int = 0
    n_chunks: int = 0
    #: seconds each pass took (wall clock)
    pass_seconds: tuple[float, ...] = ()
    #: "this process" or the scheduler's address
    backend: str = "this process"


@dataclass(frozen=True)
class _Part:
    """One chunk of rows: rows ``start:stop`` of a ``.npy`` file or of the array in memory
    (``kind`` "npy"/"array"), or row group ``group`` of a Parquet file; ``offset`` is the
    global index of its first row."""

    kind: str
    path: str
    start: int
    stop: int
    offset: int
    group: int = -1
    columns: tuple[str, ...] | None = None
    header: int = 0
    dtype: str = "<f8"
    n_cols: int = 0

    @property
    def rows(self) -> int:
        return self.stop - self.start


# --------------------------------------------------------------------------- files


def available_memory() -> int:
    """Bytes of memory available to a new allocation (psutil when installed, else sysconf)."""
    try:
        import psutil

        return int(psutil.virtual_memory().available)
    except ImportError:
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):  # pragma: no cover - not POSIX
        return 8 << 30


def array_shape(path) -> tuple[int, int]:
    """Rows and columns of a ``.npy`` or Parquet file from its header (reads no data)."""
    meta = _shard_meta(str(path))
    return meta["n_rows"], meta["n_cols"]


def _default_cache_dir() -> Path:
    base = os.environ.get("CLUSTERLAB_DATA_DIR")
    if base:
        return Path(base) / "cache"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "clusterlab"


def _npy_header(path: str) -> tuple[tuple, np.dtype, bool, int]:
    """shape, dtype, fortran order and data offset of a ``.npy`` file."""
    fmt = np.lib.format
    with open(path, "rb") as f:
        version = fmt.read_magic(f)
        if version == (1, 0):
            shape, fortran, dtype = fmt.read_array_header_1_0(f)
        else:
            shape, fortran, dtype = fmt.read_array_header_2_0(f)
        return shape, dtype, fortran, f.tell()


def _check_npy(path: str) -> tuple[int, int, np.dtype, int]:
    name = Path(path).name
    try:
        shape, dtype, fortran, offset = _npy_header(path)
    except FileNotFoundError as exc:
        raise DataError(f"The file '{path}' does not exist.") from exc
    except OSError as exc:
        raise DataError(f"The file '{name}' cannot be read ({exc.strerror or exc}).") from exc
    except ValueError as exc:
        raise DataError(f"The file '{name}' is not a readable NumPy array.") from exc
    if dtype.hasobject or dtype.kind not in "biuf":
        raise DataError(f"The array in '{name}' holds {dtype} values; ClusterLab clusters "
                        "numbers (integers or floats).")
    if len(shape) == 1:
        shape = (shape[0], 1)
    if len(shape) != 2:
        raise DataError(f"The array in '{name}' has {len(shape)} dimensions; a table has two "
                        "(rows x features).")
    if fortran and shape[1] > 1:
        raise DataError(f"The array in '{name}' is stored column by column (Fortran order); "
                        "save it with np.save(path, np.ascontiguousarray(X)).")
    if shape[0] == 0 or shape[1] == 0:
        raise DataError(f"The array in '{name}' is empty.")
    return int(shape[0]), int(shape[1]), dtype, offset


def _parquet_columns(pf, name: str) -> tuple[list[str], list[str]]:
    """The numeric columns of a Parquet file, and its text columns."""
    import pyarrow as pa

    numeric, text = [], []
    for field in pf.schema_arrow:
        t = field.type
        if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_boolean(t):
            numeric.append(field.name)
        else:
            text.append(field.name)
    return numeric, text


def _open_parquet(path: str):
    try:
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise DataError(
            f"The file '{Path(path).name}' is a Parquet table; reading Parquet needs the "
            "optional pyarrow package (pip install pyarrow).") from exc
    try:
        return pq.ParquetFile(path)
    except FileNotFoundError as exc:
        raise DataError(f"The file '{path}' does not exist.") from exc
    except Exception as exc:  # pyarrow's own errors for a damaged file
        raise DataError(f"The Parquet file '{Path(path).name}' is damaged and cannot be "
                        "read.") from exc


def _shard_meta(path: str, drop_text: bool = True) -> dict:
    """What a reader needs to know of one shard (runs where the shard is: here or a worker)."""
    name = Path(path).name
    if path.lower().endswith(".npy") or _magic(path) == b"\x93NUMPY":
        n, d, dtype, offset = _check_npy(path)
        return {"kind": "npy", "path": path, "n_rows": n, "n_cols": d, "header": offset,
                "dtype": dtype.str}
    if path.lower().endswith((".parquet", ".pq")) or _magic(path).startswith(b"PAR1"):
        pf = _open_parquet(path)
        numeric, text = _parquet_columns(pf, name)
        if text and not drop_text:
            raise DataError(f"The column '{text[0]}' of '{name}' holds text; ClusterLab "
                            "clusters numbers.", fix="drop_text", fix_label="Ignore text columns")
        if not numeric:
            raise DataError(f"The Parquet table '{name}' has no numeric column.")
        groups = [pf.metadata.row_group(g).num_rows for g in range(pf.metadata.num_row_groups)]
        if sum(groups) == 0:
            raise DataError(f"The Parquet table in '{name}' has no rows.")
        return {"kind": "parquet", "path": path, "n_rows": int(sum(groups)),
                "n_cols": len(numeric), "groups": groups, "columns": tuple(numeric)}
    raise DataError(f"'{name}' is neither a .npy array nor a Parquet table: a cluster reads "
                    "those (convert a CSV with open_array first).")


def _magic(path: str) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read(6)
    except OSError:
        return b""


def open_array(path, *, cache_dir=None, progress: ProgressFn | None = None,
               drop_text: bool = False, drop_invalid: bool = False) -> np.ndarray:
    """The table in ``path`` as a read-only (n, d) array that is not loaded into memory.

    A ``.npy`` file is memory-mapped where it is. A Parquet table (with the optional
    pyarrow) or a CSV/TSV/TXT table (read as :func:`core.datasets.load_table` reads it) is
    converted chunk by chunk into a float64 ``.npy`` file in ``cache_dir`` (default: the data
    folder's ``cache``), written atomically and reused while the source is unchanged; then it
    is memory-mapped. ``progress(fraction)`` is called while converting and may raise
    :class:`core.errors.Cancelled` (nothing is left behind). Text columns raise
    :class:`DataError` unless ``drop_text``; missing or infinite values unless
    ``drop_invalid`` (which drops those rows).
    """
    from core.tables import file_kind

    path = Path(path)
    if not path.exists():
        raise DataError(f"The file '{path}' does not exist.")
    if path.is_dir():
        raise DataError(f"'{path}' is a folder, not a file.")
    if path.stat().st_size == 0:
        raise DataError(f"The file '{path.name}' is empty.")
    kind, what = file_kind(path)
    if kind == "npy":
        n, d, _dtype, _offset = _check_npy(str(path))
        report(progress, 1.0)
        arr = np.load(path, mmap_mode="r", allow_pickle=False)
        return arr.reshape(n, d) if arr.ndim == 1 else arr
    if kind not in ("parquet", "text"):
        raise DataError(f"'{path.name}' is {what}, not a table.")
    cache = Path(cache_dir) if cache_dir is not None else _default_cache_dir()
    st = path.stat()
    key = f"{path.resolve()}|{st.st_size}|{st.st_mtime_ns}|{drop_text}|{drop_invalid}"
    target = cache / f"{path.stem}-{hashlib.sha1(key.encode()).hexdigest()[:12]}.npy"
    if not target.exists():
        if kind == "parquet":
            _convert_parquet(path, target, progress, drop_text, drop_invalid)
        else:
            _convert_text(path, target, progress, drop_text, drop_invalid)
    report(progress, 1.0)
    return np.load(target, mmap_mode="r", allow_pickle=False)


class _NpyWriter:
    """Rows appended to a ``.npy`` file whose header is written once their number is known."""

    def __init__(self, fh, name: str, drop_invalid: bool):
        self.fh, self.name, self.drop_invalid = fh, name, drop_invalid
        self.n = 0
        self.d: int | None = None
        self.dropped = 0
        fh.write(b"\0" * _HEADER_BYTES)

    def append(self, block: np.ndarray, first_line: int, unit: str) -> None:
        block = np.ascontiguousarray(block, dtype="<f8")
        if self.d is None:
            self.d = block.shape[1]
        finite = np.isfinite(block).all(axis=1)
        if not finite.all():
            if not self.drop_invalid:
                row = int(np.argmin(finite))
                raise DataError(f"{unit.capitalize()} {first_line + row} of '{self.name}' has a "
                                "missing or infinite value.", fix="drop_invalid",
                                fix_label="Drop rows with missing values")
            self.dropped += int((~finite).sum())
            block = block[finite]
        self.fh.write(block.tobytes())
        self.n += block.shape[0]

    def finish(self) -> None:
        if not self.n or not self.d:
            raise DataError(f"The table in '{self.name}' has no usable rows.")
        header = {"descr": "<f8", "fortran_order": False, "shape": (self.n, self.d)}
        text = repr(header).encode("latin1")
        pad = _HEADER_BYTES - 10 - len(text) - 1
        if pad < 0:  # pragma: no cover - a table of 10**40 rows
            raise DataError(f"The table in '{self.name}' is too large.")
        self.fh.seek(0)
        self.fh.write(b"\x93NUMPY\x01\x00" + (_HEADER_BYTES - 10).to_bytes(2, "little")
                      + text + b" " * pad + b"\n")


def _convert_text(path: Path, target: Path, progress, drop_text: bool,
                  drop_invalid: bool) -> None:
    import pandas as pd

    from core.storage import atomic_writer
    from core.tables import _detect_encoding, _read_head, _sniff

    head = _read_head(path)
    dialect = _sniff(path, head, _detect_encoding(path, head))
    kwargs = dialect.read_csv_kwargs()
    size = max(path.stat().st_size, 1)
    first_line = 2 if dialect.header or dialect.sklearn is not None else 1
    report(progress, 0.0)
    with atomic_writer(target) as out, path.open("rb") as raw:
        writer = _NpyWriter(out, path.name, drop_invalid)
        cols = None
        try:
            reader = pd.read_csv(raw, engine="c", chunksize=CONVERT_ROWS, **kwargs)
            for chunk in reader:
                if cols is None:
                    numeric = [j for j in range(chunk.shape[1])
                               if pd.api.types.is_numeric_dtype(chunk.iloc[:, j])
                               and not pd.api.types.is_bool_dtype(chunk.iloc[:, j])]
                    text = [j for j in range(chunk.shape[1]) if j not in numeric]
                    if dialect.sklearn is not None:
                        numeric = [j for j in numeric if j != chunk.shape[1] - 1]
                    if text and not drop_text:
                        raise DataError(f"The column '{chunk.columns[text[0]]}' of "
                                        f"'{path.name}' holds text; ClusterLab clusters numbers.",
                                        fix="drop_text", fix_label="Ignore text columns")
                    if not numeric:
                        raise DataError(f"The table in '{path.name}' has no numeric column.")
                    cols = numeric
                try:
                    block = chunk.iloc[:, cols].to_numpy(dtype=np.float64)
                except (TypeError, ValueError) as exc:
                    raise DataError(f"A column of '{path.name}' holds text after line "
                                    f"{first_line + writer.n}; ClusterLab clusters "
                                    "numbers.") from exc
                writer.append(block, first_line + writer.n + writer.dropped, "line")
                report(progress, 0.98 * raw.tell() / size)
        except pd.errors.EmptyDataError as exc:
            raise DataError(f"The file '{path.name}' is empty.") from exc
        except pd.errors.ParserError as exc:
            raise DataError(f"The file '{path.name}' cannot be read as a table: every row "
                            "must have the same number of values.") from exc
        writer.finish()


def _convert_parquet(path: Path, target: Path, progress, drop_text: bool,
                     drop_invalid: bool) -> None:
    from core.storage import atomic_writer

    meta = _shard_meta(str(path), drop_text=drop_text)
    pf = _open_parquet(str(path))
    total = max(meta["n_rows"], 1)
    report(progress, 0.0)
    with atomic_writer(target) as out:
        writer = _NpyWriter(out, path.name, drop_invalid)
        done = 0
        for batch in pf.iter_batches(batch_size=CONVERT_ROWS, columns=list(meta["columns"])):
            writer.append(_batch_values(batch), done + 1, "row")
            done += batch.num_rows
            report(progress, 0.98 * done / total)
        writer.finish()


def _batch_values(batch) -> np.ndarray:
    """A pyarrow RecordBatch or Table of numeric columns as a float64 (rows, cols) array."""
    out = np.empty((batch.num_rows, batch.num_columns), dtype=np.float64)
    for j in range(batch.num_columns):
        col = batch.column(j)
        if hasattr(col, "combine_chunks"):
            col = col.combine_chunks()
        out[:, j] = col.to_numpy(zero_copy_only=False).astype(np.float64, copy=False)
    return out


# --------------------------------------------------------------------------- reading chunks


def _read_part(part: _Part, array=None) -> np.ndarray:
    """The rows of ``part`` as a C-ordered float64 array (a copy: the file stays on disk)."""
    if part.kind == "array":
        return np.array(array[part.start:part.stop], dtype=np.float64, order="C")
    if part.kind == "npy":
        dtype = np.dtype(part.dtype)
        d = part.n_cols
        count = part.rows * d
        with open(part.path, "rb") as f:
            f.seek(part.header + part.start * d * dtype.itemsize)
            raw = np.fromfile(f, dtype=dtype, count=count)
        if raw.size != count:
            raise DataError(f"The file '{Path(part.path).name}' is shorter than its header "
                            "says: it was cut or is still being written.")
        return np.ascontiguousarray(raw.reshape(part.rows, d), dtype=np.float64)
    pf = _open_parquet(part.path)
    return _batch_values(pf.read_row_group(part.group, columns=list(part.columns)))


def _chunk_parts(metas: list[dict], chunk_rows: int) -> list[_Part]:
    parts: list[_Part] = []
    offset = 0
    for meta in metas:
        if meta["kind"] == "parquet":
            start = 0
            for g, rows in enumerate(meta["groups"]):
                if rows:
                    parts.append(_Part("parquet", meta["path"], start, start + rows,
                                       offset + start, group=g, columns=meta["columns"],
                                       n_cols=meta["n_cols"]))
                start += rows
        else:
            n = meta["n_rows"]
            for s in range(0, n, chunk_rows):
                e = min(n, s + chunk_rows)
                parts.append(_Part(meta["kind"], meta.get("path", ""), s, e, offset + s,
                                   header=meta.get("header", 0), dtype=meta.get("dtype", "<f8"),
                                   n_cols=meta["n_cols"]))
        offset += meta["n_rows"]
    return parts


# --------------------------------------------------------------------------- per-chunk work
# These run where the chunk is read: in this process, or on a Dask worker (which imports this
# module: ClusterLab must be installed on the workers).


def _stats_task(part: _Part, pick: np.ndarray, array=None) -> dict:
    """Count, mean and sum of squared deviations of a chunk, its rows ``pick`` (the sample)."""
    X = _read_part(part, array)
    finite = np.isfinite(X).all(axis=1)
    if not finite.all():
        row = part.offset + int(np.argmin(finite))
        raise DataError(f"Row {row + 1} of the data has a missing or infinite value; "
                        "clean the data first.")
    mean = X.mean(axis=0)
    dev = X - mean
    m2 = np.einsum("ij,ij->j", dev, dev)
    return {"n": X.shape[0], "mean": mean, "m2": m2, "sample": X[pick]}


def _assign(Xc: np.ndarray, centers: np.ndarray) -> tuple[np.ndarray, float]:
    """Nearest centre of every row and the exact inertia (scikit-learn's kernels if trusted)."""
    labels = np.empty(Xc.shape[0], dtype=np.int32)
    kern = _Kernels.get()
    if kern is None:
        return labels, _numpy_assign(Xc, centers, labels)
    weights = np.ones(Xc.shape[0], dtype=np.float64)
    shift = np.zeros(centers.shape[0], dtype=np.float64)
    # OpenMP threads pay off on big chunks only (a small one is done before they meet)
    threads = max(1, min(kern.n_threads, Xc.shape[0] // THREAD_ROWS))
    kern.lloyd_iter(Xc, weights, centers, None, None, labels, shift, threads,
                    update_centers=False)
    return labels, float(kern.inertia(Xc, weights, centers, labels, threads))


def _lloyd_task(part: _Part, centers: np.ndarray, mean: np.ndarray, array=None) -> tuple:
    """Partial sums of one chunk for a Lloyd step: counts (k,), coordinate sums (k, d) of the
    centred rows nearest each centre, and their squared-distance inertia."""
    Xc = _read_part(part, array)
    Xc -= mean
    k, d = centers.shape
    labels, inertia = _assign(Xc, centers)
    counts = np.bincount(labels, minlength=k).astype(np.float64)
    sums = np.empty((k, d), dtype=np.float64)
    for f in range(d):
        sums[:, f] = np.bincount(labels, weights=Xc[:, f], minlength=k)
    return counts, sums, inertia


def _far_task(part: _Part, centers: np.ndarray, mean: np.ndarray, top: int,
              array=None) -> tuple:
    """The ``top`` rows of a chunk farthest from their nearest centre: squared distances,
    centred rows and labels (only needed when a cluster lost all its points)."""
    Xc = _read_part(part, array)
    Xc -= mean
    labels, _ = _assign(Xc, centers)
    dist = ((Xc - centers[labels]) ** 2).sum(axis=1)
    top = min(top, dist.shape[0])
    idx = np.argpartition(dist, -top)[-top:]
    return dist[idx], Xc[idx], labels[idx]


def _executing(dask_worker=None) -> int:
    """Tasks a Dask worker is running right now (``client.run`` calls it on every worker)."""
    state = getattr(dask_worker, "state", dask_worker)
    return len(getattr(state, "executing", ()) or ())


def _init_task(samples: list, n_clusters: int, n_init: int, random_state, view: np.ndarray):
    """K-Means (k-means++, ``n_init`` starts) on the sample gathered from the chunks; the
    initial centres, that fit's inertia and the view sample's rows."""
    from core.kmeans import fit_kmeans

    sample = np.concatenate(samples, axis=0)
    fit = fit_kmeans(sample, n_clusters, n_init=n_init, random_state=random_state)
    return np.asarray(fit.centers), float(fit.inertia), sample[view]


# --------------------------------------------------------------------------- runners


class _Local:
    """Runs the per-chunk work here, one chunk after the other."""

    name = "this process"

    def __init__(self, array=None):
        self.array = array

    def meta(self, paths: list[str]) -> list[dict]:
        return [_shard_meta(p) for p in paths]

    def map(self, fn, parts: list[_Part], progress, args: list | None = None, **kw) -> list:
        out = []
        for i, part in enumerate(parts):
            extra = () if args is None else (args[i],)
            out.append(fn(part, *extra, array=self.array, **kw) if self.array is not None
                       else fn(part, *extra, **kw))
            report(progress, (i + 1) / len(parts))
        return out

    def init(self, stats: list, n_clusters, n_init, random_state, view, progress):
        from core.kmeans import fit_kmeans

        # popped: the chunks' pieces go as soon as the sample is one array
        sample = np.concatenate([s.pop("sample") for s in stats], axis=0)
        fit = fit_kmeans(sample, n_clusters, n_init=n_init, random_state=random_state,
                         progress=progress)
        return np.asarray(fit.centers), float(fit.inertia), sample[view]


class _Dask:
    """Runs the per-chunk work on a Dask cluster: one map of tasks per step, gathered here as
    they finish (progress per chunk), cancelled on the cluster when ``progress`` cancels."""

    def __init__(self, client):
        self.client = client
        self.name = str(getattr(getattr(client, "scheduler", None), "address", "")
                        or "a Dask cluster")

    def _keys(self, what: str, n: int) -> list[str]:
        token = uuid.uuid4().hex[:10]
        return [f"clusterlab-{what}-{token}-{i}" for i in range(n)]

    def _wait(self, futures: list, progress, with_results: bool = True) -> list:
        from distributed import as_completed

        index = {f.key: i for i, f in enumerate(futures)}
        out: list = [None] * len(futures)
        done = 0
        try:
            report(progress, 0.0)
            batches = as_completed(futures, with_results=with_results)
            while done < len(futures):
                batch = batches.next_batch(block=False)
                if not batch:
                    time.sleep(0.01)
                    report(progress, done / len(futures))  # lets a Cancel in between chunks
                    continue
                for fut, result in batch:
                    out[index[fut.key]] = result
                    done += 1
                report(progress, done / len(futures))
        except BaseException:
            self.client.cancel(futures, force=True)
            raise
        return out

    def meta(self, paths: list[str]) -> list[dict]:
        futs = self.client.map(_shard_meta, paths, key=self._keys("meta", len(paths)))
        return self._wait(futs, None)

    def map(self, fn, parts: list[_Part], progress, args: list | None = None, **kw) -> list:
        name = fn.__name__.strip("_").replace("_task", "")
        keys = self._keys(name, len(parts))
        if args is None:
            futs = self.client.map(fn, parts, key=keys, **kw)
        else:
            futs = self.client.map(fn, parts, args, key=keys, **kw)
        return self._wait(futs, progress)

    def stats(self, parts: list[_Part], picks: list, progress):
        """The statistics pass; the sample rows stay on the workers (futures)."""
        import operator

        futs = self.client.map(_stats_task, parts, picks, key=self._keys("stats", len(parts)))
        samples = self.client.map(operator.getitem, futs, ["sample"] * len(futs),
                                  key=self._keys("sample", len(parts)))
        moments = self.client.map(_moments, futs, key=self._keys("moments", len(parts)))
        try:
            out = self._wait(moments, progress)
        except BaseException:
            self.client.cancel(futs + samples, force=True)
            raise
        del futs
        return out, samples

    def init(self, samples: list, n_clusters, n_init, random_state, view, progress):
        fut = self.client.submit(_init_task, samples, n_clusters, n_init, random_state, view,
                                 key=self._keys("init", 1)[0])
        try:
            return self._wait([fut], progress)[0]
        finally:
            self.client.cancel(samples)


def _moments(stats: dict) -> dict:
    return {"n": stats["n"], "mean": stats["mean"], "m2": stats["m2"]}


# --------------------------------------------------------------------------- sources


def _paths(source) -> list[str] | None:
    if isinstance(source, (str, os.PathLike)):
        return [os.fspath(source)]
    if isinstance(source, (list, tuple)) and source and all(
            isinstance(s, (str, os.PathLike)) for s in source):
        return [os.fspath(s) for s in source]
    return None


def _memmap_file(arr: np.ndarray) -> str | None:
    """The .npy file a memory-mapped array is the whole of (read it by path), or None."""
    if not isinstance(arr, np.memmap) or not getattr(arr, "filename", None):
        return None
    try:
        n, d, dtype, _ = _check_npy(arr.filename)
    except DataError:
        return None
    if arr.ndim == 2 and arr.shape == (n, d) and arr.dtype == dtype and arr.flags.c_contiguous:
        return str(arr.filename)
    return None


def _plan(source, runner, chunk_rows: int | None, client_given: bool):
    """(parts, n, d, array): the chunks of the data and where they are read."""
    paths = _paths(source)
    array = None
    if paths is None:
        if isinstance(source, np.ndarray) and _memmap_file(source):
            paths = [_memmap_file(source)]
        elif client_given:
            raise DataError("A Dask cluster reads the data itself: give the paths of .npy or "
                            "Parquet files the workers can read, not an array in memory.")
        else:
            try:
                array = np.asarray(source)
            except (TypeError, ValueError) as exc:
                raise DataError("The data must be numbers.") from exc
            if array.ndim != 2 or array.dtype.kind not in "biuf":
                raise DataError("The data must be a two-dimensional array of numbers "
                                f"(rows x features), not {array.ndim}-D {array.dtype}.")
            if array.shape[0] == 0 or array.shape[1] == 0:
                raise DataError("The data are empty.")
            metas = [{"kind": "array", "n_rows": array.shape[0], "n_cols": array.shape[1]}]
    if paths is not None:
        if not client_given:
            paths = [_local_path(p) for p in paths]
        metas = runner.meta(paths)
    d = metas[0]["n_cols"]
    for meta in metas[1:]:
        if meta["n_cols"] != d:
            raise DataError(f"The shards have different numbers of columns ({d} and "
                            f"{meta['n_cols']} in '{Path(meta['path']).name}').")
    if chunk_rows is None:
        chunk_rows = max(1, CHUNK_BYTES // (8 * d))
    parts = _chunk_parts(metas, int(chunk_rows))
    n = sum(m["n_rows"] for m in metas)
    return parts, n, d, array


def _local_path(path: str) -> str:
    """A CSV (or other table) read here is converted to the .npy cache first."""
    p = Path(path)
    if p.suffix.lower() in (".npy", ".parquet", ".pq"):
        return path
    arr = open_array(p)
    return str(arr.filename)


def _picks(parts: list[_Part], n: int, m: int, rng) -> tuple[np.ndarray, list[np.ndarray]]:
    """``m`` rows drawn uniformly without replacement; per part its local row indices."""
    index = np.arange(n) if m >= n else np.sort(rng.choice(n, size=m, replace=False))
    starts = np.array([p.offset for p in parts] + [n])
    cuts = np.searchsorted(index, starts)
    return index, [index[cuts[i]:cuts[i + 1]] - parts[i].offset for i in range(len(parts))]


def _merge_moments(stats: list[dict]) -> tuple[int, np.ndarray, np.ndarray]:
    """Count, mean and per-feature variance of all chunks (Chan et al.'s pairwise merge)."""
    n, mean, m2 = 0, None, None
    for s in stats:
        nb = s["n"]
        if mean is None:
            n, mean, m2 = nb, np.array(s["mean"], dtype=np.float64), np.array(s["m2"])
            continue
        delta = s["mean"] - mean
        tot = n + nb
        mean = mean + delta * (nb / tot)
        m2 = m2 + s["m2"] + delta ** 2 * (n * nb / tot)
        n = tot
    return n, mean, m2 / n


# --------------------------------------------------------------------------- the fit


def _pass_share(i: int, max_iter: int) -> float:
    """Where pass ``i`` starts on the progress bar: the first passes take the most room (a
    fit usually settles long before ``max_iter``), and pass ``max_iter`` ends it."""
    return max(i / max_iter, i / (i + 5))


def _reduce(results: list) -> tuple[np.ndarray, np.ndarray, float]:
    counts = np.zeros_like(results[0][0])
    sums = np.zeros_like(results[0][1])
    inertia = 0.0
    for c, s, i in results:
        counts += c
        sums += s
        inertia += i
    return counts, sums, inertia


def _lloyd_pass(runner, parts, centers: np.ndarray, mean: np.ndarray, progress
                ) -> tuple[np.ndarray, float, float, np.ndarray]:
    """One exact Lloyd step over every chunk (one map-reduce): the next centred centres,
    their squared total shift, the exact inertia of ``centers`` and the cluster sizes."""
    counts, sums, inertia = _reduce(runner.map(_lloyd_task, parts, progress,
                                               centers=centers, mean=mean))
    sizes = counts.copy()
    if not counts.all():
        _relocate(runner, parts, centers, mean, counts, sums, progress)
    _average(sums, counts)
    shift = float(((sums - centers) ** 2).sum())
    return np.ascontiguousarray(sums), shift, float(inertia), sizes


def _relocate(runner, parts, centers, mean, counts, sums, progress) -> None:
    """scikit-learn's relocation of empty clusters: each takes one of the points farthest
    from their centres (found by one more pass), in place on ``counts`` and ``sums``."""
    empty = np.where(counts == 0)[0]
    far = runner.map(_far_task, parts, progress, centers=centers, mean=mean, top=len(empty))
    dist = np.concatenate([f[0] for f in far])
    rows = np.concatenate([f[1] for f in far])
    labels = np.concatenate([f[2] for f in far])
    if dist.size == 0 or dist.max() == 0:
        return
    order = np.argsort(-dist, kind="stable")[:len(empty)]
    for new_id, i in zip(empty, order):
        old_id = labels[i]
        sums[old_id] -= rows[i]
        sums[new_id] = rows[i]
        counts[new_id] = 1.0
        counts[old_id] -= 1.0


@dataclass
class _Begun:
    """What every fit or stepper starts from: the chunks and where they run, the data's mean
    (the centring), the tolerance in squared units, the initial centres and the view."""

    runner: object
    parts: list
    n: int
    d: int
    k: int
    m: int
    max_iter: int
    mean: np.ndarray
    tol_abs: float
    start: np.ndarray
    sample_inertia: float
    view: np.ndarray
    sample_index: np.ndarray
    view_pos: np.ndarray


def _begin(source, n_clusters, init, init_sample, max_iter, tol, random_state, client,
           chunk_rows, view_sample, n_init, progress) -> _Begun:
    """Check the parameters, plan the chunks, read the statistics pass (mean, variance and
    the sample in one read) and find the initial centres (``init``, or K-Means on the
    sample). ``progress`` runs 0 -> 1 over it."""
    max_iter = _check_positive_int(max_iter, "max_iter")
    init_sample = _check_positive_int(init_sample, "init_sample", minimum=1)
    if not isinstance(tol, numbers.Real) or tol < 0 or not math.isfinite(tol):
        raise DataError(f"tol must be zero or positive, not {tol}.")
    if random_state is not None and (isinstance(random_state, bool) or not isinstance(
            random_state, numbers.Integral) or not 0 <= random_state < 2**32):
        raise DataError(f"random_state must be a whole number in [0, 2**32) or None, "
                        f"not {random_state!r}.")
    runner = _Dask(client) if client is not None else _Local()
    parts, n, d, array = _plan(source, runner, chunk_rows, client is not None)
    if array is not None:
        runner.array = array
    k = _check_k(n_clusters, n)
    if init is not None:
        init = _check_init(init, k, d)
    rng = np.random.default_rng(random_state)
    m = min(init_sample, n)
    sample_index, picks = _picks(parts, n, m, rng)
    view_pos = np.sort(rng.choice(m, size=min(view_sample, m), replace=False)) \
        if view_sample < m else np.arange(m)

    # pass 0: mean and variance (centring, tolerance) and the sample, in one read
    if isinstance(runner, _Dask):
        moments, samples = runner.stats(parts, picks, scaled(progress, 0.0, 0.5))
    else:
        moments = runner.map(_stats_task, parts, scaled(progress, 0.0, 0.5), args=picks)
        samples = moments
    _, mean, var = _merge_moments(moments)
    tol_abs = float(np.mean(var) * tol) if tol else 0.0
    if init is None:
        start, sample_inertia, view = runner.init(samples, k, n_init, random_state, view_pos,
                                                  scaled(progress, 0.5, 1.0))
    else:
        sample_inertia = float("nan")
        if isinstance(runner, _Dask):
            view = runner.client.submit(_pick_rows, samples, view_pos).result()
            runner.client.cancel(samples)
        else:
            view = np.concatenate([s["sample"] for s in samples], axis=0)[view_pos]
        start = init
    del samples, moments
    return _Begun(runner, parts, n, d, k, m, max_iter, mean, tol_abs,
                  np.array(start, dtype=np.float64), sample_inertia, view, sample_index,
                  view_pos)


def fit_kmeans_streaming(
    source,
    n_clusters: int,
    init_sample: int = 1_000_000,
    max_iter: int = 300,
    tol: float = 1e-4,
    random_state=42,
    progress: ProgressFn | None = None,
    client=None,
    method: str = "lloyd",
    *,
    init=None,
    chunk_rows: int | None = None,
    view_sample: int = VIEW_SAMPLE,
    n_init: int = SAMPLE_STARTS,
) -> StreamingKMeansResult:
    """K-Means on data of any size, chunk by chunk, here or on a Dask cluster.

    ``source`` is an array (a memory-mapped one from :func:`open_array` is read by chunks
    from its file), the path of a ``.npy``/Parquet/CSV file, or a list of ``.npy`` or
    Parquet shard paths (the rows of all shards, in order). With ``client`` (a
    ``dask.distributed.Client``) the workers read the shards themselves: give paths they can
    read (a memory-mapped ``.npy`` counts as its path).

    The initial centres are ``init`` when given, else those of a K-Means fit (k-means++,
    ``n_init`` starts, ``random_state``) on ``init_sample`` rows drawn at random (on the
    workers, with a client). Then ``method="lloyd"`` runs exact Lloyd passes until the
    squared centre shift is within ``tol`` times the mean feature variance, or
    ``max_iter`` passes; ``method="minibatch"`` runs ``MiniBatchKMeans.partial_fit`` passes
    (one mini-batch per chunk, in this process) with the same stop. The inertia is exact: a
    last pass computes it for the final centres. ``progress(fraction)`` is called after
    every chunk and may raise :class:`core.errors.Cancelled` (with a client the step's tasks
    are cancelled on the cluster).
    """
    if method not in ("lloyd", "minibatch"):
        raise DataError(f"method must be 'lloyd' or 'minibatch', not '{method}'.")
    if method == "minibatch" and client is not None:
        raise DataError("MiniBatch passes run one chunk after the other in this process; on "
                        "a Dask cluster use method='lloyd' (every step runs on all workers).")
    b = _begin(source, n_clusters, init, init_sample, max_iter, tol, random_state, client,
               chunk_rows, view_sample, n_init, scaled(progress, 0.0, 0.2))
    runner, parts, mean, tol_abs, start = b.runner, b.parts, b.mean, b.tol_abs, b.start
    max_iter, k, n, m, view = b.max_iter, b.k, b.n, b.m, b.view

    passes = scaled(progress, 0.2, 0.97)
    history = [start.copy()]
    history_inertia: list[float] = []
    seconds: list[float] = []
    converged = False
    if method == "lloyd":
        centers = np.ascontiguousarray(start - mean)
        for i in range(max_iter):
            t0 = time.perf_counter()
            step = scaled(passes, _pass_share(i, max_iter), _pass_share(i + 1, max_iter))
            centers, shift, inertia, _ = _lloyd_pass(runner, parts, centers, mean, step)
            history_inertia.append(inertia)
            seconds.append(time.perf_counter() - t0)
            history.append(centers + mean)
            if shift <= tol_abs:
                converged = True
                break
        final = centers
    else:
        final, converged = _minibatch_passes(runner, parts, start, max_iter, tol_abs,
                                             random_state, passes, history, history_inertia,
                                             seconds)
        final = np.ascontiguousarray(final - mean)
    n_iter = len(history) - 1
    # the exact inertia (and cluster sizes) of the final centres: one more pass
    counts, _, inertia = _reduce(runner.map(_lloyd_task, parts, scaled(progress, 0.97, 1.0),
                                            centers=final, mean=mean))
    history_inertia.append(inertia)
    centers = final + mean
    history[-1] = centers
    view = np.asarray(view, dtype=np.float64)
    view_labels, _ = _assign(np.ascontiguousarray(view - mean), final)
    report(progress, 1.0)
    return StreamingKMeansResult(
        centers=_frozen(centers),
        labels=_frozen(view_labels, np.int32),
        inertia=float(inertia),
        n_iter=int(n_iter),
        init=_frozen(start),
        n_clusters=k,
        init_method="k-means++" if init is None else "array",
        n_init=n_init if init is None else 1,
        algorithm=method,
        max_iter=max_iter,
        random_state=int(random_state) if random_state is not None else None,
        run_inertias=_frozen([b.sample_inertia]),
        best_run=0,
        history=_frozen(np.stack(history)),
        history_inertia=_frozen(history_inertia),
        converged=converged,
        warnings=fit_warnings(None, k, converged, max_iter, distinct=int((counts > 0).sum())),
        n_samples=int(n),
        sample=_frozen(view),
        sample_index=_frozen(b.sample_index[b.view_pos], np.int64),
        init_sample=int(m),
        n_chunks=len(parts),
        pass_seconds=tuple(seconds),
        backend=runner.name,
    )


def _pick_rows(samples: list, rows: np.ndarray) -> np.ndarray:
    return np.concatenate([s["sample"] if isinstance(s, dict) else s for s in samples])[rows]


def _minibatch_passes(runner: _Local, parts, start, max_iter, tol_abs, random_state,
                      progress, history, history_inertia, seconds) -> tuple[np.ndarray, bool]:
    """``MiniBatchKMeans.partial_fit`` over the chunks, pass after pass, until the centres
    move less than the tolerance in a pass; the centres (original coordinates) and whether
    they settled. ``history``, ``history_inertia`` and ``seconds`` get one entry a pass."""
    from sklearn.cluster import MiniBatchKMeans

    k = start.shape[0]
    mbk = MiniBatchKMeans(n_clusters=k, init=start, n_init=1, random_state=random_state,
                          batch_size=max(p.rows for p in parts))
    centers = start.copy()
    for i in range(max_iter):
        t0 = time.perf_counter()
        step = scaled(progress, _pass_share(i, max_iter), _pass_share(i + 1, max_iter))
        for j, part in enumerate(parts):
            X = _read_part(part, runner.array)
            mbk.partial_fit(X)
            report(step, (j + 1) / len(parts))
        new = np.array(mbk.cluster_centers_, dtype=np.float64)
        shift = float(((new - centers) ** 2).sum())
        centers = new
        history.append(centers.copy())
        history_inertia.append(float("nan"))
        seconds.append(time.perf_counter() - t0)
        if shift <= tol_abs:
            return centers, True
    return centers, False


def sample_rows(source, n_rows: int = 1_000_000, random_state=0, *,
                progress: ProgressFn | None = None,
                chunk_rows: int | None = None) -> tuple[np.ndarray, np.ndarray, int]:
    """At most ``n_rows`` rows drawn at random (without replacement, in their order) from data
    of any size, read chunk by chunk: ``(rows, their indices, the number of rows)``. What a
    page draws when the data do not fit in memory. ``source`` as for
    :func:`fit_kmeans_streaming` (no client)."""
    n_rows = _check_positive_int(n_rows, "n_rows")
    runner = _Local()
    parts, n, _d, array = _plan(source, runner, chunk_rows, False)
    runner.array = array
    index, picks = _picks(parts, n, min(n_rows, n), np.random.default_rng(random_state))
    out = runner.map(_stats_task, parts, progress, args=picks)
    return np.concatenate([o["sample"] for o in out], axis=0), index, n


class StreamingStepper:
    """Exact Lloyd passes over data of any size, one pass a step, forwards and back: what
    the K-Means page steps through on the full data, here or on a Dask cluster.

    ``source``, ``client`` and the parameters are those of :func:`fit_kmeans_streaming`.
    Making one reads the data twice: the statistics pass (the mean that centres the data,
    the tolerance) and the pass of the initial centres (``init``, or K-Means on
    ``init_sample`` random rows). Pass 0 holds the initial centres; every :meth:`step` is one
    map-reduce of per-chunk partial sums (plus one when a cluster lost all its points), which
    gives the exact inertia of the new centres and the centres after them. After ``t`` steps
    ``centers`` are those of ``KMeans(init=init_centers, n_init=1, max_iter=t,
    algorithm="lloyd")`` on the whole data and ``inertia`` its ``inertia_``. Once the shift
    is within the tolerance (or ``max_iter`` passes ran) ``step()`` does nothing; ``back()``
    and ``reset()`` move through the passes already run (no data is read). A step that is
    cancelled (``progress`` raising :class:`core.errors.Cancelled`; on a cluster its tasks
    are cancelled) leaves the stepper where it was. Not thread-safe: one call at a time.
    """

    def __init__(self, source, n_clusters: int, *, init=None, init_sample: int = 1_000_000,
                 max_iter: int = 300, tol: float = 1e-4, random_state=42, client=None,
                 chunk_rows: int | None = None, n_init: int = SAMPLE_STARTS,
                 progress: ProgressFn | None = None):
        b = _begin(source, n_clusters, init, 1 if init is not None else init_sample, max_iter,
                   tol, random_state, client, chunk_rows, 0, n_init, scaled(progress, 0.0, 0.5))
        self._runner, self._parts, self._mean = b.runner, b.parts, b.mean
        self.n_samples, self.n_features, self.n_clusters = int(b.n), int(b.d), int(b.k)
        self.max_iter, self.tol = int(b.max_iter), float(b.tol_abs)
        self.random_state = random_state
        self.init_method = "array" if init is not None else "k-means++"
        self.init_sample = 0 if init is not None else int(b.m)
        self.sample_inertia = float(b.sample_inertia)
        self.init_centers = _frozen(b.start)
        c0 = np.ascontiguousarray(b.start - b.mean)
        t0 = time.perf_counter()
        nxt, shift, inertia, sizes = _lloyd_pass(self._runner, self._parts, c0, b.mean,
                                                 scaled(progress, 0.5, 1.0))
        self._centers_c = [c0]
        self._centers_o = [self.init_centers]
        self._inertia = [inertia]
        self._sizes = [_frozen(sizes)]
        self._next = (nxt, shift)
        self._seconds = [time.perf_counter() - t0]
        self._converged_at: int | None = None
        self._pos = 0
        report(progress, 1.0)

    # -- state ------------------------------------------------------------------------------
    @property
    def n_chunks(self) -> int:
        return len(self._parts)

    @property
    def backend(self) -> str:
        """"this process" or the scheduler's address."""
        return self._runner.name

    @property
    def iteration(self) -> int:
        """The pass shown (0: the initial centres)."""
        return self._pos

    @property
    def passes_run(self) -> int:
        """The passes already run (``step()`` up to there reads no data)."""
        return len(self._centers_c) - 1

    @property
    def centers(self) -> np.ndarray:
        """The centres after :attr:`iteration` passes (k, d), in the data's coordinates."""
        return self._centers_o[self._pos]

    @property
    def inertia(self) -> float:
        """The exact inertia of :attr:`centers` on every row."""
        return self._inertia[self._pos]

    @property
    def sizes(self) -> np.ndarray:
        """How many rows are nearest each of :attr:`centers`."""
        return self._sizes[self._pos]

    @property
    def pass_seconds(self) -> float:
        """Seconds the data pass of the current centres took (wall clock)."""
        return self._seconds[self._pos]

    @property
    def converged(self) -> bool:
        """True once the last step moved the centres by no more than the tolerance."""
        return self._converged_at is not None and self._pos == self._converged_at

    @property
    def n_iter(self) -> int | None:
        """``KMeans.n_iter_`` once the run stopped (converged or ``max_iter``), else None."""
        return self._pos if self.converged or self._pos == self.max_iter else None

    @property
    def can_step(self) -> bool:
        return not self.converged and self._pos < self.max_iter

    @property
    def history(self):
        """Centres and exact inertia of passes 0..:attr:`iteration` (a ``StepperHistory``)."""
        from core.kmeans import StepperHistory

        return StepperHistory(centers=_frozen(np.stack(self._centers_o[:self._pos + 1])),
                              inertia=_frozen(self._inertia[:self._pos + 1]))

    # -- moves ------------------------------------------------------------------------------
    def step(self, progress: ProgressFn | None = None) -> bool:
        """One pass forwards: one map-reduce over every chunk, unless it was run already;
        False (and no change) once the run stopped."""
        if not self.can_step:
            return False
        if self._pos < self.passes_run:
            self._pos += 1
            report(progress, 1.0)
            return True
        centers, shift = self._next
        t0 = time.perf_counter()
        nxt, shift_next, inertia, sizes = _lloyd_pass(self._runner, self._parts, centers,
                                                      self._mean, progress)
        # nothing changes before the pass is complete: a cancelled step leaves no trace
        self._centers_c.append(centers)
        self._centers_o.append(_frozen(centers + self._mean))
        self._inertia.append(inertia)
        self._sizes.append(_frozen(sizes))
        self._seconds.append(time.perf_counter() - t0)
        self._next = (nxt, shift_next)
        if shift <= self.tol and self._converged_at is None:
            self._converged_at = self.passes_run
        self._pos += 1
        return True

    def back(self) -> bool:
        """One pass back (no data is read); False at pass 0."""
        if self._pos == 0:
            return False
        self._pos -= 1
        return True

    def reset(self) -> None:
        """Back to pass 0 (the initial centres); the passes run stay for ``step()``."""
        self._pos = 0

    def run(self, max_steps: int | None = None, progress: ProgressFn | None = None) -> int:
        """Step until the run stops (or ``max_steps`` steps); the steps taken."""
        limit = self.max_iter if max_steps is None else _check_positive_int(
            max_steps, "max_steps", minimum=0)
        taken, total = 0, max(1, min(limit, self.max_iter - self._pos))
        while taken < limit and self.can_step:
            self.step(scaled(progress, taken / total, (taken + 1) / total))
            taken += 1
        report(progress, 1.0)
        return taken

    def run_to(self, iteration: int, progress: ProgressFn | None = None) -> None:
        """Go to pass ``iteration`` (back, or forwards until the run stops)."""
        self._pos = min(self._pos, max(0, int(iteration)))
        if self._pos < iteration:
            self.run(int(iteration) - self._pos, progress)

    def predict(self, X, iteration: int | None = None) -> np.ndarray:
        """The nearest centre of each row of ``X`` (an array in memory): the current centres,
        or those of pass ``iteration`` (a pass already run)."""
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != self.n_features:
            raise DataError(f"The rows must have {self.n_features} features.")
        t = self._pos if iteration is None else int(iteration)
        if not 0 <= t <= self.passes_run:
            raise DataError(f"Pass {t} has not been run ({self.passes_run} were).")
        labels, _ = _assign(np.ascontiguousarray(X - self._mean),
                            np.ascontiguousarray(self._centers_c[t]))
        return labels


# --------------------------------------------------------------------------- backends


@dataclass(frozen=True)
class BackendCheck:
    """What "Test connection" found: whether the cluster can run fits, and why not."""

    ok: bool
    address: str
    n_workers: int
    n_threads: int
    versions: dict
    problems: tuple[str, ...]

    @property
    def summary(self) -> str:
        if not self.ok:
            return " ".join(self.problems)
        return (f"Connected to {self.address}: {self.n_workers} worker"
                f"{'s' if self.n_workers != 1 else ''}, {self.n_threads} thread"
                f"{'s' if self.n_threads != 1 else ''}; versions match.")


#: Packages whose versions must agree between this process and the workers.
CHECKED_PACKAGES = ("dask", "distributed", "numpy", "scikit-learn", "cloudpickle", "clusterlab")


def connect(backend: str, n_workers: int = 2, timeout: float = 10.0):
    """A ``dask.distributed.Client`` for a backend setting: ``"local"`` starts a
    ``LocalCluster`` of ``n_workers`` single-threaded worker processes, a ``tcp://host:port``
    address connects to a running scheduler. Raises :class:`DataError` with a sentence."""
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:
        raise DataError("Running on a Dask cluster needs the optional dask packages: "
                        'pip install "clusterlab[dask]".') from exc
    if backend == "local":
        cluster = LocalCluster(n_workers=int(n_workers), threads_per_worker=1,
                               processes=True, host="127.0.0.1",
                               dashboard_address="127.0.0.1:0")
        return Client(cluster)
    address = backend.strip()
    if "://" not in address:
        address = "tcp://" + address
    try:
        if address.startswith("tcp://"):  # nothing listening: say so without a Client
            import socket

            host, _, port = address[6:].rpartition(":")
            socket.create_connection((host.strip("[]"), int(port)), timeout=timeout).close()
        return Client(address, timeout=timeout)
    except ValueError as exc:
        raise DataError(f"'{address}' is not a scheduler address; it looks like "
                        "tcp://host:8786.") from exc
    except (OSError, TimeoutError) as exc:
        raise DataError(f"No Dask scheduler answered at {address} ({exc}). Start one with "
                        "`dask scheduler` and check the address and the firewall.") from exc


def check_backend(client) -> BackendCheck:
    """Whether the scheduler and every worker run the same versions of the packages a fit
    needs (ClusterLab included: the workers import its chunk functions)."""
    info = client.get_versions(check=False, packages=["scikit-learn", "clusterlab"])
    mine = info["client"]["packages"]
    problems: list[str] = []
    workers = info.get("workers", {}) or {}
    if not workers:
        problems.append("The scheduler has no worker: start at least one `dask worker`.")
    for name in CHECKED_PACKAGES:
        want = mine.get(name)
        places = {"scheduler": info.get("scheduler", {}).get("packages", {})}
        places.update({w: v["packages"] for w, v in workers.items()})
        for where, pkgs in places.items():
            if where == "scheduler" and name in ("scikit-learn", "clusterlab"):
                continue  # the scheduler runs no task
            got = pkgs.get(name)
            if got != want:
                problems.append(f"{name} is {got or 'not installed'} on {where} but {want} "
                                "here.")
    sched = client.scheduler_info()
    threads = sum(w.get("nthreads", 0) for w in sched.get("workers", {}).values())
    return BackendCheck(ok=not problems, address=str(client.scheduler.address),
                        n_workers=len(sched.get("workers", {})), n_threads=int(threads),
                        versions={"client": mine}, problems=tuple(problems))


def busy_tasks(client) -> int:
    """Tasks the scheduler counts as processing plus those workers are executing (0 once a
    cancelled fit has left nothing behind)."""
    processing = sum(len(v) for v in client.processing().values())
    executing = sum(client.run(_executing).values())
    return int(processing + executing)

