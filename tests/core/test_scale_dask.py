"""core.scale on a Dask cluster: a LocalCluster in this process, and a real scheduler and
worker started as child processes on the loopback address (cancelled in the middle of a
fit, then stopped by their PIDs)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("distributed")

from distributed import Client, LocalCluster  # noqa: E402
from sklearn.cluster import KMeans  # noqa: E402
from sklearn.datasets import make_blobs  # noqa: E402

from core.errors import Cancelled, DataError  # noqa: E402
from core.scale import busy_tasks, check_backend, fit_kmeans_streaming  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def client():
    """Two single-threaded workers in this process (started once for the module)."""
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                      dashboard_address="127.0.0.1:0") as cluster, \
            Client(cluster) as c:
        # the cluster's threads (one per worker, and dask's offload thread) live as long as
        # the module's cluster: started here, not inside the first test
        for address in c.scheduler_info()["workers"]:
            c.submit(int, 1, workers=[address], pure=False).result()
        from distributed.utils import _offload_executor

        _offload_executor.submit(int, 1).result()
        yield c


@pytest.fixture(scope="module")
def blobs(tmp_path_factory):
    X, _ = make_blobs(20_000, n_features=4, centers=6, cluster_std=2.5, random_state=3)
    X += 5.0
    folder = tmp_path_factory.mktemp("shards")
    paths = []
    for i, part in enumerate(np.array_split(X, 3)):
        paths.append(str(folder / f"part-{i}.npy"))
        np.save(paths[-1], part)
    return X, paths


def sk(X, init, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return KMeans(init.shape[0], init=init, n_init=1, algorithm="lloyd", **kw).fit(X)


def wait_idle(c, timeout=10.0) -> int:
    end = time.monotonic() + timeout
    while (busy := busy_tasks(c)) and time.monotonic() < end:
        time.sleep(0.05)
    return busy


def test_dask_fit_matches_kmeans_and_the_streaming_fit(client, blobs):
    X, paths = blobs
    init = X[np.random.default_rng(0).choice(len(X), 6, replace=False)]
    res = fit_kmeans_streaming(paths, 6, init=init, chunk_rows=2500, client=client)
    ref = sk(X, init)
    local = fit_kmeans_streaming(X, 6, init=init, chunk_rows=2500)
    assert res.backend.startswith("inproc://") and res.n_chunks == 9
    assert res.n_iter == ref.n_iter_ == local.n_iter > 3
    np.testing.assert_allclose(res.centers, ref.cluster_centers_, rtol=0, atol=1e-9)
    np.testing.assert_allclose(res.centers, local.centers, rtol=0, atol=1e-9)
    assert res.inertia == pytest.approx(ref.inertia_, rel=1e-12)
    part = fit_kmeans_streaming(paths, 6, init=init, chunk_rows=2500, client=client,
                                max_iter=2)
    ref = sk(X, init, max_iter=2)
    assert part.n_iter == ref.n_iter_ == 2
    np.testing.assert_allclose(part.centers, ref.cluster_centers_, rtol=0, atol=1e-9)
    assert wait_idle(client) == 0


def test_the_sample_and_its_kmeans_plus_plus_fit_run_on_the_workers(client, blobs):
    X, paths = blobs
    seen = []
    res = fit_kmeans_streaming(paths, 6, init_sample=4000, client=client, progress=seen.append,
                               view_sample=500)
    local = fit_kmeans_streaming(X, 6, init_sample=4000, view_sample=500)
    # the same rows are drawn, so the same initial centres, wherever the work runs
    np.testing.assert_allclose(res.init, local.init, atol=1e-12)
    np.testing.assert_allclose(res.centers, sk(X, res.init).cluster_centers_, atol=1e-9)
    np.testing.assert_array_equal(res.sample, X[res.sample_index])
    assert res.labels.shape == (500,) and seen[-1] == 1.0


def test_parquet_shards_are_read_by_the_workers(client, blobs, tmp_path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    X, _ = blobs
    paths = []
    for i, part in enumerate(np.array_split(X, 2)):
        paths.append(str(tmp_path / f"p{i}.parquet"))
        pq.write_table(pa.table({f"c{j}": part[:, j] for j in range(4)}), paths[-1],
                       row_group_size=4000)
    init = X[:6]
    res = fit_kmeans_streaming(paths, 6, init=init, client=client)
    assert res.n_chunks == 6
    np.testing.assert_allclose(res.centers, sk(X, init).cluster_centers_, atol=1e-9)


def test_data_in_memory_is_not_sent_to_a_cluster(client, blobs):
    X, _ = blobs
    with pytest.raises(DataError, match="reads the data itself"):
        fit_kmeans_streaming(X, 6, client=client)
    with pytest.raises(DataError, match="method='lloyd'"):
        fit_kmeans_streaming(blobs[1], 6, client=client, method="minibatch")


def cancel_after(n):
    calls = []

    def progress(f):
        calls.append(f)
        if f > 0.3 and len(calls) > n:
            raise Cancelled()

    return progress, calls


def test_cancel_stops_the_step_on_the_cluster(client, blobs):
    X, paths = blobs
    progress, calls = cancel_after(5)
    with pytest.raises(Cancelled):
        fit_kmeans_streaming(paths, 6, init=X[:6], chunk_rows=400, client=client,
                             progress=progress)
    assert 0.3 < calls[-1] < 1.0
    assert wait_idle(client) == 0


def test_the_stepper_runs_one_map_reduce_a_pass_on_the_cluster(client, blobs):
    from core.scale import StreamingStepper

    X, paths = blobs
    init = X[np.random.default_rng(2).choice(len(X), 6, replace=False)]
    st = StreamingStepper(paths, 6, init=init, chunk_rows=2500, client=client)
    assert st.backend.startswith("inproc://") and st.n_chunks == 9
    for n in (1, 2, 3):
        st.step()
        ref = sk(X, init, max_iter=n)
        np.testing.assert_allclose(st.centers, ref.cluster_centers_, rtol=0, atol=1e-9)
        assert st.inertia == pytest.approx(ref.inertia_, rel=1e-9)
    # Cancel in the middle of a pass: the step's tasks stop, the stepper stays at pass 3.
    # (At the pass's first report, its chunks' tasks submitted: a later call could come
    # after the last chunk, when the cluster ran them all within three polls of 10 ms.)
    progress, calls = cancel_after(0)
    with pytest.raises(Cancelled):
        st.step(lambda f: progress(0.5 + f / 2))
    assert st.iteration == st.passes_run == 3 and calls[-1] < 1.0
    assert wait_idle(client) == 0
    st.run()
    full = sk(X, init)
    assert st.converged and st.n_iter == full.n_iter_
    np.testing.assert_allclose(st.centers, full.cluster_centers_, rtol=0, atol=1e-9)


def test_a_scheduler_and_a_worker_started_as_processes(tmp_path, blobs):
    """`dask scheduler` and `dask worker` on 127.0.0.1, as a person would start them."""
    X, paths = blobs
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1")
    sched_file = tmp_path / "scheduler.json"
    procs = []
    try:
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "dask", "scheduler", "--host", "127.0.0.1", "--port", "0",
             "--no-dashboard", "--scheduler-file", str(sched_file)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        end = time.monotonic() + 30
        while not sched_file.exists() and time.monotonic() < end:
            time.sleep(0.1)
        address = json.loads(sched_file.read_text())["address"]
        assert address.startswith("tcp://127.0.0.1:")
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "dask", "worker", address, "--host", "127.0.0.1",
             "--nthreads", "1", "--no-nanny", "--no-dashboard"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        with Client(address, timeout=30) as c:
            c.wait_for_workers(1, timeout=30)
            check = check_backend(c)
            assert check.ok, check.problems
            assert check.n_workers == 1 and check.address == address
            init = X[np.random.default_rng(1).choice(len(X), 6, replace=False)]
            res = fit_kmeans_streaming(paths, 6, init=init, chunk_rows=4000, client=c,
                                       max_iter=3)
            np.testing.assert_allclose(res.centers, sk(X, init, max_iter=3).cluster_centers_,
                                       atol=1e-9)
            progress, calls = cancel_after(4)
            with pytest.raises(Cancelled):
                fit_kmeans_streaming(paths, 6, init=init, chunk_rows=1000, client=c,
                                     progress=progress)
            assert 0.3 < calls[-1] < 1.0
            assert wait_idle(c) == 0
    finally:
        for p in reversed(procs):  # the worker first, while its scheduler still answers
            os.kill(p.pid, signal.SIGTERM)
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                os.kill(p.pid, signal.SIGKILL)
                p.wait(5)
    assert all(p.returncode is not None for p in procs)
