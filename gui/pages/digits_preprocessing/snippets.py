"""The "Show code" text of the Digits: preprocessing page: pure functions of its state."""

from __future__ import annotations


def pipeline_code(k: int, standardize: bool, k_from: int, k_to: int, step: int) -> str:
    """The chapter's baseline, the pipeline for ``k`` and the sweep of the page's range
    (From, To, Step: ``range(k_from, k_to + 1, step)``, the ks the page sweeps)."""
    scaler_import = "from sklearn.preprocessing import StandardScaler\n" if standardize else ""
    scaler_step = ('    ("scaler", StandardScaler()),  # not in the chapter\n' if standardize
                   else "")
    return f"""\
from sklearn.cluster import KMeans
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
{scaler_import}
X_digits, y_digits = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X_digits, y_digits, random_state=42)

log_reg = LogisticRegression(max_iter=10_000, random_state=42)
log_reg.fit(X_train, y_train)
print(f"no clustering: {{log_reg.score(X_test, y_test):.4f}}")

def make_pipeline(k):
    return Pipeline([
        ("kmeans", KMeans(n_clusters=k, random_state=42)),
{scaler_step}        ("log_reg", LogisticRegression(max_iter=10_000, random_state=42)),
    ])

pipeline = make_pipeline({k})
pipeline.fit(X_train, y_train)
print(f"accuracy k={k}: {{pipeline.score(X_test, y_test):.4f}}")

# accuracy against k (From {k_from}, To {k_to}, Step {step})
for k in range({k_from}, {k_to + 1}, {max(step, 1)}):
    accuracy = make_pipeline(k).fit(X_train, y_train).score(X_test, y_test)
    print(f"accuracy k={{k}}: {{accuracy:.4f}}")
"""


def page_code(state) -> str:
    return pipeline_code(state.k, state.standardize, state.k_from, state.k_to, state.k_step)
