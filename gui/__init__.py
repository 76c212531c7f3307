"""ClusterLab's desktop interface (PySide6 + pyqtgraph). No numerical algorithm lives here."""
