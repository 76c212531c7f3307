"""The kmeans lab page (being moved into this package)."""

from gui.pages.kmeans_page import KMeansPage

__all__ = ["KMeansPage"]
