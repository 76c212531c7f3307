"""The K-Means page, driven through KMeansDriver: what the views show must be scikit-learn's."""

from __future__ import annotations

import time
import warnings

import numpy as np
import pytest
from PySide6.QtCore import Qt
from sklearn.cluster import KMeans

from core.datasets import Dataset, load_builtin
from gui.widgets.palette import colors_for_labels
from tests.gui.drivers import KMeansDriver

GOOD_INIT = np.array([[-3, 3], [-3, 2], [-3, 1], [-1, 2], [0, 2]], dtype=float)
X_NEW = np.array([[0, 2], [3, 2], [-3, 3], [-3, 2.5]])


def sk(X, k, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return KMeans(n_clusters=k, **kw).fit(X)


@pytest.fixture
def km(window, open_page, qtbot):
    driver = KMeansDriver.open(open_page, qtbot)
    driver.wait_idle()
    return driver


def set_params(km, **kw):
    """Set controls as a person would (each change refits after a debounce), then Fit."""
    if "init" in kw:
        km.set_init(kw["init"])
    if "k" in kw:
        km.set_k(kw["k"])
    if "n_init" in kw:
        km.set_n_init(kw["n_init"])
    if "seed" in kw:
        km.set_seed(kw["seed"])
    if "dataset" in kw:
        km.set_dataset(kw["dataset"])
    km.fit()


# --------------------------------------------------------------------------- default view


def test_default_view_is_the_chapters_fit(km, window):
    X = load_builtin("blobs").X
    ref = sk(X, 5, random_state=42)
    np.testing.assert_array_equal(km.points_shown(), X)
    np.testing.assert_allclose(km.centers_shown(), ref.cluster_centers_, atol=1e-9)
    np.testing.assert_array_equal(km.colors(), colors_for_labels(ref.labels_, 5))
    regions = km.regions_image()
    assert regions is not None and regions.shape[0] > 50 and regions.shape[1] > 50
    # the region grid is the nearest centroid of each cell
    grid = km.region_grid()
    assert set(np.unique(grid)) == set(range(5))
    text = km.inertia_text()
    assert f"{ref.inertia_:,.2f}" in text and f"{-ref.score(X) * -1:,.2f}" in text
    assert "Converged" in km.iteration_text()
    assert f"Converged after {ref.n_iter_} iteration" in km.iteration_text()
    assert "KMeans(n_clusters=5" in window.code_panel.code()
    assert "random_state=42" in window.code_panel.code()
    # inertia curve ends at the fitted inertia
    xs, ys = km.inertia_curve()
    assert ys[-1] == pytest.approx(ref.inertia_, rel=1e-9)
    # every control has a tooltip (the other tabs are built when first shown)
    assert km.tooltips_missing() == []


def test_parameters_change_the_fit(km, window):
    X = load_builtin("blobs").X
    km.set_algorithm("elkan")
    set_params(km, k=4, init="random", n_init=3, seed=7)
    ref = sk(X, 4, init="random", n_init=3, random_state=7, algorithm="elkan")
    np.testing.assert_allclose(km.centers_shown(), ref.cluster_centers_, atol=1e-9)
    np.testing.assert_array_equal(km.labels_shown(), ref.labels_)
    assert km.n_init_used() == 3
    code = window.code_panel.code()
    assert 'init="random", n_init=3, algorithm="elkan", random_state=7' in code


# --------------------------------------------------------------------------- stepper


def test_step_back_reset_match_kmeans_iterations(km, window):
    X = load_builtin("blobs").X
    set_params(km, init="random", n_init=1, seed=5)
    km.reset()
    assert km.iteration() == 0
    n = len(X)
    idx = np.random.RandomState(5).choice(n, 5, replace=False, p=np.ones(n) / n)
    np.testing.assert_array_equal(km.centers_shown(), X[idx])
    assert not km.back_enabled()
    previous = X[idx]
    for t in (1, 2, 3):
        km.step()
        ref = sk(X, 5, init="random", n_init=1, max_iter=t, random_state=5)
        np.testing.assert_allclose(km.centers_shown(), ref.cluster_centers_, atol=1e-9)
        np.testing.assert_array_equal(km.colors(), colors_for_labels(ref.labels_, 5))
        _, latest = km.trail()
        np.testing.assert_allclose(latest[0::2], previous, atol=1e-9)
        np.testing.assert_allclose(latest[1::2], ref.cluster_centers_, atol=1e-9)
        assert f"Iteration <b>{t}</b>" in km.iteration_text()
        assert "changed cluster" in km.iteration_text()
        previous = ref.cluster_centers_
    curve_x, curve_y = km.inertia_curve()
    assert list(curve_x) == [0, 1, 2, 3]
    km.back()
    ref2 = sk(X, 5, init="random", n_init=1, max_iter=2, random_state=5)
    np.testing.assert_allclose(km.centers_shown(), ref2.cluster_centers_, atol=1e-9)
    np.testing.assert_array_equal(km.colors(), colors_for_labels(ref2.labels_, 5))
    assert "max_iter=2" in window.code_panel.code()
    # the code reproduces what is shown: the fit and the iteration on screen
    ns: dict = {}
    exec(window.code_panel.code(), ns)
    assert ns["kmeans"].inertia_ == pytest.approx(km.fitted_inertia(), rel=1e-12)
    assert ns["kmeans_iter"].inertia_ == pytest.approx(km.frame_inertia(), rel=1e-9)


def test_the_inertia_plot_is_drawn_when_what_it_shows_changes(km, window):
    set_params(km, k=5, init="random", n_init=1, seed=5)
    height = km.inertia_plot_height()
    changes = km.count_inertia_plot_changes()
    km.page.refresh()  # as every result of a tab does: the same curve is not set again
    km.wait_idle()
    assert changes == []
    km.back()
    assert changes  # the dot moved
    xs, ys = km.inertia_curve()
    (x0, x1), (y0, y1) = km.inertia_plot_range()  # the whole curve is in view
    assert x0 < 0 and x1 > xs[-1] and y0 < ys.min() and y1 > ys.max()
    km.set_dataset("moons")  # a description of other lines above it: the plot keeps its height
    assert km.inertia_plot_height() == height


def test_keyboard_shortcuts_step_back_and_play(km, window):
    set_params(km, init="random", n_init=1, seed=5)
    km.reset()
    km.press_key("Right")
    km.press_key("Right")
    assert km.iteration() == 2
    km.press_key("Left")
    assert km.iteration() == 1
    km.press_key("Space")
    assert km.playing()
    km.press_key("Space")
    assert not km.playing()


def test_play_runs_to_convergence(km, window):
    X = load_builtin("blobs").X
    set_params(km, init="random", n_init=1, seed=5)
    km.reset()
    km.set_speed(30)
    km.play(True)
    assert km.play_text() == "Pause"
    km.wait_converged()
    ref = sk(X, 5, init="random", n_init=1, random_state=5)
    assert km.iteration() == ref.n_iter_
    assert f"Converged after {ref.n_iter_} iterations" in km.iteration_text()
    np.testing.assert_allclose(km.centers_shown(), ref.cluster_centers_, atol=1e-9)
    assert not km.step_enabled()


def test_the_code_follows_play_and_play_stops_on_leaving(km, window, qtbot):
    set_params(km, init="random", n_init=1, seed=5)
    km.reset()
    km.set_speed(3)
    km.play(True)
    # while playing, the code describes the iteration shown (not the one play started from)
    qtbot.waitUntil(lambda: km.playing() and km.iteration() >= 2 and
                    f"# The iteration shown ({km.iteration()})" in window.code_panel.code(),
                    timeout=20_000)
    assert "# The iteration shown (0)" not in window.code_panel.code()
    window.show_page("data")  # an animation nobody watches stops
    assert not km.playing()
    shown = km.iteration()
    qtbot.wait(800)
    assert km.iteration() == shown


def test_big_data_steps_run_in_the_background(km, window, monkeypatch):
    import gui.tasks

    monkeypatch.setattr(gui.tasks, "INLINE_COST", 0)  # every step counts as big work
    X = load_builtin("blobs").X
    set_params(km, init="random", n_init=1, seed=5)
    km.reset()
    assert km.iteration() == 0
    inline_before = window.tasks.inline_count
    km.step_many(2)  # the second is queued while the first runs
    assert window.tasks.inline_count == inline_before  # both ran on a worker thread
    assert km.iteration() == 2
    ref = sk(X, 5, init="random", n_init=1, max_iter=2, random_state=5)
    np.testing.assert_allclose(km.centers_shown(), ref.cluster_centers_, atol=1e-9)
    np.testing.assert_array_equal(km.colors(), colors_for_labels(ref.labels_, 5))


def test_chapter_iterations_figure_is_one_click_away(km, window):
    X = load_builtin("blobs").X
    km.chapter_figure()
    assert km.current_tab() == "Iterations 1–3"
    shown = km.params_shown()
    assert shown["random_state"] == 5 and shown["init"] == "random"
    refs = [sk(X, 5, init="random", n_init=1, max_iter=t, random_state=5) for t in (1, 2, 3)]
    expected = [refs[0], refs[0], refs[1], refs[1], refs[2], refs[2]]
    for i, ref in enumerate(expected):
        np.testing.assert_allclose(km.centers_shown("Iterations 1–3", i), ref.cluster_centers_,
                                   atol=1e-9)
    assert km.regions_image("Iterations 1–3", 0) is None  # the first panel: centroids only
    assert km.regions_image("Iterations 1–3", 1) is not None
    assert "for max_iter in (1, 2, 3)" in window.code_panel.code()


# --------------------------------------------------------------------------- hand-placed init


def test_hand_placed_init_click_drag_and_step(km, window):
    X = load_builtin("blobs").X
    km.set_k(3)
    km.set_init("hand")
    km.clear_placed()
    assert not km.fitted() and "Click on the plot" in km.hint_text()
    assert not km.fit_enabled()  # k centroids are needed first
    assert "0 of 3 initial centroids placed" in window.code_panel.code()
    targets = [(-2.8, 2.8), (-1.5, 2.3), (0.2, 2.3)]
    for i, (x, y) in enumerate(targets):
        km.place_centroid(x, y)
        assert len(km.handle_positions()) == i + 1
    placed = km.handle_positions()
    pw, ph = km.pixel_size()
    assert np.all(np.abs(placed - np.array(targets)) <= [[2 * pw, 2 * ph]])
    assert km.fitted() and km.iteration() == 0
    np.testing.assert_allclose(km.centers_shown(), placed)
    assert len(km.soft_table()[1]) == 4  # the clicks placed centroids, not new instances

    # drag the second centroid
    km.drag_centroid(1, -1.0, 1.5)
    moved = km.handle_positions()
    assert abs(moved[1, 0] - (-1.0)) < 4 * pw and abs(moved[1, 1] - 1.5) < 4 * ph
    np.testing.assert_allclose(km.initial_centers(), moved)
    np.testing.assert_allclose(km.centers_shown(), moved, atol=1e-9)

    km.step()
    ref = sk(X, 3, init=moved, n_init=1, max_iter=1)
    np.testing.assert_allclose(km.centers_shown(), ref.cluster_centers_, atol=1e-9)
    km.fit()
    full = sk(X, 3, init=moved, n_init=1)
    np.testing.assert_allclose(km.centers_shown(), full.cluster_centers_, atol=1e-9)
    assert "# placed by hand" in window.code_panel.code()
    ns: dict = {}
    exec(window.code_panel.code(), ns)
    assert ns["kmeans"].inertia_ == pytest.approx(full.inertia_, rel=1e-12)

    # the placed centroids are saved and come back
    np.testing.assert_allclose(km.saved_placed("blobs"), moved)


def test_chapter_good_init_preset(km, window):
    X = load_builtin("blobs").X
    km.set_init("hand")
    km.chapter_good_init()
    assert km.params_shown()["k"] == 5
    np.testing.assert_array_equal(km.initial_centers(), GOOD_INIT)
    np.testing.assert_allclose(km.handle_positions(), GOOD_INIT, atol=1e-12)
    km.fit()
    ref = sk(X, 5, init=GOOD_INIT, n_init=1, random_state=42)
    assert km.fitted_inertia() == pytest.approx(ref.inertia_, rel=1e-12)
    assert f"{ref.inertia_:,.2f}" in km.inertia_text()  # the chapter's 211.60


# --------------------------------------------------------------------------- soft clustering


def test_soft_clustering_table_and_clicks(km, window):
    X = load_builtin("blobs").X
    ref = sk(X, 5, random_state=42)
    header, rows = km.soft_table()
    assert header == ["#", "instance", "0", "1", "2", "3", "4", "cluster"]
    assert len(rows) == 4
    assert rows[3][1] == "(-3.00, 2.50)"
    expected = ref.transform(X_NEW)
    for r, row in enumerate(rows):
        assert [float(v) for v in row[2:7]] == pytest.approx(expected[r].round(2).tolist())
        assert int(row[7]) == ref.predict(X_NEW)[r]
    # click an empty spot: a fifth instance
    km.add_new_instance(1.0, 1.2)
    header, rows = km.soft_table()
    assert len(rows) == 5
    x, y = km.new_instances()[-1]
    assert float(rows[4][2]) == pytest.approx(np.hypot(x - ref.cluster_centers_[0, 0],
                                                       y - ref.cluster_centers_[0, 1]), abs=0.006)
    # click it again: removed
    km.click_plot(x, y)
    assert len(km.soft_table()[1]) == 4
    # the table follows the model: step back to iteration 0
    km.reset()
    _, rows = km.soft_table()
    first = np.linalg.norm(X_NEW[0] - km.initial_centers(), axis=1)
    assert [float(v) for v in rows[0][2:7]] == pytest.approx(first.round(2).tolist())
    km.clear_new()
    assert len(km.soft_table()[1]) == 0
    km.chapter_x_new()
    assert len(km.soft_table()[1]) == 4
    km.delete_new_row(1)
    np.testing.assert_array_equal(km.new_instances(), X_NEW[[0, 2, 3]])


# --------------------------------------------------------------------------- other tabs


def test_compare_variability_and_limits_tabs(km, window):
    X = load_builtin("blobs").X
    km.show_tab("Compare")
    for i, seed in enumerate((2, 9)):
        ref = sk(X, 5, init="random", n_init=1, random_state=seed)
        assert f"inertia = {ref.inertia_:,.2f}" in km.view_title("Compare", i)
        np.testing.assert_allclose(km.centers_shown("Compare", i), ref.cluster_centers_,
                                   atol=1e-9)
        np.testing.assert_array_equal(km.colors("Compare", i),
                                      colors_for_labels(ref.labels_, 5))
    km.set_compare(1, "k-means++", 3)
    km.run_compare()
    ref = sk(X, 5, init="k-means++", n_init=1, random_state=3)
    assert f"inertia = {ref.inertia_:,.2f}" in km.view_title("Compare", 1)
    header, rows = km.export_table()
    assert header[-2:] == ["solution 1", "solution 2"] and len(rows) == len(X)

    km.set_runs(4)  # built, not yet shown: nothing runs
    assert km.variability_results() is None
    km.show_tab("Variability")
    rnd, pp = km.variability_results()
    assert len(rnd.inertias) == len(pp.inertias) == 4
    for seed, v in zip(rnd.seeds, rnd.inertias):
        assert v == pytest.approx(sk(X, 5, init="random", n_init=1,
                                     random_state=int(seed)).inertia_, rel=1e-12)
    assert km.histogram_heights() == [4, 4]
    assert "k-means++" in km.variability_caption()
    header, rows = km.export_table()
    assert header == ["init", "random_state", "inertia", "n_iter"] and len(rows) == 8

    km.show_tab("Limits")
    E = load_builtin("elongated").X
    good = sk(E, 3, init=np.array([[-1.5, 2.5], [0.5, 0], [4, 0]]), n_init=1, random_state=42)
    bad = sk(E, 3, random_state=42)
    assert f"inertia = {good.inertia_:.1f}" in km.view_title("Limits", 0)
    assert f"inertia = {bad.inertia_:.1f}" in km.view_title("Limits", 1)
    assert "kmeans_good" in window.code_panel.code()


# --------------------------------------------------------------------------- navigation, errors, export


def test_use_this_k_from_another_page(km, window):
    window.ctx.navigate("kmeans", n_clusters=3, dataset="iris", ignored="yes")
    km.wait_idle()
    assert window.current_page() is km.page
    shown = km.params_shown()
    assert shown["k"] == 3 and shown["dataset"] == "iris"
    ds = load_builtin("iris")
    ref = sk(ds.X, 3, random_state=42)
    from core.projection import project_2d

    np.testing.assert_allclose(km.model_centers(), ref.cluster_centers_, atol=1e-9)
    np.testing.assert_allclose(km.centers_shown(),
                               project_2d(ds.X).transform(ref.cluster_centers_), atol=1e-9)
    assert km.regions_image() is None
    assert "principal components" in km.data_text()
    assert "not drawn" in km.data_text()
    assert "PCA" in window.code_panel.code()


def test_bad_input_is_explained_and_the_view_kept(km, window):
    window.ctx.add_dataset(Dataset(name="tiny", X=np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 0.5]]),
                                   key="tiny"))
    before = km.centers_shown().copy()
    km.set_dataset("tiny")
    assert window.message_bar.isVisible()
    assert "cannot make 5 clusters from 3 points" in window.message_bar.text()
    assert km.params_shown()["dataset"] == "blobs"
    np.testing.assert_array_equal(km.centers_shown(), before)
    np.testing.assert_array_equal(km.points_shown(), load_builtin("blobs").X)


