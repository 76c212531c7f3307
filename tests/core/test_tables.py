"""Opening tables like a data tool (issue 11): scikit-learn's CSVs, a labels column,
encodings, decimal commas, and every bad file of the audit, each with one sentence."""

from __future__ import annotations

import codecs
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core import tables
from core.datasets import load_table
from core.errors import Cancelled, DataError
from core.tables import file_kind


def write(tmp_path, name, text, encoding="utf-8"):
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


def run_snippet(code: str) -> dict:
    scope: dict = {"__name__": "snippet"}
    exec(compile(code, "<snippet>", "exec"), scope)
    return scope


# --------------------------------------------------------------------------- scikit-learn's CSVs
def sklearn_csv(name: str) -> Path:
    import sklearn

    return Path(sklearn.__file__).parent / "datasets" / "data" / name


@pytest.mark.parametrize("file,loader", [("iris.csv", "load_iris"),
                                         ("wine_data.csv", "load_wine"),
                                         ("breast_cancer.csv", "load_breast_cancer")])
def test_scikit_learns_own_csvs_open_with_their_classes(file, loader):
    from sklearn import datasets

    bunch = getattr(datasets, loader)()
    ds = load_table(sklearn_csv(file))
    np.testing.assert_allclose(ds.X, bunch.data)
    np.testing.assert_array_equal(ds.y, bunch.target)
    assert ds.class_names == tuple(str(n) for n in bunch.target_names)
    assert ds.target_name == "target" and ds.n_features == bunch.data.shape[1]
    scope = run_snippet(ds.code)
    np.testing.assert_array_equal(scope["X"], ds.X)
    np.testing.assert_array_equal(scope["y"], ds.y)


def test_scikit_learn_format_written_by_hand(tmp_path):
    p = write(tmp_path, "mini.csv", "4,2,cat,dog\n1.0,2.0,0\n1.5,2.5,1\n3,4,1\n5,6,0\n")
    ds = load_table(p)
    assert ds.X.shape == (4, 2) and ds.class_names == ("cat", "dog")
    np.testing.assert_array_equal(ds.y, [0, 1, 1, 0])
    assert load_table(p, target=None).X.shape == (4, 3)


# --------------------------------------------------------------------------- the labels column
FLOWERS = "a,b,species,c\n1,2,x,3\n4,5,y,6\n7,8,x,9\n"


def test_target_auto_none_name_and_index(tmp_path):
    p = write(tmp_path, "f.csv", FLOWERS)
    auto = load_table(p)
    assert auto.target_name == "species" and auto.class_names == ("x", "y")
    assert auto.feature_names == ("a", "b", "c")
    by_name = load_table(p, target="c", drop_text=True)
    assert by_name.target_name == "c" and by_name.feature_names == ("a", "b")
    np.testing.assert_array_equal(by_name.y, [0, 1, 2])
    assert by_name.class_names == ("3", "6", "9")
    assert load_table(p, target=0, drop_text=True).feature_names == ("b", "c")
    assert load_table(p, target=-1, drop_text=True).target_name == "c"
    with pytest.raises(DataError, match="not numeric"):
        load_table(p, target=None)
    none = load_table(p, target=None, drop_text=True)
    assert none.y is None and none.class_names == () and none.n_classes == 0
    with pytest.raises(DataError, match="has no column 'colour'; its columns are 'a', 'b'"):
        load_table(p, target="colour")
    with pytest.raises(DataError, match="there is no column 9"):
        load_table(p, target=9)


def test_a_missing_label_is_a_missing_value_and_dropped_classes_disappear(tmp_path):
    """The audit's legend: a class with an empty name, and one whose only row was dropped."""
    p = write(tmp_path, "l.csv", "a,b,label\n1,2,x\n3,4,\n5,,z\n6,7,x\n8,9,y\n")
    with pytest.raises(DataError) as info:
        load_table(p)
    assert "2 rows have missing or infinite values" in str(info.value)
    assert "lines 3, 4" in str(info.value) and info.value.fix_label == "Drop 2 rows"
    ds = load_table(p, drop_invalid=True)
    np.testing.assert_array_equal(ds.X, [[1, 2], [6, 7], [8, 9]])
    assert ds.class_names == ("x", "y") and ds.n_classes == 2
    np.testing.assert_array_equal(ds.y, [0, 0, 1])
    scope = run_snippet(ds.code)
    np.testing.assert_array_equal(scope["X"], ds.X)
    np.testing.assert_array_equal(scope["y"], ds.y)


