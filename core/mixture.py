"""Gaussian mixtures, as scikit-learn fits them, and as a person can watch EM work.

* :func:`fit_gmm` gives the same weights, means, covariances, labels, lower bound,
  BIC and AIC as ``sklearn.mixture.GaussianMixture(...).fit(X)`` with the same
  arguments. It runs the E and M steps itself (with scikit-learn's own formulas), so a
  long fit reports progress after every iteration and can be cancelled.
* :class:`EMStepper` walks through EM one iteration at a time, and back. Its iteration 0
  holds scikit-learn's own initialisation for that ``random_state``; after ``t`` steps
  its parameters are those of ``GaussianMixture(max_iter=t, n_init=1, weights_init=...,
  means_init=..., precisions_init=...)`` started from that initialisation.
* :func:`score_samples`, :func:`predict_proba`, :func:`anomalies` and :func:`sample`
  use a fitted model; :func:`sweep_components` gives BIC and AIC for every k;
  :func:`fit_bayesian_gmm` is ``BayesianGaussianMixture``; :func:`gmm_regions` evaluates
  the log density and the labels on a grid for drawing (2-D data).

scikit-learn is imported lazily (it costs about a second).
"""

from __future__ import annotations

import math
import numbers
import warnings
from dataclasses import dataclass, field

import numpy as np

from core.errors import DataError
from core.progress import ProgressFn, report, scaled
from core.threads import single_threaded
from core.validation import as_data_matrix

__all__ = [
    "COVARIANCE_TYPES",
    "INIT_PARAMS",
    "AnomalyResult",
    "BayesianGMMResult",
    "ComponentSweep",
    "EMStepper",
    "GMMRegions",
    "GMMResult",
    "anomalies",
    "chapter_data",
    "ellipse",
    "fit_bayesian_gmm",
    "fit_gmm",
    "full_covariances",
    "gmm_regions",
    "predict_proba",
    "sample",
    "score_samples",
    "sweep_components",
    "to_sklearn",
]

COVARIANCE_TYPES = ("full", "tied", "diag", "spherical")
INIT_PARAMS = ("kmeans", "k-means++", "random", "random_from_data")
TOL = 1e-3
REG_COVAR = 1e-6

_SINGULAR = ("Fitting the mixture failed: a component has an ill-defined covariance (it "
             "holds too few distinct points). Use fewer components, another covariance type "
             "or data with more distinct points.")


def _frozen(a, dtype=None) -> np.ndarray:
    out = np.array(a, dtype=dtype, copy=True)
    out.setflags(write=False)
    return out


# --------------------------------------------------------------------------- checks


def _check_X(X, min_rows: int = 2) -> np.ndarray:
    return as_data_matrix(X, purpose="a Gaussian mixture", min_rows=min_rows)


def _check_k(n_components, n: int, what: str = "n_components") -> int:
    if isinstance(n_components, bool) or not isinstance(n_components, numbers.Integral):
        raise DataError(f"The number of components must be a whole number, not "
                        f"{n_components!r}.")
    k = int(n_components)
    if k < 1:
        raise DataError(f"The number of components must be at least 1, not {k}.")
    if k > n:
        raise DataError(f"The mixture has {k} components but the data has only {n} "
                        f"point{'s' if n != 1 else ''}: use at most {n} components.")
    return k


def _check_cov(covariance_type: str) -> str:
    if covariance_type not in COVARIANCE_TYPES:
        raise DataError(f"The covariance type must be one of {', '.join(COVARIANCE_TYPES)}, "
                        f"not {covariance_type!r}.")
    return covariance_type


def _check_init(init_params: str) -> str:
    if init_params not in INIT_PARAMS:
        raise DataError(f"The initialisation must be one of {', '.join(INIT_PARAMS)}, not "
                        f"{init_params!r}.")
    return init_params


