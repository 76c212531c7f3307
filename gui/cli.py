"""The command line: ``clusterlab [FILES] [--page NAME] [--screenshot PATH] ...``."""

from __future__ import annotations

import argparse
import os
import sys

from PySide6.QtCore import QSize

from gui.app import MainWindow, create_app
from gui.pages import page_names


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="clusterlab", description="ClusterLab: see clustering work, step by step.")
    parser.add_argument("files", nargs="*", help="CSV/NPY tables or images to open")
    parser.add_argument("--page", choices=page_names(), help="page to open on")
    parser.add_argument("--screenshot", metavar="PATH",
                        help="open the page offscreen, wait for its first result, save a PNG "
                             "of the window to PATH and exit")
    parser.add_argument("--export-plot", metavar="OUT",
                        help="open the page offscreen, wait for its result, save its main plot "
                             "to OUT (.svg, .pdf or .png, by the extension) and exit")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="resolution of a PNG from --export-plot/--export-frames: 2 or 4 "
                             "times the screen's (default 1)")
    parser.add_argument("--export-frames", metavar="OUT",
                        help="run K-Means on the K-Means page and save every iteration: an "
                             "animated GIF (out.gif), numbered PNGs (out.png -> out-000.png, "
                             "a pattern like frames/%%03d.png, or a folder), then exit")
    parser.add_argument("--size", default="1320x820",
                        help="window size for --screenshot and the exports, WIDTHxHEIGHT "
                             "(default 1320x820)")
    parser.add_argument("--timeout", type=float, default=180.0,
                        help="seconds --screenshot and --print-code wait for the page's result "
                             "(default 180)")
    parser.add_argument("--print-code", action="store_true",
                        help="print the page's \"Show code\" snippet for its default state and "
                             "exit (needs no display; run it with the notebook extra)")
    parser.add_argument("--install-desktop-entry", action="store_true",
                        help="add ClusterLab to your desktop's application menu and exit")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    parser.add_argument("--exit-after-first-paint", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def use_scratch_settings(prefix: str) -> str:
    """Settings and data folder in a new temporary folder: the app as a new user sees it,
    neither reading nor changing the user's settings and saved work. The folder is removed
    when the process exits; its path is returned."""
    import atexit
    import shutil
    import tempfile

    scratch = tempfile.mkdtemp(prefix=prefix)
    atexit.register(shutil.rmtree, scratch, ignore_errors=True)
    os.environ["CLUSTERLAB_DATA_DIR"] = os.path.join(scratch, "data")
    from PySide6.QtCore import QSettings

    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, scratch)
    return scratch


def main(argv=None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.version:
        import core

        print(f"ClusterLab {core.__version__}")
        return 0
    if args.install_desktop_entry:
        from gui.desktop import install_desktop_entry

        entry = install_desktop_entry()
        print(f"Installed {entry}; ClusterLab is now in your applications menu.")
        return 0
    if args.print_code:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"  # no display needed, no window seen
        use_scratch_settings("clusterlab-print-code-")
        from gui.print_code import print_code

        return print_code(args.page, args.timeout)
    batch = args.screenshot or args.export_plot or args.export_frames
    if args.scale <= 0 or args.scale > 16:
        print(f"--scale must be between 0 and 16, not {args.scale:g}", file=sys.stderr)
        return 2
    if args.export_frames and args.page not in (None, "kmeans"):
        print("--export-frames animates the K-Means page's run: use --page kmeans",
              file=sys.stderr)
        return 2
    if batch:
        if not os.environ.get("QT_QPA_PLATFORM"):
            os.environ["QT_QPA_PLATFORM"] = "offscreen"
        # A screenshot or an export shows the app as a new user sees it: it neither reads
        # nor changes the user's settings and saved work.
        use_scratch_settings("clusterlab-screenshot-")
        from gui import settings as app_settings
        from gui.help import FIRST_VISIT_KEY

        app_settings.settings().setValue(FIRST_VISIT_KEY, False)  # no card over the picture

    from PySide6.QtCore import qInstallMessageHandler

    from gui.desktop import display_problem, qt_message_handler

    problem = display_problem()
    if problem:
        print(problem, file=sys.stderr)
        return 2
    qInstallMessageHandler(qt_message_handler)
    app = create_app()
    window = MainWindow()
    if args.export_frames and not args.page:
        args.page = "kmeans"
    if args.page:
        window.show_page(args.page)
    if batch:
        try:
            width, height = (int(v) for v in args.size.lower().split("x"))
        except ValueError:
            print(f"--size must look like 1320x820, not '{args.size}'", file=sys.stderr)
            return 2
        window.resize(QSize(width, height))
        if not args.screenshot:
            window.code_dock.hide()  # an exported figure gets the room the code panel took
        window.show()
    if args.export_plot or args.export_frames:
        from gui.batch import drain, export

        name = args.page or window.current_page().name
        error = export(window, name, args.export_plot or args.export_frames, args.scale,
                       args.timeout, frames=not args.export_plot)
        drain(window)
        window.close()
        app.processEvents()
        if error:
            print(f"Export failed: {error}", file=sys.stderr)
            return 1
        print(f"Saved {args.export_plot or args.export_frames}")
        return 0
    if args.screenshot:
        name = args.page or window.current_page().name
        ok = window.screenshot(name, args.screenshot, args.timeout)
        error = window.message_bar.text() if window.message_bar.isVisible() else ""
        grown = window.size()
        window.close()
        app.processEvents()
        if not ok:
            why = error or f"the page did not draw a result within {args.timeout:.0f} s"
            print(f"Screenshot failed: {why}", file=sys.stderr)
            return 1
        if grown.width() > width or grown.height() > height:
            os.remove(args.screenshot)  # not the size asked for: no PNG
            print(f"Screenshot failed: the {name} page does not fit {width}x{height}: the "
                  f"window grew to {grown.width()}x{grown.height()} (its minimum size).",
                  file=sys.stderr)
            return 1
        print(f"Saved {args.screenshot}")
        return 0
    if args.exit_after_first_paint:  # bench/bench_bundle.py times the start with it
        from gui.first_paint import exit_after_first_paint

        exit_after_first_paint(window)
    window.show()
    for path in args.files:
        window.open_path(path)
    return app.exec()


