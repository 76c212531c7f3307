"""The "Show code" text of the Gaussian mixtures page: pure functions of the state."""

from __future__ import annotations

from gui.pages.gaussian_mixtures.state import BAYES_COMPONENTS, GMState, prior_value


def _data(ds) -> str:
    return ds.code or "# X: your data, one row per point\n"


def fit_code(state: GMState) -> str:
    """The fit, its BIC/AIC, the anomalies below the density threshold, a sample."""
    if state.fit is None:
        return ""
    _, k, cov, n_init, rs = state.fit.params
    code = _data(state.fit.dataset) + (
        "\nimport numpy as np\nfrom sklearn.mixture import GaussianMixture\n\n"
        f"gm = GaussianMixture(n_components={k}, covariance_type=\"{cov}\", n_init={n_init},\n"
        f"                     random_state={rs}).fit(X)\n"
        "print(f\"weights: {' / '.join(f'{w:.2f}' for w in gm.weights_)}\")\n"
        "print(f\"BIC: {gm.bic(X):.1f}\")\n"
        "print(f\"AIC: {gm.aic(X):.1f}\")\n"
        "print(f\"n_iter: {gm.n_iter_}\")\n"
        "print(f\"lower bound: {gm.lower_bound_:.4f}\")\n"
        "densities = gm.score_samples(X)\n"
        f"density_threshold = np.percentile(densities, {state.percentile_value:g})\n"
        "anomalies = X[densities < density_threshold]\n"
        "print(f\"density threshold: {density_threshold:.3f}\")\n"
        "print(f\"anomalies: {len(anomalies)}\")\n"
    )
    if state.selected is not None:
        code += (f"proba = gm.predict_proba(X[{state.selected}:{state.selected + 1}])[0]\n"
                 f"print(f\"predict_proba {state.selected}: "
                 "[{', '.join(f'{p:.3f}' for p in proba)}]\")\n")
    if state.samples is not None:
        code += (f"gm.random_state = {rs}\n"
                 f"X_new, y_new = gm.sample({len(state.samples)})\n")
    return code


def em_code(state: GMState) -> str:
    """EM stopped after the stepper's iteration count, from scikit-learn's initialisation."""
    if state.step is None:
        return ""
    ds_key, k, cov, rs = state.em_params()
    ds = state.fit.dataset if state.fit is not None and state.fit.dataset.key == ds_key \
        else None
    t = state.step.iteration
    head = _data(ds) if ds is not None else "# X: your data, one row per point\n"
    return head + (
        "\nimport warnings\nfrom sklearn.exceptions import ConvergenceWarning\n"
        "from sklearn.mixture import GaussianMixture\n\n"
        f"# EM after {t} iteration(s): max_iter={t}, from the same initialisation\n"
        "with warnings.catch_warnings():\n"
        "    warnings.simplefilter(\"ignore\", ConvergenceWarning)\n"
        f"    gm = GaussianMixture(n_components={k}, covariance_type=\"{cov}\", "
        f"max_iter={t},\n"
        f"                         random_state={rs}).fit(X)\n"
        "print(f\"weights: {' / '.join(f'{w:.2f}' for w in gm.weights_)}\")\n"
        "print(gm.means_)\n"
        "print(f\"lower bound: {gm.lower_bound_:.4f}\")\n"
    ) + ("\n# then the E step of the next iteration: the responsibilities (the colours)\n"
         "resp = gm.predict_proba(X)\n" if state.step.phase == "E" else "")


def sweep_code(state: GMState) -> str:
    if state.sweep is None:
        return ""
    _, k_max, cov, n_init, rs = state.sweep.params
    return _data(state.sweep.dataset) + (
        "\nfrom sklearn.mixture import GaussianMixture\n\n"
        f"gms_per_k = [GaussianMixture(n_components=k, covariance_type=\"{cov}\", "
        f"n_init={n_init},\n"
        f"                             random_state={rs}).fit(X)\n"
        f"             for k in range(1, {k_max + 1})]\n"
        "bics = [model.bic(X) for model in gms_per_k]\n"
        "aics = [model.aic(X) for model in gms_per_k]\n"
        "for k, (bic, aic) in enumerate(zip(bics, aics), start=1):\n"
        "    print(f\"BIC k={k}: {bic:.1f}\")\n"
        "    print(f\"AIC k={k}: {aic:.1f}\")\n"
        "print(f\"best k (BIC): {1 + bics.index(min(bics))}\")\n"
    )


def bayes_code(state: GMState) -> str:
    if state.bayes is None:
        return ""
    _, prior, n_init, rs = state.bayes.params
    return _data(state.bayes.dataset) + (
        "\nfrom sklearn.mixture import BayesianGaussianMixture\n\n"
        f"bgm = BayesianGaussianMixture(n_components={BAYES_COMPONENTS}, "
        f"weight_concentration_prior={prior_value(prior)!r},\n"
        f"                              n_init={n_init}, max_iter=500, "
        f"random_state={rs}).fit(X)\n"
        "print(f\"weights: {' / '.join(f'{w:.2f}' for w in bgm.weights_)}\")\n"
    )
