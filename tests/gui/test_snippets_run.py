"""Every page's "Show code" runs as printed and prints the numbers the page shows.

For each page, the snippet of its default state and of one changed state is written to a
file and run in a fresh Python (``sys.executable``, ``MPLBACKEND=Agg``, nothing of the
test's process), two at a time in the background while the page is driven; the
``label: value`` lines it prints must equal the numbers the page shows, read from the
page's own texts where it writes them. ``clusterlab --page NAME --print-code`` must print
the default state's snippet, the same text the "Show code" panel shows (here for DBSCAN,
whose snippet quotes work that follows the first result, and for Digits: preprocessing,
printed without computing).

Slow ones run with ``CLUSTERLAB_SLOW_TESTS=1``: the Digits: preprocessing page's default
snippet (the chapter's pipeline for 16 values of k, minutes), and ``--print-code`` for every
page, its snippet executed.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from gui.pages import page_names
from tests.gui.drivers import (
    ChooseKDriver,
    DataDriver,
    DBSCANDriver,
    DigitsLabellingDriver,
    GaussianMixturesDriver,
    KMeansDriver,
    SegmentationDriver,
)

ROOT = Path(__file__).resolve().parents[2]
LINE = re.compile(r"^(\w[^:\n]*): (.+)$")
SLOW = os.environ.get("CLUSTERLAB_SLOW_TESTS") == "1"


def printed(stdout: str) -> dict[str, str]:
    """The ``label: value`` lines a snippet printed."""
    found = {}
    for line in stdout.splitlines():
        m = LINE.match(line.strip())
        if m:
            found[m.group(1)] = m.group(2).strip()
    return found


def fresh_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(MPLBACKEND="Agg", OMP_NUM_THREADS="1", PYTHONWARNINGS="ignore")
    return env


def run_snippet(code: str, folder: Path) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "snippet.py"
    path.write_text(code, encoding="utf-8")
    out = subprocess.run([sys.executable, str(path)], cwd=folder, capture_output=True,
                         text=True, timeout=280, env=fresh_env())
    assert out.returncode == 0, f"the snippet failed:\n{code}\n--- stderr:\n{out.stderr[-4000:]}"
    return out.stdout


def run_print_code(page: str) -> str:
    out = subprocess.run([sys.executable, "main.py", "--page", page, "--print-code"], cwd=ROOT,
                         capture_output=True, text=True, timeout=280,
                         env={**os.environ, "QT_QPA_PLATFORM": ""})
    assert out.returncode == 0, out.stderr[-4000:]
    return out.stdout


class Runs:
    """Snippets (and --print-code) run two at a time while the test drives the page."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.pool = ThreadPoolExecutor(2)
        self.checks = []

    def snippet(self, code: str, expected: dict[str, str]) -> None:
        """Run ``code``; it must print every ``label: value`` of ``expected``."""
        assert expected, "nothing to compare"
        folder = self.folder / f"run{len(self.checks)}"
        self.checks.append(("snippet", code, expected,
                            self.pool.submit(run_snippet, code, folder)))

    def print_code(self, page: str, code: str) -> None:
        """``--print-code`` for ``page`` must print ``code`` (the default state's)."""
        self.checks.append(("print-code", code, page, self.pool.submit(run_print_code, page)))

    def check(self) -> None:
        for kind, code, expected, future in self.checks:
            out = future.result()
            if kind == "print-code":
                assert out == (code if code.endswith("\n") else code + "\n"), \
                    f"--print-code --page {expected} printed another snippet:\n{out}"
                continue
            got = printed(out)
            wrong = {label: (got.get(label), value) for label, value in expected.items()
                     if got.get(label) != value}
            assert not wrong, (f"(snippet printed, page shows): {wrong}\n--- snippet:\n{code}"
                               f"\n--- it printed:\n{out}")


@pytest.fixture
def runs(tmp_path):
    r = Runs(tmp_path / "snippets")
    yield r
    r.pool.shutdown(wait=True)


def search(pattern: str, text: str) -> str:
    m = re.search(pattern, text)
    assert m, f"{pattern!r} not in {text!r}"
    return m.group(1)


