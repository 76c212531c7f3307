"""Cluster colours: the same cluster has the same colour in every view, on every page.

The one palette of the app (pages and widgets take their cluster colours from here).
"""

from __future__ import annotations

import colorsys

import numpy as np

# The cluster colours of every page: Okabe & Ito's colour-blind-safe set (its black is kept
# for anomalies), ordered so that the yellow, faint on white, comes late, then three dark
# tones of Paul Tol's palettes (indigo, wine, green) for ten clusters (the digits). Every
# pair differs by a CIEDE2000 of at least 20 with normal colour vision and 10 in simulated
# protanopia, deuteranopia and tritanopia (tests/gui/test_palette.py); beyond ten clusters
# the colours are generated and only mostly distinct.
CLUSTER_HEX = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#F0E442",  # yellow
    "#332288",  # indigo (Tol)
    "#882255",  # wine (Tol)
    "#225522",  # dark green (Tol)
)
_BASE = [tuple(int(h[i:i + 2], 16) for i in (1, 3, 5)) for h in CLUSTER_HEX]

#: Points that belong to no cluster (label -1): a light grey, drawn under the clusters.
NOISE_RGBA = (200, 200, 200, 255)
#: Anomalies (DBSCAN's noise, a mixture's low-density points): black crosses, a colour no
#: cluster has.
ANOMALY_RGBA = (0, 0, 0, 255)


#: Marks of a state, not of a class (a digit not labelled yet, the current digit): neutral
#: greys, far from every cluster colour (tests/gui/test_palette.py).
UNLABELLED_RGBA = (180, 180, 180, 255)
CURRENT_RGBA = (32, 32, 32, 255)


def text_on(rgba) -> str:
    """Black or white, whichever reads better on a badge of colour ``rgba``."""
    r, g, b = (float(c) for c in rgba[:3])
    return "#000000" if 0.299 * r + 0.587 * g + 0.114 * b > 150 else "#ffffff"


def series_hex(i: int) -> str:
    """The ``i``-th colour of the palette as hex, for the curves of a chart (one per series)."""
    return CLUSTER_HEX[i % len(CLUSTER_HEX)]


def series_rgb(i: int) -> tuple[int, int, int]:
    """The ``i``-th colour of the palette as an (r, g, b) tuple."""
    h = series_hex(i)
    return int(h[1:3], 16), int(h[3:5], 16), int(h[5:7], 16)


def palette_rgba(n: int, alpha: int = 255) -> np.ndarray:
    """``n`` distinct colours as an (n, 4) ``uint8`` array (the first ``n`` of one endless
    sequence: the palette's, then generated ones)."""
    out = np.empty((max(n, 0), 4), dtype=np.uint8)
    if n > 0:
        out[:, :3] = _palette_rgb(n)
        out[:, 3] = alpha
    return out


#: The colours generated so far (a prefix of the sequence; replaced whole when it grows, so
#: a worker thread reading it meanwhile reads a complete one).
_rgb_made = np.array(_BASE, dtype=np.uint8)


def _palette_rgb(n: int) -> np.ndarray:
    """The first ``n`` colours, (n, 3): made once (a DBSCAN result on a million points has
    hundreds of clusters, and making their colours in Python each time a view drew them took
    3 ms a call)."""
    global _rgb_made
    made = _rgb_made
    if len(made) < n:
        made = _rgb_made = _generate(max(n, 2 * len(made)))
    return made[:n]


def _generate(n: int) -> np.ndarray:
    colors = list(_BASE[:n])
    golden = 0.618033988749895
    h = 0.11
    while len(colors) < n:
        h = (h + golden) % 1.0
        s = 0.55 + 0.35 * ((len(colors) // 7) % 2)
        v = 0.85 - 0.2 * ((len(colors) // 5) % 2)
        r, g, b = colorsys.hsv_to_rgb(h, s, v)
        colors.append((int(r * 255), int(g * 255), int(b * 255)))
    return np.array(colors, dtype=np.uint8).reshape(-1, 3)


def pastel(rgba: np.ndarray, amount: float = 0.65) -> np.ndarray:
    """Blend colours towards white (for decision-region backgrounds)."""
    rgba = np.asarray(rgba, dtype=np.float64)
    out = rgba.copy()
    out[..., :3] = rgba[..., :3] + (255.0 - rgba[..., :3]) * amount
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def colors_for_labels(labels: np.ndarray, n_colors: int | None = None,
                      noise=NOISE_RGBA) -> np.ndarray:
    """Per-point RGBA colours for integer labels (-1, noise, gets ``noise``)."""
    labels = np.asarray(labels, dtype=np.int64)
    k = int(labels.max()) + 1 if labels.size and n_colors is None else (n_colors or 1)
    table = np.vstack([palette_rgba(max(k, 1)), np.array([noise], dtype=np.uint8)])
    idx = np.where(labels < 0, len(table) - 1, labels % max(k, 1))
    return table[idx]


def hex_color(rgba) -> str:
    r, g, b = (int(c) for c in rgba[:3])
    return f"#{r:02x}{g:02x}{b:02x}"
