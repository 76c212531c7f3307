"""A page opens over several turns of the event loop: its current tab's views are made a
step per turn (Tab.build_steps), then rendered, then painted (gui/pages/base.py)."""

from __future__ import annotations

import pyqtgraph as pg
import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QVBoxLayout

from gui.pages.base import Page, Tab


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


class OwnStepsPage(Page):
    """A page with two parts of its own (say, a side panel's plot) made as it opens."""

    name = "own-steps"

    def __init__(self, ctx):
        super().__init__(ctx)
        self.made: list[str] = []
        self.refreshed = 0

    def opening_steps(self):
        return [lambda: self.made.append("side plot"), lambda: self.made.append("legend")]

    def refresh(self) -> None:
        self.refreshed += 1  # (drawn on the parts once they are made)
        super().refresh()


def test_a_pages_own_parts_are_made_a_turn_each_then_drawn_before_it_is_painted(window, qtbot):
    page = OwnStepsPage(window.ctx)
    qtbot.addWidget(page)
    seen = []

    def first() -> None:
        page.made.append("side plot")
        # runs on the event loop's next pass: before the next part if that is a turn later
        QTimer.singleShot(0, lambda: page.made.append("next turn"))

    page.opening_steps = lambda: [first, lambda: seen.append(list(page.made))]
    page.open_in_turns()
    assert page.made == [] and not page.updatesEnabled()  # nothing in the turn that asked
    qtbot.waitUntil(page.updatesEnabled, timeout=2000)
    assert seen == [["side plot", "next turn"]]
    assert page.refreshed == 1  # then drawn, before its first paint


def test_finish_opening_makes_the_pages_own_parts_left_at_once(window, qtbot):
    page = OwnStepsPage(window.ctx)
    qtbot.addWidget(page)
    page.open_in_turns()
    page.finish_opening()  # e.g. an export of the page before it opened
    assert page.made == ["side plot", "legend"] and page.updatesEnabled()
    assert page.refreshed == 1
    qtbot.wait(50)
    assert page.made == ["side plot", "legend"]  # each made once


class PlotsPage(Page):
    """A page of three plots."""

    name = "three-plots"

    def __init__(self, ctx):
        super().__init__(ctx)
        self.plots = [pg.PlotWidget() for _ in range(3)]
        layout = QVBoxLayout(self)
        for plot in self.plots:
            layout.addWidget(plot)


def _shown_page(window, qtbot) -> PlotsPage:
    page = PlotsPage(window.ctx)
    qtbot.addWidget(page)
    page.resize(400, 600)
    page.show()
    qtbot.waitExposed(page)
    return page


def test_a_pages_plots_paint_a_turn_each_after_the_page(window, qtbot, monkeypatch):
    import gui.pages.base as base
    import gui.widgets.warm_paint as warm_paint

    page = _shown_page(window, qtbot)
    # each time a next turn is asked for: (the page painting, how many plots paint)
    painting: list[tuple[bool, int]] = []
    real = base.next_turn

    def recording(receiver, fn):
        painting.append((page.updatesEnabled(),
                         sum(plot.updatesEnabled() for plot in page.plots)))
        real(receiver, fn)

    monkeypatch.setattr(base, "next_turn", recording)
    monkeypatch.setattr(warm_paint, "next_turn", recording)  # (HeldPaint lets them through)
    page.open_in_turns()
    assert not page.opened
    qtbot.waitUntil(lambda: page.opened, timeout=2000)
    assert all(plot.updatesEnabled() for plot in page.plots)
    # the page's paint first (asked as it opened, its plots held), then a plot a turn
    assert painting[-3:] == [(False, 0), (True, 1), (True, 2)]


def test_an_export_lets_every_plot_paint_at_once(window, qtbot):
    page = _shown_page(window, qtbot)
    page.open_in_turns()
    qtbot.waitUntil(page.updatesEnabled, timeout=2000)
    assert not page.opened
    page.export_widget()
    assert page.opened and all(plot.updatesEnabled() for plot in page.plots)


