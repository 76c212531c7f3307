"""Drivers: how tests work a page, in a person's terms (``KMeansDriver.set_k(5)``).

Tests drive pages through these drivers, never through a page's private
members, so a page can be rebuilt without rewriting its tests. Each page has
its driver in ``tests/gui/page_drivers/<lab>.py``; they are imported from here::

    from tests.gui.drivers import KMeansDriver
    km = KMeansDriver.open(open_page, qtbot)
    km.set_k(5); km.fit(); km.step()
"""

from __future__ import annotations

import importlib
from typing import Any

from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QWidget

TIMEOUT_MS = 60_000
#: Milliseconds a driver lets the event loop run after work it waited for, so the window
#: paints it before the next action (as it does before a person's next click).
PAINT_PASS_MS = 5

_DRIVERS = {
    "DataDriver": "data",
    "KMeansDriver": "kmeans",
    "ChooseKDriver": "choose_k",
    "SegmentationDriver": "segmentation",
    "DigitsPreprocessingDriver": "digits_preprocessing",
    "DigitsLabellingDriver": "digits_labelling",
    "DBSCANDriver": "dbscan",
    "GaussianMixturesDriver": "gaussian_mixtures",
}


def open_window(qtbot, first_visit: bool = False, size: tuple[int, int] = (1320, 820)):
    """The main window, shown; ``first_visit``: a page's first visit shows its "What to look
    at" card, as a new user's does (off by default: the card would cover the plots)."""
    from gui import settings as app_settings
    from gui.app import MainWindow, create_app
    from gui.help import FIRST_VISIT_KEY

    create_app()
    app_settings.settings().setValue(FIRST_VISIT_KEY, first_visit)
    win = MainWindow()
    qtbot.addWidget(win)
    win.resize(*size)
    win.show()
    qtbot.waitExposed(win)
    return win


def colour_count(image) -> int:
    """How many colours the pixels of ``image`` (a QImage) have."""
    import numpy as np
    from PySide6.QtGui import QImage

    image = image.convertToFormat(QImage.Format.Format_RGB32)
    pixels = np.frombuffer(image.constBits(), np.uint32, image.width() * image.height())
    return int(np.unique(pixels).size)


def click_page_entry(window, name: str) -> None:
    """Choose page ``name`` as a person does: a click on its entry in the window's page list
    (the window makes the page in that turn and shows it in the next)."""
    from PySide6.QtTest import QTest

    from gui.pages import page_names

    nav = window.nav
    item = nav.item(page_names().index(name))
    nav.scrollToItem(item)
    QTest.mouseClick(nav.viewport(), Qt.MouseButton.LeftButton,
                     pos=nav.visualItemRect(item).center())


