"""The Choosing k view draws a result a view per turn of the event loop, and ends as if it
had drawn it at once; a selection redraws only what it changes."""

from __future__ import annotations

import numpy as np
import pytest

from core.datasets import load_builtin
from core.selection import silhouette_diagram
from gui.pages.choose_k.tabs.view import ChooseKView
from gui.widgets.palette import palette_rgba
from gui.widgets.silhouette_view import SilhouetteGrid
from tests.gui.drivers import ChooseKDriver
from tests.gui.page_drivers.choose_k import diagram_shown


@pytest.fixture
def ck(open_page, qtbot):
    return ChooseKDriver.open(open_page, qtbot)


def _view(qtbot) -> ChooseKView:
    view = ChooseKView()
    qtbot.addWidget(view)
    view.ensure_built()
    return view


def _shown(view: ChooseKView) -> dict:
    """Everything the view's plots show (the curves not hidden)."""
    curves = view.curves
    keys = [key for key, plot in curves.plots.items() if not plot.isHidden()]
    return {
        "curves shown": keys,
        "curves": {key: tuple(np.asarray(a).tolist() for a in curves.curves[key].getData())
                   for key in keys},
        "markers": {key: (curves.markers[key].value(), curves.markers[key].isVisible())
                    for key in keys},
        "elbow": (np.asarray(curves.elbow_point.getData()).tolist(),
                  curves.elbow_text.toPlainText()),
        "best": np.asarray(curves.best_point.getData()).tolist(),
        "diagrams": [diagram_shown(p) for p in view.diagrams.grid.diagram_plots],
        "colors": view.scatter.scatter.point_colors().tolist(),
        "centres": np.asarray(view.scatter.centroid_crosses.getData()).tolist(),
    }


def _at_once(qtbot, state) -> ChooseKView:
    """A view whose parts drew ``state`` at once, each in one go."""
    view = _view(qtbot)
    view.curves.render(state)
    view.diagrams.render(state)
    view.scatter.render(state)
    return view


def test_a_result_is_drawn_a_view_per_turn_and_ends_as_drawn_at_once(ck, qtbot):
    state = ck.state()
    stepped = _view(qtbot)
    with qtbot.waitSignal(stepped.drawn, timeout=20_000):
        stepped.render(state)
        # the first step now (a curve), the rest on later turns
        assert stepped.drawing()
        assert not stepped.diagrams.grid.diagram_plots
        assert len(stepped.curves.curves["inertia"].getData()[0]) == len(state.sweep.ks)
    assert not stepped.drawing()
    at_once = _at_once(qtbot, state)
    got, want = _shown(stepped), _shown(at_once)
    for key in got:
        assert got[key] == want[key], key
    assert got["curves shown"] == ["inertia", "silhouette"]
    assert [d.k for d in got["diagrams"]] == [3, 4, 5, 6]
    assert "selected" in got["diagrams"][1].title  # k=4, the elbow


def test_a_selection_made_while_a_result_is_drawn_is_the_one_drawn(ck, qtbot):
    state = ck.state()
    view = _view(qtbot)
    with qtbot.waitSignal(view.drawn, timeout=20_000):
        view.render(state)
        state.select(6)  # before the diagrams and the scatter are drawn
        view.render(state)
    assert not view.drawing()
    shown = _shown(view)
    assert [("selected" in d.title) for d in shown["diagrams"]] == [False, False, False, True]
    assert all(pos == 6 for pos, _ in shown["markers"].values())
    np.testing.assert_array_equal(view.scatter.scatter.point_colors(),
                                  state.result.colors[state.sweep.index(6)])
    assert shown == _shown(_at_once(qtbot, state))


def test_selecting_a_k_retitles_the_diagrams_and_redraws_no_band(ck):
    bands = {d.k: d.band_ranges for d in ck.diagrams_shown()}
    plots_before = ck.diagrams_shown()
    ck.select_k(5)
    assert not ck.drawing()
    after = ck.diagrams_shown()
    assert [("selected" in d.title) for d in after] == [False, False, True, False]
    assert {d.k: d.band_ranges for d in after} == bands
    for before, now in zip(plots_before, after):
        assert (before.band_colors, before.mean) == (now.band_colors, now.mean)
    assert ck.markers()["inertia"] == ck.markers()["silhouette"] == 5


def test_more_scores_are_drawn_when_shown_with_the_selected_k(ck):
    ck.select_k(6)
    ck.set_more_scores(True)
    assert not ck.drawing()
    sweep = ck.sweep()
    for name in ("calinski_harabasz", "davies_bouldin"):
        assert ck.curve_visible(name)
        np.testing.assert_allclose(ck.curve_data(name)[1], getattr(sweep, name)[1:])
        assert ck.markers()[name] == 6
    ck.set_more_scores(False)
    assert not ck.curve_visible("calinski_harabasz")


