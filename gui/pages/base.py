"""What every lab page has: a parameter panel, views, background tasks and code."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from gui.context import AppContext
from gui.tasks import Task


class Page(QWidget):
    """Base class of the lab pages.

    Subclasses build their widgets in ``__init__``, start their first
    computation in :meth:`start`, call :meth:`mark_drawn` when a result is on
    screen, and describe themselves in :meth:`code`.
    """

    name = ""
    title = ""
    code_changed = Signal()
    result_drawn = Signal()

    def __init__(self, ctx: AppContext, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.has_result = False
        self._started = False

    # -- lifecycle ------------------------------------------------------------------------------
    def ensure_started(self) -> None:
        if not self._started:
            self._started = True
            self.start()

    def start(self) -> None:
        """Kick off the page's first computation (called once, when first shown)."""

    def apply_params(self, **params: Any) -> None:
        """Receive parameters from another page (e.g. "Use this k")."""

    def mark_drawn(self) -> None:
        """Tell the window (and ``--screenshot``) that a result is on screen."""
        self.has_result = True
        self.result_drawn.emit()

    # -- what the window asks of a page ---------------------------------------------------------------
    def code(self) -> str:
        """The scikit-learn snippet that reproduces what the page shows."""
        return ""

    def export_widget(self) -> QWidget:
        """The widget File ▸ Export plot saves as PNG/SVG."""
        return self

    def export_table(self) -> tuple[list[str], list[list[Any]]] | None:
        """(header, rows) for File ▸ Export results as CSV, or None."""
        return None

    # -- helpers ---------------------------------------------------------------------------------------
    def run_task(self, fn: Callable, *args: Any, key: str, description: str,
                 on_result: Callable[[Any], None] | None = None,
                 on_error: Callable[[BaseException], None] | None = None,
                 on_progress: Callable[[float], None] | None = None, **kwargs: Any) -> Task:
        """Run core work in the background; a newer task with the same key supersedes it."""
        return self.ctx.tasks.submit(
            fn, *args, key=f"{self.name}:{key}", description=description, on_result=on_result,
            on_error=on_error, on_progress=on_progress, **kwargs)


def panel(title: str | None = None) -> tuple[QGroupBox | QWidget, QFormLayout]:
    """A titled group with a form layout, for parameter panels."""
    box: QGroupBox | QWidget = QGroupBox(title) if title else QWidget()
    form = QFormLayout(box)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
    return box, form


def side_panel(*widgets: QWidget, width: int = 270) -> QScrollArea:
    """A scrollable column of parameter groups on the left of a page."""
    inner = QWidget()
    layout = QVBoxLayout(inner)
    layout.setContentsMargins(4, 4, 4, 4)
    for w in widgets:
        layout.addWidget(w)
    layout.addStretch(1)
    area = QScrollArea()
    area.setWidget(inner)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    # Room for the content and the vertical scroll bar, so nothing is ever clipped on the right.
    need = max(width, inner.minimumSizeHint().width()) + area.verticalScrollBar().sizeHint().width()
    area.setMinimumWidth(need)
    area.setMaximumWidth(need + 80)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    return area


def hbox(*widgets: QWidget, stretch_last: bool = False) -> QWidget:
    w = QWidget()
    layout = QHBoxLayout(w)
    layout.setContentsMargins(0, 0, 0, 0)
    for i, child in enumerate(widgets):
        layout.addWidget(child, 1 if (stretch_last and i == len(widgets) - 1) else 0)
    return w


def info_label(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
    return label
