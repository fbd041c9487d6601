"""Small-study effects and publication bias, with metafor's definitions: Egger's regression test
(``regtest``), Begg and Mazumdar's rank correlation test (``ranktest``) and Duval and Tweedie's trim and
fill (``trimfill``, estimators L0 and R0).

* :func:`regtest` adds a measure of precision to the model as a moderator — by default the standard error
  (Egger's test, ``predictor="sei"``) in a random-/mixed-effects meta-regression fitted with the model's
  τ² estimator and test (metafor's default ``model="rma"``), or in a weighted least-squares regression
  with a multiplicative dispersion (``model="lm"``, Egger's original test). The test of funnel
  asymmetry is the test of that coefficient; the intercept is the "limit estimate", the effect expected
  for a study of infinite precision.
* :func:`ranktest` correlates the standardised deviates (yᵢ − θ̂)/√(vᵢ − 1/Σwⱼ), with θ̂ the
  equal-effects estimate, with the sampling variances vᵢ by Kendall's τ (τ_b); its p-value is exact (the
  distribution of the number of concordant pairs, as R's ``cor.test``) unless there are ties.
* :func:`trimfill` estimates the number k₀ of studies missing on one side of the funnel plot, from the
  signed ranks of |yᵢ − θ̂| after trimming the k₀ most extreme studies and re-estimating θ̂ until k₀ is
  stable:

  .. math::
     L_0 = \\frac{4 S_r - k(k+1)}{2k - 1}, \\qquad R_0 = \\gamma^* - 1,

  S_r the sum of the positive signed ranks and γ* the length of the rightmost run of positive ranks;
  k₀ = max(0, round(·)). The k₀ studies are mirrored about the trimmed estimate (2θ̂ − yᵢ, same vᵢ) and
  the model refitted. The side is chosen as metafor does: the side opposite to the sign of the slope of
  yᵢ on √vᵢ in a meta-regression with the model's estimator.

References
----------
Egger M, Davey Smith G, Schneider M, Minder C. Bias in meta-analysis detected by a simple, graphical test.
BMJ 1997;315:629–634, doi:10.1136/bmj.315.7109.629.
Sterne JAC, Egger M. Regression methods to detect publication and other bias in meta-analysis. In:
Rothstein HR, Sutton AJ, Borenstein M, eds. *Publication Bias in Meta-Analysis.* Wiley; 2005:99–110
(the random-effects version and other predictors).
Begg CB, Mazumdar M. Operating characteristics of a rank correlation test for publication bias.
Biometrics 1994;50:1088–1101, doi:10.2307/2533446.
Kendall MG. *Rank Correlation Methods.* 4th ed. Griffin; 1970 (exact null distribution, tie correction).
Duval S, Tweedie R. Trim and fill: a simple funnel-plot-based method of testing and adjusting for
publication bias in meta-analysis. Biometrics 2000;56:455–463, doi:10.1111/j.0006-341X.2000.00455.x.
Duval S, Tweedie R. A nonparametric "trim and fill" method of accounting for publication bias in
meta-analysis. J Am Stat Assoc 2000;95:89–98, doi:10.1080/01621459.2000.10473905 (L0, R0 and their SEs).
"""

from __future__ import annotations

import math
import warnings
from typing import Mapping

import numpy as np
from scipy.stats import norm, t as t_dist

from lenvici.errors import ConvergenceWarning, InputError
from lenvici.evidence.meta._validate import check_choice
from lenvici.evidence.meta.diagnostic_results import RanktestResult, RegtestResult, TrimfillResult
from lenvici.evidence.meta.diagnostics import _data, _settings
from lenvici.evidence.meta.model import _design, rma
from lenvici.evidence.meta.tau2 import Control

__all__ = ["PREDICTORS", "regtest", "ranktest", "trimfill"]

#: Predictors of :func:`regtest` (metafor's names); the last four need the sample sizes ``ni``.
PREDICTORS = ("sei", "vi", "ni", "ninv", "sqrtni", "sqrtninv")
_LIMIT = ("sei", "vi", "ninv", "sqrtninv")  # predictors that vanish as precision grows: a limit estimate


