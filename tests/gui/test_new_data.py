"""New data is shown at once (issue 15, part 6): a table opened anywhere becomes the selected
data of every page that can use it, and its points are drawn grey with "computing…" over
them before the page's result arrives."""

from __future__ import annotations

import threading

import numpy as np

from gui.widgets.scatter import PENDING_RGBA
from tests.gui.drivers import KMeansDriver

GREY = np.array(PENDING_RGBA, dtype=np.uint8)


def write_table(path, n=300, seed=0):
    rng = np.random.default_rng(seed)
    xy = np.vstack([rng.normal(c, 0.4, size=(n // 3, 2)) for c in ((-5, 8), (6, 9), (0, 15))])
    path.write_text("u,v\n" + "\n".join(f"{a:.5f},{b:.5f}" for a, b in xy) + "\n")
    return xy


def blocked(monkeypatch, module, name):
    """Make ``module.name`` wait for the returned Event before it works (on its worker)."""
    gate = threading.Event()
    original = getattr(module, name)

    def job(*args, **kwargs):
        assert gate.wait(30), "the test never released the job"
        return original(*args, **kwargs)

    job.__signature__ = __import__("inspect").signature(original)
    monkeypatch.setattr(module, name, job)
    return gate


def assert_pending(driver, xy):
    views = driver.pending_views()
    assert views, "the page names no view of its points"
    for view in views:
        assert view.pending_text() == "computing…"
        np.testing.assert_allclose(view.points(), xy, atol=1e-4)
        assert (view.point_colors() == GREY).all()


def test_a_table_opened_is_drawn_grey_on_the_kmeans_page_before_its_fit(
        window, open_page, qtbot, tmp_path, monkeypatch):
    from gui.pages.kmeans import jobs

    km = KMeansDriver.open(open_page, qtbot)
    km.wait_idle()
    gate = blocked(monkeypatch, jobs, "fit")
    path = tmp_path / "three.csv"
    xy = write_table(path)
    window.open_path(str(path))
    try:
        qtbot.waitUntil(lambda: km.pending_texts() == ["computing…"], timeout=30_000)
        assert km.selected_dataset().endswith("three.csv")
        assert_pending(km, xy)
        assert "300 points" in km.data_text() and "computing" in km.data_text()
    finally:
        gate.set()
    window.show_page("kmeans")
    qtbot.waitUntil(lambda: km.pending_texts() == [""] and not km.tasks.busy, timeout=30_000)
    assert km.fitted() and len(km.labels_shown()) == 300
    assert not (km.colors() == GREY).all(axis=1).any()
