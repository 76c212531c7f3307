"""Images as RGB ``uint8`` arrays, whatever the file's mode."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np

from core.datasets import Dataset, check_file
from core.errors import DataError

#: Largest image :func:`load_image` opens, in pixels (a 24 MP photo fits easily).
MAX_IMAGE_PIXELS = 100_000_000

#: Largest image file, in bytes.
MAX_IMAGE_BYTES = 500 * 1024 * 1024

SAMPLE_IMAGES = {"china": "china.jpg", "flower": "flower.jpg"}

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".gif")


def load_image(path: str | os.PathLike, *, max_pixels: int = MAX_IMAGE_PIXELS) -> np.ndarray:
    """Read an image file into an (H, W, 3) ``uint8`` RGB array.

    Palette, greyscale, 16-bit, CMYK and other modes are converted; alpha is
    composited on white; the EXIF orientation is applied. Broken files,
    files that are not images and decompression bombs raise :class:`DataError`.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    path = Path(path)
    check_file(path, MAX_IMAGE_BYTES, kind="images")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                w, h = img.size
                if w * h > max_pixels:
                    raise DataError(
                        f"The image '{path.name}' is {w} × {h} = {w * h / 1e6:.0f} megapixels; "
                        f"ClusterLab opens images up to {max_pixels / 1e6:.0f} megapixels."
                    )
                img.load()
                img = ImageOps.exif_transpose(img)
                return _to_rgb(img)
    except DataError:
        raise
    except PermissionError as exc:
        raise DataError(f"The file '{path.name}' cannot be read: permission denied.") from exc
    except UnidentifiedImageError as exc:
        raise DataError(
            f"The file '{path.name}' is not an image ClusterLab can read "
            "(PNG, JPEG, BMP, TIFF, WebP or GIF)."
        ) from exc
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise DataError(
            f"The image '{path.name}' declares more pixels than ClusterLab opens "
            f"({max_pixels / 1e6:.0f} megapixels); it may be a decompression bomb."
        ) from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise DataError(
            f"The image '{path.name}' is truncated or corrupt and cannot be read."
        ) from exc


def _to_rgb(img) -> np.ndarray:
    from PIL import Image

    mode = img.mode
    if mode == "P":
        img = img.convert("RGBA" if "transparency" in img.info else "RGB")
        mode = img.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        arr = np.asarray(img, dtype=np.float64)
        if mode.startswith("I;16"):
            arr = arr / 257.0
        else:
            lo, hi = float(np.nanmin(arr)), float(np.nanmax(arr))
            arr = (arr - lo) * (255.0 / (hi - lo)) if hi > lo else np.zeros_like(arr)
        grey = np.clip(np.rint(arr), 0, 255).astype(np.uint8)
        return np.ascontiguousarray(np.repeat(grey[:, :, None], 3, axis=2))
    if mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = img.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = Image.alpha_composite(background, rgba)
    rgb = np.asarray(img.convert("RGB"), dtype=np.uint8)
    return np.ascontiguousarray(rgb)


def sample_image(name: str) -> np.ndarray:
    """One of the photos scikit-learn ships: ``"china"`` or ``"flower"`` (427×640 RGB)."""
    if name not in SAMPLE_IMAGES:
        raise DataError(
            f"There is no sample image called '{name}'; choose one of {', '.join(SAMPLE_IMAGES)}."
        )
    path = _sample_path(SAMPLE_IMAGES[name])
    if path is not None:  # read as scikit-learn reads it, without importing scikit-learn (~1 s)
        from PIL import Image

        with Image.open(path) as pil:
            img = np.ascontiguousarray(np.asarray(pil), dtype=np.uint8)
    else:
        from sklearn.datasets import load_sample_image

        img = np.ascontiguousarray(load_sample_image(SAMPLE_IMAGES[name]), dtype=np.uint8)
    img.setflags(write=False)
    return img


def _sample_path(filename: str):
    """The path of one of scikit-learn's sample photos, found without importing it."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("sklearn")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        path = Path(folder) / "datasets" / "images" / filename
        if path.is_file():
            return path
    return None


def pixel_dataset(rgb: np.ndarray, name: str, max_points: int = 50_000, random_state: int = 42):
    """The colours of (a random sample of) an image's pixels as a 3-feature dataset.

    ``extra["rgb"]`` holds each sampled pixel's own colour, for drawing it.
    """


    pixels = np.asarray(rgb, dtype=np.uint8).reshape(-1, 3)
    n = pixels.shape[0]
    if n > max_points:
        rng = np.random.default_rng(random_state)
        idx = np.sort(rng.choice(n, size=max_points, replace=False))
        pixels = pixels[idx]
        note = f"{max_points:,} of its {n:,} pixels, sampled at random"
    else:
        note = f"all {n:,} pixels"
    h, w = rgb.shape[:2]
    return Dataset(
        name=f"{name} (pixel colours)",
        X=pixels.astype(np.float64),
        feature_names=("red", "green", "blue"),
        description=f"The colours of the {w}×{h} image '{name}': {note}. "
                    "Each point is a pixel in RGB space; colour segmentation clusters these.",
        source=name,
        code=("import numpy as np\nfrom PIL import Image\n\n"
              f'image = np.asarray(Image.open("{name}").convert("RGB"))\n'
              "X = image.reshape(-1, 3).astype(float)\n"
              + (f"rng = np.random.default_rng({random_state})\n"
                 f"X = X[np.sort(rng.choice(len(X), size={max_points}, replace=False))]\n"
                 if n > max_points else "")),
        key=f"pixels:{name}",
        extra={"rgb": pixels},
    )
