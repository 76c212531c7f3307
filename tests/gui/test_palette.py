"""The cluster palette can be told apart: by everyone, and from noise and anomalies.

Colour differences are CIEDE2000 (Sharma, Wu & Dalal 2005) in CIELAB (D65), computed here
in a few lines of numpy. Colour-vision deficiencies are simulated with Machado, Oliveira &
Fernandes (2009) at full severity (dichromacy), applied in linear RGB.

Thresholds: a CIEDE2000 of about 2 is just noticeable between two large patches side by
side; scatter markers are small (3-10 px) and far apart, and the difference needed to tell
small marks apart grows several-fold as they shrink (Stone, Szafir & Setlur 2014, "An
Engineering Model for Color Difference as a Function of Size"). So the palette asks 20
(ten JNDs) between any two cluster colours, and between a cluster colour and the noise grey
or the anomaly black, for normal vision; and 10 (five JNDs, still clearly different) for
each simulated dichromacy. The old Tableau palette fails the second: its orange and green
were 1.3 apart for a protanope, and its red was the colour of the anomaly crosses.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from gui.widgets.palette import (
    ANOMALY_RGBA,
    CLUSTER_HEX,
    CURRENT_RGBA,
    NOISE_RGBA,
    UNLABELLED_RGBA,
    palette_rgba,
)

NORMAL_MIN = 20.0
DICHROMAT_MIN = 10.0

# Machado et al. 2009, severity 1.0 (linear RGB)
MACHADO = {
    "protanopia": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                   [-0.003882, -0.048116, 1.051998]],
    "deuteranopia": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                     [-0.011820, 0.042940, 0.968881]],
    "tritanopia": [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602],
                   [0.004733, 0.691367, 0.303900]],
}


def _linear(rgb) -> np.ndarray:
    c = np.asarray(rgb, dtype=np.float64)[..., :3] / 255.0
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def _srgb(lin: np.ndarray) -> np.ndarray:
    lin = np.clip(lin, 0.0, 1.0)
    return 255.0 * np.where(lin <= 0.0031308, 12.92 * lin, 1.055 * lin ** (1 / 2.4) - 0.055)


def lab(rgb) -> np.ndarray:
    """sRGB (0-255) -> CIELAB, D65 white."""
    m = np.array([[0.4124564, 0.3575761, 0.1804375], [0.2126729, 0.7151522, 0.0721750],
                  [0.0193339, 0.1191920, 0.9503041]])
    xyz = _linear(rgb) @ m.T / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]),
                     200 * (f[..., 1] - f[..., 2])], axis=-1)


def ciede2000(lab1: np.ndarray, lab2: np.ndarray) -> np.ndarray:
    L1, a1, b1 = np.moveaxis(np.asarray(lab1, float), -1, 0)
    L2, a2, b2 = np.moveaxis(np.asarray(lab2, float), -1, 0)
    c_bar = (np.hypot(a1, b1) + np.hypot(a2, b2)) / 2
    g = 0.5 * (1 - np.sqrt(c_bar ** 7 / (c_bar ** 7 + 25.0 ** 7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1 = np.degrees(np.arctan2(b1, a1p)) % 360
    h2 = np.degrees(np.arctan2(b2, a2p)) % 360
    chroma0 = c1p * c2p == 0
    dh = h2 - h1
    dh = np.where(dh > 180, dh - 360, np.where(dh < -180, dh + 360, dh))
    dh = np.where(chroma0, 0.0, dh)
    d_l, d_c = L2 - L1, c2p - c1p
    d_h = 2 * np.sqrt(c1p * c2p) * np.sin(np.radians(dh) / 2)
    l_bar, cp_bar = (L1 + L2) / 2, (c1p + c2p) / 2
    hsum = h1 + h2
    h_bar = np.where(chroma0, hsum, np.where(np.abs(h1 - h2) > 180,
                                             np.where(hsum < 360, (hsum + 360) / 2,
                                                      (hsum - 360) / 2), hsum / 2))
    t = (1 - 0.17 * np.cos(np.radians(h_bar - 30)) + 0.24 * np.cos(np.radians(2 * h_bar))
         + 0.32 * np.cos(np.radians(3 * h_bar + 6)) - 0.20 * np.cos(np.radians(4 * h_bar - 63)))
    s_l = 1 + 0.015 * (l_bar - 50) ** 2 / np.sqrt(20 + (l_bar - 50) ** 2)
    s_c = 1 + 0.045 * cp_bar
    s_h = 1 + 0.015 * cp_bar * t
    r_t = (-2 * np.sqrt(cp_bar ** 7 / (cp_bar ** 7 + 25.0 ** 7))
           * np.sin(np.radians(60 * np.exp(-(((h_bar - 275) / 25) ** 2)))))
    return np.sqrt((d_l / s_l) ** 2 + (d_c / s_c) ** 2 + (d_h / s_h) ** 2
                   + r_t * (d_c / s_c) * (d_h / s_h))


def simulate(rgb, kind: str | None) -> np.ndarray:
    """What a dichromat of ``kind`` sees (None: normal vision), as sRGB 0-255."""
    if kind is None:
        return np.asarray(rgb, dtype=np.float64)[..., :3]
    return _srgb(_linear(rgb) @ np.array(MACHADO[kind]).T)


def test_ciede2000_matches_the_published_test_data():
    # Sharma, Wu & Dalal (2005), Table 1: pairs 1, 7, 17, 25 and 34
    pairs = [((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
             ((50.0, 0.0, 0.0), (50.0, -1.0, 2.0), 2.3669),
             ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
             ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
             ((22.7233, 20.0904, -46.6940), (23.0331, 14.9730, -42.5619), 2.0373)]
    for a, b, expected in pairs:
        assert ciede2000(np.array(a), np.array(b)) == pytest.approx(expected, abs=1e-4)
    # and the Lab conversion: sRGB white and a primary
    np.testing.assert_allclose(lab(np.array([255, 255, 255])), [100, 0, 0], atol=0.01)
    np.testing.assert_allclose(lab(np.array([255, 0, 0])), [53.24, 80.09, 67.20], atol=0.05)


@pytest.mark.parametrize("vision", [None, "protanopia", "deuteranopia", "tritanopia"])
def test_cluster_colours_are_mutually_distinct(vision):
    colours = palette_rgba(len(CLUSTER_HEX))
    seen = lab(simulate(colours, vision))
    i, j = np.triu_indices(len(colours), 1)
    d = ciede2000(seen[i], seen[j])
    worst = int(np.argmin(d))
    limit = NORMAL_MIN if vision is None else DICHROMAT_MIN
    assert d.min() >= limit, (f"{CLUSTER_HEX[i[worst]]} and {CLUSTER_HEX[j[worst]]} are only "
                              f"{d.min():.1f} apart ({vision or 'normal vision'})")


@pytest.mark.parametrize("vision", [None, "protanopia", "deuteranopia", "tritanopia"])
@pytest.mark.parametrize("other", [NOISE_RGBA, ANOMALY_RGBA, UNLABELLED_RGBA, CURRENT_RGBA],
                         ids=["noise", "anomaly", "unlabelled digit", "current digit"])
def test_no_cluster_colour_is_near_noise_anomalies_or_state_marks(vision, other):
    colours = palette_rgba(len(CLUSTER_HEX))
    d = ciede2000(lab(simulate(colours, vision)), lab(simulate(np.array(other), vision)))
    limit = NORMAL_MIN if vision is None else DICHROMAT_MIN
    assert d.min() >= limit, (f"{CLUSTER_HEX[int(np.argmin(d))]} is {d.min():.1f} from "
                              f"{other[:3]} ({vision or 'normal vision'})")
    # noise and anomalies are not each other either
    assert ciede2000(lab(np.array(NOISE_RGBA)), lab(np.array(ANOMALY_RGBA))) >= NORMAL_MIN


def test_pages_take_cluster_colours_from_the_one_palette():
    """No page or widget keeps its own table of categorical colours: the old Tableau hexes
    are gone from gui/, and the palette module is the only place listing CLUSTER_HEX's."""
    gui = Path(__file__).resolve().parents[2] / "gui"
    tableau = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "(31, 119, 180)"}
    offenders = []
    for path in gui.rglob("*.py"):
        if path.name == "palette.py":
            continue
        text = path.read_text(encoding="utf-8").lower()
        offenders += [f"{path.relative_to(gui)}: {t}" for t in tableau if t in text]
        offenders += [f"{path.relative_to(gui)}: {h}" for h in CLUSTER_HEX
                      if re.search(re.escape(h.lower()) + r"\b", text)]
    assert not offenders, offenders


def test_many_colours_are_made_once_and_the_same_in_any_order(monkeypatch):
    """Hundreds of clusters (DBSCAN on a million points) take their colours from one sequence
    made once: the first n colours are the same whichever n was asked for first, and what a
    caller does to its array does not reach the next caller's."""
    from gui.widgets import palette

    monkeypatch.setattr(palette, "_rgb_made", np.array(palette._BASE, dtype=np.uint8))
    big = palette.palette_rgba(745)
    assert big.shape == (745, 4) and len(palette._rgb_made) >= 745
    made = palette._rgb_made
    small = palette.palette_rgba(12, alpha=90)
    assert palette._rgb_made is made  # (nothing made again)
    np.testing.assert_array_equal(small[:, :3], big[:12, :3])
    assert (small[:, 3] == 90).all()
    np.testing.assert_array_equal(palette._generate(745), big[:, :3])  # the sequence itself
    assert len({tuple(c) for c in big[:, :3]}) > 700  # mostly distinct
    big[:] = 0
    assert palette.palette_rgba(745)[:, :3].any()
    monkeypatch.setattr(palette, "_rgb_made", np.array(palette._BASE, dtype=np.uint8))
    np.testing.assert_array_equal(palette.palette_rgba(12, alpha=90), small)