# --------------------------------------------------------------------------- Data
def data_numbers(d: DataDriver) -> dict[str, str]:
    text = d.summary_text()
    numbers = {"rows": search(r"Rows: ([\d,]+)", text),
               "features": search(r"Features: (\d+)", text)}
    classes = re.search(r"Classes: (\d+)", text)
    if classes:
        numbers["classes"] = classes.group(1)
    pca = re.search(r"together ([\d.]+%) of the variance", text)
    if pca:
        numbers["explained variance"] = pca.group(1)
    return numbers


def test_data(window, open_page, qtbot, runs, tmp_path):
    d = DataDriver.open(open_page, qtbot)
    runs.snippet(d.code(), data_numbers(d))
    # a table with an empty column, a missing value and a missing label: "Drop 2 rows"
    table = tmp_path / "gaps.csv"
    table.write_text("a,b,empty,species\n1,2,,x\n3,4,,y\n,6,,x\n7,8,,\n9,10,,x\n11,3,,y\n")
    d.open_file(table, drop_invalid=True)
    assert data_numbers(d) == {"rows": "4", "features": "2", "classes": "2"}
    runs.snippet(d.code(), data_numbers(d))
    d.set_dataset("iris")  # four features: the plot shows the first two principal components
    assert "explained variance" in data_numbers(d)
    runs.snippet(d.code(), data_numbers(d))
    runs.check()


# --------------------------------------------------------------------------- K-Means
def kmeans_numbers(km: KMeansDriver) -> dict[str, str]:
    inertia = km.fitted_inertia()
    numbers = {"inertia": f"{inertia:.2f}", "score": f"{-inertia:.2f}"}
    text = km.inertia_text()
    n_iter = re.search(r"n_iter_ = (\d+)|after (\d+) iterations", text)
    numbers["n_iter"] = n_iter.group(1) or n_iter.group(2)
    if km.iteration() != int(numbers["n_iter"]):
        numbers[f"inertia at iteration {km.iteration()}"] = f"{km.frame_inertia():.2f}"
    header, rows = km.soft_table()
    if rows:
        column = next(i for i, h in enumerate(header) if "cluster" in h.lower())
        numbers["predict"] = "[" + ", ".join(r[column] for r in rows) + "]"
    return numbers


def test_kmeans(window, open_page, qtbot, runs):
    km = KMeansDriver.open(open_page, qtbot)
    km.wait_settled()
    runs.snippet(km.code(), kmeans_numbers(km))
    km.set_init("random")
    km.set_k(4)
    km.wait_settled()
    km.back()
    km.back()
    assert km.iteration() == int(kmeans_numbers(km)["n_iter"]) - 2
    runs.snippet(km.code(), kmeans_numbers(km))
    runs.check()


# --------------------------------------------------------------------------- Choosing k
def choose_k_numbers(d: ChooseKDriver) -> dict[str, str]:
    numbers = {}
    curves = [("inertia", ".2f"), ("silhouette", ".4f")]
    if d.more_scores():
        curves += [("calinski_harabasz", ".2f"), ("davies_bouldin", ".4f")]
    for name, fmt in curves:
        ks, values = d.curve_data(name)
        numbers.update({f"{name} k={int(k)}": format(float(v), fmt)
                        for k, v in zip(ks, values, strict=True)})
    return numbers


def test_choose_k(window, open_page, qtbot, runs):
    d = ChooseKDriver.open(open_page, qtbot)
    runs.snippet(d.code(), choose_k_numbers(d))
    d.set_k_range(2, 6)
    d.set_seed(7)
    d.set_more_scores(True)
    assert "davies_bouldin k=6" in choose_k_numbers(d)
    runs.snippet(d.code(), choose_k_numbers(d))
    runs.check()


# --------------------------------------------------------------------------- Segmentation
def segmentation_numbers(d: SegmentationDriver) -> dict[str, str]:
    text = d.result_info()
    shares = d.result().seg.shares
    return {"colours": search(r"(\d+) colours", text),
            "inertia": search(r"inertia ([\d,.e+]+)", text),
            "shares": " / ".join(f"{share:.1%}" for share in shares)}


