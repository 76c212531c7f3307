"""The Digits: preprocessing page, driven through DigitsPreprocessingDriver.

References are the chapter's pipeline redone by hand with scikit-learn in this
module, never numbers typed in.
"""

from __future__ import annotations

import pytest
from threadpoolctl import threadpool_limits

from gui.exports import render_image
from gui.pages.digits_preprocessing.snippets import pipeline_code
from tests.gui.drivers import DigitsPreprocessingDriver


@pytest.fixture(scope="module")
def chapter():
    """The chapter's split of the digits, by hand."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X_digits, y_digits = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X_digits, y_digits, random_state=42)
    return dict(X_train=X_train, X_test=X_test, y_train=y_train, y_test=y_test)


def score(X, y, X_test, y_test):
    from sklearn.linear_model import LogisticRegression

    with threadpool_limits(1):
        log_reg = LogisticRegression(max_iter=10_000, random_state=42)
        return log_reg.fit(X, y).score(X_test, y_test)


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
    """Set a short sweep range before the page starts, then open it."""
    return DigitsPreprocessingDriver.open_with_range(window, qtbot, lo, hi, step)


def test_preprocessing_page_shows_the_chapters_pipeline(window, qtbot, chapter, artifacts_dir):
    d = open_preprocessing(window, qtbot, 40, 60, 10)
    baseline = score(chapter["X_train"], chapter["y_train"], chapter["X_test"], chapter["y_test"])
    assert d.export_table()[1][0][3] == baseline  # the page's baseline
    assert f"No clustering: <b>{baseline:.4f}</b>" in d.result_text()
    assert d.baseline_shown() == baseline
    # the chapter's k=50, exact: same number as by hand, marked as the chapter's
    acc50 = pipeline_by_hand(chapter, 50)
    assert d.fitted(50, False).accuracy == acc50
    assert f"<b>{acc50:.4f}</b> ★" in d.result_text()
    assert "the chapter's number" in d.headline_text()
    # opening sweeps the standardized pipeline first: drawn as the orange curve
    shown = d.accuracies_shown(standardize=True)
    assert list(shown) == [40, 50, 60]
    assert shown[60] == pipeline_by_hand(chapter, 60, standardize=True)
    # then the chapter's pipeline, in the background
    qtbot.waitUntil(lambda: not d.sweep_running() and d.fitted(60, False) is not None,
                    timeout=120_000)
    shown = d.accuracies_shown()
    assert list(shown) == [40, 50, 60]
    assert shown[50] == acc50
    assert shown[60] == pipeline_by_hand(chapter, 60)
    assert d.sweep_text().startswith("Done (chapter's pipeline)")
    header, rows = d.export_table()
    assert header[3] == "test accuracy"
    assert [50, "no", "yes", acc50] == rows[[r[0] for r in rows].index(50)][:4]
    render_image(window).save(str(artifacts_dir / "digits-preprocessing-swept.png"))
    # the chapter's printed values stand clear of the legend, in a window as small as a
    # laptop's (at the top right, k=88's ★ sat right under its last entry, like one more)
    window.resize(1280, 720)
    qtbot.wait(100)  # (laid out again)
    assert d.marks_near_legend() == []

    # a re-run is instant: everything is cached, no task starts
    d.run_sweep(wait=False)
    assert not d.sweep_running() and not window.tasks.busy
    assert "already computed" in d.sweep_text()


def test_preprocessing_standardize_k_and_cancel(window, qtbot, chapter):
    d = open_preprocessing(window, qtbot, 20, 40, 10)
    # the chapter's sweep started after the standardized one: cancel it
    assert d.sweep_running()
    d.cancel_sweep()
    d.wait_sweep_over(timeout=60_000)
    assert d.sweep_text().startswith("Cancelled")
    assert d.can_run_sweep() and not d.can_cancel()
    exact = [k for k in (20, 30, 40) if d.fitted(k, False) is not None]
    assert len(exact) < 3  # stopped early; what was finished is kept
    assert list(d.accuracies_shown()) == sorted(exact + [50])

    # standardize + k = 12 through the widgets (debounced fit)
    d.set_standardize(True)
    d.set_k(1)  # clamped to 2: never a bad k
    assert d.k() == 2
    d.set_k(12)
    d.wait_fitted(12, True, timeout=60_000)
    assert d.fitted(2, True) is None  # the debounce skipped the intermediate value
    acc = pipeline_by_hand(chapter, 12, standardize=True)
    assert d.fitted(12, True).accuracy == acc
    qtbot.waitUntil(lambda: f"k=12: <b>{acc:.4f}</b>" in d.result_text(), timeout=10_000)
    assert "not the chapter's number" in d.result_text()
    assert d.fitted(12, True).n_iter < 200
    assert 12 in d.accuracies_shown(standardize=True)
    assert '("scaler", StandardScaler())' in d.code()
    assert "make_pipeline(12)" in d.code()

    # the standardized sweep over the same range is cached already: instant
    d.run_sweep(wait=False)
    assert not d.sweep_running() and "already computed" in d.sweep_text()

    # clicking the chart chooses k
    d.click_chart(30, 0.95)
    assert d.k() == 30
    # bad sweep range: a sentence, the previous results stay
    d.set_range(90, 20, 10)
    d.run_sweep(wait=False)
    assert "range is empty" in window.message_bar.text()
    assert d.fitted(12, True) is not None


def test_the_controls_survive_a_restart(qtbot):
    from gui.app import MainWindow, create_app

    create_app()
    first = MainWindow()
    qtbot.addWidget(first)
    d = DigitsPreprocessingDriver(first.page("digits-preprocessing"), qtbot)
    assert (d.k(), d.standardize(), d.sweep_range()) == (50, False, (10, 150, 10))  # defaults
    d.set_k(88)
    d.set_standardize(True)
    d.set_range(20, 60, 5)
    first.close()
    second = MainWindow()
    qtbot.addWidget(second)
    d2 = DigitsPreprocessingDriver(second.page("digits-preprocessing"), qtbot)
    assert (d2.k(), d2.standardize(), d2.sweep_range()) == (88, True, (20, 60, 5))
    assert "make_pipeline(88)" in d2.code() and "range(20, 61, 5)" in d2.code()
    second.close()


def test_the_snippet_runs_as_printed(chapter, capsys):
    """The "Show code" text, executed (standardized and with a short range, so it is quick)."""
    code = pipeline_code(12, True, 8, 16, 8)
    with threadpool_limits(1):
        exec(compile(code, "<show code>", "exec"), {"__name__": "snippet"})
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"no clustering: {score(**_args(chapter)):.4f}"
    assert out[1] == f"accuracy k=12: {pipeline_by_hand(chapter, 12, standardize=True):.4f}"
    assert [line.split(":")[0] for line in out[2:]] == ["accuracy k=8", "accuracy k=16"]
    assert out[3] == f"accuracy k=16: {pipeline_by_hand(chapter, 16, standardize=True):.4f}"


def _args(chapter):
    return dict(X=chapter["X_train"], y=chapter["y_train"], X_test=chapter["X_test"],
                y_test=chapter["y_test"])


def test_opening_with_an_empty_range_draws_the_first_fit_and_says_why_nothing_sweeps(qtbot):
    from tests.gui.drivers import open_window

    window = open_window(qtbot)
    d = DigitsPreprocessingDriver(window.page("digits-preprocessing"), qtbot)
    d.set_range(90, 20, 10)  # saved by an earlier visit: the opening sweeps have no k
    window.show_page(d.page_name)
    d.page.ensure_started()
    d.wait_fitted(50, False, timeout=120_000)
    fit = d.fitted(50, False)
    # the chosen k's fit is drawn, though no sweep follows it to draw it
    qtbot.waitUntil(lambda: f"{fit.accuracy:.4f}" in d.result_text())
    assert f"{fit.accuracy:.4f}" in d.headline_text()
    assert d.accuracies_shown(False) == {50: pytest.approx(fit.accuracy)}
    assert "range is empty" in window.message_bar.text()
    assert d.can_run_sweep() and not d.sweep_running()
    window.close()
