"""The page's one view (no tab bar): curves on top, diagrams and the scatter below.

:class:`ChooseKView` is the page's only :class:`Tab`. It also owns the
"Selected k" summary that the page places in its side panel, since that text
is a rendering of the state too.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QSplitter, QVBoxLayout, QWidget

from gui.pages.base import Tab, info_label
from gui.pages.choose_k import snippets
from gui.pages.choose_k.state import ChooseKState, export_table, selection_facts
from gui.pages.choose_k.tabs.clustering import DiagramsPane, ScatterPane
from gui.pages.choose_k.tabs.curves import CurvesView
from gui.tasks import next_turn
from gui.widgets.palette import hex_color, palette_rgba
from gui.widgets.veil import Veil

SELECTION_HINT = "Click a k on a curve or a diagram."


def selection_html(state: ChooseKState) -> str:
    facts = selection_facts(state)
    if facts is None:
        return SELECTION_HINT
    k = facts["k"]
    colors = palette_rgba(k)
    swatches = " ".join(f"<span style='color:{hex_color(colors[c])}'>●</span>{size}"
                        for c, size in enumerate(facts["sizes"][:12]))
    note = f" ({', '.join(facts['notes'])})" if facts["notes"] else ""
    return (f"<b>k = {k}</b>{note}<br>Inertia: {facts['inertia']:.1f}<br>"
            f"Silhouette: {facts['silhouette']}<br>Cluster sizes: {swatches}")


def _just(step):
    """``step`` as a queue entry that has no further steps."""
    def run() -> None:
        step()

    return run


class ChooseKView(Tab):
    """Curves, silhouette diagrams and the selected clustering, in splitters."""

    title = "Choosing k"
    k_clicked = Signal(int)
    drawn = Signal()  # every part of a new result is drawn

    def __init__(self, parent=None):
        super().__init__(parent)
        self.selection_info = info_label(SELECTION_HINT)
        self.selection_info.setTextFormat(Qt.TextFormat.RichText)
        self.selection_info.setToolTip("The clustering shown in the scatter.")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self._state: ChooseKState | None = None
        self._result = None  # the result last rendered
        self._queue: list = []  # parts of a new result still to draw
        self._veils: list[Veil] = []  # over a sweep of other data
        self._stale = False  # (the veils shown)

    def build_steps(self) -> list:
        # the curves (four plots), then the rest: each part on its own turn as the page opens
        return [self._make_curves, self._make_rest]

    def _make_curves(self) -> None:
        self.curves = CurvesView()
        self.curves.k_clicked.connect(self.k_clicked)

    def _make_rest(self) -> None:
        self.diagrams = DiagramsPane()
        self.scatter = ScatterPane()
        self.diagrams.k_clicked.connect(self.k_clicked)
        self.bottom = QSplitter(Qt.Orientation.Horizontal)
        self.bottom.addWidget(self.diagrams)
        self.bottom.addWidget(self.scatter)
        self.bottom.setStretchFactor(0, 5)
        self.bottom.setStretchFactor(1, 4)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(self.curves)
        self.splitter.addWidget(self.bottom)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setChildrenCollapsible(False)
        self.bottom.setChildrenCollapsible(False)
        # The height shared out as when the splitter was made with the page, before it was
        # shown (~38% for the curves, whatever the window's size): made on a later turn, into
        # a view already laid out, it would give the curves 55%.
        self.splitter.setSizes([480, 770])
        self.layout().addWidget(self.splitter)
        self._veils = [Veil(self.curves), Veil(self.diagrams)]
        for veil in self._veils:
            veil.set_shown(self._stale)

    def pending_views(self) -> list:
        return [self.scatter.scatter] if self.built else []

    def forget_drawn(self) -> None:
        if self.built:
            self.scatter.forget_drawn()
        self._result = None
        self.show_stale(None)

    def show_stale(self, summary: str | None) -> None:
        """New data is drawn grey in the scatter: the curves and diagrams of the last sweep
        are faded and the selection box says what is coming (None: back to normal)."""
        self._stale = summary is not None
        for veil in self._veils:
            veil.set_shown(self._stale)
        if summary is not None:
            self.selection_info.setText(summary)

    def render(self, state: ChooseKState) -> None:
        """Draw ``state``. A new result is drawn a part per turn of the event loop (curves,
        then diagrams, then the scatter: with their painting, each takes tens of ms on big
        data); a new selection is drawn at once (it only swaps precomputed arrays)."""
        if not self.built and state.result is None:  # nothing to draw on views not made yet
            self._state = state
            self.selection_info.setText(selection_html(state))
            return
        self.ensure_built()
        self._state = state
        new_result = state.result is not self._result
        if new_result:
            self.show_stale(None)
        self._result = state.result
        self.curves.render(state)
        self.selection_info.setText(selection_html(state))
        if new_result and state.result is not None:
            if not self._queue:
                next_turn(self, self._render_next)
            # (the steps are made when their turn comes: the state may change meanwhile)
            self._queue = [lambda: self.diagrams.render_steps(self._state),
                           lambda: [lambda: self.scatter.render(self._state)]]
        else:
            finishing, self._queue = bool(self._queue), []
            self.diagrams.render(state)
            self.scatter.render(state)
            if finishing:
                self.drawn.emit()

    def _render_next(self) -> None:
        if self._queue:
            steps = self._queue.pop(0)()
            if steps:  # a part that comes in steps: its first now, the rest next
                steps[0]()
                self._queue[:0] = [_just(step) for step in steps[1:]]
            if self._queue:
                next_turn(self, self._render_next)
            else:
                self.drawn.emit()

    def code(self, state: ChooseKState) -> str:
        return snippets.code(state)

    def export_table(self, state: ChooseKState):
        return export_table(state)

    def export_widget(self) -> QWidget:
        self.ensure_built()
        return self.splitter