def test_segmentation(window, open_page, qtbot, runs, tmp_path):
    from PIL import Image

    d = SegmentationDriver.open(open_page, qtbot)
    runs.snippet(d.code(), segmentation_numbers(d))
    # a PNG with transparency: ClusterLab (and its snippet) put it on white, not black
    rgba = np.zeros((40, 60, 4), np.uint8)
    rgba[:, :20] = (200, 30, 30, 255)
    rgba[:, 20:40] = (30, 30, 200, 128)  # half transparent
    rgba[10:30, 40:] = (30, 160, 30, 255)  # the rest stays fully transparent
    path = tmp_path / "logo.png"
    Image.fromarray(rgba, "RGBA").save(path)
    key = d.open_image(path)
    d.set_k(3)
    d.wait_result(k=3, key=key)
    assert "alpha_composite" in d.code()
    runs.snippet(d.code(), segmentation_numbers(d))
    runs.check()


# --------------------------------------------------------------------------- Digits: preprocessing
def preprocessing_numbers(state) -> dict[str, str]:
    numbers = {"no clustering": f"{state.baseline:.4f}",
               f"accuracy k={state.k}": f"{state.current_fit().accuracy:.4f}"}
    for k in state.ks():
        numbers[f"accuracy k={k}"] = f"{state.cache[(k, state.standardize)].accuracy:.4f}"
    return numbers


def preprocessing_state(**params):
    """The page's state with its jobs' results (the page runs the same one-line jobs)."""
    from gui.pages.digits_preprocessing import jobs, snippets
    from gui.pages.digits_preprocessing.state import PreprocessingState

    state = PreprocessingState(**params)
    state.data = jobs.prepare()
    for k in sorted({state.k, *state.ks()}):
        state.cache[(k, state.standardize)] = jobs.fit(state.data, k, state.standardize)
    return state, snippets.page_code(state)


def test_digits_preprocessing_changed_state(runs):
    """Standardized, k=12, From 8 To 16 Step 8 (the default state's chapter pipeline takes
    minutes: test_digits_preprocessing_default_state)."""
    state, code = preprocessing_state(k=12, standardize=True, k_from=8, k_to=16, k_step=8)
    assert "range(8, 17, 8)" in code and "StandardScaler" in code
    runs.snippet(code, preprocessing_numbers(state))
    runs.check()


@pytest.mark.slow
@pytest.mark.skipif(not SLOW, reason="the chapter's pipeline for 16 ks takes minutes: "
                                     "set CLUSTERLAB_SLOW_TESTS=1 to run it")
@pytest.mark.timeout(3600)
def test_digits_preprocessing_default_state(runs):
    state, code = preprocessing_state()
    assert "range(10, 151, 10)" in code and "make_pipeline(50)" in code
    runs.snippet(code, preprocessing_numbers(state))
    runs.check()


# --------------------------------------------------------------------------- Digits: labelling
def labelling_numbers(d: DigitsLabellingDriver) -> dict[str, str]:
    text = d.results_text()

    def cell(row: str) -> str:
        return search(re.escape(row) + r"</td><td>(?:<b>)?([\d.]+)", text)

    numbers = {"50 random labelled digits": cell("50 random labelled digits"),
               "all true labels": cell("all true labels (reference)"),
               "labelled": d.counter().replace(" labelled", "")}
    res = d.results()
    if res is not None:
        numbers["50 labelled representatives"] = cell("50 labelled representatives")
        n_train = len(d.train_index())
        # (the page writes counts with thousands separators, the snippet as Python prints them)
        numbers[f"propagated to all {n_train}"] = cell(f"propagated to all {n_train:,}")
        numbers[f"partial, {res.n_partial} closest"] = cell(
            f"partial: {res.n_partial:,} closest")
        numbers["propagated labels right"] = search(r"<b>([\d.]+%)</b> of all", text)
        numbers["partial labels right"] = search(r"<b>([\d.]+%)</b> of the partial", text)
    return numbers


