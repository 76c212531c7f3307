"""A seeded monkey: visits the pages and presses their controls at random.

Used by tests/gui/test_monkey.py (about 30 s) and bench/bench_monkey.py (10 minutes, with
memory growth). An exception that reaches the event loop (``sys.excepthook``) or an
unexpected error of a task (``TaskRunner.error``: not a DataError sentence) is recorded;
DataError sentences in the message bar are the app explaining bad input, not failures.
Dialogs are answered "Cancel" at once, so nothing blocks.
"""

from __future__ import annotations

import random
import sys
import time
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFileDialog,
    QInputDialog,
    QLineEdit,
    QMessageBox,
    QSlider,
    QSpinBox,
    QWidget,
)

#: Pages the monkey does not visit, and why.
SKIPPED_PAGES: dict[str, str] = {}  # page name -> why the monkey leaves it alone

#: Text typed into line edits: valid, odd and hostile.
TYPED = ["3", "2-9", "1, 4, 7", "", "abc", "-5", "1e9", "0", "999999", "  7 ", "%", "é"]

#: A table bigger than the built-in data (rows, features).
BIG_TABLE_SHAPE = (200_000, 6)


@dataclass
class Report:
    actions: int = 0
    pages: dict[str, int] = field(default_factory=dict)
    exceptions: list[str] = field(default_factory=list)
    task_errors: list[str] = field(default_factory=list)

    @property
    def failures(self) -> list[str]:
        return self.exceptions + self.task_errors


def big_table(seed: int = 0):
    """A 200,000 x 6 table of five blobs (a dataset the pages offer besides the built-ins)."""
    from core.datasets import Dataset

    rng = np.random.default_rng(seed)
    n, d = BIG_TABLE_SHAPE
    centres = rng.normal(scale=8.0, size=(5, d))
    X = centres[rng.integers(0, 5, n)] + rng.normal(size=(n, d))
    return Dataset(name="monkey-big.csv", X=X, key="file:/monkey/monkey-big.csv")


def no_dialogs(monkeypatch) -> None:
    """Every dialog answers Cancel at once (a modal dialog would block the monkey)."""
    monkeypatch.setattr(QDialog, "exec", lambda self, *a: 0)
    monkeypatch.setattr(QMessageBox, "exec", lambda self, *a: QMessageBox.StandardButton.Cancel)
    for name in ("getOpenFileName", "getSaveFileName", "getOpenFileNames"):
        monkeypatch.setattr(QFileDialog, name, staticmethod(lambda *a, **k: ("", "")))
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *a, **k: ""))
    for name in ("question", "warning", "information", "critical"):
        monkeypatch.setattr(QMessageBox, name,
                            staticmethod(lambda *a, **k: QMessageBox.StandardButton.Cancel))
    for name in ("getText", "getInt", "getDouble", "getItem"):
        monkeypatch.setattr(QInputDialog, name, staticmethod(lambda *a, **k: (None, False)))


class Monkey:
    def __init__(self, window, seed: int):
        self.window = window
        self.rng = random.Random(seed)
        self.report = Report()
        self._old_hook = None
        self.still_running = ""  # (set by finish)

    # -- recording ------------------------------------------------------------------------------
    def __enter__(self) -> Monkey:
        self._old_hook = sys.excepthook

        def hook(kind, value, tb):
            import traceback

            self.report.exceptions.append("".join(traceback.format_exception(kind, value, tb)))

        sys.excepthook = hook
        self.window.tasks.error.connect(self._task_error)
        return self

    def __exit__(self, *exc) -> None:
        sys.excepthook = self._old_hook
        self.window.tasks.error.disconnect(self._task_error)

    def _task_error(self, text: str, detail: str) -> None:
        self.report.task_errors.append(f"{text}\n{detail}")

    # -- pressing -------------------------------------------------------------------------------
    def pages(self) -> list[str]:
        from gui.pages import page_names

        return [name for name in page_names() if name not in SKIPPED_PAGES]

    def controls(self, page: QWidget) -> list[QWidget]:
        kinds = (QAbstractButton, QSpinBox, QDoubleSpinBox, QComboBox, QSlider, QLineEdit)
        out = []
        for w in page.findChildren(QWidget):
            if not isinstance(w, kinds) or not w.isVisible() or not w.isEnabled():
                continue
            if isinstance(w, QLineEdit) and (w.isReadOnly() or isinstance(
                    w.parent(), (QSpinBox, QDoubleSpinBox, QComboBox))):
                continue
            out.append(w)
        return out

    def press(self, w: QWidget) -> None:
        rng = self.rng
        if isinstance(w, QComboBox):
            if w.count():
                w.setCurrentIndex(rng.randrange(w.count()))
        elif isinstance(w, QSpinBox):
            lo, hi = w.minimum(), w.maximum()
            w.setValue(rng.choice([lo, min(hi, lo + rng.randrange(20)), w.value() + 1,
                                   w.value() - 1]))
        elif isinstance(w, QDoubleSpinBox):
            lo, hi = w.minimum(), w.maximum()
            span = min(hi - lo, 10.0)
            w.setValue(rng.choice([lo, lo + rng.random() * span, w.value() * 1.5,
                                   w.value() / 2]))
        elif isinstance(w, QSlider):
            w.setValue(rng.randint(w.minimum(), w.maximum()))
        elif isinstance(w, QLineEdit):
            w.setText(rng.choice(TYPED))
            w.editingFinished.emit()
        elif isinstance(w, QAbstractButton):
            w.click()
        self.report.actions += 1

    def visit(self, name: str, seconds: float) -> None:
        window = self.window
        page = window.show_page(name)
        page.ensure_started()
        self.report.pages[name] = self.report.pages.get(name, 0)
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            controls = self.controls(page)
            if controls:
                self.press(self.rng.choice(controls))
                self.report.pages[name] += 1
            self.settle(self.rng.choice([0.0, 0.0, 0.02, 0.1]))

    def settle(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        QApplication.processEvents()
        while time.monotonic() < end:
            QApplication.processEvents()
            time.sleep(0.005)

    def run(self, seconds: float) -> Report:
        """Visit the pages in a random order until ``seconds`` have passed."""
        names = self.pages()
        per_page = max(1.0, seconds / max(1, 2 * len(names)))
        end = time.monotonic() + seconds
        while True:  # rounds: every page once per round, in a random order
            order = names[:]
            self.rng.shuffle(order)
            for name in order:
                self.visit(name, min(per_page, max(0.1, end - time.monotonic())))
            if time.monotonic() >= end:
                return self.report

    def finish(self, timeout_s: float = 120.0) -> bool:
        """Cancel what runs, wait for the runner to be idle; True if the window still answers
        (a timer queued now fires within a second)."""
        self.window.tasks.cancel()
        end = time.monotonic() + timeout_s
        while self.window.tasks.busy and time.monotonic() < end:
            self.settle(0.05)
        fired = []
        QTimer.singleShot(0, lambda: fired.append(True))
        self.settle(1.0)
        self.still_running = self._still_running()
        return bool(fired) and not self.window.tasks.busy

    def _still_running(self) -> str:
        """The tasks still running, each with where its thread is (for a failure's message)."""
        import traceback

        frames = sys._current_frames()
        lines = []
        for task in self.window.tasks.active_tasks():
            thread = task._thread
            lines.append(f"{task.key} ({task.state}, thread alive: "
                         f"{thread is not None and thread.is_alive()})")
            frame = frames.get(thread.ident) if thread is not None else None
            if frame is not None:
                lines.extend("    " + line.rstrip()
                             for line in traceback.format_stack(frame)[-12:])
        return "\n".join(lines)
