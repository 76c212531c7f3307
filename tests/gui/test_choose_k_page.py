"""The Choosing k page, driven through its widgets: curves, diagrams, selection, exports."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from sklearn import metrics
from sklearn.cluster import KMeans

from core.datasets import load_builtin
from gui.widgets.palette import colors_for_labels, palette_rgba

TIMEOUT = 60_000


@pytest.fixture
def page(open_page):
    return open_page("choose-k")


def _view_point(plot_widget, x: float, y: float, vb=None):
    """Widget (viewport) coordinates of data point (x, y) in a pyqtgraph view."""
    vb = vb if vb is not None else plot_widget.plotItem.vb
    scene = vb.mapViewToScene(QPointF(x, y))
    return plot_widget.mapFromScene(scene)


def _click(qtbot, plot_widget, x, y, vb=None):
    qtbot.mouseClick(plot_widget.viewport(), Qt.MouseButton.LeftButton,
                     pos=_view_point(plot_widget, x, y, vb))


def _band_color(item):
    c = item.brush().color()
    return c.red(), c.green(), c.blue()


# --------------------------------------------------------------------------- what is drawn

def test_page_draws_the_chapters_figures(page, window, artifacts_dir):
    blobs = load_builtin("blobs").X
    ks = np.arange(1, 10)
    inertias = [KMeans(n_clusters=k, random_state=42).fit(blobs).inertia_ for k in ks]
    x, y = page.curves["inertia"].getData()
    np.testing.assert_array_equal(x, ks)
    np.testing.assert_allclose(y, inertias, rtol=1e-10)

    # The elbow is marked at k=4 (as the chapter says), with its annotation.
    ex, ey = page.elbow_point.getData()
    assert list(ex) == [4] and ey[0] == pytest.approx(inertias[3], rel=1e-10)
    assert page.elbow_text.isVisible() and page.elbow_text.toPlainText() == "Elbow"

    # Silhouette score vs k for k = 2..9, scikit-learn's values; the best (k=4) is starred.
    sx, sy = page.curves["silhouette"].getData()
    np.testing.assert_array_equal(sx, ks[1:])
    labels4 = KMeans(n_clusters=4, random_state=42).fit_predict(blobs)
    assert sy[2] == pytest.approx(metrics.silhouette_score(blobs, labels4), abs=1e-10)
    assert list(page.best_point.getData()[0]) == [4]

    # Four diagrams, k = 3..6, each with k bands in the scatter's colours, mean as dashed line.
    plots = page.diagrams.diagram_plots
    assert [p.k for p in plots] == [3, 4, 5, 6]
    for p in plots:
        assert f"k={p.k}" in p.titleLabel.text
        assert len(p.band_items) == p.k
        assert [_band_color(item) for item in p.band_items] == \
            [tuple(int(v) for v in c[:3]) for c in palette_rgba(p.k)]
        i = int(np.flatnonzero(sx == p.k)[0])
        assert p.mean_line.value() == pytest.approx(sy[i])
        assert p.mean_line.pen.style() == Qt.PenStyle.DashLine
        ticks = p.getAxis("left")._tickLevels[0]
        assert [label for _, label in ticks] == [str(c) for c in range(p.k)]
    assert "selected" in page.diagrams.plot_for(4).titleLabel.text

    # The selected k (the elbow) is shown: points in cluster colours, regions, centres.
    assert page.selected_k == 4
    np.testing.assert_array_equal(page.scatter.point_colors(), colors_for_labels(labels4, 4))
    assert page.scatter.regions_image() is not None
    cx, cy = page.centroid_crosses.getData()
    centers = KMeans(n_clusters=4, random_state=42).fit(blobs).cluster_centers_
    np.testing.assert_allclose(np.column_stack([cx, cy]), centers, atol=1e-10)
    assert "k = 4" in page.selection_info.text()
    assert window.grab().save(str(artifacts_dir / "choose-k-default.png"))


def test_clicking_a_k_on_a_curve_selects_it(page, qtbot, window):
    sweep = page.result.sweep
    before = page.scatter.point_colors().copy()
    _click(qtbot, page.silhouette_plot, 5, float(sweep.silhouettes[sweep.index(5)]))
    assert page.selected_k == 5
    labels5 = sweep.labels_for(5)
    np.testing.assert_array_equal(page.scatter.point_colors(), colors_for_labels(labels5, 5))
    assert not np.array_equal(before, page.scatter.point_colors())
    assert all(m.value() == 5 for m in page.markers.values())
    assert "selected" in page.diagrams.plot_for(5).titleLabel.text
    assert "selected" not in page.diagrams.plot_for(4).titleLabel.text
    # the regions follow: 5 colours of regions now
    img = page.scatter.regions_image()
    assert img is not None
    # the inertia curve too (anywhere in the plot, nearest k)
    _click(qtbot, page.inertia_plot, 7.2, float(sweep.inertias[sweep.index(7)]))
    assert page.selected_k == 7
    assert "k=7" in window.code_panel.code()


def test_clicking_a_diagram_selects_its_k_and_hovering_shows_a_band(page, qtbot):
    plot6 = page.diagrams.plot_for(6)
    lo, hi = plot6.band_ranges[2]
    _click(qtbot, page.diagrams, 0.3, (lo + hi) / 2, vb=plot6.vb)
    assert page.selected_k == 6

    plot4 = page.diagrams.plot_for(4)
    lo, hi = plot4.band_ranges[1]
    pos = _view_point(page.diagrams, 0.2, (lo + hi) / 2, vb=plot4.vb)
    with qtbot.waitSignal(page.diagrams.band_hovered, timeout=5000) as blocker:
        qtbot.mouseMove(page.diagrams.viewport(), pos)
    diagram = page.result.sweep.diagram(4)
    assert blocker.args[:3] == [4, 1, int(diagram.sizes[1])]
    text = page.hover_label.text()
    assert f"{diagram.sizes[1]:,} points" in text and f"{diagram.means[1]:.3f}" in text
    widths = [item.pen().widthF() for item in plot4.band_items]
    assert widths[1] == 2.0 and widths.count(2.0) == 1  # the hovered band is outlined


def test_changing_the_k_range_restarts_the_sweep(page, qtbot, window):
    with qtbot.waitSignal(page.result_drawn, timeout=TIMEOUT):
        page.k_max.setFocus()
        page.k_max.selectAll()
        qtbot.keyClicks(page.k_max, "6")  # debounced: one sweep for the edit
    x, _ = page.curves["inertia"].getData()
    np.testing.assert_array_equal(x, np.arange(1, 7))
    assert [p.k for p in page.diagrams.diagram_plots] == [3, 4, 5, 6]
    assert page.result.sweep.elbow == 4

    with qtbot.waitSignal(page.result_drawn, timeout=TIMEOUT):
        qtbot.keyClick(page.k_min, Qt.Key.Key_Up)  # k from 2
    x, _ = page.curves["inertia"].getData()
    np.testing.assert_array_equal(x, np.arange(2, 7))

    # Too narrow a range: a sentence, and the curves stay.
    page.k_min.setValue(5)
    qtbot.waitUntil(lambda: window.message_bar.isVisible(), timeout=5000)
    assert "at least three values of k" in window.message_bar.text()
    x, _ = page.curves["inertia"].getData()
    np.testing.assert_array_equal(x, np.arange(2, 7))


def test_cancelling_the_sweep_keeps_what_is_shown(page, qtbot, window):
    before = page.result
    page.k_max.setValue(30)
    page._run_now()  # skip the debounce
    assert window.tasks.busy
    qtbot.mouseClick(window.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.tasks.busy, timeout=TIMEOUT)
    assert page.result is before
    x, _ = page.curves["inertia"].getData()
    np.testing.assert_array_equal(x, np.arange(1, 10))
    assert window.status_label.text() in ("Cancelled", "Ready")


def test_diagram_ks_are_editable_and_bad_input_is_explained(page, qtbot, window):
    edit = page.diagram_edit
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClicks(edit, "2, 7")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert [p.k for p in page.diagrams.diagram_plots] == [2, 7]
    assert len(page.diagrams.plot_for(7).band_items) == 7

    edit.selectAll()
    qtbot.keyClicks(edit, "3, four")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert window.message_bar.isVisible()
    assert "'four' is not a whole number" in window.message_bar.text()
    assert edit.text() == "2, 7"
    assert [p.k for p in page.diagrams.diagram_plots] == [2, 7]

    edit.selectAll()
    qtbot.keyClicks(edit, "3, 12")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert "outside the sweep's range" in window.message_bar.text()
    assert [p.k for p in page.diagrams.diagram_plots] == [3]


def test_more_scores_toggle_shows_calinski_harabasz_and_davies_bouldin(page, qtbot):
    assert not page.ch_plot.isVisible()
    qtbot.mouseClick(page.scores_check, Qt.MouseButton.LeftButton)
    assert page.ch_plot.isVisible() and page.db_plot.isVisible()
    blobs = load_builtin("blobs").X
    labels = page.result.sweep.labels_for(3)
    cx, cy = page.curves["calinski_harabasz"].getData()
    dx, dy = page.curves["davies_bouldin"].getData()
    np.testing.assert_array_equal(cx, np.arange(2, 10))
    assert cy[1] == pytest.approx(metrics.calinski_harabasz_score(blobs, labels), rel=1e-10)
    assert dy[1] == pytest.approx(metrics.davies_bouldin_score(blobs, labels), rel=1e-10)
    _click(qtbot, page.db_plot, 6, float(dy[4]))
    assert page.selected_k == 6


def test_another_dataset_with_more_features(page, qtbot):
    with qtbot.waitSignal(page.result_drawn, timeout=TIMEOUT):
        page.picker.set_current_key("iris")
    assert page.result.dataset.key == "iris"
    iris = load_builtin("iris").X
    x, y = page.curves["inertia"].getData()
    assert y[2] == pytest.approx(KMeans(3, random_state=42).fit(iris).inertia_, rel=1e-10)
    assert page.scatter.regions_image() is None
    assert "principal components" in page.scatter_note.text()
    assert page.scatter.points().shape == (150, 2)
    assert page.selected_k == page.result.sweep.elbow


def test_a_dataset_too_small_for_the_k_range_is_explained_and_nothing_is_lost(page, qtbot,
                                                                              window):
    from core.datasets import Dataset

    before = page.result
    tiny = Dataset(name="tiny.csv", X=np.arange(10.0).reshape(5, 2), key="file:/tmp/tiny.csv")
    window.ctx.add_dataset(tiny)
    page.picker.set_current_key("file:/tmp/tiny.csv")
    qtbot.waitUntil(lambda: window.message_bar.isVisible(), timeout=TIMEOUT)
    qtbot.waitUntil(lambda: not window.tasks.busy, timeout=TIMEOUT)
    assert "k=9 is more clusters than the 5 points" in window.message_bar.text()
    assert page.result is before
    assert page.picker.current_key() == "blobs"
    np.testing.assert_array_equal(page.curves["inertia"].getData()[0], np.arange(1, 10))


# --------------------------------------------------------------------------- Use this k

def test_use_this_k_sends_k_and_dataset_to_the_kmeans_page(page, qtbot, window):
    _click(qtbot, page.silhouette_plot, 5, 0.6)
    assert page.use_button.isEnabled()
    assert "k=5" in page.use_button.toolTip()
    with qtbot.waitSignal(window.ctx.navigate_requested, timeout=2000) as blocker:
        qtbot.mouseClick(page.use_button, Qt.MouseButton.LeftButton)
    assert blocker.args == ["kmeans", {"n_clusters": 5, "dataset": "blobs"}]
    kmeans = window.pages["kmeans"]
    assert window.current_page() is kmeans
    assert kmeans.k_spin.value() == 5
    assert kmeans.picker.current_key() == "blobs"
    qtbot.waitUntil(lambda: kmeans.result is not None and len(kmeans.result.centers) == 5,
                    timeout=TIMEOUT)
    qtbot.waitUntil(lambda: not window.tasks.busy, timeout=TIMEOUT)


def test_apply_params_selects_a_k(page):
    page.apply_params(n_clusters=6)
    assert page.selected_k == 6


# --------------------------------------------------------------------------- code and exports

def test_show_code_reproduces_the_curves(page, window):
    code = window.code_panel.code()
    assert code == page.code()
    assert "KMeans(n_clusters=k, random_state=42)" in code
    assert "silhouette diagram for k=4" in code
    sweep_part = code.split("# silhouette diagram")[0]
    namespace: dict = {}
    exec(compile(sweep_part, "<show code>", "exec"), namespace)
    np.testing.assert_allclose(namespace["inertias"], page.curves["inertia"].getData()[1],
                               rtol=1e-10)
    sx, sy = page.curves["silhouette"].getData()
    np.testing.assert_allclose([namespace["silhouette_scores"][int(k)] for k in sx], sy,
                               atol=1e-10)


def test_exports(page, window, qtbot, tmp_path):
    header, rows = page.export_table()
    assert header[:5] == ["k", "inertia", "silhouette", "calinski_harabasz", "davies_bouldin"]
    assert [r[0] for r in rows] == list(range(1, 10))
    assert rows[0][2] == ""  # no silhouette for k=1
    assert [r[0] for r in rows if r[6] == 1] == [4]  # the elbow
    assert [r[0] for r in rows if r[7] == 1] == [4]  # the selection
    path = tmp_path / "scores.csv"
    with qtbot.waitSignal(window.export_csv(str(path)).finished, timeout=30_000):
        pass
    with open(path, newline="") as f:
        table = list(csv.reader(f))
    assert table[0] == header and len(table) == 10
    assert float(table[4][1]) == pytest.approx(page.result.sweep.inertias[3])
    for ext in ("png", "svg"):
        out = tmp_path / f"plots.{ext}"
        window.export_plot(str(out))
        assert out.exists() and out.stat().st_size > 5_000
    assert page.export_widget() is page.views


def test_settings_come_back(page, qtbot, window):
    with qtbot.waitSignal(page.result_drawn, timeout=TIMEOUT):
        page.k_max.setValue(7)
    from gui.pages.choose_k_page import ChooseKPage

    again = ChooseKPage(window.ctx)
    qtbot.addWidget(again)
    assert again.k_max.value() == 7
    assert again.picker.current_key() == "blobs"
