"""Help (issue 15, part 7): Help ▸ Keyboard shortcuts lists every shortcut, each page has a
"What to look at" card (first visit, and its "?" button), and the About box is modal and
names the versions."""

from __future__ import annotations

import ast
import re
from importlib.metadata import version
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut

from gui import settings as app_settings
from gui.help import FIRST_VISIT_KEY, collect_shortcuts, declared_shortcuts, page_shortcuts
from gui.help_texts import PAGE_HELP
from gui.pages import PAGES, page_names
from gui.pages.base import Page
from tests.gui.drivers import PageDriver, open_window

ROOT = Path(__file__).resolve().parents[2]


def native(sequences) -> str:
    return ", ".join(s.toString(QKeySequence.SequenceFormat.NativeText) for s in sequences)


def test_keyboard_shortcuts_lists_every_shortcut_of_the_window_and_every_page(window, qtbot):
    """Before the pages are built, from their declarations; once built, from their objects:
    every QAction and QShortcut defined anywhere is in the list, and a page defines exactly
    the shortcuts it declares."""
    before = window.help.show_shortcuts().rows()
    window.help.dialog.close()
    for spec in PAGES:
        page = window.page(spec.name)  # built, not started
        assert page_shortcuts(page) == declared_shortcuts(type(page)), spec.name
    dialog = window.help.show_shortcuts()
    assert dialog.isModal()
    rows = dialog.rows()
    assert sorted(rows) == sorted(before)
    listed = {(keys, where) for keys, _, where in rows}
    defined = [(native(a.shortcuts()), a) for a in window.findChildren(QAction) if a.shortcuts()]
    defined += [(native(s.keys()), s) for s in window.findChildren(QShortcut) if s.keys()]
    assert len(defined) >= 20

    def where(obj):
        while obj is not None:
            if isinstance(obj, Page):
                return obj.title
            obj = obj.parent()
        return "Everywhere"

    missing = [(keys, where(obj)) for keys, obj in defined if (keys, where(obj)) not in listed]
    assert not missing, f"shortcuts not in Help ▸ Keyboard shortcuts: {missing}"
    assert all(what.strip() for _, what, _ in rows), "a shortcut without a description"
    assert ("Right", "K-Means") in listed and ("Ctrl+Z", "Digits: labelling") in listed
    assert ("F1", "Everywhere") in listed and ("Esc", "Everywhere") in listed
    # the widgets that handle keys themselves say which (their KEY_HELP) and are listed
    handlers = _classes_handling_keys()
    assert ("app.py", "MainWindow", True) in handlers
    assert [h for h in handlers if not h[2]] == []
    pairs = {(keys, what) for keys, what, _ in rows}
    from gui.widgets.digit_gallery import DigitGallery

    for entry in (*DigitGallery.KEY_HELP, *type(window).KEY_HELP):
        assert entry in pairs
    dialog.close()

    # every page (built above) has its "?" button and its card
    for spec in PAGES:
        page = PageDriver(window.pages[spec.name], qtbot)
        assert not page.help_shown()  # (first-visit cards are off in the tests' window)
        page.click_help()
        assert page.help_shown()
        assert PAGE_HELP[spec.name].point[:40] in " ".join(page.help_text().split())
        page.click_help()
        assert not page.help_shown()
    data = PageDriver(window.show_page("data"), qtbot)
    window.help.look_action.trigger()  # F1
    assert data.help_shown()
    qtbot.keyClick(window, Qt.Key.Key_F1)
    assert not data.help_shown()


def test_a_shortcut_added_at_run_time_is_listed(window):
    """The list is read from the objects: a new shortcut needs no help text elsewhere."""
    page = window.page("dbscan")
    extra = QShortcut(QKeySequence("Ctrl+Alt+J"), page)
    extra.setWhatsThis("Jump somewhere")
    rows = [(s.keys, s.what, s.where) for s in collect_shortcuts(window)]
    assert ("Ctrl+Alt+J", "Jump somewhere", "DBSCAN") in rows


