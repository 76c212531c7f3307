"""A seeded monkey presses every page's controls at random (about 30 s): no exception may
reach the event loop, no task may fail unexpectedly, and the window must still answer.

Every page is visited (tests/gui/monkey.py SKIPPED_PAGES lists none).
bench/bench_monkey.py runs the same monkey for 10 minutes and reports memory growth.
"""

from __future__ import annotations

from tests.gui.monkey import SKIPPED_PAGES, Monkey, big_table, no_dialogs

SEED = 20261201
SECONDS = 30.0


def test_the_monkey_finds_no_exception(window, qtbot, monkeypatch):
    no_dialogs(monkeypatch)
    window.ctx.add_dataset(big_table())
    with Monkey(window, SEED) as monkey:
        report = monkey.run(SECONDS)
        answers = monkey.finish()
    assert report.failures == [], "\n\n".join(report.failures[:3])
    assert answers, f"the window stopped answering; still running:\n{monkey.still_running}"
    visited = set(report.pages)
    assert visited == set(monkey.pages()) and not visited & set(SKIPPED_PAGES)
    assert report.actions >= 50 and all(n > 0 for n in report.pages.values())
