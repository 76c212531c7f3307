"""The DBSCAN page, driven like a person through DBSCANDriver: what the views show after
each action."""

from __future__ import annotations

import csv
import time

import numpy as np
import pytest
from PySide6.QtCore import Qt
from sklearn.cluster import DBSCAN

from core.datasets import Dataset, load_builtin
from core.density import knn_classify, run_dbscan
from core.errors import DataError
from gui.exports import render_image
from gui.widgets.distance_spin import distance_text
from gui.widgets.palette import ANOMALY_RGBA, palette_rgba, pastel
from tests.gui.drivers import DBSCANDriver
from tests.gui.test_dbscan_state import stub_pyplot


@pytest.fixture
def d(open_page, qtbot):
    return DBSCANDriver.open(open_page, qtbot)


@pytest.fixture(scope="module")
def moons():
    return load_builtin("moons").X


def test_opens_on_the_chapters_figure(d, window, moons, artifacts_dir):
    d.wait_idle()
    sk = DBSCAN(eps=0.05, min_samples=5).fit(moons)
    r = d.clustering()
    np.testing.assert_array_equal(r.labels, sk.labels_)
    np.testing.assert_array_equal(d.labels_shown(), sk.labels_)
    assert r.labels[:10].tolist() == [0, 2, -1, -1, 1, 0, 0, 0, 2, 5]
    assert d.title().startswith("eps=0.05, min_samples=5: 7 clusters, 77 anomalies")
    assert d.n_clusters_shown() == 7
    # core samples: the large points of the ScatterView, in their cluster's colour
    core = sk.core_sample_indices_
    np.testing.assert_allclose(d.core_points(), moons[core])
    np.testing.assert_array_equal(d.colours(), palette_rgba(7)[sk.labels_[core]])
    # border samples small, anomalies as red crosses
    border = ~np.isin(np.arange(1000), core) & (sk.labels_ >= 0)
    np.testing.assert_allclose(d.border_points(), moons[border])
    np.testing.assert_allclose(d.noise_points(), moons[sk.labels_ == -1])
    assert d.noise_symbol() == "x"
    assert np.all(d.border_sizes() < d.core_size())
    # the summary and the chapter's four new instances
    assert "808 core samples" in d.summary() and "115 border" in d.summary()
    assert d.summary_fits()  # nothing cut off
    rows = d.instance_rows()
    assert [r[1] for r in rows] == ["(-0.5, 0)", "(0, 0.5)", "(1, -0.1)", "(2, 1)"]
    # the k-distance curve (k = 4) with the suggested eps marked and the eps line at 0.05
    kd = d.kdist()
    assert kd.k == 4 and d.kdist_k() == 4
    np.testing.assert_allclose(d.kdist_curve(), kd.distances)
    assert d.knee_shown() == pytest.approx(kd.knee)
    assert d.eps_line() == pytest.approx(0.05)
    assert "DBSCAN(eps=0.05, min_samples=5)" in d.code()
    assert window.code_panel.code() == d.code()
    render_image(window).save(str(artifacts_dir / "dbscan-default.png"))


def test_eps_and_min_samples_update_live_with_one_task(d, window, moons):
    d.wait_idle()
    started = []
    window.tasks.task_started.connect(lambda t: started.append(t.key))
    d.set_eps("0.1", wait=False)  # three values typed in a row
    d.set_eps("0.15", wait=False)
    d.set_eps("0.2", wait=False)
    d.wait_idle(lambda: d.clustering().eps == pytest.approx(0.2))
    # typing is debounced: the keystrokes of three values started at most a couple of runs
    assert 1 <= started.count("dbscan:dbscan") <= 3
    assert d.title().endswith("2 clusters, 0 anomalies")
    assert d.eps_line() == pytest.approx(0.2)
    y0, y1 = d.kdist_y_range()
    assert y0 < 0.2 < y1  # the eps line stays in view
    assert len(d.noise_points()) == 0
    # the chapter's new instances with the eps=0.2 model: anomaly, 0, 1, anomaly
    rows = d.instance_rows()
    assert [r[2] for r in rows] == ["anomaly", "0", "1", "anomaly"]
    expected = knn_classify(moons, run_dbscan(moons, 0.2), d.lifted_instances())
    assert rows[2][3] == f"{expected.probability[2]:.2f}" == "0.88"
    assert 'print(f"predict: {y_pred.tolist()}")  # [-1, 0, 1, -1] on the page' in d.code()

    d.set_min_samples(10)
    d.wait_idle(lambda: d.clustering().min_samples == 10 and d.kdist().k == 9)
    sk = DBSCAN(eps=0.2, min_samples=10).fit(moons)
    np.testing.assert_array_equal(d.labels_shown(), sk.labels_)
    assert d.kdist_k() == 9  # the curve's axis says "9-distance"


