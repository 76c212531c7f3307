"""Platform glue: the desktop launcher and the hint shown when Qt cannot open a display."""

from __future__ import annotations

import ctypes
import os
import shutil
import sys
from pathlib import Path

import resources
from core.storage import atomic_write_bytes

APT_COMMAND = (
    "sudo apt install libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 "
    "libxcb-render-util0 libxcb-shape0 libxkbcommon-x11-0"
)

DISPLAY_HINT = (
    "ClusterLab could not open a window: Qt's X11 (xcb) platform plugin cannot be loaded.\n"
    "On Debian/Ubuntu, install the X11 libraries Qt needs with:\n\n"
    f"    {APT_COMMAND}\n\n"
    "then start ClusterLab again. (To make screenshots without a display, use "
    "--screenshot, or set QT_QPA_PLATFORM=offscreen.)"
)

NO_DISPLAY_HINT = (
    "ClusterLab could not find a display to open its window on (neither DISPLAY nor "
    "WAYLAND_DISPLAY is set).\nStart it from a desktop session, or use --screenshot PATH "
    "(or QT_QPA_PLATFORM=offscreen) to run without a screen."
)

# Libraries Qt's xcb plugin loads that minimal Linux installs often lack.
XCB_LIBRARIES = ("libxcb-cursor.so.0", "libxcb-icccm.so.4", "libxcb-keysyms.so.1")


def display_problem(environ=None, platform: str | None = None, loader=None) -> str | None:
    """A sentence explaining why Qt will fail to open a window, or None if it should work."""
    environ = os.environ if environ is None else environ
    platform = sys.platform if platform is None else platform
    if not platform.startswith("linux"):
        return None
    qpa = environ.get("QT_QPA_PLATFORM", "").split(":")[0].strip()
    if qpa and qpa != "xcb":
        return None
    if not qpa and environ.get("WAYLAND_DISPLAY"):
        return None
    if not environ.get("DISPLAY"):
        return NO_DISPLAY_HINT
    loader = loader or ctypes.CDLL
    missing = []
    for lib in XCB_LIBRARIES:
        try:
            loader(lib)
        except OSError:
            missing.append(lib)
    if missing:
        return DISPLAY_HINT + f"\n(Missing: {', '.join(missing)}.)"
    return None


def qt_message_handler(mode, context, message: str) -> None:
    """Print Qt's messages; replace the bare platform-plugin failure by our hint."""
    from PySide6.QtCore import QtMsgType

    if "platform plugin" in message and mode == QtMsgType.QtFatalMsg:
        print(DISPLAY_HINT, file=sys.stderr)
        print(f"\nQt said: {message}", file=sys.stderr)
        sys.stderr.flush()
        return
    if mode in (QtMsgType.QtWarningMsg, QtMsgType.QtCriticalMsg, QtMsgType.QtFatalMsg):
        if "propagateSizeHints" in message or "This plugin does not support" in message:
            return
        print(f"Qt: {message}", file=sys.stderr)


def _data_home(environ) -> Path:
    base = environ.get("XDG_DATA_HOME")
    return Path(base) if base else Path.home() / ".local" / "share"


def _desktop_quote(arg: str) -> str:
    """One argument of a desktop entry's Exec key, quoted as the Desktop Entry spec says."""
    arg = arg.replace("%", "%%")
    reserved = set(" \t\n\"'\\><~|&;$*?#()`")
    if arg and not reserved.intersection(arg):
        return arg
    escaped = "".join("\\" + c if c in '"`$\\' else c for c in arg)
    # the key's value is itself a string whose backslashes are escaped once more
    return f'"{escaped}"'.replace("\\", "\\\\")


def _exec_program(path: str) -> str:
    """The program of an Exec key. GLib (``gio launch``, most desktops) looks its first
    argument up before expanding ``%%``, so a path with a ``%`` is run through ``env``."""
    quoted = _desktop_quote(path)
    return f"env {quoted}" if "%" in path else quoted


def is_frozen() -> bool:
    """True in the standalone bundle (PyInstaller sets ``sys.frozen``)."""
    return bool(getattr(sys, "frozen", False))


def launcher_command() -> str:
    """The command a desktop launcher runs: the bundle's executable when run from the
    standalone bundle, else the installed ``clusterlab`` script, else this Python."""
    if is_frozen():
        return _exec_program(str(Path(sys.executable).resolve()))
    script = shutil.which("clusterlab")
    if script:
        return _exec_program(str(Path(script).resolve()))
    return f"{_exec_program(sys.executable)} -m gui.app"


def install_desktop_entry(environ=None) -> Path:
    """Write the .desktop file and the icons into the user's data folder; return the entry."""
    environ = os.environ if environ is None else environ
    home = _data_home(environ)
    apps = home / "applications"
    scalable = home / "icons" / "hicolor" / "scalable" / "apps"
    bitmap = home / "icons" / "hicolor" / "256x256" / "apps"
    for folder in (apps, scalable, bitmap):
        folder.mkdir(parents=True, exist_ok=True)
    # atomic: an interrupted install leaves the previous files, never half-written ones
    for icon, name in ((scalable / "clusterlab.svg", "icons/clusterlab.svg"),
                       (bitmap / "clusterlab.png", "icons/clusterlab.png")):
        atomic_write_bytes(icon, resources.read_bytes(name)).chmod(0o644)
    lines = []
    for line in resources.read_text("clusterlab.desktop").splitlines():
        if line.startswith("Exec="):
            line = f"Exec={launcher_command()} %F"
        elif line.startswith("Icon="):
            line = f"Icon={bitmap / 'clusterlab.png'}"
        lines.append(line)
    entry = apps / "clusterlab.desktop"
    atomic_write_bytes(entry, ("\n".join(lines) + "\n").encode("utf-8"))
    entry.chmod(0o755)
    return entry
