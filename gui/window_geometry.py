"""The main window's sizes: the first-run size fits the screen it opens on, a restored
geometry is brought back onto a screen, and a hidden page never holds the window wide.

The window fits a 1280x720 projector with the code panel open, and its minimum size is
at most :data:`MINIMUM` (tests/gui/test_layout.py checks every page).
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QSizePolicy, QStackedWidget, QTabWidget, QWidget

#: the size the window asks for on a screen big enough for it
PREFERRED = QSize(1320, 820)
#: the largest minimum size the window may have (any page, code panel open)
MINIMUM = QSize(1024, 640)
#: room left around the window on a small screen (title bar, panels)
MARGIN = QSize(40, 60)


def first_run_size(available: QRect | None) -> QSize:
    """:data:`PREFERRED`, made smaller to fit ``available`` (a screen's available geometry)."""
    if available is None or available.isEmpty():
        return QSize(PREFERRED)
    return QSize(max(1, min(PREFERRED.width(), available.width() - MARGIN.width())),
                 max(1, min(PREFERRED.height(), available.height() - MARGIN.height())))


def available_geometry(window: QWidget) -> QRect | None:
    screen = window.screen() or QGuiApplication.primaryScreen()
    return screen.availableGeometry() if screen is not None else None


def fit_to_screen(window: QWidget) -> None:
    """Shrink ``window`` to its screen's available geometry (a geometry saved on a bigger
    monitor, or the first-run size on a laptop), never below its minimum size."""
    available = available_geometry(window)
    if available is None or available.isEmpty():
        return
    size = window.size().boundedTo(available.size())
    if size != window.size():
        window.resize(size)


def show_only_current(stack: QStackedWidget | QTabWidget) -> None:
    """Let only the current page of ``stack`` (or tab of a tab widget) count for its minimum
    size: a page or tab visited earlier no longer holds the window wide (a stack takes the
    largest minimum of all its pages, except those whose size policy is Ignored)."""
    current = stack.currentWidget()
    for i in range(stack.count()):
        w = stack.widget(i)
        policy = QSizePolicy.Policy.Preferred if w is current else QSizePolicy.Policy.Ignored
        w.setSizePolicy(policy, policy)
    stack.updateGeometry()