def _predictor(name: str, v: np.ndarray, n: np.ndarray | None) -> np.ndarray:
    if name == "sei":
        return np.sqrt(v)
    if name == "vi":
        return v.copy()
    if n is None:
        raise InputError(f"predictor {name!r} needs the sample sizes: give 'ni' (or EffectSizes with ni)", "ni")
    return {"ni": n, "ninv": 1.0 / n, "sqrtni": np.sqrt(n), "sqrtninv": 1.0 / np.sqrt(n)}[name].astype(float)


def regtest(yi, vi=None, *, sei=None, measure: str | None = None, ni=None, mods=None, intercept: bool = True,
            mod_names=None, model: str = "rma", predictor: str = "sei", method: str = "REML", test: str = "z",
            level: float = 95, control: Control | Mapping | None = None) -> RegtestResult:
    """Regression test for funnel-plot asymmetry (metafor's ``regtest``; Egger's test by default).

    Parameters
    ----------
    yi, vi, sei, measure, ni
        As for :func:`~lenvici.evidence.meta.rma`; ``ni`` is needed for the sample-size predictors.
    mods, intercept, mod_names
        Moderators of the model the predictor is added to (default: the pooled model).
    model
        ``rma`` (meta-regression with ``method`` and ``test``; metafor's default) or ``lm`` (weighted
        least squares with weights 1/vᵢ and an estimated dispersion, t test: Egger et al. 1997).
    predictor
        One of :data:`PREDICTORS`: ``sei`` (standard error; default), ``vi``, ``ni``, ``ninv`` (1/n),
        ``sqrtni``, ``sqrtninv`` (1/√n).
    method, test, level, control
        As for :func:`~lenvici.evidence.meta.rma` (``model="rma"`` only).

    Returns
    -------
    RegtestResult

    Raises
    ------
    InputError
        Invalid data or settings; a predictor collinear with the model (e.g. equal ``vi`` for ``sei``);
        too few studies.

    Examples
    --------
    >>> res = regtest([0.1, 0.3, 0.35, 0.65, 0.9], [0.01, 0.03, 0.025, 0.04, 0.08], method="DL")
    >>> round(res.zval, 3), round(res.pval, 4), round(res.est, 4)
    (3.296, 0.001, -0.3545)
    """
    y, v, measure, n, _ = _data(yi, vi, sei, measure, ni)
    method, test, alpha, control = _settings(method, test, level, control)
    check_choice(model, "model", ("rma", "lm"))
    check_choice(predictor, "predictor", PREDICTORS)
    k = y.size
    X0, names0 = _design(mods, k, intercept, mod_names)
    pred = _predictor(predictor, v, n)
    X = np.column_stack([X0, pred])
    p = X.shape[1]
    if np.linalg.matrix_rank(X) < p:
        raise InputError(f"the predictor {predictor!r} is collinear with the model (e.g. all studies equally "
                         "precise); the test cannot be run", "predictor")
    int_only = X0.shape[1] == 1 and bool(np.all(X0[:, 0] == 1))
    limit = int_only and predictor in _LIMIT
    lev = 100 * (1 - alpha)
    if model == "rma":
        cols = X[:, 1:] if intercept else X  # the moderators and the predictor, without the intercept column
        names = tuple(names0[1:] if intercept else names0) + (predictor,)
        fit = rma(y, v, mods=cols, intercept=intercept, mod_names=names, method=method, test=test, level=lev,
                  control=control, tau2_ci=False)
        return RegtestResult(model="rma", predictor=predictor, method=method, test=test, level=lev, k=k,
                             zval=float(fit.zval[-1]), pval=float(fit.pval[-1]), ddf=fit.ddf,
                             est=float(fit.coef[0]) if limit else None,
                             ci_lb=float(fit.ci_lb[0]) if limit else None,
                             ci_ub=float(fit.ci_ub[0]) if limit else None, coef=fit.coef, se=fit.se, fit=fit)
    ddf = k - p
    if ddf < 1:
        raise InputError(f"model='lm' with {p} coefficients needs at least {p + 1} studies; got k={k}", "yi")
    sw = 1.0 / np.sqrt(v)
    coef, *_ = np.linalg.lstsq(X * sw[:, None], y * sw, rcond=None)
    r = (y - X @ coef) * sw
    s2 = float(r @ r) / ddf
    cov = s2 * np.linalg.inv((X * (1.0 / v)[:, None]).T @ X)
    se = np.sqrt(np.diag(cov))
    tval = coef / se
    pval = 2 * t_dist.sf(np.abs(tval), ddf)
    crit = float(t_dist.isf(alpha / 2, ddf))
    return RegtestResult(model="lm", predictor=predictor, method=None, test="t", level=lev, k=k,
                         zval=float(tval[-1]), pval=float(pval[-1]), ddf=ddf,
                         est=float(coef[0]) if limit else None,
                         ci_lb=float(coef[0] - crit * se[0]) if limit else None,
                         ci_ub=float(coef[0] + crit * se[0]) if limit else None, coef=coef, se=se, fit=None)


