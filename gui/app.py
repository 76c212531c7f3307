"""The QApplication, the main window, its menus, status bar and message bar."""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

from PySide6.QtCore import QByteArray, QEventLoop, Qt, QTimer
from PySide6.QtGui import QAction, QIcon, QKeySequence, QPixmapCache
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFileDialog,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

import resources
from core import offprocess
from core.errors import DataError
from core.images import IMAGE_SUFFIXES
from core.storage import write_csv
from core.tables import file_kind
from gui import file_writer, memory
from gui import settings as app_settings
from gui.backend import close_clients, offer_streaming, show_backend_dialog
from gui.context import AppContext
from gui.exports import ensure_suffix, render_image, save_pixmap, save_widget
from gui.feedback import PageMessages, TaskStatus
from gui.gc_freeze import GuiThreadCollector
from gui.help import HelpMenu
from gui.memory import MemoryReleaser
from gui.numbers import count
from gui.pages import PAGES, page_names, prefetch_pages, spec_for
from gui.pages.base import Page
from gui.tasks import TaskRunner, next_turn, staged_work_waiting
from gui.widgets.code_panel import CodePanel
from gui.widgets.message_bar import MessageBar
from gui.window_geometry import available_geometry, first_run_size, fit_to_screen, show_only_current
from gui.workers import in_background, lower_library_threads

TABLE_FILTER = "Tables (*.csv *.tsv *.txt *.dat *.npy *.parquet);;All files (*)"
IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.bmp *.tif *.tiff *.webp *.gif);;All files (*)"


def _load_image_job(path: str):
    from core.images import image_code, load_image, pixel_dataset

    rgb = load_image(path)
    code = image_code(path)  # the snippets read the file as load_image did
    return rgb, pixel_dataset(rgb, Path(path).name, code=code), code


def _load_table_job(path: str, progress=None, **fixes):
    from core.datasets import load_table

    return load_table(path, progress=progress, **fixes)


#: How often the window looks for threads libraries started at its priority (milliseconds).
LIBRARY_THREADS_MS = 2000


