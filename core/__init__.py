"""ClusterLab's engine: numpy, scikit-learn and Pillow, no Qt.

Every entry point takes arrays and plain parameters and returns a frozen
dataclass of numpy arrays and numbers, so it can be used from a notebook.
scikit-learn is imported lazily inside the functions that need it.
"""

__version__ = "0.1.0"