def test_exports(km, window, qtbot, tmp_path):
    header, rows = km.export_table()
    assert header == ["x1", "x2", "cluster", "distance to centroid"]
    assert len(rows) == 2000
    X = load_builtin("blobs").X
    ref = sk(X, 5, random_state=42)
    assert [r[2] for r in rows[:50]] == list(ref.labels_[:50])
    window.export_plot(str(tmp_path / "k.png"))
    window.export_plot(str(tmp_path / "k.svg"))
    with qtbot.waitSignal(window.export_csv(str(tmp_path / "k.csv")).finished, timeout=30_000):
        pass
    assert (tmp_path / "k.png").stat().st_size > 5000
    assert "<svg" in (tmp_path / "k.svg").read_text()[:2000]
    assert (tmp_path / "k.csv").read_text().splitlines()[0] == "x1,x2,cluster,distance to centroid"


def test_cluster_view_draws_what_the_scatter_view_would(qtbot):
    from gui.widgets.cluster_view import ClusterView
    from gui.widgets.scatter import ScatterView

    grid = np.random.default_rng(0).integers(0, 6, (40, 50)).astype(np.uint8)
    ours, stock = ClusterView(), ScatterView()
    qtbot.addWidget(ours)
    qtbot.addWidget(stock)
    ours.set_regions(grid, (0, 1), (0, 1), 6)
    stock.set_regions(grid, (0, 1), (0, 1), 6)
    np.testing.assert_array_equal(ours.regions_image(), stock.regions_image())
    # raster mode: the same image as the stock view's
    rng = np.random.default_rng(1)
    xy = rng.normal(size=(30_000, 2))
    many = rng.integers(-1, 6, len(xy))
    for v in (ours, stock):
        v.resize(400, 300)
        v.set_points(xy, colors=colors_for_labels(many, 6), size=3)
    assert ours.raster_mode
    np.testing.assert_array_equal(ours.raster_image(), stock.raster_image())
    assert (ours.raster_image()[..., 3] > 0).sum() > 1000
    labels = np.array([0, 1, 2, 3, 4, 5, -1, 0])
    ours.set_points(np.zeros((8, 2)))
    ours.set_cluster_labels(labels, 6)
    np.testing.assert_array_equal(ours.point_colors(), colors_for_labels(labels, 6))


