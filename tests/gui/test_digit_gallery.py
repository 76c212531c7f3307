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
