"""The Image segmentation page, driven through its widgets."""

from __future__ import annotations

import csv
import threading

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt

from core.images import sample_image
from core.segmentation import CHAPTER_N_COLORS, segment_image


def n_colours(img: np.ndarray) -> int:
    return len(np.unique(np.asarray(img).reshape(-1, 3), axis=0))


def wait_for_k(qtbot, page, k: int, key: str | None = None, timeout: int = 30_000) -> None:
    qtbot.waitUntil(lambda: page.shown is not None and page.shown.k == k
                    and (key is None or page.shown.key == key), timeout=timeout)


@pytest.fixture
def page(open_page):
    return open_page("segmentation")


def test_opens_on_the_china_photo_with_eight_colours(page):
    china = sample_image("china")
    assert page.current_k() == 8
    shown = page.shown
    assert shown.key == "sample:china" and shown.k == 8 and shown.seed == 42
    # the original view holds the photo itself, upright (row 0 on top)
    np.testing.assert_array_equal(page.original_panel.image(), china)
    assert page.original_panel.view.yInverted()
    assert page.original_panel.view.state["aspectLocked"]
    # the segmented view holds 8 colours: the engine's result for k=8, seed 42
    seg_img = page.segmented_panel.image()
    assert n_colours(seg_img) == 8
    expected = segment_image(china, 8, random_state=42)
    np.testing.assert_array_equal(seg_img, expected.image)
    assert len(page.swatches.buttons) == 8
    assert page.swatches.buttons[0].text() == f"{100 * expected.shares[0]:.1f}%"
    assert "8 colours" in page.segmented_panel.title()
    assert "640 × 427" in page.image_info.text()
    assert "KMeans(n_clusters=8, random_state=42)" in page.code()
    assert 'load_sample_image("china.jpg")' in page.code()


def test_k_slider_is_live_and_the_last_value_wins(page, qtbot):
    slider = page.k_slider
    slider.setFocus()
    for _ in range(3):  # 8 -> 14 in three quick steps
        qtbot.keyClick(slider, Qt.Key.Key_PageUp)
    assert slider.value() == 14 and page.k_spin.value() == 14
    wait_for_k(qtbot, page, 14)
    qtbot.wait(300)  # no stale result for 10 or 12 arrives after it
    assert page.shown.k == 14
    assert n_colours(page.segmented_panel.image()) == 14
    assert len(page.swatches.buttons) == 14
    assert "n_clusters=14" in page.code()
    assert page.ctx.settings.value("segmentation/k", type=int) == 14


def test_k_spin_box_and_seed(page, qtbot):
    spin = page.k_spin
    spin.selectAll()
    qtbot.keyClicks(spin, "3")
    qtbot.keyClick(spin, Qt.Key.Key_Return)
    wait_for_k(qtbot, page, 3)
    assert page.k_slider.value() == 3
    assert n_colours(page.segmented_panel.image()) == 3
    page.seed_spin.setValue(7)
    qtbot.waitUntil(lambda: page.shown.seed == 7, timeout=30_000)
    assert "random_state=7" in page.code()
    expected = segment_image(sample_image("china"), 3, random_state=7)
    np.testing.assert_array_equal(page.segmented_panel.image(), expected.image)


def test_clicking_a_swatch_highlights_its_pixels(page, qtbot):
    shown = page.shown
    button = page.swatches.buttons[2]
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert button.isChecked() and page.swatches.current() == 2
    drawn = page.segmented_panel.image()
    mask = shown.seg.labels == 2
    np.testing.assert_array_equal(drawn[mask], shown.seg.image[mask])
    assert not np.array_equal(drawn[~mask], shown.seg.image[~mask])
    # the others are washed out: lighter than their colour
    assert drawn[~mask].astype(int).mean() > shown.seg.image[~mask].astype(int).mean()
    assert "Colour 2" in page.palette_note.text()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)  # again: everything back
    assert page.swatches.current() == -1
    np.testing.assert_array_equal(page.segmented_panel.image(), shown.seg.image)


def test_overlay_with_a_split_line(page, qtbot):
    page.mode_combo.setCurrentIndex(page.mode_combo.findData("overlay"))
    assert page.stack.currentWidget() is page.overlay
    assert page.split_slider.isEnabled()
    page.split_slider.setValue(250)  # a quarter of the width: 160 of 640 pixels
    assert page.split_line.value() == pytest.approx(160.0)
    top = page.overlay_top
    assert top.image.shape[:2] == (427, 480)
    np.testing.assert_array_equal(top.image, page.shown.seg.image[:, 160:])
    assert top.mapRectToParent(top.boundingRect()).left() == pytest.approx(160.0)
    np.testing.assert_array_equal(page.overlay_panel.image(), sample_image("china"))
    # dragging the line moves the slider
    page.split_line.setValue(480.0)
    assert page.split_slider.value() == 750
    assert page.overlay_top.image.shape[1] == 160
    assert page.export_widget() is page.overlay


