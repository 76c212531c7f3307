"""Data bigger than memory in the window: streaming mode (a sample on the pages), the K-Means
page's fit on the full data, and the compute backend dialog's connection test."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import make_blobs

from core.scale import fit_kmeans_streaming
from gui.exports import render_image
from gui.pages.kmeans.tabs import fmt
from tests.gui.page_drivers.kmeans import KMeansDriver


class FullDataDriver:
    """The K-Means page's "Full data" group, worked as a person would."""

    def __init__(self, driver: KMeansDriver):
        self.driver, self.group = driver, driver.page.full_data

    @property
    def visible(self) -> bool:
        return self.group.box.isVisible()

    def fit(self, timeout: int = 60_000):
        from PySide6.QtCore import Qt

        self.driver.qtbot.mouseClick(self.group.button, Qt.MouseButton.LeftButton)
        self.driver.qtbot.waitUntil(lambda: self.group.result is not None, timeout=timeout)
        return self.group.result

    def text(self) -> str:
        return self.group.label.text()

    def centres_shown(self) -> np.ndarray:
        t = self.group.table
        return np.array([[float(t.item(i, j).text()) for j in range(t.columnCount())]
                         for i in range(t.rowCount())])


def test_a_table_too_big_for_memory_is_shown_as_a_sample_and_fitted_on_every_row(
        window, open_page, qtbot, tmp_path, monkeypatch, artifacts_dir):
    import gui.backend as backend

    monkeypatch.setattr(backend, "SAMPLE_ROWS", 4000)
    monkeypatch.setattr(backend, "MEMORY_SHARE", 1e-9)  # every table counts as too big
    X, _ = make_blobs(20_000, centers=5, cluster_std=0.8, random_state=4)
    path = tmp_path / "big.npy"
    np.save(path, X)
    window.open_path(str(path))
    qtbot.waitUntil(lambda: window.message_bar.isVisible(), timeout=10_000)
    assert "too big to load whole" in window.message_bar.text()
    assert window.message_bar.action_labels() == ["Open in streaming mode"]
    window.message_bar.trigger_action("Open in streaming mode")
    key = f"stream:{path}"
    qtbot.waitUntil(lambda: window.ctx.cached_dataset(key) is not None, timeout=30_000)
    ds = window.ctx.cached_dataset(key)
    assert ds.n_samples == 4000 and "(sample of 4,000 of 20,000 rows)" in ds.name
    np.testing.assert_array_equal(ds.X, X[ds.extra["stream"]["sample_index"]])

    km = KMeansDriver.open(open_page, qtbot)
    full = FullDataDriver(km)
    # the table opened (streamed) became the K-Means page's data too
    qtbot.waitUntil(lambda: full.visible, timeout=30_000)
    km.set_dataset("blobs")
    assert not full.visible  # the chapter's blobs are not streamed
    km.set_dataset(key)
    assert full.visible and "20,000 rows" in full.text() and "this process" in full.text()
    res = full.fit()
    ref = fit_kmeans_streaming(path, 5, random_state=42)
    np.testing.assert_allclose(res.centers, ref.centers, atol=1e-9)
    assert res.n_samples == 20_000 and res.n_iter == ref.n_iter
    assert fmt(ref.inertia) in full.text() and "20,000" in full.text()
    np.testing.assert_allclose(full.centres_shown(), ref.centers, rtol=1e-3)
    render_image(window).save(str(artifacts_dir / "kmeans-full-data.png"))


@pytest.fixture(scope="module")
def tcp_cluster():
    """A Dask scheduler and worker on 127.0.0.1 (threads of this process), for the test."""
    distributed = pytest.importorskip("distributed")
    from distributed.utils import _offload_executor

    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  protocol="tcp", host="127.0.0.1",
                                  dashboard_address="127.0.0.1:0") as cluster:
        with distributed.Client(cluster) as c:  # the worker's thread, started here
            c.submit(int, 1, pure=False).result()
        _offload_executor.submit(int, 1).result()
        yield cluster


def test_the_backend_dialog_tests_a_scheduler_and_keeps_the_setting(window, qtbot,
                                                                     tcp_cluster):
    from PySide6.QtCore import Qt

    from gui.backend import load_backend, show_backend_dialog

    dialog = show_backend_dialog(window)
    assert dialog.radios["process"].isChecked() and not dialog.test_button.isEnabled()
    dialog.radios["remote"].setChecked(True)
    dialog.address.setText(tcp_cluster.scheduler_address)
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "versions match" in dialog.result.text(), timeout=30_000)
    assert tcp_cluster.scheduler_address in dialog.result.text()
    assert "1 worker" in dialog.result.text()
    dialog.accept()
    backend = load_backend(window.settings)
    assert backend.mode == "remote" and backend.address == tcp_cluster.scheduler_address
    # a scheduler that is not there is explained
    dialog = show_backend_dialog(window)
    assert dialog.radios["remote"].isChecked()
    dialog.address.setText("tcp://127.0.0.1:9")
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "No Dask scheduler answered" in dialog.result.text(),
                    timeout=30_000)
    dialog.reject()
