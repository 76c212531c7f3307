"""The Digits: labelling page's "Show code": pure functions of the state (no Qt)."""

from __future__ import annotations

import numpy as np

from gui.pages.digits_labelling.state import LabellingState


def code(state: LabellingState) -> str:
    """The chapter's code with the user's labels: representatives, propagation, partial
    propagation, then one round of active learning with the digits labelled when asked."""
    session = state.session
    hand = session.hand if session is not None else np.zeros(0, np.int64)
    labels = session.rep_labels() if session is not None else np.zeros(0, np.int64)
    if labels.size:
        rows = [", ".join(str(int(v)) for v in labels[i:i + 10]) for i in range(0, 50, 10)]
        y_code = "np.array([\n    " + ",\n    ".join(rows) + "\n])"
    else:
        y_code = "np.full(50, -1)  # your 50 labels (-1: not labelled yet)"
    pct = state.percentile
    code = f"""\
import numpy as np
from sklearn.cluster import KMeans
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

X_digits, y_digits = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X_digits, y_digits, random_state=42)

def score(X, y):
    log_reg = LogisticRegression(max_iter=10_000, random_state=42)
    return log_reg.fit(X, y).score(X_test, y_test)

print(f"50 random labelled digits: {{score(X_train[:50], y_train[:50]):.4f}}")
print(f"all true labels: {{score(X_train, y_train):.4f}}")

k = 50
kmeans = KMeans(n_clusters=k, random_state=42)
X_digits_dist = kmeans.fit_transform(X_train)
representative_digit_idx = X_digits_dist.argmin(axis=0)  # the closest digit to each centroid
X_representative_digits = X_train[representative_digit_idx]

y_representative_digits = {y_code}
labelled = y_representative_digits >= 0
print(f"labelled: {{labelled.sum()}} of {{k}}")
print(f"labels that differ from the truth: "
      f"{{(y_representative_digits != y_train[representative_digit_idx])[labelled].sum()}}")
"""
    if not state.all_labelled():
        return code + """\
# -1 = not labelled yet: label all 50 representatives (on the page or here), then the
# chapter goes on with the classifiers (Show code gives that code once they are labelled)
"""
    code += f"""\
print(f"50 labelled representatives: {{score(X_representative_digits, y_representative_digits):.4f}}")

y_train_propagated = y_representative_digits[kmeans.labels_]
print(f"propagated to all {{len(X_train)}}: {{score(X_train, y_train_propagated):.4f}}")

percentile_closest = {pct}
X_cluster_dist = X_digits_dist[np.arange(len(X_train)), kmeans.labels_]
partially_propagated = np.zeros(len(X_train), dtype=bool)
for i in range(k):
    in_cluster = kmeans.labels_ == i
    cutoff_distance = np.percentile(X_cluster_dist[in_cluster], percentile_closest)
    partially_propagated |= in_cluster & (X_cluster_dist <= cutoff_distance)
print(f"partial, {{partially_propagated.sum()}} closest: "
      f"{{score(X_train[partially_propagated], y_train_propagated[partially_propagated]):.4f}}")
print(f"propagated labels right: {{(y_train_propagated == y_train).mean():.1%}}")
right = y_train_propagated[partially_propagated] == y_train[partially_propagated]
print(f"partial labels right: {{right.mean():.1%}}")
"""
    extra = np.flatnonzero(hand >= 0)
    if session is not None:
        extra = np.setdiff1d(extra, session.reps.indices)
    n_ask = state.n_ask
    extra_idx = ", ".join(str(int(i)) for i in extra)
    extra_labels = ", ".join(str(int(hand[i])) for i in extra)
    if state.distinct:
        pick = ("# one digit per cluster first (the chapter: \"if possible in distinct clusters\"),\n"
                "# then the least sure of the rest\n"
                "first = np.sort(np.unique(kmeans.labels_[order], return_index=True)[1])\n"
                f"ask = np.r_[order[first], np.delete(order, first)][:{n_ask}]")
    else:
        pick = f"ask = order[:{n_ask}]"
    code += f"""
# active learning: retrain on every hand label, then ask about the {n_ask} digits the model
# is least sure about
extra_idx = np.array([{extra_idx}], dtype=int)  # the digits you labelled when asked
extra_labels = np.array([{extra_labels}], dtype=int)
hand_idx = np.r_[representative_digit_idx, extra_idx]
hand_labels = np.r_[y_representative_digits, extra_labels]
log_reg = LogisticRegression(max_iter=10_000, random_state=42).fit(X_train[hand_idx],
                                                                   hand_labels)
print(f"{{len(hand_idx)}} hand labels: {{log_reg.score(X_test, y_test):.4f}}")
pool = np.setdiff1d(np.arange(len(X_train)), hand_idx)
certainty = log_reg.predict_proba(X_train[pool]).max(axis=1)
order = pool[np.argsort(certainty, kind="stable")]
{pick}  # show X_train[ask] to a person
print(f"ask about: {{ask.tolist()}}")
"""
    return code
