"""Loading datasets: the chapter's built-ins, the user's tables, and bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.datasets import (
    BLOB_CENTERS,
    BLOB_STD,
    Dataset,
    builtin_names,
    load_builtin,
    load_table,
)
from core.errors import DataError


# --------------------------------------------------------------------------- built-ins
def test_blobs_are_the_chapters():
    from sklearn.datasets import make_blobs

    X, y = make_blobs(n_samples=2000, centers=BLOB_CENTERS, cluster_std=BLOB_STD, random_state=7)
    ds = load_builtin("blobs")
    np.testing.assert_array_equal(ds.X, X)
    np.testing.assert_array_equal(ds.y, y)
    assert ds.X.dtype == np.float64 and ds.X.shape == (2000, 2)
    assert "make_blobs" in ds.code


def test_moons_are_the_chapters():
    from sklearn.datasets import make_moons

    X, y = make_moons(n_samples=1000, noise=0.05, random_state=42)
    ds = load_builtin("moons")
    np.testing.assert_array_equal(ds.X, X)
    np.testing.assert_array_equal(ds.y, y)


def test_elongated_is_the_chapters():
    from sklearn.datasets import make_blobs

    X1, _ = make_blobs(n_samples=1000, centers=((4, -4), (0, 0)), random_state=1)
    X1 = X1.dot(np.array([[0.374, 0.95], [0.732, 0.598]]))
    X2, _ = make_blobs(n_samples=250, centers=1, random_state=42)
    X = np.r_[X1, X2 + [6, -8]]
    ds = load_builtin("elongated")
    np.testing.assert_array_equal(ds.X, X)
    assert ds.n_classes == 3


@pytest.mark.parametrize("name,shape,classes", [("iris", (150, 4), 3), ("digits", (1797, 64), 10)])
def test_real_datasets(name, shape, classes):
    ds = load_builtin(name)
    assert ds.X.shape == shape
    assert ds.n_classes == classes
    assert len(ds.feature_names) == shape[1]


def test_catalog_and_unknown_name():
    assert builtin_names() == ("blobs", "elongated", "moons", "iris", "digits", "mixture")
    with pytest.raises(DataError, match="no built-in dataset called 'nope'"):
        load_builtin("nope")


def test_dataset_is_frozen_and_read_only():
    ds = load_builtin("blobs")
    with pytest.raises(ValueError):
        ds.X[0, 0] = 1.0
    with pytest.raises(AttributeError):
        ds.name = "other"  # type: ignore[misc]


# --------------------------------------------------------------------------- good tables
def write(tmp_path, name, text, encoding="utf-8"):
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


def test_csv_with_header_and_label_column(tmp_path):
    p = write(tmp_path, "flowers.csv",
              "sepal,petal,species\n1.0,2.0,setosa\n1.5,2.5,virginica\n3,4,setosa\n")
    ds = load_table(p)
    np.testing.assert_array_equal(ds.X, [[1, 2], [1.5, 2.5], [3, 4]])
    assert ds.feature_names == ("sepal", "petal")
    assert ds.target_names == ("setosa", "virginica")
    np.testing.assert_array_equal(ds.y, [0, 1, 0])
    assert ds.source == str(p)


def test_european_csv_semicolon_and_decimal_comma(tmp_path):
    p = write(tmp_path, "eu.csv", "länge;breite\n1,5;2,25\n-3,0;4\n1.234,5;0,5\n", "cp1252")
    ds = load_table(p)
    np.testing.assert_allclose(ds.X, [[1.5, 2.25], [-3.0, 4.0], [1234.5, 0.5]])
    assert ds.feature_names == ("länge", "breite")
    assert 'decimal=","' in ds.code


def test_tsv_without_header(tmp_path):
    p = write(tmp_path, "data.tsv", "1\t2\t3\n4\t5\t6\n")
    ds = load_table(p)
    np.testing.assert_array_equal(ds.X, [[1, 2, 3], [4, 5, 6]])
    assert ds.feature_names == ("x1", "x2", "x3")
    assert ds.y is None


def test_whitespace_separated(tmp_path):
    p = write(tmp_path, "data.txt", "1  2\n3 4\n  5 6\n")
    ds = load_table(p)
    np.testing.assert_array_equal(ds.X, [[1, 2], [3, 4], [5, 6]])


def test_numeric_label_column_by_name(tmp_path):
    p = write(tmp_path, "d.csv", "a,b,label\n0.1,0.2,7\n0.3,0.4,3\n0.5,0.6,7\n")
    ds = load_table(p)
    assert ds.X.shape == (3, 2)
    np.testing.assert_array_equal(ds.y, [1, 0, 1])
    assert ds.target_names == ("3", "7")


def test_npy_roundtrip(tmp_path):
    X = np.arange(12, dtype=np.int32).reshape(6, 2)
    p = tmp_path / "a.npy"
    np.save(p, X)
    ds = load_table(p)
    np.testing.assert_array_equal(ds.X, X.astype(float))
    one_d = tmp_path / "b.npy"
    np.save(one_d, np.arange(5.0))
    assert load_table(one_d).X.shape == (5, 1)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.lists(st.floats(-1e6, 1e6, allow_nan=False, width=32), min_size=2, max_size=2),
                min_size=2, max_size=30),
       st.sampled_from([",", ";", "\t"]))
def test_any_numeric_table_roundtrips(tmp_path_factory, rows, delim):
    path = tmp_path_factory.mktemp("t") / "r.csv"
    text = f"a{delim}b\n" + "".join(f"{r[0]!r}{delim}{r[1]!r}\n" for r in rows)
    path.write_text(text)
    ds = load_table(path)
    np.testing.assert_allclose(ds.X, np.array(rows, dtype=float))


# --------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("name,content,message", [
    ("empty.csv", "", "is empty"),
    ("blank.csv", "\n\n  \n", "is empty"),
    ("header.csv", "a,b,c\n", "header but no data rows"),
    ("one.csv", "a,b\n1,2\n", "only one data row"),
    ("text.csv", "x,city,y\n1,Paris,2\n3,Oslo,4\n", "Column 'city' is not numeric; ClusterLab "
                                                    "clusters numeric columns only."),
    ("ragged.csv", "a,b,c\n1,2,3\n4,5\n6,7,8\n", "Line 3 of 'ragged.csv' has 2 values"),
    ("typo.csv", "a,b\n1,2\n3,4x\n5,6\n7,8\n", "not a number on line 3 ('4x')"),
])
def test_bad_tables_say_why(tmp_path, name, content, message):
    p = write(tmp_path, name, content)
    with pytest.raises(DataError) as info:
        load_table(p)
    assert message in str(info.value)


def test_missing_values_counted_and_droppable(tmp_path):
    p = write(tmp_path, "nan.csv", "a,b\n1,2\n,3\n4,inf\n5,6\n7,NaN\n")
    with pytest.raises(DataError) as info:
        load_table(p)
    err = info.value
    assert "3 rows have missing or infinite values" in str(err)
    assert "lines 3, 4, 6" in str(err)
    assert err.fix == "drop_invalid" and err.fix_label == "Drop 3 rows"
    ds = load_table(p, drop_invalid=True)
    np.testing.assert_array_equal(ds.X, [[1, 2], [5, 6]])


def test_text_columns_can_be_ignored(tmp_path):
    p = write(tmp_path, "t.csv", "x,city,y,kind\n1,Paris,2,a\n3,Oslo,4,b\n")
    with pytest.raises(DataError) as info:
        load_table(p)
    assert info.value.fix == "drop_text"
    ds = load_table(p, drop_text=True)
    np.testing.assert_array_equal(ds.X, [[1, 2], [3, 4]])
    assert ds.target_names == ("a", "b")


def test_binary_file_named_csv(tmp_path):
    p = tmp_path / "photo.csv"
    p.write_bytes(bytes(range(256)) * 40)
    with pytest.raises(DataError, match="does not look like a text table"):
        load_table(p)


def test_file_over_the_size_limit_states_the_limit(tmp_path):
    p = write(tmp_path, "big.csv", "a,b\n" + "1,2\n" * 3000)
    with pytest.raises(DataError, match=r"is 11\.7 KB; ClusterLab opens tables up to 10 KB"):
        load_table(p, max_bytes=10 * 1024)


def test_missing_and_unreadable_paths(tmp_path, monkeypatch):
    with pytest.raises(DataError, match="does not exist"):
        load_table(tmp_path / "nope.csv")
    with pytest.raises(DataError, match="is a folder"):
        load_table(tmp_path)
    p = write(tmp_path, "locked.csv", "a,b\n1,2\n3,4\n")

    def denied(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(type(p), "open", denied)
    with pytest.raises(DataError, match="cannot be read: permission denied"):
        load_table(p)


def test_npy_refuses_objects_and_odd_shapes(tmp_path):
    p = tmp_path / "obj.npy"
    np.save(p, np.array([{"a": 1}, None], dtype=object), allow_pickle=True)
    with pytest.raises(DataError, match="holds Python objects"):
        load_table(p)
    p3 = tmp_path / "cube.npy"
    np.save(p3, np.zeros((2, 2, 2)))
    with pytest.raises(DataError, match="3 dimensions"):
        load_table(p3)
    ps = tmp_path / "str.npy"
    np.save(ps, np.array([["a", "b"], ["c", "d"]]))
    with pytest.raises(DataError, match="real numbers only"):
        load_table(ps)
    pr = tmp_path / "row.npy"
    np.save(pr, np.zeros((1, 3)))
    with pytest.raises(DataError, match="only one row"):
        load_table(pr)
    broken = tmp_path / "broken.npy"
    broken.write_bytes(b"\x93NUMPY garbage")
    with pytest.raises(DataError, match="not a valid .npy"):
        load_table(broken)


def test_dataset_validates_shapes():
    with pytest.raises(ValueError):
        Dataset(name="x", X=np.zeros(3))
    with pytest.raises(ValueError):
        Dataset(name="x", X=np.zeros((3, 2)), y=np.zeros(2))
