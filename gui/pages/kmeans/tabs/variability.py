"""The Variability tab: final inertias of many single-initialisation runs, random vs
k-means++."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSpinBox, QVBoxLayout

from gui.pages.base import info_label
from gui.pages.kmeans import snippets
from gui.pages.kmeans.state import KMeansState
from gui.pages.kmeans.tabs import LazyTab, fmt
from gui.widgets.palette import series_rgb
from gui.widgets.scatter import make_plot


class VariabilityTab(LazyTab):
    title = "Variability"
    run_requested = Signal()

    def build(self) -> None:
        lay = QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        controls = QHBoxLayout()
        self.runs_spin = QSpinBox()
        self.runs_spin.setRange(2, 2000)
        self.runs_spin.setValue(100)
        self.runs_spin.setToolTip("How many single-initialisation fits to run for each init.")
        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(0, 2**31 - 10_000)
        self.seed_spin.setValue(0)
        self.seed_spin.setToolTip("Run i uses random_state = first seed + i.")
        self.seed_spin.setMinimumWidth(70)  # not the width of 2**31: the window must fit 1024 px
        self.button = QPushButton("Run")
        self.button.setToolTip("Fit K-Means this many times with init='random' and with "
                               "init='k-means++' (n_init=1 each), in the background, and plot "
                               "the final inertias.")
        for w in (QLabel("runs"), self.runs_spin, QLabel("first seed"), self.seed_spin):
            controls.addWidget(w)
        controls.addStretch(1)
        controls.addWidget(self.button)
        lay.addLayout(controls)
        self.plot = make_plot("Final inertia of single-initialisation runs", "inertia", "runs")
        self.plot.addLegend(offset=(-10, 10))
        self.bars: list[pg.BarGraphItem] = []
        lay.addWidget(self.plot, 1)
        self.caption = info_label("")
        self.caption.setTextFormat(Qt.TextFormat.RichText)
        lay.addWidget(self.caption)
        self.button.clicked.connect(self.run_requested)
        self._drawn = None

    def runs(self) -> tuple[int, int]:
        """(runs, first seed)."""
        self.ensure_built()
        return self.runs_spin.value(), self.seed_spin.value()

    def render(self, state: KMeansState) -> None:
        self.ensure_built()
        status = state.status.get("variability")
        if status == "running":
            self.caption.setText("<i>Running…</i>")
            return
        if status == "cancelled":
            self.caption.setText("Cancelled: press Run to start again.")
            return
        if status == "failed":
            self.caption.setText("")
            return
        if state.variability is None or self._drawn is state.variability:
            return
        self._drawn = state.variability
        rnd, pp = state.variability
        for item in self.bars:
            self.plot.removeItem(item)
        self.bars = []
        legend = self.plot.plotItem.legend
        if legend is not None:
            legend.clear()
        edges, all_counts = state.variability_hist
        width = edges[1] - edges[0]
        for j, (counts, color, name) in enumerate(((all_counts[0], series_rgb(1), "init='random'"),
                                                   (all_counts[1], series_rgb(0),
                                                    "init='k-means++'"))):
            x = edges[:-1] + width * (0.3 + 0.4 * j)
            item = pg.BarGraphItem(x=x, height=counts, width=width * 0.4,
                                   brush=pg.mkBrush(*color, 210), pen=pg.mkPen(*color))
            self.plot.addItem(item)
            if legend is not None:
                legend.addItem(item, name)
            self.bars.append(item)
        best = min(rnd.best, pp.best)

        def line(res, name):
            return (f"{name}: best {fmt(res.best)}, worst {fmt(res.worst)}, "
                    f"{res.share_near_best(best):.0%} of runs within 1% of the best")

        self.caption.setText(
            f"{line(rnd, '<b>random</b>')}<br>{line(pp, '<b>k-means++</b>')}<br>"
            f"{len(rnd.inertias)} runs each, n_init=1, random_state {int(rnd.seeds[0])}…"
            f"{int(rnd.seeds[-1])}. Running several initialisations (n_init) and keeping the "
            "lowest inertia protects against the bad ones; k-means++ makes them rarer.")

    def code(self, state: KMeansState) -> str:
        return snippets.variability_code(state)

    def export_table(self, state: KMeansState):
        if state.variability is None:
            return None
        rows = []
        for res in state.variability:
            rows += [[res.init, int(s), float(v), int(n)]
                     for s, v, n in zip(res.seeds, res.inertias, res.n_iter)]
        return ["init", "random_state", "inertia", "n_iter"], rows
