"""The text of Help ▸ About."""

from __future__ import annotations

import html
import sys


def about_text() -> str:
    """The About box: the version of ClusterLab and of the libraries, and the K-Means path."""
    from importlib.metadata import PackageNotFoundError, version

    import numpy
    import pyqtgraph
    import PySide6
    from PySide6.QtCore import qVersion

    def ver(dist: str) -> str:
        try:
            return version(dist)
        except PackageNotFoundError:
            return "not installed"

    import core
    from core.kmeans import kernel_status

    return (
        f"<h3>ClusterLab {core.__version__}</h3>"
        "<p>A hands-on lab for the unsupervised-learning chapter: K-Means step by step, "
        "choosing k, image segmentation, DBSCAN and semi-supervised digits.</p>"
        f"<p>Qt {qVersion()} · PySide6 {PySide6.__version__}<br>"
        f"scikit-learn {ver('scikit-learn')} · numpy {numpy.__version__}<br>"
        f"pyqtgraph {pyqtgraph.__version__} · Pillow {ver('Pillow')}<br>"
        f"Python {sys.version.split()[0]}</p>"
        f"<p>{html.escape(kernel_status(), quote=False)}</p>"
    )
