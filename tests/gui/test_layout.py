"""Classroom screens: every page fits a 1024x640 window with the code panel open, and nothing
moves under the cursor while a page is worked (stepping, labelling, ...)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QScrollArea, QTableWidget

from gui.pages import page_names
from gui.widgets.table_rows import MIN_ROWS, visible_rows
from gui.window_geometry import MINIMUM
from tests.gui.drivers import (
    ChooseKDriver,
    DataDriver,
    DBSCANDriver,
    DigitsLabellingDriver,
    DigitsPreprocessingDriver,
    GaussianMixturesDriver,
    KMeansDriver,
    PageDriver,
    SegmentationDriver,
)


def _idle(window, qtbot) -> None:
    qtbot.waitUntil(lambda: not window.tasks.busy, timeout=120_000)


def test_every_page_fits_1024x640_with_the_code_panel_open(window, open_page, qtbot):
    from PySide6.QtWidgets import QDockWidget, QMainWindow

    # the code panel is a dock the user resizes, moves, floats, tabs or closes
    features = window.code_dock.features()
    for feature in (QDockWidget.DockWidgetFeature.DockWidgetClosable,
                    QDockWidget.DockWidgetFeature.DockWidgetMovable,
                    QDockWidget.DockWidgetFeature.DockWidgetFloatable):
        assert features & feature
    assert window.dockOptions() & QMainWindow.DockOption.AllowTabbedDocks
    window.code_dock.show()
    for name in page_names():
        page = open_page(name)
        driver = PageDriver(page, qtbot)
        for title in driver.tab_titles() or [None]:
            if title is not None:
                driver.show_tab(title)
            qtbot.wait(50)  # layouts settle (the tab's own results are not waited for)
            hint, least = window.minimumSizeHint(), window.minimumSize()
            where = f"{name}{f' / {title}' if title else ''}"
            assert hint.width() <= MINIMUM.width() and hint.height() <= MINIMUM.height(), \
                f"{where}: the window's minimum size hint is {hint.toTuple()}"
            assert least.width() <= MINIMUM.width() and least.height() <= MINIMUM.height(), \
                f"{where}: the window's minimum size is {least.toTuple()}"
        assert window.code_dock.isVisible()
        window.tasks.cancel()  # what showing the tabs started
    # a page visited before does not hold the window wide: it shrinks back to the data page's
    window.show_page("data")
    qtbot.wait(50)
    assert window.minimumSizeHint().width() < 800
    _idle(window, qtbot)


@pytest.mark.parametrize("name", ["kmeans", "dbscan"])
def test_pages_work_in_a_1024x640_window(window, open_page, qtbot, name):
    """The smallest window: it stays that size, side panels' content fits their width, and
    tables show at least six rows."""
    window.code_dock.show()
    page = open_page(name)
    window.resize(MINIMUM)
    qtbot.wait(100)
    assert window.size() == MINIMUM
    driver = PageDriver(page, qtbot)
    assert driver.side_panel_fits() == []
    # the side panel's scroll bar is always there: it never comes and pushes the controls
    panels = [a for a in page.findChildren(QScrollArea) if a.widget() is not None
              and a.horizontalScrollBarPolicy() == Qt.ScrollBarPolicy.ScrollBarAlwaysOff]
    assert panels and all(a.verticalScrollBarPolicy() == Qt.ScrollBarPolicy.ScrollBarAlwaysOn
                          for a in panels)
    tables = [t for t in page.findChildren(QTableWidget) if t.isVisible()]
    for table in tables:
        assert visible_rows(table) >= MIN_ROWS, f"{name}: a table shows {visible_rows(table)} rows"
    _idle(window, qtbot)


# -- nothing moves under the cursor ---------------------------------------------------------------
def _unmoved(driver, actions) -> None:
    """Run each action and check that no control that stays shown moved or changed size."""
    driver.qtbot.wait(30)  # the opened page's layouts settle first (a page opens in turns)
    before = driver.control_geometry()
    assert before, "the page shows no controls"
    for what, action in actions:
        action()
        driver.qtbot.wait(30)  # let layouts settle
        after = driver.control_geometry()
        moved = driver.moved(before, after)
        assert not moved, f"after '{what}': " + "; ".join(moved)
        before = after


@pytest.fixture
def classroom(window, qtbot):
    """The window at a projector's 1280x720, code panel open."""
    window.code_dock.show()
    window.resize(1280, 720)
    qtbot.wait(50)
    return window


