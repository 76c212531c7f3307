"""The Limits tab: lower inertia is not a better clustering (the elongated blobs)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout

from core.storage import RowTable
from gui.pages.base import info_label
from gui.pages.kmeans import snippets
from gui.pages.kmeans.state import KMeansState
from gui.pages.kmeans.tabs import LazyTab
from gui.widgets.cluster_view import ClusterView
from gui.widgets.palette import colors_for_labels


class LimitsTab(LazyTab):
    title = "Limits"

    def build(self) -> None:
        lay = QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        row = QHBoxLayout()
        self.views = [ClusterView(), ClusterView()]
        for v in self.views:
            row.addWidget(v)
        lay.addLayout(row, 1)
        self.caption = info_label(
            "The elongated blobs of different densities. Left: K-Means from the chapter's good "
            "initialisation [[-1.5, 2.5], [0.5, 0], [4, 0]]; right: the default "
            "KMeans(n_clusters=3, random_state=42). The right one has the lower inertia, yet it "
            "cuts the blobs: inertia is not the whole story.")
        self.caption.setTextFormat(Qt.TextFormat.RichText)
        lay.addWidget(self.caption)
        self._drawn = None

    def cluster_views(self) -> list:
        return self.views if self.built else []

    def render(self, state: KMeansState) -> None:
        self.ensure_built()
        if state.limits is None or self._drawn is state.limits:
            return
        self._drawn = state.limits
        ds, good, bad = state.limits
        for v, r, title in zip(self.views, (good, bad), ("Good init", "Default")):
            v.set_points(ds.X, colors=colors_for_labels(r.labels, 3), size=5)
            v.centroids.set_centers(r.centers)
            v.show_regions_for(r.centers, 3)
            v.plotItem.setTitle(f"{title}: inertia = {r.inertia:.1f}", size="10pt")

    def code(self, state: KMeansState) -> str:
        return snippets.limits_code(state)

    def export_table(self, state: KMeansState):
        if state.limits is None:
            return None
        ds, good, bad = state.limits
        return (list(ds.feature_names) + ["good init", "default"],
                RowTable(ds.X, good.labels, bad.labels))
