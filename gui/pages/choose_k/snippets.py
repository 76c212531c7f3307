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
    more = state.more_scores
    code = ds.code or "# X: your data, one row per point\n"
    code += (
        "\nfrom sklearn.cluster import KMeans\n"
        + ("from sklearn.metrics import (calinski_harabasz_score, davies_bouldin_score,\n"
           "                             silhouette_score)\n\n" if more else
           "from sklearn.metrics import silhouette_score\n\n")
        + f"ks = range({lo}, {hi + 1})\n"
        f"kmeans_per_k = {{k: KMeans(n_clusters=k, random_state={rs}).fit(X) for k in ks}}\n"
        "inertias = [kmeans_per_k[k].inertia_ for k in ks]\n"
        f"silhouette_scores = {{k: silhouette_score(X, kmeans_per_k[k].labels_{sample})\n"
        "                     for k in ks if k > 1}\n"
        "for k in ks:\n"
        "    print(f\"inertia k={k}: {kmeans_per_k[k].inertia_:.2f}\")\n"
        "    if k > 1:\n"
        "        print(f\"silhouette k={k}: {silhouette_scores[k]:.4f}\")\n"
    )
    if more:
        code += (
            "        print(f\"calinski_harabasz k={k}: "
            "{calinski_harabasz_score(X, kmeans_per_k[k].labels_):.2f}\")\n"
            "        print(f\"davies_bouldin k={k}: "
            "{davies_bouldin_score(X, kmeans_per_k[k].labels_):.4f}\")\n")
    if sweep.elbow is not None:
        code += f"# the elbow of the inertia curve is at k={sweep.elbow}\n"
    return code


def diagram_code(state: ChooseKState) -> str:
    """The chapter's silhouette diagrams for the "Diagrams for k" ks of the sweep, and the
    selected k's cluster sizes."""
    sweep, k = state.sweep, state.selected_k
    rs = sweep.random_state
    swept = {int(v) for v in sweep.ks}
    ks = [int(v) for v in state.diagram_ks if int(v) in swept and int(v) >= 2]
    code = ""
    if k is not None and k in swept:
        code += (f"\n# the selected k\n"
                 f"print(f\"cluster sizes k={k}: "
                 f"{{np.bincount(kmeans_per_k[{k}].labels_).tolist()}}\")\n")
    if not ks:
        return code
    if sweep.sample_size is not None:
        rows = (f"idx = np.random.RandomState({rs}).permutation(len(X))"
                f"[:{sweep.sample_size}]\n"
                "X_s = X[idx]\n")
        labels = "kmeans_per_k[k].labels_[idx]"
    else:
        rows = "X_s = X\n"
        labels = "kmeans_per_k[k].labels_"
    cols = min(len(ks), 2 if len(ks) <= 4 else 4)
    nrows = -(-len(ks) // cols)
    return code + (
        f"\n# silhouette diagrams (Diagrams for k: {', '.join(map(str, ks))})\n"
        "import matplotlib.pyplot as plt\nfrom sklearn.metrics import silhouette_samples\n\n"
        + rows +
        f"plt.figure(figsize=({4.5 * cols:g}, {4 * nrows:g}))\n"
        f"for plot, k in enumerate({ks!r}, start=1):\n"
        f"    plt.subplot({nrows}, {cols}, plot)\n"
        f"    y_pred = {labels}\n"
        "    silhouette_coefficients = silhouette_samples(X_s, y_pred)\n"
        "    padding = len(X_s) // 30\n"
        "    pos = padding\n"
        "    ticks = []\n"
        "    for i in range(k):\n"
        "        coeffs = np.sort(silhouette_coefficients[y_pred == i])\n"
        "        color = f\"C{i % 10}\"\n"
        "        plt.fill_betweenx(np.arange(pos, pos + len(coeffs)), 0, coeffs,\n"
        "                          facecolor=color, edgecolor=color, alpha=0.7)\n"
        "        ticks.append(pos + len(coeffs) // 2)\n"
        "        pos += len(coeffs) + padding\n"
        "    plt.yticks(ticks, range(k))\n"
        "    plt.axvline(x=silhouette_coefficients.mean(), color=\"red\", linestyle=\"--\")\n"
        "    plt.title(f\"$k={k}$\")\n"
        "    plt.xlabel(\"Silhouette Coefficient\")\n"
        "    plt.ylabel(\"Cluster\")\n"
        "plt.show()\n"
    )


def code(state: ChooseKState) -> str:
    """What the page shows, as scikit-learn code ('' before the first result)."""
    if state.result is None:
        return ""
    code = sweep_code(state) + diagram_code(state)
    if "import numpy as np" not in code:
        code = "import numpy as np\n" + code
    return code
