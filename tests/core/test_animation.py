"""core.animation: a run's frames as an animated GIF or numbered PNGs (issue 16)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from core.animation import frame_paths, save_animation
from core.errors import DataError


def frames(n: int = 3, h: int = 20, w: int = 30) -> list[np.ndarray]:
    out = []
    for i in range(n):
        f = np.full((h, w, 3), 255, np.uint8)
        f[:, i * 5:(i + 1) * 5] = (200, 30, 30)  # a red bar that moves
        out.append(f)
    return out


def test_frame_paths(tmp_path):
    assert frame_paths(tmp_path / "run.png", 2) == [tmp_path / "run-000.png",
                                                    tmp_path / "run-001.png"]
    assert frame_paths(tmp_path / "f-%02d.png", 2) == [tmp_path / "f-00.png",
                                                       tmp_path / "f-01.png"]
    assert frame_paths(f"{tmp_path}/out/", 1) == [tmp_path / "out" / "frame-000.png"]
    assert frame_paths(tmp_path / "out", 1001)[-1] == tmp_path / "out" / "frame-1000.png"
    with pytest.raises(DataError, match="not as '.jpg'"):
        frame_paths(tmp_path / "run.jpg", 2)
    with pytest.raises(DataError, match="same name"):
        frame_paths(tmp_path / "run-%.0s.png", 2)
    with pytest.raises(DataError, match="not a frame pattern"):
        frame_paths(tmp_path / "run-%%.png", 2)


def test_gif_loops_through_every_frame(tmp_path):
    paths = save_animation(tmp_path / "run.gif", frames(4), frame_ms=300, hold_ms=1200)
    assert paths == [tmp_path / "run.gif"]
    with Image.open(paths[0]) as gif:
        assert gif.n_frames == 4 and gif.info["loop"] == 0 and gif.size == (30, 20)
        seen = []
        for i in range(4):
            gif.seek(i)
            rgb = np.asarray(gif.convert("RGB"))
            seen.append(int(np.flatnonzero(rgb[10, :, 1] < 100)[0]))
            assert gif.info["duration"] == (1200 if i == 3 else 300)
    assert seen == [0, 5, 10, 15]  # the frames in order, colours kept


def test_png_frames_numbered_and_exact(tmp_path):
    fs = frames(3)
    paths = save_animation(tmp_path / "seq" / "step.png", fs, dpi=192)
    assert [p.name for p in paths] == ["step-000.png", "step-001.png", "step-002.png"]
    for p, f in zip(paths, fs):
        with Image.open(p) as img:
            np.testing.assert_array_equal(np.asarray(img.convert("RGB")), f)
            assert round(img.info["dpi"][0]) == 192
    assert not list((tmp_path / "seq").glob(".*.tmp"))
    with pytest.raises(DataError, match="no frame"):
        save_animation(tmp_path / "x.gif", [])
