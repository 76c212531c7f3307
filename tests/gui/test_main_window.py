"""The main window and the Data page, driven like a user would."""

from __future__ import annotations

import numpy as np
from PIL import Image
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent, QGuiApplication

from gui.pages import page_names
from tests.gui.drivers import DataDriver, click_page_entry


def test_data_page_shows_the_chapters_blobs(window, open_page, qtbot):
    data = DataDriver.open(open_page, qtbot)
    assert data.points_shown() == 2000
    np.testing.assert_array_equal(data.coordinates_shown(), data.dataset_shown().X)
    assert data.distinct_colours() == 5
    assert "Rows: 2,000" in data.summary_text() and "Classes: 5" in data.summary_text()
    assert "make_blobs" in window.code_panel.code()
    assert [window.nav.item(i).text() for i in range(window.nav.count())][0] == "Data"
    assert window.nav.count() == len(page_names())


def test_true_label_colouring_toggles(window, open_page, qtbot):
    data = DataDriver.open(open_page, qtbot)
    data.set_colour_by_labels(False)
    assert data.distinct_colours() == 1
    assert "c=y" not in data.code()
    data.set_colour_by_labels(True)
    assert data.distinct_colours() == 5


def test_more_than_two_features_use_pca(window, open_page, qtbot):
    data = DataDriver.open(open_page, qtbot)
    data.set_dataset("iris", timeout=60_000)
    assert data.points_shown() == 150
    bottom = data.axis_title("bottom")
    assert bottom.startswith("PC1 (92.5% of variance)")
    assert "PCA(n_components=2)" in window.code_panel.code()


def test_opening_a_csv_and_a_bad_file(window, open_page, qtbot, tmp_path):
    data = DataDriver.open(open_page, qtbot)
    good = tmp_path / "points.csv"
    good.write_text("a;b\n1,5;2\n3;4,25\n5;6\n")
    data.open_file(good, timeout=30_000)
    assert data.dataset_shown().name == "points.csv"
    np.testing.assert_allclose(data.coordinates_shown(), [[1.5, 2], [3, 4.25], [5, 6]])
    assert data.dataset_key().endswith("points.csv")

    bad = tmp_path / "bad.csv"
    bad.write_text("x,city\n1,Paris\n2,Oslo\n3,Rome\n")
    bad2 = tmp_path / "bad2.csv"
    bad2.write_text("x,city,y\n1,Paris,2\n2,Oslo,3\n")
    data.open_file(bad2, wait=False)
    qtbot.waitUntil(lambda: window.message_bar.isVisible() and window.message_bar.level == "error",
                    timeout=10_000)
    assert "Column 'city' is not numeric" in window.message_bar.text()
    # nothing was lost: the previous dataset is still drawn
    assert data.dataset_shown().name == "points.csv" and data.points_shown() == 3
    # the offered fix opens it without the text column
    assert window.message_bar.action_labels() == ["Ignore text columns"]
    data.wait_drawn(lambda: window.message_bar.trigger_action("Ignore text columns"), timeout=30_000)
    assert data.dataset_shown().name == "bad2.csv" and data.dataset_shown().n_features == 2


def test_missing_values_offer_to_drop_rows(window, open_page, qtbot, tmp_path):
    data = DataDriver.open(open_page, qtbot)
    p = tmp_path / "holes.csv"
    p.write_text("a,b\n1,2\n,3\n4,5\n6,7\n")
    data.open_file(p, wait=False)
    qtbot.waitUntil(lambda: window.message_bar.isVisible(), timeout=10_000)
    assert "1 row has missing or infinite values" in window.message_bar.text()
    assert data.points_shown() == 2000
    data.wait_drawn(lambda: window.message_bar.trigger_action("Drop 1 row"), timeout=30_000)
    assert data.points_shown() == 3


def test_drop_a_file_on_the_window(window, open_page, qtbot, tmp_path):
    data = DataDriver.open(open_page, qtbot)
    p = tmp_path / "dropped.npy"
    np.save(p, np.arange(20.0).reshape(10, 2))
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p))])
    event = QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    data.wait_drawn(lambda: window.dropEvent(event), timeout=30_000)
    assert data.dataset_shown().name == "dropped.npy" and data.points_shown() == 10


