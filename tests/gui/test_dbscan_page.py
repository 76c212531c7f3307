"""The DBSCAN page, driven through its widgets: what the views show after each action."""

from __future__ import annotations

import csv
import time

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication
from sklearn.cluster import DBSCAN

from core.datasets import Dataset, load_builtin
from core.density import knn_classify, run_dbscan
from core.errors import DataError
from gui.widgets.palette import ANOMALY_RGBA, palette_rgba, pastel


@pytest.fixture
def page(open_page):
    return open_page("dbscan")


@pytest.fixture(scope="module")
def moons():
    return load_builtin("moons").X


def wait_idle(qtbot, window, page, condition=lambda: True, timeout=20_000):
    """Wait until the debounce timers fired, no task runs and ``condition`` holds."""
    def ready():
        timers = (page._timer, page._ktimer, page._cmp_timer, page._knn_timer)
        return not any(t.isActive() for t in timers) and not window.tasks.busy and condition()

    qtbot.waitUntil(ready, timeout=timeout)


def view_pos(view, x: float, y: float) -> QPoint:
    scene = view.plotItem.vb.mapViewToScene(QPointF(x, y))
    return view.mapFromScene(scene)


def send_mouse(widget, kind, pos: QPoint, buttons=Qt.MouseButton.NoButton,
               button=Qt.MouseButton.NoButton) -> None:
    event = QMouseEvent(kind, QPointF(pos), QPointF(widget.mapToGlobal(pos)), button, buttons,
                        Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, event)


def set_spin(qtbot, spin, text: str) -> None:
    """Type a value into a spin box like a person: select all, type, Enter."""
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, text)
    qtbot.keyClick(spin, Qt.Key.Key_Return)


def test_opens_on_the_chapters_figure(page, window, qtbot, moons, artifacts_dir):
    wait_idle(qtbot, window, page)
    sk = DBSCAN(eps=0.05, min_samples=5).fit(moons)
    r = page.result
    np.testing.assert_array_equal(r.labels, sk.labels_)
    assert r.labels[:10].tolist() == [0, 2, -1, -1, 1, 0, 0, 0, 2, 5]
    assert page.view.plotItem.titleLabel.text.startswith(
        "eps=0.05, min_samples=5: 7 clusters, 77 anomalies")
    # core samples: the large points of the ScatterView, in their cluster's colour
    core = sk.core_sample_indices_
    np.testing.assert_allclose(page.view.points(), moons[core])
    np.testing.assert_array_equal(page.view.point_colors(), palette_rgba(7)[sk.labels_[core]])
    # border samples small, anomalies as red crosses
    border = ~np.isin(np.arange(1000), core) & (sk.labels_ >= 0)
    np.testing.assert_allclose(page.plot.border_points(), moons[border])
    np.testing.assert_allclose(page.plot.noise_points(), moons[sk.labels_ == -1])
    assert page.plot.noise_item.opts["symbol"] == "x"
    sizes = page.plot.border_item.data["size"]
    assert np.all(sizes < page.view._size)
    # the summary and the chapter's four new instances
    assert "808 core samples" in page.summary.text() and "115 border" in page.summary.text()
    assert page.summary.height() >= page.summary.sizeHint().height()  # nothing cut off
    rows = page.table_rows()
    assert [r[1] for r in rows] == ["(-0.5, 0)", "(0, 0.5)", "(1, -0.1)", "(2, 1)"]
    # the k-distance curve (k = 4) with the suggested eps marked and the eps line at 0.05
    kd = page.kdist
    assert kd.k == 4
    x, y = page.kcurve.getData()
    np.testing.assert_allclose(y, kd.distances)
    assert page.knee_marker.data["y"][0] == pytest.approx(kd.knee)
    assert page.eps_line.value() == pytest.approx(0.05)
    assert "DBSCAN(eps=0.05, min_samples=5)" in page.code()
    assert window.code_panel.code() == page.code()
    window.grab().save(str(artifacts_dir / "dbscan-default.png"))


