"""core.scale on one machine: open_array's cache, and the streaming K-Means fit against
scikit-learn's KMeans started from the same centres."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.datasets import make_blobs

from core.errors import Cancelled, DataError
from core.kmeans import fit_kmeans
from core.scale import array_shape, fit_kmeans_streaming, open_array, sample_rows


def sk(X, init, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return KMeans(init.shape[0], init=init, n_init=1, algorithm="lloyd", **kw).fit(X)


def data(seed: int, n: int = 6000, d: int = 3, k: int = 5):
    X, _ = make_blobs(n, n_features=d, centers=k, cluster_std=2.5, random_state=seed)
    init = X[np.random.default_rng(seed).choice(n, k, replace=False)]
    return X + 10.0, init + 10.0  # off-centre, so the centring matters


@pytest.mark.parametrize("seed", [0, 2])
def test_exact_lloyd_passes_give_sklearn_centres(seed):
    X, init = data(seed)
    res = fit_kmeans_streaming(X, 5, init=init, chunk_rows=700)
    ref = sk(X, init)
    assert res.n_chunks == 9 and res.n_iter == ref.n_iter_ > 3
    np.testing.assert_allclose(res.centers, ref.cluster_centers_, rtol=0, atol=1e-9)
    assert res.inertia == pytest.approx(ref.inertia_, rel=1e-12)
    np.testing.assert_array_equal(res.init, init)
    assert res.converged and res.warnings == ()
    # after the same number of steps, too
    for steps in (1, 3):
        part = fit_kmeans_streaming(X, 5, init=init, chunk_rows=700, max_iter=steps)
        ref = sk(X, init, max_iter=steps)
        assert part.n_iter == ref.n_iter_ == steps
        np.testing.assert_allclose(part.centers, ref.cluster_centers_, rtol=0, atol=1e-9)
        assert part.inertia == pytest.approx(ref.inertia_, rel=1e-12)
        np.testing.assert_allclose(res.history[steps], part.centers, rtol=0, atol=1e-12)


def test_history_inertia_is_the_exact_inertia_of_every_pass():
    X, init = data(3)
    res = fit_kmeans_streaming(X, 5, init=init, chunk_rows=1000)
    assert res.history.shape == (res.n_iter + 1, 5, 3)
    for t in (0, 2, res.n_iter):
        c = res.history[t]
        d2 = ((X[:, None, :] - c[None]) ** 2).sum(axis=2).min(axis=1).sum()
        assert res.history_inertia[t] == pytest.approx(d2, rel=1e-10)


def test_initial_centres_are_a_kmeans_fit_on_the_sample():
    X, _ = data(4, n=3000)
    res = fit_kmeans_streaming(X, 5, init_sample=10_000, chunk_rows=400)
    # the sample is every row when it is not smaller than the data
    want = fit_kmeans(X, 5, n_init=3, random_state=42)
    np.testing.assert_allclose(res.init, want.centers, atol=1e-12)
    assert res.init_sample == 3000 and res.run_inertias[0] == pytest.approx(want.inertia)
    np.testing.assert_allclose(res.centers, sk(X, res.init).cluster_centers_, atol=1e-9)


def test_a_small_sample_still_converges_to_the_full_fit_from_its_centres():
    X, _ = data(5, n=20_000, d=4, k=6)
    res = fit_kmeans_streaming(X, 6, init_sample=1000, chunk_rows=3000, random_state=7)
    ref = sk(X, res.init)
    assert res.n_iter == ref.n_iter_
    np.testing.assert_allclose(res.centers, ref.cluster_centers_, atol=1e-9)
    # the view sample: rows of the data, labelled by the nearest final centre
    assert res.sample.shape == (1000, 4) and res.labels.shape == (1000,)
    np.testing.assert_array_equal(res.sample, X[res.sample_index])
    np.testing.assert_array_equal(res.labels, ref.predict(res.sample))


def test_an_empty_cluster_takes_the_farthest_point_as_scikit_learn_does():
    X, init = data(6)
    init = init.copy()
    init[2] = [1e4, 1e4, 1e4]  # nearest to no point: empty in the first pass
    res = fit_kmeans_streaming(X, 5, init=init, chunk_rows=800)
    ref = sk(X, init)
    assert res.n_iter == ref.n_iter_
    np.testing.assert_allclose(res.centers, ref.cluster_centers_, atol=1e-9)


def test_duplicate_points_warn_like_scikit_learn():
    X = np.repeat(np.array([[0.0, 0.0], [1.0, 1.0]]), 50, axis=0)
    res = fit_kmeans_streaming(X, 3, chunk_rows=30)
    assert any("distinct clusters (2)" in w for w in res.warnings)


def test_npy_file_and_open_array_read_by_chunks_give_the_same_fit(tmp_path):
    X, init = data(7, n=5000)
    np.save(tmp_path / "x.npy", X)
    arr = open_array(tmp_path / "x.npy")
    assert isinstance(arr, np.memmap) and arr.shape == (5000, 3)
    assert array_shape(tmp_path / "x.npy") == (5000, 3)
    a = fit_kmeans_streaming(X, 5, init=init, chunk_rows=600)
    b = fit_kmeans_streaming(arr, 5, init=init, chunk_rows=600)
    c = fit_kmeans_streaming(str(tmp_path / "x.npy"), 5, init=init, chunk_rows=600)
    np.testing.assert_array_equal(a.centers, b.centers)
    np.testing.assert_array_equal(a.centers, c.centers)
    # shards: the rows of all files, in order
    np.save(tmp_path / "a.npy", X[:2000].astype(np.float32).astype(np.float64))
    np.save(tmp_path / "b.npy", X[2000:])
    both = np.vstack([X[:2000].astype(np.float32).astype(np.float64), X[2000:]])
    s = fit_kmeans_streaming([tmp_path / "a.npy", tmp_path / "b.npy"], 5, init=init,
                             chunk_rows=600)
    np.testing.assert_allclose(s.centers, sk(both, init).cluster_centers_, atol=1e-9)


def test_minibatch_passes_reach_the_lloyd_objective_with_an_exact_inertia():
    X, _ = data(8, n=6000, d=4, k=5)
    lloyd = fit_kmeans_streaming(X, 5, init_sample=1500, chunk_rows=1500)
    mb = fit_kmeans_streaming(X, 5, init_sample=1500, chunk_rows=1500, method="minibatch")
    assert mb.algorithm == "minibatch" and 1 <= mb.n_iter <= 300
    np.testing.assert_array_equal(mb.init, lloyd.init)
    d2 = ((X[:, None, :] - mb.centers[None]) ** 2).sum(axis=2).min(axis=1).sum()
    assert mb.inertia == pytest.approx(d2, rel=1e-10)
    assert mb.inertia <= lloyd.inertia * 1.01


def test_progress_reaches_one_and_cancel_stops_the_fit():
    X, init = data(9)
    seen = []
    fit_kmeans_streaming(X, 5, init=init, chunk_rows=500, progress=seen.append)
    assert seen[-1] == 1.0 and all(b >= a for a, b in zip(seen, seen[1:]))
    calls = []

    def cancel_soon(f):
        calls.append(f)
        if len(calls) > 30:
            raise Cancelled()

    with pytest.raises(Cancelled):
        fit_kmeans_streaming(X, 5, init=init, chunk_rows=500, progress=cancel_soon)


def test_bad_input_is_explained():
    X, _ = data(10, n=100)
    with pytest.raises(DataError, match="cannot make 200 clusters"):
        fit_kmeans_streaming(X, 200)
    with pytest.raises(DataError, match="method"):
        fit_kmeans_streaming(X, 3, method="elkan")
    with pytest.raises(DataError, match="two-dimensional"):
        fit_kmeans_streaming(X[:, 0], 3)
    bad = X.copy()
    bad[57, 1] = np.nan
    with pytest.raises(DataError, match="Row 58"):
        fit_kmeans_streaming(bad, 3, chunk_rows=20)
    with pytest.raises(DataError, match="initial centres have shape"):
        fit_kmeans_streaming(X, 3, init=np.zeros((2, 3)))
    with pytest.raises(DataError, match="paths of .npy or Parquet"):
        fit_kmeans_streaming(X, 3, client=object())


# --------------------------------------------------------------------------- open_array


def write_csv(path, X, header="a,b,c", extra=None):
    lines = [header] + [",".join(repr(float(v)) for v in row) for row in X]
    if extra:
        lines = [line + "," + e for line, e in zip(lines, extra)]
    path.write_text("\n".join(lines) + "\n")


def test_a_csv_is_converted_once_into_a_memory_mapped_cache(tmp_path):
    X, _ = data(11, n=3000)
    write_csv(tmp_path / "t.csv", X)
    cache = tmp_path / "cache"
    seen = []
    arr = open_array(tmp_path / "t.csv", cache_dir=cache, progress=seen.append)
    assert isinstance(arr, np.memmap)
    np.testing.assert_array_equal(np.asarray(arr), X)
    assert seen[-1] == 1.0
    files = list(cache.iterdir())
    assert len(files) == 1 and files[0].suffix == ".npy"
    mtime = files[0].stat().st_mtime_ns
    again = open_array(tmp_path / "t.csv", cache_dir=cache)
    assert again.filename == arr.filename and files[0].stat().st_mtime_ns == mtime


def test_cancelling_a_conversion_leaves_nothing_in_the_cache(tmp_path, monkeypatch):
    import core.scale as scale

    monkeypatch.setattr(scale, "CONVERT_ROWS", 500)
    X, _ = data(12, n=5000)
    write_csv(tmp_path / "t.csv", X)
    cache = tmp_path / "cache"
    calls = []

    def cancel(f):
        calls.append(f)
        if len(calls) == 3:
            raise Cancelled()

    with pytest.raises(Cancelled):
        open_array(tmp_path / "t.csv", cache_dir=cache, progress=cancel)
    assert list(cache.iterdir()) == []


def test_text_columns_and_missing_values_offer_their_fix(tmp_path):
    X, _ = data(13, n=50)
    write_csv(tmp_path / "t.csv", X, extra=["kind"] + ["x"] * 50)
    with pytest.raises(DataError, match="'kind'.*holds text") as err:
        open_array(tmp_path / "t.csv", cache_dir=tmp_path / "c")
    assert err.value.fix == "drop_text"
    arr = open_array(tmp_path / "t.csv", cache_dir=tmp_path / "c", drop_text=True)
    np.testing.assert_array_equal(np.asarray(arr), X)
    lines = (tmp_path / "t.csv").read_text().splitlines()
    lines[5] = "1.0,,2.0,x"
    (tmp_path / "t.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError, match="Line 6 .*missing") as err:
        open_array(tmp_path / "t.csv", cache_dir=tmp_path / "c", drop_text=True)
    assert err.value.fix == "drop_invalid"
    arr = open_array(tmp_path / "t.csv", cache_dir=tmp_path / "c", drop_text=True,
                     drop_invalid=True)
    np.testing.assert_array_equal(np.asarray(arr), np.delete(X, 4, axis=0))


def test_npy_files_that_are_not_tables_are_explained(tmp_path):
    np.save(tmp_path / "cube.npy", np.zeros((2, 2, 2)))
    with pytest.raises(DataError, match="3 dimensions"):
        open_array(tmp_path / "cube.npy")
    np.save(tmp_path / "text.npy", np.array(["a", "b"]))
    with pytest.raises(DataError, match="numbers"):
        open_array(tmp_path / "text.npy")
    (tmp_path / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    with pytest.raises(DataError, match="not a table"):
        open_array(tmp_path / "photo.png")
    with pytest.raises(DataError, match="does not exist"):
        open_array(tmp_path / "missing.npy")


def test_parquet_tables_are_cached_and_read_by_row_groups(tmp_path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    X, init = data(14, n=4000)
    table = pa.table({"a": X[:, 0], "b": X[:, 1], "c": X[:, 2],
                      "name": ["p"] * 4000})
    pq.write_table(table, tmp_path / "t.parquet", row_group_size=900)
    with pytest.raises(DataError, match="'name'.*text"):
        open_array(tmp_path / "t.parquet", cache_dir=tmp_path / "c")
    arr = open_array(tmp_path / "t.parquet", cache_dir=tmp_path / "c", drop_text=True)
    np.testing.assert_array_equal(np.asarray(arr), X)
    pq.write_table(table.drop(["name"]), tmp_path / "n.parquet", row_group_size=900)
    res = fit_kmeans_streaming(tmp_path / "n.parquet", 5, init=init)
    assert res.n_chunks == 5
    np.testing.assert_allclose(res.centers, sk(X, init).cluster_centers_, atol=1e-9)


def test_sample_rows_draws_rows_of_the_data_in_their_order(tmp_path):
    X, _ = data(15, n=5000)
    np.save(tmp_path / "x.npy", X)
    rows, index, n = sample_rows(tmp_path / "x.npy", 700, random_state=3, chunk_rows=600)
    assert n == 5000 and rows.shape == (700, 3) and np.all(np.diff(index) > 0)
    np.testing.assert_array_equal(rows, X[index])
    every, index, _ = sample_rows(X, 10_000)
    np.testing.assert_array_equal(every, X)


# --------------------------------------------------------------------------- the stepper


@pytest.mark.parametrize("seed", [0, 2])
def test_the_stepper_after_n_passes_is_kmeans_with_max_iter_n(seed, tmp_path):
    from core.scale import StreamingStepper

    X, init = data(seed)
    path = tmp_path / "x.npy"
    np.save(path, X)
    st = StreamingStepper(open_array(path), 5, init=init, chunk_rows=700)
    assert st.n_chunks == 9 and st.iteration == 0 and st.backend == "this process"
    np.testing.assert_array_equal(st.centers, init)
    assert st.inertia == pytest.approx(
        ((X[:, None] - init[None]) ** 2).sum(axis=2).min(axis=1).sum(), rel=1e-10)
    full = sk(X, init)
    for n in range(1, full.n_iter_ + 1):
        assert st.step() and st.iteration == n
        assert st.converged == (n == full.n_iter_)
        if n > 3 and n < full.n_iter_:
            continue
        ref = sk(X, init, max_iter=n)
        np.testing.assert_allclose(st.centers, ref.cluster_centers_, rtol=0, atol=1e-9)
        assert st.inertia == pytest.approx(ref.inertia_, rel=1e-9)
        np.testing.assert_array_equal(np.bincount(ref.labels_, minlength=5), st.sizes)
    assert st.n_iter == full.n_iter_ and not st.can_step and not st.step()
    np.testing.assert_array_equal(st.predict(X), full.labels_)
    # back through the passes already run: no data read, the same numbers
    passes, history = st.passes_run, st.history
    assert history.centers.shape == (n + 1, 5, 3)
    assert st.back() and st.iteration == n - 1 and not st.converged
    np.testing.assert_allclose(st.centers, history.centers[n - 1], rtol=0, atol=0)
    st.reset()
    assert st.iteration == 0 and not st.back()
    st.run_to(2)
    assert st.iteration == 2 and st.passes_run == passes
    assert st.inertia == history.inertia[2]
    assert st.run() == n - 2 and st.converged


def test_the_stepper_stops_at_max_iter_and_a_cancelled_step_changes_nothing():
    from core.scale import StreamingStepper

    X, init = data(1)
    st = StreamingStepper(X, 5, init=init, chunk_rows=1000, max_iter=2)
    calls = []

    def cancel_midway(fraction):
        calls.append(fraction)
        if len(calls) == 3:
            raise Cancelled()

    before = (st.iteration, st.passes_run, st.inertia)
    with pytest.raises(Cancelled):
        st.step(cancel_midway)
    assert (st.iteration, st.passes_run, st.inertia) == before
    fractions = []
    assert st.run(progress=fractions.append) == 2
    assert fractions[-1] == 1.0 and fractions == sorted(fractions)
    ref = sk(X, init, max_iter=2)
    np.testing.assert_allclose(st.centers, ref.cluster_centers_, rtol=0, atol=1e-9)
    assert st.n_iter == 2 and not st.converged and not st.can_step


def test_the_stepper_starts_from_kmeans_on_a_sample_like_the_fit():
    from core.scale import StreamingStepper

    X, _ = data(4)
    st = StreamingStepper(X, 5, init_sample=2000, random_state=7, chunk_rows=1000)
    res = fit_kmeans_streaming(X, 5, init_sample=2000, random_state=7, chunk_rows=1000)
    np.testing.assert_array_equal(st.init_centers, res.init)
    assert st.init_sample == 2000 and st.sample_inertia == res.run_inertias[0]
    st.run()
    assert st.iteration == res.n_iter and st.converged == res.converged
    np.testing.assert_allclose(st.centers, res.centers, rtol=0, atol=1e-12)
    assert st.inertia == pytest.approx(res.inertia, rel=1e-12)