def _check_positive(value, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise DataError(f"{what} must be a whole number of at least 1, not {value!r}.")
    return int(value)


# --------------------------------------------------------------------------- the maths
# scikit-learn's own formulas (sklearn.mixture._gaussian_mixture), so every number is
# the estimator's to the last bits.


def _sk():
    from sklearn.mixture import _gaussian_mixture as gm

    return gm


def _logsumexp(a: np.ndarray) -> np.ndarray:
    """Row-wise log-sum-exp with the operations of scikit-learn's ``_logsumexp`` in the same
    order (the same bits; a test checks it), without its masked copy."""
    amax = a.max(axis=1, keepdims=True)
    at_max = a == amax
    m = at_max.sum(axis=1, keepdims=True, dtype=a.dtype)
    shift = np.where(np.isfinite(amax), amax, 0)
    e = np.where(at_max, -np.inf, a)
    e -= shift
    np.exp(e, out=e)
    s = e.sum(axis=1, keepdims=True, dtype=e.dtype)
    s = np.where(s == 0, s, s / m)
    return (np.log1p(s) + np.log(m) + amax)[:, 0]


def _weighted_log_prob(X, weights, means, prec_chol, cov_type) -> np.ndarray:
    log_prob = _sk()._estimate_log_gaussian_prob(X, means, prec_chol, cov_type)
    with np.errstate(divide="ignore"):
        return log_prob + np.log(weights)


def _e_step(X, params) -> tuple[float, np.ndarray]:
    """(mean log-likelihood, log responsibilities) of ``params``: scikit-learn's E step."""
    wlp = _weighted_log_prob(X, params.weights, params.means, params.precisions_cholesky,
                             params.covariance_type)
    norm = _logsumexp(wlp)
    with np.errstate(under="ignore"):
        log_resp = wlp - norm[:, None]
    return float(np.mean(norm)), log_resp


def _m_step(X, log_resp, cov_type: str, reg_covar: float) -> _Params:
    gm = _sk()
    weights, means, covs = gm._estimate_gaussian_parameters(X, np.exp(log_resp), reg_covar,
                                                            cov_type)
    weights /= weights.sum()
    try:
        prec_chol = gm._compute_precision_cholesky(covs, cov_type)
    except ValueError as exc:
        raise DataError(_SINGULAR) from exc
    return _Params(cov_type, weights, means, covs, prec_chol)


def _n_parameters(k: int, d: int, cov_type: str) -> int:
    cov = {"full": k * d * (d + 1) / 2.0, "diag": k * d, "tied": d * (d + 1) / 2.0,
           "spherical": k}[cov_type]
    return int(cov + d * k + k - 1)


def _precisions(prec_chol: np.ndarray, cov_type: str) -> np.ndarray:
    """The precision matrices (``GaussianMixture.precisions_``) from their Cholesky factors."""
    if cov_type == "full":
        return np.einsum("kij,klj->kil", prec_chol, prec_chol)
    if cov_type == "tied":
        return prec_chol @ prec_chol.T
    return prec_chol**2


@dataclass(frozen=True)
class _Params:
    covariance_type: str
    weights: np.ndarray
    means: np.ndarray
    covariances: np.ndarray
    precisions_cholesky: np.ndarray


def _fit_recording(estimator, X) -> list:
    """``estimator.fit(X)``; the warnings it raised; an ill-defined covariance as DataError."""
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        try:
            estimator.fit(X)
        except ValueError as exc:
            if "ill-defined" in str(exc):
                raise DataError(_SINGULAR) from exc
            raise
    return list(seen)


def _initial_params(X, k, cov_type, init_params, reg_covar, rs, caught) -> _Params:
    """scikit-learn's own initialisation, drawing from the RandomState ``rs``."""
    from sklearn.mixture import GaussianMixture

    gm = GaussianMixture(n_components=k, covariance_type=cov_type, init_params=init_params,
                         reg_covar=reg_covar, max_iter=0, random_state=rs)
    caught.extend(str(w.message) for w in _fit_recording(gm, X))
    return _Params(cov_type, np.array(gm.weights_, dtype=float), np.array(gm.means_),
                   np.array(gm.covariances_), np.array(gm.precisions_cholesky_))


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class GMMResult:
    """A fitted Gaussian mixture: ``GaussianMixture``'s fitted attributes.

    ``weights`` (k,), ``means`` (k, d), ``covariances`` and ``precisions_cholesky`` (shaped
    by ``covariance_type`` as in scikit-learn), ``labels`` and ``probabilities`` (the final
    E step: ``predict`` and ``predict_proba`` on the data), ``lower_bound``, ``n_iter``,
    ``converged``, ``bic`` and ``aic`` on the data, ``lower_bounds`` (per iteration of the
    run that won), ``warnings`` (the sentences scikit-learn warned with).
    """

    covariance_type: str
    weights: np.ndarray
    means: np.ndarray
    covariances: np.ndarray
    precisions_cholesky: np.ndarray
    labels: np.ndarray
    probabilities: np.ndarray
    lower_bound: float
    lower_bounds: np.ndarray
    n_iter: int
    converged: bool
    bic: float
    aic: float
    n_parameters: int
    warnings: tuple[str, ...] = ()
    random_state: int | None = 42

    @property
    def n_components(self) -> int:
        return int(self.weights.shape[0])

    @property
    def n_features(self) -> int:
        return int(self.means.shape[1])

    @property
    def precisions(self) -> np.ndarray:
        return _precisions(self.precisions_cholesky, self.covariance_type)

    def full_covariances(self) -> np.ndarray:
        """Every component's (d, d) covariance matrix, whatever the covariance type."""
        return full_covariances(self.covariances, self.covariance_type, self.n_components,
                                self.n_features)


def full_covariances(covariances, cov_type: str, k: int, d: int) -> np.ndarray:
    """(k, d, d) covariance matrices from scikit-learn's ``covariances_`` of any type."""
    c = np.asarray(covariances, dtype=float)
    if cov_type == "full":
        return c.copy()
    if cov_type == "tied":
        return np.repeat(c[None], k, axis=0)
    if cov_type == "diag":
        return np.stack([np.diag(row) for row in c])
    return np.stack([np.eye(d) * v for v in c])


def _result(X, p: _Params, lbs, n_iter, converged, caught, random_state) -> GMMResult:
    ll, log_resp = _e_step(X, p)
    n, d = X.shape
    k = p.weights.shape[0]
    n_par = _n_parameters(k, d, p.covariance_type)
    return GMMResult(
        covariance_type=p.covariance_type, weights=_frozen(p.weights),
        means=_frozen(p.means), covariances=_frozen(p.covariances),
        precisions_cholesky=_frozen(p.precisions_cholesky),
        labels=_frozen(log_resp.argmax(axis=1)), probabilities=_frozen(np.exp(log_resp)),
        lower_bound=float(lbs[-1]) if len(lbs) else -math.inf,
        lower_bounds=_frozen(np.asarray(lbs, dtype=float)), n_iter=int(n_iter),
        converged=bool(converged), bic=float(-2 * ll * n + n_par * math.log(n)),
        aic=float(-2 * ll * n + 2 * n_par), n_parameters=n_par, warnings=tuple(caught),
        random_state=random_state if isinstance(random_state, numbers.Integral) else None)


_NOT_CONVERGED = ("Best performing initialization did not converge. Try different init "
                  "parameters, or increase max_iter, tol, or check for degenerate data.")


# --------------------------------------------------------------------------- fitting


def fit_gmm(X, n_components: int, covariance_type: str = "full", n_init: int = 1,
            init_params: str = "kmeans", max_iter: int = 100, random_state=42,
            progress: ProgressFn | None = None, *, tol: float = TOL,
            reg_covar: float = REG_COVAR) -> GMMResult:
    """``GaussianMixture(n_components, covariance_type=..., n_init=..., init_params=...,
    max_iter=..., random_state=...).fit(X)``, with progress and Cancel.

    ``progress(fraction)`` is called after every EM iteration and may raise
    :class:`core.errors.Cancelled`. BLAS runs on one thread (faster on small machines).
    """
    with single_threaded():
        return _fit_gmm(X, n_components, covariance_type, n_init, init_params, max_iter,
                        random_state, progress, tol, reg_covar)


def _fit_gmm(X, n_components, covariance_type, n_init, init_params, max_iter, random_state,
             progress, tol, reg_covar) -> GMMResult:
    from sklearn.utils import check_random_state

    X = _check_X(X)
    k = _check_k(n_components, X.shape[0])
    cov = _check_cov(covariance_type)
    init_params = _check_init(init_params)
    n_init = _check_positive(n_init, "n_init")
    max_iter = _check_positive(max_iter, "max_iter")
    rs = check_random_state(random_state)
    caught: list[str] = []
    best = None
    best_lb = -math.inf
    for run in range(n_init):
        p = _initial_params(X, k, cov, init_params, reg_covar, rs, caught)
        lb = -math.inf
        lbs: list[float] = []
        converged = False
        ll, log_resp = _e_step(X, p)
        for it in range(1, max_iter + 1):
            prev = lb
            p = _m_step(X, log_resp, cov, reg_covar)
            lb = ll
            lbs.append(lb)
            report(progress, (run + it / max_iter) / n_init)
            if abs(lb - prev) < tol:
                converged = True
                break
            ll, log_resp = _e_step(X, p)
        if best is None or lb > best_lb:
            best_lb = lb
            best = (p, lbs, it, converged)
        report(progress, (run + 1) / n_init)
    p, lbs, n_iter, converged = best
    if not converged:
        caught.append(_NOT_CONVERGED)
    return _result(X, p, lbs, n_iter, converged, caught, random_state)


@dataclass(frozen=True)
class StepState:
    """One iteration of :class:`EMStepper`: the parameters after it and its lower bound."""

    weights: np.ndarray
    means: np.ndarray
    covariances: np.ndarray
    precisions_cholesky: np.ndarray
    lower_bound: float


class EMStepper:
    """EM for a Gaussian mixture one iteration, or one half of it, at a time, forwards and
    back.

    Iteration 0 holds scikit-learn's own initialisation (``GaussianMixture(...,
    random_state=random_state)``'s for ``init_params``). ``step()`` is one E step and one M
    step; after ``t`` steps ``weights``, ``means``, ``covariances`` and ``lower_bound`` equal
    ``GaussianMixture(max_iter=t, n_init=1, weights_init=w0, means_init=m0,
    precisions_init=p0).fit(X)``'s, where ``w0, m0, p0 = stepper.initial_params()``. Once
    the lower bound changed by less than ``tol`` the stepper has ``converged`` and ``step()``
    does nothing; ``back()`` returns to the previous iteration exactly.

    ``step(half=True)`` makes one half of an iteration: first the E step (``phase`` becomes
    ``"E"``: ``e_responsibilities`` are the new responsibilities, the parameters have not
    moved), then the M step (``phase`` ``"M"``: new parameters, ``iteration`` + 1, a new
    lower bound). ``back(half=True)`` undoes one half-step. Two half-steps are one step.
    """

    def __init__(self, X, n_components: int, covariance_type: str = "full",
                 init_params: str = "kmeans", random_state=42, *, tol: float = TOL,
                 reg_covar: float = REG_COVAR):
        from sklearn.utils import check_random_state

        self.X = _check_X(X)
        self.n_samples, self.n_features = self.X.shape
        self.n_components = _check_k(n_components, self.n_samples)
        self.covariance_type = _check_cov(covariance_type)
        self.init_params = _check_init(init_params)
        self.random_state = random_state
        self.tol = float(tol)
        self.reg_covar = float(reg_covar)
        self.warnings: list[str] = []
        with single_threaded():
            p0 = _initial_params(self.X, self.n_components, self.covariance_type,
                                 self.init_params, self.reg_covar,
                                 check_random_state(random_state), self.warnings)
            self._ll, self._log_resp = _e_step(self.X, p0)
        self._params = [p0]
        self._lbs = [-math.inf]
        self._converged_at: int | None = None
        self._phase = "M"  # "E": the next iteration's E step is made, its M step is not
        self._prev_log_resp: np.ndarray | None = None  # the E step the parameters came from

    # -- moving
    def step(self, half: bool = False) -> bool:
        """One E and M step, or with ``half`` the next of the two (E, then M). In phase
        "E" a whole step finishes the iteration (its M step). False (and nothing done) once
        converged."""
        if self.converged:
            return False
        if half and self._phase == "M":
            self._phase = "E"  # the E step: its responsibilities were computed ahead
            return True
        with single_threaded():
            return self._step()

    def _step(self) -> bool:
        p = _m_step(self.X, self._log_resp, self.covariance_type, self.reg_covar)
        lb = self._ll
        prev = self._lbs[-1]
        self._params.append(p)
        self._lbs.append(lb)
        if abs(lb - prev) < self.tol:
            self._converged_at = self.iteration
        self._prev_log_resp = self._log_resp
        self._ll, self._log_resp = _e_step(self.X, p)
        self._phase = "M"
        return True

    def back(self, half: bool = False) -> bool:
        """Return to the previous iteration (from phase "E": to the start of this one), or
        with ``half`` undo one half-step. False at iteration 0 before its E step."""
        if self._phase == "E":
            self._phase = "M"
            return True
        if self.iteration == 0:
            return False
        self._params.pop()
        # the E step of the parameters now current is the one the popped ones came from
        self._ll, self._log_resp = self._lbs.pop(), self._prev_log_resp
        if self._converged_at is not None and self._converged_at > self.iteration:
            self._converged_at = None
        with single_threaded():
            self._prev_log_resp = (_e_step(self.X, self._params[-2])[1]
                                   if len(self._params) > 1 else None)
        if half:
            self._phase = "E"
        return True

    def reset(self) -> None:
        """Back to the initial parameters."""
        del self._params[1:], self._lbs[1:]
        self._converged_at = None
        self._phase = "M"
        self._prev_log_resp = None
        with single_threaded():
            self._ll, self._log_resp = _e_step(self.X, self._params[0])

    def run(self, max_steps: int = 100, progress: ProgressFn | None = None) -> int:
        """Step until converged or ``max_steps`` steps were made; the number made."""
        made = 0
        with single_threaded():
            while made < max_steps and not self.converged and self._step():
                made += 1
                report(progress, made / max_steps)
        return made

    # -- reading
    @property
    def iteration(self) -> int:
        return len(self._params) - 1

    @property
    def converged(self) -> bool:
        return self._converged_at is not None

    #: the current parameters, shaped as scikit-learn's ``weights_``, ``means_``,
    #: ``covariances_`` and ``precisions_cholesky_`` (read-only copies)
    weights = property(lambda self: _frozen(self._params[-1].weights))
    means = property(lambda self: _frozen(self._params[-1].means))
    covariances = property(lambda self: _frozen(self._params[-1].covariances))
    precisions_cholesky = property(lambda self: _frozen(self._params[-1].precisions_cholesky))

    @property
    def lower_bound(self) -> float:
        """The lower bound of the last step (``-inf`` at iteration 0, as scikit-learn)."""
        return float(self._lbs[-1])

    @property
    def log_likelihood(self) -> float:
        """Mean log-likelihood of the current parameters (the next step's lower bound)."""
        return float(self._ll)

    @property
    def responsibilities(self) -> np.ndarray:
        """``predict_proba(X)`` under the current parameters, (n, k)."""
        return _frozen(np.exp(self._log_resp))

    @property
    def labels(self) -> np.ndarray:
        return _frozen(self._log_resp.argmax(axis=1))

    @property
    def phase(self) -> str:
        """The half-step last made: "E" (the next iteration's E step, its M step still to
        come) or "M" (a whole iteration; also at iteration 0, the initialisation)."""
        return self._phase

    @property
    def e_responsibilities(self) -> np.ndarray | None:
        """The responsibilities of the last E step made: in phase "E" those of the current
        parameters, in phase "M" those the current parameters were computed from; None at
        iteration 0 before any E step."""
        log_resp = self._log_resp if self._phase == "E" else self._prev_log_resp
        return None if log_resp is None else _frozen(np.exp(log_resp))

    @property
    def history(self) -> tuple[StepState, ...]:
        """Every iteration so far: ``history[0]`` the initial parameters."""
        return tuple(StepState(_frozen(p.weights), _frozen(p.means), _frozen(p.covariances),
                               _frozen(p.precisions_cholesky), float(lb))
                     for p, lb in zip(self._params, self._lbs, strict=True))

    @property
    def lower_bounds(self) -> np.ndarray:
        """The lower bound after each step 1..iteration."""
        return _frozen(np.asarray(self._lbs[1:], dtype=float))

    def initial_params(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(weights, means, precisions) of iteration 0, for ``GaussianMixture(weights_init=,
        means_init=, precisions_init=)``."""
        p = self._params[0]
        return (p.weights.copy(), p.means.copy(),
                _precisions(p.precisions_cholesky, self.covariance_type))

    def result(self) -> GMMResult:
        """The current parameters as a :class:`GMMResult` (labels, BIC, AIC on X)."""
        caught = list(self.warnings)
        return _result(self.X, self._params[-1], self._lbs[1:], self.iteration,
                       self.converged, caught, self.random_state)


# --------------------------------------------------------------------------- using a model


def _model_X(result: GMMResult, X) -> np.ndarray:
    X = as_data_matrix(X, purpose="a Gaussian mixture")
    if X.shape[1] != result.n_features:
        raise DataError(f"The mixture was fitted on {result.n_features} features; these "
                        f"points have {X.shape[1]}.")
    return X


def score_samples(result: GMMResult, X) -> np.ndarray:
    """The log density of each row of ``X`` (``GaussianMixture.score_samples``)."""
    X = _model_X(result, X)
    return _logsumexp(_weighted_log_prob(X, result.weights, result.means,
                                         result.precisions_cholesky, result.covariance_type))


def predict_proba(result: GMMResult, X) -> np.ndarray:
    """Each row's probability of belonging to each component (``predict_proba``)."""
    X = _model_X(result, X)
    _, log_resp = _e_step(X, result)
    return np.exp(log_resp)


@dataclass(frozen=True)
class AnomalyResult:
    """``threshold`` = the ``percentile``-th percentile of the log densities; ``mask`` marks
    the rows whose density is below it; ``densities`` the log densities themselves."""

    percentile: float
    threshold: float
    mask: np.ndarray
    densities: np.ndarray

    @property
    def count(self) -> int:
        return int(np.count_nonzero(self.mask))


def anomalies(result: GMMResult, X, percentile: float = 2.0) -> AnomalyResult:
    """The chapter's anomaly detection: rows below the ``percentile`` density threshold."""
    if not 0 <= float(percentile) <= 100:
        raise DataError(f"The percentile must be between 0 and 100, not {percentile}.")
    dens = score_samples(result, X)
    threshold = float(np.percentile(dens, percentile))
    return AnomalyResult(float(percentile), threshold, _frozen(dens < threshold),
                         _frozen(dens))


def sample(result: GMMResult, n: int, random_state=42) -> tuple[np.ndarray, np.ndarray]:
    """``gm.sample(n)`` of the fitted model with ``random_state``: (points, components)."""
    n = _check_positive(n, "The number of samples")
    gm = to_sklearn(result, random_state=random_state)
    Xs, ys = gm.sample(n)
    return Xs, ys


def to_sklearn(result: GMMResult, random_state=42):
    """A fitted ``GaussianMixture`` holding ``result``'s parameters."""
    from sklearn.mixture import GaussianMixture

    gm = GaussianMixture(n_components=result.n_components,
                         covariance_type=result.covariance_type, random_state=random_state)
    gm.weights_ = np.array(result.weights)
    gm.means_ = np.array(result.means)
    gm.covariances_ = np.array(result.covariances)
    gm.precisions_cholesky_ = np.array(result.precisions_cholesky)
    gm.precisions_ = result.precisions
    gm.converged_ = result.converged
    gm.n_iter_ = result.n_iter
    gm.lower_bound_ = result.lower_bound
    gm.n_features_in_ = result.n_features
    return gm


# --------------------------------------------------------------------------- choosing k


@dataclass(frozen=True)
class ComponentSweep:
    """BIC and AIC of ``fit_gmm(X, k, ...)`` for every k in ``ks``, and the fits."""

    ks: tuple[int, ...]
    bics: np.ndarray
    aics: np.ndarray
    fits: tuple[GMMResult, ...] = field(repr=False)

    @property
    def best_bic(self) -> int:
        return int(self.ks[int(np.argmin(self.bics))])

    @property
    def best_aic(self) -> int:
        return int(self.ks[int(np.argmin(self.aics))])

    def fit(self, k: int) -> GMMResult:
        return self.fits[self.ks.index(int(k))]


def sweep_components(X, ks=range(1, 11), covariance_type: str = "full", n_init: int = 10,
                     random_state=42, progress: ProgressFn | None = None) -> ComponentSweep:
    """``GaussianMixture(n_components=k, n_init=n_init, random_state=...)`` for every k.

    Cancellable after every EM iteration through ``progress``.
    """
    X = _check_X(X)
    ks = tuple(int(k) for k in ks)
    if not ks:
        raise DataError("Give at least one number of components to try.")
    for k in ks:
        _check_k(k, X.shape[0])
    # Bigger k costs more: share the progress bar by k.
    total = float(sum(ks))
    done = 0.0
    fits = []
    for k in ks:
        fits.append(fit_gmm(X, k, covariance_type, n_init=n_init, random_state=random_state,
                            progress=scaled(progress, done / total, (done + k) / total)))
        done += k
    report(progress, 1.0)
    return ComponentSweep(ks, _frozen([f.bic for f in fits]), _frozen([f.aic for f in fits]),
                          tuple(fits))


# --------------------------------------------------------------------------- Bayesian


@dataclass(frozen=True)
class BayesianGMMResult:
    """``BayesianGaussianMixture``'s fitted ``weights``, ``means``, ``covariances`` (full),
    ``labels``, ``lower_bound``, ``n_iter``, ``converged`` and the warnings."""

    weights: np.ndarray
    means: np.ndarray
    covariances: np.ndarray
    labels: np.ndarray
    lower_bound: float
    n_iter: int
    converged: bool
    weight_concentration_prior: float
    warnings: tuple[str, ...] = ()

    def n_effective(self, min_weight: float = 0.01) -> int:
        """How many components weigh more than ``min_weight``."""
        return int(np.count_nonzero(self.weights > min_weight))


def fit_bayesian_gmm(X, n_components: int = 10, weight_concentration_prior=None,
                     n_init: int = 1, max_iter: int = 100, random_state=42,
                     progress: ProgressFn | None = None) -> BayesianGMMResult:
    """``BayesianGaussianMixture(n_components, weight_concentration_prior=..., n_init=...,
    max_iter=..., random_state=...).fit(X)``, cancellable between initialisations.

    The initialisations run one by one from one shared random generator and the best lower
    bound wins, exactly as ``n_init`` does inside scikit-learn.
    """
    with single_threaded():
        return _fit_bayesian_gmm(X, n_components, weight_concentration_prior, n_init,
                                 max_iter, random_state, progress)


def _fit_bayesian_gmm(X, n_components, weight_concentration_prior, n_init, max_iter,
                      random_state, progress) -> BayesianGMMResult:
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.mixture import BayesianGaussianMixture
    from sklearn.utils import check_random_state

    X = _check_X(X)
    k = _check_k(n_components, X.shape[0])
    n_init = _check_positive(n_init, "n_init")
    max_iter = _check_positive(max_iter, "max_iter")
    if weight_concentration_prior is not None and not float(weight_concentration_prior) > 0:
        raise DataError("The weight concentration prior must be positive, not "
                        f"{weight_concentration_prior}.")
    rs = check_random_state(random_state)
    caught: list[str] = []
    best = None
    for run in range(n_init):
        bgm = BayesianGaussianMixture(n_components=k,
                                      weight_concentration_prior=weight_concentration_prior,
                                      n_init=1, max_iter=max_iter, random_state=rs)
        caught.extend(str(w.message) for w in _fit_recording(bgm, X)
                      if not issubclass(w.category, ConvergenceWarning))
        if best is None or bgm.lower_bound_ > best.lower_bound_:
            best = bgm
        report(progress, (run + 1) / n_init)
    if not best.converged_:
        caught.append(_NOT_CONVERGED)
    return BayesianGMMResult(
        _frozen(best.weights_), _frozen(best.means_), _frozen(best.covariances_),
        _frozen(best.predict(X)), float(best.lower_bound_), int(best.n_iter_),
        bool(best.converged_), float(best.weight_concentration_prior_), tuple(caught))


# --------------------------------------------------------------------------- drawing


@dataclass(frozen=True)
class GMMRegions:
    """The log density (``resolution`` rows × columns, float32) and the most likely
    component of every cell of a grid over ``x_range`` × ``y_range``; row i is
    ``ys[i]``, column j is ``xs[j]``."""

    log_density: np.ndarray
    labels: np.ndarray
    xs: np.ndarray
    ys: np.ndarray
    x_range: tuple[float, float]
    y_range: tuple[float, float]


#: grid rows evaluated together: every pass over a block stays in the cache
_REGION_BLOCK = 64


def _grid_terms(result: GMMResult, xs: np.ndarray, ys: np.ndarray):
    """Each component's log weighted density on the grid is ``rows[c][:, None] +
    cols[c][None, :]``, plus ``np.multiply.outer(cross[c], dxs[c])`` where ``has_cross[c]``
    (float32; the quadratic form ``a dx² + 2b dx dy + c dy²`` is separable on a grid)."""
    k = result.n_components
    prec = result.precisions.astype(float)
    if result.covariance_type == "tied":
        prec = np.repeat(prec[None], k, axis=0)
    elif result.covariance_type == "diag":
        prec = np.stack([np.diag(p) for p in prec])
    elif result.covariance_type == "spherical":
        prec = np.stack([np.eye(2) * p for p in prec])
    rows = np.empty((k, ys.size), dtype=np.float32)
    cross = np.empty((k, ys.size), dtype=np.float32)
    cols = np.empty((k, xs.size), dtype=np.float32)
    dxs = np.empty((k, xs.size), dtype=np.float32)
    has_cross = prec[:, 0, 1] != 0.0
    for c in range(k):
        a, b, cc = prec[c, 0, 0], prec[c, 0, 1], prec[c, 1, 1]
        dx = xs - result.means[c, 0]
        dy = ys - result.means[c, 1]
        # log N(x) = -0.5 (d log 2π + q) + 0.5 log det P, plus log weight
        const = (-0.5 * 2 * math.log(2 * math.pi) + 0.5 * math.log(np.linalg.det(prec[c]))
                 + math.log(max(float(result.weights[c]), 1e-300)))
        rows[c] = const - 0.5 * cc * dy * dy  # per row (y)
        cols[c] = -0.5 * a * dx * dx  # per column (x)
        cross[c] = -b * dy
        dxs[c] = dx
    return rows, cols, cross, dxs, has_cross


def gmm_regions(result: GMMResult, x_range, y_range, resolution: int = 500) -> GMMRegions:
    """Log density and decision regions of a 2-D mixture on a grid.

    The quadratic form of each component is separable on a grid, so a 500 × 500 grid costs
    a few outer products, not 250 000 matrix rows. The grid is evaluated in blocks of rows
    (all components of a block stay in the cache, and no large array is allocated), and the
    labels come from comparisons with the maximum (``argmax`` over the components' axis is
    a slow strided reduction in numpy): the same labels, the first component on a tie.
    """
    if result.n_features != 2:
        raise DataError(f"Density regions are drawn for 2-D data; this mixture has "
                        f"{result.n_features} features.")
    res = int(resolution)
    if res < 2:
        raise DataError(f"The grid needs at least 2 cells a side, not {resolution}.")
    x0, x1 = (float(v) for v in x_range)
    y0, y1 = (float(v) for v in y_range)
    xs = np.linspace(x0, x1, res)
    ys = np.linspace(y0, y1, res)
    k = result.n_components
    rows, cols, cross, dxs, has_cross = _grid_terms(result, xs, ys)
    density = np.empty((res, res), dtype=np.float32)
    labels = np.empty((res, res), dtype=np.int8 if k < 128 else np.int32)
    buf = np.empty((k, min(_REGION_BLOCK, res), res), dtype=np.float32)
    for i0 in range(0, res, _REGION_BLOCK):
        i1 = min(res, i0 + _REGION_BLOCK)
        wlp = buf[:, :i1 - i0]
        for c in range(k):
            out = wlp[c]
            if has_cross[c]:
                np.multiply.outer(cross[c, i0:i1], dxs[c], out=out)
                out += rows[c, i0:i1, None]
            else:
                out[...] = rows[c, i0:i1, None]
            out += cols[c]
        top = wlp.max(axis=0)
        lab = labels[i0:i1]
        lab[...] = 0
        for c in range(k - 1, 0, -1):  # downwards: the first maximum wins, as argmax
            np.copyto(lab, c, where=wlp[c] == top)
        np.copyto(lab, 0, where=wlp[0] == top)
        wlp -= top  # log-sum-exp in place: every term <= 0
        np.exp(wlp, out=wlp)
        acc = density[i0:i1]
        np.sum(wlp, axis=0, out=acc)
        np.log(acc, out=acc)
        acc += top
    return GMMRegions(_frozen(density), _frozen(labels), _frozen(xs), _frozen(ys), (x0, x1),
                      (y0, y1))


def ellipse(mean, cov, n_sigma: float = 1.0, n_points: int = 64) -> np.ndarray:
    """(n_points + 1, 2) points of the ``n_sigma`` ellipse of a 2-D Gaussian (closed)."""
    cov = np.asarray(cov, dtype=float)
    vals, vecs = np.linalg.eigh(cov)
    vals = np.clip(vals, 0.0, None)
    t = np.linspace(0.0, 2 * np.pi, n_points + 1)
    circle = np.stack([np.cos(t), np.sin(t)], axis=1)
    return np.asarray(mean, dtype=float) + n_sigma * (circle * np.sqrt(vals)) @ vecs.T


def chapter_data() -> np.ndarray:
    """The chapter's mixture data: two stretched blobs of 500 and one round blob of 250."""
    from sklearn.datasets import make_blobs

    X1, _ = make_blobs(n_samples=1000, centers=((4, -4), (0, 0)), random_state=42)
    X1 = X1.dot(np.array([[0.374, 0.95], [0.732, 0.598]]))
    X2, _ = make_blobs(n_samples=250, centers=1, random_state=42)
    return np.r_[X1, X2 + [6, -8]]