class MainWindow(QMainWindow):
    """Navigation list on the left, the page in the centre, code panel and status bar."""

    #: keys the window handles itself (listed by Help ▸ Keyboard shortcuts)
    KEY_HELP = (("Esc", "Cancel the running computation, or close the message"),)

    def __init__(self, settings=None):
        super().__init__()
        # garbage collected on this thread between events only (gui/gc_freeze.py)
        self.gc_collector = GuiThreadCollector(self, working=staged_work_waiting)
        self.gc_collector.start()
        self.setWindowTitle("ClusterLab")
        self.setWindowIcon(QIcon(str(resources.path("icons/clusterlab.svg"))))
        self.setAcceptDrops(True)
        notice = None
        if settings is None:  # a damaged settings file is moved aside, and that is said
            settings, notice = app_settings.open_settings()
        self.settings = settings
        app_settings.clean_data_dir()  # temp files of saves a crash interrupted
        self.tasks = TaskRunner(self)
        self._draw_big_clouds_off_thread(True)
        offprocess.enable()  # calls that hold the GIL for seconds run in helper processes
        self.memory = MemoryReleaser()
        self.memory.start(self)
        # threads libraries start at the window's priority (numpy's OpenBLAS helpers, made as
        # numpy was imported) run at the workers'; new ones are looked for now and then
        self.library_threads: set[int] = set()
        lower_library_threads(self.library_threads)
        self._library_timer = QTimer(self)
        self._library_timer.setInterval(LIBRARY_THREADS_MS)
        self._library_timer.timeout.connect(lambda: lower_library_threads(self.library_threads))
        self._library_timer.start()
        # what the workers freed goes back to the system once no task runs
        self.tasks.busy_changed.connect(lambda busy: busy or self.memory.maybe_release())
        self.ctx = AppContext(self.tasks, self.settings, self)
        self.pages: dict[str, Page] = {}

        # centre: message bar above navigation | page stack
        self.message_bar = MessageBar()
        self.nav = QListWidget()
        self.nav.setObjectName("Navigation")
        self.nav.setFixedWidth(180)
        self.nav.setSpacing(2)
        # (the titles fit; a text that does not is cut with "…", never scrolled sideways)
        self.nav.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        for i, spec in enumerate(PAGES):
            item = QListWidgetItem(spec.title)
            item.setData(Qt.ItemDataRole.UserRole, spec.name)
            shortcut = f" (Ctrl+{i + 1})" if i < 9 else ""
            item.setToolTip(spec.tooltip + shortcut)
            self.nav.addItem(item)
        self.nav.setStyleSheet(
            "#Navigation { font-size: 13px; border: none; background: #f3f5f8; }"
            "#Navigation::item { padding: 8px 6px; border-radius: 4px; }"
            "#Navigation::item:selected { background: #1f3b57; color: white; }"
        )
        self.stack = QStackedWidget()
        self._placeholders: dict[str, QWidget] = {}
        for spec in PAGES:
            holder = QWidget()
            QVBoxLayout(holder)
            self._placeholders[spec.name] = holder
            self.stack.addWidget(holder)
        body = QHBoxLayout()
        body.setContentsMargins(0, 0, 0, 0)
        body.addWidget(self.nav)
        body.addWidget(self.stack, 1)
        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(4, 4, 4, 0)
        column.addWidget(self.message_bar)
        column.addLayout(body, 1)
        self.setCentralWidget(central)

        # code panel
        self.code_panel = CodePanel()
        self.code_dock = QDockWidget("Show code", self)
        self.code_dock.setObjectName("CodeDock")
        self.code_dock.setWidget(self.code_panel)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.code_dock)

        # status bar: the shown page's task, its progress and Cancel (gui/feedback.py)
        titles = {spec.name: spec.title for spec in PAGES}
        self.task_status = TaskStatus(self.statusBar(), self.tasks, titles,
                                      self._current_name, self.show_page, self)
        self.status_label = self.task_status.label
        self.progress = self.task_status.progress
        self.cancel_button = self.task_status.cancel_button
        self.undo_bar = self.task_status.undo_bar
        self.messages = PageMessages(self.message_bar, self.nav, self._current_name,
                                     self.undo_bar, self)
        self._shown_name: str | None = None

        self._build_menus()
        self.tasks.error.connect(lambda text, detail: self.show_message(
            text, "error", detail=detail, page=self.ctx.speaker))
        self.ctx.page_message_requested.connect(
            lambda text, level, actions, page, detail: self.show_message(
                text, level, actions, detail=detail, page=page or None))
        self.ctx.navigate_requested.connect(self._navigate)
        self.ctx.open_requested.connect(
            lambda kind: self.open_image_dialog() if kind == "image" else self.open_data_dialog())
        self.nav.currentRowChanged.connect(self._row_changed)

        self.resize(first_run_size(available_geometry(self)))
        geometry = self.settings.value("window/geometry")
        if isinstance(geometry, QByteArray | bytes):
            self.restoreGeometry(geometry)
            fit_to_screen(self)
        state = self.settings.value("window/state")
        if isinstance(state, QByteArray | bytes):
            self.restoreState(state)
        show_code = self.settings.value("window/show_code", True, type=bool)
        self.code_dock.setVisible(bool(show_code))
        last = self.settings.value("window/last_page", "data")
        last = last if isinstance(last, str) else "data"
        self.show_page(last if last in page_names() else "data")
        notices = [text for text in (notice, self.ctx.notice) if text]
        if notices:
            self.show_message(" ".join(notices), "warning")
        # Import the other pages' code in the background once the window is up, so that a
        # page's first visit only builds its widgets (importing took 35-120 ms a page).
        self._prefetch = threading.Thread(target=in_background(prefetch_pages),
                                          name="clusterlab-prefetch",
                                          daemon=True)
        self._closing = False
        QTimer.singleShot(500, self, self._start_prefetch)

    def _start_prefetch(self) -> None:
        if not self._closing and not self._prefetch.is_alive():
            self._prefetch.start()
        if not self._closing:
            from gui.widgets import plot_pool

            plot_pool.keep_filled(True)  # plots made ahead, so a page opens without making them
            from gui.gc_freeze import ImportFreezer

            # imported code out of the garbage collector's full walks (100+ ms each)
            self.gc_freezer = ImportFreezer(self)
            self.gc_freezer.start()

    # -- menus --------------------------------------------------------------------------------
    def _action(self, menu, text, slot, shortcut=None, tip=""):
        action = QAction(text, self)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.setStatusTip(tip)
        action.setToolTip(tip)
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self.open_data_action = self._action(
            file_menu, "Open &data…", self.open_data_dialog, QKeySequence.StandardKey.Open,
            "Open a CSV, TSV or NPY table")
        self.open_image_action = self._action(
            file_menu, "Open &image…", self.open_image_dialog, "Ctrl+Shift+O",
            "Open a PNG, JPEG, BMP, TIFF or WebP image")
        file_menu.addSeparator()
        from gui.export_menu import ExportMenu

        self.export_menu = ExportMenu(self, file_menu)
        self._action(file_menu, "Export results as &CSV…", self.export_csv_dialog, None,
                     "Save the page's results as a CSV table")
        file_menu.addSeparator()
        self._action(file_menu, "Compute &backend…", lambda: show_backend_dialog(self), None,
                     "Where K-Means runs on data too big for memory: here, or on a Dask cluster")
        self._action(file_menu, "&Quit", self.close, QKeySequence.StandardKey.Quit)

        view_menu = bar.addMenu("&View")
        self.show_code_action = self.code_dock.toggleViewAction()
        self.show_code_action.setText("Show &code")
        self.show_code_action.setShortcut(QKeySequence("F4"))
        view_menu.addAction(self.show_code_action)
        view_menu.addSeparator()
        for i, spec in enumerate(PAGES):
            self._action(view_menu, spec.title, lambda _=False, n=spec.name: self.show_page(n),
                         f"Ctrl+{i + 1}" if i < 9 else None, spec.tooltip)

        self.help = HelpMenu(self, bar.addMenu("&Help"))  # gui/help.py

    # -- pages ---------------------------------------------------------------------------------
    def page(self, name: str) -> Page:
        """The page called ``name``, created on first use."""
        if name not in self.pages:
            spec = spec_for(name)
            page = spec.load()(self.ctx)
            page.open_in_turns()  # its views made and painted in the next turns
            self.pages[name] = page
            holder = self._placeholders[name]
            holder.layout().setContentsMargins(0, 0, 0, 0)
            holder.layout().addWidget(page)
            page.code_changed.connect(lambda p=page: self._code_changed(p))
        return self.pages[name]

    def current_page(self) -> Page | None:
        item = self.nav.currentItem()
        return self.pages.get(item.data(Qt.ItemDataRole.UserRole)) if item else None

    def show_page(self, name: str) -> Page:
        """Show page ``name`` now (made first if need be)."""
        row = page_names().index(name)
        changed = self.nav.currentRow() != row
        if changed:
            self.nav.setCurrentRow(row)
        if not changed or self._shown_name != name:
            self._row_changed(row, now=True)
        return self.pages[name]

    def _row_changed(self, row: int, now: bool = False) -> None:
        if row < 0:
            return
        name = PAGES[row].name
        if name not in self.pages and not now:
            # Chosen in the list: the page is made in this turn and shown in the next (each
            # ~10 ms; in one turn, with the paint and what the click started, up to 60 ms).
            self.page(name)
            next_turn(self, lambda: self.nav.currentRow() == row and self._shown_name != name
                      and self._row_changed(row, now=True))
            return
        page = self.page(name)
        self.stack.setCurrentIndex(row)
        if self._shown_name not in (None, name):
            self.pages[self._shown_name].leave()
        self._shown_name = name
        self.messages.page_shown(name)
        self.task_status.page_shown(name)
        show_only_current(self.stack)  # a page visited before no longer holds the window wide
        self.settings.setValue("window/last_page", name)
        self.code_panel.set_code(page.code())
        QTimer.singleShot(0, page.ensure_started)

    def _navigate(self, name: str, params: dict) -> None:
        page = self.show_page(name)
        if params:
            page.ensure_started()
            page.apply_params(**params)

    def _code_changed(self, page: Page) -> None:
        if page is self.current_page():
            self.code_panel.set_code(page.code())

    # -- messages and tasks ------------------------------------------------------------------------
    def _current_name(self) -> str | None:
        item = self.nav.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    def show_message(self, text: str, level: str = "error", actions=None, detail: str = "",
                     page: str | None = None):
        """Say ``text`` in the message bar of ``page`` (default: the page shown)."""
        self.messages.post(text, level, actions or [], detail=detail, page=page)
        if detail:
            print(detail, file=sys.stderr)

    def cancel_current(self) -> None:
        """Cancel the task of the page shown (the status bar's Cancel)."""
        self.task_status.cancel_shown()

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt override
        if event.key() == Qt.Key.Key_Escape:
            self._escape()
            event.accept()
            return
        super().keyPressEvent(event)

    def _escape(self) -> None:
        task = self.task_status.shown_task()
        if task is not None and task.user_cancellable:
            self.cancel_current()
        elif self.message_bar.isVisible():
            self.message_bar.dismiss()

    # -- opening files -----------------------------------------------------------------------------
    def open_data_dialog(self) -> None:
        start = self.settings.value("files/last_folder", str(Path.home()))
        path, _ = QFileDialog.getOpenFileName(self, "Open data", start, TABLE_FILTER)
        if path:
            self.open_path(path)

    def open_image_dialog(self) -> None:
        start = self.settings.value("files/last_folder", str(Path.home()))
        path, _ = QFileDialog.getOpenFileName(self, "Open image", start, IMAGE_FILTER)
        if path:
            self.open_path(path)

    def open_path(self, path: str, **fixes) -> None:
        """Open a table or an image in the background; errors go to the message bar."""
        path = str(path)
        self.settings.setValue("files/last_folder", str(Path(path).parent))
        kind, _ = file_kind(path)  # by content (magic bytes), not by extension
        if kind == "image" or (kind == "text" and not Path(path).exists()
                               and Path(path).suffix.lower() in IMAGE_SUFFIXES):
            self.tasks.submit(_load_image_job, path, key="open-file",
                              description=f"Opening {Path(path).name}…",
                              on_result=lambda r: self._image_loaded(path, r),
                              on_error=lambda e: self._open_failed(path, e, fixes))
        elif not offer_streaming(self, path):  # too big to load: a sample, in streaming mode
            self.tasks.submit(_load_table_job, path, key="open-file",
                              description=f"Opening {Path(path).name}…", **fixes,
                              on_result=self._table_loaded,
                              on_error=lambda e: self._open_failed(path, e, fixes))

    def _open_failed(self, path: str, exc: BaseException, fixes: dict) -> None:
        if isinstance(exc, DataError):
            actions = []
            if exc.fix:
                more = {**fixes, exc.fix: True}
                actions.append((exc.fix_label or "Fix", lambda: self.open_path(path, **more)))
            self.show_message(str(exc), "error", actions)
        else:
            self.show_message(f"Could not open '{Path(path).name}': {exc}", "error")

    def _table_loaded(self, ds) -> None:
        self.show_page("data")
        self.ctx.add_dataset(ds)
        self.show_message(f"Opened {ds.name}: {count(ds.n_samples)} rows × {ds.n_features} features.",
                          "info")

    def _image_loaded(self, path: str, result) -> None:
        rgb, pixels, code = result
        name = Path(path).name
        key = self.ctx.add_image(name, rgb, code=code)
        self.ctx.add_dataset(pixels)
        if "segmentation" in page_names():
            self._navigate("segmentation", {"image": key})
        else:
            self.show_page("data")
        self.show_message(f"Opened {name}: {count(rgb.shape[1])} × {count(rgb.shape[0])} pixels.",
                          "info")

    def dragEnterEvent(self, event) -> None:  # noqa: N802 - Qt override
        urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
        if any(u.isLocalFile() for u in urls):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event) -> None:  # noqa: N802 - Qt override
        for url in event.mimeData().urls():
            if url.isLocalFile():
                self.open_path(url.toLocalFile())
        event.acceptProposedAction()

    # -- export ---------------------------------------------------------------------------------------
    def export_plot_dialog(self, fmt: str, scale: float = 1.0, whole_tab: bool = False):
        self.export_menu.plot_dialog(fmt, scale, whole_tab)

    def export_plot(self, path: str, fmt: str | None = None, scale: float = 1.0,
                    whole_tab: bool = False) -> str | None:
        """Save the current page's plot (or whole tab) as PNG at ``scale``, SVG or PDF (by
        ``fmt``, else the file's extension); returns the path written, None on failure."""
        page = self.current_page()
        if page is None:
            widget = self.centralWidget()
        else:
            widget = page.export_tab_widget() if whole_tab else page.export_widget()
        try:
            path = save_widget(widget, path, fmt, scale)
        except (OSError, ValueError) as exc:
            self.show_message(f"Could not save '{path}': {exc}", "error")
            return None
        self.show_message(f"Saved {Path(path).name}.", "info")
        return path

    def export_frames(self, path: str, scale: float = 1.0, on_done=None):
        """Save the current page's run as an animated GIF or numbered PNG frames."""
        page = self.current_page()
        if page is None or not page.can_export_frames:
            self.show_message("Only the K-Means page has a run to animate.", "warning")
            return None

        def done(paths):
            where = Path(path).name if len(paths) == 1 else f"{Path(paths[0]).name} …"
            self.show_message(f"Saved the run ({len(paths)} file(s)): {where}", "info")
            if on_done is not None:
                on_done(paths)

        def failed(exc):
            self.show_message(f"Could not save '{path}': {exc}", "error")
            if on_done is not None:
                on_done(None)

        return page.export_frames(path, scale, on_done=done, on_error=failed)

    def export_csv_dialog(self) -> None:
        page = self.current_page()
        table = page.export_table() if page is not None else None
        if table is None:
            self.show_message("This page has no results to export yet.", "warning")
            return
        start = str(Path(self.settings.value("files/last_folder", str(Path.home())))
                    / f"clusterlab-{page.name}.csv")
        path, _ = QFileDialog.getSaveFileName(self, "Export results", start, "CSV (*.csv)")
        if path:
            self.export_csv(ensure_suffix(path, ".csv"))

    def export_csv(self, path: str):
        """Save the current page's results as CSV in the background; returns the task."""
        page = self.current_page()
        table = page.export_table() if page is not None else None
        if table is None:
            self.show_message("This page has no results to export yet.", "warning")
            return None
        header, rows = table
        return self.tasks.submit(
            write_csv, path, header, rows, key="export-csv",
            description=f"Saving {Path(path).name}…",
            on_result=lambda _: self.show_message(f"Saved {Path(path).name}.", "info"),
            on_error=lambda exc: self.show_message(f"Could not save '{path}': {exc}", "error"))

    # -- about, screenshot, close ---------------------------------------------------------------------
    def about_text(self) -> str:
        from gui.about import about_text

        return about_text()

    def show_about(self) -> None:
        from gui.about import show_about

        self.about_box = show_about(self)  # modal

    def wait_for_result(self, page: Page, timeout_s: float = 120.0) -> bool:
        """Spin the event loop until ``page`` drew its first result (or the timeout)."""
        if not page.has_result:
            loop = QEventLoop()
            page.result_drawn.connect(loop.quit)
            timer = QTimer()
            timer.setSingleShot(True)
            timer.timeout.connect(loop.quit)
            timer.start(int(timeout_s * 1000))
            loop.exec()
            timer.stop()
        return page.has_result

    def screenshot(self, name: str, path: str, timeout_s: float = 120.0) -> bool:
        page = self.show_page(name)
        page.ensure_started()
        if not self.wait_for_result(page, timeout_s):
            return False
        # Let pyqtgraph finish its first layout pass (axes size themselves on first paint).
        settle = QEventLoop()
        QTimer.singleShot(250, settle.quit)
        settle.exec()
        try:
            save_pixmap(render_image(self), str(path))  # atomic: never half a PNG
        except OSError:
            return False
        return True

    def _draw_big_clouds_off_thread(self, on: bool) -> None:
        from gui.widgets import plot_pool
        from gui.widgets.scatter import ScatterView, rasterize_with

        ScatterView.raster_runner = rasterize_with(self.tasks) if on else None
        if not on:
            plot_pool.keep_filled(False)

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt override
        self._closing = True
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        self.settings.setValue("window/show_code", self.code_dock.isVisible())
        self.settings.sync()
        for page in self.pages.values():
            closer = getattr(page, "shutdown", None)
            if callable(closer):
                closer()
        file_writer.flush_all()  # (the pages' per-dataset files written in the background)
        self.tasks.shutdown(timeout=15.0)
        self._draw_big_clouds_off_thread(False)
        close_clients()
        self.gc_collector.stop()  # (the workers stopped: automatic collection is safe again)
        self._library_timer.stop()
        self.memory.wait()
        if self._prefetch.is_alive():
            self._prefetch.join(5.0)
        super().closeEvent(event)


