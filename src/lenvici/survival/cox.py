"""Cox proportional-hazards regression with Efron's handling of tied event times.

.. math::

    h(t \\mid x) = h_0(t) \\exp(x^\\top \\beta)

fitted by maximising Efron's partial likelihood (R ``coxph``'s default ``ties = "efron"``), optionally
with a separate baseline hazard per stratum. Reported, as R's ``summary(coxph)`` does: coefficients,
standard errors from the inverse observed information, hazard ratios
:math:`\\exp(\\hat\\beta)` with Wald limits :math:`\\exp(\\hat\\beta \\pm z\\,se)`, and the three global
tests of :math:`\\beta = 0` on :math:`p` degrees of freedom — likelihood ratio
:math:`2(\\ell(\\hat\\beta) - \\ell(0))`, Wald :math:`\\hat\\beta^\\top \\hat V^{-1} \\hat\\beta` and score
:math:`U(0)^\\top \\mathcal I(0)^{-1} U(0)` (the log-rank test for a single binary covariate).

The fit is lifelines' ``CoxPHFitter`` (Newton–Raphson on Efron's likelihood) run to a tight tolerance;
the null log-likelihood and the score test, which lifelines does not report, come from
:mod:`lenvici.survival._efron`, which also re-evaluates the score at lifelines' solution as a
convergence check (``max_abs_score``).

References
----------
Cox DR. Regression models and life-tables. J R Stat Soc B 1972;34:187–220,
doi:10.1111/j.2517-6161.1972.tb00899.x.
Efron B. The efficiency of Cox's likelihood function for censored data. J Am Stat Assoc
1977;72:557–565, doi:10.1080/01621459.1977.10479915.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy.stats import chi2, norm

from lenvici.errors import ConvergenceWarning, InputError, LenviciError
from lenvici.survival._efron import efron_derivatives, score_test
from lenvici.survival._validate import check_covariates, check_events, check_labels, check_level, check_times
from lenvici.survival.confint import z_value

__all__ = ["ChiSquareTest", "CoxResult", "cox_ph"]

#: Newton–Raphson settings passed to lifelines. lifelines returns the iterate *before* its last
#: Newton step and by default stops when that step's norm or the Newton decrement is below 1e-7 or
#: the log-likelihood changes by less than 1e-9 relative; that leaves coefficients up to ~1e-6 from
#: the maximum. With these settings it stops only when the steps are at rounding level (coefficients
#: within ~1e-9 of R's ``coxph``, itself within ~1e-9 of the maximum).
FIT_OPTIONS = {"precision": 1e-16, "r_precision": 1e-15, "max_steps": 100}

#: Largest |score| at the solution accepted as converged, per event (score sums grow with the events).
SCORE_TOLERANCE = 1e-6


@dataclass(frozen=True)
class ChiSquareTest:
    """A chi-squared test: statistic, degrees of freedom and upper-tail p-value."""

    statistic: float
    df: int
    p_value: float

    def __repr__(self) -> str:
        return f"ChiSquareTest(statistic={self.statistic:.4g}, df={self.df}, p={self.p_value:.4g})"


@dataclass(frozen=True, repr=False)
class CoxResult:
    """A fitted Cox model: coefficients, hazard ratios with limits, and the global tests."""

    names: tuple[str, ...]
    coef: np.ndarray
    se: np.ndarray
    hr: np.ndarray
    hr_lower: np.ndarray
    hr_upper: np.ndarray
    z: np.ndarray
    p_value: np.ndarray
    variance: np.ndarray
    conf_level: float
    loglik_null: float
    loglik: float
    lr_test: ChiSquareTest
    wald_test: ChiSquareTest
    score_test: ChiSquareTest
    n: int
    n_events: int
    n_strata: int
    converged: bool
    max_abs_score: float
    ties: str = "efron"
    estimator: str = "lifelines CoxPHFitter (Newton-Raphson, Efron partial likelihood)"

    def hazard_ratio(self, name: str) -> tuple[float, float, float]:
        """``(HR, lower, upper)`` for one covariate."""
        if name not in self.names:
            raise InputError(f"no covariate {name!r}; the model has {', '.join(self.names)}", "name")
        i = self.names.index(name)
        return float(self.hr[i]), float(self.hr_lower[i]), float(self.hr_upper[i])

    def summary(self):
        """One row per covariate: coef, exp(coef), se(coef), z, p, lower, upper (R's summary.coxph)."""
        import pandas as pd

        pct = f"{100 * self.conf_level:g}%"
        return pd.DataFrame(
            {
                "coef": self.coef,
                "exp(coef)": self.hr,
                "se(coef)": self.se,
                "z": self.z,
                "p": self.p_value,
                f"exp(coef) lower {pct}": self.hr_lower,
                f"exp(coef) upper {pct}": self.hr_upper,
            },
            index=pd.Index(self.names, name="covariate"),
        )

    def plot(self, ax=None, **style):
        """Forest plot of the hazard ratios with their limits on a log axis; returns the Axes."""
        from lenvici.survival.plot import plot_hazard_ratios

        return plot_hazard_ratios(self, ax=ax, **style)

    def __repr__(self) -> str:
        terms = ", ".join(
            f"{n}: HR {h:.3g} [{lo:.3g}, {hi:.3g}]" for n, h, lo, hi in zip(self.names, self.hr, self.hr_lower, self.hr_upper)
        )
        strata = f", strata={self.n_strata}" if self.n_strata > 1 else ""
        return (
            f"CoxResult(n={self.n}, events={self.n_events}{strata}, ties={self.ties!r}, {terms}; "
            f"LR p={self.lr_test.p_value:.3g}, converged={self.converged})"
        )


def cox_ph(time, event, covariates, strata=None, conf_level: float = 0.95) -> CoxResult:
    """Fit a Cox proportional-hazards model (Efron ties).

    Parameters
    ----------
    time
        Follow-up times (≥ 0).
    event
        1 for an event, 0 for censored.
    covariates
        Numeric covariates: a mapping name → column, or a DataFrame. Code categories as 0/1 columns
        (for two arms: ``{"arm": arm == "treatment"}`` gives the HR of treatment vs control).
    strata
        Optional stratum label per observation: a separate baseline hazard in each stratum.
    conf_level
        Level of the hazard-ratio limits.

    Returns
    -------
    CoxResult

    Raises
    ------
    lenvici.errors.InputError
        Invalid inputs, no events, or a covariate that is constant or collinear with the others.
    lenvici.errors.LenviciError
        lifelines could not fit the model (the message says why).

    Examples
    --------
    >>> import numpy as np
    >>> t = np.array([5., 8, 12, 3, 9, 14, 20, 2, 6, 11])
    >>> e = np.array([1, 1, 0, 1, 1, 1, 0, 1, 1, 0])
    >>> arm = np.array([0, 0, 0, 0, 0, 1, 1, 1, 1, 1])
    >>> fit = cox_ph(t, e, {"arm": arm})
    >>> round(fit.hazard_ratio("arm")[0], 4)
    0.4591
    """
    t = check_times(time)
    e = check_events(event, t.size)
    names, X = check_covariates(covariates, t.size)
    level = check_level(conf_level)
    s = check_labels(strata, t.size, "strata") if strata is not None else None
    if not e.any():
        raise InputError("the Cox model needs at least one event; all observations are censored", "event")
    _check_design(names, X)
    return _fit(t, e, names, X, s, level)


def _check_design(names: tuple[str, ...], X: np.ndarray) -> None:
    for j, name in enumerate(names):
        if np.ptp(X[:, j]) == 0:
            raise InputError(f"covariate {name!r} is constant; it has no effect to estimate", name)
    if np.linalg.matrix_rank(X - X.mean(axis=0)) < X.shape[1]:
        raise InputError(f"covariates {', '.join(names)} are collinear; drop or combine some", "covariates")


def _fit(t, e, names, X, strata, level) -> CoxResult:
    import pandas as pd
    from lifelines import CoxPHFitter
    from lifelines.exceptions import ConvergenceError as LifelinesConvergenceError

    columns = [f"x{j}" for j in range(len(names))]
    frame = pd.DataFrame(X, columns=columns)
    frame["_time"] = t
    frame["_event"] = e.astype(int)
    strata_codes = None
    if strata is not None:
        strata_codes = np.unique(strata.astype(str), return_inverse=True)[1]
        frame["_stratum"] = strata_codes
    fitter = CoxPHFitter(alpha=1.0 - level)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            fitter.fit(
                frame,
                duration_col="_time",
                event_col="_event",
                strata=["_stratum"] if strata is not None else None,
                fit_options=FIT_OPTIONS,
            )
        except LifelinesConvergenceError as exc:
            raise LenviciError(f"Cox model could not be fitted by lifelines: {exc}") from None
    lifelines_msgs = [str(w.message) for w in caught if "converg" in str(w.message).lower()]

    beta = fitter.params_.reindex(columns).to_numpy(dtype=float)
    var = fitter.variance_matrix_.reindex(index=columns, columns=columns).to_numpy(dtype=float)
    se = np.sqrt(np.diag(var))
    ll_fit, u_fit, _ = efron_derivatives(t, e, X, beta, strata_codes)
    ll_null, _, _ = efron_derivatives(t, e, X, np.zeros(X.shape[1]), strata_codes)
    max_abs_score = float(np.max(np.abs(u_fit)))
    converged = max_abs_score <= SCORE_TOLERANCE * max(1.0, float(e.sum())) and not lifelines_msgs
    if not converged:
        detail = "; ".join(lifelines_msgs) or f"score at the solution {max_abs_score:.3g}"
        warnings.warn(
            f"Cox model (lifelines Newton-Raphson, up to {FIT_OPTIONS['max_steps']} steps) did not converge: "
            f"{detail}. Check for separation (a covariate level with no events) or rescale covariates.",
            ConvergenceWarning,
            stacklevel=3,
        )
    k = X.shape[1]
    z = z_value(level)
    lr = 2.0 * (ll_fit - ll_null)
    wald = float(beta @ np.linalg.pinv(var, hermitian=True) @ beta)
    score = score_test(t, e, X, strata_codes)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        hr, hr_lower, hr_upper = np.exp(beta), np.exp(beta - z * se), np.exp(beta + z * se)
        zstat = beta / se
    arrays = [beta, se, hr, hr_lower, hr_upper, zstat, 2.0 * norm.sf(np.abs(zstat)), var]
    for a in arrays:
        a.setflags(write=False)
    return CoxResult(
        names,
        *arrays,
        conf_level=level,
        loglik_null=ll_null,
        loglik=ll_fit,
        lr_test=_chisq(lr, k),
        wald_test=_chisq(wald, k),
        score_test=_chisq(score, k),
        n=int(t.size),
        n_events=int(e.sum()),
        n_strata=1 if strata_codes is None else int(strata_codes.max() + 1),
        converged=bool(converged),
        max_abs_score=max_abs_score,
    )


def _chisq(stat: float, df: int) -> ChiSquareTest:
    return ChiSquareTest(float(stat), int(df), float(chi2.sf(stat, df)))
