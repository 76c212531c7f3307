"""The K-Means page, driven through its widgets: what the views show must be scikit-learn's."""

from __future__ import annotations

import json
import time
import warnings

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest
from sklearn.cluster import KMeans

from core.datasets import Dataset, load_builtin
from gui.pages import kmeans_page
from gui.widgets.palette import colors_for_labels

GOOD_INIT = np.array([[-3, 3], [-3, 2], [-3, 1], [-1, 2], [0, 2]], dtype=float)
X_NEW = np.array([[0, 2], [3, 2], [-3, 3], [-3, 2.5]])


def sk(X, k, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return KMeans(n_clusters=k, **kw).fit(X)


@pytest.fixture
def page(window, open_page, qtbot):
    p = open_page("kmeans")
    wait_idle(window, qtbot)
    return p


def wait_idle(window, qtbot, timeout=60_000):
    qtbot.waitUntil(lambda: not window.tasks.busy, timeout=timeout)
    qtbot.wait(5)


def set_params(page, window, qtbot, **kw):
    """Set widgets as a person would (each change refits after a debounce), then wait."""
    if "init" in kw:
        page.init_combo.setCurrentIndex(page.init_combo.findData(kw["init"]))
    if "k" in kw:
        page.k_spin.setValue(kw["k"])
    if "n_init" in kw:
        page.n_init_spin.setValue(kw["n_init"])
    if "seed" in kw:
        page.seed_spin.setValue(kw["seed"])
    if "dataset" in kw:
        page.picker.set_current_key(kw["dataset"])
    qtbot.mouseClick(page.fit_button, Qt.MouseButton.LeftButton)
    wait_idle(window, qtbot)


def view_point(view, x, y) -> QPoint:
    scene = view.plotItem.vb.mapViewToScene(QPointF(x, y))
    return view.mapFromScene(scene)


def click_plot(qtbot, view, x, y):
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view_point(view, x, y))


def drag_plot(qtbot, view, start, end, steps=6):
    a, b = view_point(view, *start), view_point(view, *end)
    vp = view.viewport()
    QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, a)
    for i in range(1, steps + 1):
        p = a + (b - a) * (i / steps)
        QTest.mouseMove(vp, p)
        qtbot.wait(5)
    QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, b)
    qtbot.wait(10)


# --------------------------------------------------------------------------- default view


def test_default_view_is_the_chapters_fit(page, window):
    X = load_builtin("blobs").X
    ref = sk(X, 5, random_state=42)
    np.testing.assert_array_equal(page.view.points(), X)
    np.testing.assert_allclose(page.view.centroids.centers(), ref.cluster_centers_, atol=1e-9)
    np.testing.assert_array_equal(page.view.point_colors(), colors_for_labels(ref.labels_, 5))
    regions = page.view.regions_image()
    assert regions is not None and regions.shape[0] > 50 and regions.shape[1] > 50
    # the region grid is the nearest centroid of each cell
    grid = page.view.region_grid
    assert set(np.unique(grid)) == set(range(5))
    text = page.result_label.text()
    assert f"{ref.inertia_:,.2f}" in text and f"{-ref.score(X) * -1:,.2f}" in text
    assert "Converged" in page.iter_label.text()
    assert f"Converged after {ref.n_iter_} iteration" in page.iter_label.text()
    assert "KMeans(n_clusters=5" in window.code_panel.code()
    assert "random_state=42" in window.code_panel.code()
    # inertia curve ends at the fitted inertia
    xs, ys = page.inertia_curve.getData()
    assert ys[-1] == pytest.approx(ref.inertia_, rel=1e-9)
    # every control has a tooltip (the other tabs are built when first shown)
    for tab in (page.compare_tab, page.variability_tab):
        page.ensure_tab(tab)
    for w in (page.k_spin, page.init_combo, page.n_init_spin, page.algorithm_combo,
              page.max_iter_spin, page.seed_spin, page.fit_button, page.step_button,
              page.back_button, page.play_button, page.reset_button, page.speed_slider,
              page.figure_button, page.good_init_button, page.clear_placed_button,
              page.chapter_new_button, page.clear_new_button, page.compare_button,
              page.variability_button, page.runs_spin, page.runs_seed_spin, page.picker,
              *page.cmp_init, *page.cmp_seed, page.table):
        assert w.toolTip(), w