def test_digits_labelling(window, open_page, qtbot, runs):
    d = DigitsLabellingDriver.open(open_page, qtbot)
    runs.snippet(d.code(), labelling_numbers(d))
    d.fill_with_chapter_labels()
    d.set_percentile(40)
    d.set_n_ask(5)
    d.set_one_per_cluster(False)
    d.wait_results(40)
    numbers = labelling_numbers(d)
    assert numbers["labelled"] == "50 of 50" and "partial labels right" in numbers
    code = d.code()
    assert "percentile_closest = 40" in code and "ask = order[:5]" in code
    runs.snippet(code, numbers)
    runs.check()


# --------------------------------------------------------------------------- DBSCAN
def dbscan_numbers(d: DBSCANDriver) -> dict[str, str]:
    text = d.summary()
    numbers = {"clusters": search(r"<b>(\d+)</b> cluster", text),
               "core samples": search(r"([\d,]+) core samples", text).replace(",", ""),
               "anomalies": search(r"([\d,]+) anomal", text).replace(",", "")}
    prediction = d.prediction()
    if prediction is not None:
        numbers["predict"] = str(prediction.labels.tolist())
    return numbers


def test_dbscan(window, open_page, qtbot, runs):
    d = DBSCANDriver.open(open_page, qtbot)
    d.wait_idle()
    runs.print_code("dbscan", d.code())
    runs.snippet(d.code(), dbscan_numbers(d))
    d.set_eps(0.2)
    d.set_max_distance(0.3)
    assert dbscan_numbers(d)["clusters"] == "2"
    runs.snippet(d.code(), dbscan_numbers(d))
    d.compare()  # the chapter's two eps side by side
    compared = {}
    for title in d.compare_titles():
        eps, clusters, anomalies = re.match(
            r"eps=([\d.]+), min_samples=\d+: (\d+) clusters?, ([\d,]+) anomal", title).groups()
        compared[f"clusters eps={eps}"] = clusters
        compared[f"anomalies eps={eps}"] = anomalies.replace(",", "")
    runs.snippet(d.code(), compared)
    runs.check()


# --------------------------------------------------------------------------- Gaussian mixtures
def mixture_numbers(d: GaussianMixturesDriver) -> dict[str, str]:
    text = d.info()
    return {"weights": search(r"weights ([\d./ ]+);", text).strip(),
            "BIC": search(r"BIC (-?[\d.]+)", text), "AIC": search(r"AIC (-?[\d.]+)", text),
            "n_iter": search(r"in (\d+) iterations", text),
            "lower bound": search(r"lower bound (-?[\d.]+)", text),
            "density threshold": search(r"log density (-?[\d.]+)", text),
            "anomalies": search(r"(\d+) anomalies", text)}


def test_gaussian_mixtures(window, open_page, qtbot, runs):
    d = GaussianMixturesDriver.open(open_page, qtbot)
    d.wait_idle()
    runs.snippet(d.code(), mixture_numbers(d))
    d.set_covariance_type("tied")
    d.set_percentile(40)  # 4 %
    assert 'covariance_type="tied"' in d.code() and "percentile(densities, 4)" in d.code()
    runs.snippet(d.code(), mixture_numbers(d))
    runs.check()


def test_print_code_of_digits_preprocessing(runs):
    """Its snippet is a function of the parameters alone: printed without fitting anything."""
    from gui.pages.digits_preprocessing import snippets
    from gui.pages.digits_preprocessing.state import PreprocessingState

    runs.print_code("digits-preprocessing", snippets.page_code(PreprocessingState()))
    runs.check()


def test_print_code_of_an_unknown_page():
    out = subprocess.run([sys.executable, "main.py", "--page", "nope", "--print-code"],
                         cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and "invalid choice" in out.stderr and out.stdout == ""


@pytest.mark.slow
@pytest.mark.skipif(not SLOW, reason="starts the app once per page: "
                                     "set CLUSTERLAB_SLOW_TESTS=1 to run it")
@pytest.mark.parametrize("page", [p for p in page_names() if p != "digits-preprocessing"])
def test_print_code_runs_for_every_page(page, tmp_path):
    """``--print-code`` for every page; the printed snippet runs and prints its numbers
    (digits-preprocessing's default snippet: test_digits_preprocessing_default_state)."""
    code = run_print_code(page)
    assert printed(run_snippet(code, tmp_path))
