"""The page's one view (no tab bar): curves on top, diagrams and the scatter below.

:class:`ChooseKView` is the page's only :class:`Tab`. It also owns the
"Selected k" summary that the page places in its side panel, since that text
is a rendering of the state too.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QSplitter, QVBoxLayout, QWidget

from gui.pages.base import Tab, info_label
from gui.pages.choose_k import snippets
from gui.pages.choose_k.state import ChooseKState, export_table, selection_facts
from gui.pages.choose_k.tabs.clustering import DiagramsPane, ScatterPane
from gui.pages.choose_k.tabs.curves import CurvesView
from gui.tasks import lay_out_now
from gui.widgets.palette import hex_color, palette_rgba
from gui.widgets.veil import Veil

#: Milliseconds between two steps of drawing (see :meth:`ChooseKView.render`).
STEP_GAP_MS = 4

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
        self._parts_left: list = []  # parts of the state still to draw (each gives its steps)
        self._todo: list = []  # steps of the part being drawn, one per turn
        self._new_result = False  # a new result is being drawn (`drawn` once it is)
        self._next_planned = False  # (the next step's timer is started)
        self._veils: list[Veil] = []  # over a sweep of other data
        self._stale = False  # (the veils shown)

    def build_steps(self) -> list:
        # each curve's plot, then the rest: each part on its own turn as the page opens
        self.curves = CurvesView(build=False)
        self.curves.k_clicked.connect(self.k_clicked)
        return self.curves.build_steps() + [self._make_rest]

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
        # (each plot's first paint gets a turn of its own as the page opens: Page.open_in_turns)

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
        """Draw ``state`` a step per turn of the event loop: each curve, each silhouette
        diagram, the scatter (a view drawn anew and painted takes ~10-20 ms on big data: in
        one turn, a result held the GUI thread for 50-80 ms). The first step is taken now
        (a click on a curve moves its markers at once). Only what changed is drawn: a new
        selection retitles two diagrams and recolours the scatter. :attr:`drawn` says when
        every part of a new result is drawn; :meth:`drawing` whether steps are left."""
        if not self.built and state.result is None:  # nothing to draw on views not made yet
            self._state = state
            self.selection_info.setText(selection_html(state))
            return
        self.ensure_built()
        self._state = state
        if state.result is not self._result:
            self._result = state.result
            self._new_result = state.result is not None
            if state.result is None:
                self.show_stale(None)
            else:
                self._stale = False  # (each veil is lifted with its view's first step)
        self.selection_info.setText(selection_html(state))
        # (the parts say what to draw when their turn comes: the state may change meanwhile)
        self._parts_left = [self._curves_steps, self._diagrams_steps, self._scatter_steps]
        self._todo = []
        if not self._next_planned:
            self._render_next()

    def _curves_steps(self) -> list:
        return self._unveiling(self._veils[0], self.curves.render_steps(self._state))

    def _diagrams_steps(self) -> list:
        return self._unveiling(self._veils[1], self.diagrams.render_steps(self._state))

    def _unveiling(self, veil: Veil, steps: list) -> list:
        """``steps``, the first of which lifts ``veil`` if the view is no longer stale."""
        if veil.isHidden() or self._stale:
            return steps
        first = steps[0] if steps else (lambda: None)
        return [lambda: (veil.set_shown(False), first())] + steps[1:]

    def _scatter_steps(self) -> list:
        return [lambda: self.scatter.render(self._state)]

    def drawing(self) -> bool:
        """Whether parts of the state are still to be drawn (on later turns)."""
        return bool(self._parts_left or self._todo)

    def _render_next(self) -> None:
        self._next_planned = False
        while not self._todo and self._parts_left:  # (parts with nothing to draw take no turn)
            self._todo = list(self._parts_left.pop(0)())
        step = self._todo.pop(0) if self._todo else None
        while not self._todo and self._parts_left:
            self._todo = list(self._parts_left.pop(0)())
        if self._todo:
            # (a few ms later, not on the next turn: the step's painting comes first, and
            # then timers and input have a turn before the next step)
            QTimer.singleShot(STEP_GAP_MS, self, self._render_next)
            self._next_planned = True
        try:
            if step is not None:
                step()
                lay_out_now()  # (on its timer, not a turn of next_turn's)
        finally:
            if not self._todo and self._new_result:
                self._new_result = False
                self.drawn.emit()

    def code(self, state: ChooseKState) -> str:
        return snippets.code(state)

    def export_table(self, state: ChooseKState):
        return export_table(state)

    def export_widget(self) -> QWidget:
        self.ensure_built()
        return self.splitter