def test_parameters_change_the_fit(page, window, qtbot):
    X = load_builtin("blobs").X
    page.algorithm_combo.setCurrentIndex(page.algorithm_combo.findData("elkan"))
    set_params(page, window, qtbot, k=4, init="random", n_init=3, seed=7)
    ref = sk(X, 4, init="random", n_init=3, random_state=7, algorithm="elkan")
    np.testing.assert_allclose(page.view.centroids.centers(), ref.cluster_centers_, atol=1e-9)
    np.testing.assert_array_equal(page.frame.labels, ref.labels_)
    assert page.result.n_init == 3
    code = window.code_panel.code()
    assert 'init="random", n_init=3, algorithm="elkan", random_state=7' in code


# --------------------------------------------------------------------------- stepper


def test_step_back_reset_match_kmeans_iterations(page, window, qtbot):
    X = load_builtin("blobs").X
    set_params(page, window, qtbot, init="random", n_init=1, seed=5)
    qtbot.mouseClick(page.reset_button, Qt.MouseButton.LeftButton)
    assert page.frame.iteration == 0
    n = len(X)
    idx = np.random.RandomState(5).choice(n, 5, replace=False, p=np.ones(n) / n)
    np.testing.assert_array_equal(page.view.centroids.centers(), X[idx])
    assert not page.back_button.isEnabled()
    previous = X[idx]
    for t in (1, 2, 3):
        qtbot.mouseClick(page.step_button, Qt.MouseButton.LeftButton)
        ref = sk(X, 5, init="random", n_init=1, max_iter=t, random_state=5)
        np.testing.assert_allclose(page.view.centroids.centers(), ref.cluster_centers_,
                                   atol=1e-9)
        np.testing.assert_array_equal(page.view.point_colors(),
                                      colors_for_labels(ref.labels_, 5))
        _, latest = page.view.centroids.trail_segments()
        np.testing.assert_allclose(latest[0::2], previous, atol=1e-9)
        np.testing.assert_allclose(latest[1::2], ref.cluster_centers_, atol=1e-9)
        assert f"Iteration <b>{t}</b>" in page.iter_label.text()
        assert "changed cluster" in page.iter_label.text()
        previous = ref.cluster_centers_
    curve_x, curve_y = page.inertia_curve.getData()
    assert list(curve_x) == [0, 1, 2, 3]
    qtbot.mouseClick(page.back_button, Qt.MouseButton.LeftButton)
    ref2 = sk(X, 5, init="random", n_init=1, max_iter=2, random_state=5)
    np.testing.assert_allclose(page.view.centroids.centers(), ref2.cluster_centers_, atol=1e-9)
    np.testing.assert_array_equal(page.view.point_colors(), colors_for_labels(ref2.labels_, 5))
    assert "max_iter=2" in window.code_panel.code()
    # the code reproduces what is shown: the fit and the iteration on screen
    ns: dict = {}
    exec(window.code_panel.code(), ns)
    assert ns["kmeans"].inertia_ == pytest.approx(page.result.inertia, rel=1e-12)
    assert ns["kmeans_iter"].inertia_ == pytest.approx(page.frame.inertia, rel=1e-9)


def test_keyboard_shortcuts_step_back_and_play(page, window, qtbot):
    set_params(page, window, qtbot, init="random", n_init=1, seed=5)
    page.reset()
    page.view.setFocus()
    qtbot.waitUntil(lambda: page.view.hasFocus() or window.isActiveWindow(), timeout=2000)
    QTest.keyClick(page.view, Qt.Key.Key_Right)
    QTest.keyClick(page.view, Qt.Key.Key_Right)
    assert page.frame.iteration == 2
    QTest.keyClick(page.view, Qt.Key.Key_Left)
    assert page.frame.iteration == 1
    QTest.keyClick(page.view, Qt.Key.Key_Space)
    assert page.play_button.isChecked()
    QTest.keyClick(page.view, Qt.Key.Key_Space)
    assert not page.play_button.isChecked()


def test_play_runs_to_convergence(page, window, qtbot):
    X = load_builtin("blobs").X
    set_params(page, window, qtbot, init="random", n_init=1, seed=5)
    page.reset()
    page.speed_slider.setValue(30)
    qtbot.mouseClick(page.play_button, Qt.MouseButton.LeftButton)
    assert page.play_button.text() == "Pause"
    qtbot.waitUntil(lambda: page.frame.converged, timeout=20_000)
    qtbot.waitUntil(lambda: not page.play_button.isChecked(), timeout=5000)
    ref = sk(X, 5, init="random", n_init=1, random_state=5)
    assert page.frame.iteration == ref.n_iter_
    assert f"Converged after {ref.n_iter_} iterations" in page.iter_label.text()
    np.testing.assert_allclose(page.view.centroids.centers(), ref.cluster_centers_, atol=1e-9)
    assert not page.step_button.isEnabled()


