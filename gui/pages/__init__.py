"""The lab pages, in the order of the navigation list.

Each page package (``gui/pages/<lab>/``) is imported only when its page is
first shown, so adding a page costs nothing at start-up. A page is a
:class:`gui.pages.base.Page`.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass


@dataclass(frozen=True)
class PageSpec:
    name: str  # the --page name
    title: str  # shown in the navigation list
    module: str
    cls: str
    tooltip: str = ""

    def load(self):
        return getattr(importlib.import_module(self.module), self.cls)


PAGES: list[PageSpec] = [
    PageSpec("data", "Data", "gui.pages.data", "DataPage",
             "Look at a dataset: the chapter's or your own file."),
    PageSpec("kmeans", "K-Means", "gui.pages.kmeans", "KMeansPage",
             "Fit K-Means, step through its iterations, compare initialisations."),
    PageSpec("choose-k", "Choosing k", "gui.pages.choose_k", "ChooseKPage",
             "How many clusters? Inertia (elbow) and silhouette score against k, and "
             "silhouette diagrams."),
    PageSpec("segmentation", "Image segmentation", "gui.pages.segmentation",
             "SegmentationPage", "Reduce a photo to k colours with K-Means, live."),
    PageSpec("digits-preprocessing", "Digits: preprocessing",
             "gui.pages.digits_preprocessing", "DigitsPreprocessingPage",
             "K-Means as a preprocessing step: accuracy of a classifier on distances to k "
             "centroids."),
    PageSpec("digits-labelling", "Digits: labelling", "gui.pages.digits_labelling",
             "DigitsLabellingPage",
             "Label 50 representative digits by hand, propagate the labels, then active "
             "learning."),
    PageSpec("dbscan", "DBSCAN", "gui.pages.dbscan", "DBSCANPage",
             "Density-based clustering: core, border and noise points, the k-distance curve "
             "for eps, and new instances classified by a KNN on the core samples."),
    PageSpec("gaussian-mixtures", "Gaussian mixtures", "gui.pages.gaussian_mixtures",
             "GaussianMixturesPage", "Densities, covariance types, anomalies, BIC/AIC, "
             "Bayesian weights and EM step by step."),
]


#: Modules the window imports when a table is opened (File ▸ Open data asks whether the file
#: is too big to load whole): imported ahead too (core.scale took 30-60 ms to compile).
PREFETCH_MODULES = ("core.scale", "core.datasets", "core.tables")


def prefetch_pages() -> None:
    """Import every page's modules (not their data); the window runs it on a background
    thread once it is up, so that a page's first visit only builds its widgets."""
    import importlib

    for spec in PAGES:
        try:
            spec.load()
        except Exception:  # noqa: BLE001 - the page reports it when it is opened
            pass
    for module in PREFETCH_MODULES:
        importlib.import_module(module)
    from core.threads import prepare
    from core.warmup import warm_up

    prepare()
    warm_up()  # a small table's work, computed inline, then finds its code loaded


def page_names() -> list[str]:
    return [spec.name for spec in PAGES]


def spec_for(name: str) -> PageSpec:
    for spec in PAGES:
        if spec.name == name:
            return spec
    raise KeyError(f"Unknown page '{name}'; pages are: {', '.join(page_names())}.")
