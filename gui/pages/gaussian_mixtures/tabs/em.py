"""EM step by step: Step, Back, Play, Reset, half an iteration at a time: the E step
recolours the points (responsibilities), the M step moves the ellipses; the lower bound
grows per iteration."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout

from gui.pages.base import Tab, info_label
from gui.pages.gaussian_mixtures import snippets
from gui.pages.gaussian_mixtures.state import GMState
from gui.pages.gaussian_mixtures.view import MixtureView, two_plots
from gui.widgets.palette import series_hex
from gui.widgets.scatter import make_plot
from gui.widgets.wrapping_label import reserve_lines

PHASE_TEXT = {"E": "E step: responsibilities", "M": "M step: weights, means, covariances"}
INIT_TEXT = "Initialisation (no E step yet: every point equally likely)"


class EMTab(Tab):
    title = "EM step by step"

    def __init__(self, parent=None):
        super().__init__(parent)
        self.view = MixtureView()
        self.bound_plot = make_plot("Lower bound", "iteration", "", integer_x=True)
        self.bound_curve = self.bound_plot.plot([], [], pen=pg.mkPen(series_hex(0), width=2),
                                                symbol="o", symbolSize=6)
        buttons = QHBoxLayout()
        self.step_button = self._button("Step", "Half an iteration: the E step "
                                        "(responsibilities: the colours), then the M step "
                                        "(weights, means, covariances: the ellipses).", buttons)
        self.back_button = self._button("Back", "Undo one half-step (E or M).", buttons)
        self.play_button = self._button("Play", "Half-steps until EM converges (click again "
                                        "to pause).", buttons)
        self.play_button.setCheckable(True)
        self.reset_button = self._button("Reset", "Back to scikit-learn's initialisation "
                                         "(iteration 0).", buttons)
        buttons.addStretch(1)
        # below the buttons, two lines reserved: a narrow window wraps it, nothing moves
        self.phase_label = reserve_lines(QLabel(), 2)
        top = QVBoxLayout()
        top.addLayout(buttons)
        top.addWidget(self.phase_label)
        self.info = info_label()
        two_plots(self, top, self.view, self.bound_plot)

    @staticmethod
    def _button(text, tip, layout) -> QPushButton:
        b = QPushButton(text)
        b.setToolTip(tip)
        layout.addWidget(b)
        return b

    def pending_views(self) -> list:
        return [self.view]

    def render(self, state: GMState) -> None:
        s = state.step
        self.play_button.setChecked(state.playing)
        if s is None or state.fit is None:
            return
        xy = state.fit.projection.coords if state.fit.params[0] == state.dataset else None
        if xy is None or len(xy) != len(s.drawing.colors):
            return
        self.view.set_axis_titles(*state.fit.projection.axis_titles)
        self.view.set_title(f"iteration {s.iteration}"
                            + (f", then the E step of {s.iteration + 1}" if s.phase == "E" else "")
                            + (" (converged)" if s.converged else ""))
        self.phase_label.setText(PHASE_TEXT[s.phase] if s.iteration or s.phase == "E"
                                 else INIT_TEXT)
        self.view.show_drawing(xy, s.drawing, auto_range=self.view.n_points != len(xy))
        its = list(range(1, len(s.lower_bounds) + 1))
        self.bound_curve.setData(its, list(s.lower_bounds))
        if its:
            self.bound_plot.plotItem.vb.autoRange(padding=0.1)
        w = " / ".join(f"{v:.2f}" for v in s.weights)
        last = f"{s.lower_bounds[-1]:.5f}" if len(s.lower_bounds) else "−∞ (not started)"
        self.info.setText(f"Iteration {s.iteration}: weights {w}; lower bound {last}"
                          + ("; converged (the lower bound moved by less than tol=1e-3)."
                             if s.converged else ". Colours blend the responsibilities of the "
                             "last E step."))
        self.back_button.setEnabled(s.iteration > 0 or s.phase == "E")
        self.step_button.setEnabled(not s.converged)

    def code(self, state: GMState) -> str:
        return snippets.em_code(state)

    def export_table(self, state: GMState):
        s = state.step
        if s is None:
            return None
        return ["iteration", "lower_bound"], [[i + 1, float(v)]
                                              for i, v in enumerate(s.lower_bounds)]

    def export_widget(self):
        return self