def test_an_ignored_text_column_does_not_silently_become_the_labels(tmp_path):
    p = write(tmp_path, "t.csv", "x,city,y,comment\n1,Paris,2,ok\n3,Oslo,4,late\n")
    ds = load_table(p, drop_text=True)
    assert ds.y is None and ds.target_name == "" and ds.feature_names == ("x", "y")
    assert "text columns 'city', 'comment' ignored" in ds.description
    assert load_table(p, target="comment", drop_text=True).class_names == ("late", "ok")


def test_headerless_table_with_the_class_last_uci_style(tmp_path):
    p = write(tmp_path, "iris.data", "5.1,3.5,Iris-setosa\n4.9,3.0,Iris-setosa\n7.0,3.2,Iris-"
                                     "versicolor\n")
    ds = load_table(p)
    assert ds.X.shape == (3, 2) and ds.class_names == ("Iris-setosa", "Iris-versicolor")


# --------------------------------------------------------------------------- numbers
def test_european_thousands_separator_gives_the_right_numbers(tmp_path):
    """In a decimal-comma file, 1.234 is one thousand two hundred thirty-four."""
    p = write(tmp_path, "eu.csv", "preis;menge\n1.234;2,5\n12.345,75;1\n0,5;1.000\n")
    ds = load_table(p)
    np.testing.assert_allclose(ds.X, [[1234, 2.5], [12345.75, 1], [0.5, 1000]])
    assert 'decimal=","' in ds.code and 'thousands="."' in ds.code
    np.testing.assert_array_equal(run_snippet(ds.code)["X"], ds.X)


def test_comma_thousands_with_decimal_points(tmp_path):
    p = write(tmp_path, "us.tsv", "a\tb\n1,234.5\t2\n3.5\t12,000.25\n")
    ds = load_table(p)
    np.testing.assert_allclose(ds.X, [[1234.5, 2], [3.5, 12000.25]])
    np.testing.assert_array_equal(run_snippet(ds.code)["X"], ds.X)


def test_values_that_overflow_are_refused_with_a_sentence(tmp_path):
    p = write(tmp_path, "huge.csv", "a,b\n1,2\n1.5e308,3\n4,5\n")
    with pytest.raises(DataError, match=r"Column 'a' of 'huge.csv' holds values as large as "
                                        r"1\.5e\+308; distances"):
        load_table(p)
    npy = tmp_path / "huge.npy"
    np.save(npy, np.array([[1.0, 2.0], [3.0, 1e200]]))
    with pytest.raises(DataError, match="Column 'x2' of 'huge.npy' holds values as large"):
        load_table(npy)


# --------------------------------------------------------------------------- encodings
def test_utf16_excel_unicode_text(tmp_path):
    text = "länge\tbreite\tart\r\n1,5\t2\ta\r\n3\t4,25\tb\r\n5\t6\ta\r\n"
    p = tmp_path / "unicode.txt"
    p.write_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    ds = load_table(p, target="art")
    np.testing.assert_allclose(ds.X, [[1.5, 2], [3, 4.25], [5, 6]])
    assert ds.feature_names == ("länge", "breite") and ds.class_names == ("a", "b")
    assert 'encoding="utf-16"' in ds.code
    np.testing.assert_array_equal(run_snippet(ds.code)["X"], ds.X)


def test_utf8_bom_and_latin1_fallback(tmp_path):
    bom = tmp_path / "bom.csv"
    bom.write_bytes(codecs.BOM_UTF8 + "größe,b\n1,2\n3,4\n".encode())
    assert load_table(bom).feature_names == ("größe", "b")
    latin = write(tmp_path, "latin.csv", "température;b\n1;2\n3;4\n", "latin-1")
    assert load_table(latin).feature_names == ("température", "b")


# --------------------------------------------------------------------------- the audit's raw errors
def test_lines_longer_than_csvs_field_limit(tmp_path):
    """A 30,000-column table and a long quoted text field (csv's limit is 131,072)."""
    rng = np.random.default_rng(0)
    wide = rng.integers(100_000, 999_999, size=(3, 30_000))
    p = tmp_path / "wide.csv"
    p.write_text("\n".join(",".join(map(str, row)) for row in wide) + "\n")
    assert len(p.read_text().splitlines()[0]) > 131_072
    ds = load_table(p)
    np.testing.assert_array_equal(ds.X, wide)
    long_text = "word " * 40_000
    q = write(tmp_path, "notes.csv", f'a,b,note\n1,2,"{long_text}"\n3,4,"short"\n')
    with pytest.raises(DataError, match="Column 'note' is not numeric"):
        load_table(q)
    np.testing.assert_array_equal(load_table(q, drop_text=True).X, [[1, 2], [3, 4]])