class PageDriver:
    """What every driver can do: wait for results and idle, read code and exports."""

    page_name = ""

    def __init__(self, page, qtbot):
        self.page = page
        self.qtbot = qtbot

    @classmethod
    def open(cls, open_page, qtbot, timeout_s: float = 120.0):
        """Show the page (``open_page`` fixture) and wait for its first result."""
        return cls(open_page(cls.page_name, timeout_s), qtbot)

    @property
    def tasks(self):
        return self.page.ctx.tasks

    def wait_idle(self, timeout: int = TIMEOUT_MS) -> None:
        """Wait until no background task runs, and the window painted what it drew (views
        held as a result was drawn paint a turn each after it: Page.run_task)."""
        self.qtbot.waitUntil(lambda: not self.tasks.busy and self.page.opened, timeout=timeout)
        self.qtbot.wait(PAINT_PASS_MS)

    def wait_saved(self) -> None:
        """Wait until the per-dataset files written in the background are on disk."""
        from gui import file_writer

        file_writer.flush_all()

    def wait_drawn(self, action, timeout: int = TIMEOUT_MS) -> None:
        """Run ``action()`` and wait for the page to say a new result is on screen."""
        with self.qtbot.waitSignal(self.page.result_drawn, timeout=timeout):
            action()

    def code(self) -> str:
        return self.page.code()

    def export_table(self):
        return self.page.export_table()

    def show_tab(self, title: str) -> None:
        tabs = self.page.tabs
        for i in range(tabs.count()):
            if tabs.tabText(i).replace("&", "") == title:
                tabs.setCurrentIndex(i)
                return
        raise KeyError(f"no tab '{title}'")

    # -- help: the "?" button and the "What to look at" card (gui/help.py) ---------------------------
    def click_help(self) -> None:
        """Click the page's "?" button (it shows or hides the card; also on a page that is
        not the one shown)."""
        self.page.help.button.click()

    def close_help(self) -> None:
        """Click the card's × button."""
        self.page.help.card.close_button.click()

    def help_shown(self) -> bool:
        """Whether the card is up (on the page, whether or not the page is the one shown)."""
        return not self.page.help.card.isHidden()

    def help_text(self) -> str:
        return self.page.help.card.plain_text()

    def help_geometry(self):
        """(button, card) rectangles in the page's coordinates."""
        return self.page.help.button.geometry(), self.page.help.card.geometry()

    # -- new data, drawn before its result (gui/preview.py) ------------------------------------------
    def selected_dataset(self) -> str:
        """The key the page's dataset picker selects ("" for a page without one)."""
        from gui.widgets.dataset_picker import DatasetPicker

        picker = self.page.findChild(DatasetPicker)
        return picker.current_key() if picker is not None else ""

    def pending_views(self) -> list:
        """The current tab's views that draw the dataset's points."""
        tab = self.page.current_tab()
        return tab.pending_views() if tab is not None else []

    def pending_texts(self) -> list[str]:
        """What is written over each of those views ("" where nothing)."""
        return [view.pending_text() for view in self.pending_views()]

    # -- opening in turns (Page.open_in_turns) ---------------------------------------------------------
    def opened(self) -> bool:
        """Whether the page finished opening: its views made and all of them painted."""
        return self.page.opened

    def tab_plots(self) -> list:
        """The pyqtgraph views of the current tab made so far (shown or not)."""
        import pyqtgraph as pg

        tab = self.page.current_tab()
        return tab.findChildren(pg.GraphicsView) if tab is not None else []

    def plot_colours(self) -> list[int]:
        """For each of those views on screen, how many colours its pixels have (a drawn plot:
        its background, grid, axes, texts and data; an undrawn one: one or two)."""
        return [colour_count(view.grab().toImage()) for view in self.tab_plots()
                if view.isVisible()]

    def tab_titles(self) -> list[str]:
        tabs = self.page.tabs
        return [tabs.tabText(i).replace("&", "") for i in range(tabs.count())] if tabs else []

    # -- layout -----------------------------------------------------------------------------------------
    def control_geometry(self) -> dict[int, tuple[str, tuple[int, int, int, int]]]:
        """Where every visible button, slider, spin box and combo box of the page is in the
        window: {id: (description, (x, y, width, height))}; the same control keeps its id."""
        from PySide6.QtCore import QPoint
        from PySide6.QtWidgets import (
            QAbstractButton,
            QAbstractSlider,
            QAbstractSpinBox,
            QComboBox,
            QScrollBar,
            QTabBar,
        )

        window = self.page.window()
        kinds = (QAbstractButton, QAbstractSlider, QAbstractSpinBox, QComboBox)
        found: dict[int, tuple[str, tuple[int, int, int, int]]] = {}
        for w in self.page.findChildren(QWidget):
            if not isinstance(w, kinds) or isinstance(w, QScrollBar) or not w.isVisible():
                continue
            if isinstance(w.parentWidget(), QTabBar):  # the tab bar's scroll arrows
                continue
            text = w.text() if isinstance(w, QAbstractButton) else ""
            at = w.mapTo(window, QPoint(0, 0))
            found[id(w)] = (f"{type(w).__name__} '{text}' ({w.toolTip()[:40]})",
                            (at.x(), at.y(), w.width(), w.height()))
        return found

    @staticmethod
    def moved(before: dict, after: dict) -> list[str]:
        """The controls of ``before`` still shown in ``after`` whose geometry changed."""
        return [f"{desc}: {geom} -> {after[k][1]}" for k, (desc, geom) in before.items()
                if k in after and after[k][1] != geom]

    def side_panel_fits(self) -> list[str]:
        """The page's scrolling side panels whose content is wider than their viewport."""
        from PySide6.QtWidgets import QScrollArea

        return [f"content {a.widget().minimumSizeHint().width()} > {a.viewport().width()}"
                for a in self.page.findChildren(QScrollArea)
                if a.widget() is not None and a.isVisible()
                and a.widget().minimumSizeHint().width() > a.viewport().width()]

    # -- mouse helpers on pyqtgraph views ---------------------------------------------------------
    @staticmethod
    def view_point(plot_widget, x: float, y: float, vb=None):
        """Widget (viewport) coordinates of data point (x, y) in a pyqtgraph view."""
        vb = vb if vb is not None else plot_widget.plotItem.vb
        return plot_widget.mapFromScene(vb.mapViewToScene(QPointF(x, y)))

    def click_view(self, plot_widget, x: float, y: float, vb=None,
                   button=Qt.MouseButton.LeftButton, modifier=Qt.KeyboardModifier.NoModifier):
        self.qtbot.mouseClick(plot_widget.viewport(), button, modifier,
                              pos=self.view_point(plot_widget, x, y, vb))


def __getattr__(name: str) -> Any:
    module = _DRIVERS.get(name)
    if module is None:
        raise AttributeError(name)
    return getattr(importlib.import_module(f"tests.gui.page_drivers.{module}"), name)