def _draw_result(page: PlotsPage, cost: float | None, seen: list) -> None:
    """Run a task whose result redraws the page's plots (``paint_in_turns``); ``seen``: which
    plots could paint as its result was drawn, and the result."""

    def draw(value) -> None:
        seen.append(([plot.updatesEnabled() for plot in page.plots], value))
        for i, plot in enumerate(page.plots):
            plot.plot([0, 1, 2], [value, i, value])
        page.mark_drawn()

    page.run_task(lambda: 7, key="fit", description="Fitting…", cost=cost, on_result=draw,
                  paint_in_turns=True)


def test_a_result_from_a_worker_is_drawn_with_the_plots_held_then_each_paints_a_turn(
        window, qtbot, monkeypatch):
    import gui.widgets.warm_paint as warm_paint

    page = _shown_page(window, qtbot)
    qtbot.waitUntil(lambda: page.opened, timeout=2000)
    let_through: list[int] = []  # plots painting, each time a held one is let through
    real = warm_paint.HeldPaint._next

    def recording(self) -> None:
        real(self)
        let_through.append(sum(plot.updatesEnabled() for plot in page.plots))

    monkeypatch.setattr(warm_paint.HeldPaint, "_next", recording)
    seen: list = []
    drawn: list[list[bool]] = []
    page.result_drawn.connect(lambda: drawn.append([p.updatesEnabled() for p in page.plots]))
    _draw_result(page, None, seen)  # (no cost: a worker thread)
    qtbot.waitUntil(lambda: bool(drawn), timeout=5000)
    assert seen == [([False, False, False], 7)]  # drawn while none of them could paint
    assert let_through == [1, 2, 3]  # then a plot a turn
    assert drawn == [[True, True, True]]  # "drawn" once every plot could paint it
    assert page.opened


def test_a_result_computed_inline_paints_at_once(window, qtbot):
    page = _shown_page(window, qtbot)
    qtbot.waitUntil(lambda: page.opened, timeout=2000)
    seen: list = []
    _draw_result(page, 1.0, seen)  # (cheap: computed in the turn that asked)
    qtbot.waitUntil(lambda: bool(seen), timeout=5000)
    assert seen == [([True, True, True], 7)] and page.opened


def test_an_export_lets_plots_held_for_a_result_paint_at_once(window, qtbot):
    page = _shown_page(window, qtbot)
    qtbot.waitUntil(lambda: page.opened, timeout=2000)
    painting: list[list[bool]] = []

    def draw_then_export(value) -> None:  # e.g. File > Export plot as the result comes
        painting.append([plot.updatesEnabled() for plot in page.plots])
        page.export_widget()
        painting.append([plot.updatesEnabled() for plot in page.plots])

    page.run_task(lambda: 7, key="fit", description="Fitting…", on_result=draw_then_export,
                  paint_in_turns=True)
    qtbot.waitUntil(lambda: len(painting) == 2, timeout=5000)
    assert painting == [[False] * 3, [True] * 3] and page.opened


def test_a_picture_of_the_window_draws_views_held_for_a_turn(window, qtbot):
    from gui.exports import render_image
    from gui.widgets.warm_paint import HeldPaint
    from tests.gui.drivers import colour_count

    page = _shown_page(window, qtbot)
    qtbot.waitUntil(lambda: page.opened, timeout=2000)
    plot = page.plots[0]
    plot.plot([0, 1, 2], [0, 1, 0], pen=pg.mkPen("r", width=5))
    HeldPaint(plot).hold([plot])  # as a scatter view is as its raster comes

    assert colour_count(plot.grab().toImage()) == 1  # a grab draws a held view black
    picture = render_image(window)  # what --screenshot and File > Export save
    assert plot.updatesEnabled()
    top_left = plot.mapTo(window, plot.rect().topLeft())
    drawn = picture.copy(top_left.x(), top_left.y(), plot.width(), plot.height())
    assert colour_count(drawn) > 10  # background, grid, axes, texts and the curve