def test_opening_an_image_segments_it_and_lists_its_colours(window, open_page, qtbot, tmp_path):
    data = DataDriver.open(open_page, qtbot)
    rgb = np.zeros((20, 30, 3), dtype=np.uint8)
    rgb[:, :15] = (255, 0, 0)
    rgb[:, 15:] = (0, 0, 255)
    p = tmp_path / "flag.png"
    Image.fromarray(rgb).save(p)
    window.open_path(str(p))
    qtbot.waitUntil(lambda: any(t == "flag.png" for t, _ in window.ctx.images.values()),
                    timeout=30_000)
    # the window goes to the segmentation page, which segments the new image
    from tests.gui.drivers import SegmentationDriver

    assert window.current_page().name == "segmentation"
    seg = SegmentationDriver(window.current_page(), qtbot)
    qtbot.waitUntil(lambda: seg.result() is not None and seg.result().key.endswith("flag.png"),
                    timeout=60_000)
    assert {tuple(c) for c in seg.result().seg.palette.astype(int)} >= {(255, 0, 0), (0, 0, 255)}
    # and its pixel colours are a dataset on the Data page
    qtbot.waitUntil(lambda: data.dataset_shown() is not None
                    and data.dataset_shown().key == "pixels:flag.png", timeout=30_000)
    colours = {tuple(c) for c in data.colours_shown()[:, :3]}
    assert colours == {(255, 0, 0), (0, 0, 255)}
    qtbot.waitUntil(lambda: not window.tasks.busy, timeout=30_000)


def test_broken_image_is_explained(window, open_page, qtbot, tmp_path):
    open_page("data")
    p = tmp_path / "broken.png"
    p.write_bytes(b"\x89PNG\r\n\x1a\n" + b"garbage" * 10)
    window.open_path(str(p))
    qtbot.waitUntil(lambda: window.message_bar.isVisible(), timeout=10_000)
    assert "broken.png" in window.message_bar.text()
    assert window.message_bar.level == "error"


def test_export_plot_and_csv(window, open_page, qtbot, tmp_path):
    open_page("data")
    png, svg, csv = tmp_path / "p.png", tmp_path / "p.svg", tmp_path / "r.csv"
    window.export_plot(str(png))
    window.export_plot(str(svg))
    with qtbot.waitSignal(window.export_csv(str(csv)).finished, timeout=30_000):
        pass
    assert png.stat().st_size > 5000
    assert "<svg" in svg.read_text()
    lines = csv.read_text().splitlines()
    assert lines[0] == "x1,x2,label" and len(lines) == 2001


