"""The segmentation page's "Show code", from its Qt-free state: it runs as printed."""

from __future__ import annotations

import numpy as np

from gui.pages.segmentation import snippets
from gui.pages.segmentation.state import SegmentationState


def test_default_state_snippet_runs_and_segments_the_photo():
    state = SegmentationState()
    code = snippets.code(state)
    assert "KMeans(n_clusters=8, random_state=42)" in code
    assert 'load_sample_image("china.jpg")' in code
    namespace: dict = {}
    exec(compile(code, "<show code>", "exec"), namespace)  # noqa: S102 - the snippet as printed
    image, seg = namespace["image"], namespace["segmented_img"]
    assert seg.shape == image.shape
    assert len(np.unique(seg.reshape(-1, 3), axis=0)) == 8


def test_opened_image_and_strip_snippets():
    state = SegmentationState.from_json('{"image": "image:me.png", "k": 5, "seed": 7}')
    code = snippets.code(state, "me.png", strip=True)
    assert 'Image.open("me.png")' in code and "n_clusters=5, random_state=7" in code
    assert "n_colors = (10, 8, 6, 4, 2)" in code
    assert "segment_image(image, 5, random_state=7)" in code
    assert SegmentationState.from_json(state.to_json()).params == state.params
