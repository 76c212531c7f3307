"""The "Show code" text of the Choosing k page: a pure function of the state."""

from __future__ import annotations

from gui.pages.choose_k.state import ChooseKState


def sweep_code(state: ChooseKState) -> str:
    """The sweep of KMeans fits and their scores, with the dataset's own code first."""
    sweep, ds = state.sweep, state.result.dataset
    lo, hi = int(sweep.ks[0]), int(sweep.ks[-1])
    rs = sweep.random_state
    sample = (f", sample_size={sweep.sample_size}, random_state={rs}"
              if sweep.sample_size is not None else "")
    code = ds.code or "# X: your data, one row per point\n"
    code += (
        "\nfrom sklearn.cluster import KMeans\n"
        "from sklearn.metrics import (calinski_harabasz_score, davies_bouldin_score,\n"
        "                             silhouette_samples, silhouette_score)\n\n"
        f"ks = range({lo}, {hi + 1})\n"
        f"kmeans_per_k = {{k: KMeans(n_clusters=k, random_state={rs}).fit(X) for k in ks}}\n"
        "inertias = [kmeans_per_k[k].inertia_ for k in ks]\n"
        f"silhouette_scores = {{k: silhouette_score(X, kmeans_per_k[k].labels_{sample})\n"
        "                     for k in ks if k > 1}\n"
        "ch_scores = {k: calinski_harabasz_score(X, kmeans_per_k[k].labels_) "
        "for k in ks if k > 1}\n"
        "db_scores = {k: davies_bouldin_score(X, kmeans_per_k[k].labels_) "
        "for k in ks if k > 1}\n"
    )
    if sweep.elbow is not None:
        code += f"# the elbow of the inertia curve is at k={sweep.elbow}\n"
    return code


def diagram_code(state: ChooseKState) -> str:
    """The chapter's silhouette diagram for the selected k ('' for k < 2)."""
    sweep, k = state.sweep, state.selected_k
    if k is None or k < 2:
        return ""
    rs = sweep.random_state
    if sweep.sample_size is not None:
        rows = (f"\nidx = np.random.RandomState({rs}).permutation(len(X))"
                f"[:{sweep.sample_size}]\n"
                f"X_s, y_pred = X[idx], kmeans_per_k[{k}].labels_[idx]\n")
    else:
        rows = f"\nX_s, y_pred = X, kmeans_per_k[{k}].labels_\n"
    return (
        f"\n# silhouette diagram for k={k} (the selected k)\n"
        "import matplotlib.pyplot as plt\nimport numpy as np\n"
        + rows +
        "silhouette_coefficients = silhouette_samples(X_s, y_pred)\n"
        "padding = len(X_s) // 30\npos = padding\nticks = []\n"
        f"for i in range({k}):\n"
        "    coeffs = np.sort(silhouette_coefficients[y_pred == i])\n"
        "    color = f\"C{i % 10}\"\n"
        "    plt.fill_betweenx(np.arange(pos, pos + len(coeffs)), 0, coeffs,\n"
        "                      facecolor=color, edgecolor=color, alpha=0.7)\n"
        "    ticks.append(pos + len(coeffs) // 2)\n"
        "    pos += len(coeffs) + padding\n"
        f"plt.yticks(ticks, range({k}))\n"
        "plt.axvline(x=silhouette_coefficients.mean(), color=\"red\", "
        "linestyle=\"--\")\n"
        f"plt.title(\"$k={k}$\")\n"
        "plt.xlabel(\"Silhouette Coefficient\")\nplt.ylabel(\"Cluster\")\nplt.show()\n"
    )


def code(state: ChooseKState) -> str:
    """What the page shows, as scikit-learn code ('' before the first result)."""
    if state.result is None:
        return ""
    return sweep_code(state) + diagram_code(state)
