"""Each page's "What to look at": the chapter's point in a few sentences, and what to try.

Plain text (a little HTML) keyed by the page's ``--page`` name; shown by the card in
:mod:`gui.help` on a page's first visit and from its "?" button.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PageHelp:
    point: str  # the chapter's point, 3-5 sentences
    tries: tuple[str, ...]  # what to try on the page


PAGE_HELP: dict[str, PageHelp] = {
    "data": PageHelp(
        "Clustering gets the points without their labels: it has to find the groups on its "
        "own. Colour the chapter's iris by its true species and then untick the colours: "
        "without them, two of the three species merge into one cloud, which is what a "
        "clustering algorithm sees. Tables with more than two features are shown through "
        "their first two principal components, so what looks mixed here may be apart in "
        "the other dimensions.",
        ("Switch \u201cColour by true labels\u201d off and on, on the iris and on the blobs.",
         "Open your own CSV (Ctrl+O or drop it on the window): every page that can cluster "
         "it selects it.",
         "Choose another labels column in \u201cLabels\u201d: clustering never sees it.")),
    "kmeans": PageHelp(
        "K-Means alternates two simple steps: give each point to its nearest centroid, then "
        "move each centroid to the mean of its points. The inertia (the sum of squared "
        "distances to the nearest centroid) can only go down, so it always converges, but "
        "possibly to a poor local minimum that depends on where the centroids started. That "
        "is why scikit-learn runs several initialisations (n_init) and keeps the lowest "
        "inertia, and why k-means++ spreads the first centroids out.",
        ("Press Reset, then Step (\u2192) a few times and watch the centroids move and the "
         "inertia curve fall.",
         "Choose init \u201crandom\u201d with n_init 1 and try several random_state values: "
         "some runs end in a worse solution.",
         "Click the plot to add new instances: the table shows their distance to every "
         "centroid (soft clustering).")),
    "choose-k": PageHelp(
        "K-Means needs k, and the inertia cannot choose it: it keeps falling as k grows. "
        "The elbow of the inertia curve is a rough hint; the silhouette score (the mean, "
        "over all points, of (b \u2212 a) / max(a, b)) is a better one, where a is the mean "
        "distance to its own cluster and b to the nearest other cluster. On the blobs both "
        "point to k = 5. The silhouette diagrams show more: at a good k every cluster's "
        "knife shape crosses the dashed mean line and the clusters are of similar sizes.",
        ("Click a k on a curve or a diagram to see its clustering.",
         "Compare the diagrams of k = 4 and k = 5: which clusters fall short of the mean?",
         "Press \u201cUse this k\u201d to fit it on the K-Means page.")),
    "segmentation": PageHelp(
        "Colour segmentation treats every pixel as a point in RGB space and clusters the "
        "colours with K-Means. Each pixel is then painted with its cluster's centroid, so "
        "the image keeps only k colours. With few clusters, small but distinct objects "
        "disappear: K-Means prefers clusters of similar sizes, so the ladybug's red is "
        "merged into a larger colour before the grass loses any of its greens.",
        ("Lower k, the number of colours, and see when the ladybug loses its red.",
         "Open your own photo (Ctrl+Shift+O) and find the fewest colours that still look "
         "right.")),
    "digits-preprocessing": PageHelp(
        "Clustering can be a preprocessing step: replace each 8\u00d78 digit by its distances "
        "to k centroids and train the classifier on those. With k = 50 the logistic "
        "regression on the distances beats the one on the raw pixels a little. k is then a "
        "hyperparameter like any other, chosen by the accuracy it gives (the chapter uses a "
        "grid search with cross-validation), not by the inertia or the silhouette.",
        ("Run the sweep and compare each k's accuracy with the baseline on the raw pixels.",
         "Look where the accuracy stops improving: past it, more clusters only cost time.")),
    "digits-labelling": PageHelp(
        "Labels are expensive; clustering can make a few of them count. Cluster the training "
        "digits into 50 groups and label only the digit closest to each centroid: those 50 "
        "representative labels train a much better classifier than 50 random ones (about "
        "93 % instead of 83 % in the chapter). Propagating each label to its whole cluster, "
        "or to the part of it nearest the centroid, does better still.",
        ("Label the 50 representative digits yourself (type 0\u20139; the arrows move, "
         "Ctrl+Z undoes).",
         "Compare the accuracy of the propagated labels, all of them and the closest 25 %.",
         "\u201cAsk me\u201d: active learning shows the digits the model is least sure "
         "of; label them and Retrain.")),
    "dbscan": PageHelp(
        "DBSCAN defines clusters as continuous regions of high density. A point with at "
        "least min_samples neighbours within eps is a core sample; points near a core "
        "sample join its cluster, and the rest are anomalies. It finds clusters of any "
        "shape, such as the two moons, but it is very sensitive to eps: too small and most "
        "points become noise, too large and everything merges.",
        ("Compare eps 0.05 and 0.2 on the moons (the chapter's figure).",
         "Hover a point to see its eps-neighbourhood and why it is core, border or noise.",
         "Pick eps on the k-distance curve, where it bends.",
         "Click the plot to add new instances: a KNN trained on the core samples "
         "classifies them, or calls them anomalies.")),
    "gaussian-mixtures": PageHelp(
        "A Gaussian mixture assumes the points come from a few Gaussian distributions of "
        "unknown centre, shape and weight, and fits them with Expectation-Maximisation. EM "
        "is like K-Means, but each point belongs to every component with some probability. "
        "The model gives a density, so points in low-density regions can be flagged as "
        "anomalies, and criteria such as BIC and AIC choose the number of components.",
        ("Step through EM and watch the ellipses settle.",
         "Try the covariance types: spherical, diag, tied and full.",
         "Move the density percentile to flag more or fewer anomalies.",
         "Let the Bayesian mixture switch off the components it does not need.")),
}


def help_html(name: str, title: str) -> str:
    """The card's rich text for page ``name``."""
    h = PAGE_HELP.get(name)
    if h is None:
        return f"<b>{title}</b>"
    tries = "".join(f"<li>{t}</li>" for t in h.tries)
    return (f"<p>{h.point}</p><p><b>Try this</b></p>"
            f"<ul style='margin-left: -20px'>{tries}</ul>")
