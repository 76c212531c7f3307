"""The engine's first calls, made on tiny data by a background thread at start-up.

A first call pays once for what later calls do not: importing scikit-learn's and scipy's
modules (the first 2-D view of a table: 1.3 s, then 5 ms), and reading the code of
LAPACK's and OpenMP's routines into memory (in the window, a first projection of a
1,000 x 64 table spent 110 ms there). Work that small is computed inline on the GUI thread
(``gui.tasks.INLINE_COST``), which would pay it there; after :func:`warm_up` it does not.
"""

from __future__ import annotations

import numpy as np


def warm_up() -> list[str]:
    """Project, fit, score and cluster a 60 x 3 table once; the names of the calls that
    failed (none, normally: a failure here is reported where the page calls them)."""
    from core.density import run_dbscan
    from core.kmeans import fit_kmeans
    from core.projection import project_2d
    from core.selection import silhouette_samples

    X = np.random.default_rng(0).normal(size=(60, 3))
    labels = np.arange(60) % 3
    calls = {
        "project_2d": lambda: project_2d(X),
        "fit_kmeans": lambda: fit_kmeans(X, 3, n_init=1, random_state=0),
        "silhouette_samples": lambda: silhouette_samples(X, labels),
        "run_dbscan": lambda: run_dbscan(X, 1.0, 5),
    }
    failed = []
    for name, call in calls.items():
        try:
            call()
        except Exception:  # noqa: BLE001 - the page meets the same error and reports it
            failed.append(name)
    return failed
