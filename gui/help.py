"""Help: every page's "What to look at" card and "?" button, and Help ▸ Keyboard shortcuts.

The card is a non-modal panel inside the page, at its top right; it shows on the page's
first visit (remembered in the settings, ``help/seen/<page>``; Help ▸ "Show on first
visit" turns that off, and ``--screenshot`` does) and from the page's "?" button (F1). The
shortcuts are collected at run time from the QActions and QShortcuts of the window and of
every page, and from the widgets that handle keys themselves (their ``KEY_HELP``), so the
list cannot go stale.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from gui.help_texts import help_html
from gui.tasks import next_turn

#: The "?" button's size, and the room a page's top row leaves free for it at its right end
#: (the button sits in the page's top-right corner, over whatever is there).
BUTTON_SIZE = 22
CORNER_ROOM = BUTTON_SIZE + 8

FIRST_VISIT_KEY = "help/first_visit"
SEEN_KEY = "help/seen/"
CARD_WIDTH = 340


# -- the page's card and "?" button ------------------------------------------------------------
class HelpCard(QFrame):
    """A page's "What to look at": a closable panel over the page's top right corner."""

    def __init__(self, page: QWidget):
        super().__init__(page)
        self.setObjectName("HelpCard")
        self.setStyleSheet(
            "#HelpCard { background: #fffdf4; border: 1px solid #c9b458; border-radius: 6px; }"
            "#HelpCard QLabel { background: transparent; }")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        title = QLabel(f"<b>What to look at: {page.title}</b>")
        close = QToolButton()
        close.setText("×")
        close.setAutoRaise(True)
        close.setToolTip("Close (the ? button at the top right brings it back; F1)")
        close.clicked.connect(self.hide)
        self.close_button = close
        self.text = QLabel(help_html(page.name, page.title))
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        head = QHBoxLayout()
        head.addWidget(title, 1)
        head.addWidget(close)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 8, 8)
        layout.addLayout(head)
        layout.addWidget(self.text)
        self.setFixedWidth(CARD_WIDTH)
        self.hide()

    def plain_text(self) -> str:
        from PySide6.QtGui import QTextDocument

        doc = QTextDocument()
        doc.setHtml(self.text.text())
        return doc.toPlainText()


class PageHelp(QObject):
    """The "?" button and the card of one page; placed at the page's top right corner."""

    def __init__(self, page: QWidget):
        super().__init__(page)
        self.page = page
        self.button = QToolButton(page)
        self.button.setObjectName("HelpButton")
        self.button.setText("?")
        self.button.setCheckable(True)
        self.button.setFixedSize(BUTTON_SIZE, BUTTON_SIZE)
        self.button.setToolTip(f"What to look at on the {page.title} page (F1)")
        self.button.setStyleSheet(
            "#HelpButton { font-weight: bold; border: 1px solid #9aa7b5; border-radius: 11px; "
            "background: #f3f5f8; } #HelpButton:checked { background: #fff3c4; }")
        self.card = HelpCard(page)
        self.card.close_button.clicked.connect(lambda: self.button.setChecked(False))
        self.button.toggled.connect(self._toggled)
        page.installEventFilter(self)

    def _toggled(self, on: bool) -> None:
        self.card.setVisible(on)
        if on:
            self.place()

    def show_card(self, on: bool = True) -> None:
        self.button.setChecked(on)

    @property
    def shown(self) -> bool:
        return self.card.isVisible()

    def place(self) -> None:
        page, card = self.page, self.card
        self.button.move(page.width() - self.button.width() - 4, 2)  # (CORNER_ROOM)
        top = self.button.height() + 6
        # (a word-wrapped label: its height for the card's width, not its size hint's)
        height = card.layout().totalHeightForWidth(CARD_WIDTH)
        card.resize(CARD_WIDTH, max(60, min(height, page.height() - top - 4)))
        card.move(max(0, page.width() - CARD_WIDTH - 8), top)
        self.button.raise_()
        card.raise_()

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt override
        if obj is self.page and event.type() in (event.Type.Resize, event.Type.Show):
            self.place()
        return False

    def first_visit(self, settings) -> None:
        """Show the card if this page was never visited (and first-visit help is on)."""
        if settings is None or not settings.value(FIRST_VISIT_KEY, True, type=bool):
            return
        key = SEEN_KEY + self.page.name
        if not settings.value(key, False, type=bool):
            settings.setValue(key, True)
            self.show_card(True)


# -- keyboard shortcuts --------------------------------------------------------------------------
@dataclass(frozen=True)
class Shortcut:
    keys: str  # as the user types them, e.g. "Ctrl+O"
    what: str
    where: str  # "Everywhere" or a page's title


def _keys(sequences) -> str:
    texts = [s.toString(QKeySequence.SequenceFormat.NativeText) for s in sequences]
    return ", ".join(t for t in texts if t)


def _page_of(obj: QObject, pages: list) -> QObject | None:
    while obj is not None:
        if any(obj is page for page in pages):
            return obj
        obj = obj.parent()
    return None


