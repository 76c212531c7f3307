"""The Image segmentation page, driven through SegmentationDriver."""

from __future__ import annotations

import csv
import json
import threading

import numpy as np
import pytest
from PySide6.QtCore import Qt

from core.images import sample_image
from core.segmentation import CHAPTER_N_COLORS, palette_hex, segment_image
from tests.gui.drivers import SegmentationDriver


def n_colours(img: np.ndarray) -> int:
    return len(np.unique(np.asarray(img).reshape(-1, 3), axis=0))


@pytest.fixture
def seg(open_page, qtbot):
    return SegmentationDriver.open(open_page, qtbot)


def test_opens_on_the_china_photo_with_eight_colours(seg):
    china = sample_image("china")
    assert seg.k() == 8
    shown = seg.result()
    assert shown.key == "sample:china" and shown.k == 8 and shown.seed == 42
    # the original view holds the photo itself, upright (row 0 on top)
    np.testing.assert_array_equal(seg.original_image(), china)
    assert seg.original_upright_and_square()
    # the segmented view holds 8 colours: the engine's result for k=8, seed 42
    seg_img = seg.segmented_image()
    assert n_colours(seg_img) == 8
    expected = segment_image(china, 8, random_state=42)
    np.testing.assert_array_equal(seg_img, expected.image)
    palette = seg.palette_shown()
    assert len(palette) == 8
    assert palette[0].share == f"{100 * expected.shares[0]:.1f}%"
    assert [s.hex for s in palette] == ["#{:02x}{:02x}{:02x}".format(*c)
                                        for c in expected.palette_uint8]
    assert "8 colours" in seg.segmented_title()
    assert "640 × 427" in seg.image_info()
    assert "KMeans(n_clusters=8, random_state=42)" in seg.code()
    assert 'load_sample_image("china.jpg")' in seg.code()


def test_k_slider_is_live_and_the_last_value_wins(seg, qtbot):
    seg.press_k_page_up(3)  # 8 -> 14 in three quick steps
    assert seg.k_shown() == (14, 14)
    seg.wait_result(k=14)
    qtbot.wait(300)  # no stale result for 10 or 12 arrives after it
    assert seg.result().k == 14
    assert n_colours(seg.segmented_image()) == 14
    assert len(seg.palette_shown()) == 14
    assert "n_clusters=14" in seg.code()
    assert seg.saved_settings().k == 14


def test_dragging_the_k_slider_shows_only_the_last_k(seg, qtbot):
    started = []
    seg.tasks.task_started.connect(lambda t: started.append(t.key))
    seg.set_k(12)  # 9, 10, 11, 12 in a row, as a drag
    assert seg.k_shown() == (12, 12)
    qtbot.wait(200)
    assert seg.result().k == 12
    assert started.count("segmentation:segment") == 1  # debounced: one segmentation
    np.testing.assert_array_equal(seg.segmented_image(),
                                  segment_image(sample_image("china"), 12).image)
    seg.set_k(5)
    assert len(seg.palette_shown()) == 5 and seg.saved_settings().k == 5


def test_k_spin_box_and_seed(seg):
    seg.set_k_spin(3)
    assert seg.k_shown() == (3, 3)
    assert n_colours(seg.segmented_image()) == 3
    seg.set_seed(7)
    assert seg.result().seed == 7
    assert "random_state=7" in seg.code()
    expected = segment_image(sample_image("china"), 3, random_state=7)
    np.testing.assert_array_equal(seg.segmented_image(), expected.image)
    assert seg.saved_settings().seed == 7


def test_clicking_a_swatch_highlights_its_pixels(seg):
    shown = seg.result()
    seg.click_swatch(2)
    assert seg.palette_shown()[2].checked and seg.selected_swatch() == 2
    drawn = seg.segmented_image()
    mask = shown.seg.labels == 2
    np.testing.assert_array_equal(drawn[mask], shown.seg.image[mask])
    assert not np.array_equal(drawn[~mask], shown.seg.image[~mask])
    # the others are washed out: lighter than their colour
    assert drawn[~mask].astype(int).mean() > shown.seg.image[~mask].astype(int).mean()
    assert "Colour 2" in seg.palette_note()
    seg.click_swatch(2)  # again: everything back
    assert seg.selected_swatch() == -1
    np.testing.assert_array_equal(seg.segmented_image(), shown.seg.image)