def test_big_data_steps_run_in_the_background(page, window, qtbot, monkeypatch):
    monkeypatch.setattr(kmeans_page, "ASYNC_POINTS", 100)  # blobs count as big data
    X = load_builtin("blobs").X
    set_params(page, window, qtbot, init="random", n_init=1, seed=5)
    page.reset()
    qtbot.waitUntil(lambda: not page.stepping, timeout=10_000)
    assert page.frame.iteration == 0
    page.step()
    page.step()  # queued while the first runs
    qtbot.waitUntil(lambda: not page.stepping and page.frame.iteration == 2, timeout=10_000)
    ref = sk(X, 5, init="random", n_init=1, max_iter=2, random_state=5)
    np.testing.assert_allclose(page.view.centroids.centers(), ref.cluster_centers_, atol=1e-9)
    np.testing.assert_array_equal(page.view.point_colors(), colors_for_labels(ref.labels_, 5))


def test_chapter_iterations_figure_is_one_click_away(page, window, qtbot):
    X = load_builtin("blobs").X
    qtbot.mouseClick(page.figure_button, Qt.MouseButton.LeftButton)
    wait_idle(window, qtbot)
    assert page.tabs.currentWidget() is page.iterations_tab
    assert page.seed_spin.value() == 5 and page.init_combo.currentData() == "random"
    refs = [sk(X, 5, init="random", n_init=1, max_iter=t, random_state=5) for t in (1, 2, 3)]
    expected = [refs[0], refs[0], refs[1], refs[1], refs[2], refs[2]]
    for v, ref in zip(page.iter_views, expected):
        np.testing.assert_allclose(v.centroids.centers(), ref.cluster_centers_, atol=1e-9)
    assert page.iter_views[0].regions_image() is None  # the first panel: centroids only
    assert page.iter_views[1].regions_image() is not None
    assert "for max_iter in (1, 2, 3)" in window.code_panel.code()


# --------------------------------------------------------------------------- hand-placed init


def test_hand_placed_init_click_drag_and_step(page, window, qtbot):
    X = load_builtin("blobs").X
    page.k_spin.setValue(3)
    page.init_combo.setCurrentIndex(page.init_combo.findData("hand"))
    qtbot.mouseClick(page.clear_placed_button, Qt.MouseButton.LeftButton)
    assert page.stepper is None and "Click on the plot" in page.hint_label.text()
    assert not page.fit_button.isEnabled()  # k centroids are needed first
    assert "0 of 3 initial centroids placed" in window.code_panel.code()
    targets = [(-2.8, 2.8), (-1.5, 2.3), (0.2, 2.3)]
    for i, (x, y) in enumerate(targets):
        click_plot(qtbot, page.view, x, y)
        assert len(page.handle_positions()) == i + 1
    placed = np.array(page._placed())
    pw, ph = page.view.plotItem.vb.viewPixelSize()
    assert np.all(np.abs(placed - np.array(targets)) <= [[2 * pw, 2 * ph]])
    assert page.frame is not None and page.frame.iteration == 0
    np.testing.assert_allclose(page.view.centroids.centers(), placed)
    assert len(page._x_new_xy()) == 4  # the clicks placed centroids, not new instances

    # drag the second centroid
    drag_plot(qtbot, page.view, targets[1], (-1.0, 1.5))
    moved = np.array(page._placed())
    assert abs(moved[1, 0] - (-1.0)) < 4 * pw and abs(moved[1, 1] - 1.5) < 4 * ph
    np.testing.assert_allclose(page.stepper.init_centers, moved)
    np.testing.assert_allclose(page.handle_positions(), moved, atol=1e-9)

    qtbot.mouseClick(page.step_button, Qt.MouseButton.LeftButton)
    ref = sk(X, 3, init=moved, n_init=1, max_iter=1)
    np.testing.assert_allclose(page.view.centroids.centers(), ref.cluster_centers_, atol=1e-9)
    qtbot.mouseClick(page.fit_button, Qt.MouseButton.LeftButton)
    wait_idle(window, qtbot)
    full = sk(X, 3, init=moved, n_init=1)
    np.testing.assert_allclose(page.view.centroids.centers(), full.cluster_centers_, atol=1e-9)
    assert "# placed by hand" in window.code_panel.code()
    ns: dict = {}
    exec(window.code_panel.code(), ns)
    assert ns["kmeans"].inertia_ == pytest.approx(full.inertia_, rel=1e-12)

    # the placed centroids are saved and come back
    from gui.settings import data_dir

    saved = json.loads((data_dir() / "kmeans-session.json").read_text())
    np.testing.assert_allclose(saved["placed"]["blobs"], moved)
    again = kmeans_page.KMeansPage(window.ctx)
    np.testing.assert_allclose(again._placed("blobs"), moved)
    again.deleteLater()