def test_stepping_eps_with_the_arrows_reclusters_once(d, window, moons):
    d.wait_idle()
    started = []
    window.tasks.task_started.connect(lambda t: started.append(t.key))
    d.step_eps(3, wait=False)
    assert d.eps() > 0.05
    d.wait_idle(lambda: d.clustering().eps == pytest.approx(d.eps()))
    assert started.count("dbscan:dbscan") == 1  # three presses, one run (debounced)
    assert d.eps_line() == pytest.approx(d.eps())
    np.testing.assert_array_equal(d.labels_shown(),
                                  DBSCAN(eps=d.eps(), min_samples=5).fit(moons).labels_)
    assert d.title().startswith(f"eps={d.eps():.3f}".rstrip("0"))


def test_dragging_the_eps_line_sets_eps(d):
    d.wait_idle()
    d.pick_eps_on_curve(0.12, wait=False)
    d.wait_idle(lambda: d.clustering().eps > 0.1)
    assert d.eps() == pytest.approx(d.eps_line(), abs=1e-12)  # the line snapped to the spin
    assert d.eps() == float(distance_text(d.eps()))  # ... which shows all of its digits
    assert 0.1 < d.eps() < 0.14
    assert d.clustering().eps == d.eps()

    d.use_suggested_eps()
    d.wait_idle(lambda: d.clustering().eps == pytest.approx(d.kdist().knee))
    assert d.eps_line() == pytest.approx(d.kdist().knee)


def test_the_kdistance_plot_sets_eps_and_never_pans(d, moons):
    d.wait_idle()
    x_range = d.kdist_x_range()
    # a drag anywhere on the plot (not on the line) moves eps to the mouse, and does not pan
    d.drag_on_kdist_plot(0.09, 0.15, wait=False)
    d.wait_idle(lambda: d.clustering().eps > 0.12)
    assert d.kdist_x_range() == pytest.approx(x_range)
    assert 0.13 < d.eps() < 0.17 and d.eps_line() == d.eps() == d.clustering().eps
    np.testing.assert_array_equal(d.labels_shown(),
                                  DBSCAN(eps=d.eps(), min_samples=5).fit(moons).labels_)
    # a click on the curve: eps becomes that point's k-distance (snapped to the spin box)
    kd = d.kdist()
    d.click_kdist_curve(900)
    # (a screen pixel spans a few points of the 1,000: the point under the click's pixel)
    assert d.eps() in {float(distance_text(v)) for v in kd.distances[895:906]}
    assert d.clustering().eps == d.eps() == d.eps_line()
    # the line's drag, ended without the mouse (setValue + sigPositionChangeFinished)
    d.release_eps_line_at(0.0712345)
    assert d.eps() == 0.07123 and d.clustering().eps == 0.07123
    # and the spin box moves the line
    d.set_eps("0.08")
    assert d.eps_line() == pytest.approx(0.08)


