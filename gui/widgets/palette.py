"""Cluster colours: the same cluster has the same colour in every view."""

from __future__ import annotations

import colorsys

import numpy as np

# A qualitative palette (Tableau 10, then Set2-like tones): distinct, colour-blind friendly first.
_BASE = [
    (31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
    (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207),
    (102, 194, 165), (252, 141, 98), (141, 160, 203), (231, 138, 195), (166, 216, 84),
    (255, 217, 47),
]

NOISE_RGBA = (160, 160, 160, 255)
ANOMALY_RGBA = (220, 30, 30, 255)


def palette_rgba(n: int, alpha: int = 255) -> np.ndarray:
    """``n`` distinct colours as an (n, 4) ``uint8`` array."""
    colors = list(_BASE[:n])
    golden = 0.618033988749895
    h = 0.11
    while len(colors) < n:
        h = (h + golden) % 1.0
        s = 0.55 + 0.35 * ((len(colors) // 7) % 2)
        v = 0.85 - 0.2 * ((len(colors) // 5) % 2)
        r, g, b = colorsys.hsv_to_rgb(h, s, v)
        colors.append((int(r * 255), int(g * 255), int(b * 255)))
    out = np.empty((max(n, 0), 4), dtype=np.uint8)
    if n:
        out[:, :3] = np.array(colors[:n], dtype=np.uint8)
        out[:, 3] = alpha
    return out


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