def test_cancel_keeps_the_fit_on_screen(km, window, qtbot, monkeypatch):
    from gui.pages.kmeans import jobs

    started = []

    def endless_fit(*args, progress=None, **kwargs):
        started.append(True)
        while True:  # like a huge fit: reports progress until cancelled
            progress(0.5)
            time.sleep(0.005)

    monkeypatch.setattr(jobs, "fit", endless_fit)
    before = km.centers_shown().copy()
    text = km.inertia_text()
    km.set_k(7)  # debounced refit
    qtbot.waitUntil(lambda: bool(started) and window.tasks.busy, timeout=5000)
    assert "Fitting" in km.inertia_text()
    assert window.cancel_button.isVisible()
    qtbot.mouseClick(window.cancel_button, Qt.MouseButton.LeftButton)
    km.wait_idle()
    assert window.status_label.text() == "Cancelled"
    np.testing.assert_array_equal(km.centers_shown(), before)
    assert km.inertia_text() == text

    km.set_runs(3)
    monkeypatch.setattr(jobs, "variability", endless_fit)
    km.show_tab("Variability", wait=False)
    qtbot.waitUntil(lambda: window.tasks.busy, timeout=5000)
    window.cancel_current()
    km.wait_idle()
    assert "Cancelled" in km.variability_caption()