def test_a_new_k_clears_the_highlight(seg):
    seg.click_swatch(1)
    seg.set_k(4)
    assert seg.selected_swatch() == -1
    assert "Click a colour" in seg.palette_note()
    np.testing.assert_array_equal(seg.segmented_image(), seg.result().seg.image)


def test_overlay_with_a_split_line(seg):
    seg.set_mode("overlay")
    assert seg.view_shown() == "overlay"
    assert seg.split_enabled()
    seg.set_split(0.25)  # a quarter of the width: 160 of 640 pixels
    assert seg.split_line_x() == pytest.approx(160.0)
    top, left = seg.overlay_top()
    assert top.shape[:2] == (427, 480)
    np.testing.assert_array_equal(top, seg.result().seg.image[:, 160:])
    assert left == pytest.approx(160.0)
    np.testing.assert_array_equal(seg.overlay_original(), sample_image("china"))
    # dragging the line moves the slider
    seg.drag_split_line(480.0)
    assert seg.split() == 750
    assert seg.overlay_top()[0].shape[1] == 160
    assert seg.exported_view() == "overlay"
    saved = seg.saved_settings()
    assert saved.mode == "overlay" and saved.split == 750


def test_hover_reads_the_pixel_and_its_palette_colour(seg):
    text = seg.hover(100.5, 50.5)
    r, g, b = sample_image("china")[50, 100]
    label = int(seg.result().seg.labels[50, 100])
    assert f"x 100, y 50: colour #{r:02x}{g:02x}{b:02x}" in text
    assert f"palette colour {label}" in text

    # another k: the text describes the new palette, not the one it was read from
    seg.set_k(4)
    new = seg.result().seg
    i = int(new.labels[50, 100])
    assert f"palette colour {i}, {palette_hex(new.palette)[i]}" in seg.hover_text()


def test_chapter_strip_is_computed_in_the_background(seg, window):
    seg.show_strip()
    seg.wait_strip()
    titles = seg.strip_titles()
    assert titles == ["Original image"] + [f"{k} colors" for k in CHAPTER_N_COLORS]
    assert seg.strip_ks() == list(CHAPTER_N_COLORS)
    china = sample_image("china")
    images = seg.strip_images()
    np.testing.assert_array_equal(images[0], china)
    for img, k in zip(images[1:], CHAPTER_N_COLORS):
        assert n_colours(img) == k
    expected = segment_image(china, 4, random_state=42)
    np.testing.assert_array_equal(images[4], expected.image)
    assert "the chapter's figure" in seg.strip_status()
    assert "n_colors = (10, 8, 6, 4, 2)" in seg.code()
    assert window.code_panel.code() == seg.code()
    assert seg.exported_view() == "strip"


def test_an_opened_image_is_shown_and_segmented(window, seg, tmp_path):
    """The main window's contract: open (or drop) a file -> add_image -> navigate here."""
    from PIL import Image

    rng = np.random.default_rng(0)
    img = np.zeros((60, 90, 3), np.uint8)
    img[:, :30] = (200, 40, 40)
    img[:, 30:60] = (40, 160, 60)
    img[:, 60:] = (30, 60, 200)
    img = np.clip(img.astype(int) + rng.integers(-10, 11, img.shape), 0, 255).astype(np.uint8)
    path = tmp_path / "three-stripes.png"
    Image.fromarray(img).save(path)
    seg.set_k(3, wait=False)
    key = seg.open_image(path)
    assert key == "image:three-stripes.png"
    seg.wait_result(k=3, key=key)
    assert window.current_page() is seg.page
    assert seg.image_title() == "three-stripes.png"
    np.testing.assert_array_equal(seg.original_image(), img)
    result = seg.result().seg
    # three stripes, three colours: each stripe one label
    for cols in (slice(0, 30), slice(30, 60), slice(60, 90)):
        assert len(np.unique(result.labels[:, cols])) == 1
    assert f"Image.open({json.dumps(str(path))})" in seg.code()  # the file, wherever it is
    # the page's own image list offers it, and the samples
    items = seg.image_choices()
    assert items[:2] == ["sample:china", "sample:flower"] and "image:three-stripes.png" in items


