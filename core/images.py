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
            # Pillow's own bomb warning starts at 89.5 megapixels; ClusterLab's limit is
            # max_pixels, checked below with the image's real size
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                w, h = img.size
                if w * h > max_pixels:
                    raise DataError(
                        f"The image '{path.name}' is {w:,} × {h:,} = {w * h:,} pixels "
                        f"({_megapixels(w * h)} megapixels); ClusterLab opens images up to "
                        f"{max_pixels:,} pixels ({_megapixels(max_pixels)} megapixels)."
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
    except Image.DecompressionBombError as exc:
        # Pillow refuses more than twice its limit (179 megapixels) before the size is known
        raise DataError(
            f"The image '{path.name}' declares more pixels than ClusterLab opens "
            f"({max_pixels:,} pixels, {_megapixels(max_pixels)} megapixels); it may be a "
            "decompression bomb."
        ) from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise DataError(
            f"The image '{path.name}' is truncated or corrupt and cannot be read."
        ) from exc


ALPHA_MODES = ("RGBA", "LA", "PA", "RGBa", "La")


def image_code(path: str | os.PathLike) -> str:
    """Python that reads the image file ``path`` into ``image`` exactly as
    :func:`load_image` does: upright (EXIF), transparency composited on white, 16-bit
    and float modes scaled to 0-255. Only the lines this file's mode needs."""
    from PIL import Image

    name = str(path)
    try:
        with Image.open(path) as img:
            mode, transparency = img.mode, "transparency" in img.info
    except Exception:  # noqa: BLE001 - the code for an RGB photo; load_image explains
        mode, transparency = "RGB", False
    lines = ["import numpy as np", "from PIL import Image, ImageOps", "",
             f"img = ImageOps.exif_transpose(Image.open({_quoted(name)}))  # upright"]
    if mode == "P" and transparency:
        mode = "RGBA"
    if mode.startswith("I;16"):
        lines.append("grey = np.clip(np.rint(np.asarray(img, dtype=float) / 257), 0, 255)"
                     "  # 16 bits to 8")
    elif mode in ("I", "F"):
        lines += ["values = np.asarray(img, dtype=float)  # scaled to 0-255",
                  "lo, hi = np.nanmin(values), np.nanmax(values)",
                  "grey = np.clip(np.rint((values - lo) * (255 / (hi - lo)) if hi > lo "
                  "else 0 * values), 0, 255)"]
    if mode.startswith("I") or mode == "F":
        lines.append("image = np.repeat(grey.astype(np.uint8)[:, :, None], 3, axis=2)")
        return "\n".join(lines) + "\n"
    if mode in ALPHA_MODES:
        lines += ["# transparent pixels on white, as ClusterLab shows them "
                  "(.convert(\"RGB\") alone makes them black)",
                  "img = Image.alpha_composite(Image.new(\"RGBA\", img.size, \"white\"), "
                  "img.convert(\"RGBA\"))"]
    lines.append("image = np.asarray(img.convert(\"RGB\"))")
    return "\n".join(lines) + "\n"


def _quoted(text: str) -> str:
    import json

    return json.dumps(text, ensure_ascii=False)


def _megapixels(pixels: int) -> str:
    """Megapixels with as many decimals as it takes not to round (89.5, 100, 100.01)."""
    for decimals in range(0, 7):
        text = f"{pixels / 1e6:.{decimals}f}"
        if abs(float(text) * 1e6 - pixels) < 0.5:
            return text
    return f"{pixels / 1e6:.6f}"


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
    if mode in ALPHA_MODES:
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


def as_rgb(rgb) -> np.ndarray:
    """A C-contiguous (H, W, 3) uint8 array, or a DataError that says what is wrong.

    Floating-point images with values in [0, 1] (matplotlib's ``imread`` of a PNG) are
    scaled by 255; whole numbers from 0 to 255 are taken as they are; other fractions
    are refused with a sentence.
    """
    try:
        arr = np.asarray(rgb)
    except Exception as exc:  # noqa: BLE001 - anything that is not an array
        raise DataError("The image must be an array of pixels (height × width × 3).") from exc
    if arr.ndim != 3 or arr.shape[2] not in (3, 4):
        raise DataError(
            f"The image must have shape (height, width, 3) for its RGB colours; "
            f"this one has shape {tuple(arr.shape)}.")
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise DataError("The image is empty: it has no pixels.")
    if arr.shape[2] == 4:
        arr = arr[:, :, :3]
    if arr.dtype != np.uint8:
        if arr.dtype.kind not in "biuf":
            raise DataError(f"The image's pixels must be numbers, not {arr.dtype}.")
        if arr.dtype.kind == "f" and not np.isfinite(arr).all():
            raise DataError("The image has pixels that are not numbers (NaN or infinity).")
        lo, hi = float(arr.min()), float(arr.max())
        if arr.dtype.kind == "f" and lo >= 0 and hi <= 1:
            # matplotlib's imread gives PNGs as floats in [0, 1]
            arr = np.rint(arr.astype(np.float64) * 255.0)
        elif lo < 0 or hi > 255:
            raise DataError(
                f"The image's colour values must lie between 0 and 255; they range from "
                f"{lo:g} to {hi:g}.")
        elif arr.dtype.kind == "f" and not np.array_equal(arr, np.rint(arr)):
            raise DataError(
                f"The image's colours are fractions from {lo:g} to {hi:g}: ClusterLab reads "
                "floating-point images either with values from 0 to 1 (as matplotlib's imread "
                "gives them) or with whole numbers from 0 to 255. Scale it to one of these.")
        arr = np.rint(arr).astype(np.uint8)
    return np.ascontiguousarray(arr)


def pixel_dataset(rgb: np.ndarray, name: str, max_points: int = 50_000, random_state: int = 42,
                  code: str | None = None):
    """The colours of (a random sample of) an image's pixels as a 3-feature dataset.

    ``extra["rgb"]`` holds each sampled pixel's own colour, for drawing it. ``code`` reads
    the image into ``image`` (:func:`image_code` of its file); without it, a plain
    ``Image.open(name)``.
    """


    pixels = as_rgb(rgb).reshape(-1, 3)
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
        code=((code or "import numpy as np\nfrom PIL import Image\n\n"
               f'image = np.asarray(Image.open({_quoted(name)}).convert("RGB"))\n')
              + "X = image.reshape(-1, 3).astype(float)\n"
              + (f"rng = np.random.default_rng({random_state})\n"
                 f"X = X[np.sort(rng.choice(len(X), size={max_points}, replace=False))]\n"
                 if n > max_points else "")),
        key=f"pixels:{name}",
        extra={"rgb": pixels},
    )
