"""The Data page's "Show code" text: a pure function of what it shows."""

from __future__ import annotations


def data_code(dataset_code: str, method: str | None, labelled: bool, *,
              has_labels: bool | None = None, pixels: bool = False) -> str:
    """The dataset's own code, what the summary counts, a PCA when the view is one, and the
    scatter plot (coloured by the labels when ``labelled``, by the pixels' own colours when
    ``pixels``)."""
    has_labels = labelled if has_labels is None else has_labels
    code = dataset_code
    if "import numpy as np" not in code:
        code = "import numpy as np\n" + code
    code += ("\nprint(f\"rows: {X.shape[0]:,}\")\nprint(f\"features: {X.shape[1]}\")\n")
    if has_labels:
        code += "print(f\"classes: {len(np.unique(y))}\")\n"
    if method == "pca":
        code += ("\nfrom sklearn.decomposition import PCA\n\n"
                 "pca = PCA(n_components=2)\nX2D = pca.fit_transform(X)\n"
                 "print(f\"explained variance: {pca.explained_variance_ratio_.sum():.1%}\")\n")
        xy = "X2D"
    elif method == "pad":
        code += "\nX2D = np.c_[X, np.zeros(len(X))]  # one feature, against zero\n"
        xy = "X2D"
    else:
        xy = "X"
    colour = "c=y, " if labelled else "c=X / 255, " if pixels else ""
    code += ("\nimport matplotlib.pyplot as plt\n\n"
             f"plt.scatter({xy}[:, 0], {xy}[:, 1], {colour}s=1)\nplt.show()\n")
    return code


def page_code(state) -> str:
    ds = state.dataset
    if ds is None:
        return ""
    method = state.projection.method if state.projection is not None else None
    return data_code(ds.code, method, ds.y is not None and state.color_by_labels,
                     has_labels=ds.y is not None,
                     pixels="rgb" in ds.extra and state.color_by_labels)
