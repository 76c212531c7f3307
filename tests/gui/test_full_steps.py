"""The K-Means page steps through exact Lloyd passes over the full data of a dataset opened
in streaming mode, through the compute backend (in this process, and a Dask cluster of
threads reached by its address): the centres of each pass drawn over the sample, its points
coloured by their nearest full-data centre, the pass number and the exact inertia shown."""

from __future__ import annotations

import contextlib
import io
import warnings

import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.datasets import make_blobs

from gui.exports import render_image
from gui.widgets.palette import colors_for_labels
from tests.gui.page_drivers.kmeans import KMeansDriver
from tests.gui.test_backend import tcp_cluster  # noqa: F401 - the Dask cluster (threads)

K = 5


def sk(X, init, **kw) -> KMeans:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return KMeans(K, init=init, n_init=1, algorithm="lloyd", **kw).fit(X)


@pytest.fixture
def streamed(window, qtbot, tmp_path, monkeypatch):
    """A 20,000-row .npy opened in streaming mode (the pages show 4,000 rows of it)."""
    import core.scale
    import gui.backend as backend

    monkeypatch.setattr(backend, "SAMPLE_ROWS", 4000)
    monkeypatch.setattr(core.scale, "CHUNK_BYTES", 2000 * 8 * 2)  # 10 chunks a pass
    X, _ = make_blobs(20_000, centers=K, cluster_std=1.6, random_state=7)
    X += 3.0
    path = tmp_path / "big.npy"
    np.save(path, X)
    backend.open_streaming(window, str(path))
    key = f"stream:{path}"
    qtbot.waitUntil(lambda: window.ctx.cached_dataset(key) is not None, timeout=30_000)
    return X, key


def run_code(code: str) -> tuple[dict, str]:
    ns: dict = {}
    out = io.StringIO()
    with warnings.catch_warnings(), contextlib.redirect_stdout(out):
        warnings.simplefilter("ignore")
        exec(code, ns)
    return ns, out.getvalue()


def test_stepping_through_passes_over_the_full_data_in_this_process(
        window, open_page, qtbot, streamed, artifacts_dir):
    X, key = streamed
    km = KMeansDriver.open(open_page, qtbot)
    km.set_dataset(key)
    sample = window.ctx.cached_dataset(key).X
    assert km.full_data_visible() and km.full_pass_shown() is None
    # the page's own "Show code" opens the file and draws the sample the page shows
    code = km.code()
    assert code.startswith("import numpy as np\nfrom core.scale import open_array")
    ns, _ = run_code(code)
    np.testing.assert_array_equal(ns["X"], sample)
    assert ns["kmeans"].inertia_ == pytest.approx(km.fitted_inertia(), rel=1e-9)
    init = km.initial_centers()

    km.full_pass()  # pass 0: the sample fit's initial centroids, their inertia on every row
    assert km.full_pass_shown() == 0
    np.testing.assert_allclose(km.centers_shown(), init, rtol=0, atol=1e-12)
    d2 = ((X[:, None] - init[None]) ** 2).sum(axis=2).min(axis=1).sum()
    assert km.full_inertia_shown() == pytest.approx(d2, rel=1e-10)
    assert not km.full_back_enabled() and not km.step_enabled()
    for n in (1, 2):
        km.full_pass()
        ref = sk(X, init, max_iter=n)
        assert km.full_pass_shown() == n
        np.testing.assert_allclose(km.centers_shown(), ref.cluster_centers_, rtol=0,
                                   atol=1e-9)
        assert km.full_inertia_shown() == pytest.approx(ref.inertia_, rel=1e-9)
        assert f"Pass <b>{n}</b> over all 20,000 rows" in km.full_steps_text()
        assert f"inertia <b>{ref.inertia_:,.2f}</b> (exact)" in km.full_steps_text()
        assert "this process" in km.full_steps_text()
        # the sample's points are coloured by their nearest full-data centre
        np.testing.assert_array_equal(km.colors(), colors_for_labels(ref.predict(sample), K))
    km.full_back()  # back through a pass already run
    ref1 = sk(X, init, max_iter=1)
    assert km.full_pass_shown() == 1
    np.testing.assert_allclose(km.centers_shown(), ref1.cluster_centers_, rtol=0, atol=1e-9)
    # "Show code" for a pass of the full data runs and prints that pass
    ns, out = run_code(km.code())
    assert f"inertia at pass 1: {ref1.inertia_:.2f}" in out
    np.testing.assert_allclose(ns["centers"], ref1.cluster_centers_, rtol=0, atol=1e-9)

    km.full_run()
    full = sk(X, init)
    assert km.full_pass_shown() == full.n_iter_ > 2
    np.testing.assert_allclose(km.centers_shown(), full.cluster_centers_, rtol=0, atol=1e-9)
    assert km.full_inertia_shown() == pytest.approx(full.inertia_, rel=1e-9)
    assert "Converged after" in km.full_steps_text() and not km.full_pass_enabled()
    assert f"Pass <b>{full.n_iter_}</b> over all 20,000 rows" in km.iteration_text()
    km.show_tab("Clusters")
    render_image(window).save(str(artifacts_dir / "kmeans-full-data-passes.png"))
    km.fit()  # the page's Fit draws the sample's own fit again
    assert km.full_pass_shown() is None and km.full_pass_enabled()
    km.full_pass()  # and the pass reached comes back, without reading the data again
    assert km.full_pass_shown() == full.n_iter_


def test_passes_run_on_a_dask_cluster_and_cancel_stops_the_pass(
        window, open_page, qtbot, streamed, tcp_cluster):  # noqa: F811 - the fixture
    from core.scale import busy_tasks
    from gui.backend import Backend, client_for, save_backend

    X, key = streamed
    cluster = tcp_cluster
    backend = Backend("remote", address=cluster.scheduler_address)
    save_backend(window.settings, backend)
    km = KMeansDriver.open(open_page, qtbot)
    km.set_dataset(key)
    init = km.initial_centers()
    km.full_pass()
    km.full_pass()
    ref = sk(X, init, max_iter=1)
    assert km.full_pass_shown() == 1
    assert cluster.scheduler_address in km.full_steps_text()
    np.testing.assert_allclose(km.centers_shown(), ref.cluster_centers_, rtol=0, atol=1e-9)
    assert km.full_inertia_shown() == pytest.approx(ref.inertia_, rel=1e-9)
    code = km.code()
    assert f"Client({cluster.scheduler_address!r})" in code
    ns, out = run_code(code)
    ns["client"].close()
    assert f"inertia at pass 1: {ref.inertia_:.2f}" in out

    # Run to convergence, cancelled in the middle of a pass: nothing runs on on the cluster
    km.full_run_then_cancel(after_pass=2)
    shown = km.full_pass_shown()
    assert 2 <= shown < sk(X, init).n_iter_
    assert "Cancelled" in km.full_steps_text() and not km.full_running()
    c = client_for(backend)  # the window's own client (closed with the window)
    qtbot.waitUntil(lambda: busy_tasks(c) == 0, timeout=10_000)
    np.testing.assert_allclose(km.centers_shown(), sk(X, init, max_iter=shown).cluster_centers_,
                               rtol=0, atol=1e-9)
    km.full_pass()  # and the passes go on from there
    assert km.full_pass_shown() == shown + 1
    np.testing.assert_allclose(km.centers_shown(),
                               sk(X, init, max_iter=shown + 1).cluster_centers_, rtol=0,
                               atol=1e-9)