# --------------------------------------------------------------------------- the GUI thread never computes


def _finished_tasks(window, prefix):
    done = []
    window.tasks.task_finished.connect(
        lambda t: done.append(t) if t.key.startswith(prefix) else None)
    return done


def test_pan_and_zoom_ask_for_regions_as_tasks_cached_per_range(km, window):
    X = load_builtin("blobs").X
    ref = sk(X, 5, random_state=42)
    regions = _finished_tasks(window, "kmeans:regions")
    km.qtbot.wait(50)  # the opened page's layout settled: the view's size, so its grid's
    km.wait_idle()
    before = km.region_grid().copy()
    km.pan(0.25)
    assert len(regions) >= 1 and km.region_grid() is not None
    moved = km.region_grid()
    assert not np.array_equal(moved, before)  # the grid follows the visible area
    km.zoom(2.0)
    grid = km.region_grid()
    assert set(np.unique(grid)) <= set(range(5))
    asked = len(regions)
    km.zoom(0.5)  # back to a range seen before: drawn from the cache, no task
    km.pan(-0.25)
    np.testing.assert_array_equal(km.region_grid(), before)
    assert len(regions) <= asked + 1
    np.testing.assert_allclose(km.centers_shown(), ref.cluster_centers_, atol=1e-9)


def test_dragging_a_centroid_initialises_in_tasks_and_the_release_wins(km, window, qtbot):
    X = load_builtin("blobs").X
    km.set_init("hand")
    km.chapter_good_init()
    inits = _finished_tasks(window, "kmeans:stepper")
    moves = []

    def between():  # the mouse moves fast; the event loop runs after every fourth move
        moves.append(1)
        if len(moves) % 4 == 0:
            qtbot.wait(40)

    km.drag_centroid(4, 0.8, 1.2, steps=12, between=between)
    placed = km.handle_positions()
    assert abs(placed[4, 0] - 0.8) < 0.05 and abs(placed[4, 1] - 1.2) < 0.05
    assert len(inits) >= 2  # during the drag (debounced) and at the release
    assert len(inits) <= 12 // 4 + 1  # not one per mouse move
    np.testing.assert_allclose(km.initial_centers(), placed)
    np.testing.assert_allclose(km.centers_shown(), placed, atol=1e-9)
    km.step()
    ref = sk(X, 5, init=placed, n_init=1, max_iter=1)
    np.testing.assert_allclose(km.centers_shown(), ref.cluster_centers_, atol=1e-9)


