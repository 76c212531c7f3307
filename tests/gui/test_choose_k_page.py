"""The Choosing k page, driven through its driver: curves, diagrams, selection, exports."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from sklearn import metrics
from sklearn.cluster import KMeans

from core.datasets import load_builtin
from gui.exports import render_image
from gui.widgets.palette import colors_for_labels, palette_rgba
from tests.gui.drivers import ChooseKDriver

TIMEOUT = 60_000


@pytest.fixture
def ck(open_page, qtbot):
    return ChooseKDriver.open(open_page, qtbot)


# --------------------------------------------------------------------------- what is drawn

def test_page_draws_the_chapters_figures(ck, window, artifacts_dir):
    blobs = load_builtin("blobs").X
    ks = np.arange(1, 10)
    inertias = [KMeans(n_clusters=k, random_state=42).fit(blobs).inertia_ for k in ks]
    x, y = ck.curve_data("inertia")
    np.testing.assert_array_equal(x, ks)
    np.testing.assert_allclose(y, inertias, rtol=1e-10)

    # The elbow is marked at k=4 (as the chapter says), with its annotation.
    ek, ey, label = ck.elbow_shown()
    assert ek == 4 and ey == pytest.approx(inertias[3], rel=1e-10)
    assert label == "Elbow"

    # Silhouette score vs k for k = 2..9, scikit-learn's values; the best (k=4) is starred.
    sx, sy = ck.curve_data("silhouette")
    np.testing.assert_array_equal(sx, ks[1:])
    labels4 = KMeans(n_clusters=4, random_state=42).fit_predict(blobs)
    assert sy[2] == pytest.approx(metrics.silhouette_score(blobs, labels4), abs=1e-10)
    assert ck.best_silhouette_starred() == [4]

    # Four diagrams, k = 3..6, each with k bands in the scatter's colours, mean as dashed line.
    assert ck.diagram_ks_shown() == [3, 4, 5, 6]
    for k in ck.diagram_ks_shown():
        d = ck.diagram(k)
        assert f"k={d.k}" in d.title
        assert d.n_bands == d.k
        assert d.band_colors == [tuple(int(v) for v in c[:3]) for c in palette_rgba(d.k)]
        i = int(np.flatnonzero(sx == d.k)[0])
        assert d.mean == pytest.approx(sy[i])
        assert d.mean_dashed
        assert d.cluster_ticks == [str(c) for c in range(d.k)]
    assert "selected" in ck.diagram(4).title

    # The selected k (the elbow) is shown: points in cluster colours, regions, centres.
    assert ck.selected_k() == 4
    np.testing.assert_array_equal(ck.scatter_colors(), colors_for_labels(labels4, 4))
    assert ck.regions_image() is not None
    centers = KMeans(n_clusters=4, random_state=42).fit(blobs).cluster_centers_
    np.testing.assert_allclose(ck.centres_shown(), centers, atol=1e-10)
    assert "k = 4" in ck.selection_text()
    assert render_image(window).save(str(artifacts_dir / "choose-k-default.png"))


def test_clicking_a_k_on_a_curve_selects_it(ck, window):
    sweep = ck.sweep()
    before = ck.scatter_colors().copy()
    ck.click_k_on_curve("silhouette", 5, float(sweep.silhouettes[sweep.index(5)]))
    assert ck.selected_k() == 5
    labels5 = sweep.labels_for(5)
    np.testing.assert_array_equal(ck.scatter_colors(), colors_for_labels(labels5, 5))
    assert not np.array_equal(before, ck.scatter_colors())
    assert all(v == 5 for v in ck.markers().values())
    assert "selected" in ck.diagram(5).title
    assert "selected" not in ck.diagram(4).title
    # the regions follow: 5 colours of regions now
    img = ck.regions_image()
    assert img is not None
    # the inertia curve too (anywhere in the plot, nearest k)
    ck.click_k_on_curve("inertia", 7.2, float(sweep.inertias[sweep.index(7)]))
    assert ck.selected_k() == 7
    assert "k=7" in window.code_panel.code()


def test_clicking_a_diagram_selects_its_k_and_hovering_shows_a_band(ck):
    ck.click_diagram(6, band=2)
    assert ck.selected_k() == 6

    args = ck.hover_band(4, 1)
    diagram = ck.sweep().diagram(4)
    assert list(args[:3]) == [4, 1, int(diagram.sizes[1])]
    text = ck.hover_text()
    assert f"{diagram.sizes[1]:,} points" in text and f"{diagram.means[1]:.3f}" in text
    widths = ck.diagram(4).band_pen_widths
    assert widths[1] == 2.0 and widths.count(2.0) == 1  # the hovered band is outlined

    # another k selected: the text of k=4's band is not left behind
    ck.select_k(5)
    assert ck.selected_k() == 5
    assert "k=4" not in ck.hover_text() and "Hover a band" in ck.hover_text()
    assert ck.diagram(4).band_pen_widths.count(2.0) == 0


def test_changing_the_k_range_restarts_the_sweep(ck, window):
    ck.set_k_range(None, 6)  # debounced: one sweep for the edit
    x, _ = ck.curve_data("inertia")
    np.testing.assert_array_equal(x, np.arange(1, 7))
    assert ck.diagram_ks_shown() == [3, 4, 5, 6]
    assert ck.sweep().elbow == 4

    ck.step_k_min_up()  # k from 2
    x, _ = ck.curve_data("inertia")
    np.testing.assert_array_equal(x, np.arange(2, 7))

    # Too narrow a range: a sentence, and the curves stay.
    ck.set_k_range(5, None, wait=False)
    ck.qtbot.waitUntil(lambda: window.message_bar.isVisible(), timeout=5000)
    assert "at least three values of k" in window.message_bar.text()
    x, _ = ck.curve_data("inertia")
    np.testing.assert_array_equal(x, np.arange(2, 7))


def test_cancelling_the_sweep_keeps_what_is_shown(ck, qtbot, window):
    before = ck.shown_result()
    ck.set_k_range(None, 30, wait=False)
    ck.sweep_now()  # skip the debounce
    assert window.tasks.busy
    ck.cancel()
    qtbot.waitUntil(lambda: not window.tasks.busy, timeout=TIMEOUT)
    assert ck.shown_result() is before
    x, _ = ck.curve_data("inertia")
    np.testing.assert_array_equal(x, np.arange(1, 10))
    assert window.status_label.text() in ("Cancelled", "Ready")


def test_diagram_ks_are_editable_and_bad_input_is_explained(ck, window):
    ck.set_diagram_ks("2, 7")
    assert ck.diagram_ks_shown() == [2, 7]
    assert ck.diagram(7).n_bands == 7

    ck.set_diagram_ks("3, four")
    assert window.message_bar.isVisible()
    assert "'four' is not a whole number" in window.message_bar.text()
    assert ck.diagram_ks_text() == "2, 7"
    assert ck.diagram_ks_shown() == [2, 7]

    ck.set_diagram_ks("3, 12")
    assert "outside the sweep's range" in window.message_bar.text()
    assert ck.diagram_ks_shown() == [3]


def test_more_scores_toggle_shows_calinski_harabasz_and_davies_bouldin(ck):
    assert not ck.curve_visible("calinski_harabasz")
    ck.set_more_scores(True)
    assert ck.curve_visible("calinski_harabasz") and ck.curve_visible("davies_bouldin")
    blobs = load_builtin("blobs").X
    labels = ck.sweep().labels_for(3)
    cx, cy = ck.curve_data("calinski_harabasz")
    dx, dy = ck.curve_data("davies_bouldin")
    np.testing.assert_array_equal(cx, np.arange(2, 10))
    assert cy[1] == pytest.approx(metrics.calinski_harabasz_score(blobs, labels), rel=1e-10)
    assert dy[1] == pytest.approx(metrics.davies_bouldin_score(blobs, labels), rel=1e-10)
    ck.click_k_on_curve("davies_bouldin", 6, float(dy[4]))
    assert ck.selected_k() == 6


def test_another_dataset_with_more_features(ck):
    ck.set_dataset("iris")
    assert ck.shown_dataset() == "iris"
    iris = load_builtin("iris").X
    x, y = ck.curve_data("inertia")
    assert y[2] == pytest.approx(KMeans(3, random_state=42).fit(iris).inertia_, rel=1e-10)
    assert ck.regions_image() is None
    assert "principal components" in ck.scatter_note()
    assert ck.scatter_points().shape == (150, 2)
    assert ck.selected_k() == ck.sweep().elbow


def test_a_dataset_too_small_for_the_k_range_is_explained_and_nothing_is_lost(ck, qtbot,
                                                                              window):
    from core.datasets import Dataset

    before = ck.shown_result()
    tiny = Dataset(name="tiny.csv", X=np.arange(10.0).reshape(5, 2), key="file:/tmp/tiny.csv")
    window.ctx.add_dataset(tiny)
    ck.set_dataset("file:/tmp/tiny.csv", wait=False)
    qtbot.waitUntil(lambda: window.message_bar.isVisible(), timeout=TIMEOUT)
    qtbot.waitUntil(lambda: not window.tasks.busy, timeout=TIMEOUT)
    assert "k=9 is more clusters than the 5 points" in window.message_bar.text()
    assert ck.shown_result() is before
    assert ck.dataset() == "blobs"
    np.testing.assert_array_equal(ck.curve_data("inertia")[0], np.arange(1, 10))


# --------------------------------------------------------------------------- Use this k

def test_use_this_k_sends_k_and_dataset_to_the_kmeans_page(ck, qtbot, window):
    ck.click_k_on_curve("silhouette", 5, 0.6)
    enabled, tip = ck.use_button()
    assert enabled
    assert "k=5" in tip
    with qtbot.waitSignal(window.ctx.navigate_requested, timeout=2000) as blocker:
        ck.use_this_k()
    assert blocker.args == ["kmeans", {"n_clusters": 5, "dataset": "blobs"}]
    assert window.current_page() is window.pages["kmeans"]
    assert ck.kmeans_page_shows() == (5, "blobs")
    ck.wait_kmeans_fitted(5)


def test_apply_params_selects_a_k(ck):
    ck.select_k(6)
    assert ck.selected_k() == 6


# --------------------------------------------------------------------------- code and exports

def test_show_code_reproduces_the_curves(ck, window):
    code = window.code_panel.code()
    assert code == ck.code()
    assert "KMeans(n_clusters=k, random_state=42)" in code
    assert "silhouette diagrams (Diagrams for k: 3, 4, 5, 6)" in code
    sweep_part = code.split("# silhouette diagrams")[0]
    namespace: dict = {}
    exec(compile(sweep_part, "<show code>", "exec"), namespace)
    np.testing.assert_allclose(namespace["inertias"], ck.curve_data("inertia")[1], rtol=1e-10)
    sx, sy = ck.curve_data("silhouette")
    np.testing.assert_allclose([namespace["silhouette_scores"][int(k)] for k in sx], sy,
                               atol=1e-10)


def test_exports(ck, window, qtbot, tmp_path):
    header, rows = ck.export_table()
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
    assert float(table[4][1]) == pytest.approx(ck.sweep().inertias[3])
    for ext in ("png", "svg"):
        out = tmp_path / f"plots.{ext}"
        window.export_plot(str(out))
        assert out.exists() and out.stat().st_size > 5_000
    assert ck.exports_the_views()


def test_settings_come_back(ck):
    ck.set_k_range(None, 7)
    again = ck.reopened_controls()
    assert again["k_max"] == 7
    assert again["dataset"] == "blobs"


def test_diagrams_are_redrawn_right_after_a_new_sweep(ck):
    ck.set_diagram_ks("2, 3, 4, 5, 6")
    ck.set_k_range(None, 7)  # the diagrams' plots are reused for the new result
    assert ck.diagram_ks_shown() == [2, 3, 4, 5, 6]
    sweep = ck.sweep()
    for k in (2, 3, 4, 5, 6):
        d = ck.diagram(k)
        assert d.n_bands == k and d.cluster_ticks == [str(c) for c in range(k)]
        assert d.mean == pytest.approx(sweep.silhouettes[sweep.index(k)])
        assert ("selected" in d.title) == (k == ck.selected_k())
    ck.set_diagram_ks("5")
    assert ck.diagram_ks_shown() == [5]


def test_seed_and_sample_restart_the_sweep(ck):
    ck.set_seed(3)
    assert ck.sweep().random_state == 3
    blobs = load_builtin("blobs").X
    x, y = ck.curve_data("inertia")
    assert y[2] == pytest.approx(KMeans(3, random_state=3).fit(blobs).inertia_, rel=1e-10)
    ck.set_sample(True, 500)  # 2 000 points > 500: silhouettes on a sample of 500 rows
    assert ck.sweep().sample_size == 500
    assert "500 of the 2,000 points" in ck.scatter_note()
    ck.set_sample(False)
    assert ck.sweep().sample_size is None and ck.scatter_note() == ""
    ck.set_sample(False)  # nothing changes: returns at once


def test_sklearns_warnings_of_the_sweep_are_an_explanation(ck, qtbot, window, capsys):
    from core.datasets import Dataset

    X = np.repeat(np.array([[0.0, 0.0], [5.0, 5.0], [9.0, 0.0], [4.0, 8.0]]), 5, axis=0)
    window.ctx.add_dataset(Dataset(name="four points", X=X, key="four"))
    ck.set_dataset("four")
    qtbot.waitUntil(lambda: window.message_bar.isVisible(), timeout=TIMEOUT)
    assert ck.dataset() == "four"
    assert window.message_bar.level == "warning"
    assert "k=5: Number of distinct clusters (4) found smaller than n_clusters (5)" in \
        window.message_bar.text()
    np.testing.assert_array_equal(ck.curve_data("inertia")[0], np.arange(1, 10))
    assert "ConvergenceWarning" not in capsys.readouterr().err