def test_a_long_kdistance_curve_is_drawn_through_evenly_spaced_points():
    from gui.widgets.kdistance_plot import CURVE_POINTS, curve_points

    rng = np.random.default_rng(0)
    short = np.sort(rng.exponential(size=1000))
    x, y = curve_points(short)  # a short curve: every point
    np.testing.assert_array_equal(x, np.arange(1000))
    assert y is short
    d = np.sort(rng.exponential(size=300_001))
    x, y = curve_points(d)
    assert x[0] == 0 and x[-1] == d.size - 1 and x.size <= CURVE_POINTS
    assert np.all(np.diff(x) > 0) and np.all(np.diff(x) <= -(-d.size // (CURVE_POINTS - 1)) + 1)
    np.testing.assert_array_equal(y, d[x])
    # every point of the whole curve lies in the box of the two drawn points around it
    after = np.searchsorted(x, np.arange(d.size))
    lo, hi = y[np.maximum(after - 1, 0)], y[after]
    assert np.all((lo <= d) & (d <= hi))


def test_the_kdistance_view_is_reset_for_new_data(d):
    d.wait_idle()
    d.set_eps("0.5")  # beyond the moons' curve: the view grows to show the line
    assert d.kdist_y_range()[1] > 0.5
    d.set_dataset("blobs")
    d.wait_idle(lambda: d.dataset() == "blobs" and d.kdist() is not None
                and d.kdist_curve().size == d.kdist().distances.size)
    kd = d.kdist()
    (x0, x1), (y0, y1) = d.kdist_x_range(), d.kdist_y_range()
    assert x0 <= 0 and x1 >= kd.distances.size - 1 and x1 < 1.1 * kd.distances.size
    top = max(float(kd.distances[-1]), d.eps())
    assert y0 <= 0 and top <= y1 < 1.2 * top  # the whole new curve, no stale zoom


def test_hover_shows_the_neighbourhood(d, window, qtbot, moons, artifacts_dir):
    d.wait_idle()
    i = 0  # a core sample of cluster 0
    d.hover(*moons[i])
    qtbot.waitUntil(d.neighbourhood_shown)
    count = int(np.sum(np.linalg.norm(moons - moons[i], axis=1) <= 0.05))
    assert d.hover_text() == (f"point {i}: core sample of cluster 0\n"
                              f"{count} points within eps, itself included")
    cx, cy, diameter = d.neighbourhood()
    assert diameter == pytest.approx(0.1) and cx == pytest.approx(moons[i, 0])
    render_image(window).save(str(artifacts_dir / "dbscan-hover.png"))
    # an anomaly
    j = int(np.flatnonzero(d.labels_shown() == -1)[0])
    d.hover(*moons[j])
    qtbot.waitUntil(lambda: f"point {j}:" in d.hover_text())
    assert d.hover_text().startswith(f"point {j}: anomaly")
    # far from every point: nothing
    d.hover(-0.5, -1.2)
    qtbot.waitUntil(lambda: not d.neighbourhood_shown())


def test_a_new_clustering_is_drawn_once(d, monkeypatch):
    d.wait_idle()
    d.clear_instances()  # (no new instances: nothing for the KNN to classify)
    explore = d.page.explore
    render = explore.render
    drawn_with: list = []

    def counting(state):
        drawn_with.append(state.result)
        render(state)
    monkeypatch.setattr(explore, "render", counting)
    d.set_eps("0.06")
    r = d.clustering()
    assert r.eps == 0.06 and d.instances() == []
    # one render drew it (the KNN, with no instance to classify, drew it a second time)
    assert sum(result is r for result in drawn_with) == 1


def test_clicks_add_instances_and_regions(d, window, moons, artifacts_dir):
    d.wait_idle()
    d.clear_instances()
    assert d.instance_rows() == [] and d.instances() == []
    # a click on the upper moon, one far away
    d.add_instance(-0.8, 0.6)
    d.add_instance(1.5, 1.4)
    d.wait_idle(lambda: d.prediction() is not None and d.prediction().labels.size == 2)
    assert len(d.instance_rows()) == 2
    pts = d.lifted_instances()
    assert pts[0] == pytest.approx([-0.8, 0.6], abs=0.02)
    expected = knn_classify(moons, d.clustering(), pts)
    rows = d.instance_rows()
    assert rows[0][2] == str(expected.labels[0]) != "anomaly"
    assert rows[0][3] == f"{expected.probability[0]:.2f}"
    assert rows[1][2] == "anomaly"
    np.testing.assert_allclose(np.array(d.instances()), pts)
    assert d.instance_labels() == [f"1: cluster {expected.labels[0]}", "2: anomaly"]

    d.remove_instance(0)
    d.wait_idle()
    assert len(d.instance_rows()) == 1 and d.instance_rows()[0][2] == "anomaly"
    d.chapters_instances()
    d.wait_idle(lambda: d.prediction() is not None and d.prediction().labels.size == 4)

    d.set_eps("0.2")
    d.show_regions(True)
    d.wait_idle(lambda: d.regions() is not None and d.clustering().eps == pytest.approx(0.2))
    image = d.regions_image()
    grid = d.regions()
    assert image is not None and image.shape[:2] == grid.labels.shape
    assert set(np.unique(grid.labels)) == {-1, 0, 1}
    # a cell inside cluster 1's region is drawn in cluster 1's pale colour
    cell = np.argwhere(grid.labels == 1)[len(np.argwhere(grid.labels == 1)) // 2]
    neighbours = grid.labels[cell[0] - 1:cell[0] + 2, cell[1] - 1:cell[1] + 2]
    if np.all(neighbours == 1):
        np.testing.assert_array_equal(image[tuple(cell)], pastel(palette_rgba(2))[1])
    render_image(window).save(str(artifacts_dir / "dbscan-regions.png"))
    d.show_regions(False)
    assert d.regions_image() is None


def test_max_distance_and_n_neighbors_reclassify(d, moons):
    d.wait_idle(lambda: d.prediction() is not None)
    assert [r[2] for r in d.instance_rows()] == ["anomaly", "0", "3", "anomaly"]
    d.set_max_distance(0.6)
    d.wait_idle(lambda: d.prediction() is not None and d.prediction().max_distance == 0.6)
    expected = knn_classify(moons, d.clustering(), d.lifted_instances(), 50, 0.6)
    assert [r[2] for r in d.instance_rows()] == [str(v) for v in expected.labels]
    assert "anomaly" not in [r[2] for r in d.instance_rows()]
    assert "y_pred[y_dist.ravel() > 0.6] = -1" in d.code()
    d.set_n_neighbors(3)
    d.wait_idle(lambda: d.prediction().n_neighbors == 3)
    assert "KNeighborsClassifier(n_neighbors=3)" in d.code()


def test_the_chapters_comparison(d, window, qtbot, moons, artifacts_dir):
    d.wait_idle()
    d.compare()
    d.wait_idle(lambda: d.compared() is not None)
    a, b = d.compared()
    np.testing.assert_array_equal(a.labels, DBSCAN(eps=0.05).fit(moons).labels_)
    np.testing.assert_array_equal(b.labels, DBSCAN(eps=0.2).fit(moons).labels_)
    title_a, title_b = d.compare_titles()
    assert title_a.startswith("eps=0.05, min_samples=5")
    assert title_b == "eps=0.20, min_samples=5: 2 clusters, 0 anomalies"
    assert d.compare_noise_counts() == (77, 0)
    assert not d.compare_side_by_side()  # a narrow window stacks them
    render_image(window).save(str(artifacts_dir / "dbscan-compare.png"))
    window.code_dock.hide()
    window.resize(2300, 760)
    qtbot.waitUntil(d.compare_side_by_side)
    qtbot.wait(100)  # let the layout settle before the screenshot
    render_image(window).save(str(artifacts_dir / "dbscan-compare-wide.png"))
    d.compare(eps_b=0.1)
    d.wait_idle(lambda: d.compared()[1].eps == pytest.approx(0.1))
    assert d.compare_titles()[1].startswith("eps=0.10")
    assert d.export_widget_is_current_tab()


def test_the_chapters_figure_ignores_the_panel(d, moons):
    d.wait_idle()
    d.set_min_samples(20)
    d.compare(eps_b=0.3)
    a, b = d.compared()
    assert (a.min_samples, b.min_samples) == (5, 5)  # the chapter's, not the panel's 20
    np.testing.assert_array_equal(b.labels, DBSCAN(eps=0.3, min_samples=5).fit(moons).labels_)
    assert "min_samples=5" in d.compare_note()
    d.compare_chapters_eps()
    assert d.compare_eps() == (0.05, 0.2)
    a, b = d.compared()
    np.testing.assert_array_equal(a.labels, DBSCAN(eps=0.05, min_samples=5).fit(moons).labels_)
    np.testing.assert_array_equal(b.labels, DBSCAN(eps=0.2).fit(moons).labels_)
    assert d.clustering().min_samples == 20  # the panel's clustering is its own


def test_export_csv_and_code(d, window, qtbot, moons, tmp_path, monkeypatch):
    d.wait_idle()
    path = tmp_path / "labels.csv"
    # the page's button goes through the window's File ▸ Export results as CSV
    monkeypatch.setattr("gui.app.QFileDialog.getSaveFileName",
                        lambda *a, **k: (str(path), "CSV (*.csv)"))
    d.export_labels()
    qtbot.waitUntil(path.exists, timeout=30_000)
    with open(path, newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["x1", "x2", "cluster", "kind"]
    assert len(rows) == 1001
    labels = np.array([int(r[2]) for r in rows[1:]])
    np.testing.assert_array_equal(labels, DBSCAN(eps=0.05).fit(moons).labels_)
    kinds = [r[3] for r in rows[1:]]
    assert kinds.count("core") == 808 and kinds.count("anomaly") == 77
    assert float(rows[1][0]) == pytest.approx(moons[0, 0])
    png = tmp_path / "plot.png"
    window.export_plot(str(png))
    assert png.stat().st_size > 5000
    # the code reproduces the page: run it (with a stand-in for matplotlib's plotting calls)
    plotted = stub_pyplot(monkeypatch)
    code = d.code()
    namespace: dict = {}
    exec(compile(code, "<show code>", "exec"), namespace)
    np.testing.assert_array_equal(namespace["dbscan"].labels_, d.labels_shown())
    assert namespace["y_pred"].tolist() == d.prediction().labels.tolist()
    assert plotted.count("scatter") == 3 and plotted[-1] == "show"


def test_an_error_keeps_the_previous_clustering(d, window, qtbot, monkeypatch):
    d.wait_idle()
    before = d.clustering()

    def refuse(*args, **kwargs):
        raise DataError("With eps=3, a point has about 1,000 of the 1,000 points within eps.")

    monkeypatch.setattr("gui.pages.dbscan.jobs.run_dbscan", refuse)
    d.set_eps("3", wait=False)
    qtbot.waitUntil(lambda: window.message_bar.isVisible())
    d.wait_idle()
    assert "a point has about" in window.message_bar.text()
    assert d.clustering() is before
    assert d.eps() == pytest.approx(0.05)
    assert d.title().startswith("eps=0.05")


def test_cancel_keeps_the_drawn_clustering(d, window, qtbot, monkeypatch):
    d.wait_idle()
    before = d.clustering()

    def slow(X, eps, min_samples, progress=None, **kwargs):
        while True:  # a long computation that reports progress (and so can be cancelled)
            progress(0.5)
            time.sleep(0.01)

    monkeypatch.setattr("gui.pages.dbscan.jobs.run_dbscan", slow)
    # (on a worker thread, as on a big dataset: the moons' clustering would run inline)
    monkeypatch.setattr("gui.tasks.INLINE_COST", 0)
    d.set_eps("0.3", wait=False)
    qtbot.waitUntil(lambda: window.cancel_button.isVisible())
    qtbot.mouseClick(window.cancel_button, Qt.MouseButton.LeftButton)
    d.wait_idle()
    assert d.clustering() is before
    assert d.eps() == pytest.approx(0.05)
    assert d.eps_line() == pytest.approx(0.05)


def test_other_data_starts_at_the_suggested_eps_and_persists(window, open_page, qtbot,
                                                             artifacts_dir):
    d = DBSCANDriver.open(open_page, qtbot)
    d.wait_idle()
    d.set_dataset("iris")
    d.wait_idle(lambda: d.dataset() == "iris" and d.clustering() is not None
                and d.kdist() is not None)
    X = load_builtin("iris").X
    assert d.eps() == pytest.approx(d.kdist().knee, abs=1e-4)
    assert d.max_distance() == pytest.approx(d.kdist().knee, abs=1e-4)
    np.testing.assert_array_equal(
        d.labels_shown(), DBSCAN(eps=d.clustering().eps, min_samples=5).fit(X).labels_)
    assert d.instances() == []
    # a click on the PCA view classifies the point of the principal plane under it
    xy = d.view_coords()[0]
    d.add_instance(*xy)
    d.wait_idle(lambda: d.prediction() is not None)
    assert d.instance_rows()[0][2] == str(d.prediction().labels[0])
    d.hover(*xy)
    qtbot.waitUntil(lambda: "in feature space" in d.hover_text())
    assert not d.neighbourhood_shown()
    render_image(window).save(str(artifacts_dir / "dbscan-iris.png"))
    eps_iris = d.eps()
    window.close()

    again, d2 = DBSCANDriver.open_in_new_window(qtbot)
    assert d2.dataset() == "iris"
    assert d2.eps() == pytest.approx(eps_iris)
    assert len(d2.instances()) == 1
    again.close()


def test_a_big_cloud_is_drawn_by_colour(window, open_page, qtbot, artifacts_dir):
    from sklearn.datasets import make_moons

    d = DBSCANDriver.open(open_page, qtbot)
    d.wait_idle()
    # 10 000 points: the core samples are rasterised, still large; border samples small
    X10, _ = make_moons(10_000, noise=0.05, random_state=0)
    window.ctx.add_dataset(Dataset(name="moons 10k", X=X10, key="moons10k"))
    d.set_dataset("moons10k")
    r = d.clustering()
    assert not d.colour_only() and d.rasterised()
    np.testing.assert_allclose(d.core_points(), X10[r.core_indices])
    assert len(d.border_points()) == r.n_border > 0
    qtbot.wait(50)  # layouts settle
    assert d.summary_fits()
    render_image(window).save(str(artifacts_dir / "dbscan-10k.png"))

    X, _ = make_moons(30_000, noise=0.05, random_state=42)
    window.ctx.add_dataset(Dataset(name="moons 30k", X=X, key="moons30k"))
    d.set_dataset("moons30k")
    d.set_eps(0.02)
    d.wait_idle(lambda: d.clustering().eps == pytest.approx(0.02))
    r = d.clustering()
    np.testing.assert_array_equal(r.labels, DBSCAN(eps=0.02).fit(X).labels_)
    assert d.colour_only()  # and the note says so
    assert d.rasterised()
    colors = d.colours()
    assert len(colors) == 30_000
    noise = r.labels == -1
    assert noise.any() and np.all(colors[noise] == ANOMALY_RGBA)
    core = r.core_mask
    np.testing.assert_array_equal(colors[core], palette_rgba(r.n_clusters)[r.labels[core]])
    border = r.border_mask
    assert np.all(colors[border].astype(int).sum(axis=1)
                  > palette_rgba(r.n_clusters)[r.labels[border]].astype(int).sum(axis=1))
    render_image(window).save(str(artifacts_dir / "dbscan-big.png"))

    # other big data: drawn grey, then by colour, under a note that keeps its room meanwhile
    # (hidden, then shown again, it resized the scatter twice)
    from PySide6.QtCore import QEvent

    from tests.gui.test_tasks import _Events

    X2, _ = make_moons(30_000, noise=0.06, random_state=7)
    window.ctx.add_dataset(Dataset(name="moons 30k b", X=X2, key="moons30k-b"))
    scatter = d.scatter_widget()
    resized = _Events({QEvent.Type.Resize: "resize"})
    scatter.installEventFilter(resized)
    d.set_dataset("moons30k-b")
    d.wait_idle()
    assert d.colour_only() and resized.names == []


def test_a_damaged_saved_state_is_set_aside_and_the_page_opens(window, open_page, qtbot):
    from gui import settings as app_settings

    folder = app_settings.data_dir()
    (folder / "dbscan-datasets.json").write_text("{ not json")
    d = DBSCANDriver.open(open_page, qtbot)
    assert window.message_bar.isVisible() and window.message_bar.level == "warning"
    aside = list(folder.glob("dbscan-datasets.json.unreadable-*"))
    assert len(aside) == 1 and aside[0].name in window.message_bar.text()
    labels = DBSCAN(eps=d.eps(), min_samples=d.min_samples()).fit(load_builtin("moons").X).labels_
    assert d.n_clusters_shown() == len(set(labels) - {-1})  # the moons, clustered as usual


def test_classifying_new_instances_is_cheap_work_only_on_small_data():
    from types import SimpleNamespace

    from gui.pages.dbscan import jobs
    from gui.tasks import INLINE_COST

    few_cores = SimpleNamespace(n_core=5)
    # the chapter's moons: a click classifies at once, on the spot
    assert jobs.knn_cost(np.broadcast_to(0.0, (1000, 2)), SimpleNamespace(n_core=900), 1,
                         50) < INLINE_COST
    # a wide table is checked whole before the KNN is fitted on its few core samples:
    # that pass alone is too much for the GUI thread
    wide = np.broadcast_to(0.0, (150_000, 64))
    assert jobs.knn_cost(wide, few_cores, 1, 50) >= INLINE_COST
    assert jobs.regions_cost(wide, few_cores, 240 * 180, 50) >= INLINE_COST


def test_new_data_does_not_move_the_plot(d, qtbot):
    """The legend under the plot loses its list of clusters while new data waits for its
    clustering, and gets it back with the result: it keeps its height, so the plot is not
    resized (moved under the cursor, laid out and painted anew) at each new dataset."""
    from PySide6.QtCore import QEvent

    from tests.gui.test_tasks import _Events

    d.wait_idle()
    d.page.window().resize(1280, 800)
    for key in ("blobs", "moons"):  # each legend shown once at this width
        d.set_dataset(key)
        d.wait_idle()
    qtbot.wait(50)
    plot = d.plot_widget()
    height = plot.height()
    resized = _Events({QEvent.Type.Resize: "resize"})
    plot.installEventFilter(resized)
    for key in ("blobs", "moons"):
        d.set_dataset(key)
        d.wait_idle()
    qtbot.wait(50)
    assert resized.names == [] and plot.height() == height