# ---------------------------------------------------------------------------------------------------
# rank correlation

def _kendall_tau_b(x: np.ndarray, y: np.ndarray) -> float:
    """Kendall's τ_b (R's ``cor(method="kendall")``)."""
    n = x.size
    iu = np.triu_indices(n, 1)
    sx = np.sign(x[:, None] - x[None, :])[iu]
    sy = np.sign(y[:, None] - y[None, :])[iu]
    n0 = n * (n - 1) / 2
    n1 = np.sum(sx == 0)
    n2 = np.sum(sy == 0)
    den = math.sqrt((n0 - n1) * (n0 - n2))
    return float(np.sum(sx * sy)) / den if den > 0 else math.nan


def _concordance_cdf(n: int) -> np.ndarray:
    """P(T ≤ q), q = 0 … n(n−1)/2, for T the number of concordant pairs (equivalently of inversions of a
    random permutation) of n untied pairs — the exact null distribution R's ``cor.test`` uses (its
    ``ckendall`` recursion, here normalised at each step so that large n does not overflow)."""
    f = np.array([1.0])
    for m in range(2, n + 1):  # inserting the m-th element adds 0 … m − 1 inversions, equally likely
        size = f.size
        c = np.concatenate([[0.0], np.cumsum(f)])
        j = np.arange(size + m - 1)
        f = (c[np.minimum(j + 1, size)] - c[np.maximum(j - m + 1, 0)]) / m
    return np.cumsum(f)


def _exact_pval(tau: float, n: int) -> float:
    q = round((tau + 1) * n * (n - 1) / 4)
    cdf = _concordance_cdf(n)
    top = n * (n - 1) // 2

    def pk(qq):
        qq = math.floor(qq + 1e-7)
        if qq < 0:
            return 0.0
        return 1.0 if qq >= top else float(cdf[qq])

    if q > n * (n - 1) / 4:
        p = 1.0 - pk(q - 1)
    else:
        p = pk(q)
    return min(2 * p, 1.0)


def _ties(x: np.ndarray) -> np.ndarray:
    _, counts = np.unique(x, return_counts=True)
    return counts[counts > 1].astype(float)


def _normal_pval(tau: float, x: np.ndarray, y: np.ndarray) -> float:
    """The normal approximation with the tie-corrected variance of R's ``cor.test`` (no continuity
    correction)."""
    n = x.size
    tx, ty = _ties(x), _ties(y)
    t0 = n * (n - 1) / 2
    t1 = np.sum(tx * (tx - 1)) / 2
    t2 = np.sum(ty * (ty - 1)) / 2
    s = tau * math.sqrt((t0 - t1) * (t0 - t2))
    v0 = n * (n - 1) * (2 * n + 5)
    vt = np.sum(tx * (tx - 1) * (2 * tx + 5))
    vu = np.sum(ty * (ty - 1) * (2 * ty + 5))
    v1 = np.sum(tx * (tx - 1)) * np.sum(ty * (ty - 1))
    var = (v0 - vt - vu) / 18 + v1 / (2 * n * (n - 1))
    if n > 2:
        var += np.sum(tx * (tx - 1) * (tx - 2)) * np.sum(ty * (ty - 1) * (ty - 2)) / (9 * n * (n - 1) * (n - 2))
    z = s / math.sqrt(var)
    return float(2 * min(norm.cdf(z), norm.sf(z)))


