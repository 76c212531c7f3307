"""Images: every mode to RGB uint8, and broken files refused with a sentence."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from core.errors import DataError
from core.images import image_code, load_image, pixel_dataset, sample_image


def rgb_gradient(w=40, h=30):
    x = np.linspace(0, 255, w, dtype=np.uint8)[None, :].repeat(h, 0)
    y = np.linspace(0, 255, h, dtype=np.uint8)[:, None].repeat(w, 1)
    return np.dstack([x, y, 255 - x])


def test_rgb_png_roundtrip(tmp_path):
    arr = rgb_gradient()
    p = tmp_path / "a.png"
    Image.fromarray(arr).save(p)
    out = load_image(p)
    assert out.dtype == np.uint8 and out.shape == (30, 40, 3)
    np.testing.assert_array_equal(out, arr)


@pytest.mark.parametrize("fmt", ["JPEG", "BMP", "TIFF", "WEBP"])
def test_other_formats(tmp_path, fmt):
    p = tmp_path / f"a.{fmt.lower()}"
    Image.fromarray(rgb_gradient()).save(p, format=fmt)
    out = load_image(p)
    assert out.shape == (30, 40, 3) and out.dtype == np.uint8


def test_greyscale_and_palette(tmp_path):
    grey = np.arange(256, dtype=np.uint8).reshape(16, 16)
    Image.fromarray(grey, "L").save(tmp_path / "g.png")
    out = load_image(tmp_path / "g.png")
    np.testing.assert_array_equal(out[..., 0], grey)
    np.testing.assert_array_equal(out[..., 0], out[..., 2])
    pal = Image.fromarray(rgb_gradient()).convert("P", palette=Image.Palette.ADAPTIVE, colors=16)
    pal.save(tmp_path / "p.png")
    out = load_image(tmp_path / "p.png")
    np.testing.assert_array_equal(out, np.asarray(pal.convert("RGB")))


def test_alpha_is_composited_on_white(tmp_path):
    rgba = np.zeros((4, 4, 4), dtype=np.uint8)
    rgba[..., 0] = 255  # red
    rgba[:2, :, 3] = 0  # top half transparent
    rgba[2:, :, 3] = 255
    Image.fromarray(rgba, "RGBA").save(tmp_path / "a.png")
    out = load_image(tmp_path / "a.png")
    np.testing.assert_array_equal(out[0, 0], [255, 255, 255])
    np.testing.assert_array_equal(out[3, 3], [255, 0, 0])
    # a palette image with a transparent entry
    pal = Image.new("P", (4, 4), 0)
    pal.putpalette([0, 0, 0, 0, 255, 0] + [0] * 762)
    pal.info["transparency"] = 0
    pal.putpixel((3, 3), 1)
    pal.save(tmp_path / "t.png", transparency=0)
    out = load_image(tmp_path / "t.png")
    np.testing.assert_array_equal(out[0, 0], [255, 255, 255])
    np.testing.assert_array_equal(out[3, 3], [0, 255, 0])


def test_16_bit_and_float_and_bilevel(tmp_path):
    deep = (np.arange(64, dtype=np.uint16).reshape(8, 8) * 1000)
    Image.fromarray(deep).save(tmp_path / "d.png")
    out = load_image(tmp_path / "d.png")
    expected = np.clip(np.rint(deep / 257.0), 0, 255).astype(np.uint8)
    np.testing.assert_array_equal(out[..., 1], expected)
    flt = np.linspace(-1, 1, 64, dtype=np.float32).reshape(8, 8)
    Image.fromarray(flt, "F").save(tmp_path / "f.tiff")
    out = load_image(tmp_path / "f.tiff")
    assert out[0, 0, 0] == 0 and out[-1, -1, 0] == 255
    Image.new("1", (5, 5), 1).save(tmp_path / "b.png")
    np.testing.assert_array_equal(load_image(tmp_path / "b.png"), np.full((5, 5, 3), 255))


def test_cmyk_jpeg(tmp_path):
    Image.new("CMYK", (6, 4), (0, 255, 255, 0)).save(tmp_path / "c.jpg")
    out = load_image(tmp_path / "c.jpg")
    assert out.shape == (4, 6, 3)
    assert out[..., 0].mean() > 200 and out[..., 1].mean() < 60  # red


def test_exif_rotation_is_applied(tmp_path):
    img = Image.fromarray(rgb_gradient(40, 30))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise on display
    img.save(tmp_path / "r.jpg", exif=exif)
    assert load_image(tmp_path / "r.jpg").shape == (40, 30, 3)


def test_truncated_and_corrupt_and_not_an_image(tmp_path):
    p = tmp_path / "full.png"
    noise = np.random.default_rng(0).integers(0, 256, (200, 200, 3), dtype=np.uint8)
    Image.fromarray(noise).save(p)
    cut = tmp_path / "cut.png"
    cut.write_bytes(p.read_bytes()[: p.stat().st_size // 2])
    with pytest.raises(DataError, match="truncated or corrupt"):
        load_image(cut)
    junk = tmp_path / "junk.jpg"
    junk.write_bytes(b"this is not a jpeg at all" * 10)
    with pytest.raises(DataError, match="is not an image ClusterLab can read"):
        load_image(junk)
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    with pytest.raises(DataError, match="is empty"):
        load_image(empty)
    with pytest.raises(DataError, match="does not exist"):
        load_image(tmp_path / "missing.png")


def test_decompression_bomb_is_refused_before_decoding(tmp_path):
    p = tmp_path / "bomb.png"
    Image.new("L", (3000, 3000)).save(p)  # tiny file, 9 megapixels
    with pytest.raises(DataError, match=r"\(9 megapixels\); ClusterLab opens images up to "
                                        r"1,000,000 pixels \(1 megapixels\)"):
        load_image(p, max_pixels=1_000_000)


def _png_header_only(path, width: int, height: int) -> None:
    """A PNG that declares its size and holds no pixels (opening reads the size only)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b""))


