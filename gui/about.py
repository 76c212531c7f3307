"""Help ▸ About: the version of ClusterLab and of the libraries it runs on (a modal box)."""

from __future__ import annotations

import html
import sys

#: the libraries the About box names: (title, distribution pip knows, module)
LIBRARIES = (("pyqtgraph", "pyqtgraph", "pyqtgraph"), ("numpy", "numpy", "numpy"),
             ("scikit-learn", "scikit-learn", "sklearn"), ("scipy", "scipy", "scipy"),
             ("pandas", "pandas", "pandas"), ("Pillow", "Pillow", "PIL"))


def about_text() -> str:
    """The About box: the version of ClusterLab and of the libraries, and the K-Means path."""
    from importlib.metadata import PackageNotFoundError, version

    import PySide6
    from PySide6.QtCore import qVersion

    def ver(dist: str, module: str = "") -> str:
        try:
            return version(dist)
        except PackageNotFoundError:  # (a bundle may carry no metadata: ask the module)
            loaded = sys.modules.get(module)
            return getattr(loaded, "__version__", "not installed")

    import core
    from core.kmeans import kernel_status

    libs = "<br>".join(f"{title} {ver(dist, mod)}" for title, dist, mod in LIBRARIES)
    return (
        f"<h3>ClusterLab {core.__version__}</h3>"
        "<p>A hands-on lab for the unsupervised-learning chapter: K-Means step by step, "
        "choosing k, image segmentation, DBSCAN, semi-supervised digits and Gaussian "
        "mixtures.</p>"
        f"<p>Python {sys.version.split()[0]}<br>Qt {qVersion()} · PySide6 "
        f"{PySide6.__version__}<br>{libs}</p>"
        f"<p>{html.escape(kernel_status(), quote=False)}</p>"
    )


def show_about(window):
    """The About box, modal to the window (a click does not go through it); returns it."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QMessageBox

    import resources

    box = QMessageBox(window)
    box.setWindowTitle("About ClusterLab")
    box.setIconPixmap(QIcon(str(resources.path("icons/clusterlab.svg"))).pixmap(64, 64))
    box.setText(about_text())
    box.setTextFormat(Qt.TextFormat.RichText)
    box.setStandardButtons(QMessageBox.StandardButton.Close)
    box.setWindowModality(Qt.WindowModality.ApplicationModal)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.show()
    return box
