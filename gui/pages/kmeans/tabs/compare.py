"""The Compare tab: two single-initialisation solutions side by side."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QSpinBox, QVBoxLayout

from core.storage import RowTable
from gui.pages.base import hbox, info_label
from gui.pages.kmeans import snippets
from gui.pages.kmeans.state import KMeansState
from gui.pages.kmeans.tabs import LazyTab, fmt
from gui.widgets.cluster_view import ClusterView
from gui.widgets.palette import colors_for_labels


class CompareTab(LazyTab):
    title = "Compare"
    run_requested = Signal()

    def build(self) -> None:
        lay = QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        self.inits: list[QComboBox] = []
        self.seeds: list[QSpinBox] = []
        self.views = [ClusterView(), ClusterView()]
        row = QHBoxLayout()
        for i, (init, seed) in enumerate((("random", 2), ("random", 9))):
            combo = QComboBox()
            combo.addItem("random", "random")
            combo.addItem("k-means++", "k-means++")
            combo.setCurrentIndex(combo.findData(init))
            combo.setToolTip(f"Solution {i + 1}: the initialisation (n_init=1).")
            spin = QSpinBox()
            spin.setRange(0, 999_999)
            spin.setPrefix("seed ")
            spin.setValue(seed)
            spin.setToolTip(f"Solution {i + 1}: random_state of its single initialisation.")
            self.inits.append(combo)
            self.seeds.append(spin)
            col = QVBoxLayout()
            # the initialisation above its seed: two solutions fit side by side in 1024 px
            choice = QVBoxLayout()
            choice.addWidget(combo)
            choice.addWidget(spin)
            controls = QHBoxLayout()
            controls.addWidget(QLabel(f"<b>{i + 1}</b>"))
            controls.addLayout(choice, 1)
            col.addLayout(controls)
            col.addWidget(self.views[i], 1)
            row.addLayout(col, 1)
        lay.addLayout(row, 1)
        self.button = QPushButton("Compare")
        self.button.setToolTip("Fit both solutions (same data and k) side by side.")
        self.caption = info_label(
            "With a single random initialisation, K-Means can converge to different solutions "
            "(the chapter's 'K-Means variability' figure). The lower inertia is the better one.")
        lay.addWidget(hbox(self.caption, self.button))
        self.caption.setMinimumWidth(150)
        self.button.clicked.connect(self.run_requested)
        self._drawn = None

    def cluster_views(self) -> list:
        return self.views if self.built else []

    def specs(self) -> list[tuple]:
        self.ensure_built()
        return [(c.currentData(), s.value(), 1) for c, s in zip(self.inits, self.seeds)]

    def render(self, state: KMeansState) -> None:
        self.ensure_built()
        status = state.status.get("compare")
        results = state.compare
        if status == "running":
            for v in self.views:
                v.set_title("…")
            return
        if status == "cancelled":
            for i, v in enumerate(self.views):
                r = results[i] if results else None
                v.plotItem.setTitle(f"Solution {i + 1}: inertia = {fmt(r.inertia)}" if r
                                    else f"Solution {i + 1}: cancelled", size="10pt")
            return
        if results is None or state.dataset is None or self._drawn is results:
            return
        self._drawn = results
        ds, proj = state.dataset, state.projection
        for i, (v, r) in enumerate(zip(self.views, results)):
            v.set_points(proj.coords, colors=colors_for_labels(r.labels, r.n_clusters),
                         size=5 if ds.n_samples <= 5000 else 2)
            c2 = state.to_plot(r.centers)
            v.centroids.set_centers(c2)
            v.show_regions_for(c2 if proj.method == "identity" else None, r.n_clusters)
            v.plotItem.setTitle(f"Solution {i + 1}: inertia = {fmt(r.inertia)}", size="10pt")

    def code(self, state: KMeansState) -> str:
        return snippets.compare_code(state)

    def export_table(self, state: KMeansState):
        if state.compare is None or state.dataset is None:
            return None
        r1, r2 = state.compare
        return (list(state.dataset.feature_names) + ["solution 1", "solution 2"],
                RowTable(state.dataset.X, r1.labels, r2.labels))