def test_a_lying_npy_header_is_refused_before_allocating(tmp_path):
    p = tmp_path / "liar.npy"
    header = "{'descr': '<f8', 'fortran_order': False, 'shape': (10000000, 1000000), }"
    header += " " * (118 - len(header)) + "\n"
    p.write_bytes(b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode()
                  + b"\x00" * 64)
    with pytest.raises(DataError, match=r"says it holds 10,000,000,000,000 values .* but has "
                                        r"only 64 bytes of data: it is truncated or damaged"):
        load_table(p)


def test_trailing_comma_on_every_line_is_an_empty_column(tmp_path):
    p = write(tmp_path, "trail.csv", "a,b,\n1,2,\n3,4,\n5,6,\n")
    ds = load_table(p)
    np.testing.assert_array_equal(ds.X, [[1, 2], [3, 4], [5, 6]])
    assert "empty column 'column 3' ignored" in ds.description
    np.testing.assert_array_equal(run_snippet(ds.code)["X"], ds.X)
    no_header_comma = write(tmp_path, "trail2.csv", "a,b\n1,2,\n3,4,\n")
    np.testing.assert_array_equal(load_table(no_header_comma).X, [[1, 2], [3, 4]])


def test_rows_longer_than_the_header_are_refused(tmp_path):
    p = write(tmp_path, "long.csv", "a,b\n1,2\n3,4,5\n")
    with pytest.raises(DataError, match="Line 3 of 'long.csv' has 3 values but the header has 2"):
        load_table(p)
    every = write(tmp_path, "every.csv", "a,b\n1,2,3\n4,5,6\n")
    with pytest.raises(DataError, match="more values than its header has names"):
        load_table(every)


def test_an_unclosed_quote_says_so(tmp_path):
    p = write(tmp_path, "quote.csv", 'a,b\n1,2\n3,"4\n5,6\n')
    with pytest.raises(DataError, match="never ends"):
        load_table(p)


# --------------------------------------------------------------------------- the kind of file
@pytest.mark.parametrize("name,content,kind,sentence", [
    ("drawing.svg", b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"></svg>',
     "other", "is an SVG drawing, neither a table nor an image"),
    ("photo.heic", b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64,
     "other", "is a HEIC photo, neither a table nor an image"),
    ("book.csv", b"PK\x03\x04" + b"\x00" * 64, "other", "is a ZIP archive"),
])
def test_the_loader_is_chosen_by_content(tmp_path, name, content, kind, sentence):
    p = tmp_path / name
    p.write_bytes(content)
    assert file_kind(p)[0] == kind
    with pytest.raises(DataError, match=sentence):
        load_table(p)


def test_parquet_without_pyarrow_says_what_it_needs(tmp_path, monkeypatch):
    p = tmp_path / "t.parquet"
    p.write_bytes(b"PAR1" + b"\x00" * 64)
    assert file_kind(p)[0] == "parquet"
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # as if it were not installed
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    with pytest.raises(DataError, match="is a Parquet table; opening Parquet needs the "
                                        "optional pyarrow package"):
        load_table(p)


def test_parquet_opens_through_pyarrow_when_it_is_installed(tmp_path):
    pytest.importorskip("pyarrow")
    df = pd.DataFrame({"a": [1.0, 2.5, np.nan, 4.0], "b": [1, 2, 3, 4],
                       "species": ["x", "y", "x", "y"]})
    p = tmp_path / "t.parquet"
    df.to_parquet(p)
    with pytest.raises(DataError, match=r"1 row has missing .* \(row 3\)"):
        load_table(p)
    ds = load_table(p, drop_invalid=True)
    np.testing.assert_array_equal(ds.X, [[1, 1], [2.5, 2], [4, 4]])
    assert ds.class_names == ("x", "y") and ds.target_name == "species"
    scope = run_snippet(ds.code)
    assert "pd.read_parquet(" in ds.code
    np.testing.assert_array_equal(scope["X"], ds.X)
    np.testing.assert_array_equal(scope["y"], ds.y)
    damaged = tmp_path / "damaged.parquet"
    damaged.write_bytes(p.read_bytes()[:40])
    with pytest.raises(DataError, match="is damaged and cannot be read"):
        load_table(damaged)


def test_images_and_arrays_are_recognised_whatever_their_name(tmp_path):
    from PIL import Image

    png = tmp_path / "really-a-png.csv"
    Image.new("RGB", (4, 4)).save(png, format="PNG")
    assert file_kind(png) == ("image", "a PNG image")
    npy = tmp_path / "array.csv"
    with npy.open("wb") as f:
        np.save(f, np.arange(6.0).reshape(3, 2))
    assert file_kind(npy)[0] == "npy"
    np.testing.assert_array_equal(load_table(npy).X, np.arange(6.0).reshape(3, 2))
    assert file_kind(write(tmp_path, "t.csv", "a,b\n1,2\n")) == ("text", "a text file")


