"""A page opens over several turns of the event loop: its current tab's views are made a
step per turn (Tab.build_steps), then rendered, then painted (gui/pages/base.py)."""

from __future__ import annotations

from PySide6.QtCore import QTimer

from gui.pages.base import Tab


class StepTab(Tab):
    def __init__(self):
        super().__init__()
        self.made: list[str] = []

    def build_steps(self):
        return [self._plots, lambda: self.made.append("table")]

    def _plots(self) -> None:
        self.made.append("plots")
        # runs on the event loop's next pass: before the next step if that is a turn later
        QTimer.singleShot(0, lambda: self.made.append("next turn"))


def test_a_tab_is_built_a_step_per_turn_then_the_callback_runs(qtbot):
    tab = StepTab()
    qtbot.addWidget(tab)
    done = []
    tab.build_in_turns(lambda: done.append(list(tab.made)))
    assert tab.made == [] and not tab.built  # nothing in the turn that asked
    qtbot.waitUntil(lambda: bool(done), timeout=2000)
    assert tab.built and done == [["plots", "next turn", "table"]]


def test_what_needs_the_views_meanwhile_makes_the_steps_left_at_once(qtbot):
    tab = StepTab()
    qtbot.addWidget(tab)
    done = []
    built = []
    tab.was_built.connect(lambda: built.append(True))
    tab.build_in_turns(lambda: done.append(True))
    tab.ensure_built()
    assert tab.built and tab.made == ["plots", "table"] and built == [True]
    qtbot.waitUntil(lambda: bool(done), timeout=2000)
    assert tab.made == ["plots", "table", "next turn"] and built == [True]  # each step once


def test_a_tab_built_in_init_is_a_single_step(qtbot):
    tab = Tab()
    qtbot.addWidget(tab)
    done = []
    tab.build_in_turns(lambda: done.append(True))
    qtbot.waitUntil(lambda: bool(done), timeout=2000)
    assert tab.built


def test_choosing_k_opens_in_turns_and_draws_its_result(window, open_page, qtbot):
    page = window.page("choose-k")
    view = page.current_tab()
    assert not view.built and not page.updatesEnabled()  # made, not painted yet
    window.show_page("choose-k")
    qtbot.waitUntil(lambda: view.built and page.updatesEnabled(), timeout=10_000)
    page = open_page("choose-k")
    assert len(view.curves.curves["inertia"].xData) > 0  # the sweep's curves, drawn
    assert view.splitter.sizes()[0] < view.splitter.sizes()[1]  # curves above, smaller
