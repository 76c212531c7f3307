"""The Data page's "Show code" text: a pure function of what it shows."""

from __future__ import annotations


def data_code(dataset_code: str, method: str | None, labelled: bool) -> str:
    """The dataset's own code, a PCA when the view is one, and the scatter plot."""
    code = dataset_code
    if method == "pca":
        code += ("\nfrom sklearn.decomposition import PCA\n\n"
                 "pca = PCA(n_components=2)\nX2D = pca.fit_transform(X)\n"
                 "print(pca.explained_variance_ratio_)\n")
        xy = "X2D"
    else:
        xy = "X"
    code += ("\nimport matplotlib.pyplot as plt\n\n"
             f"plt.scatter({xy}[:, 0], {xy}[:, 1], "
             + ("c=y, " if labelled else "")
             + "s=1)\nplt.show()\n")
    return code


def page_code(state) -> str:
    ds = state.dataset
    if ds is None:
        return ""
    method = state.projection.method if state.projection is not None else None
    return data_code(ds.code, method, ds.y is not None and state.color_by_labels)
