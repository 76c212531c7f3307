"""What every lab page has: a parameter panel, views, background tasks and code.

A lab page is a package ``gui/pages/<lab>/``: a Qt-free ``state`` module, one
:class:`Tab` widget per tab (``tabs/``), ``jobs`` (one-line calls into core),
``snippets`` (state -> "Show code" text) and ``page.py``, which derives from
:class:`Page` and only wires them together. The page declares its tabs with
:meth:`Page.add_tab`; "Show code", "Export plot", "Export results" and refresh
go to the current tab. :meth:`Page.fail` is the one error handler: it shows the
sentence and puts the controls back to what is on screen. :class:`Form` makes
a labelled spin box, slider, combo box or check box, with its tooltip and its
settings key, in one line.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QSlider,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from core.errors import DataError
from gui.context import AppContext
from gui.help import PageHelp
from gui.persist import Binder, PageSettings, load_settings
from gui.preview import NewData
from gui.tasks import Task, next_turn
from gui.widgets.dataset_picker import DatasetPicker
from gui.widgets.warm_paint import HeldPaint, views_to_warm, warm
from gui.window_geometry import show_only_current


class Tab(QWidget):
    """One tab of a page: it draws the page's state and says what it exports and shows.

    ``render(state)`` draws; ``code(state)`` is the "Show code" text (usually a
    function of ``snippets``); ``export_table(state)`` the CSV rows;
    ``export_widget()`` what File ▸ Export plot saves.

    A tab may make its widgets in :meth:`build` rather than in ``__init__``: the page
    then makes them when the tab is first shown, rendered or exported (a plot takes
    ~20-40 ms to make; a page opens on one tab and need not make the others' at once).
    """

    title = ""
    was_built = Signal()  # build() made the widgets

    def __init__(self, parent=None):
        super().__init__(parent)
        self.built = False
        self.built_in_turns = False  # all its steps made by build_in_turns (nothing drawn yet)
        self._steps: list[Callable[[], None]] | None = None  # build steps not made yet

    def ensure_built(self) -> None:
        """Make the widgets (:meth:`build`, or the steps left of :meth:`build_steps`) if
        they are not made yet."""
        if not self.built:
            self.built = True
            steps, self._steps = (self.build_steps() if self._steps is None
                                  else self._steps), []
            for step in steps:
                step()
            self.was_built.emit()

    def build(self) -> None:
        """Make the tab's widgets (those ``__init__`` left for when the tab is needed)."""

    def build_steps(self) -> list[Callable[[], None]]:
        """:meth:`build` in parts, made one per turn of the event loop as the page opens
        (:meth:`build_in_turns`); by default one part, :meth:`build`."""
        return [self.build]

    def build_in_turns(self, then: Callable[[], None]) -> None:
        """Make the widgets a step (:meth:`build_steps`) per turn of the event loop, then
        call ``then`` (on the turn after the last step). Anything that needs the widgets
        meanwhile (:meth:`ensure_built`) makes the steps left at once."""
        if self.built:
            next_turn(self, then)
            return
        if self._steps is None:
            self._steps = list(self.build_steps())

        def one() -> None:
            if not self.built and self._steps:
                self._steps.pop(0)()
            if not self.built and self._steps:
                next_turn(self, one)
                return
            if not self.built:  # (else something that needed the views made them, and drew)
                self.built = self.built_in_turns = True
                self.was_built.emit()
            next_turn(self, then)

        next_turn(self, one)

    def render(self, state) -> None:
        """Draw ``state`` (the page's parameters and last results)."""

    def code(self, state) -> str:
        return ""

    def export_table(self, state) -> tuple[list[str], list[list[Any]]] | None:
        return None

    def export_widget(self) -> QWidget:
        return self

    def pending_views(self) -> list:
        """The scatter views that draw the dataset's points: a newly selected dataset is
        drawn on them grey, with "computing…", until its result (:mod:`gui.preview`)."""
        return []

    def forget_drawn(self) -> None:
        """Forget what the views hold, so the next :meth:`render` draws everything again
        (after a preview of other data was drawn over it)."""


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

    #: tabs drawn without a frame (QTabWidget's document mode)
    document_tabs = False
    #: False when the "Show code" text depends on the parameters alone (``--print-code``
    #: then prints it without waiting for the page's first result)
    code_needs_result = True
    #: the page's declared settings (a :class:`gui.persist.PageSettings` subclass), if any
    Settings: type[PageSettings] | None = None
    #: (keys, what) of every shortcut the page's widgets define, for Help ▸ Keyboard shortcuts
    #: before the page is built (a test checks a built page defines exactly these)
    SHORTCUTS: tuple[tuple[str, str], ...] = ()

    def __init__(self, ctx: AppContext, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.has_result = False
        self._started = False
        self._opening = False  # made, not painted yet (open_in_turns)
        self._held = HeldPaint(self)  # views held back from painting, let through a turn each
        self._drawn_while_opening = False
        self._own_steps: list[Callable[[], None]] = []  # opening_steps not made yet
        self.state = None  # the page's Qt-free state (gui/pages/<lab>/state.py)
        self.tabs: QTabWidget | None = None
        self._tabs: list[Tab] = []
        self.binder: Binder | None = None
        self.new_data = NewData(self)  # new data drawn at once, greyed (gui/preview.py)
        self.help = PageHelp(self)  # "?" at the top right: What to look at (gui/help.py)
        if self.Settings is not None:
            self.binder = Binder(load_settings(self.Settings, ctx.settings), ctx.settings)

    # -- tabs ---------------------------------------------------------------------------------
    def add_tab(self, tab: Tab, title: str | None = None, tooltip: str = "") -> Tab:
        """Declare a tab; the page's QTabWidget is made with the first one."""
        if self.tabs is None:
            self.tabs = QTabWidget()
            self.tabs.setDocumentMode(self.document_tabs)
            self.tabs.currentChanged.connect(self._tab_changed)
        index = self.tabs.addTab(tab, title or tab.title)
        if tooltip:
            self.tabs.setTabToolTip(index, tooltip)
        self._tabs.append(tab)
        show_only_current(self.tabs)
        return tab

    def declare_view(self, view: Tab) -> Tab:
        """Declare the page's one view, for a page without a tab bar (code, export and
        refresh go to it)."""
        self._tabs = [view]
        return view

    def current_tab(self) -> Tab | None:
        if self.tabs is not None:
            tab = self.tabs.currentWidget()
            return tab if isinstance(tab, Tab) else None
        return self._tabs[0] if self._tabs else None

    def refresh(self) -> None:
        """Render the state in the current tab (tabs that are not shown render when shown)."""
        tab = self.current_tab()
        if tab is not None:
            if self.isVisible() and not self._opening:  # (else open_in_turns makes them)
                tab.ensure_built()
            if self.state is not None:
                tab.render(self.state)
        self.new_data.apply()  # points of new data, until their result
        self.code_changed.emit()

    def preview_shown(self, preview) -> None:
        """A newly selected dataset's points are drawn grey (:mod:`gui.preview`): say so
        (e.g. in the side panel's summary)."""

    def preview_dropped(self) -> None:
        """The job for new data failed or was cancelled: draw the state shown before."""
        for tab in self._tabs:
            tab.forget_drawn()
        self.refresh()
        tab = self.current_tab()
        for view in tab.pending_views() if tab is not None else []:
            view.clear_pending()

    def _tab_changed(self, index: int) -> None:
        show_only_current(self.tabs)  # a tab not shown does not hold the window wide
        self.refresh()

    # -- errors ---------------------------------------------------------------------------------
    def fail(self, exc: BaseException, what: str = "The computation") -> None:
        """The default error handler: the sentence in the message bar, and the controls put
        back to the parameters of what is on screen (:meth:`shown_settings`)."""
        self.new_data.drop()  # new data drawn grey: its result is not coming
        with self.ctx.speaking_for(self.name):  # (the error is this page's, shown or not)
            if isinstance(exc, DataError):
                self.ctx.show_message(str(exc), "error")
            else:  # an unexpected error: the sentence, with the traceback behind "Details"
                self.ctx.tasks.error.emit(f"{what} failed: {type(exc).__name__}: {exc}",
                                          getattr(exc, "__traceback_text__", ""))
        shown = self.shown_settings()
        if self.binder is not None and shown:
            self.binder.restore(shown)
            self.binder.save()

    def offer_undo(self, text: str, restore: Callable[[], None],
                   still_valid: Callable[[], bool] | None = None) -> None:
        """After a destructive action (hand-made work replaced or removed): say what it did,
        with an "Undo" button (in the status bar: nothing moves) that calls ``restore``.
        ``still_valid`` says whether undoing still makes sense (nothing changed since)."""

        def undo() -> None:
            with self.ctx.speaking_for(self.name):
                if still_valid is not None and not still_valid():
                    self.ctx.show_message("That can no longer be undone: the page changed "
                                          "since.", "warning")
                    return
                restore()

        self.ctx.show_message(text, "undo", [("Undo", undo)], page=self.name)

    def shown_settings(self) -> dict[str, Any]:
        """The settings values of what the page shows now (restored after a failure)."""
        return {}

    # -- lifecycle ------------------------------------------------------------------------------
    def ensure_started(self) -> None:
        """Start the page (once). A page built after a table was opened takes it up first:
        its picker's ``key_changed`` then asks for the page's work on it, and :meth:`start`
        is not called, which would ask for that work again (a K-Means fit begun and cancelled,
        a second neighbour index of a million points, a Gaussian mixture fitted twice)."""
        if not self._started:
            self._started = True
            adopted = False
            for picker in self.findChildren(DatasetPicker):
                adopted |= picker.adopt_opened()
            if not adopted:
                self.start()

    def opening_steps(self) -> list[Callable[[], None]]:
        """Parts of the page itself (not of a tab) made a turn each as it opens, before the
        current tab's (:meth:`open_in_turns`): e.g. a plot of its side panel. Whatever draws
        on them waits until they are made; :meth:`finish_opening` makes those left."""
        return []

    def open_in_turns(self) -> None:
        """Open over several turns of the event loop (the window calls it on the page it
        has just made): the page's own parts (:meth:`opening_steps`), then the current tab's
        widgets, a step per turn (:meth:`Tab.build_in_turns`), its plots painted off screen a
        turn each (:mod:`gui.widgets.warm_paint`), then the first paint. Making a page, its
        plots and painting them the first time (axes, text) take ~20-50 ms each: in one turn,
        they were over the 50 ms a turn may take. Meanwhile the page works and is laid out as
        usual, only not painted."""
        self.setUpdatesEnabled(False)  # (the window shows what was there for these turns)
        self._opening = True
        tab = self.current_tab()
        own = self._own_steps = list(self.opening_steps())
        made_own = bool(own)

        def own_step() -> None:
            if own:
                own.pop(0)()
            if own:
                next_turn(self, own_step)
            elif tab is None:
                next_turn(self, render)
            else:
                tab.build_in_turns(render)

        def render() -> None:
            if made_own or (tab is not None and tab.built_in_turns):
                self.refresh()  # the state, on the views just made
            else:
                self.new_data.apply()  # new data that came meanwhile
            views[:] = views_to_warm(self)
            next_turn(self, warm_next)  # laid out on a turn of its own

        views: list = []

        def warm_next() -> None:
            # each plot painted once off screen, a turn each: their first paint on screen,
            # all in one turn, then replays what they laid out (gui/widgets/warm_paint.py)
            while self._opening and views and not warm(views.pop(0)):
                pass
            next_turn(self, warm_next if self._opening and views else opened)

        def opened() -> None:
            if self._opening:
                self.finish_opening(spread=True)

        if own:
            next_turn(self, own_step)
        else:
            own_step()

    def finish_opening(self, spread: bool = False) -> None:
        """Open now what :meth:`open_in_turns` has not yet (for what needs the page drawn,
        e.g. an export): the page's own parts, the current tab's views, and painting.

        ``spread`` (the last turn of :meth:`open_in_turns`): the page paints without its
        plots, which then paint a turn each (the first paint of every plot of a page in one
        turn took 15-30 ms of it, warmed or not). Without it, everything paints at once."""
        own = self._own_steps
        if own:
            while own:
                own.pop(0)()
            self.refresh()
        tab = self.current_tab()
        if tab is not None:
            tab.ensure_built()
        self._opening = False
        if spread:
            self._held.hold(views_to_warm(self))
        else:
            self.paint_views()
        self.setUpdatesEnabled(True)  # (which calls update())
        if self._drawn_while_opening:  # a result drawn meanwhile is on screen now
            self._drawn_while_opening = False
            self.mark_drawn()

    def paint_views(self) -> None:
        """Let every view held back (as the page opened, as a result was drawn) paint now
        (e.g. for an export)."""
        self._held.release()

    @property
    def opened(self) -> bool:
        """Whether the page has opened: its views made, and all of them painting (none held
        back: :class:`gui.widgets.warm_paint.HeldPaint`)."""
        return not self._opening and not self._held and self.updatesEnabled()

    def start(self) -> None:
        """Kick off the page's first computation (called once, when first shown)."""

    def apply_params(self, **params: Any) -> None:
        """Receive parameters from another page (e.g. "Use this k")."""

    def leave(self) -> None:
        """The user went to another page. A page stops here what only makes sense while it
        is shown (animations, work for what the mouse points at); its other tasks run on,
        their progress shown in the status bar as this page's (gui/feedback.py)."""

    def mark_drawn(self) -> None:
        """Tell the window (and ``--screenshot``) that a result is on screen: once the page
        is painted, if it is still opening (:meth:`open_in_turns`), and once the views held
        as it was drawn have painted (:meth:`run_task`)."""
        if self._opening:
            self._drawn_while_opening = True
            return
        self.has_result = True
        self._held.then(self._say_drawn)

    def _say_drawn(self) -> None:
        self.result_drawn.emit()

    # -- what the window asks of a page ---------------------------------------------------------------
    def code(self) -> str:
        """The scikit-learn snippet that reproduces what the page shows (the current tab's)."""
        tab = self.current_tab()
        return tab.code(self.state) if tab is not None and self.state is not None else ""

    def export_widget(self) -> QWidget:
        """The widget File ▸ Export plot saves as PNG, SVG or PDF (the current tab's)."""
        self.finish_opening()
        tab = self.current_tab()
        return tab.export_widget() if tab is not None else self

    def export_tab_widget(self) -> QWidget:
        """The whole current tab, all its plots as on screen (File ▸ Export whole tab)."""
        self.finish_opening()
        tab = self.current_tab()
        return tab if tab is not None else self

    #: True on pages that can export a run as an animation (:meth:`export_frames`)
    can_export_frames = False

    def export_frames(self, target: str, scale: float = 1.0, on_done=None, on_error=None):
        """Save the page's run as an animated GIF or numbered PNG frames (gui/frames.py)."""
        raise NotImplementedError(f"the {self.title} page has no run to animate")

    def export_table(self) -> tuple[list[str], list[list[Any]]] | None:
        """(header, rows) for File ▸ Export results as CSV, or None (the current tab's)."""
        tab = self.current_tab()
        return tab.export_table(self.state) if tab is not None and self.state is not None \
            else None

    # -- helpers ---------------------------------------------------------------------------------------
    def run_task(self, fn: Callable, *args: Any, key: str, description: str,
                 on_result: Callable[[Any], None] | None = None,
                 on_error: Callable[[BaseException], None] | None = None,
                 on_progress: Callable[[float], None] | None = None,
                 cost: float | None = None, serial: bool = False,
                 paint_in_turns: bool | list = False, **kwargs: Any) -> Task:
        """Run core work through the task runner; a newer task with the same key supersedes
        it (unless ``serial``). ``cost`` (rows x features x k) lets cheap work run inline;
        without ``on_error``, :meth:`fail` handles errors. ``paint_in_turns``: ``on_result``
        redraws the page's views (True: those shown; or a list of views); a worker's result
        is drawn with them held, and they paint a turn each after it (:class:`HeldPaint`)."""
        on_error = on_error or (lambda exc: self.fail(exc, description.rstrip("…. ")))
        task: Task | None = None
        if paint_in_turns and on_result is not None:
            on_result = self._held.around(on_result, lambda: [] if task.inline or self._opening
                                          else paint_in_turns if paint_in_turns is not True
                                          else views_to_warm(self))
        task = self.ctx.tasks.submit(
            fn, *args, key=f"{self.name}:{key}", description=description,
            on_result=self._speaking(on_result), on_error=self._speaking(on_error),
            on_progress=on_progress, cost=cost, serial=serial, **kwargs)
        return task

    def _speaking(self, callback: Callable[[Any], None] | None):
        """``callback`` run as this page (its messages are this page's, whichever is shown)."""
        if callback is None:
            return None

        def run(value: Any) -> None:
            with self.ctx.speaking_for(self.name):
                callback(value)
        return run


def panel(title: str | None = None) -> tuple[QGroupBox | QWidget, QFormLayout]:
    """A titled group with a form layout, for parameter panels."""
    box: QGroupBox | QWidget = QGroupBox(title) if title else QWidget()
    form = QFormLayout(box)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
    return box, form


#: the widest a side panel's content may ask to be (the window must fit 1024 px)
SIDE_PANEL_MAX_WIDTH = 290


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
    # The panel scrolls inside itself: its height never holds the window tall, and its scroll
    # bar is always there, so the controls do not move sideways when the content grows.
    area.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    # Room for the content and the scroll bar, so nothing is clipped on the right; content
    # wider than SIDE_PANEL_MAX_WIDTH is a bug of the page (tests/gui/test_layout.py).
    content = min(max(width, inner.minimumSizeHint().width()), SIDE_PANEL_MAX_WIDTH)
    need = content + area.verticalScrollBar().sizeHint().width()
    area.setFixedWidth(need)  # the views get the rest of a small window
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


class Form:
    """Labelled controls in a form layout, in one line each, bound to the page's settings.

    ``Form(layout, binder).spin("n_clusters", "k", 1, 50, tip="...")`` makes a
    spin box, adds the row "k", sets its tooltip and binds it to the settings
    field ``n_clusters`` (its stored value is shown; a change is saved).
    """

    def __init__(self, layout: QFormLayout, binder: Binder | None = None):
        self.layout = layout
        self.binder = binder

    def _add(self, widget: QWidget, key: str | None, label: str | None, tip: str) -> QWidget:
        if tip:
            widget.setToolTip(tip)
        if label is None:
            self.layout.addRow(widget)
        else:
            self.layout.addRow(label, widget)
            label_item = self.layout.labelForField(widget)
            if label_item is not None and tip:
                label_item.setToolTip(tip)
        if key is not None and self.binder is not None:
            self.binder.bind(key, widget)
        return widget

    def spin(self, key: str | None, label: str | None, minimum: int, maximum: int, *,
             tip: str = "", step: int = 1, value: int | None = None,
             suffix: str = "") -> QSpinBox:
        w = QSpinBox()
        w.setRange(minimum, maximum)
        w.setSingleStep(step)
        if suffix:
            w.setSuffix(suffix)
        if value is not None:
            w.setValue(value)
        return self._add(w, key, label, tip)

    def dspin(self, key: str | None, label: str | None, minimum: float, maximum: float, *,
              tip: str = "", step: float = 0.1, decimals: int = 3,
              value: float | None = None, widget: QDoubleSpinBox | None = None
              ) -> QDoubleSpinBox:
        w = widget or QDoubleSpinBox()
        w.setDecimals(decimals)
        w.setRange(minimum, maximum)
        w.setSingleStep(step)
        if value is not None:
            w.setValue(value)
        return self._add(w, key, label, tip)

    def slider(self, key: str | None, label: str | None, minimum: int, maximum: int, *,
               tip: str = "", value: int | None = None) -> QSlider:
        w = QSlider(Qt.Orientation.Horizontal)
        w.setRange(minimum, maximum)
        if value is not None:
            w.setValue(value)
        return self._add(w, key, label, tip)

    def combo(self, key: str | None, label: str | None, items, *, tip: str = "") -> QComboBox:
        """``items``: texts, or (text, data) pairs."""
        w = QComboBox()
        for item in items:
            if isinstance(item, tuple):
                w.addItem(item[0], item[1])
            else:
                w.addItem(item)
        return self._add(w, key, label, tip)

    def check(self, key: str | None, text: str, *, tip: str = "",
              checked: bool | None = None) -> QCheckBox:
        w = QCheckBox(text)
        if checked is not None:
            w.setChecked(checked)
        return self._add(w, key, None, tip)

    def row(self, label: str | None, widget: QWidget, *, key: str | None = None,
            tip: str = "") -> QWidget:
        """Any other widget (a DatasetPicker, a line edit...), labelled and bound."""
        return self._add(widget, key, label, tip)