def _classes_handling_keys() -> list[tuple[str, str, bool]]:
    """(file, class, declares KEY_HELP) of every gui class that overrides keyPressEvent."""
    out = []
    for path in sorted((ROOT / "gui").rglob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                names = {getattr(b, "name", None) for b in node.body}
                names |= {t.id for b in node.body if isinstance(b, ast.Assign)
                          for t in b.targets if isinstance(t, ast.Name)}
                if "keyPressEvent" in names:
                    out.append((path.name, node.name, "KEY_HELP" in names))
    return out


def test_every_page_has_its_what_to_look_at():
    assert set(PAGE_HELP) == set(page_names())
    for name, h in PAGE_HELP.items():
        sentences = [s for s in re.split(r"(?<=[.!?])\s+", h.point) if s]
        assert 3 <= len(sentences) <= 5, (name, len(sentences))
        assert 1 <= len(h.tries) <= 4, name


@pytest.fixture
def first_visit_window(qtbot):
    """A window that shows the card on a page's first visit, as a new user's does."""
    win = open_window(qtbot, first_visit=True, size=(1280, 720))
    yield win
    win.close()


def test_the_card_shows_on_a_pages_first_visit_only(first_visit_window, qtbot):
    window = first_visit_window
    data = PageDriver(window.page("data"), qtbot)
    qtbot.waitUntil(data.help_shown, timeout=5000)
    assert "Clustering gets the points without their labels" in data.help_text()
    button, card = data.help_geometry()
    plot = data.page.export_widget()
    assert card.right() <= data.page.width() and card.top() >= button.bottom()
    assert button.right() <= data.page.width() and button.top() >= 0
    assert plot.isVisible()
    data.close_help()
    assert not data.help_shown()

    window.show_page("data")
    qtbot.wait(50)
    assert not data.help_shown()  # seen: not again
    window.close()
    # ... nor in the next session
    from gui.app import MainWindow

    again = MainWindow()
    qtbot.addWidget(again)
    again.show()
    page = again.show_page("data")
    qtbot.wait(50)
    assert not PageDriver(page, qtbot).help_shown()
    again.close()


def test_first_visit_help_can_be_turned_off(first_visit_window, qtbot):
    window = first_visit_window
    window.help.first_visit_action.setChecked(False)
    assert app_settings.settings().value(FIRST_VISIT_KEY, True, type=bool) is False
    page = PageDriver(window.page("dbscan"), qtbot)  # built, not started
    page.page.help.first_visit(window.settings)
    assert not page.help_shown()
    window.help.first_visit_action.setChecked(True)
    page.page.help.first_visit(window.settings)
    assert page.help_shown()


def test_about_is_modal_and_names_the_versions(window, qtbot):
    import sys

    window.show_about()
    box = window.about_box
    assert box.isVisible() and box.isModal()
    assert box.windowModality() == Qt.WindowModality.ApplicationModal
    text = box.text()
    assert f"Python {sys.version.split()[0]}" in text
    from PySide6 import __version__ as pyside_version
    from PySide6.QtCore import qVersion

    assert f"Qt {qVersion()}" in text and f"PySide6 {pyside_version}" in text
    for dist in ("pyqtgraph", "numpy", "scikit-learn", "scipy", "pandas", "Pillow"):
        assert f"{dist} {version(dist)}" in text
    box.close()


def test_the_help_button_covers_no_text_of_any_page(window, qtbot):
    """The "?" sits in each page's top-right corner, over whatever is there: no label with
    text of the page reaches under it (the Digits pages' top lines ran under it)."""
    from PySide6.QtCore import QPoint, QRect
    from PySide6.QtWidgets import QLabel

    for name in page_names():
        page = window.show_page(name)
        assert window.wait_for_result(page), name  # its texts are those of its result
        button = page.help.button
        corner = QRect(button.mapTo(page, QPoint(0, 0)), button.size())
        under = [label.text()[:40] for label in page.findChildren(QLabel)
                 if label.isVisible() and label.text().strip()
                 and label.contentsRect().translated(label.mapTo(page, QPoint(0, 0)))
                 .intersects(corner)]  # (where its text can be: inside its margins)
        assert under == [], (name, under)