def test_kmeans_buttons_stay_put_while_stepping(classroom, open_page, qtbot):
    km = KMeansDriver.open(open_page, qtbot)
    km.set_speed(30)
    _unmoved(km, [
        ("back", km.back), ("back", km.back), ("step", km.step), ("reset", km.reset),
        ("step", km.step), ("play", lambda: (km.play(True), km.wait_converged())),
        ("back", km.back), ("chapter's X_new", km.chapter_x_new), ("clear", km.clear_new),
        ("fit", km.fit),
    ])


def test_labelling_buttons_stay_put_while_labelling(classroom, open_page, qtbot):
    lab = DigitsLabellingDriver.open(open_page, qtbot)
    _unmoved(lab, [
        ("label a digit", lambda: lab.label(0, 5)), ("undo", lab.undo), ("redo", lab.redo),
        ("fill with the chapter's labels", lambda: (lab.fill_with_chapter_labels(),
                                                    lab.wait_results())),
        ("check the truth", lambda: lab.check_truth(True)),
        ("ask me", lab.train_round), ("label the asked digits", lab.fill_from_truth),
        ("retrain", lab.retrain), ("back to the representatives",
                                   lambda: lab.show_view("representatives")),
    ])


def test_dbscan_buttons_stay_put(classroom, open_page, qtbot):
    db = DBSCANDriver.open(open_page, qtbot)
    _unmoved(db, [
        ("eps", lambda: db.set_eps(0.2)), ("suggested eps", db.use_suggested_eps),
        ("add an instance", lambda: db.add_instance(0.5, 0.25)),
        ("remove it", db.remove_instance), ("clear", db.clear_instances),
        ("chapter's four", db.chapters_instances),
    ])


def test_gaussian_mixtures_em_buttons_stay_put(classroom, open_page, qtbot):
    gm = GaussianMixturesDriver.open(open_page, qtbot)
    gm.open_em()
    _unmoved(gm, [("step", gm.step), ("step", gm.step), ("back", gm.back),
                  ("step an iteration", gm.step_iteration), ("reset", gm.reset)])


def test_other_pages_controls_stay_put(classroom, open_page, qtbot):
    data = DataDriver.open(open_page, qtbot)
    _unmoved(data, [("colour by labels", lambda: data.set_colour_by_labels(False))])
    ck = ChooseKDriver.open(open_page, qtbot)
    _unmoved(ck, [("select k=3", lambda: ck.select_k(3)), ("select k=8", lambda: ck.select_k(8)),
                  ("hover a band", lambda: ck.hover_band(3, 0))])
    seg = SegmentationDriver.open(open_page, qtbot)
    assert seg.mode() == "side" and not seg.split_enabled()  # no split line side by side
    _unmoved(seg, [("k=4", lambda: seg.set_k(4)), ("k=12", lambda: seg.set_k(12)),
                   ("click a colour", lambda: seg.click_swatch(1))])
    pre = DigitsPreprocessingDriver.open(open_page, qtbot)
    _unmoved(pre, [("standardize", lambda: (pre.set_standardize(True),
                                            pre.wait_fitted(pre.k(), True)))])
    classroom.tasks.cancel()  # the page's sweep
    _idle(classroom, qtbot)


def test_the_first_window_fits_the_screen():
    from PySide6.QtCore import QRect

    from gui.window_geometry import PREFERRED, first_run_size

    assert first_run_size(QRect(0, 0, 1920, 1050)) == PREFERRED
    laptop = first_run_size(QRect(0, 0, 1366, 738))  # 1366x768 less a 30-px panel
    assert laptop.width() <= 1366 and laptop.height() <= 738 - 40
    projector = first_run_size(QRect(0, 0, 1280, 720))
    assert projector.width() <= 1280 and projector.height() <= 720
    assert first_run_size(None) == PREFERRED
