"""Regression guard for PySide6 6.12.0 on Python < 3.12, which corrupts None's refcount.

Every PySide6 call that returns nothing lowered ``sys.getrefcount(None)`` by one there, and the
interpreter aborted with "none_dealloc" after a few thousand calls. pyproject.toml pins a working
combination with environment markers; this test fails if a broken one is installed.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, QPointF


def test_calls_returning_none_keep_nones_refcount(qapp):
    before = sys.getrefcount(None)
    for _ in range(1000):
        QObject().setObjectName("x")
    point = QPointF()
    for i in range(1000):
        point.setX(float(i))
    after = sys.getrefcount(None)
    assert abs(after - before) < 100, (
        f"PySide6 changed None's refcount by {after - before} over 2 000 calls: this PySide6 "
        "build is broken on this Python (see pyproject.toml's pin)."
    )


def test_many_scatter_redraws_do_not_crash(qapp):
    import numpy as np

    from gui.widgets.scatter import ScatterView

    view = ScatterView()
    rng = np.random.default_rng(0)
    xy = rng.normal(size=(300, 2))
    for _ in range(30):
        view.set_points(xy, labels=rng.integers(0, 8, 300))
        view.plotItem.clear()
        view = ScatterView()
    assert sys.getrefcount(None) > 1000
