"""Issue 11 on the Data page: a labels column chosen in a combo box, legends and summaries
that count only the classes that remain, files recognised by content, loading cancelled."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from tests.gui.drivers import DataDriver


def wait_error(window, qtbot):
    qtbot.waitUntil(lambda: window.message_bar.isVisible() and window.message_bar.level == "error",
                    timeout=10_000)


def test_the_labels_column_is_chosen_and_only_remaining_classes_count(window, open_page, qtbot,
                                                                      tmp_path, monkeypatch):
    data = DataDriver.open(open_page, qtbot)
    p = tmp_path / "flowers.csv"
    # "gone" has one row, which has a missing value; one row has no label at all
    p.write_text("a,b,species,site\n1,2,red,n\n3,4,blue,s\n5,,gone,n\n6,7,,s\n8,9,red,s\n"
                 "10,11,blue,n\n")
    data.open_file(p, wait=False)
    wait_error(window, qtbot)
    assert "Column 'site' is not numeric" in window.message_bar.text()
    assert data.points_shown() == 2000  # the blobs stay until a fix is chosen
    window.message_bar.trigger_action("Ignore text columns")
    qtbot.waitUntil(lambda: "2 rows have missing" in window.message_bar.text(), timeout=10_000)
    assert data.points_shown() == 2000
    data.wait_drawn(lambda: window.message_bar.trigger_action("Drop 2 rows"), timeout=30_000)
    ds = data.dataset_shown()
    assert ds.n_samples == 4 and ds.class_names == ("blue", "red")
    legend = data.legend_text()
    assert "Labels (species)" in legend and "blue" in legend and "red" in legend
    assert "gone" not in legend and legend.count("●") == 2
    assert "Classes: 2 (column 'species')" in data.summary_text()
    assert data.distinct_colours() == 2
    assert data.labels_choosable()
    assert data.labels_choices() == ["(none)", "a", "b", "species", "site"]
    assert data.labels_column() == "species"
    x, y, kw = data.run_code(monkeypatch)
    np.testing.assert_array_equal(np.c_[x, y], data.coordinates_shown())
    np.testing.assert_array_equal(kw["c"], ds.y)

    data.set_labels_column("site")
    assert data.dataset_shown().class_names == ("n", "s") and data.labels_column() == "site"
    assert "Classes: 2 (column 'site')" in data.summary_text()
    x, y, kw = data.run_code(monkeypatch)
    np.testing.assert_array_equal(kw["c"], data.dataset_shown().y)

    data.set_labels_column(None)
    assert data.dataset_shown().y is None and data.labels_column() is None
    assert "Classes: none (unlabelled)" in data.summary_text()
    assert data.legend_text() == "" and data.distinct_colours() == 1
    assert "c=y" not in data.code()

    data.set_labels_column("b")  # a numeric column as labels: the other one is the feature
    assert data.dataset_shown().feature_names == ("a",)
    assert data.dataset_shown().n_classes == 5  # 2, 4, 7, 9, 11: the row without b dropped


def test_a_labels_column_with_holes_offers_to_drop_those_rows(window, open_page, qtbot,
                                                             tmp_path):
    data = DataDriver.open(open_page, qtbot)
    p = tmp_path / "notes.csv"
    p.write_text("a,b,species,note\n1,2,x,ok\n3,4,y,\n5,6,x,late\n7,8,y,ok\n")
    data.open_file(p, wait=False)
    wait_error(window, qtbot)
    data.wait_drawn(lambda: window.message_bar.trigger_action("Ignore text columns"),
                    timeout=30_000)
    assert data.labels_column() == "species" and data.dataset_shown().n_samples == 4
    data.set_labels_column("note", wait=False)
    wait_error(window, qtbot)
    assert "1 row has missing or infinite values" in window.message_bar.text()
    # what was shown stays, and so does the combo box
    assert data.labels_column() == "species" and data.dataset_shown().target_name == "species"
    assert window.message_bar.action_labels() == ["Drop 1 row"]
    data.wait_drawn(lambda: window.message_bar.trigger_action("Drop 1 row"), timeout=30_000)
    data.wait_idle()
    ds = data.dataset_shown()
    assert ds.target_name == "note" and ds.class_names == ("late", "ok") and ds.n_samples == 3
    assert data.labels_column() == "note" and "Classes: 2 (column 'note')" in data.summary_text()


def test_scikit_learns_iris_csv_opens_with_its_species(window, open_page, qtbot):
    import sklearn

    data = DataDriver.open(open_page, qtbot)
    data.open_file(Path(sklearn.__file__).parent / "datasets" / "data" / "iris.csv",
                   timeout=30_000)
    ds = data.dataset_shown()
    assert ds.X.shape == (150, 4) and ds.class_names == ("setosa", "versicolor", "virginica")
    assert "Classes: 3" in data.summary_text() and "virginica" in data.legend_text()
    assert data.distinct_colours() == 3


def test_a_file_that_is_neither_a_table_nor_an_image_says_so(window, open_page, qtbot, tmp_path):
    data = DataDriver.open(open_page, qtbot)
    svg = tmp_path / "logo.svg"
    svg.write_text('<svg xmlns="http://www.w3.org/2000/svg"><rect width="4" height="4"/></svg>')
    data.open_file(svg, wait=False)
    wait_error(window, qtbot)
    assert "is an SVG drawing, neither a table nor an image" in window.message_bar.text()
    assert data.points_shown() == 2000 and data.dataset_key() == "blobs"
    # a PNG named .csv goes to the image loader
    from PIL import Image

    png = tmp_path / "photo.csv"
    rgb = np.zeros((4, 6, 3), dtype=np.uint8)
    rgb[:, 3:] = (200, 10, 10)
    Image.fromarray(rgb).save(png, format="PNG")
    window.open_path(str(png))
    qtbot.waitUntil(lambda: any(t == "photo.csv" for t, _ in window.ctx.images.values()),
                    timeout=30_000)
    qtbot.waitUntil(lambda: not window.tasks.busy, timeout=30_000)


def test_opening_a_big_table_can_be_cancelled(window, open_page, qtbot, tmp_path):
    data = DataDriver.open(open_page, qtbot)
    p = tmp_path / "big.csv"
    pd.DataFrame(np.random.default_rng(0).normal(size=(200_000, 4))).to_csv(p, index=False)
    data.open_file(p, wait=False)
    window.cancel_current()
    data.wait_idle()
    assert window.status_label.text() == "Cancelled"
    assert data.points_shown() == 2000 and data.dataset_shown().key == "blobs"
    assert not window.message_bar.isVisible() or window.message_bar.level != "error"