def test_choosing_k_opens_in_turns_and_draws_its_result(window, open_page, qtbot):
    page = window.page("choose-k")
    view = page.current_tab()
    assert not view.built and not page.updatesEnabled()  # made, not painted yet
    window.show_page("choose-k")
    qtbot.waitUntil(lambda: view.built and page.updatesEnabled(), timeout=10_000)
    page = open_page("choose-k")
    assert len(view.curves.curves["inertia"].xData) > 0  # the sweep's curves, drawn
    assert view.splitter.sizes()[0] < view.splitter.sizes()[1]  # curves above, smaller


#: pages whose current tab makes its plots on the turns after the page, and the plots it makes
PLOTS_MADE_IN_TURNS = {"kmeans": 1, "dbscan": 2, "segmentation": 2, "digits-preprocessing": 1,
                       "digits-labelling": 2}


@pytest.mark.parametrize("name", sorted(PLOTS_MADE_IN_TURNS))
def test_a_page_makes_its_plots_after_its_first_turn_and_opens_with_them_drawn(
        window, open_page, qtbot, name):
    from tests.gui.drivers import PageDriver

    made = PageDriver(window.page(name), qtbot)  # made in this turn: no plot yet, not painted
    assert made.tab_plots() == [] and not made.opened()
    d = PageDriver(open_page(name), qtbot)
    qtbot.waitUntil(d.opened, timeout=10_000)
    assert len(d.tab_plots()) == PLOTS_MADE_IN_TURNS[name]
    colours = d.plot_colours()
    assert colours and min(colours) > 2, colours  # every plot on screen is drawn


def test_the_labelling_charts_made_after_the_page_show_its_state(window, open_page, qtbot):
    from tests.gui.drivers import DigitsLabellingDriver

    d = DigitsLabellingDriver.open(open_page, qtbot)
    qtbot.waitUntil(d.opened, timeout=10_000)
    random_labels = d.results_shown()[0]
    assert 0.5 < random_labels < 1.0  # the bar of 50 random labels, computed with the digits
    assert d.bar_texts()[0] == f"{random_labels:.4f}" and d.bar_names()[3] == "partial 25%"


def test_the_iterations_plots_made_a_turn_each_do_not_resize_those_already_made(qtbot):
    from PySide6.QtCore import QEvent, QObject

    from tests.gui.drivers import KMeansDriver, open_window

    class Sizes(QObject):
        """Each view's sizes, as it is resized."""

        def __init__(self):
            super().__init__()
            self.seen: dict[int, list[tuple[int, int]]] = {}

        def eventFilter(self, obj, event):  # noqa: N802 - Qt override
            if event.type() == QEvent.Type.Resize:
                self.seen.setdefault(id(obj), []).append((event.size().width(),
                                                          event.size().height()))
            return False

    # (the window of a laptop, where the caption of the figure wraps)
    window = open_window(qtbot, size=(1280, 720))
    km = KMeansDriver(window.show_page("kmeans"), qtbot)
    km.wait_idle()
    tab = km.page.iterations
    sizes = Sizes()
    def made() -> None:
        if tab.views:
            view = tab.views[-1]
            sizes.seen[id(view)] = [(view.width(), view.height())]
            view.installEventFilter(sizes)

    tab.was_built.connect(made)
    km.chapter_figure()
    qtbot.waitUntil(lambda: len(tab.views) == 6 and not tab.pending(), timeout=10_000)
    # a view is sized once, as it is put in its cell: the grid never re-lays out as the next
    # ones are made and the figure's caption is written
    assert len(sizes.seen) == 6 and all(len(s) == 1 for s in sizes.seen.values()), sizes.seen
    w, h = tab.views[0].width(), tab.views[0].height()
    assert w > 100 and h > 100
    assert all(abs(v.width() - w) <= 1 and abs(v.height() - h) <= 1 for v in tab.views)
    # nor does the caption's text, longer or shorter, resize them
    sizes.seen.clear()
    caption = km.iterations_caption()
    km.set_init("k-means++")
    km.fit()
    qtbot.waitUntil(lambda: km.iterations_caption() != caption and not tab.pending(),
                    timeout=10_000)
    km.wait_idle()
    assert "init='k-means++'" in km.iterations_caption()
    assert sizes.seen == {}