def ranktest(yi, vi=None, *, sei=None, exact: bool = True) -> RanktestResult:
    """Begg and Mazumdar's rank correlation test for funnel-plot asymmetry (metafor's ``ranktest``).

    Parameters
    ----------
    yi, vi, sei
        Outcomes and sampling variances (or standard errors); at least 2 studies. ``yi`` may be an
        ``EffectSizes``.
    exact
        Exact p-value from the null distribution of Kendall's statistic (metafor's default). With ties in
        either variable the normal approximation with the tie-corrected variance is used instead, with a
        warning, as R's ``cor.test`` does.

    Returns
    -------
    RanktestResult

    Examples
    --------
    >>> res = ranktest([0.1, 0.3, 0.35, 0.65, 0.9], [0.01, 0.03, 0.025, 0.04, 0.08])
    >>> round(res.tau, 3), round(res.pval, 4), res.exact
    (0.8, 0.0833, True)
    """
    y, v, _, _, _ = _data(yi, vi, sei, None, None)
    k = y.size
    if k < 2:
        raise InputError(f"the rank correlation test needs at least 2 studies; got k={k}", "yi")
    w = 1.0 / v
    theta = float(np.sum(w * y) / np.sum(w))
    ystar = (y - theta) / np.sqrt(v - 1.0 / np.sum(w))
    tau = _kendall_tau_b(ystar, v)
    messages = []
    if not math.isfinite(tau):
        return RanktestResult(k=k, tau=math.nan, pval=math.nan, exact=False, warnings=())
    tied = min(np.unique(ystar).size, np.unique(v).size) < k
    if exact and not tied:
        return RanktestResult(k=k, tau=tau, pval=_exact_pval(tau, k), exact=True)
    if exact and tied:
        text = "ranktest: cannot compute an exact p-value with ties; using the normal approximation"
        messages.append(text)
        warnings.warn(text, UserWarning, stacklevel=2)
    return RanktestResult(k=k, tau=tau, pval=_normal_pval(tau, ystar, v), exact=False, warnings=tuple(messages))


# ---------------------------------------------------------------------------------------------------
# trim and fill

def _estimate(y, v, method, control, messages) -> float:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = rma(y, v, method=method, test="z", control=control, tau2_ci=False)
    messages.extend(str(w.message) for w in caught)
    return fit.estimate


def _k0(yc: np.ndarray, estimator: str) -> tuple[float, float]:
    """(k0 before rounding, its SE) from the centred outcomes, as metafor computes them."""
    k = yc.size
    ranks = np.empty(k)
    ranks[np.argsort(np.abs(yc), kind="stable")] = np.arange(1, k + 1)  # rank(ties.method = "first")
    signed = np.sign(yc) * ranks
    if estimator == "R0":
        neg = signed[signed < 0]
        k0 = (k - float(np.max(-neg))) - 1 if neg.size else 0.0
        return k0, math.sqrt(2 * max(0.0, k0) + 2)
    sr = float(np.sum(signed[signed > 0]))
    k0 = (4 * sr - k * (k + 1)) / (2 * k - 1)
    var_sr = (k * (k + 1) * (2 * k + 1) + 10 * k0 ** 3 + 27 * k0 ** 2 + 17 * k0 - 18 * k * k0 ** 2
              - 18 * k * k0 + 6 * k ** 2 * k0) / 24
    se = 4 * math.sqrt(var_sr) / (2 * k - 1) if var_sr >= 0 else math.nan
    return k0, se


