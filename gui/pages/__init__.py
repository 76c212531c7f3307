"""The lab pages, in the order of the navigation list.

Each page module is imported only when its page is first shown, so adding a
page costs nothing at start-up. A page is a :class:`gui.pages.base.Page`.
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
    PageSpec("data", "Data", "gui.pages.data_page", "DataPage",
             "Look at a dataset: the chapter's or your own file."),
    PageSpec("segmentation", "Image segmentation", "gui.pages.segmentation_page",
             "SegmentationPage", "Reduce a photo to k colours with K-Means, live."),
]


def page_names() -> list[str]:
    return [spec.name for spec in PAGES]


def spec_for(name: str) -> PageSpec:
    for spec in PAGES:
        if spec.name == name:
            return spec
    raise KeyError(f"Unknown page '{name}'; pages are: {', '.join(page_names())}.")
