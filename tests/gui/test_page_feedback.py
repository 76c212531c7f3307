"""Feedback belongs to its page: messages, the status bar's task line, what stops on leaving."""

from __future__ import annotations

import threading

from PySide6.QtCore import Qt

from core.errors import DataError
from core.progress import report
from tests.gui.drivers import DBSCANDriver

TIMEOUT = 30_000


def _gated(gate: threading.Event, error: str | None = None):
    def job(progress=None):
        for i in range(1000):
            if gate.wait(0.01):
                break
            report(progress, min(i / 100, 0.9))
        if error:
            raise DataError(error)
        return "done"
    return job


def _nav_item(window, name: str):
    for row in range(window.nav.count()):
        item = window.nav.item(row)
        if item.data(Qt.ItemDataRole.UserRole) == name:
            return item
    raise KeyError(name)


def test_messages_stay_on_their_page(window, open_page, qtbot):
    dbscan = open_page("dbscan")
    qtbot.waitUntil(lambda: not window.tasks.busy, timeout=TIMEOUT)
    gate = threading.Event()
    task = dbscan.run_task(_gated(gate, "The DBSCAN page's test data is broken."),
                           key="test", description="Testing…")
    open_page("data")  # the error arrives while the Data page is shown
    with qtbot.waitSignal(task.finished, timeout=TIMEOUT):
        gate.set()
    assert "test data is broken" not in window.message_bar.text() or \
        not window.message_bar.isVisible()
    nav_item = _nav_item(window, "dbscan")
    blank = _nav_item(window, "kmeans").icon().pixmap(16).toImage()
    assert nav_item.icon().pixmap(16).toImage() != blank  # the DBSCAN page has a message

    # a message said on the Data page is the Data page's
    window.show_message("A note about the data.", "warning")
    assert window.message_bar.isVisible() and "note about the data" in window.message_bar.text()

    window.show_page("dbscan")  # going back shows the page's own message again
    assert window.message_bar.isVisible() and window.message_bar.level == "error"
    assert "test data is broken" in window.message_bar.text()
    window.show_page("data")
    assert "note about the data" in window.message_bar.text()
    window.show_page("dbscan")
    # (Esc cancels the page's running work first: wait until the page saved its work)
    qtbot.waitUntil(lambda: not window.tasks.busy, timeout=TIMEOUT)
    qtbot.keyClick(window, Qt.Key.Key_Escape)  # dismissed: gone for good
    assert not window.message_bar.isVisible()
    assert nav_item.icon().pixmap(16).toImage() == blank
    window.show_page("data")
    window.show_page("dbscan")
    assert not window.message_bar.isVisible()


def test_a_task_shows_its_page_and_runs_on_elsewhere(window, open_page, qtbot):
    dbscan = open_page("dbscan")
    qtbot.waitUntil(lambda: not window.tasks.busy, timeout=TIMEOUT)
    gate = threading.Event()
    results = []
    task = dbscan.run_task(_gated(gate), key="sweep", description="A long sweep…",
                           on_result=results.append)
    status = window.task_status
    qtbot.waitUntil(lambda: window.progress.value() > 0, timeout=TIMEOUT)
    assert window.status_label.text() == "DBSCAN: A long sweep…"  # names its page
    assert window.cancel_button.isVisible()

    open_page("data")
    qtbot.waitUntil(lambda: not any(t.key.startswith("data:")
                                    for t in window.tasks.active_tasks()), timeout=TIMEOUT)
    # on another page: neither its status nor its Cancel, but a note that it runs on
    assert not window.cancel_button.isVisible() and not window.progress.isVisible()
    assert "sweep" not in window.status_label.text()
    assert status.elsewhere.isVisible() and "DBSCAN" in status.elsewhere.text()
    assert task.state == "running"  # a long sweep the user started is kept
    qtbot.keyClick(window, Qt.Key.Key_Escape)  # Esc on this page cancels nothing
    assert task.state == "running"

    qtbot.mouseClick(status.elsewhere, Qt.MouseButton.LeftButton)  # back to its page
    assert window.current_page() is dbscan
    assert window.cancel_button.isVisible() and window.status_label.text().startswith("DBSCAN:")
    assert not status.elsewhere.isVisible()
    with qtbot.waitSignal(task.finished, timeout=TIMEOUT):
        gate.set()
    assert results == ["done"]
    # (the page may save its work meanwhile: "Ready" once nothing runs)
    qtbot.waitUntil(lambda: not window.tasks.busy, timeout=TIMEOUT)
    assert window.status_label.text() == "Ready"


def test_hover_work_stops_when_leaving_the_page(window, open_page, qtbot):
    d = DBSCANDriver.open(open_page, qtbot)
    d.wait_idle()
    x, y = d.view_coords()[0]
    d.hover(x, y)
    qtbot.waitUntil(lambda: d.hover_text() != "", timeout=TIMEOUT)
    window.show_page("data")
    assert d.hover_text() == "" and not d.neighbourhood_shown()
    assert not any(t.key == "dbscan:hover" for t in window.tasks.active_tasks())


def test_saving_the_users_work_cannot_be_cancelled_and_esc_dismisses_the_message(
        window, open_page, qtbot):
    """A save under way (the DBSCAN instances, the hand labels) is shown, without Cancel;
    Esc leaves it alone and dismisses the message instead (it cancelled the save)."""
    dbscan = open_page("dbscan")
    qtbot.waitUntil(lambda: not window.tasks.busy, timeout=TIMEOUT)
    window.show_message("A note to dismiss.", "warning")
    gate = threading.Event()
    results = []
    # (its own key: the page's autosave, on "save", would supersede it)
    task = dbscan.run_task(_gated(gate), key="test-save", description="Saving the page's work…",
                           on_result=results.append, user_cancellable=False)
    qtbot.waitUntil(lambda: task.fraction > 0 and window.task_status.shown_task() is task,
                    timeout=TIMEOUT)
    window.task_status.refresh()
    assert window.status_label.text() == "DBSCAN: Saving the page's work…"
    assert not window.cancel_button.isVisible()
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert not task.is_cancelled and task.state == "running"
    assert not window.message_bar.isVisible()
    window.task_status.cancel_shown()  # (what the Cancel button would do: nothing here)
    assert not task.is_cancelled
    with qtbot.waitSignal(task.finished, timeout=TIMEOUT):
        gate.set()
    assert results == ["done"]