@pytest.mark.parametrize("width, height, words", [
    # between Pillow's bomb warning (89.5 MP) and ClusterLab's limit: not a size problem
    (9_500, 9_500, "truncated or corrupt"),
    (10_000, 10_000, "truncated or corrupt"),
    # just over the limit: the message gives the real size, not a rounded one
    (10_001, 10_000, r"100,010,000 pixels \(100.01 megapixels\); ClusterLab opens images up "
                     r"to 100,000,000 pixels \(100 megapixels\)"),
    (12_000, 12_000, r"144,000,000 pixels \(144 megapixels\)"),
    # beyond twice Pillow's limit Pillow refuses before the size is read
    (20_000, 20_000, "decompression bomb"),
])
def test_image_size_messages_are_right_at_every_size(tmp_path, width, height, words):
    p = tmp_path / "big.png"
    _png_header_only(p, width, height)
    with pytest.raises(DataError, match=words):
        load_image(p)


def test_sample_images():
    china = sample_image("china")
    assert china.shape == (427, 640, 3) and china.dtype == np.uint8
    assert sample_image("flower").shape == (427, 640, 3)
    with pytest.raises(DataError, match="no sample image called 'ladybug'"):
        sample_image("ladybug")


def test_pixel_dataset_samples_colours():
    rgb = rgb_gradient(300, 200)
    ds = pixel_dataset(rgb, "g.png", max_points=1000)
    assert ds.X.shape == (1000, 3)
    assert ds.feature_names == ("red", "green", "blue")
    np.testing.assert_array_equal(ds.extra["rgb"].astype(float), ds.X)
    small = pixel_dataset(rgb_gradient(10, 10), "s.png")
    assert small.X.shape == (100, 3)


def test_pixel_dataset_code_reproduces_the_sample(tmp_path):
    rgb = rgb_gradient(300, 200)
    Image.fromarray(rgb).save(tmp_path / "g.png")
    ds = pixel_dataset(rgb, str(tmp_path / "g.png"), max_points=1000)
    scope: dict = {}
    exec(ds.code, scope)
    np.testing.assert_array_equal(scope["X"], ds.X)


def test_sample_images_are_scikit_learns_read_without_importing_it():
    import subprocess
    import sys

    from sklearn.datasets import load_sample_image

    for name in ("china", "flower"):
        np.testing.assert_array_equal(sample_image(name), load_sample_image(f"{name}.jpg"))
    code = ("import sys; from core.images import sample_image; sample_image('china'); "
            "print('sklearn' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=str(__import__("pathlib").Path(__file__).parents[2]))
    assert out.stdout.strip() == "False"


def test_pixel_dataset_scales_a_float_image_in_0_1():
    rgb = rgb_gradient(30, 20)
    a = pixel_dataset(rgb, "g.png")
    b = pixel_dataset(rgb.astype(np.float32) / 255.0, "g.png")
    np.testing.assert_array_equal(a.X, b.X)
    with pytest.raises(DataError, match="from 0 to 1"):
        pixel_dataset(rgb.astype(np.float64) / 100.0, "g.png")


def test_image_code_reads_every_mode_as_load_image_does(tmp_path):
    """The snippets' code for an opened image gives load_image's pixels: transparency on
    white (not the black of .convert("RGB")), palettes, 16-bit and float scaling, EXIF."""
    rgba = np.zeros((6, 8, 4), dtype=np.uint8)
    rgba[..., 0] = 200
    rgba[:, :4, 3] = 0  # transparent
    rgba[:, 4:, 3] = 128  # half
    Image.fromarray(rgba, "RGBA").save(tmp_path / "rgba.png")
    Image.fromarray(rgba[..., [0, 3]], "LA").save(tmp_path / "la.png")
    pal = Image.new("P", (4, 4), 0)
    pal.putpalette([0, 0, 0, 0, 255, 0] + [0] * 762)
    pal.putpixel((3, 3), 1)
    pal.save(tmp_path / "p-transparent.png", transparency=0)
    Image.fromarray(rgb_gradient()).convert("P", palette=Image.Palette.ADAPTIVE,
                                            colors=16).save(tmp_path / "p.png")
    Image.fromarray(np.arange(64, dtype=np.uint16).reshape(8, 8) * 1000).save(tmp_path / "d.png")
    Image.fromarray(np.linspace(-1, 1, 64, dtype=np.float32).reshape(8, 8), "F").save(
        tmp_path / "f.tiff")
    Image.new("1", (5, 5), 1).save(tmp_path / "b.png")
    img = Image.fromarray(rgb_gradient(40, 30))
    exif = Image.Exif()
    exif[0x0112] = 6
    img.save(tmp_path / "r.jpg", exif=exif)
    Image.new("CMYK", (6, 4), (0, 255, 255, 0)).save(tmp_path / "c.jpg")
    for path in sorted(tmp_path.iterdir()):
        scope: dict = {}
        code = image_code(path)
        exec(compile(code, str(path), "exec"), scope)  # noqa: S102 - the snippet's lines
        np.testing.assert_array_equal(scope["image"], load_image(path), err_msg=path.name)
    assert "alpha_composite" in image_code(tmp_path / "rgba.png")
    assert "alpha_composite" not in image_code(tmp_path / "r.jpg")
    ds = pixel_dataset(load_image(tmp_path / "rgba.png"), "rgba.png",
                       code=image_code(tmp_path / "rgba.png"))
    scope = {}
    exec(ds.code, scope)  # noqa: S102
    np.testing.assert_array_equal(scope["X"], ds.X)
