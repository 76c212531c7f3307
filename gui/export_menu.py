"""File ▸ Export plot / Export whole tab / Export run as animation: the dialogs.

The window's ``export_plot(path, fmt, scale, whole_tab)`` does the saving (gui/exports.py);
this module only asks where and how. A name without the format's extension gets it
(``plot.csv`` in the SVG dialog saves ``plot.csv.svg``).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMenu

from gui.exports import SCREEN_DPI, path_for_filter, with_extension

_FILTERS = {"png": "PNG image (*.png)", "svg": "SVG drawing (*.svg)",
            "pdf": "PDF document (*.pdf)"}


class ExportMenu(QObject):
    """The export entries of the File menu, for ``window`` (a MainWindow)."""

    def __init__(self, window, file_menu: QMenu):
        super().__init__(window)
        self.window = window
        for whole_tab in (False, True):
            menu = file_menu.addMenu("Export whole &tab" if whole_tab else "Export &plot")
            what = "the whole tab (all its plots, as on screen)" if whole_tab \
                else "the page's plot"
            keys = (lambda k: None) if whole_tab else (lambda k: k)
            window._action(menu, "PNG…", lambda _=False, t=whole_tab: self.plot_dialog("png", 1, t),
                           keys("Ctrl+E"), f"Save {what} as a PNG image, as on screen")
            for scale in (2, 4):
                window._action(menu, f"PNG at {scale}×…",
                               lambda _=False, s=scale, t=whole_tab: self.plot_dialog("png", s, t),
                               None, f"Save {what} as a PNG image at {scale} times the "
                               "screen's resolution (lines and markers scaled: sharper)")
            window._action(menu, "PNG at a chosen DPI…",
                           lambda _=False, t=whole_tab: self.dpi_dialog(t), None,
                           f"Save {what} as a PNG image at a resolution you choose "
                           f"({SCREEN_DPI:.0f} DPI is the screen's)")
            window._action(menu, "SVG…", lambda _=False, t=whole_tab: self.plot_dialog("svg", 1, t),
                           keys("Ctrl+Shift+E"),
                           f"Save {what} as an SVG drawing (opens in Inkscape, browsers, "
                           "slides)")
            window._action(menu, "PDF…", lambda _=False, t=whole_tab: self.plot_dialog("pdf", 1, t),
                           None, f"Save {what} as a PDF document")
        self.frames_action = window._action(
            file_menu, "Export run as &animation…", self.frames_dialog, None,
            "Save the K-Means run, iteration by iteration, as an animated GIF or numbered "
            "PNG frames")
        file_menu.aboutToShow.connect(self._update)

    def _update(self) -> None:
        page = self.window.current_page()
        self.frames_action.setEnabled(bool(page is not None and page.can_export_frames))

    def _ask_path(self, title: str, name: str, filt: str) -> str:
        start = str(Path(self.window.settings.value("files/last_folder", str(Path.home())))
                    / name)
        path, _ = QFileDialog.getSaveFileName(self.window, title, start, filt)
        return path

    def plot_dialog(self, fmt: str, scale: float = 1.0, whole_tab: bool = False) -> None:
        page = self.window.current_page()
        if page is None:
            return
        suffix = f"@{scale:g}x" if scale != 1 else ""
        title = "Export whole tab" if whole_tab else "Export plot"
        path = self._ask_path(title, f"clusterlab-{page.name}{suffix}.{fmt}", _FILTERS[fmt])
        if path:
            self.window.settings.setValue("files/last_folder", str(Path(path).parent))
            self.window.export_plot(with_extension(path, fmt), fmt, scale, whole_tab)

    def dpi_dialog(self, whole_tab: bool = False) -> None:
        last = int(self.window.settings.value("files/export_dpi", 300))
        dpi, ok = QInputDialog.getInt(
            self.window, "PNG resolution",
            f"Dots per inch ({SCREEN_DPI:.0f} is the screen's; 300 for print):", last, 24, 1200)
        if ok:
            self.window.settings.setValue("files/export_dpi", dpi)
            self.plot_dialog("png", dpi / SCREEN_DPI, whole_tab)

    def frames_dialog(self) -> None:
        page = self.window.current_page()
        if page is None or not page.can_export_frames:
            self.window.show_message("Only the K-Means page has a run to animate.", "warning")
            return
        start = str(Path(self.window.settings.value("files/last_folder", str(Path.home())))
                    / f"clusterlab-{page.name}-run.gif")
        path, chosen = QFileDialog.getSaveFileName(
            self.window, "Export run as animation", start,
            "Animated GIF (*.gif);;PNG frames, numbered (*.png)")
        if not path:
            return
        if Path(path).suffix.lower() not in (".gif", ".png"):
            path = path_for_filter(path, chosen, ".gif")
        self.window.settings.setValue("files/last_folder", str(Path(path).parent))
        self.window.export_frames(path)
