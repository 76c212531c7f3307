"""A run as an animation: frames (RGB arrays) saved as an animated GIF or as numbered PNG
files, with Pillow, each file written atomically (core.storage).

Where the frames go (:func:`frame_paths`):

- ``run.gif``: one animated GIF that loops, the last frame held longer;
- ``run.png``: ``run-000.png``, ``run-001.png``, ...;
- ``frames/%03d.png`` (a ``%d`` pattern): ``frames/000.png``, ...;
- ``frames/`` (a folder, or a name without extension): ``frames/frame-000.png``, ...
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from core.errors import DataError
from core.progress import ProgressFn, report
from core.storage import atomic_write_bytes


def is_gif(target: str | os.PathLike) -> bool:
    return str(target).lower().endswith(".gif")


def frame_paths(target: str | os.PathLike, n: int) -> list[Path]:
    """The files ``n`` PNG frames are written to (see the module's help)."""
    text = str(target)
    digits = max(3, len(str(max(n - 1, 0))))
    name = Path(text).name
    if "%" in name:
        try:
            paths = [Path(text % i) for i in range(n)]
        except (TypeError, ValueError) as exc:
            raise DataError(f"'{name}' is not a frame pattern like 'frame-%03d.png'.") from exc
        if n > 1 and len(set(paths)) != n:
            raise DataError(f"The pattern '{name}' gives every frame the same name.")
        return paths
    path = Path(text)
    if text.endswith(("/", os.sep)) or path.is_dir() or not path.suffix:
        return [path / f"frame-{i:0{digits}d}.png" for i in range(n)]
    if path.suffix.lower() != ".png":
        raise DataError(f"Frames are saved as an animated .gif or as numbered .png files, "
                        f"not as '{path.suffix}'.")
    return [path.with_name(f"{path.stem}-{i:0{digits}d}.png") for i in range(n)]


def gif_bytes(frames: Sequence[np.ndarray], frame_ms: int = 700, hold_ms: int = 2000) -> bytes:
    """An animated GIF of ``frames`` ((h, w, 3) uint8 arrays) that loops; the last frame
    stays ``hold_ms`` before the run starts again."""
    from PIL import Image

    if not frames:
        raise DataError("There is no frame to save.")
    images = [Image.fromarray(np.ascontiguousarray(f[..., :3], dtype=np.uint8), "RGB")
              .quantize(colors=255, method=Image.Quantize.MEDIANCUT,
                        dither=Image.Dither.NONE) for f in frames]
    durations = [frame_ms] * (len(images) - 1) + [hold_ms]
    buf = io.BytesIO()
    images[0].save(buf, format="GIF", save_all=True, append_images=images[1:],
                   duration=durations, loop=0, disposal=1, optimize=False)
    return buf.getvalue()


def png_bytes(frame: np.ndarray, dpi: float | None = None) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    image = Image.fromarray(np.ascontiguousarray(frame[..., :3], dtype=np.uint8), "RGB")
    image.save(buf, format="PNG", **({"dpi": (dpi, dpi)} if dpi else {}))
    return buf.getvalue()


def save_animation(target: str | os.PathLike, frames: Sequence[np.ndarray],
                   frame_ms: int = 700, hold_ms: int = 2000, dpi: float | None = None,
                   progress: ProgressFn | None = None) -> list[Path]:
    """Save ``frames`` as an animated GIF (``target`` ends in .gif) or numbered PNGs;
    returns the files written."""
    if not frames:
        raise DataError("There is no frame to save.")
    if is_gif(target):
        path = atomic_write_bytes(target, gif_bytes(frames, frame_ms, hold_ms))
        report(progress, 1.0)
        return [path]
    paths = frame_paths(target, len(frames))
    for i, (path, frame) in enumerate(zip(paths, frames)):
        atomic_write_bytes(path, png_bytes(frame, dpi))
        report(progress, (i + 1) / len(frames))
    return paths