def test_eps_and_min_samples_update_live_with_one_task(page, window, qtbot, moons):
    wait_idle(qtbot, window, page)
    started = []
    window.tasks.task_started.connect(lambda t: started.append(t.key))
    set_spin(qtbot, page.eps_spin, "0.1")
    set_spin(qtbot, page.eps_spin, "0.15")
    set_spin(qtbot, page.eps_spin, "0.2")
    wait_idle(qtbot, window, page, lambda: page.result.eps == pytest.approx(0.2))
    # typing is debounced: the keystrokes of three values started at most a couple of runs
    assert 1 <= started.count("dbscan:dbscan") <= 3
    assert page.view.plotItem.titleLabel.text.endswith("2 clusters, 0 anomalies")
    assert page.eps_line.value() == pytest.approx(0.2)
    _, (y0, y1) = page.kplot.plotItem.vb.viewRange()
    assert y0 < 0.2 < y1  # the eps line stays in view
    assert len(page.plot.noise_points()) == 0
    # the chapter's new instances with the eps=0.2 model: anomaly, 0, 1, anomaly
    rows = page.table_rows()
    assert [r[2] for r in rows] == ["anomaly", "0", "1", "anomaly"]
    expected = knn_classify(moons, run_dbscan(moons, 0.2), page._lift()(np.array(page.instances)))
    assert rows[2][3] == f"{expected.probability[2]:.2f}" == "0.88"
    assert "y_pred  # [-1, 0, 1, -1]" in page.code()

    set_spin(qtbot, page.min_samples_spin, "10")
    wait_idle(qtbot, window, page, lambda: page.result.min_samples == 10 and page.kdist.k == 9)
    sk = DBSCAN(eps=0.2, min_samples=10).fit(moons)
    np.testing.assert_array_equal(page.result.labels, sk.labels_)
    assert page.kplot.plotItem.getAxis("left").labelText == "9-distance"


def test_dragging_the_eps_line_sets_eps(page, window, qtbot):
    wait_idle(qtbot, window, page)
    kplot = page.kplot
    vb = kplot.plotItem.vb
    (x0, x1), _ = vb.viewRange()
    start = view_pos(kplot, x0 + 0.75 * (x1 - x0), 0.05)
    end = view_pos(kplot, x0 + 0.75 * (x1 - x0), 0.12)
    vp = kplot.viewport()
    # (pyqtgraph drops mouse moves that come faster than its rate limit: pause between them)
    send_mouse(vp, QEvent.Type.MouseMove, start)
    qtbot.wait(40)
    send_mouse(vp, QEvent.Type.MouseButtonPress, start, Qt.MouseButton.LeftButton,
               Qt.MouseButton.LeftButton)
    for t in np.linspace(0, 1, 6)[1:]:
        qtbot.wait(40)
        p = QPoint(start.x(), int(round(start.y() + t * (end.y() - start.y()))))
        send_mouse(vp, QEvent.Type.MouseMove, p, Qt.MouseButton.LeftButton)
    send_mouse(vp, QEvent.Type.MouseButtonRelease, end, Qt.MouseButton.NoButton,
               Qt.MouseButton.LeftButton)
    wait_idle(qtbot, window, page, lambda: page.result.eps > 0.1)
    assert page.eps_spin.value() == pytest.approx(page.eps_line.value(), abs=1e-4)
    assert 0.1 < page.eps_spin.value() < 0.14
    assert page.result.eps == pytest.approx(page.eps_spin.value())

    qtbot.mouseClick(page.suggest_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, window, page, lambda: page.result.eps == pytest.approx(page.kdist.knee))
    assert page.eps_line.value() == pytest.approx(page.kdist.knee)


