"""The K-Means lab page: fit, decision regions, soft clustering, step through iterations
(and back), compare initialisations, and the limits of K-Means."""

from gui.pages.kmeans.page import KMeansPage

__all__ = ["KMeansPage"]
