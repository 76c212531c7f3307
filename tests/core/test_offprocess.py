"""Work that held the GIL for long, done without: scikit-learn's KD-tree, which DBSCAN asks
about ties, built in a helper process (core/offprocess.py) is the same tree; reductions made
in pieces give the same numbers."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.cluster import DBSCAN

import core.density as density
from core import offprocess
from core.density import neighbor_index, run_dbscan


@pytest.fixture
def helper_processes(monkeypatch):
    monkeypatch.setattr(offprocess, "_enabled", True)
    built_in_process = []
    real = offprocess.call_in_process

    def spy(fn, *args):
        built_in_process.append(fn.__name__)
        return real(fn, *args)

    monkeypatch.setattr(offprocess, "call_in_process", spy)
    monkeypatch.setattr(density, "SKLEARN_TREE_PROCESS_ROWS", 100)
    return built_in_process


def test_dbscan_with_ties_asks_a_tree_built_in_a_helper_process(helper_processes):
    # an integer lattice: many pairs exactly eps apart, which scikit-learn's own tree decides
    X = np.random.default_rng(3).integers(0, 60, size=(2000, 2)).astype(float)
    index = neighbor_index(X)
    for eps in (1.0, 2.0):
        ours = run_dbscan(X, eps, 5, index=index)
        np.testing.assert_array_equal(ours.labels, DBSCAN(eps=eps, min_samples=5).fit(X).labels_)
    assert helper_processes == ["_build_sklearn_kdtree_of"]  # once: the index keeps it


def test_runs_at_the_same_time_share_one_build(helper_processes):
    import threading

    X = np.random.default_rng(1).normal(size=(3000, 2))
    index = neighbor_index(X)
    trees = []

    def ask():
        trees.append(density._Search(X, 0.1, index)._sklearn_tree())

    threads = [threading.Thread(target=ask) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(trees) == 3 and all(t is trees[0] for t in trees)
    assert helper_processes == ["_build_sklearn_kdtree_of"]


def test_the_tree_from_the_helper_process_answers_as_one_built_here(helper_processes):
    from sklearn.neighbors import KDTree

    X = np.random.default_rng(0).normal(size=(3000, 2))
    tree = density._sklearn_kdtree(X)
    assert helper_processes
    here = KDTree(X, leaf_size=density.SKLEARN_LEAF_SIZE)
    for a, b in zip(tree.query_radius(X[:300], r=0.1), here.query_radius(X[:300], r=0.1),
                    strict=True):
        np.testing.assert_array_equal(a, b)


def test_without_enable_or_when_the_process_fails_it_is_computed_here(monkeypatch):
    monkeypatch.setattr(offprocess, "_enabled", False)  # (a window of another test enables)
    assert not offprocess.enabled()  # a library user's script starts no process
    monkeypatch.setattr(offprocess, "call_in_process", None)  # it would fail if called
    assert offprocess.maybe_in_process(sum, [1, 2]) == 3
    monkeypatch.setattr(offprocess, "_enabled", True)

    def broken(fn, *args):
        raise RuntimeError("no answer")

    monkeypatch.setattr(offprocess, "call_in_process", broken)
    assert offprocess.maybe_in_process(sum, [1, 2], fallback=lambda: "here") == "here"
    import sys

    monkeypatch.setattr(sys, "frozen", True, raising=False)  # a bundle has no python to start
    assert not offprocess.enabled()


def test_a_failure_in_the_helper_process_is_reported():
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        offprocess.call_in_process(divmod, 1, 0)


@pytest.mark.parametrize("ufunc", [np.add, np.minimum, np.maximum])
@pytest.mark.parametrize("shape", [(997,), (997, 5)])
def test_reductions_in_pieces_equal_one_reduceat(ufunc, shape, monkeypatch):
    # (one reduceat over 150,000 x 64 held the GIL 60-80 ms; core.density makes it in pieces)
    monkeypatch.setattr(density, "_REDUCE_ELEMS", 64)
    rng = np.random.default_rng(5)
    a = rng.normal(size=shape)
    for first in (0, 3):
        starts = np.unique(rng.integers(first, shape[0], size=120))
        starts[0] = first
        np.testing.assert_array_equal(density._reduceat(ufunc, a, starts),
                                      ufunc.reduceat(a, starts, axis=0))


def test_joins_and_repeats_in_pieces_equal_numpys(monkeypatch):
    # (one np.concatenate of 150,000 neighbour lists held the GIL 300-400 ms, one np.repeat
    # of 15M elements 20-130 ms; core.density makes them in pieces)
    monkeypatch.setattr(density, "_JOIN_ARRAYS", 7)
    monkeypatch.setattr(density, "_REPEAT_ELEMS", 50)
    rng = np.random.default_rng(6)
    for n in (0, 1, 7, 8, 300):
        counts, values = rng.integers(0, 9, n), rng.integers(-50, 50, n)
        np.testing.assert_array_equal(density._repeat(values, counts),
                                      np.repeat(values, counts))
        arrays = np.empty(n, dtype=object)
        arrays[:] = [rng.integers(0, 99, rng.integers(0, 6)) for _ in range(n)]
        joined = density._concatenate(arrays)
        np.testing.assert_array_equal(joined, np.concatenate(list(arrays)) if n else [])


@pytest.mark.parametrize("method", ["auto", "grid", "chunked"])
def test_dbscan_with_joins_and_repeats_in_small_pieces_is_scikit_learns(method, monkeypatch):
    from sklearn.cluster import DBSCAN
    from sklearn.datasets import make_blobs

    monkeypatch.setattr(density, "_JOIN_ARRAYS", 5)
    monkeypatch.setattr(density, "_REPEAT_ELEMS", 64)
    X, _ = make_blobs(600, n_features=3, centers=4, random_state=2)
    ours = density.run_dbscan(X, 1.2, 5, method=method)
    np.testing.assert_array_equal(ours.labels, DBSCAN(eps=1.2, min_samples=5).fit(X).labels_)
