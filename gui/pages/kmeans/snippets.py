"""The K-Means page's "Show code": pure functions from its state to scikit-learn code."""

from __future__ import annotations

import numpy as np

from gui.pages.kmeans.state import KMeansState


def array_code(a) -> str:
    rows = ", ".join("[" + ", ".join(f"{v:.6g}" for v in row) + "]" for row in np.asarray(a))
    return f"np.array([{rows}])"


def fmt2(result, sign: int) -> str:
    """The fit's inertia (sign 1) or score (sign -1) as the snippet prints it."""
    return "" if result is None else f"{sign * result.inertia:.2f}"


def _head(state: KMeansState) -> str:
    ds = state.dataset
    data_code = ds.code.rstrip() or (f"X = ...  # '{ds.name}': {ds.n_samples} rows × "
                                     f"{ds.n_features} features")
    head = data_code + "\n\n"
    if "import numpy as np" not in data_code:
        head += "import numpy as np\n"
    return head + "from sklearn.cluster import KMeans\n\n"


def compare_code(state: KMeansState) -> str:
    if state.dataset is None:
        return ""
    if state.compare is None:
        return _head(state)
    lines = []
    for i, r in enumerate(state.compare):
        lines.append(f"kmeans{i + 1} = KMeans(n_clusters={r.n_clusters}, "
                     f"init=\"{r.init_method}\", n_init=1, random_state={r.random_state})"
                     f".fit(X)\nprint(f\"inertia {i + 1}: {{kmeans{i + 1}.inertia_:.2f}}\")"
                     f"  # {r.inertia:.2f} on the page")
    return _head(state) + "\n".join(lines) + "\n"


def variability_code(state: KMeansState) -> str:
    if state.dataset is None:
        return ""
    if state.variability is None:
        return _head(state)
    rnd = state.variability[0]
    return _head(state) + (
        f"inertias = {{}}\nfor init in (\"random\", \"k-means++\"):\n"
        f"    inertias[init] = [\n"
        f"        KMeans(n_clusters={rnd.n_clusters}, init=init, n_init=1, "
        f"random_state=seed).fit(X).inertia_\n"
        f"        for seed in range({int(rnd.seeds[0])}, {int(rnd.seeds[-1]) + 1})]\n"
        "    print(f\"{init}: best {min(inertias[init]):.2f}, "
        "worst {max(inertias[init]):.2f}\")\n\n"
        "import matplotlib.pyplot as plt\n\n"
        "plt.hist([inertias[\"random\"], inertias[\"k-means++\"]], bins=30,\n"
        "         label=[\"random\", \"k-means++\"])\nplt.legend()\nplt.show()\n")


def limits_code(state: KMeansState) -> str:
    return (
        "import numpy as np\nfrom sklearn.cluster import KMeans\nfrom sklearn.datasets import "
        "make_blobs\n\n"
        "X1, y1 = make_blobs(n_samples=1000, centers=((4, -4), (0, 0)), random_state=1)\n"
        "X1 = X1.dot(np.array([[0.374, 0.95], [0.732, 0.598]]))\n"
        "X2, y2 = make_blobs(n_samples=250, centers=1, random_state=42)\n"
        "X2 = X2 + [6, -8]\nX = np.r_[X1, X2]\n\n"
        "kmeans_good = KMeans(n_clusters=3, init=np.array([[-1.5, 2.5], [0.5, 0], [4, 0]]),\n"
        "                     n_init=1, random_state=42).fit(X)\n"
        "kmeans_bad = KMeans(n_clusters=3, random_state=42).fit(X)\n"
        "print(f\"inertia good: {kmeans_good.inertia_:.1f}\")"
        + (f"  # {state.limits[1].inertia:.1f} on the page" if state.limits is not None else "")
        + "\nprint(f\"inertia bad: {kmeans_bad.inertia_:.1f}\")"
        + (f"  # {state.limits[2].inertia:.1f} on the page" if state.limits is not None else "")
        + "\n")