def test_hover_reads_the_pixel_and_its_palette_colour(page, qtbot):
    view = page.original_panel.view
    pos = view.mapViewToScene(QPointF(100.5, 50.5))
    page.side.scene().sigMouseMoved.emit(pos)
    r, g, b = sample_image("china")[50, 100]
    label = int(page.shown.seg.labels[50, 100])
    text = page.hover_label.text()
    assert f"x 100, y 50: colour #{r:02x}{g:02x}{b:02x}" in text
    assert f"palette colour {label}" in text


def test_chapter_strip_is_computed_in_the_background(page, qtbot, window):
    page.tabs.setCurrentIndex(1)
    qtbot.waitUntil(lambda: page.strip is not None, timeout=60_000)
    titles = [p.title() for p in page.strip_panels]
    assert titles == ["Original image"] + [f"{k} colors" for k in CHAPTER_N_COLORS]
    china = sample_image("china")
    np.testing.assert_array_equal(page.strip_panels[0].image(), china)
    for panel, k in zip(page.strip_panels[1:], CHAPTER_N_COLORS):
        assert n_colours(panel.image()) == k
    expected = segment_image(china, 4, random_state=42)
    np.testing.assert_array_equal(page.strip_panels[4].image(), expected.image)
    assert "the chapter's figure" in page.strip_status.text()
    assert "n_colors = (10, 8, 6, 4, 2)" in page.code()
    assert window.code_panel.code() == page.code()
    assert page.export_widget() is page.strip_grid


def test_an_opened_image_is_shown_and_segmented(window, page, qtbot, tmp_path):
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
    page.k_slider.setValue(3)
    window.open_path(str(path))
    qtbot.waitUntil(lambda: page.shown is not None
                    and page.shown.key == "image:three-stripes.png", timeout=30_000)
    wait_for_k(qtbot, page, 3, "image:three-stripes.png")
    assert window.current_page() is page
    assert page.image_combo.currentText() == "three-stripes.png"
    np.testing.assert_array_equal(page.original_panel.image(), img)
    seg = page.shown.seg
    # three stripes, three colours: each stripe one label
    for cols in (slice(0, 30), slice(30, 60), slice(60, 90)):
        assert len(np.unique(seg.labels[:, cols])) == 1
    assert 'Image.open("three-stripes.png")' in page.code()
    # the page's own image list offers it, and the samples
    items = [page.image_combo.itemData(i) for i in range(page.image_combo.count())]
    assert items[:2] == ["sample:china", "sample:flower"] and "image:three-stripes.png" in items


def test_apply_params_switches_image_and_k(window, page, qtbot):
    img = np.ascontiguousarray(sample_image("flower")[::2, ::2])
    key = window.ctx.add_image("small flower", img)
    window.ctx.navigate("segmentation", image=key, k=5)
    wait_for_k(qtbot, page, 5, key)
    assert page.k_slider.value() == 5
    np.testing.assert_array_equal(page.original_panel.image(), img)
    assert page.original_panel.full_shape == img.shape[:2]
    # the slider then works on that image, reusing its colour table
    table = page._images[key].table
    page.k_slider.setValue(3)
    wait_for_k(qtbot, page, 3, key)
    assert page._images[key].table is table
    assert n_colours(page.segmented_panel.image()) == 3
    assert not window.message_bar.isVisible() or window.message_bar.level != "error"


def test_large_images_are_drawn_from_a_reduced_copy(window, page, qtbot):
    import gui.pages.segmentation_page as module

    rng = np.random.default_rng(1)
    img = rng.integers(0, 256, size=(40, 2 * module.PREVIEW_SIDE + 10, 3), dtype=np.uint8)
    key = window.ctx.add_image("wide", img)
    page.apply_params(image=key)
    qtbot.waitUntil(lambda: page.shown is not None and page.shown.key == key, timeout=30_000)
    drawn = page.original_panel.image()
    assert drawn.shape[1] <= module.PREVIEW_SIDE
    np.testing.assert_array_equal(drawn, img[::3, ::3])
    item = page.original_panel.item
    assert item.mapRectToParent(item.boundingRect()).width() == pytest.approx(img.shape[1])
    assert page.shown.seg.labels.shape == img.shape[:2]  # computed at full size
    assert "1 pixel in 3×3" in page.image_info.text()