def trimfill(yi, vi=None, *, sei=None, measure: str | None = None, ni=None, estimator: str = "L0",
             side: str | None = None, method: str = "REML", test: str = "z", level: float = 95,
             control: Control | Mapping | None = None, maxiter: int = 100) -> TrimfillResult:
    """Duval and Tweedie's trim and fill (metafor's ``trimfill``) for the pooled model.

    Parameters
    ----------
    yi, vi, sei, measure, ni
        As for :func:`~lenvici.evidence.meta.rma`; at least 2 studies. ``ni`` is carried into the filled
        studies (for back-transforming ``PFT``).
    estimator
        ``L0`` (default) or ``R0``.
    side
        ``left`` or ``right``: where studies are missing. Default: metafor's choice, ``right`` when the
        slope of yᵢ on √vᵢ (meta-regression with ``method``) is negative, else ``left``.
    method, test, level, control
        The model; the trimmed fits use ``method`` and ``control``. The refit on the filled data uses
        ``method`` and the z test, as metafor's does; when no study is filled the result holds the
        original fit, with ``test``.
    maxiter
        Iteration limit of the trimming loop (metafor: 100).

    Returns
    -------
    TrimfillResult

    Raises
    ------
    InputError
        Invalid data or settings; k < 2; ``side`` not given while all vᵢ are equal (the side cannot be
        chosen).

    Examples
    --------
    >>> y = [0.1, 0.3, 0.35, 0.65, 0.9, 0.2, 0.5]
    >>> v = [0.01, 0.03, 0.025, 0.04, 0.08, 0.015, 0.05]
    >>> res = trimfill(y, v, method="DL")
    >>> res.k0, res.side, round(res.estimate, 4)
    (4, 'left', 0.1753)
    """
    y, v, measure, n, _ = _data(yi, vi, sei, measure, ni)
    method, test, alpha, control = _settings(method, test, level, control)
    check_choice(estimator, "estimator", ("L0", "R0"))
    if side is not None:
        check_choice(side, "side", ("left", "right"))
    if not (isinstance(maxiter, int) and maxiter >= 1):
        raise InputError(f"'maxiter' must be an integer >= 1; got {maxiter!r}", "maxiter")
    k = y.size
    if k < 2:
        raise InputError(f"trim and fill needs at least 2 studies; got k={k}", "yi")
    lev = 100 * (1 - alpha)
    messages: list[str] = []
    if side is None:
        if np.ptp(v) == 0:
            raise InputError("all sampling variances are equal, so the side cannot be estimated; give 'side'",
                             "side")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            slope = rma(y, v, mods=np.sqrt(v), method=method, control=control, tau2_ci=False).coef[1]
        messages.extend(str(w.message) for w in caught)
        side = "right" if slope < 0 else "left"
    sign = -1.0 if side == "right" else 1.0
    ix = np.argsort(sign * y, kind="stable")
    ys, vs = sign * y[ix], v[ix]
    k0, k0_prev, it, converged = 0, -1, 0, True
    beta, se_k0 = math.nan, math.nan
    while k0 != k0_prev:
        k0_prev = k0
        it += 1
        if it > maxiter:
            converged = False
            text = f"trimfill: the trimming loop did not settle in {maxiter} iterations; k0 = {k0} is the last value"
            messages.append(text)
            warnings.warn(text, ConvergenceWarning, stacklevel=2)
            break
        beta = _estimate(ys[:k - k0], vs[:k - k0], method, control, messages)
        raw, se_k0 = _k0(ys - beta, estimator)
        k0 = int(max(0, round(raw)))
        se_k0 = max(0.0, se_k0) if math.isfinite(se_k0) else se_k0
    p_k0 = 0.5 ** (k0 + 1) if estimator == "R0" else None
    if k0 > 0:
        sel = ix[k - k0:]
        y_fill = 2 * sign * beta - y[sel]
        yy = np.concatenate([y, y_fill])
        vv = np.concatenate([v, v[sel]])
        nn = None if n is None else np.concatenate([n, n[sel]])
        fill = np.concatenate([np.zeros(k, dtype=bool), np.ones(k0, dtype=bool)])
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fit = rma(yy, vv, measure=measure, ni=nn, method=method, test="z", level=lev, control=control)
        messages.extend(str(w.message) for w in caught)
    else:
        yy, vv, fill = y.copy(), v.copy(), np.zeros(k, dtype=bool)
        fit = rma(y, v, measure=measure, ni=n, method=method, test=test, level=lev, control=control)
    return TrimfillResult(estimator=estimator, side=side, k0=k0, se_k0=se_k0, p_k0=p_k0, k=k, yi=yy, vi=vv,
                          fill=fill, fit=fit, n_iter=it, converged=converged, warnings=tuple(dict.fromkeys(messages)))