def fit_code(state: KMeansState, iterations_figure: bool = False) -> str:
    """The fit (and the iteration shown, the projection, the soft clustering)."""
    ds = state.dataset
    if ds is None:
        return ""
    if state.frame is not None and state.frame.full is not None:
        return full_code(state)
    head = _head(state)
    p, f, stepper, result = state.params, state.frame, state.stepper, state.result
    if p is None or stepper is None or f is None:
        if state.hand:
            placed = state.placed_for(ds.key)
            k = state.k
            head += (f"# {len(placed)} of {k} initial centroids placed so far\n"
                     f"init = {array_code(np.asarray(placed)) if placed else '[]'}\n"
                     f"# once there are {k}:\n# kmeans = KMeans(n_clusters={k}, init=init, "
                     "n_init=1).fit(X)\n")
        return head
    k = stepper.n_clusters
    if p.init == "hand":
        init_line = f"init = {array_code(stepper.init_centers)}  # placed by hand\n"
        args = f"n_clusters={k}, init=init, n_init=1"
    else:
        init_line = ""
        n_init = "\"auto\"" if p.n_init == "auto" else p.n_init
        args = f"n_clusters={k}, init=\"{p.init}\", n_init={n_init}"
    if p.algorithm != "lloyd":
        args += f", algorithm=\"{p.algorithm}\""
    if p.max_iter != 300:
        args += f", max_iter={p.max_iter}"
    args += f", random_state={p.random_state}"
    code = head + init_line + f"kmeans = KMeans({args})\ny_pred = kmeans.fit_predict(X)\n"
    shown = (lambda text: f"  # {text} on the page") if result is not None else (lambda _: "")
    code += (f"print(f\"inertia: {{kmeans.inertia_:.2f}}\"){shown(fmt2(result, 1))}\n"
             f"print(f\"score: {{kmeans.score(X):.2f}}\"){shown(fmt2(result, -1))}\n"
             f"print(f\"n_iter: {{kmeans.n_iter_}}\")"
             f"{shown(result.n_iter if result is not None else '')}\n"
             "print(f\"cluster sizes: {np.bincount(y_pred).tolist()}\")\n")
    final = result.n_iter if result is not None else None
    if p.init == "hand":
        start = "init"
    elif result is not None and result.n_init == 1:
        start = f"\"{p.init}\""
    else:
        code += f"won = {array_code(stepper.init_centers)}  # the init that won\n"
        start = "won"
    if f.iteration != final or result is None:
        code += (f"\n# The iteration shown ({f.iteration}): one run from the same init, "
                 f"stopped there\n")
        if f.iteration == 0:
            code += (f"kmeans_iter = KMeans(n_clusters={k}, init={start}, n_init=1, "
                     f"max_iter=1, random_state={p.random_state}).fit(X)\n"
                     "initial_centroids = ...  # iteration 0: the init itself\n")
        else:
            code += (f"kmeans_iter = KMeans(n_clusters={k}, init={start}, n_init=1, "
                     f"max_iter={f.iteration}, random_state={p.random_state}).fit(X)\n"
                     f"print(f\"inertia at iteration {f.iteration}: "
                     f"{{kmeans_iter.inertia_:.2f}}\")  # {f.inertia:.2f} on the page\n")
    if state.projection is not None and state.projection.method == "pca":
        code += ("\n# The plot shows the first two principal components:\n"
                 "from sklearn.decomposition import PCA\n\n"
                 "pca = PCA(n_components=2).fit(X)\nX2D = pca.transform(X)\n"
                 "centroids2D = pca.transform(kmeans.cluster_centers_)\n")
    pts = state.x_new_for()
    if len(pts):
        code += (f"\nX_new = {array_code(pts)}\n"
                 "print(kmeans.transform(X_new).round(2))  # soft clustering\n"
                 "print(f\"predict: {kmeans.predict(X_new).tolist()}\")  # hard clustering\n")
    if iterations_figure:
        code += ("\n# Figure 9-4: iterations 1, 2 and 3\n"
                 "for max_iter in (1, 2, 3):\n"
                 f"    kmeans_iter = KMeans(n_clusters={k}, init={start}, n_init=1, "
                 f"max_iter=max_iter, random_state={p.random_state}).fit(X)\n"
                 "    print(kmeans_iter.cluster_centers_)\n")
    return code


def iterations_code(state: KMeansState) -> str:
    return fit_code(state, iterations_figure=True)


def exact_array(a) -> str:
    """An array as code that gives back the same float64 values."""
    rows = ", ".join("[" + ", ".join(repr(float(v)) for v in row) + "]"
                     for row in np.asarray(a))
    return f"np.array([{rows}])"


def full_code(state: KMeansState) -> str:
    """The pass of the full data shown: the same passes with core.scale, on the backend."""
    f = state.frame
    info = f.full
    t = f.iteration
    code = "import numpy as np\nfrom core.scale import fit_kmeans_streaming\n"
    call = ""
    if info.mode == "local":
        code += "from core.scale import connect\n"
        client = f"client = connect(\"local\", n_workers={info.workers})  # {info.where}\n"
        call = ", client=client"
    elif info.mode == "remote":
        code += "from distributed import Client\n"
        client = f"client = Client({info.address!r})  # {info.where}\n"
        call = ", client=client"
    else:
        client = ""
    code += (f"\npath = {info.path!r}  # all {info.n_rows:,} rows, read chunk by chunk\n"
             f"init = {exact_array(info.init)}  # the initial centroids of the fit on the "
             "sample\n" + client +
             f"# exact Lloyd passes over every row (what KMeans(init=init, n_init=1, "
             f"max_iter={max(t, 1)}) gives on data in memory)\n"
             f"res = fit_kmeans_streaming(path, {len(info.init)}, init=init, "
             f"max_iter={max(t, 1)}, random_state={info.random_state}{call})\n"
             f"print(f\"inertia at pass {t}: {{res.history_inertia[{t}]:.2f}}\")"
             f"  # {f.inertia:.2f} on the page\n"
             f"print(f\"passes: {{res.n_iter}}\")  # {max(t, 1)} at most\n"
             f"centers = res.history[{t}]  # the centroids drawn\n"
             "print(centers.round(3))\n")
    return code
