"""The DBSCAN page's "Show code": pure functions of its state, testable without Qt."""

from __future__ import annotations

from core.density import DBSCANResult


def fmt_eps(value: float) -> str:
    """eps as the chapter prints it (two decimals) unless it needs more digits."""
    text = f"{value:.2f}"
    return text if abs(float(text) - value) < 1e-12 or value >= 1 else f"{value:.4g}"


def title(result: DBSCANResult) -> str:
    """A plot's title: the parameters and what they gave."""
    clusters = f"{result.n_clusters} cluster{'s' if result.n_clusters != 1 else ''}"
    anomalies = f"{result.n_noise:,} anomal{'ies' if result.n_noise != 1 else 'y'}"
    return f"eps={fmt_eps(result.eps)}, min_samples={result.min_samples}: {clusters}, {anomalies}"


def ordinal(k: int) -> str:
    suffix = "th" if 10 <= k % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(k % 10, "th")
    return f"{k}{suffix}"


def code(state) -> str:
    """The scikit-learn code that reproduces the clustering, its k-distance curve, the
    chapter's plot and the KNN's predictions for the new instances."""
    ds, r = state.dataset, state.result
    if ds is None or r is None:
        return ""
    pca = state.projection is not None and state.projection.method == "pca"
    text = ds.code or (f"X = ...  # the data of '{ds.name}': {ds.n_samples} rows × "
                       f"{ds.n_features} features\n")
    if "import numpy as np" not in text:
        text = "import numpy as np\n" + text
    if pca:
        text += ("\nfrom sklearn.decomposition import PCA\n\n"
                 "pca = PCA(n_components=2).fit(X)\nX2D = pca.transform(X)  # what the "
                 "plot shows\n")
    text += (
        "\nfrom sklearn.cluster import DBSCAN\n\n"
        f"dbscan = DBSCAN(eps={fmt_eps(r.eps)}, min_samples={r.min_samples})\n"
        "dbscan.fit(X)\n"
        f"print(dbscan.labels_[:10])  # {r.labels[:10].tolist()}\n"
        "print(f\"clusters: {len(set(dbscan.labels_) - {-1})}\")"
        f"  # {r.n_clusters} on the page\n"
        "print(f\"core samples: {len(dbscan.core_sample_indices_)}\")"
        f"  # {r.n_core}\n"
        "print(f\"anomalies: {(dbscan.labels_ == -1).sum()}\")"
        f"  # {r.n_noise}\n")
    if r.min_samples >= 2:
        k = r.min_samples - 1
        text += (
            "\n# The k-distance curve (k = min_samples - 1): a point is a core sample\n"
            "# when its k-distance is at most eps\n"
            "from sklearn.neighbors import NearestNeighbors\n\n"
            f"distances, _ = NearestNeighbors(n_neighbors={k + 1}).fit(X).kneighbors(X)\n"
            f"k_distances = np.sort(distances[:, {k}])\n")
    xy = "X2D" if pca else "X"
    text += (
        "\nimport matplotlib.pyplot as plt\n\n"
        "core_mask = np.zeros_like(dbscan.labels_, dtype=bool)\n"
        "core_mask[dbscan.core_sample_indices_] = True\n"
        "anomalies_mask = dbscan.labels_ == -1\n"
        "non_core_mask = ~(core_mask | anomalies_mask)\n"
        f"plt.scatter({xy}[core_mask, 0], {xy}[core_mask, 1], "
        "c=dbscan.labels_[core_mask], marker='o', s=60, cmap='Paired')\n"
        f"plt.scatter({xy}[anomalies_mask, 0], {xy}[anomalies_mask, 1], c='r', marker='x', "
        "s=100)\n"
        f"plt.scatter({xy}[non_core_mask, 0], {xy}[non_core_mask, 1], "
        "c=dbscan.labels_[non_core_mask], marker='.')\n"
        "plt.title(f\"eps={dbscan.eps:.2f}, min_samples={dbscan.min_samples}\")\n"
        "plt.show()\n")
    if state.instances:
        pts = state.lifted_instances()
        rows = ", ".join("[" + ", ".join(f"{v:.4g}" for v in p) + "]" for p in pts)
        text += (
            "\n# New instances: a KNN trained on the core samples\n"
            "from sklearn.neighbors import KNeighborsClassifier\n\n"
            f"knn = KNeighborsClassifier(n_neighbors={min(state.n_neighbors, max(r.n_core, 1))})\n"
            "knn.fit(dbscan.components_, dbscan.labels_[dbscan.core_sample_indices_])\n"
            f"X_new = np.array([{rows}])\n"
            "print(knn.predict_proba(X_new).round(2))\n"
            "y_dist, y_pred_idx = knn.kneighbors(X_new, n_neighbors=1)\n"
            "y_pred = knn.predict(X_new)\n"
            f"y_pred[y_dist.ravel() > {state.max_distance:g}] = -1  # anomalies\n"
            "print(f\"predict: {y_pred.tolist()}\")")
        if state.prediction is not None:
            text += f"  # {state.prediction.labels.tolist()} on the page"
        text += "\n"
    return text


def compare_code(state) -> str:
    """The Compare tab: the two clusterings side by side, as the chapter's figure."""
    ds = state.dataset
    if ds is None or state.compare is None:
        return code(state)
    pca = state.projection is not None and state.projection.method == "pca"
    text = ds.code or (f"X = ...  # the data of '{ds.name}': {ds.n_samples} rows × "
                       f"{ds.n_features} features\n")
    if pca:
        text += ("\nfrom sklearn.decomposition import PCA\n\n"
                 "X2D = PCA(n_components=2).fit_transform(X)  # what the plots show\n")
    xy = "X2D" if pca else "X"
    text += "\nimport matplotlib.pyplot as plt\nfrom sklearn.cluster import DBSCAN\n\n"
    text += "plt.figure(figsize=(9, 3.2))\n"
    for i, r in enumerate(state.compare, start=1):
        eps = fmt_eps(r.eps)
        text += (
            f"dbscan{i} = DBSCAN(eps={eps}, min_samples={r.min_samples}).fit(X)\n"
            f"print(f\"clusters eps={eps}: {{len(set(dbscan{i}.labels_) - {{-1}})}}\")"
            f"  # {r.n_clusters} on the page\n"
            f"print(f\"anomalies eps={eps}: {{(dbscan{i}.labels_ == -1).sum()}}\")"
            f"  # {r.n_noise}\n"
            f"plt.subplot(1, 2, {i})\n"
            f"plt.scatter({xy}[:, 0], {xy}[:, 1], c=dbscan{i}.labels_, s=4, cmap='Paired')\n"
            f"plt.title(f\"eps={{dbscan{i}.eps:.2f}}, min_samples={{dbscan{i}.min_samples}}\")\n")
    return text + "plt.show()\n"


__all__ = ["code", "compare_code", "fmt_eps", "ordinal", "title"]