def test_apply_params_switches_image_and_k(window, seg):
    img = np.ascontiguousarray(sample_image("flower")[::2, ::2])
    key = window.ctx.add_image("small flower", img)
    window.ctx.navigate("segmentation", image=key, k=5)
    seg.wait_result(k=5, key=key)
    assert seg.k_shown()[0] == 5
    np.testing.assert_array_equal(seg.original_image(), img)
    assert seg.original_full_shape() == img.shape[:2]
    # the slider then works on that image, reusing its colour table
    table = seg.colour_table(key)
    seg.set_k(3)
    seg.wait_result(k=3, key=key)
    assert seg.colour_table(key) is table
    assert n_colours(seg.segmented_image()) == 3
    assert not window.message_bar.isVisible() or window.message_bar.level != "error"


def test_picking_another_image_in_the_menu(seg):
    seg.set_image("flower.jpg (sample photo)")
    assert seg.image_key() == "sample:flower"
    np.testing.assert_array_equal(seg.original_image(), sample_image("flower"))
    np.testing.assert_array_equal(seg.segmented_image(),
                                  segment_image(sample_image("flower"), 8).image)
    assert seg.saved_settings().image == "sample:flower"
    seg.set_image("sample:china")
    np.testing.assert_array_equal(seg.original_image(), sample_image("china"))


def test_large_images_are_drawn_from_a_reduced_copy(window, seg):
    import gui.pages.segmentation.jobs as module

    rng = np.random.default_rng(1)
    img = rng.integers(0, 256, size=(40, 2 * module.PREVIEW_SIDE + 10, 3), dtype=np.uint8)
    key = window.ctx.add_image("wide", img)
    seg.page.apply_params(image=key)
    seg.wait_result(key=key)
    drawn = seg.original_image()
    assert drawn.shape[1] <= module.PREVIEW_SIDE
    np.testing.assert_array_equal(drawn, img[::3, ::3])
    assert seg.original_extent() == pytest.approx(img.shape[1])
    assert seg.result().seg.labels.shape == img.shape[:2]  # computed at full size
    assert "1 pixel in 3×3" in seg.image_info()
    # the highlight is painted on the reduced copy, by a job
    seg.click_swatch(0)
    drawn = seg.segmented_image()
    assert drawn.shape == img[::3, ::3].shape
    mask = seg.result().seg.labels[::3, ::3] == 0
    np.testing.assert_array_equal(drawn[mask], seg.result().seg.image[::3, ::3][mask])


def test_bad_image_keeps_the_previous_result(window, seg, qtbot):
    before = seg.result()
    key = window.ctx.add_image("flat", np.zeros((5, 5), np.uint8))
    window.ctx.navigate("segmentation", image=key)
    qtbot.waitUntil(lambda: window.message_bar.isVisible(), timeout=30_000)
    assert window.message_bar.level == "error"
    assert "shape" in window.message_bar.text()
    assert seg.result() is before
    assert seg.image_key() == "sample:china"
    np.testing.assert_array_equal(seg.segmented_image(), before.seg.image)


def test_cancel_keeps_the_previous_result(window, seg, qtbot, monkeypatch):
    import gui.pages.segmentation.jobs as module

    before = seg.result()
    started = threading.Event()

    def slow_job(*args, progress=None):
        """Reports progress until the Cancel button makes the callback raise Cancelled."""
        started.set()
        while True:  # a long computation that reports progress until cancelled
            progress(0.5)
            threading.Event().wait(0.01)

    monkeypatch.setattr(module, "segment_job", slow_job)
    seg.set_k(20, wait=False)
    qtbot.waitUntil(started.is_set, timeout=10_000)
    qtbot.waitUntil(window.cancel_button.isVisible, timeout=5_000)
    qtbot.mouseClick(window.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not any(t.key.endswith(":segment")
                                    for t in window.tasks.active_tasks()), timeout=10_000)
    assert seg.result() is before and seg.result().k == 8  # the slider says 20, nothing lost
    assert seg.k() == 20
    np.testing.assert_array_equal(seg.segmented_image(), before.seg.image)


