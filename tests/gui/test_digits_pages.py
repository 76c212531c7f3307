"""The two digits pages, driven through their widgets.

References are the chapter's steps redone by hand with scikit-learn in this
module (cached once), never numbers typed in.
"""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from threadpoolctl import threadpool_limits

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
LEFT = Qt.MouseButton.LeftButton


# --------------------------------------------------------------------------- by hand


def score(X, y, X_test, y_test):
    from sklearn.linear_model import LogisticRegression

    with threadpool_limits(1):
        log_reg = LogisticRegression(max_iter=10_000, random_state=42)
        return log_reg.fit(X, y).score(X_test, y_test)


@pytest.fixture(scope="module")
def chapter():
    """Cells 56–69 of the chapter, by hand, with argmin (the closest digit)."""
    from sklearn.cluster import KMeans
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X_digits, y_digits = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X_digits, y_digits, random_state=42)
    kmeans = KMeans(n_clusters=50, random_state=42)
    X_digits_dist = kmeans.fit_transform(X_train)
    idx = X_digits_dist.argmin(axis=0)
    cache = {}

    def partial(y_reps, percentile):
        y_prop = y_reps[kmeans.labels_]
        X_cluster_dist = X_digits_dist[np.arange(len(X_train)), kmeans.labels_].copy()
        for i in range(50):
            in_cluster = kmeans.labels_ == i
            cutoff = np.percentile(X_cluster_dist[in_cluster], percentile)
            X_cluster_dist[in_cluster & (X_cluster_dist > cutoff)] = -1
        mask = X_cluster_dist != -1
        return mask, y_prop[mask]

    def results(y_reps, percentile=25):
        key = (tuple(y_reps), percentile)
        if key not in cache:
            mask, y_part = partial(y_reps, percentile)
            cache[key] = dict(
                random=score(X_train[:50], y_train[:50], X_test, y_test),
                representatives=score(X_train[idx], y_reps, X_test, y_test),
                propagated=score(X_train, y_reps[kmeans.labels_], X_test, y_test),
                partial=score(X_train[mask], y_part, X_test, y_test),
                partial_correct=(y_part == y_train[mask]).mean(),
                n_partial=int(mask.sum()))
        return cache[key]

    return dict(X_train=X_train, X_test=X_test, y_train=y_train, y_test=y_test, idx=idx,
                kmeans=kmeans, results=results)


# --------------------------------------------------------------------------- preprocessing page


def pipeline_by_hand(chapter, k, standardize=False):
    from sklearn.cluster import KMeans
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    from core.semisupervised import make_classifier

    steps = [("kmeans", KMeans(n_clusters=k, random_state=42))]
    if standardize:
        steps.append(("scaler", StandardScaler()))
    steps.append(("log_reg", make_classifier(42)))
    with threadpool_limits(1):
        pipeline = Pipeline(steps).fit(chapter["X_train"], chapter["y_train"])
        return pipeline.score(chapter["X_test"], chapter["y_test"])


def open_preprocessing(window, qtbot, lo, hi, step):
    """Create the page, set a short sweep range before it starts, then open it."""
    page = window.page("digits-preprocessing")
    page.from_spin.setValue(lo)
    page.to_spin.setValue(hi)
    page.step_spin.setValue(step)
    window.show_page("digits-preprocessing")
    page.ensure_started()
    with qtbot.waitSignal(page.result_drawn, timeout=120_000):
        pass
    return page