def _diagrams(seed: int):
    X = load_builtin("blobs").X
    rng = np.random.default_rng(seed)
    out = []
    for k in (3, 4, 5, 6):
        labels = rng.integers(0, k, len(X))
        out.append((k, silhouette_diagram(X, labels, sample_size=300, random_state=0)))
    return out


def test_as_many_diagrams_are_redrawn_in_place_a_step_each(qtbot):
    grid = SilhouetteGrid()
    qtbot.addWidget(grid)
    grid.set_diagrams(_diagrams(0), colors_for_k=palette_rgba, selected_k=4)
    items = [grid.getItem(*divmod(i, 2)) for i in range(4)]
    new = _diagrams(1)
    steps = grid.diagram_steps(new, colors_for_k=palette_rgba, selected_k=5)
    assert len(steps) == 4
    for i, step in enumerate(steps):
        step()
        # each step redraws one diagram where it is: the grid is not laid out anew
        assert [grid.getItem(*divmod(j, 2)) for j in range(4)] == items
        assert [p.k for p in grid.diagram_plots[:i + 1]] == [k for k, _ in new[:i + 1]]
    fresh = SilhouetteGrid()
    qtbot.addWidget(fresh)
    fresh.set_diagrams(new, colors_for_k=palette_rgba, selected_k=5)
    assert [diagram_shown(p) for p in grid.diagram_plots] == \
        [diagram_shown(p) for p in fresh.diagram_plots]


def test_fewer_diagrams_lay_the_grid_out_anew(qtbot):
    grid = SilhouetteGrid()
    qtbot.addWidget(grid)
    grid.set_diagrams(_diagrams(0), colors_for_k=palette_rgba)
    grid.set_diagrams(_diagrams(1)[:1], colors_for_k=palette_rgba)
    assert [p.k for p in grid.diagram_plots] == [3]
    assert grid.getItem(0, 1) is None and grid.getItem(1, 0) is None


def test_a_first_result_lays_the_grid_out_once_and_shows_a_diagram_when_drawn(window, qtbot):
    from gui.widgets import plot_pool

    # plots made ahead (the window keeps a stock): the grid takes them all at the first step
    qtbot.waitUntil(lambda: plot_pool.in_stock() >= 4, timeout=20_000)
    grid = SilhouetteGrid()
    qtbot.addWidget(grid)
    items = _diagrams(0)
    steps = grid.diagram_steps(items, colors_for_k=palette_rgba, selected_k=4)
    assert len(steps) == 5  # the layout, then a diagram each
    steps[0]()
    cells = [grid.getItem(*divmod(i, 2)) for i in range(4)]
    assert all(cell is not None for cell in cells)  # every cell taken at the first step
    assert [cell.opacity() for cell in cells] == [0.0] * 4  # not drawn: not shown
    steps[1]()
    assert [cell.opacity() for cell in cells] == [1.0, 0.0, 0.0, 0.0]
    for step in steps[2:]:
        step()
        assert [grid.getItem(*divmod(i, 2)) for i in range(4)] == cells
    assert [cell.opacity() for cell in cells] == [1.0] * 4
    assert [p.k for p in grid.diagram_plots] == [3, 4, 5, 6]


def test_each_step_is_laid_out_before_its_paint(ck, qtbot):
    """The steps run on timers of the view's own, not next_turn's: each is laid out as it
    ends, or a view was painted, laid out anew and painted again in the same pass (the
    scatter of a new result: 40-50 ms on 150,000 points)."""
    from PySide6.QtCore import QEvent

    from tests.gui.test_tasks import _Events

    view = _view(qtbot)
    view.resize(900, 700)
    view.show()
    qtbot.waitExposed(view)
    qtbot.wait(100)
    scatter = view.scatter.scatter
    seen = _Events({QEvent.Type.LayoutRequest: "layout", QEvent.Type.Paint: "paint"})
    scatter.plotItem.installEventFilter(seen)
    scatter.viewport().installEventFilter(seen)
    draw_scatter = view.scatter.render  # the scatter's step: marked where it runs
    view.scatter.render = lambda state: (seen.names.append("step"), draw_scatter(state))
    with qtbot.waitSignal(view.drawn, timeout=20_000):
        view.render(ck.state())
    qtbot.waitUntil(lambda: "paint" in seen.names[seen.names.index("step"):], timeout=5000)
    after = seen.names[seen.names.index("step") + 1:]
    # (the other views' steps may paint a corner of the scatter with their window: an axis)
    assert after[0] == "layout" and "paint" in after, after