def test_exports_image_palette_and_table(window, seg, qtbot, tmp_path, monkeypatch):
    from PIL import Image
    from PySide6.QtWidgets import QFileDialog

    result = seg.result().seg
    png = tmp_path / "out" / "china-8.png"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(png), "PNG image (*.png)")))
    seg.click_save_image()
    qtbot.waitUntil(png.exists, timeout=30_000)
    qtbot.waitUntil(lambda: "Saved china-8.png" in window.message_bar.text(), timeout=30_000)
    np.testing.assert_array_equal(np.asarray(Image.open(png).convert("RGB")), result.image)

    csv_path = tmp_path / "palette.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(csv_path), "CSV table (*.csv)")))
    seg.click_save_palette()
    seg.wait_idle()
    with open(csv_path, newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][:3] == ["colour", "hex", "red"]
    assert len(rows) == 1 + 8
    hexes = ["#{:02x}{:02x}{:02x}".format(*c) for c in result.palette_uint8]
    assert [r[1] for r in rows[1:]] == hexes
    assert sum(int(r[6]) for r in rows[1:]) == 640 * 427

    txt = tmp_path / "palette.txt"
    seg.export_palette(txt)
    assert txt.read_text().split() == hexes

    header, table = seg.export_table()
    assert header[1] == "hex" and len(table) == 8
    assert table[0][5] == pytest.approx(result.shares[0], abs=1e-6)
    assert seg.exported_view() == "side"


def test_export_palette_error_is_explained(seg, tmp_path, window):
    folder = tmp_path / "a-folder.csv"
    folder.mkdir()
    seg.export_palette(folder)
    assert window.message_bar.isVisible() and window.message_bar.level == "error"
    assert "Could not save" in window.message_bar.text()


def test_every_control_has_a_tooltip(seg):
    tips = seg.tooltips()
    for name, tip in tips.items():
        assert tip, name
    assert sum(name.startswith("swatch") for name in tips) == 8


def test_open_image_button_opens_and_segments(window, seg, tmp_path, monkeypatch):
    from PIL import Image
    from PySide6.QtWidgets import QFileDialog

    img = np.ascontiguousarray(sample_image("flower")[::4, ::4])
    path = tmp_path / "small-flower.png"
    Image.fromarray(img).save(path)
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (str(path), "Images")))
    seg.click_open_image()
    seg.wait_result(key="image:small-flower.png")
    np.testing.assert_array_equal(seg.original_image(), img)
    assert "small-flower.png" in window.message_bar.text()


def test_image_seed_mode_and_split_come_back_after_a_restart(window, seg, qtbot):
    from gui.app import MainWindow

    seg.set_image("sample:flower")
    seg.set_seed(3)
    seg.set_k(5)
    seg.set_mode("overlay")
    seg.set_split(0.3)
    seg.wait_idle()
    window.close()
    again = MainWindow()
    qtbot.addWidget(again)
    again.resize(1320, 820)
    again.show()
    page = again.show_page("segmentation")
    page.ensure_started()
    seg2 = SegmentationDriver(page, qtbot)
    seg2.wait_result(k=5, key="sample:flower", seed=3)
    assert seg2.k_shown() == (5, 5) and seg2.seed() == 3
    assert seg2.image_key() == "sample:flower"
    assert seg2.mode() == "overlay" and seg2.view_shown() == "overlay"
    assert seg2.split() == 300 and seg2.split_line_x() == pytest.approx(0.3 * 640)
    np.testing.assert_array_equal(seg2.segmented_image(),
                                  segment_image(sample_image("flower"), 5, random_state=3).image)
    seg2.wait_idle()
    again.close()


def test_a_swatch_of_a_replaced_palette_highlights_nothing(qtbot):
    """Found by the long monkey: a swatch button deleted later was still clickable and
    highlighted colour 26 of a 2-colour palette (IndexError in a task and in the controls)."""
    from gui.widgets.swatches import SwatchGrid

    grid = SwatchGrid()
    qtbot.addWidget(grid)
    seen = []
    grid.selected.connect(seen.append)
    grid.set_palette([(0, 0, 0)] * 27, [1 / 27] * 27, ["#000000"] * 27)
    old = grid.buttons[26]
    grid.set_palette([(0, 0, 0)] * 2, [0.5, 0.5], ["#000000"] * 2)
    old.click()
    assert seen == [] and grid.current() == -1
    grid.buttons[1].click()
    assert seen == [1]