def test_an_interrupted_export_keeps_the_previous_file(window, open_page, tmp_path,
                                                       monkeypatch):
    import os

    open_page("data")
    out = tmp_path / "exports"
    out.mkdir()
    png, svg = out / "p.png", out / "p.svg"
    window.export_plot(str(png))
    window.export_plot(str(svg))
    assert png.read_bytes().startswith(b"\x89PNG")
    before = png.read_bytes(), svg.read_bytes()

    def crash(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    for path in (png, svg):
        window.export_plot(str(path))
        assert "disk full" in window.message_bar.text()
        assert window.message_bar.level == "error"
    assert (png.read_bytes(), svg.read_bytes()) == before
    assert sorted(p.name for p in out.iterdir()) == ["p.png", "p.svg"]  # no temp files


def test_code_panel_copy(window, open_page, qtbot):
    open_page("data")
    qtbot.mouseClick(window.code_panel.copy_button, Qt.MouseButton.LeftButton)
    assert "make_blobs" in QGuiApplication.clipboard().text()
    assert window.code_panel.copy_button.text() == "Copied"


def test_code_panel_toggles_with_f4(window, qtbot):
    visible = window.code_dock.isVisible()
    window.show_code_action.trigger()
    assert window.code_dock.isVisible() != visible


def test_about_lists_versions(window):
    import core

    text = window.about_text()
    for word in ("Qt 6.", "scikit-learn", "numpy", "PySide6", f"ClusterLab {core.__version__}"):
        assert word in text
    assert "not installed" not in text
    assert "K-Means uses scikit-learn's compiled kernels" in text


def test_about_says_when_kmeans_fell_back_to_numpy(window, monkeypatch):
    from core.kmeans import _Kernels

    monkeypatch.setattr(_Kernels, "_loaded", True)
    monkeypatch.setattr(_Kernels, "lloyd_iter", None)
    monkeypatch.setattr(_Kernels, "failure", "TypeError: takes 20 positional arguments")
    text = window.about_text()
    assert "K-Means uses its own numpy path" in text
    assert "takes 20 positional arguments" in text


def test_escape_dismisses_the_message_bar(window, qtbot):
    qtbot.waitUntil(lambda: not window.tasks.busy, timeout=30_000)  # Esc would cancel a task first
    window.show_message("Something to read", "warning")
    assert window.message_bar.isVisible()
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert not window.message_bar.isVisible()


def test_geometry_and_page_are_remembered(qtbot):
    from gui.app import MainWindow, create_app

    create_app()
    first = MainWindow()
    qtbot.addWidget(first)
    first.resize(first.minimumSizeHint().width(), 640)  # fits the 800×800 offscreen screen
    first.show()
    first.show_page(page_names()[-1])
    first.close()
    second = MainWindow()
    qtbot.addWidget(second)
    second.show()
    assert second.current_page().name == page_names()[-1]
    assert second.height() == 640
    assert second.settings.value("window/geometry") is not None
    second.close()


def test_start_cleans_stale_temp_files_and_a_file_for_the_data_folder(qtbot, tmp_path,
                                                                      monkeypatch):
    import os
    import time

    from gui import settings as app_settings
    from gui.app import MainWindow

    data = tmp_path / "data-here"
    monkeypatch.setenv("CLUSTERLAB_DATA_DIR", str(data))
    data.write_text("a file where the folder should be")
    assert app_settings.data_dir().is_dir()
    assert len(list(tmp_path.glob("data-here.unreadable-*"))) == 1
    stale = data / ".digits-labels.npz.k2j3.tmp"
    stale.write_bytes(b"half a save")
    old = time.time() - 3600
    os.utime(stale, (old, old))
    again = MainWindow()
    qtbot.addWidget(again)
    assert not stale.exists()
    again.close()


def test_the_navigation_shows_every_title_whole_without_scrolling(window):
    """The page list never scrolls sideways (it showed a horizontal scroll bar under the
    pages) and every title fits, not cut with "…"."""
    nav = window.nav
    assert nav.horizontalScrollBarPolicy() == Qt.ScrollBarPolicy.ScrollBarAlwaysOff
    assert nav.sizeHintForColumn(0) <= nav.viewport().width()


def test_a_page_chosen_in_the_list_is_made_in_that_turn_and_shown_in_the_next(window, qtbot):
    """Making a page and showing it (its widgets polished and laid out) were ~10 ms each; in
    the click's turn, with what the click started, that turn went over 50 ms. A click makes
    the page; the next turn shows it. The program's show_page still shows it at once."""
    nav = window.nav
    row = page_names().index("dbscan")
    shown_before = window.stack.currentIndex()
    click_page_entry(window, "dbscan")
    assert "dbscan" in window.pages and nav.currentRow() == row
    assert window.stack.currentIndex() == shown_before  # (not yet: the next turn)
    qtbot.waitUntil(lambda: window.stack.currentIndex() == row, timeout=2000)
    assert window.current_page() is window.pages["dbscan"]
    assert window.pages["dbscan"].isVisible()

    page = window.show_page("choose-k")  # (a page not made yet, asked for by the program)
    assert window.stack.currentIndex() == page_names().index("choose-k")
    assert page.isVisible() and window.current_page() is page


def test_a_steady_label_keeps_its_tallest_height_until_its_width_changes(qtbot):
    from gui.widgets.wrapping_label import SteadyLabel

    label = SteadyLabel()
    qtbot.addWidget(label)
    label.resize(200, 20)
    label.show()
    long_text = " ".join(["word"] * 60)
    label.setText(long_text)
    tall = label.minimumHeight()
    label.setText("short")
    assert label.minimumHeight() == tall > label.heightForWidth(200) // 2
    label.resize(800, tall)  # a new width: the room its text needs there
    qtbot.waitUntil(lambda: label.minimumHeight() < tall)
    label.setText(long_text)
    assert label.minimumHeight() == label.heightForWidth(800)
