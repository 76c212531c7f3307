"""Damaged files for the tests of what the app reads at start: one writer for every kind."""

from __future__ import annotations

from pathlib import Path


def write_damage(path: Path, damage: str, *, truncated: str, wrong_type: str) -> None:
    """Put one kind of damage where the JSON file ``path`` should be: ``truncated`` and
    ``wrong_type`` are the file's own text cut short and with values of the wrong type."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if damage == "truncated":
        path.write_text(truncated)
    elif damage == "nesting":
        path.write_text("[" * 100_000 + "]" * 100_000)
    elif damage == "empty":
        path.write_bytes(b"")
    elif damage == "wrong type":
        path.write_text(wrong_type)
    elif damage == "not a dict":
        path.write_text("[1, 2, 3]")
    elif damage == "folder":
        path.mkdir()
    elif damage == "not utf-8":
        path.write_bytes(b"\xff\xfe\x00garbage")
    else:
        raise AssertionError(damage)
