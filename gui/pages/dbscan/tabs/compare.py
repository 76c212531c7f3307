"""Tab "Compare eps (chapter's figure)": two values of eps side by side, like Figure 9-14."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout

from gui.pages.base import Tab
from gui.pages.dbscan import snippets
from gui.persist import set_widget_value
from gui.widgets.dbscan_plot import DBSCANPlot
from gui.widgets.distance_spin import DistanceSpinBox
from gui.widgets.side_by_side import SideBySide
from gui.widgets.wrapping_label import reserve_lines


class CompareTab(Tab):
    title = "Compare eps (chapter's figure)"
    tooltip = ("Two values of eps side by side, like the chapter's Figure 9-14 (eps=0.05 and "
               "eps=0.2).")

    eps_changed = Signal(float, float)  # (left eps, right eps), as the user set them

    def __init__(self, parent=None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        self.eps_a_spin = DistanceSpinBox(0.05)
        self.eps_b_spin = DistanceSpinBox(0.2)
        for spin, side in ((self.eps_a_spin, "left"), (self.eps_b_spin, "right")):
            spin.setToolTip(f"eps of the {side} plot (the chapter compares 0.05 and 0.2); "
                            "both use the chapter's min_samples=5, whatever the panel says.")
            spin.valueChanged.connect(self._spin_changed)
        row = QHBoxLayout()
        row.addWidget(QLabel("Left eps"))
        row.addWidget(self.eps_a_spin)
        row.addSpacing(16)
        row.addWidget(QLabel("Right eps"))
        row.addWidget(self.eps_b_spin)
        row.addStretch(1)
        # (the button and the note on a row of their own: beside the spin boxes they made the
        # tab, hence the window, wider than 1024 px)
        self.chapter_button = QPushButton("Chapter's eps")
        self.chapter_button.setToolTip("Put back the chapter's eps=0.05 and eps=0.2.")
        self.note = QLabel()
        self.note.setStyleSheet("color: #555;")
        self.note.setToolTip("Both plots use the chapter's min_samples=5, whatever the panel "
                             "says: this tab is the chapter's figure.")
        reserve_lines(self.note, 2)  # wraps in a narrow window; the plots never move
        second = QHBoxLayout()
        second.addWidget(self.chapter_button)
        second.addWidget(self.note, 1)
        layout.addLayout(row)
        layout.addLayout(second)
        # the two plots are made when the tab is first shown (opening the page is quicker)
        self.plot_a: DBSCANPlot | None = None
        self.plot_b: DBSCANPlot | None = None
        self.area: SideBySide | None = None
        self._projection = None
        self._compare = None

    def _make_plots(self) -> None:
        if self.area is not None:
            return
        self.plot_a = DBSCANPlot()
        self.plot_b = DBSCANPlot()
        for p in (self.plot_a, self.plot_b):
            p.view.setToolTip("Core samples large, border samples small, anomalies black "
                              "crosses, as in the chapter's Figure 9-14.")
        self.area = SideBySide(self.plot_a, self.plot_b)
        self.layout().addWidget(self.area, 1)

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        self._make_plots()
        super().showEvent(event)

    def _spin_changed(self, *_) -> None:
        self.eps_changed.emit(self.eps_a_spin.value(), self.eps_b_spin.value())

    def computing(self, busy: bool = True) -> None:
        self.note.setText("computing…" if busy else "")

    def render(self, state) -> None:
        for spin, value in ((self.eps_a_spin, state.eps_a), (self.eps_b_spin, state.eps_b)):
            if spin.value() != value:
                set_widget_value(spin, value)
        proj = state.projection
        if proj is None:
            return
        self._make_plots()
        if proj is not self._projection:
            self._projection = proj
            for p in (self.plot_a, self.plot_b):
                p.view.set_axis_titles(*proj.axis_titles)
                p.view.setAspectLocked(proj.method == "identity", 1.0)
            span = state.bounds[1] - state.bounds[0]
            self.area.set_data_aspect(
                float(span[0] / span[1]) if proj.method == "identity" and span[1] > 0 else 1.6)
        if state.compare is None:  # (the last comparison stays until the next one is drawn)
            self._compare = None
            return
        if state.compare is self._compare:
            return
        first = self._compare is None
        self._compare = state.compare
        xy = proj.coords
        for plot, result, colors in zip((self.plot_a, self.plot_b), state.compare,
                                        state.compare_colors):
            plot.show_result(xy, result, auto_range=first, colors=colors)
            plot.view.plotItem.setTitle(snippets.title(result), size="10pt")
        if first:
            # the same window on the data in both plots, like the chapter's figure
            lo, hi = state.bounds
            for plot in (self.plot_a, self.plot_b):
                plot.view.setRange(xRange=(lo[0], hi[0]), yRange=(lo[1], hi[1]), padding=0.05)
        self.note.setText(f"min_samples={state.compare_params[3]} (the chapter's)")

    def code(self, state) -> str:
        return snippets.compare_code(state)

    def export_table(self, state):
        return state.labels_table()

    def export_widget(self):
        self._make_plots()
        return self
