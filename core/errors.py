"""The exceptions that cross the boundary between the engine and its callers."""

from __future__ import annotations

import contextlib
import warnings


class DataError(ValueError):
    """Bad user input, explained in a sentence a person understands.

    ``fix`` optionally names a keyword argument that would let the loader
    go on (for example ``"drop_invalid"``), so a GUI can offer it as a button.
    """

    def __init__(self, message: str, *, fix: str | None = None, fix_label: str | None = None):
        super().__init__(message)
        self.fix = fix
        self.fix_label = fix_label


class Cancelled(Exception):
    """Raised by a progress callback to stop a long computation."""


@contextlib.contextmanager
def warnings_as_sentences(into: list[str], prefix: str = ""):
    """Collect the warnings raised inside (scikit-learn's ConvergenceWarning and others) as
    sentences appended to ``into`` (each once, ``prefix`` before it) instead of stderr."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield into
    for w in caught:
        sentence = prefix + str(w.message)
        if sentence not in into:
            into.append(sentence)
