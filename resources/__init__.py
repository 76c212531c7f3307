"""Bundled resources (icon, desktop entry), read with importlib.resources."""

from __future__ import annotations

from importlib import resources


def path(name: str):
    """A Traversable for a bundled resource, e.g. ``path("icons/clusterlab.svg")``."""
    return resources.files(__name__).joinpath(name)


def read_bytes(name: str) -> bytes:
    return path(name).read_bytes()


def read_text(name: str) -> str:
    return path(name).read_text(encoding="utf-8")
