"""Feedback that belongs to its page: the message bar and the status bar's task line.

A message belongs to the page that said it (:meth:`gui.context.AppContext.speaking_for`):
the bar shows the message of the page on screen, and going back to a page shows its
message again until it is dismissed; a page with a waiting error or warning has a mark in
the navigation list. A background task belongs to the page whose key it carries
(``"<page>:<key>"``): the status bar names that page, and its progress and Cancel button
are shown on that page only. Work of other pages runs on (each page decides what stops
when the user leaves it, :meth:`gui.pages.base.Page.leave`); a button in the status bar
says which pages are still working, and takes the user there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, QSize, Qt
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QStatusBar,
    QStyle,
    QWidget,
)

from gui.tasks import Task, TaskRunner
from gui.widgets.message_bar import MessageBar


@dataclass
class Message:
    text: str
    level: str
    actions: list = field(default_factory=list)
    detail: str = ""


class UndoBar(QWidget):
    """What the last destructive action did, with its Undo button, in the status bar (its
    height is the Cancel button's, so nothing above it moves when it shows)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self._text = QLabel()
        self._text.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self._text.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self._undo = QPushButton("Undo")
        self._undo.setToolTip("Put back what this action replaced or removed")
        self._close = QPushButton("×")
        self._close.setFlat(True)
        self._close.setToolTip("Hide this note")
        self._close.setFixedWidth(self._close.sizeHint().height())
        layout.addWidget(self._text, 1)
        layout.addWidget(self._undo)
        layout.addWidget(self._close)
        self._callback: Callable[[], None] | None = None
        self._undo.clicked.connect(self._undo_clicked)
        self._close.clicked.connect(self.done)
        self.on_done: Callable[[], None] = lambda: None
        self.hide()

    def show_note(self, text: str, callback: Callable[[], None]) -> None:
        self._text.setText(text)
        self._text.setToolTip(text)
        self._callback = callback
        self.show()

    def text(self) -> str:
        return self._text.text()

    def action_labels(self) -> list[str]:
        return ["Undo"] if self.isVisible() else []

    def trigger_action(self, label: str) -> None:
        if label != "Undo" or not self.isVisible():
            raise KeyError(label)
        self._undo.click()

    def _undo_clicked(self) -> None:
        callback = self._callback
        self.done()
        if callback is not None:
            callback()

    def done(self) -> None:
        """The note was used or closed: gone (for its page too)."""
        self._callback = None
        self.hide()
        self.on_done()


class PageMessages(QObject):
    """The message bar, one message per page; and the Undo note of each page."""

    def __init__(self, bar: MessageBar, nav: QListWidget, current: Callable[[], str | None],
                 undo_bar: UndoBar | None = None, parent=None):
        super().__init__(parent)
        self.bar = bar
        self.undo_bar = undo_bar
        self._undo: dict[str, Message] = {}
        if undo_bar is not None:
            undo_bar.on_done = lambda: self._undo.pop(self._current() or "", None)
        self.nav = nav
        self._current = current
        self._messages: dict[str, Message] = {}
        self._showing: str | None = None  # the page whose message the bar shows
        bar.closed.connect(self._dismissed)
        # every page name has room for the mark, so no name moves when one appears
        if not nav.iconSize().isValid() or nav.iconSize().width() <= 0:
            nav.setIconSize(QSize(12, 12))
        blank = QPixmap(nav.iconSize())
        blank.fill(Qt.GlobalColor.transparent)
        self._blank = QIcon(blank)
        for row in range(nav.count()):
            nav.item(row).setIcon(self._blank)

    def post(self, text: str, level: str = "error", actions=None, detail: str = "",
             page: str | None = None) -> None:
        """Keep ``text`` as ``page``'s message (default: the page shown), and show it if that
        page is on screen."""
        page = page or self._current() or ""
        if level == "undo" and self.undo_bar is not None:  # (actions: [("Undo", callback)])
            self._undo[page] = Message(text, level, list(actions or []), detail)
            if page == (self._current() or ""):
                self._show_undo(page)
            return
        self._messages[page] = Message(text, level, list(actions or []), detail)
        self._mark(page)
        if page == (self._current() or ""):
            self._show(page)

    def message(self, page: str) -> Message | None:
        """The message waiting for ``page`` (shown when the page is)."""
        return self._messages.get(page)

    def _show_undo(self, page: str) -> None:
        m = self._undo.get(page)
        if m is None:
            self.undo_bar._callback = None
            self.undo_bar.hide()
        else:
            self.undo_bar.show_note(m.text, m.actions[0][1])

    def page_shown(self, page: str) -> None:
        """The window shows ``page``: its message, or none."""
        if self.undo_bar is not None:
            self._show_undo(page)
        if page in self._messages:
            self._show(page)
        else:
            self._showing = None
            self.bar.put_away()

    def _show(self, page: str) -> None:
        m = self._messages[page]
        self._showing = page
        self.bar.show_message(m.text, m.level, m.actions, detail=m.detail)

    def _dismissed(self) -> None:
        if self._showing is not None:
            self._messages.pop(self._showing, None)
            self._mark(self._showing)
            self._showing = None

    def _mark(self, page: str) -> None:
        """A warning sign in the navigation list beside a page with an error or a warning."""
        m = self._messages.get(page)
        for row in range(self.nav.count()):
            item = self.nav.item(row)
            if item.data(Qt.ItemDataRole.UserRole) == page:
                if m is not None and m.level in ("error", "warning"):
                    kind = (QStyle.StandardPixmap.SP_MessageBoxCritical if m.level == "error"
                            else QStyle.StandardPixmap.SP_MessageBoxWarning)
                    item.setIcon(self.nav.style().standardIcon(kind))
                    item.setStatusTip(m.text)
                else:
                    item.setIcon(self._blank)
                return


class TaskStatus(QObject):
    """The status bar's task line: the shown page's task (named by its page), its progress
    and Cancel; and a button naming the other pages still working."""

    def __init__(self, status_bar: QStatusBar, tasks: TaskRunner, titles: dict[str, str],
                 current: Callable[[], str | None], go_to: Callable[[str], object],
                 parent=None):
        super().__init__(parent)
        self.tasks = tasks
        self.titles = titles
        self._current = current
        self._go_to = go_to
        self._outcome: dict[str, str] = {}  # page -> "Ready" / "Cancelled" after its last task
        self.label = QLabel("Ready")
        self.elsewhere = QPushButton()
        self.elsewhere.setFlat(True)  # (a push button, the Cancel's height: nothing moves)
        self.elsewhere.setToolTip("Work of another page runs on in the background; click to "
                                  "go to that page (its progress and Cancel are there).")
        self.elsewhere.clicked.connect(self._go_elsewhere)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setMaximumWidth(260)
        self.progress.setTextVisible(False)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop this page's running computation (Esc)")
        self.cancel_button.clicked.connect(self.cancel_shown)
        status_bar.addWidget(self.label, 1)
        self.undo_bar = UndoBar()
        status_bar.addWidget(self.undo_bar, 2)
        status_bar.addPermanentWidget(self.elsewhere)
        status_bar.addPermanentWidget(self.progress)
        status_bar.addPermanentWidget(self.cancel_button)
        self.elsewhere.hide()
        self.progress.hide()
        self.cancel_button.hide()
        self._elsewhere_page: str | None = None
        tasks.task_started.connect(self._started)
        tasks.task_finished.connect(self._finished)

    # -- which page a task is for -------------------------------------------------------------
    def page_of(self, task: Task) -> str | None:
        """The page whose task this is (its key's prefix), or None for the window's own."""
        prefix = task.key.split(":", 1)[0] if ":" in task.key else ""
        return prefix if prefix in self.titles else None

    def describe(self, task: Task) -> str:
        """The status line: the task's description, after its page's title."""
        page = self.page_of(task)
        return f"{self.titles[page]}: {task.description}" if page else task.description

    def _visible(self, task: Task) -> bool:
        page = self.page_of(task)
        return page is None or page == self._current()

    def shown_task(self) -> Task | None:
        """The task the status bar shows: the latest running one of the page on screen (or
        of the window itself)."""
        for task in reversed(self.tasks.active_tasks()):
            if self._visible(task):
                return task
        return None

    def background_pages(self) -> list[str]:
        """The other pages that have work running, in the order it started."""
        pages: list[str] = []
        for task in self.tasks.active_tasks():
            page = self.page_of(task)
            if page is not None and page != self._current() and page not in pages:
                pages.append(page)
        return pages

    # -- updates ---------------------------------------------------------------------------------
    def _started(self, task: Task) -> None:
        task.progressed.connect(lambda _f: self.refresh())
        self.refresh()

    def _finished(self, task: Task) -> None:
        page = self.page_of(task) or ""
        self._outcome[page] = "Cancelled" if task.state == "cancelled" else "Ready"
        if page:  # the window's own work is shown on every page
            self._outcome.pop("", None)
        self.refresh()

    def refresh(self) -> None:
        task = self.shown_task()
        if task is None:
            self.progress.hide()
            self.cancel_button.hide()
            current = self._current() or ""
            self.label.setText(self._outcome.get("", self._outcome.get(current, "Ready")))
        else:
            self.label.setText(self.describe(task))
            value = int(task.fraction * 1000)
            if value != self.progress.value():
                # QProgressBar.setValue repaints at once, and a repaint at once paints all
                # that waits in the window (a page just opened, twice in one turn): updates
                # off, the bar is painted with the rest (re-enabling them calls update())
                self.progress.setUpdatesEnabled(False)
                self.progress.setValue(value)
                self.progress.setUpdatesEnabled(True)
            self.progress.show()
            self.cancel_button.setVisible(task.user_cancellable)
        others = self.background_pages()
        if others:
            self._elsewhere_page = others[0]
            parts = []
            for page in others:
                fractions = [t.fraction for t in self.tasks.active_tasks()
                             if self.page_of(t) == page]
                share = max(fractions) if fractions else 0.0
                parts.append(f"{self.titles[page]} {share:.0%}" if share > 0
                             else self.titles[page])
            self.elsewhere.setText("Still working: " + ", ".join(parts))
            self.elsewhere.show()
        else:
            self._elsewhere_page = None
            self.elsewhere.hide()

    def page_shown(self, _page: str) -> None:
        self._outcome.pop("", None)
        self.refresh()

    def cancel_shown(self) -> None:
        """Cancel the task the status bar shows (the page on screen's)."""
        task = self.shown_task()
        if task is not None and task.user_cancellable:
            task.cancel()
            self.label.setText("Cancelling…")

    def _go_elsewhere(self) -> None:
        if self._elsewhere_page is not None:
            self._go_to(self._elsewhere_page)


__all__ = ["Message", "PageMessages", "TaskStatus", "UndoBar"]
