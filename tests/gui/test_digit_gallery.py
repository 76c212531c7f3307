"""The digit gallery measures its captions once per font (not once per tile)."""

from __future__ import annotations

import numpy as np


def test_the_gallery_measures_its_captions_again_when_its_font_changes(qtbot):
    from gui.widgets.digit_gallery import DigitGallery

    gallery = DigitGallery(columns=5)
    qtbot.addWidget(gallery)
    gallery.set_items(np.zeros((10, 8, 8)), [f"n={i}" for i in range(10)])
    before = gallery.sizeHint().height()
    font = gallery.font()
    font.setPointSizeF(font.pointSizeF() * 3)
    gallery.setFont(font)
    assert gallery.sizeHint().height() > before  # two rows of taller captions


def test_the_gallery_paints_every_digit_where_its_geometry_says(qtbot):
    from gui.widgets.digit_gallery import DigitGallery

    gallery = DigitGallery(columns=5)
    qtbot.addWidget(gallery)
    images = np.zeros((10, 8, 8))
    images[:, 2:6, 2:6] = 16  # a black square in the middle of every digit
    gallery.set_items(images, [f"n={i}" for i in range(10)])
    gallery.resize(500, 300)
    picture = gallery.grab().toImage()
    for tile in range(10):
        centre = gallery.image_rect(tile).center()
        assert picture.pixelColor(centre).lightness() < 60, tile


def _gallery_on_screen(qtbot, n=30):
    from gui.widgets.digit_gallery import DigitGallery

    gallery = DigitGallery(columns=10)
    qtbot.addWidget(gallery)
    images = np.zeros((n, 8, 8))
    images[:, 2:6, 2:6] = 16
    gallery.set_items(images, [f"n={i}" for i in range(n)])
    gallery.resize(640, 260)
    gallery.show()
    qtbot.waitExposed(gallery)
    _wait_shown(qtbot)
    return gallery


def _wait_shown(qtbot):
    """Wait until the gallery drew its new digits' pictures (on a turn of their own) and
    painted them."""
    from gui.tasks import staged_work_waiting

    qtbot.waitUntil(lambda: not staged_work_waiting(), timeout=10_000)
    qtbot.wait(20)


class _PaintedRegions:
    """The regions of a widget's paint events."""

    def __init__(self, widget):
        from PySide6.QtCore import QObject

        class Filter(QObject):
            def eventFilter(inner, obj, event):  # noqa: N802, N805 - Qt override
                from PySide6.QtCore import QEvent

                if obj is widget and event.type() == QEvent.Type.Paint:
                    self.regions.append(event.region().boundingRect())
                return False

        self.regions = []
        self.filter = Filter()
        widget.installEventFilter(self.filter)


def test_a_label_repaints_its_tile_and_the_screen_shows_what_a_whole_paint_would(qtbot):
    from PySide6.QtGui import QGuiApplication

    gallery = _gallery_on_screen(qtbot)
    painted = _PaintedRegions(gallery)
    labels = np.full(30, -1)
    labels[12] = 7
    gallery.set_labels(labels)
    qtbot.waitUntil(lambda: bool(painted.regions))
    qtbot.wait(20)
    area = gallery.tile_rect(12).adjusted(-6, -6, 6, 6)
    assert all(area.contains(r) for r in painted.regions), painted.regions
    # what the window shows after the tile's paint is what painting everything gives
    top = gallery.window()
    shown = QGuiApplication.primaryScreen().grabWindow(top.winId()).toImage()
    whole = gallery.grab().toImage()
    origin = gallery.mapTo(top, gallery.rect().topLeft())
    shown = shown.copy(origin.x(), origin.y(), whole.width(), whole.height())
    assert shown.convertToFormat(whole.format()) == whole


def test_moving_the_selection_repaints_the_two_tiles_only(qtbot):
    gallery = _gallery_on_screen(qtbot)
    painted = _PaintedRegions(gallery)
    gallery.set_current(5)
    qtbot.waitUntil(lambda: bool(painted.regions))
    qtbot.wait(20)
    both = gallery.tile_rect(0).united(gallery.tile_rect(5)).adjusted(-6, -6, 6, 6)
    assert all(both.contains(r) for r in painted.regions), painted.regions
    assert all(r.width() < gallery.width() for r in painted.regions)


def _shown(gallery):
    from PySide6.QtGui import QImage

    return gallery.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)


def test_a_gallery_that_was_labelled_and_resized_shows_what_a_new_one_shows(qtbot):
    """The tiles' pictures and badges are kept between paints: whatever happened before
    (labels typed and changed, mistakes marked, the selection moved, another size), the
    gallery shows exactly what one given only the final state shows."""

    images = np.zeros((20, 8, 8))
    images[:, 2:6, 2:6] = np.arange(20)[:, None, None] % 17
    truth = np.arange(20) % 10
    final = truth.copy()
    final[[1, 5]] = -1
    final[[2, 7]] = (truth[[2, 7]] + 3) % 10  # two mistakes

    used = _gallery_on_screen(qtbot, n=20)
    used.set_items(images, [f"n={i}" for i in range(20)])
    used.resize(500, 220)
    used.set_labels(np.full(20, 4))
    used.grab()  # (painted at each step, as it was then)
    used.resize(640, 260)
    used.set_truth(truth)
    used.set_current(3)
    used.grab()
    used.set_labels((truth + 1) % 10)
    used.grab()
    used.set_labels(final)
    used.set_current(7)

    fresh = _gallery_on_screen(qtbot, n=20)
    fresh.set_items(images, [f"n={i}" for i in range(20)])
    fresh.set_labels(final)
    fresh.set_truth(truth)
    fresh.set_current(7)
    assert used.mistakes().tolist() == fresh.mistakes().tolist() == [2, 7]
    assert _shown(used) == _shown(fresh)
    # and the screen shows it too, not only a new paint
    used.set_labels(truth)
    qtbot.wait(30)
    fresh.set_labels(truth)
    qtbot.wait(30)
    assert _shown(used) == _shown(fresh)


def test_new_digits_reach_the_screen_after_their_pictures_are_drawn(qtbot):
    """set_items draws the tiles' pictures on a turn of its own, then repaints: the screen
    shows the new digits (not the last ones) once the event loop ran."""
    from PySide6.QtGui import QImage

    gallery = _gallery_on_screen(qtbot, n=20)
    before = _shown(gallery)
    images = np.zeros((20, 8, 8))
    images[:, :, :4] = 16  # other digits: the left half black
    gallery.set_items(images, [f"m={i}" for i in range(20)])
    _wait_shown(qtbot)
    screen = gallery.screen().grabWindow(gallery.winId()).toImage()
    screen = screen.convertToFormat(QImage.Format.Format_RGB32)
    assert screen.size() == gallery.size()
    assert screen == _shown(gallery) != before