# --------------------------------------------------------------------------- progress and cancel
def test_loading_reports_progress_and_can_be_cancelled(tmp_path, monkeypatch):
    monkeypatch.setattr(tables, "CHUNK_ROWS", 10_000)  # a report after every 10 000 rows
    rng = np.random.default_rng(1)
    X = rng.normal(size=(60_000, 5))
    p = tmp_path / "big.csv"
    pd.DataFrame(X, columns=list("abcde")).to_csv(p, index=False)
    seen: list[float] = []
    ds = load_table(p, progress=seen.append)
    np.testing.assert_allclose(ds.X, X)
    assert len(seen) > 2 and seen == sorted(seen) and 0 < seen[-1] <= 1

    def cancel_half_way(fraction):
        if fraction > 0.3:
            raise Cancelled()

    with pytest.raises(Cancelled):
        load_table(p, progress=cancel_half_way)
    # a table with text is read whole: its progress comes from the bytes read
    q = tmp_path / "words.csv"
    frame = pd.DataFrame(X, columns=list("abcde"))
    frame["kind"] = np.where(X[:, 0] > 0, "up", "down")
    frame["note"] = "n"
    frame.to_csv(q, index=False)
    seen.clear()
    assert load_table(q, drop_text=True, progress=seen.append).class_names == ("down", "up")
    assert len(seen) > 2 and seen == sorted(seen)
    with pytest.raises(Cancelled):
        load_table(q, drop_text=True, progress=cancel_half_way)


def test_a_byte_that_is_not_utf8_far_into_the_file(tmp_path):
    """The encoding is guessed from the first 256 KB; a later Latin-1 byte reads again."""
    p = tmp_path / "late.csv"
    p.write_bytes(b"a,b,kind\n" + b"1,2,plain\n" * 150_000 + "3,4,café\n".encode("cp1252"))
    ds = load_table(p)
    assert ds.n_samples == 150_001 and ds.class_names == ("café", "plain")
    assert 'encoding="cp1252"' in ds.code
    np.testing.assert_array_equal(run_snippet(ds.code)["y"], ds.y)


# --------------------------------------------------------------------------- the snippet
@pytest.mark.parametrize("text,kwargs", [
    ("a;b;kind\n1,5;2;u\n3;4,25;v\n5;6;u\n", {}),
    ("x y\n1 2\n3 4\n5 6\n", {}),
    ("a,b,c\n1,2,3\n,5,6\n7,8,9\n10,11,12\n", {"drop_invalid": True}),
    ("a,city,b\n1,Paris,2\n3,Oslo,4\n", {"drop_text": True}),
    ("1\t2\n3\t4\n", {}),
])
def test_the_snippet_reads_the_file_the_same_way(tmp_path, text, kwargs):
    p = write(tmp_path, "s.csv", text)
    ds = load_table(p, **kwargs)
    scope = run_snippet(ds.code)
    np.testing.assert_array_equal(scope["X"], ds.X)
    if ds.y is not None:
        np.testing.assert_array_equal(scope["y"], ds.y)
        assert tuple(str(c) for c in scope["class_names"]) == ds.class_names


# --------------------------------------------------------------------------- property
@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.floats(-1e9, 1e9, allow_nan=False), st.floats(-1e9, 1e9,
                                                                           allow_nan=False),
                          st.sampled_from(["a", "b", "c"])), min_size=2, max_size=40),
       st.sampled_from([(",", "."), (";", ","), ("\t", ","), ("\t", "."), (";", ".")]),
       st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "latin-1"]))
def test_what_pandas_writes_comes_back(tmp_path_factory, rows, dialect, encoding):
    """Any table pandas writes (delimiter, decimal mark, encoding) reads back as written."""
    sep, decimal = dialect
    df = pd.DataFrame(rows, columns=["länge", "breite", "class"])
    path = tmp_path_factory.mktemp("p") / "t.csv"
    df.to_csv(path, sep=sep, decimal=decimal, index=False, encoding=encoding)
    ds = load_table(path)
    np.testing.assert_allclose(ds.X, df[["länge", "breite"]].to_numpy(), rtol=1e-12)
    assert ds.feature_names == ("länge", "breite") and ds.target_name == "class"
    assert [ds.class_names[i] for i in ds.y] == list(df["class"])
