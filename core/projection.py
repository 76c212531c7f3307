"""Two-dimensional views of data with any number of features."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Projection:
    """2-D coordinates of every row, and how they were obtained.

    ``method`` is ``"identity"`` (the data has two features), ``"pad"`` (one
    feature, drawn against zero) or ``"pca"``; ``explained_variance_ratio``
    holds the share of variance of each PCA axis (NaN otherwise).
    """

    coords: np.ndarray
    method: str
    explained_variance_ratio: np.ndarray
    axis_titles: tuple[str, str]
    components: np.ndarray | None = None
    mean: np.ndarray | None = None

    def transform(self, X: np.ndarray) -> np.ndarray:
        """Project new rows (e.g. centroids) the same way as the data."""
        X = np.atleast_2d(np.asarray(X, dtype=np.float64))
        if self.method == "identity":
            return X[:, :2].copy()
        if self.method == "pad":
            return np.column_stack([X[:, 0], np.zeros(len(X))])
        return (X - self.mean) @ self.components.T

    @property
    def n_features(self) -> int:
        """Number of features of the data the view was made from."""
        if self.method == "identity":
            return 2
        if self.method == "pad":
            return 1
        return int(self.components.shape[1])

    def inverse_transform(self, xy: np.ndarray) -> np.ndarray:
        """The points of the data's space drawn at ``xy`` (n, 2) of the view.

        For a PCA view, the point of the principal plane with those coordinates
        (``PCA.inverse_transform``); for one feature, the x coordinate; for two
        features, the point itself.
        """
        xy = np.atleast_2d(np.asarray(xy, dtype=np.float64))
        if self.method == "identity":
            return xy[:, :2].copy()
        if self.method == "pad":
            return xy[:, :1].copy()
        return self.mean + xy[:, :2] @ self.components


#: from this many values (rows x features) on, the PCA goes through the covariance matrix
COVARIANCE_PCA_SIZE = 1_000_000


def project_2d(X: np.ndarray, feature_names: tuple[str, ...] = ()) -> Projection:
    """The data itself for 2 features, else its first two principal components.

    Same numbers as ``sklearn.decomposition.PCA(n_components=2).fit_transform(X)``.
    """
    X = np.asarray(X, dtype=np.float64)
    d = X.shape[1]
    names = tuple(feature_names) or tuple(f"x{i + 1}" for i in range(d))
    if d == 2:
        return Projection(X.copy(), "identity", np.full(2, np.nan), (names[0], names[1]))
    if d == 1:
        return Projection(np.column_stack([X[:, 0], np.zeros(len(X))]), "pad",
                          np.full(2, np.nan), (names[0], ""))
    from sklearn.decomposition import PCA

    # A full SVD of a big table holds the GIL for seconds (scipy's LAPACK call), which
    # freezes the window while a worker projects; the covariance route (one BLAS product,
    # then a d x d eigh) releases it and gives the same components to ~1e-12.
    big = X.shape[0] * d >= COVARIANCE_PCA_SIZE and X.shape[0] > d
    pca = PCA(n_components=2, svd_solver="covariance_eigh" if big else "full")
    coords = pca.fit_transform(X)
    ratio = pca.explained_variance_ratio_
    titles = (f"PC1 ({ratio[0]:.1%} of variance)", f"PC2 ({ratio[1]:.1%} of variance)")
    return Projection(coords, "pca", ratio.copy(), titles, pca.components_.copy(), pca.mean_.copy())