def test_bad_image_keeps_the_previous_result(window, page, qtbot):
    before = page.shown
    key = window.ctx.add_image("flat", np.zeros((5, 5), np.uint8))
    window.ctx.navigate("segmentation", image=key)
    qtbot.waitUntil(lambda: window.message_bar.isVisible(), timeout=30_000)
    assert window.message_bar.level == "error"
    assert "shape" in window.message_bar.text()
    assert page.shown is before
    assert page.image_combo.currentData() == "sample:china"
    np.testing.assert_array_equal(page.segmented_panel.image(), before.seg.image)


def test_cancel_keeps_the_previous_result(window, page, qtbot, monkeypatch):
    import gui.pages.segmentation_page as module

    before = page.shown
    started = threading.Event()

    def slow_job(*args, progress=None):
        """Reports progress until the Cancel button makes the callback raise Cancelled."""
        started.set()
        while True:  # a long computation that reports progress until cancelled
            progress(0.5)
            threading.Event().wait(0.01)

    monkeypatch.setattr(module, "segment_job", slow_job)
    page.k_slider.setValue(20)
    qtbot.waitUntil(started.is_set, timeout=10_000)
    qtbot.waitUntil(window.cancel_button.isVisible, timeout=5_000)
    qtbot.mouseClick(window.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not any(t.key.endswith(":segment")
                                    for t in window.tasks.active_tasks()), timeout=10_000)
    assert page.shown is before and page.shown.k == 8  # the slider says 20, nothing was lost
    assert page.k_slider.value() == 20
    np.testing.assert_array_equal(page.segmented_panel.image(), before.seg.image)


def test_exports_image_palette_and_table(window, page, qtbot, tmp_path, monkeypatch):
    from PIL import Image
    from PySide6.QtWidgets import QFileDialog

    seg = page.shown.seg
    png = tmp_path / "out" / "china-8.png"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(png), "PNG image (*.png)")))
    qtbot.mouseClick(page.save_image_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(png.exists, timeout=30_000)
    qtbot.waitUntil(lambda: "Saved china-8.png" in window.message_bar.text(), timeout=30_000)
    np.testing.assert_array_equal(np.asarray(Image.open(png).convert("RGB")), seg.image)

    csv_path = tmp_path / "palette.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(csv_path), "CSV table (*.csv)")))
    qtbot.mouseClick(page.save_palette_button, Qt.MouseButton.LeftButton)
    with open(csv_path, newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][:3] == ["colour", "hex", "red"]
    assert len(rows) == 1 + 8
    hexes = ["#{:02x}{:02x}{:02x}".format(*c) for c in seg.palette_uint8]
    assert [r[1] for r in rows[1:]] == hexes
    assert sum(int(r[6]) for r in rows[1:]) == 640 * 427

    txt = tmp_path / "palette.txt"
    page.export_palette(str(txt))
    assert txt.read_text().split() == hexes

    header, table = page.export_table()
    assert header[1] == "hex" and len(table) == 8
    assert table[0][5] == pytest.approx(seg.shares[0], abs=1e-6)
    assert page.export_widget() is page.side


def test_export_palette_error_is_explained(page, tmp_path, window):
    folder = tmp_path / "a-folder.csv"
    folder.mkdir()
    page.export_palette(str(folder))
    assert window.message_bar.isVisible() and window.message_bar.level == "error"
    assert "Could not save" in window.message_bar.text()


def test_every_control_has_a_tooltip(page):
    for w in (page.image_combo, page.open_button, page.k_slider, page.k_spin, page.seed_spin,
              page.mode_combo, page.split_slider, page.save_image_button,
              page.save_palette_button):
        assert w.toolTip(), w
    assert all(b.toolTip() for b in page.swatches.buttons)


def test_open_image_button_opens_and_segments(window, page, qtbot, tmp_path, monkeypatch):
    from PIL import Image
    from PySide6.QtWidgets import QFileDialog

    img = np.ascontiguousarray(sample_image("flower")[::4, ::4])
    path = tmp_path / "small-flower.png"
    Image.fromarray(img).save(path)
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (str(path), "Images")))
    qtbot.mouseClick(page.open_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.shown is not None
                    and page.shown.key == "image:small-flower.png", timeout=30_000)
    np.testing.assert_array_equal(page.original_panel.image(), img)
    assert "small-flower.png" in window.message_bar.text()