def _from_objects(root: QWidget) -> list[tuple[str, str, QObject]]:
    """(keys, what, object) of the QActions, QShortcuts and KEY_HELP widgets under root."""
    from gui.pages import PAGES

    titles = {spec.title for spec in PAGES}
    out = []
    for action in root.findChildren(QAction):
        keys = _keys(action.shortcuts())
        if keys:
            what = action.text().replace("&", "").rstrip("…") or action.toolTip()
            out.append((keys, f"Go to the {what} page" if what in titles else what, action))
    for shortcut in root.findChildren(QShortcut):
        keys = _keys(shortcut.keys())
        if keys:
            out.append((keys, shortcut.whatsThis() or shortcut.objectName(), shortcut))
    for widget in [root, *root.findChildren(QWidget)]:
        for keys, what in getattr(type(widget), "KEY_HELP", ()):
            out.append((keys, what, widget))
    return out


def page_shortcuts(page) -> list[Shortcut]:
    """The shortcuts of a built page, read from its objects."""
    return sorted({Shortcut(k, w, page.title) for k, w, _ in _from_objects(page)},
                  key=lambda s: s.keys)


def declared_shortcuts(page_cls) -> list[Shortcut]:
    """The shortcuts a page class declares (``Page.SHORTCUTS``), for a page not built yet;
    tests/gui/test_help.py checks that a built page has exactly these."""
    return sorted({Shortcut(k, w, page_cls.title) for k, w in page_cls.SHORTCUTS},
                  key=lambda s: s.keys)


def collect_shortcuts(window) -> list[Shortcut]:
    """Every shortcut: the window's and the built pages', read from their QActions, QShortcuts
    and KEY_HELP widgets; a page not built yet (building one takes the GUI thread for up to a
    second) by its class's declaration."""
    from gui.pages import PAGES

    pages = list(window.pages.values())
    out = {Shortcut(k, w, "Everywhere") for k, w, obj in _from_objects(window)
           if _page_of(obj, pages) is None}
    for spec in PAGES:
        page = window.pages.get(spec.name)
        out.update(page_shortcuts(page) if page is not None else
                   declared_shortcuts(spec.load()))
    where = {spec.title: i + 1 for i, spec in enumerate(PAGES)}
    return sorted(out, key=lambda s: (where.get(s.where, 0), s.keys))


class ShortcutsDialog(QDialog):
    """Help ▸ Keyboard shortcuts: a table of every shortcut."""

    def __init__(self, shortcuts: list[Shortcut], parent=None):
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.shortcuts = shortcuts
        table = self.table = QTableWidget(len(shortcuts), 3)
        table.setHorizontalHeaderLabels(["Keys", "What it does", "Where"])
        for row, s in enumerate(shortcuts):
            for col, text in enumerate((s.keys, s.what, s.where)):
                item = QTableWidgetItem(text)
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                table.setItem(row, col, item)
        table.verticalHeader().setVisible(False)
        table.verticalHeader().setDefaultSectionSize(24)
        table.setAlternatingRowColors(True)
        header = table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(table)
        layout.addWidget(buttons)
        self.resize(640, 460)

    def rows(self) -> list[tuple[str, str, str]]:
        t = self.table
        return [tuple(t.item(r, c).text() for c in range(3)) for r in range(t.rowCount())]


# -- the window's Help menu ----------------------------------------------------------------------
class HelpMenu(QObject):
    """Fills the window's Help menu and shows each page's card on its first visit."""

    def __init__(self, window, menu):
        super().__init__(window)
        self.window = window
        self.dialog: ShortcutsDialog | None = None
        self.look_action = window._action(menu, "&What to look at", self.toggle_card, "F1",
                                          "What to look at on this page")
        window._action(menu, "&Keyboard shortcuts", self.show_shortcuts, "Ctrl+/",
                       "Every keyboard shortcut of the window and its pages")
        self.first_visit_action = QAction("Show \u201cWhat to look at\u201d on a page's first "
                                          "visit", window)
        self.first_visit_action.setCheckable(True)
        self.first_visit_action.setChecked(
            window.settings.value(FIRST_VISIT_KEY, True, type=bool))
        self.first_visit_action.toggled.connect(
            lambda on: window.settings.setValue(FIRST_VISIT_KEY, bool(on)))
        menu.addAction(self.first_visit_action)
        menu.addSeparator()
        window._action(menu, "&About ClusterLab", window.show_about)
        window.nav.currentRowChanged.connect(self._page_shown)

    def _page_shown(self, row: int) -> None:
        # after the page is built and shown (the window builds it in the same slot), on a
        # turn of its own (the page's first turn is busy enough: gui/pages/base.py)
        next_turn(self, self._first_visit)

    def _first_visit(self) -> None:
        page = self.window.current_page()
        if page is not None and not self.window._closing:
            page.help.first_visit(self.window.settings)

    def toggle_card(self) -> None:
        page = self.window.current_page()
        if page is not None:
            page.help.show_card(not page.help.shown)

    def show_shortcuts(self) -> ShortcutsDialog:
        """The dialog of every shortcut (modal)."""
        if self.dialog is not None:
            self.dialog.deleteLater()
        self.dialog = ShortcutsDialog(collect_shortcuts(self.window), self.window)
        self.dialog.setModal(True)
        self.dialog.show()
        return self.dialog
