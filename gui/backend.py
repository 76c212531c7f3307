"""Data bigger than memory: the compute backend setting, streaming mode, full-data fits.

* The compute backend (File ▸ Compute backend…): in this process, a local Dask cluster of n
  worker processes, or a remote Dask scheduler (``tcp://host:8786``); "Test connection"
  connects and checks that the workers run the same versions (``core.scale.check_backend``).
  Stored in QSettings under ``compute/``.
* Streaming mode: a table too big to load (over ClusterLab's table limit or a quarter of the
  available memory) is offered as a sample of at most 1M rows drawn from the whole file
  (``core.scale.open_array`` + ``sample_rows``); the dataset's name says it is a sample,
  and its ``extra["stream"]`` keeps the file, so a page can fit on the full data.
* :func:`fit_full_job` runs ``core.scale.fit_kmeans_streaming`` on the full file through the
  chosen backend (the K-Means page's "Fit on the full data").

Dask clients are made on a task's thread, kept for later fits (one per backend), and closed
when the window closes (:func:`close_clients`).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
)

from core.errors import DataError

#: Rows a page draws from data too big for memory.
SAMPLE_ROWS = 1_000_000
#: A table bigger than this share of the available memory is opened in streaming mode.
MEMORY_SHARE = 0.25

MODES = ("process", "local", "remote")
DEFAULT_ADDRESS = "tcp://127.0.0.1:8786"


@dataclass(frozen=True)
class Backend:
    """Where full-data fits run: ``mode`` is "process", "local" (``workers`` processes) or
    "remote" (the scheduler at ``address``)."""

    mode: str = "process"
    workers: int = 2
    address: str = DEFAULT_ADDRESS

    def spec(self) -> str | None:
        """What ``core.scale.connect`` takes, or None for this process."""
        return {"process": None, "local": "local", "remote": self.address}[self.mode]

    def describe(self) -> str:
        if self.mode == "local":
            return f"a local cluster of {self.workers} workers"
        if self.mode == "remote":
            return f"the scheduler at {self.address}"
        return "this process"


def load_backend(settings) -> Backend:
    mode = str(settings.value("compute/mode", "process"))
    try:
        workers = max(1, min(64, int(settings.value("compute/workers", 2))))
    except (TypeError, ValueError):
        workers = 2
    address = str(settings.value("compute/address", DEFAULT_ADDRESS) or DEFAULT_ADDRESS)
    return Backend(mode if mode in MODES else "process", workers, address)


def save_backend(settings, backend: Backend) -> None:
    settings.setValue("compute/mode", backend.mode)
    settings.setValue("compute/workers", backend.workers)
    settings.setValue("compute/address", backend.address)


# --------------------------------------------------------------------------- clients

_CLIENTS: dict[tuple, object] = {}
_LOCK = threading.Lock()


def client_for(backend: Backend):
    """The Dask client for ``backend`` (None in this process); made once, on the calling
    (task) thread, since starting a cluster takes seconds."""
    spec = backend.spec()
    if spec is None:
        return None
    from core.scale import connect

    key = (spec, backend.workers if spec == "local" else 0)
    with _LOCK:
        client = _CLIENTS.get(key)
        if client is not None and getattr(client, "status", "") == "running":
            return client
        client = connect(spec, n_workers=backend.workers)
        _CLIENTS[key] = client
        return client


def close_clients() -> None:
    """Close every client (and the local clusters they started)."""
    with _LOCK:
        clients = list(_CLIENTS.values())
        _CLIENTS.clear()
    for client in clients:
        cluster = getattr(client, "cluster", None)
        try:
            client.close()
            if cluster is not None:
                cluster.close()
        except Exception:  # noqa: BLE001 - closing at exit: nothing to tell anyone
            pass


def test_connection_job(backend: Backend) -> str:
    """Connect and compare versions; a sentence (raises DataError on a problem)."""
    from core.scale import check_backend

    client = client_for(backend)
    if client is None:
        return "Fits run in this process: nothing to connect to."
    check = check_backend(client)
    if not check.ok:
        raise DataError(check.summary)
    return check.summary


def fit_full_job(path: str, n_clusters: int, random_state: int, backend: Backend,
                 max_iter: int = 300, progress=None):
    """K-Means on every row of ``path`` through ``backend`` (progress, Cancel)."""
    from core.scale import fit_kmeans_streaming

    client = client_for(backend)
    return fit_kmeans_streaming(path, n_clusters, random_state=random_state,
                                max_iter=max_iter, client=client, progress=progress)


# --------------------------------------------------------------------------- streaming mode


def too_big(path: str) -> bool:
    """Whether ``path`` is a table (.npy, Parquet, CSV) too big to load whole."""
    from core.datasets import MAX_TABLE_BYTES
    from core.scale import available_memory
    from core.tables import file_kind

    p = Path(path)
    if not p.is_file() or file_kind(p)[0] not in ("npy", "parquet", "text"):
        return False
    size = p.stat().st_size
    return size > MAX_TABLE_BYTES or size > MEMORY_SHARE * available_memory()


def open_streaming_job(path: str, cache_dir: str, progress=None, **fixes):
    """The streaming dataset of ``path``: a random sample of at most :data:`SAMPLE_ROWS`
    rows of the whole file; ``extra["stream"]`` names the file fits read."""
    import numpy as np

    from core.datasets import Dataset
    from core.progress import scaled
    from core.scale import open_array, sample_rows

    arr = open_array(path, cache_dir=cache_dir, progress=scaled(progress, 0.0, 0.6), **fixes)
    source = str(arr.filename) if getattr(arr, "filename", None) else path
    rows, index, n = sample_rows(arr, SAMPLE_ROWS, random_state=0,
                                 progress=scaled(progress, 0.6, 1.0))
    name = Path(path).name
    note = (f"a random sample of {len(rows):,} of its {n:,} rows" if len(rows) < n
            else f"all {n:,} rows")
    options = "".join(f", {k}=True" for k, v in sorted(fixes.items()) if v)
    code = ("import numpy as np\nfrom core.scale import open_array, sample_rows\n\n"
            f"X_file = open_array({str(path)!r}{options})  # memory-mapped: it stays on disk\n"
            f"# the rows the pages show: {note}\n"
            f"X, rows, n = sample_rows(X_file, {len(rows)}, random_state=0)\n")
    return Dataset(name=f"{name} (sample of {len(rows):,} of {n:,} rows)" if len(rows) < n
                   else name, X=np.asarray(rows), key=f"stream:{path}", source=path,
                   description=f"{name}, opened in streaming mode: the pages show {note}.",
                   code=code,
                   extra={"stream": {"path": source, "n_rows": int(n),
                                     "sample_index": index}})


def offer_streaming(window, path: str) -> bool:
    """If ``path`` is too big to load, offer streaming mode in the message bar (True)."""
    if not too_big(path):
        return False
    size = Path(path).stat().st_size / 2**30
    window.show_message(
        f"{Path(path).name} is {size:.1f} GB, too big to load whole. Streaming mode keeps it "
        f"on disk: pages show a sample of at most {SAMPLE_ROWS:,} rows, and K-Means can fit "
        "on every row (through the compute backend).", "warning",
        [("Open in streaming mode", lambda: open_streaming(window, path))])
    return True


def open_streaming(window, path: str, **fixes) -> None:
    from gui.settings import data_dir

    def failed(exc):
        if isinstance(exc, DataError) and exc.fix:
            more = {**fixes, exc.fix: True}
            window.show_message(str(exc), "error", [(exc.fix_label or "Fix",
                                                     lambda: open_streaming(window, path, **more))])
        else:
            window.show_message(str(exc) if isinstance(exc, DataError)
                                else f"Could not open '{Path(path).name}': {exc}", "error")

    window.tasks.submit(open_streaming_job, str(path), str(data_dir() / "cache"), **fixes,
                        key="open-file", description=f"Opening {Path(path).name} (streaming)…",
                        on_result=window._table_loaded, on_error=failed)


# --------------------------------------------------------------------------- the dialog


class BackendDialog(QDialog):
    """File ▸ Compute backend…: where full-data fits run, and a connection test."""

    def __init__(self, window):
        super().__init__(window)
        self.setWindowTitle("Compute backend")
        self.window_ = window
        backend = load_backend(window.settings)
        layout = QVBoxLayout(self)
        intro = QLabel("Where K-Means runs on data too big for memory (“Fit on the full data” "
                       "and its passes, on the K-Means page). The pages always show a sample.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        grid = QGridLayout()
        self.group = QButtonGroup(self)
        self.radios = {}
        for row, (mode, text, tip) in enumerate((
                ("process", "In this process", "Chunk after chunk in ClusterLab itself."),
                ("local", "A local cluster", "Dask worker processes on this computer."),
                ("remote", "A remote scheduler", "A Dask scheduler you started (`dask "
                 "scheduler`), with workers that can read the data files."))):
            radio = QRadioButton(text)
            radio.setToolTip(tip)
            self.group.addButton(radio)
            self.radios[mode] = radio
            grid.addWidget(radio, row, 0)
        self.workers = QSpinBox()
        self.workers.setRange(1, 64)
        self.workers.setValue(backend.workers)
        self.workers.setSuffix(" workers")
        self.workers.setToolTip("How many worker processes the local cluster starts.")
        grid.addWidget(self.workers, 1, 1)
        self.address = QLineEdit(backend.address)
        self.address.setToolTip("The scheduler's address, as `dask scheduler` prints it "
                                "(tcp://host:8786).")
        grid.addWidget(self.address, 2, 1)
        layout.addLayout(grid)
        self.test_button = QPushButton("Test connection")
        self.test_button.setToolTip("Connect, and check that the workers run the same versions "
                                    "of dask, numpy, scikit-learn and ClusterLab.")
        self.result = QLabel("")
        self.result.setWordWrap(True)
        layout.addWidget(self.test_button)
        layout.addWidget(self.result)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.radios[backend.mode].setChecked(True)
        self.group.buttonToggled.connect(lambda *_: self._sync())
        self.test_button.clicked.connect(self.test_connection)
        self._sync()
        self.resize(460, self.sizeHint().height())

    def backend(self) -> Backend:
        mode = next(m for m, r in self.radios.items() if r.isChecked())
        return Backend(mode, self.workers.value(), self.address.text().strip()
                       or DEFAULT_ADDRESS)

    def _sync(self) -> None:
        mode = self.backend().mode
        self.workers.setEnabled(mode == "local")
        self.address.setEnabled(mode == "remote")
        self.test_button.setEnabled(mode != "process")
        self.result.setText("")

    def test_connection(self) -> None:
        backend = self.backend()
        self.result.setText(f"Connecting to {backend.describe()}…")
        self.test_button.setEnabled(False)

        def done(text: str) -> None:
            self.result.setText(text)
            self.test_button.setEnabled(True)

        def failed(exc: BaseException) -> None:
            self.result.setText(f"<span style='color:#b00020'>{exc}</span>")
            self.test_button.setEnabled(True)

        self.window_.tasks.submit(test_connection_job, backend, key="backend-test",
                                  description="Testing the connection…", on_result=done,
                                  on_error=failed)

    def accept(self) -> None:
        save_backend(self.window_.settings, self.backend())
        super().accept()


def show_backend_dialog(window) -> BackendDialog:
    dialog = BackendDialog(window)
    dialog.open()
    return dialog