def test_preprocessing_page_shows_the_chapters_pipeline(window, qtbot, chapter, artifacts_dir):
    page = open_preprocessing(window, qtbot, 40, 60, 10)
    baseline = score(chapter["X_train"], chapter["y_train"], chapter["X_test"], chapter["y_test"])
    assert page.baseline == baseline
    assert f"No clustering: <b>{baseline:.4f}</b>" in page.result_label.text()
    assert page.baseline_line.value() == baseline
    # the chapter's k=50, exact: same number as by hand, marked as the chapter's
    acc50 = pipeline_by_hand(chapter, 50)
    assert page.cache[(50, False)].accuracy == acc50
    assert f"<b>{acc50:.4f}</b> ★" in page.result_label.text()
    assert "the chapter's number" in page.headline.text()
    # opening sweeps the standardized pipeline first: drawn as the orange curve
    xs, ys = page.scaled_curve.getData()
    assert xs.tolist() == [40, 50, 60]
    assert ys[2] == pipeline_by_hand(chapter, 60, standardize=True)
    # then the chapter's pipeline, in the background
    qtbot.waitUntil(lambda: page.sweep_task is None and (60, False) in page.cache,
                    timeout=120_000)
    xs, ys = page.exact_curve.getData()
    assert xs.tolist() == [40, 50, 60]
    assert ys[1] == acc50
    assert ys[2] == pipeline_by_hand(chapter, 60)
    assert page.sweep_label.text().startswith("Done (chapter's pipeline)")
    header, rows = page.export_table()
    assert header[3] == "test accuracy"
    assert [50, "no", "yes", acc50] == rows[[r[0] for r in rows].index(50)][:4]
    page.window().grab().save(str(artifacts_dir / "digits-preprocessing-swept.png"))

    # a re-run is instant: everything is cached, no task starts
    qtbot.mouseClick(page.sweep_button, LEFT)
    assert page.sweep_task is None and not window.tasks.busy
    assert "already computed" in page.sweep_label.text()


def test_preprocessing_standardize_k_and_cancel(window, qtbot, chapter):
    page = open_preprocessing(window, qtbot, 20, 40, 10)
    # the chapter's sweep started after the standardized one: cancel it
    assert page.sweep_task is not None
    qtbot.mouseClick(page.cancel_button, LEFT)
    qtbot.waitUntil(lambda: page.sweep_task is None, timeout=60_000)
    assert page.sweep_label.text().startswith("Cancelled")
    assert page.sweep_button.isEnabled() and not page.cancel_button.isEnabled()
    exact = [k for k in (20, 30, 40) if (k, False) in page.cache]
    assert len(exact) < 3  # stopped early; what was finished is kept
    assert page.exact_curve.getData()[0].tolist() == [float(k) for k in sorted(exact + [50])]

    # standardize + k = 12 through the widgets (debounced fit)
    page.standardize_check.setChecked(True)
    page.k_spin.setValue(1)  # clamped to 2: never a bad k
    assert page.k_spin.value() == 2
    page.k_spin.setValue(12)
    qtbot.waitUntil(lambda: (12, True) in page.cache, timeout=60_000)
    assert (2, True) not in page.cache  # the debounce skipped the intermediate value
    acc = pipeline_by_hand(chapter, 12, standardize=True)
    assert page.cache[(12, True)].accuracy == acc
    qtbot.waitUntil(lambda: f"k=12: <b>{acc:.4f}</b>" in page.result_label.text(),
                    timeout=10_000)
    assert "not the chapter's number" in page.result_label.text()
    assert page.cache[(12, True)].n_iter < 200
    assert 12.0 in page.scaled_curve.getData()[0].tolist()
    assert '("scaler", StandardScaler())' in page.code()
    assert "make_pipeline(12)" in page.code()

    # the standardized sweep over the same range is cached already: instant
    qtbot.mouseClick(page.sweep_button, LEFT)
    assert page.sweep_task is None and "already computed" in page.sweep_label.text()

    # clicking the chart chooses k
    vb = page.plot.plotItem.vb
    scene_pt = vb.mapViewToScene(pg_point(30, 0.95))
    view_pt = page.plot.mapFromScene(scene_pt)
    qtbot.mouseClick(page.plot.viewport(), LEFT, pos=view_pt)
    assert page.k_spin.value() == 30
    # bad sweep range: a sentence, the previous results stay
    page.from_spin.setValue(90)
    page.to_spin.setValue(20)
    qtbot.mouseClick(page.sweep_button, LEFT)
    assert "range is empty" in window.message_bar.text()
    assert (12, True) in page.cache


def pg_point(x, y):
    from PySide6.QtCore import QPointF

    return QPointF(x, y)