def test_changing_k_refits_after_a_pause(km, window):
    X = load_builtin("blobs").X
    km.set_k(3)
    km.set_k(4)  # a second change within the debounce: one fit, with k=4
    km.wait_settled()
    ref = sk(X, 4, random_state=42)
    np.testing.assert_allclose(km.centers_shown(), ref.cluster_centers_, atol=1e-9)
    assert f"{ref.inertia_:,.2f}" in km.inertia_text()


def test_sklearns_warning_is_shown_as_an_explanation(km, window, capsys):
    X = np.repeat(np.array([[0.0, 0.0], [5.0, 5.0], [9.0, 0.0]]), 4, axis=0)
    window.ctx.add_dataset(Dataset(name="three points", X=X, key="three"))
    km.set_dataset("three")
    assert km.params_shown()["dataset"] == "three"
    assert window.message_bar.isVisible()
    assert window.message_bar.level == "warning"
    assert "Number of distinct clusters (3) found smaller than n_clusters (5)" in \
        window.message_bar.text()
    assert "ConvergenceWarning" not in capsys.readouterr().err


def test_a_damaged_saved_state_is_set_aside_and_the_page_opens(window, open_page, qtbot):
    from gui import settings as app_settings
    from gui.pages.kmeans.settings import DATASETS_FILE

    folder = app_settings.data_dir()
    (folder / DATASETS_FILE).write_text("[" * 100_000 + "]" * 100_000)  # deep nesting
    km = KMeansDriver.open(open_page, qtbot)
    km.wait_idle()
    assert window.message_bar.isVisible() and window.message_bar.level == "warning"
    aside = list(folder.glob(f"{DATASETS_FILE}.unreadable-*"))
    assert len(aside) == 1
    assert aside[0].name in window.message_bar.text() and str(folder) in window.message_bar.text()
    np.testing.assert_array_equal(km.points_shown(), load_builtin("blobs").X)