def test_hover_shows_the_neighbourhood(page, window, qtbot, moons, artifacts_dir):
    wait_idle(qtbot, window, page)
    i = 0  # a core sample of cluster 0
    pos = view_pos(page.view, *moons[i])
    qtbot.wait(40)
    send_mouse(page.view.viewport(), QEvent.Type.MouseMove, pos)
    qtbot.waitUntil(lambda: page.circle.isVisible())
    count = int(np.sum(np.linalg.norm(moons - moons[i], axis=1) <= 0.05))
    assert page.hover_text() == (f"point {i}: core sample of cluster 0\n"
                                 f"{count} points within eps, itself included")
    rect = page.circle.rect()
    assert rect.width() == pytest.approx(0.1) and rect.center().x() == pytest.approx(moons[i, 0])
    window.grab().save(str(artifacts_dir / "dbscan-hover.png"))
    # an anomaly
    j = int(np.flatnonzero(page.result.labels == -1)[0])
    qtbot.wait(40)
    send_mouse(page.view.viewport(), QEvent.Type.MouseMove, view_pos(page.view, *moons[j]))
    qtbot.waitUntil(lambda: f"point {j}:" in page.hover_text())
    assert page.hover_text().startswith(f"point {j}: anomaly")
    # far from every point: nothing
    qtbot.wait(40)
    send_mouse(page.view.viewport(), QEvent.Type.MouseMove, view_pos(page.view, -0.5, -1.2))
    qtbot.waitUntil(lambda: not page.circle.isVisible())