#: Seconds a thread running Python keeps the GIL while another waits for it (Python's
#: default is 0.005): see :func:`create_app`.
SWITCH_INTERVAL_S = 0.00025
#: Kilobytes of pixmaps Qt may keep: plots paint their axes from pixmaps in QPixmapCache
#: (``plot_pool.cached_axes``); an axis with a grid spans its plot (2-4 MB for a big one),
#: and Qt's default 10 MB would drop and remake them as the views take turns to paint.
PIXMAP_CACHE_KB = 64 * 1024


def create_app(argv=None) -> QApplication:
    """The QApplication, configured once (pyqtgraph options, names, icon)."""
    import pyqtgraph as pg

    # Leave one core to the window: scikit-learn's OpenMP kernels otherwise take every core,
    # and their spinning threads starved the GUI thread for 300-600 ms during a fit on a
    # 2-core machine. (A user's own OMP_NUM_THREADS wins; it must be set before scikit-learn
    # is first imported, which the app does lazily.)
    os.environ.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) - 1)))

    # The GIL changes hands every SWITCH_INTERVAL_S instead of every 5 ms. Painting and
    # pyqtgraph hand the GIL back and forth with Qt many times a turn, and each time the GUI
    # thread took it back from a worker running Python it waited up to the interval: a
    # plot's paint took 41 ms beside such a worker, 15-20 ms at 1 ms, 8-11 ms at 0.25 ms
    # (bench/bench_background.py); a worker alone is never interrupted, and fits took as long.
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    memory.no_hugepage_advice()
    app = QApplication.instance() or QApplication(list(argv or sys.argv[:1]))
    QPixmapCache.setCacheLimit(max(QPixmapCache.cacheLimit(), PIXMAP_CACHE_KB))
    app.setApplicationName(app_settings.APP)
    app.setOrganizationName(app_settings.ORG)
    app.setApplicationDisplayName("ClusterLab")
    app.setDesktopFileName("clusterlab")
    app.setWindowIcon(QIcon(str(resources.path("icons/clusterlab.svg"))))
    pg.setConfigOptions(antialias=False, imageAxisOrder="row-major", background="w",
                        foreground="k")
    return app


def main(argv=None) -> int:
    """The command line (gui/cli.py); kept here for ``python -m gui.app`` and the script."""
    from gui.cli import main as cli_main

    return cli_main(argv)


if __name__ == "__main__":
    sys.exit(main())