def test_chapter_good_init_preset(page, window, qtbot):
    X = load_builtin("blobs").X
    page.init_combo.setCurrentIndex(page.init_combo.findData("hand"))
    qtbot.mouseClick(page.good_init_button, Qt.MouseButton.LeftButton)
    assert page.k_spin.value() == 5
    np.testing.assert_array_equal(page.stepper.init_centers, GOOD_INIT)
    np.testing.assert_allclose(page.handle_positions(), GOOD_INIT, atol=1e-12)
    qtbot.mouseClick(page.fit_button, Qt.MouseButton.LeftButton)
    wait_idle(window, qtbot)
    ref = sk(X, 5, init=GOOD_INIT, n_init=1, random_state=42)
    assert page.result.inertia == pytest.approx(ref.inertia_, rel=1e-12)
    assert f"{ref.inertia_:,.2f}" in page.result_label.text()  # the chapter's 211.60


# --------------------------------------------------------------------------- soft clustering


def test_soft_clustering_table_and_clicks(page, window, qtbot):
    X = load_builtin("blobs").X
    ref = sk(X, 5, random_state=42)
    header, rows = page.soft_table()
    assert header == ["#", "instance", "0", "1", "2", "3", "4", "cluster"]
    assert len(rows) == 4
    assert rows[3][1] == "(-3.00, 2.50)"
    expected = ref.transform(X_NEW)
    for r, row in enumerate(rows):
        assert [float(v) for v in row[2:7]] == pytest.approx(expected[r].round(2).tolist())
        assert int(row[7]) == ref.predict(X_NEW)[r]
    # click an empty spot: a fifth instance
    click_plot(qtbot, page.view, 1.0, 1.2)
    header, rows = page.soft_table()
    assert len(rows) == 5
    x, y = page.x_new()[-1]
    assert float(rows[4][2]) == pytest.approx(np.hypot(x - ref.cluster_centers_[0, 0],
                                                       y - ref.cluster_centers_[0, 1]), abs=0.006)
    # click it again: removed
    click_plot(qtbot, page.view, x, y)
    assert len(page.soft_table()[1]) == 4
    # the table follows the model: step back to iteration 0
    page.reset()
    _, rows = page.soft_table()
    first = np.linalg.norm(X_NEW[0] - page.frame.centers, axis=1)
    assert [float(v) for v in rows[0][2:7]] == pytest.approx(first.round(2).tolist())
    qtbot.mouseClick(page.clear_new_button, Qt.MouseButton.LeftButton)
    assert page.table.rowCount() == 0
    qtbot.mouseClick(page.chapter_new_button, Qt.MouseButton.LeftButton)
    assert page.table.rowCount() == 4
    page.table.selectRow(1)
    page._delete_selected_new()
    np.testing.assert_array_equal(page.x_new(), X_NEW[[0, 2, 3]])


# --------------------------------------------------------------------------- other tabs


