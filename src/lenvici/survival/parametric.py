"""Parametric survival models for extrapolation: six families fitted by maximum likelihood, with AIC/BIC.

The fits are lifelines' univariate fitters (``ExponentialFitter``, ``WeibullFitter``,
``LogNormalFitter``, ``LogLogisticFitter``, ``GeneralizedGammaFitter``) plus a Gompertz fitter built on
lifelines' ``ParametricUnivariateFitter`` (:mod:`lenvici.survival._gompertz`). Results are reported
in flexsurv's parameterisation (:mod:`lenvici.survival.distributions`); the mapping from lifelines'
parameters is:

==============  ==========================================  ==========================================
family          lifelines parameters                        flexsurv parameters
==============  ==========================================  ==========================================
exponential     ``lambda_`` (mean, :math:`S=e^{-t/\\lambda}`) ``rate`` = 1 / ``lambda_``
weibull         ``lambda_`` (scale), ``rho_`` (shape)        ``shape`` = ``rho_``, ``scale`` = ``lambda_``
lognormal       ``mu_``, ``sigma_``                          ``meanlog`` = ``mu_``, ``sdlog`` = ``sigma_``
loglogistic     ``alpha_`` (scale), ``beta_`` (shape)        ``shape`` = ``beta_``, ``scale`` = ``alpha_``
gompertz        ``shape_``, ``log_rate_`` (ours)             ``shape`` = ``shape_``, ``rate`` = exp(``log_rate_``)
gengamma        ``mu_``, ``ln_sigma_``, ``lambda_``          ``mu`` = ``mu_``, ``sigma`` = exp(``ln_sigma_``),
                                                            ``Q`` = ``lambda_``
==============  ==========================================  ==========================================

Standard errors of the flexsurv parameters come from lifelines' inverse observed information by the
delta method; confidence limits of positive parameters are formed on the log scale (as flexsurv does),
the others on the natural scale. The log-likelihood is the full one (log density for events, log
survival for censored times), as flexsurv's, so AIC :math:`= -2\\ell + 2k` and BIC
:math:`= -2\\ell + k\\log n` (:math:`n` observations — flexsurv's ``BIC(cens = TRUE)`` default) are
comparable with flexsurv's.

Several starting points are tried for the generalised gamma (from the Weibull fit, Q = 1; from the
log-normal fit, Q = 0.25; lifelines' default) and the Gompertz (lifelines warns that its generalised
gamma convergence "is not very stable"), until two of them reach the same maximum (log-likelihoods
within ``AGREEMENT``); the fit with the largest likelihood is kept and every start tried is recorded in
``ParametricFit.starts`` with the log-likelihood it reached.

References
----------
Jackson C. flexsurv: a platform for parametric survival modeling in R. J Stat Softw 2016;70(8):1–33,
doi:10.18637/jss.v070.i08.
Latimer NR. Survival analysis for economic evaluations alongside clinical trials — extrapolation with
patient-level data. NICE DSU Technical Support Document 14; 2013 (model choice by AIC/BIC).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
from scipy import integrate

from lenvici.errors import ConvergenceWarning, InputError, LenviciError
from lenvici.survival import distributions as dist
from lenvici.survival._validate import check_events, check_level, check_times
from lenvici.survival.confint import z_value

__all__ = ["FIT_OPTIONS", "SLSQP_OPTIONS", "ParametricComparison", "ParametricFit", "fit_parametric", "fit_parametric_models"]

#: SciPy optimiser options passed to lifelines (its defaults stop at relative changes of ~1e-9 in the
#: averaged log-likelihood, leaving parameters ~1e-4 from the maximum).
FIT_OPTIONS = {"ftol": 1e-14, "gtol": 1e-10, "maxiter": 10_000}
#: Two starting points whose fits agree to this (log-likelihood) end the search for more.
AGREEMENT = 1e-6
#: The same for lifelines' generalised gamma, which uses SciPy's SLSQP (no ``gtol`` option).
SLSQP_OPTIONS = {"ftol": 1e-14, "maxiter": 10_000}


@dataclass(frozen=True, repr=False)
class ParametricFit:
    """A fitted parametric survival model, in flexsurv's parameterisation.

    Attributes
    ----------
    family
        Our family name (``"weibull"``); ``flexsurv`` gives flexsurv's ``dist`` name.
    names, estimate, se, lower, upper
        flexsurv parameter names, estimates, standard errors and confidence limits.
    covariance
        Covariance matrix of the flexsurv parameters (delta method).
    lifelines_params
        lifelines' own parameter names and estimates, for cross-reference.
    loglik, aic, bic
        Maximised full log-likelihood and the information criteria.
    """

    family: str
    flexsurv: str
    names: tuple[str, ...]
    estimate: np.ndarray
    se: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    covariance: np.ndarray
    lifelines_params: dict
    loglik: float
    aic: float
    bic: float
    n: int
    n_events: int
    conf_level: float
    converged: bool
    starts: tuple = ()
    estimator: str = "maximum likelihood (lifelines)"

    @property
    def n_params(self) -> int:
        return len(self.names)

    @property
    def params(self) -> dict[str, float]:
        """flexsurv parameter name → estimate."""
        return {n: float(v) for n, v in zip(self.names, self.estimate)}

    def survival(self, t) -> np.ndarray:
        """:math:`S(t)` at the estimates."""
        return dist.survival_function(self.family, tuple(self.estimate), t)

    def hazard(self, t) -> np.ndarray:
        """:math:`h(t)` at the estimates."""
        return dist.hazard_function(self.family, tuple(self.estimate), t)

    def cumulative_hazard(self, t) -> np.ndarray:
        """:math:`H(t) = -\\log S(t)` at the estimates."""
        return dist.cumulative_hazard(self.family, tuple(self.estimate), t)

    def quantile(self, p) -> np.ndarray:
        """Time by which a fraction ``p`` has had the event (``inf`` if the curve plateaus above 1 − p)."""
        return dist.quantile_function(self.family, tuple(self.estimate), p)

    @property
    def median(self) -> float:
        """Median survival time, in the unit of the input times."""
        return float(self.quantile(0.5))

    def restricted_mean(self, t_max: float) -> float:
        """Restricted mean survival time :math:`\\int_0^{t_{max}} S(t)\\,dt` (numerical quadrature)."""
        if not np.isfinite(t_max) or t_max <= 0:
            raise InputError(f"'t_max' must be a finite time > 0; got {t_max!r}", "t_max")
        value, _ = integrate.quad(lambda u: float(self.survival(u)), 0.0, float(t_max), limit=200)
        return float(value)

    def summary(self):
        """One row per flexsurv parameter: est, se, lower, upper (flexsurv's ``res`` table)."""
        import pandas as pd

        pct = f"{100 * self.conf_level:g}%"
        return pd.DataFrame(
            {"est": self.estimate, "se": self.se, f"lower {pct}": self.lower, f"upper {pct}": self.upper},
            index=pd.Index(self.names, name=f"{self.family} ({self.flexsurv})"),
        )

    def plot(self, ax=None, t_max: float | None = None, km=None, **style):
        """The fitted survival curve (optionally over a Kaplan–Meier curve); returns the Axes."""
        from lenvici.survival.plot import plot_parametric

        return plot_parametric([self], ax=ax, t_max=t_max, km=km, **style)

    def __repr__(self) -> str:
        pars = ", ".join(f"{n}={v:.4g}" for n, v in zip(self.names, self.estimate))
        return (
            f"ParametricFit({self.family}: {pars}; loglik={self.loglik:.4f}, AIC={self.aic:.2f}, "
            f"BIC={self.bic:.2f}, converged={self.converged})"
        )


@dataclass(frozen=True, repr=False)
class ParametricComparison:
    """Several families fitted to the same data, ranked by AIC (ties broken by BIC)."""

    fits: tuple[ParametricFit, ...]
    km: object = None
    failed: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    def __getitem__(self, family: str) -> ParametricFit:
        name = dist.family(family).name
        for f in self.fits:
            if f.family == name:
                return f
        raise InputError(f"family {family!r} was not fitted (or failed); fitted: {[f.family for f in self.fits]}", "family")

    def best(self, criterion: str = "aic") -> ParametricFit:
        """The fit with the smallest AIC (``criterion="aic"``) or BIC (``"bic"``)."""
        key = criterion.lower()
        if key not in ("aic", "bic"):
            raise InputError(f"'criterion' must be aic or bic; got {criterion!r}", "criterion")
        return min(self.fits, key=lambda f: getattr(f, key))

    def summary(self):
        """One row per family: k, loglik, AIC, BIC, ΔAIC, ΔBIC, median — sorted by AIC."""
        import pandas as pd

        rows = sorted(self.fits, key=lambda f: (f.aic, f.bic))
        min_aic = min(f.aic for f in rows)
        min_bic = min(f.bic for f in rows)
        return pd.DataFrame(
            {
                "flexsurv": [f.flexsurv for f in rows],
                "k": [f.n_params for f in rows],
                "loglik": [f.loglik for f in rows],
                "AIC": [f.aic for f in rows],
                "BIC": [f.bic for f in rows],
                "dAIC": [f.aic - min_aic for f in rows],
                "dBIC": [f.bic - min_bic for f in rows],
                "median": [f.median for f in rows],
                "converged": [f.converged for f in rows],
            },
            index=pd.Index([f.family for f in rows], name="family"),
        )

    def plot(self, ax=None, t_max: float | None = None, **style):
        """All fitted curves over the Kaplan–Meier curve of the data; returns the Axes."""
        from lenvici.survival.plot import plot_parametric

        return plot_parametric(list(self.fits), ax=ax, t_max=t_max, km=self.km, **style)

    def __repr__(self) -> str:
        ranked = ", ".join(f"{f.family} {f.aic:.1f}" for f in sorted(self.fits, key=lambda f: f.aic))
        failed = f"; failed: {', '.join(n for n, _ in self.failed)}" if self.failed else ""
        return f"ParametricComparison(AIC: {ranked}{failed})"


def fit_parametric(time, event, family: str = "weibull", conf_level: float = 0.95) -> ParametricFit:
    """Fit one parametric survival model by maximum likelihood.

    Parameters
    ----------
    time
        Follow-up times (> 0 for the log-time families; any unit — estimates are in that unit).
    event
        1 for an event, 0 for censored.
    family
        ``exponential``, ``weibull``, ``lognormal``, ``loglogistic``, ``gompertz`` or ``gengamma``
        (flexsurv's names ``exp``, ``lnorm``, ``llogis`` are accepted).
    conf_level
        Level of the parameter confidence limits.

    Returns
    -------
    ParametricFit

    Raises
    ------
    lenvici.errors.InputError
        Invalid data, a zero time, or no events.
    lenvici.errors.LenviciError
        No starting point led lifelines to a converged fit.

    Examples
    --------
    >>> fit = fit_parametric([2., 3, 5, 7, 11, 13], [1, 1, 0, 1, 1, 0], "exponential")
    >>> round(fit.params["rate"], 6)  # events / total time
    0.097561
    """
    t = check_times(time)
    e = check_events(event, t.size)
    fam = dist.family(family)
    level = check_level(conf_level)
    if np.any(t == 0):
        raise InputError("parametric fits need times > 0; a time of 0 has zero likelihood in these families", "time")
    if not e.any():
        raise InputError("a parametric fit needs at least one event; all observations are censored", "event")
    return _fit(t, e, fam, level)


def fit_parametric_models(time, event, families=None, conf_level: float = 0.95) -> ParametricComparison:
    """Fit several families (all six by default) and compare them by AIC and BIC.

    A family that fails to converge is left out, listed in ``failed`` and warned about
    (:class:`~lenvici.errors.ConvergenceWarning`).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(1)
    >>> t = rng.weibull(1.5, 200) * 10
    >>> cmp = fit_parametric_models(t, np.ones(200), ["exponential", "weibull"])
    >>> cmp.best().family
    'weibull'
    """
    from lenvici.survival.km import kaplan_meier

    t = check_times(time)
    e = check_events(event, t.size)
    names = list(dist.FAMILIES) if families is None else [dist.family(f).name for f in families]
    fits, failed = [], []
    for name in names:
        try:
            fits.append(fit_parametric(t, e, name, conf_level))
        except LenviciError as exc:
            if isinstance(exc, InputError):
                raise
            failed.append((name, str(exc)))
            warnings.warn(f"{name}: {exc}", ConvergenceWarning, stacklevel=2)
    if not fits:
        raise LenviciError("no parametric family could be fitted: " + "; ".join(f"{n}: {m}" for n, m in failed))
    return ParametricComparison(tuple(fits), km=kaplan_meier(t, e), failed=tuple(failed))


# --- lifelines plumbing ---------------------------------------------------------------------------


def _fitter(name: str):
    import lifelines

    from lenvici.survival._gompertz import GompertzFitter

    return {
        "exponential": lifelines.ExponentialFitter,
        "weibull": lifelines.WeibullFitter,
        "lognormal": lifelines.LogNormalFitter,
        "loglogistic": lifelines.LogLogisticFitter,
        "gengamma": lifelines.GeneralizedGammaFitter,
        "gompertz": GompertzFitter,
    }[name]


def _to_flexsurv(name: str, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """flexsurv parameters from lifelines' (in lifelines' order) and the Jacobian d(flexsurv)/d(lifelines)."""
    if name == "exponential":
        (lam,) = theta
        return np.array([1 / lam]), np.array([[-1 / lam**2]])
    if name in ("weibull", "loglogistic"):  # lifelines (scale, shape) -> flexsurv (shape, scale)
        scale, shape = theta
        return np.array([shape, scale]), np.array([[0.0, 1.0], [1.0, 0.0]])
    if name == "lognormal":
        return np.array(theta, dtype=float), np.eye(2)
    if name == "gompertz":
        a, log_b = theta
        return np.array([a, np.exp(log_b)]), np.diag([1.0, np.exp(log_b)])
    if name == "gengamma":
        mu, ln_sigma, q = theta
        return np.array([mu, np.exp(ln_sigma), q]), np.diag([1.0, np.exp(ln_sigma), 1.0])
    raise ValueError(name)


def _starts(name: str, t: np.ndarray, e: np.ndarray) -> list:
    """Starting points in lifelines' parameters (None: lifelines' own)."""
    if name == "gompertz":
        log_rate = float(np.log(e.sum() / t.sum()))
        a = 0.1 / float(np.mean(t))
        return [np.array([a, log_rate]), np.array([-a, log_rate]), np.array([a / 10, log_rate])]
    if name == "gengamma":
        starts: list = []
        for other, q in (("weibull", 1.0), ("lognormal", 0.25)):
            try:
                f = _fitter(other)().fit(t, e)
            except Exception:  # noqa: BLE001 - a failed auxiliary fit only removes one start
                continue
            if other == "weibull":
                starts.append(np.array([np.log(f.lambda_), -np.log(f.rho_), q]))
            else:
                starts.append(np.array([f.mu_, np.log(f.sigma_), q]))
        return starts + [None]
    return [None]


def _fit(t: np.ndarray, e: np.ndarray, fam: dist.Family, level: float) -> ParametricFit:
    from lifelines.exceptions import ConvergenceError as LifelinesConvergenceError

    best, tried, messages = None, [], []
    for start in _starts(fam.name, t, e):
        fitter = _fitter(fam.name)(alpha=1 - level)
        options = FIT_OPTIONS if fitter._scipy_fit_method == "L-BFGS-B" else SLSQP_OPTIONS
        try:
            fitter.fit(t, e, initial_point=start, fit_options=options)
        except (LifelinesConvergenceError, ValueError, np.linalg.LinAlgError) as exc:
            messages.append(str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__)
            tried.append(("lifelines default" if start is None else tuple(float(x) for x in start), None))
            continue
        ll = float(fitter.log_likelihood_)
        tried.append(("lifelines default" if start is None else tuple(float(x) for x in start), ll))
        if not np.isfinite(ll):
            continue
        if best is not None and abs(ll - best.log_likelihood_) <= AGREEMENT:
            break  # two starts reached the same maximum: no need for more
        if best is None or ll > best.log_likelihood_:
            best = fitter
    if best is None:
        raise LenviciError(
            f"{fam.name} fit did not converge from any of {len(tried)} starting points (lifelines): "
            + "; ".join(messages)
        )
    names = best._fitted_parameter_names
    theta = best.params_.reindex(names).to_numpy(dtype=float)
    cov_lifelines = best.variance_matrix_.reindex(index=names, columns=names).to_numpy(dtype=float)
    est, jac = _to_flexsurv(fam.name, theta)
    cov = jac @ cov_lifelines @ jac.T
    se = np.sqrt(np.diag(cov))
    z = z_value(level)
    positive = np.array(fam.positive)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_se = se / est
        lower = np.where(positive, est * np.exp(-z * log_se), est - z * se)
        upper = np.where(positive, est * np.exp(z * log_se), est + z * se)
    converged = bool(np.all(np.isfinite(se)))
    if not converged:
        warnings.warn(
            f"{fam.name} fit: the observed information is singular at the maximum (standard errors are NaN); "
            "the model may be over-parameterised for these data.",
            ConvergenceWarning,
            stacklevel=3,
        )
    k = fam.params.__len__()
    ll = float(best.log_likelihood_)
    arrays = [est, se, lower, upper, cov]
    for a in arrays:
        a.setflags(write=False)
    return ParametricFit(
        family=fam.name,
        flexsurv=fam.flexsurv,
        names=fam.params,
        estimate=est,
        se=se,
        lower=lower,
        upper=upper,
        covariance=cov,
        lifelines_params={n: float(v) for n, v in zip(names, theta)},
        loglik=ll,
        aic=-2 * ll + 2 * k,
        bic=-2 * ll + k * float(np.log(t.size)),
        n=int(t.size),
        n_events=int(e.sum()),
        conf_level=level,
        converged=converged,
        starts=tuple(tried),
    )
