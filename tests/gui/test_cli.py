"""The command line: --screenshot, --install-desktop-entry, and the display hint."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gui.desktop import (
    APT_COMMAND,
    DISPLAY_HINT,
    NO_DISPLAY_HINT,
    display_problem,
    install_desktop_entry,
)

ROOT = Path(__file__).resolve().parents[2]


def run_main(*args, env=None, timeout=240):
    return subprocess.run([sys.executable, "main.py", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout, env=env)


def test_screenshot_of_a_page(tmp_path):
    out = tmp_path / "data.png"
    temp = tmp_path / "temp"
    temp.mkdir()
    result = run_main("--page", "data", "--screenshot", str(out),
                      env={**os.environ, "TMPDIR": str(temp)})
    assert result.returncode == 0, result.stderr
    assert list(temp.iterdir()) == []  # its scratch settings folder is removed at exit
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    from PIL import Image

    with Image.open(out) as img:
        assert img.size == (1320, 820)
        # the plot holds coloured points, not only white and grey
        colours = img.convert("RGB").getcolors(1_000_000)
        assert sum(1 for count, (r, g, b) in colours if max(r, g, b) - min(r, g, b) > 80) > 50
        # no "What to look at" card over the picture (its background is #fffdf4)
        assert sum(count for count, rgb in colours if rgb == (255, 253, 244)) < 500


def test_a_screenshot_fails_when_the_page_does_not_fit_its_size(tmp_path):
    out = tmp_path / "small.png"
    result = run_main("--page", "data", "--screenshot", str(out), "--size", "600x400")
    assert result.returncode == 1
    assert "does not fit 600x400: the window grew to" in result.stderr
    assert not out.exists()


def test_unknown_page_is_an_error():
    result = run_main("--page", "nope", "--screenshot", "/tmp/x.png")
    assert result.returncode == 2
    assert "invalid choice" in result.stderr


def test_install_desktop_entry(tmp_path):
    entry = install_desktop_entry({"XDG_DATA_HOME": str(tmp_path)})
    text = entry.read_text()
    assert entry == tmp_path / "applications" / "clusterlab.desktop"
    assert "Name=ClusterLab" in text and "Type=Application" in text
    exec_line = next(line for line in text.splitlines() if line.startswith("Exec="))
    assert exec_line.endswith("%F") and len(exec_line) > len("Exec= %F")
    icon = next(line for line in text.splitlines() if line.startswith("Icon="))[5:]
    assert Path(icon).is_file()
    assert (tmp_path / "icons/hicolor/scalable/apps/clusterlab.svg").is_file()


def test_install_desktop_entry_from_the_command_line(tmp_path):
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path)}
    result = run_main("--install-desktop-entry", env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "applications" / "clusterlab.desktop").is_file()


def test_display_problem_rules():
    def missing(name):
        raise OSError(name)

    assert display_problem({"QT_QPA_PLATFORM": "offscreen"}, "linux") is None
    assert display_problem({}, "darwin") is None
    assert display_problem({}, "linux") == NO_DISPLAY_HINT
    assert display_problem({"WAYLAND_DISPLAY": "wayland-0"}, "linux") is None
    hint = display_problem({"DISPLAY": ":0"}, "linux", loader=missing)
    assert hint.startswith(DISPLAY_HINT) and APT_COMMAND in hint
    assert display_problem({"DISPLAY": ":0"}, "linux", loader=lambda name: None) is None


def test_the_app_prints_the_apt_hint_instead_of_qts_bare_message():
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY")}
    env["DISPLAY"] = ":97"  # no X server there: either the libraries are missing or Qt fails
    result = run_main(env=env, timeout=60)
    assert result.returncode != 0
    assert "sudo apt install" in result.stderr


def test_desktop_entry_from_the_bundle_points_at_the_bundle(tmp_path, monkeypatch):
    """In the standalone bundle (sys.frozen), the launcher starts the bundle's executable, not
    a `clusterlab` script or a Python that may not exist."""
    exe = tmp_path / "Apps dir" / "ClusterLab" / "ClusterLab"
    exe.parent.mkdir(parents=True)
    exe.write_text("")
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(exe))
    entry = install_desktop_entry({"XDG_DATA_HOME": str(tmp_path / "share")})
    exec_line = next(line for line in entry.read_text().splitlines() if line.startswith("Exec="))
    # quoted as the Desktop Entry spec says: the path has a space
    assert exec_line == f'Exec="{exe}" %F'
    icon = next(line for line in entry.read_text().splitlines() if line.startswith("Icon="))[5:]
    assert Path(icon).is_file()


def _exec_argv(exec_value: str) -> list[str]:
    """An Exec value read back as the Desktop Entry spec says: the string type's escapes
    first, then quoted arguments, then %% (field codes other than %% are dropped)."""
    value, i = "", 0
    while i < len(exec_value):  # string type: \\s \\n \\t \\r \\\\
        c = exec_value[i]
        if c == "\\" and i + 1 < len(exec_value):
            value += {"s": " ", "n": "\n", "t": "\t", "r": "\r", "\\": "\\"}.get(
                exec_value[i + 1], "\\" + exec_value[i + 1])
            i += 2
        else:
            value += c
            i += 1
    argv, arg, quoted, i, started = [], "", False, 0, False
    while i < len(value):
        c = value[i]
        if quoted:
            if c == "\\" and value[i + 1] in '"`$\\':
                arg += value[i + 1]
                i += 1
            elif c == '"':
                quoted = False
            else:
                arg += c
        elif c == '"':
            quoted, started = True, True
        elif c == " ":
            if started:
                argv.append(arg)
            arg, started = "", False
        else:
            assert c not in "\t\n'\\><~|&;$*?#()`", f"unquoted reserved character {c!r}"
            arg, started = arg + c, True
        i += 1
    if started:
        argv.append(arg)
    out = []
    for a in argv:
        if a in ("%F", "%f", "%U", "%u"):
            continue
        assert "%" not in a.replace("%%", ""), f"a lone % in {a!r}"
        out.append(a.replace("%%", "%"))
    return out


@pytest.mark.parametrize("folder", [
    "Apps dir",            # a space
    "100% apps",           # a percent sign (gio launch failed on it)
    "it's \"quoted\"",     # single and double quotes
    "Programme für Ümläute ☃",  # non-ASCII
    "back\\slash $HOME `x`",  # backslash, dollar, backtick
])
def test_desktop_entry_exec_survives_odd_install_paths(tmp_path, monkeypatch, folder):
    exe = tmp_path / folder / "ClusterLab"
    exe.parent.mkdir(parents=True)
    marker = tmp_path / "launched"
    exe.write_text(f"#!/bin/sh\necho \"$0\" > '{marker}'\n")
    exe.chmod(0o755)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(exe))
    entry = install_desktop_entry({"XDG_DATA_HOME": str(tmp_path / "share")})
    exec_value = next(line for line in entry.read_text(encoding="utf-8").splitlines()
                      if line.startswith("Exec="))[5:]
    argv = _exec_argv(exec_value)
    # GLib looks the program up before expanding %%: a path with % is run through env
    assert argv == (["env"] if "%" in folder else []) + [str(exe.resolve())]
    gio = shutil.which("gio")
    if gio is None or "'" in str(tmp_path):
        return
    # the real thing: GLib's launcher parses the entry and runs the program
    result = subprocess.run([gio, "launch", str(entry)], capture_output=True, text=True,
                            timeout=30)
    assert result.returncode == 0, result.stderr
    deadline = time.monotonic() + 10
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marker.read_text(encoding="utf-8").strip() == str(exe.resolve())


def test_an_interrupted_desktop_install_keeps_the_previous_entry(tmp_path, monkeypatch):
    env = {"XDG_DATA_HOME": str(tmp_path)}
    entry = install_desktop_entry(env)
    before = entry.read_bytes()
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(tmp_path / "other" / "ClusterLab"))

    def crash(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        install_desktop_entry(env)
    assert entry.read_bytes() == before
    leftovers = [p for p in tmp_path.rglob("*") if p.name.endswith(".tmp")]
    assert leftovers == []