def test_compare_variability_and_limits_tabs(page, window, qtbot):
    X = load_builtin("blobs").X
    page.tabs.setCurrentWidget(page.compare_tab)
    wait_idle(window, qtbot)
    for v, seed in zip(page.cmp_views, (2, 9)):
        ref = sk(X, 5, init="random", n_init=1, random_state=seed)
        assert f"inertia = {ref.inertia_:,.2f}" in v.plotItem.titleLabel.text
        np.testing.assert_allclose(v.centroids.centers(), ref.cluster_centers_, atol=1e-9)
        np.testing.assert_array_equal(v.point_colors(), colors_for_labels(ref.labels_, 5))
    page.cmp_init[1].setCurrentIndex(page.cmp_init[1].findData("k-means++"))
    page.cmp_seed[1].setValue(3)
    qtbot.mouseClick(page.compare_button, Qt.MouseButton.LeftButton)
    wait_idle(window, qtbot)
    ref = sk(X, 5, init="k-means++", n_init=1, random_state=3)
    assert f"inertia = {ref.inertia_:,.2f}" in page.cmp_views[1].plotItem.titleLabel.text
    header, rows = page.export_table()
    assert header[-2:] == ["solution 1", "solution 2"] and len(rows) == len(X)

    page.ensure_tab(page.variability_tab)  # built, not yet shown: nothing runs
    assert page.variability is None
    page.runs_spin.setValue(4)
    page.tabs.setCurrentWidget(page.variability_tab)
    wait_idle(window, qtbot)
    rnd, pp = page.variability
    assert len(rnd.inertias) == len(pp.inertias) == 4
    for seed, v in zip(rnd.seeds, rnd.inertias):
        assert v == pytest.approx(sk(X, 5, init="random", n_init=1,
                                     random_state=int(seed)).inertia_, rel=1e-12)
    heights = [int(np.sum(item.opts["height"])) for item in page.hist_items]
    assert heights == [4, 4]
    assert "k-means++" in page.var_caption.text()
    header, rows = page.export_table()
    assert header == ["init", "random_state", "inertia", "n_iter"] and len(rows) == 8

    page.tabs.setCurrentWidget(page.limits_tab)
    wait_idle(window, qtbot)
    E = load_builtin("elongated").X
    good = sk(E, 3, init=np.array([[-1.5, 2.5], [0.5, 0], [4, 0]]), n_init=1, random_state=42)
    bad = sk(E, 3, random_state=42)
    assert f"inertia = {good.inertia_:.1f}" in page.lim_views[0].plotItem.titleLabel.text
    assert f"inertia = {bad.inertia_:.1f}" in page.lim_views[1].plotItem.titleLabel.text
    assert "kmeans_good" in window.code_panel.code()


# --------------------------------------------------------------------------- navigation, errors, export


def test_use_this_k_from_another_page(page, window, qtbot):
    window.ctx.navigate("kmeans", n_clusters=3, dataset="iris", ignored="yes")
    wait_idle(window, qtbot)
    assert window.current_page() is page
    assert page.k_spin.value() == 3 and page.picker.current_key() == "iris"
    ds = load_builtin("iris")
    ref = sk(ds.X, 3, random_state=42)
    np.testing.assert_allclose(page.frame.centers, ref.cluster_centers_, atol=1e-9)
    np.testing.assert_allclose(page.view.centroids.centers(),
                               page.projection.transform(ref.cluster_centers_), atol=1e-9)
    assert page.view.regions_image() is None
    assert "principal components" in page.data_info.text()
    assert "not drawn" in page.data_info.text()
    assert "PCA" in window.code_panel.code()


def test_bad_input_is_explained_and_the_view_kept(page, window, qtbot):
    window.ctx.add_dataset(Dataset(name="tiny", X=np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 0.5]]),
                                   key="tiny"))
    before = page.view.centroids.centers().copy()
    page.picker.set_current_key("tiny")
    wait_idle(window, qtbot)
    assert window.message_bar.isVisible()
    assert "cannot make 5 clusters from 3 points" in window.message_bar.text()
    assert page.picker.current_key() == "blobs"
    np.testing.assert_array_equal(page.view.centroids.centers(), before)
    assert page.dataset.key == "blobs"


def test_exports(page, window, qtbot, tmp_path):
    header, rows = page.export_table()
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


def test_cancel_keeps_the_fit_on_screen(page, window, qtbot, monkeypatch):
    started = []

    def endless_fit(*args, progress=None, **kwargs):
        started.append(True)
        while True:  # like a huge fit: reports progress until cancelled
            progress(0.5)
            time.sleep(0.005)

    monkeypatch.setattr(kmeans_page, "fit_job", endless_fit)
    before = page.view.centroids.centers().copy()
    text = page.result_label.text()
    page.k_spin.setValue(7)  # debounced refit
    qtbot.waitUntil(lambda: bool(started) and window.tasks.busy, timeout=5000)
    assert "Fitting" in page.result_label.text()
    assert window.cancel_button.isVisible()
    qtbot.mouseClick(window.cancel_button, Qt.MouseButton.LeftButton)
    wait_idle(window, qtbot)
    assert window.status_label.text() == "Cancelled"
    np.testing.assert_array_equal(page.view.centroids.centers(), before)
    assert page.result_label.text() == text

    page.ensure_tab(page.variability_tab)
    page.runs_spin.setValue(3)
    monkeypatch.setattr(kmeans_page, "variability_job", endless_fit)
    page.tabs.setCurrentWidget(page.variability_tab)
    qtbot.waitUntil(lambda: window.tasks.busy, timeout=5000)
    window.cancel_current()
    wait_idle(window, qtbot)
    assert "Cancelled" in page.var_caption.text()