def test_clicks_add_instances_and_regions(page, window, qtbot, moons, artifacts_dir):
    wait_idle(qtbot, window, page)
    qtbot.mouseClick(page.clear_button, Qt.MouseButton.LeftButton)
    assert page.table.rowCount() == 0 and page.new_item.data.size == 0
    # a click on the upper moon, one far away
    qtbot.mouseClick(page.view.viewport(), Qt.MouseButton.LeftButton,
                     pos=view_pos(page.view, -0.8, 0.6))
    qtbot.mouseClick(page.view.viewport(), Qt.MouseButton.LeftButton,
                     pos=view_pos(page.view, 1.5, 1.4))
    wait_idle(qtbot, window, page, lambda: page.prediction is not None
              and page.prediction.labels.size == 2)
    assert page.table.rowCount() == 2
    pts = np.array(page.instances)
    assert pts[0] == pytest.approx([-0.8, 0.6], abs=0.02)
    expected = knn_classify(moons, page.result, pts)
    rows = page.table_rows()
    assert rows[0][2] == str(expected.labels[0]) != "anomaly"
    assert rows[0][3] == f"{expected.probability[0]:.2f}"
    assert rows[1][2] == "anomaly"
    np.testing.assert_allclose(np.column_stack(page.new_item.getData()), pts)

    page.table.selectRow(0)
    qtbot.mouseClick(page.remove_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, window, page)
    assert page.table.rowCount() == 1 and page.table_rows()[0][2] == "anomaly"
    qtbot.mouseClick(page.chapter_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, window, page, lambda: page.prediction is not None
              and page.prediction.labels.size == 4)

    set_spin(qtbot, page.eps_spin, "0.2")
    qtbot.mouseClick(page.regions_check, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, window, page, lambda: page.regions is not None
              and page.result.eps == pytest.approx(0.2))
    image = page.view.regions_image()
    grid = page.regions
    assert image is not None and image.shape[:2] == grid.labels.shape
    assert set(np.unique(grid.labels)) == {-1, 0, 1}
    # a cell inside cluster 1's region is drawn in cluster 1's pale colour
    cell = np.argwhere(grid.labels == 1)[len(np.argwhere(grid.labels == 1)) // 2]
    neighbours = grid.labels[cell[0] - 1:cell[0] + 2, cell[1] - 1:cell[1] + 2]
    if np.all(neighbours == 1):
        np.testing.assert_array_equal(image[tuple(cell)], pastel(palette_rgba(2))[1])
    window.grab().save(str(artifacts_dir / "dbscan-regions.png"))
    qtbot.mouseClick(page.regions_check, Qt.MouseButton.LeftButton)
    assert page.view.regions_image() is None


def test_the_chapters_comparison(page, window, qtbot, moons, artifacts_dir):
    wait_idle(qtbot, window, page)
    page.tabs.setCurrentIndex(1)
    wait_idle(qtbot, window, page, lambda: page.compare_results is not None)
    a, b = page.compare_results
    np.testing.assert_array_equal(a.labels, DBSCAN(eps=0.05).fit(moons).labels_)
    np.testing.assert_array_equal(b.labels, DBSCAN(eps=0.2).fit(moons).labels_)
    assert page.plot_a.view.plotItem.titleLabel.text.startswith("eps=0.05, min_samples=5")
    assert page.plot_b.view.plotItem.titleLabel.text == (
        "eps=0.20, min_samples=5: 2 clusters, 0 anomalies")
    assert len(page.plot_a.noise_points()) == 77 and len(page.plot_b.noise_points()) == 0
    assert not page.compare_area.side_by_side  # a narrow window stacks them
    window.grab().save(str(artifacts_dir / "dbscan-compare.png"))
    window.code_dock.hide()
    window.resize(2300, 760)
    qtbot.waitUntil(lambda: page.compare_area.side_by_side)
    qtbot.wait(100)  # let the layout settle before the screenshot
    window.grab().save(str(artifacts_dir / "dbscan-compare-wide.png"))
    set_spin(qtbot, page.eps_b_spin, "0.1")
    wait_idle(qtbot, window, page, lambda: page.compare_results[1].eps == pytest.approx(0.1))
    assert page.plot_b.view.plotItem.titleLabel.text.startswith("eps=0.10")
    assert page.export_widget() is page.tabs.currentWidget()


def test_export_csv_and_code(page, window, qtbot, moons, tmp_path, monkeypatch):
    wait_idle(qtbot, window, page)
    path = tmp_path / "labels.csv"
    # the page's button goes through the window's File ▸ Export results as CSV
    monkeypatch.setattr("gui.app.QFileDialog.getSaveFileName",
                        lambda *a, **k: (str(path), "CSV (*.csv)"))
    qtbot.mouseClick(page.export_button, Qt.MouseButton.LeftButton)
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
    import sys
    import types

    plotted = []
    pyplot = types.ModuleType("matplotlib.pyplot")
    for name in ("scatter", "title", "show"):
        setattr(pyplot, name, lambda *a, _n=name, **k: plotted.append(_n))
    mpl = types.ModuleType("matplotlib")
    mpl.pyplot = pyplot
    monkeypatch.setitem(sys.modules, "matplotlib", mpl)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", pyplot)
    code = page.code()
    namespace: dict = {}
    exec(compile(code, "<show code>", "exec"), namespace)
    np.testing.assert_array_equal(namespace["dbscan"].labels_, page.result.labels)
    assert namespace["y_pred"].tolist() == page.prediction.labels.tolist()
    assert plotted.count("scatter") == 3 and plotted[-1] == "show"


def test_an_error_keeps_the_previous_clustering(page, window, qtbot, monkeypatch):
    wait_idle(qtbot, window, page)
    before = page.result

    def refuse(*args, **kwargs):
        raise DataError("With eps=3, a point has about 1,000 of the 1,000 points within eps.")

    monkeypatch.setattr("gui.pages.dbscan_page.run_dbscan", refuse)
    set_spin(qtbot, page.eps_spin, "3")
    qtbot.waitUntil(lambda: window.message_bar.isVisible())
    wait_idle(qtbot, window, page)
    assert "a point has about" in window.message_bar.text()
    assert page.result is before
    assert page.eps_spin.value() == pytest.approx(0.05)
    assert page.view.plotItem.titleLabel.text.startswith("eps=0.05")


def test_cancel_keeps_the_drawn_clustering(page, window, qtbot, monkeypatch):
    wait_idle(qtbot, window, page)
    before = page.result

    def slow(X, eps, min_samples, progress=None):
        while True:  # a long computation that reports progress (and so can be cancelled)
            progress(0.5)
            time.sleep(0.01)

    monkeypatch.setattr("gui.pages.dbscan_page.run_dbscan", slow)
    set_spin(qtbot, page.eps_spin, "0.3")
    qtbot.waitUntil(lambda: window.cancel_button.isVisible())
    qtbot.mouseClick(window.cancel_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, window, page)
    assert page.result is before
    assert page.eps_spin.value() == pytest.approx(0.05)
    assert page.eps_line.value() == pytest.approx(0.05)


def test_other_data_starts_at_the_suggested_eps_and_persists(window, open_page, qtbot,
                                                             artifacts_dir):
    page = open_page("dbscan")
    wait_idle(qtbot, window, page)
    page.picker.set_current_key("iris")
    wait_idle(qtbot, window, page, lambda: page.dataset.key == "iris" and page.result is not None
              and page.kdist is not None)
    X = load_builtin("iris").X
    assert page.eps_spin.value() == pytest.approx(page.kdist.knee, abs=1e-4)
    assert page.max_dist_spin.value() == pytest.approx(page.kdist.knee, abs=1e-4)
    np.testing.assert_array_equal(
        page.result.labels, DBSCAN(eps=page.result.eps, min_samples=5).fit(X).labels_)
    assert page.instances == []
    # a click on the PCA view classifies the point of the principal plane under it
    xy = page.projection.coords[0]
    qtbot.mouseClick(page.view.viewport(), Qt.MouseButton.LeftButton,
                     pos=view_pos(page.view, *xy))
    wait_idle(qtbot, window, page, lambda: page.prediction is not None)
    assert page.table_rows()[0][2] == str(page.prediction.labels[0])
    qtbot.wait(40)
    send_mouse(page.view.viewport(), QEvent.Type.MouseMove, view_pos(page.view, *xy))
    qtbot.waitUntil(lambda: "in feature space" in page.hover_text())
    assert not page.circle.isVisible()
    window.grab().save(str(artifacts_dir / "dbscan-iris.png"))
    eps_iris = page.eps_spin.value()
    window.close()

    from gui.app import MainWindow

    again = MainWindow()
    qtbot.addWidget(again)
    again.show()
    page2 = again.show_page("dbscan")
    page2.ensure_started()
    qtbot.waitUntil(lambda: page2.result is not None and not again.tasks.busy, timeout=20_000)
    assert page2.dataset.key == "iris"
    assert page2.eps_spin.value() == pytest.approx(eps_iris)
    assert len(page2.instances) == 1
    again.close()


def test_a_big_cloud_is_drawn_by_colour(window, open_page, qtbot, artifacts_dir):
    from sklearn.datasets import make_moons

    page = open_page("dbscan")
    wait_idle(qtbot, window, page)
    # 10 000 points: the core samples are rasterised, still large; border samples small
    X10, _ = make_moons(10_000, noise=0.05, random_state=0)
    window.ctx.add_dataset(Dataset(name="moons 10k", X=X10, key="moons10k"))
    page.picker.set_current_key("moons10k")
    wait_idle(qtbot, window, page, lambda: page.dataset.key == "moons10k"
              and page.result is not None)
    r = page.result
    assert not page.plot.colour_only and page.view.raster_mode
    np.testing.assert_allclose(page.view.points(), X10[r.core_indices])
    assert len(page.plot.border_points()) == r.n_border > 0
    qtbot.wait(50)  # layouts settle
    assert page.summary.height() >= page.summary.sizeHint().height()
    window.grab().save(str(artifacts_dir / "dbscan-10k.png"))

    X, _ = make_moons(30_000, noise=0.05, random_state=42)
    window.ctx.add_dataset(Dataset(name="moons 30k", X=X, key="moons30k"))
    page.picker.set_current_key("moons30k")
    wait_idle(qtbot, window, page, lambda: page.dataset.key == "moons30k"
              and page.result is not None)
    page.eps_spin.setValue(0.02)
    wait_idle(qtbot, window, page, lambda: page.result.eps == pytest.approx(0.02))
    r = page.result
    np.testing.assert_array_equal(r.labels, DBSCAN(eps=0.02).fit(X).labels_)
    assert page.plot.colour_only and page.plot.note.isVisible()
    assert page.view.raster_mode
    colors = page.view.point_colors()
    assert len(colors) == 30_000
    noise = r.labels == -1
    assert noise.any() and np.all(colors[noise] == ANOMALY_RGBA)
    core = r.core_mask
    np.testing.assert_array_equal(colors[core], palette_rgba(r.n_clusters)[r.labels[core]])
    border = r.border_mask
    assert np.all(colors[border].astype(int).sum(axis=1)
                  > palette_rgba(r.n_clusters)[r.labels[border]].astype(int).sum(axis=1))
    window.grab().save(str(artifacts_dir / "dbscan-big.png"))
