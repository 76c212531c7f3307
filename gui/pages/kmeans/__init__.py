"""The K-Means lab page: fit, decision regions, soft clustering, step through iterations
(and back), compare initialisations, and the limits of K-Means.

``state`` and ``snippets`` import no Qt; the page is imported when first asked for.
"""

from __future__ import annotations

__all__ = ["KMeansPage"]


def __getattr__(name: str):
    if name == "KMeansPage":
        from gui.pages.kmeans.page import KMeansPage

        return KMeansPage
    raise AttributeError(name)
