"""New data is shown at once (issue 15, part 6): a table opened anywhere becomes the selected
data of every page that can use it, and its points are drawn grey with "computing…" over
them before the page's result arrives."""

from __future__ import annotations

import threading

import numpy as np

from gui import tasks
from gui.widgets.scatter import PENDING_RGBA
from tests.gui.drivers import (
    ChooseKDriver,
    DataDriver,
    DBSCANDriver,
    GaussianMixturesDriver,
    KMeansDriver,
)

GREY = np.array(PENDING_RGBA, dtype=np.uint8)


def write_table(path, n=300, seed=0):
    rng = np.random.default_rng(seed)
    xy = np.vstack([rng.normal(c, 0.4, size=(n // 3, 2)) for c in ((-5, 8), (6, 9), (0, 15))])
    path.write_text("u,v\n" + "\n".join(f"{a:.5f},{b:.5f}" for a, b in xy) + "\n")
    return xy


def blocked(monkeypatch, module, name):
    """Make ``module.name`` wait for the returned Event before it works, on a worker thread
    (cheap work would otherwise run inline, on the GUI thread)."""
    monkeypatch.setattr(tasks, "INLINE_COST", 0)
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


def test_every_page_selects_an_opened_table_and_draws_it_before_its_result(
        window, open_page, qtbot, tmp_path, monkeypatch):
    """Open a table on the Data page: K-Means, Choosing k, DBSCAN and Gaussian mixtures (built
    before) select it and draw its points grey, with "computing…", while their work is held;
    released, each draws its result on them."""
    from gui.pages.choose_k import jobs as choose_k_jobs
    from gui.pages.dbscan import jobs as dbscan_jobs
    from gui.pages.gaussian_mixtures import jobs as gm_jobs
    from gui.pages.kmeans import jobs as kmeans_jobs

    drivers = [cls.open(open_page, qtbot) for cls in
               (KMeansDriver, ChooseKDriver, DBSCANDriver, GaussianMixturesDriver)]
    for d in drivers:
        d.wait_idle()
    gates = [blocked(monkeypatch, kmeans_jobs, "fit"), blocked(monkeypatch, choose_k_jobs, "sweep"),
             blocked(monkeypatch, dbscan_jobs, "dbscan"), blocked(monkeypatch, gm_jobs, "fit")]
    data = DataDriver.open(open_page, qtbot)
    path = tmp_path / "opened.csv"
    xy = write_table(path, n=450, seed=3)
    try:
        data.open_file(path, timeout=30_000)
        assert data.dataset_key().endswith("opened.csv")
        for d in drivers:
            assert d.selected_dataset() == data.dataset_key(), d.page_name
            window.show_page(d.page_name)
            qtbot.waitUntil(lambda d=d: "computing…" in d.pending_texts(), timeout=30_000)
            assert_pending(d, xy)
        # the side panels say which data it is (not the old "1,000 points" summary)
        assert "450 points" in drivers[0].data_text() and "computing" in drivers[0].data_text()
        assert "450 points" in drivers[2].summary() and "computing" in drivers[2].summary()
    finally:
        for gate in gates:
            gate.set()
    for d in drivers:
        window.show_page(d.page_name)
        qtbot.waitUntil(lambda d=d: not d.tasks.busy and not any(d.pending_texts()),
                        timeout=60_000)
        for view in d.pending_views():
            assert len(view.points()) and not (view.point_colors() == GREY).all(), d.page_name


def test_a_page_first_shown_after_a_table_was_opened_selects_it(
        window, open_page, qtbot, tmp_path):
    data = DataDriver.open(open_page, qtbot)
    path = tmp_path / "later.csv"
    write_table(path, n=90, seed=5)
    data.open_file(path, timeout=30_000)
    km = KMeansDriver.open(open_page, qtbot)
    qtbot.waitUntil(lambda: km.fitted() and len(km.labels_shown()) == 90, timeout=30_000)
    assert km.selected_dataset() == data.dataset_key()
    km.wait_idle()


def test_a_page_built_after_a_table_was_opened_asks_for_its_work_once(
        window, open_page, qtbot, tmp_path, monkeypatch):
    """Its picker takes up the opened table and asks for the page's work on it; the page's
    start does not ask a second time (on the table it showed before, or on the same one:
    a K-Means fit begun and cancelled, a Gaussian mixture fitted twice)."""
    import inspect

    from gui.pages.choose_k import jobs as choose_k_jobs
    from gui.pages.dbscan import jobs as dbscan_jobs
    from gui.pages.gaussian_mixtures import jobs as gm_jobs
    from gui.pages.kmeans import jobs as kmeans_jobs

    data = DataDriver.open(open_page, qtbot)
    path = tmp_path / "once.csv"
    write_table(path, n=120, seed=7)
    data.open_file(path, timeout=30_000)
    asked: dict[str, list[str]] = {}

    def counted(page, module, name, key_of):
        original = getattr(module, name)

        def job(*args, **kwargs):
            asked.setdefault(page, []).append(key_of(args))
            return original(*args, **kwargs)

        job.__signature__ = inspect.signature(original)
        monkeypatch.setattr(module, name, job)

    counted("kmeans", kmeans_jobs, "fit", lambda a: a[1].key)
    counted("choose-k", choose_k_jobs, "sweep", lambda a: a[1])
    counted("dbscan", dbscan_jobs, "load", lambda a: a[1])
    counted("gaussian-mixtures", gm_jobs, "fit", lambda a: a[1])
    for cls in (KMeansDriver, ChooseKDriver, DBSCANDriver, GaussianMixturesDriver):
        d = cls.open(open_page, qtbot)
        d.wait_idle()
        assert d.selected_dataset() == data.dataset_key(), d.page_name
        assert asked[d.page_name] == [data.dataset_key()], d.page_name


def test_a_failed_fit_puts_back_the_data_it_had(window, open_page, qtbot, tmp_path,
                                                monkeypatch):
    """New data drawn grey whose work fails: the page shows what it showed before, without
    "computing…"."""
    from gui.pages.kmeans import jobs

    km = KMeansDriver.open(open_page, qtbot)
    km.wait_idle()
    before = km.points_shown().copy()

    def broken(*args, **kwargs):
        raise MemoryError("no room")

    monkeypatch.setattr(jobs, "fit", broken)
    path = tmp_path / "fails.csv"
    write_table(path, n=60)
    window.open_path(str(path))
    qtbot.waitUntil(lambda: window.message_bar.isVisible() and not km.tasks.busy,
                    timeout=30_000)
    qtbot.waitUntil(lambda: not any(km.pending_texts()), timeout=10_000)
    np.testing.assert_allclose(km.points_shown(), before)


def test_a_table_read_again_with_other_labels_leaves_the_other_pages_data(
        window, open_page, qtbot, tmp_path):
    """Choosing another labels column reads the table again: the pages that show it draw it
    again, a page the user moved to other data keeps it."""
    km = KMeansDriver.open(open_page, qtbot)
    data = DataDriver.open(open_page, qtbot)
    path = tmp_path / "sites.csv"
    rng = np.random.default_rng(1)
    rows = [f"{a:.3f},{b:.3f},{'red' if a > 0 else 'blue'},{'n' if b > 0 else 's'}"
            for a, b in rng.normal(size=(60, 2))]
    path.write_text("a,b,species,site\n" + "\n".join(rows) + "\n")
    data.open_file(path, wait=False)
    qtbot.waitUntil(lambda: window.message_bar.action_labels() == ["Ignore text columns"],
                    timeout=30_000)
    data.wait_drawn(lambda: window.message_bar.trigger_action("Ignore text columns"),
                    timeout=30_000)
    assert km.selected_dataset() == data.dataset_key()
    km.set_dataset("moons")
    data.set_labels_column("site")
    assert data.labels_column() == "site"
    km.wait_idle()
    assert km.selected_dataset() == "moons" and len(km.labels_shown()) == 1000


def test_a_step_drawn_while_the_view_shows_other_points_draws_its_own_points_back(
        window, open_page, qtbot):
    """The long monkey's find: a K-Means step of the digits arrived while the view showed a
    1,000-point table grey, and its 1,797 colours were given to the 1,000 points (ValueError).
    A frame is drawn on its own data's points, whatever the view was given meanwhile (the page
    draws the preview of new data over them again while one is active)."""
    km = KMeansDriver.open(open_page, qtbot)
    km.wait_idle()
    view = km.pending_views()[0]
    own = view.points().copy()
    other = np.random.default_rng(3).normal(size=(len(own) // 2 + 30, 2))
    view.show_pending(other)  # other points drawn grey over the view, as gui/preview.py does
    km.back()  # a step (back) of the page's data arrives
    np.testing.assert_array_equal(view.points(), own)
    assert not (view.point_colors() == GREY).all() and view.pending_text() == ""
    assert len(km.labels_shown()) == len(own)
