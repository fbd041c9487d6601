"""Case diagnostics of a fitted model, with metafor's definitions: leave-one-out, cumulative
meta-analysis, influence measures and residuals.

Every function takes the data and settings of :func:`~lenvici.evidence.meta.model.rma` (``yi`` may be an
``EffectSizes``) and refits internally; none keeps the data in its result.

* :func:`leave1out` (``leave1out.rma.uni``): the k fits without one study, as **one**
  :func:`~lenvici.evidence.meta.batch.rma_many` call on the k × (k − 1) matrix of reduced datasets.
* :func:`cumul` (``cumul.rma.uni``): fits of the first 1, 2, …, k studies in data order or sorted by a
  key.
* :func:`influence` (``influence.rma.uni``): studentised deleted residuals, DFFITS, Cook's distance,
  covariance ratio, τ² and Q after deletion, hat values, weights, DFBETAS and metafor's "influential"
  flag, from the same batched deletion fits (and, for a meta-regression, the batched fits of
  :mod:`~lenvici.evidence.meta._batch_reg`).
* :func:`rstandard` and :func:`rstudent`: standardised and studentised deleted residuals.

.. math::
   \\mathrm{DFFITS}_i = \\frac{\\hat y_i - \\hat y_{i(-i)}}{\\sqrt{s^2_{w(-i)}\\, h_i\\, (\\hat\\tau^2_{(-i)} + v_i)}},
   \\qquad D_i = (\\hat\\beta - \\hat\\beta_{(-i)})^\\top \\widehat{\\mathrm{Var}}(\\hat\\beta)^{-1}
   (\\hat\\beta - \\hat\\beta_{(-i)}),
   \\qquad \\mathrm{COVRATIO}_i = \\frac{\\det \\widehat{\\mathrm{Var}}(\\hat\\beta_{(-i)})}
   {\\det \\widehat{\\mathrm{Var}}(\\hat\\beta)}

with hᵢ the i-th diagonal element of X(XᵀWX)⁻¹XᵀW, and s²w the Knapp–Hartung factor (1 for z tests).
The standardised residual is eᵢ/√((vᵢ + τ̂²)(1 − hᵢ)) and the studentised deleted residual
(yᵢ − xᵢᵀβ̂₍₋ᵢ₎)/√(s²w₍₋ᵢ₎(vᵢ + τ̂²₍₋ᵢ₎) + xᵢᵀVar(β̂₍₋ᵢ₎)xᵢ).

References
----------
Viechtbauer W, Cheung MWL. Outlier and influence diagnostics for meta-analysis. Res Synth Methods
2010;1:112–125, doi:10.1002/jrsm.11.
Belsley DA, Kuh E, Welsch RE. *Regression Diagnostics.* Wiley; 1980 (DFFITS, DFBETAS, COVRATIO).
Cook RD. Detection of influential observation in linear regression. Technometrics 1977;19:15–18,
doi:10.1080/00401706.1977.10489493.
Lau J, Antman EM, Jimenez-Silva J, et al. Cumulative meta-analysis of therapeutic trials for myocardial
infarction. N Engl J Med 1992;327:248–254, doi:10.1056/NEJM199207233270406.
"""

from __future__ import annotations

import math
from typing import Mapping

import numpy as np
from scipy.stats import chi2, norm

from lenvici.errors import InputError
from lenvici.evidence.meta._batch_reg import fit_many
from lenvici.evidence.meta._linalg import project
from lenvici.evidence.meta._validate import check_choice, check_level
from lenvici.evidence.meta.batch import rma_many
from lenvici.evidence.meta.diagnostic_results import (
    CumulativeResult,
    InfluenceResult,
    LeaveOneOutResult,
    Residuals,
)
from lenvici.evidence.meta.effects import EffectSizes
from lenvici.evidence.meta.model import TESTS, _design, _inputs, rma
from lenvici.evidence.meta.tau2 import METHODS, Control

__all__ = ["leave1out", "cumul", "influence", "rstandard", "rstudent"]

_EPS = float(np.finfo(float).eps)
_ALIASES = {"FE": "EE", "CE": "EE"}
_FIELDS = ("estimate", "se", "zval", "pval", "ci_lb", "ci_ub", "pi_lb", "pi_ub", "QE", "QEp", "tau2", "I2",
           "H2")


def _settings(method, test, level, control):
    """Validated (method, test, alpha, Control), with metafor's aliases (FE/CE → EE, hksj → knha)."""
    if not isinstance(method, str):
        raise InputError(f"'method' must be one of {', '.join(METHODS)}; got {method!r}", "method")
    method = _ALIASES.get(method.upper(), method.upper())
    check_choice(method, "method", METHODS)
    if isinstance(test, str):
        test = "knha" if test.lower() == "hksj" else test.lower()
    check_choice(test, "test", TESTS)
    return method, test, check_level(level), Control.from_mapping(control)


def _data(yi, vi, sei, measure, ni):
    y, v, measure, n = _inputs(yi, vi, sei, measure, ni)
    study = tuple(yi.study) if isinstance(yi, EffectSizes) and yi.study is not None else None
    return y, v, measure, n, study


def _single(y: np.ndarray, v: np.ndarray, alpha: float) -> dict:
    """The fit of one study (metafor's k = 1 path: τ² = 0, the z test)."""
    se = np.sqrt(v)
    crit = float(norm.isf(alpha / 2))
    z = y / se
    m = y.size
    return dict(estimate=y.copy(), se=se, zval=z, pval=2 * norm.sf(np.abs(z)), ci_lb=y - crit * se,
                ci_ub=y + crit * se, pi_lb=y - crit * se, pi_ub=y + crit * se, QE=np.zeros(m), QEp=np.ones(m),
                tau2=np.zeros(m), I2=np.zeros(m), H2=np.ones(m), converged=np.ones(m, dtype=bool),
                fallback=np.zeros(m, dtype=bool))


def _batch_dict(res) -> dict:
    out = {name: np.asarray(getattr(res, name), dtype=float) for name in _FIELDS}
    out["converged"] = np.asarray(res.converged, dtype=bool)
    out["fallback"] = np.asarray(res.fallback, dtype=bool)
    return out


def _deleted(y: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The k reduced datasets as (k, k − 1) matrices: row i lacks study i."""
    k = y.size
    keep = ~np.eye(k, dtype=bool)
    return np.broadcast_to(y, (k, k))[keep].reshape(k, k - 1), np.broadcast_to(v, (k, k))[keep].reshape(k, k - 1)


def _loo(y, v, method, test, alpha, control) -> dict:
    k = y.size
    yd, vd = _deleted(y, v)
    if k == 2:
        return _single(yd[:, 0], vd[:, 0], alpha)
    return _batch_dict(rma_many(yd, vd, method, test=test, level=100 * (1 - alpha), control=control))


def leave1out(yi, vi=None, *, sei=None, measure: str | None = None, ni=None, method: str = "REML",
              test: str = "z", level: float = 95, control: Control | Mapping | None = None) -> LeaveOneOutResult:
    """Refit the random-effects model k times, each time leaving one study out (metafor's ``leave1out``).

    The k reduced datasets are fitted together by :func:`~lenvici.evidence.meta.batch.rma_many` (array
    operations across the fits, each taking the steps a separate ``rma`` fit takes).

    Parameters
    ----------
    yi, vi, sei, measure, ni
        Outcomes and sampling variances (or standard errors) as for :func:`~lenvici.evidence.meta.rma`;
        at least two studies.
    method, test, level, control
        As for :func:`~lenvici.evidence.meta.rma`.

    Returns
    -------
    LeaveOneOutResult

    Raises
    ------
    InputError
        Invalid data or settings; k < 2.

    Examples
    --------
    >>> res = leave1out([0.1, 0.3, 0.35, 0.65], [0.02, 0.03, 0.025, 0.04], method="DL")  # as metafor
    >>> [round(float(x), 4) for x in res.estimate]
    [0.4093, 0.3416, 0.3254, 0.2351]
    """
    y, v, measure, _, study = _data(yi, vi, sei, measure, ni)
    method, test, alpha, control = _settings(method, test, level, control)
    k = y.size
    if k < 2:
        raise InputError(f"leave-one-out needs at least 2 studies; got k={k}", "yi")
    fits = _loo(y, v, method, test, alpha, control)
    return LeaveOneOutResult(k=k, measure=measure, method=method, test=test, level=100 * (1 - alpha),
                             study=study, **fits)


def _sort_order(order, k: int, decreasing: bool) -> np.ndarray:
    """Positions that sort ``order`` (ties keep data order, like R's ``order()``)."""
    if order is None:
        idx = np.arange(k)
        return idx[::-1].copy() if decreasing else idx
    key = np.asarray(order)
    if key.ndim != 1 or key.size != k:
        raise InputError(f"'order' must give one sort key per study ({k}); got shape {key.shape}", "order")
    if key.dtype.kind == "f" and not np.all(np.isfinite(key)):
        raise InputError("'order' must not contain NaN or infinite values", "order")
    _, rank = np.unique(key, return_inverse=True)
    rank = rank.reshape(-1)
    return np.lexsort((np.arange(k), -rank if decreasing else rank))


def cumul(yi, vi=None, *, sei=None, measure: str | None = None, ni=None, order=None, decreasing: bool = False,
          method: str = "REML", test: str = "z", level: float = 95,
          control: Control | Mapping | None = None) -> CumulativeResult:
    """Cumulative meta-analysis: the model fitted to the first 1, 2, …, k studies (metafor's ``cumul``).

    Parameters
    ----------
    yi, vi, sei, measure, ni
        As for :func:`~lenvici.evidence.meta.rma`.
    order
        Optional sort key, one value per study (e.g. publication year): studies are added in increasing
        order of the key (``decreasing=True``: decreasing), ties in data order — metafor's ``order``
        argument. Default: data order.
    decreasing
        Sort the key in decreasing order.
    method, test, level, control
        As for :func:`~lenvici.evidence.meta.rma`.

    Returns
    -------
    CumulativeResult

    Examples
    --------
    >>> res = cumul([0.1, 0.3, 0.35, 0.65], [0.02, 0.03, 0.025, 0.04], method="DL", order=[2001, 1999, 2010, 2005])
    >>> res.order.tolist(), round(float(res.estimate[-1]), 4)
    ([1, 0, 3, 2], 0.3231)
    """
    y, v, measure, _, study = _data(yi, vi, sei, measure, ni)
    method, test, alpha, control = _settings(method, test, level, control)
    k = y.size
    idx = _sort_order(order, k, bool(decreasing))
    ys, vs = y[idx], v[idx]
    first = _single(ys[:1], vs[:1], alpha)
    rows = [first]
    for j in range(2, k + 1):
        rows.append(_batch_dict(rma_many(ys[None, :j], vs[None, :j], method, test=test, level=100 * (1 - alpha),
                                         control=control)))
    fits = {name: np.concatenate([r[name] for r in rows]) for name in first}
    return CumulativeResult(k=k, measure=measure, method=method, test=test, level=100 * (1 - alpha), order=idx,
                            study=study, **fits)


# ---------------------------------------------------------------------------------------------------
# influence and residuals

def _s2w(test: str, rss: np.ndarray, df: int) -> np.ndarray:
    if test not in ("knha", "adhoc") or df <= 0:
        return np.ones_like(rss)
    s2w = np.where(rss <= _EPS, 0.0, rss / df)
    return np.maximum(1.0, s2w) if test == "adhoc" else s2w


def _influence_intercept(y, v, method, test, alpha, control):
    """Deletion quantities of the intercept-only model from one batched leave-one-out fit."""
    k = y.size
    full = rma(y, v, method=method, test=test, level=100 * (1 - alpha), control=control, tau2_ci=False)
    b, vb = full.estimate, full.se ** 2
    w = 1.0 / (v + full.tau2)
    hat = w / w.sum()
    hat = np.where(hat > 1 - 10 * _EPS, 1.0, hat)
    loo = _loo(y, v, method, test, alpha, control)
    b_del, t_del = loo["estimate"], loo["tau2"]
    yd, vd = _deleted(y, v)
    if k == 2:
        s2w_del = np.ones(k)
    else:
        wd = 1.0 / (vd + t_del[:, None])
        s2w_del = _s2w(test, np.sum(wd * (yd - b_del[:, None]) ** 2, axis=1), k - 2)
    vb_del = loo["se"] ** 2
    vb_all = 1.0 / np.sum(1.0 / (v[None, :] + t_del[:, None]), axis=1)  # Var(β̂) over all k at τ²₍₋ᵢ₎
    dfb = b - b_del
    return dict(full_coef=np.array([b]), full_vb=np.array([[vb]]), hat=hat, weight=100 * hat,
                pred=np.full(k, b), delpred=b_del, vdelpred=vb_del, tau2_del=t_del, QE_del=loo["QE"],
                s2w_del=s2w_del, dfbs=(dfb / np.sqrt(s2w_del * vb_all))[:, None],
                cook=dfb ** 2 / vb, cov_r=vb_del / vb, names=("intrcpt",))


def _influence_reg(y, v, X, names, method, test, alpha, control):
    """Deletion quantities of a meta-regression from batched fits of the k reduced datasets."""
    k, p = X.shape
    full = rma(y, v, mods=X, intercept=False, mod_names=names, method=method, test=test,
               level=100 * (1 - alpha), control=control, tau2_ci=False)
    beta, vb = full.coef, full.vcov
    pr = project(X, 1.0 / (v + full.tau2))
    hat = np.where(pr.h > 1 - 10 * _EPS, 1.0, pr.h)
    keep = ~np.eye(k, dtype=bool)
    Xd = np.broadcast_to(X, (k, k, p))[keep].reshape(k, k - 1, p)
    yd, vd = _deleted(y, v)
    ok = np.array([np.linalg.matrix_rank(Xd[i]) == p for i in range(k)])
    nan = np.full(k, np.nan)
    out = dict(tau2_del=nan.copy(), QE_del=nan.copy(), delpred=nan.copy(), vdelpred=nan.copy(),
               s2w_del=nan.copy(), dfbs=np.full((k, p), np.nan), cook=nan.copy(), cov_r=nan.copy())
    if ok.any():
        idx = np.flatnonzero(ok)
        fits = fit_many(yd[idx], vd[idx], Xd[idx], method, test, control, tuple(range(p)))
        out["tau2_del"][idx] = fits.tau2
        out["QE_del"][idx] = fits.QE
        out["s2w_del"][idx] = fits.s2w
        xi = X[idx]
        out["delpred"][idx] = np.einsum("mp,mp->m", xi, fits.coef)
        out["vdelpred"][idx] = np.einsum("mp,mpq,mq->m", xi, fits.vcov, xi)
        dfb = beta[None, :] - fits.coef
        w_all = 1.0 / (v[None, :] + fits.tau2[:, None])
        vb_all = np.linalg.inv(np.einsum("kp,mk,kq->mpq", X, w_all, X))
        out["dfbs"][idx] = dfb / np.sqrt(fits.s2w[:, None] * np.diagonal(vb_all, axis1=1, axis2=2))
        out["cook"][idx] = np.einsum("mp,pq,mq->m", dfb, np.linalg.inv(vb), dfb)
        out["cov_r"][idx] = np.linalg.det(fits.vcov) / np.linalg.det(vb)
    w = 1.0 / (v + full.tau2)
    return dict(full_coef=beta, full_vb=vb, hat=hat, weight=100 * w / w.sum(), pred=X @ beta,
                names=tuple(full.names), **out)


def _influence_parts(yi, vi, sei, measure, ni, mods, intercept, mod_names, method, test, level, control):
    y, v, measure, _, study = _data(yi, vi, sei, measure, ni)
    method, test, alpha, control = _settings(method, test, level, control)
    k = y.size
    X, names = _design(mods, k, intercept, mod_names)
    int_only = X.shape[1] == 1 and bool(np.all(X[:, 0] == 1))
    p = X.shape[1]
    if int_only:
        if k < 2:
            raise InputError(f"influence diagnostics need at least 2 studies; got k={k}", "yi")
        parts = _influence_intercept(y, v, method, test, alpha, control)
    else:
        need = p + 1 if method == "EE" else p + 2
        if k < need:
            raise InputError(f"influence diagnostics of a {method} model with {p} coefficients need at least "
                             f"{need} studies; got k={k}", "yi")
        if np.linalg.matrix_rank(X) < p:
            raise InputError("the model matrix is not of full rank (redundant moderators); drop a column",
                             "mods")
        parts = _influence_reg(y, v, X, names, method, test, alpha, control)
    return y, v, k, p, method, test, study, parts


def _rstudent(y, v, parts) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    resid = y - parts["delpred"]
    resid = np.where(np.abs(resid) < 100 * _EPS, 0.0, resid)
    se = np.sqrt(v * parts["s2w_del"] + parts["vdelpred"] + parts["tau2_del"] * parts["s2w_del"])
    with np.errstate(divide="ignore", invalid="ignore"):
        return resid, se, resid / se


def influence(yi, vi=None, *, sei=None, measure: str | None = None, ni=None, mods=None, intercept: bool = True,
              mod_names=None, method: str = "REML", test: str = "z", level: float = 95,
              control: Control | Mapping | None = None) -> InfluenceResult:
    """Outlier and influence diagnostics (metafor's ``influence.rma.uni``).

    Parameters
    ----------
    yi, vi, sei, measure, ni
        As for :func:`~lenvici.evidence.meta.rma`.
    mods, intercept, mod_names
        Moderators of a meta-regression, as for :func:`~lenvici.evidence.meta.rma`; ``None`` for the
        pooled model.
    method, test, level, control
        As for :func:`~lenvici.evidence.meta.rma`.

    Returns
    -------
    InfluenceResult
        Cook's distance and the "influential" rule use all coefficients (metafor's default). A deletion
        that leaves the model matrix rank-deficient gives NaN in that row, as in metafor.

    Notes
    -----
    See the module docstring for the formulas; the deletion fits of the pooled model are one
    :func:`~lenvici.evidence.meta.batch.rma_many` call.

    Examples
    --------
    >>> res = influence([0.1, 0.3, 0.35, 0.65, -0.2], [0.02, 0.03, 0.025, 0.04, 0.05], method="DL")
    >>> [round(float(x), 3) for x in res.cook_d]
    [0.123, 0.015, 0.058, 0.437, 0.395]
    """
    y, v, k, p, method, test, study, parts = _influence_parts(yi, vi, sei, measure, ni, mods, intercept,
                                                              mod_names, method, test, level, control)
    resid, se, z = _rstudent(y, v, parts)
    with np.errstate(divide="ignore", invalid="ignore"):
        dffits = (parts["pred"] - parts["delpred"]) / np.sqrt(parts["s2w_del"] * parts["hat"]
                                                               * (parts["tau2_del"] + v))
    cook = parts["cook"]
    dfbs = parts["dfbs"]
    with np.errstate(invalid="ignore"):
        big_dffits = np.abs(dffits) > 3 * math.sqrt(p / (k - p)) if k > p else np.zeros(k, dtype=bool)
        inf = (big_dffits | (chi2.cdf(cook, p) > 0.5) | (parts["hat"] > 3 * p / k)
               | np.any(np.abs(dfbs) > 1, axis=1))
    return InfluenceResult(k=k, p=p, method=method, test=test, names=parts["names"], rstudent=z, dffits=dffits,
                           cook_d=cook, cov_r=parts["cov_r"], tau2_del=parts["tau2_del"], QE_del=parts["QE_del"],
                           hat=parts["hat"], weight=parts["weight"], dfbs=dfbs, inf=inf,
                           residuals=Residuals("studentized deleted", resid, se, z, study), study=study)


def rstudent(yi, vi=None, *, sei=None, measure: str | None = None, ni=None, mods=None, intercept: bool = True,
             mod_names=None, method: str = "REML", test: str = "z", level: float = 95,
             control: Control | Mapping | None = None) -> Residuals:
    """Studentised deleted residuals (metafor's ``rstudent.rma.uni``): yᵢ minus its prediction from the
    fit without study i, over the SE of that difference. Arguments as for :func:`influence`.

    Examples
    --------
    >>> r = rstudent([0.1, 0.3, 0.35, 0.65], [0.02, 0.03, 0.025, 0.04], method="DL")
    >>> [round(float(x), 3) for x in r.z]
    [-1.781, -0.134, 0.081, 1.891]
    """
    y, v, k, p, method, test, study, parts = _influence_parts(yi, vi, sei, measure, ni, mods, intercept,
                                                              mod_names, method, test, level, control)
    resid, se, z = _rstudent(y, v, parts)
    return Residuals("studentized deleted", resid, se, z, study)


def rstandard(yi, vi=None, *, sei=None, measure: str | None = None, ni=None, mods=None, intercept: bool = True,
              mod_names=None, method: str = "REML", test: str = "z", level: float = 95,
              control: Control | Mapping | None = None) -> Residuals:
    """Standardised (marginal) residuals (metafor's ``rstandard.rma.uni``): eᵢ = yᵢ − xᵢᵀβ̂ over
    √((vᵢ + τ̂²)(1 − hᵢ)), the diagonal of (I − H)M(I − H)ᵀ with M = diag(vᵢ + τ̂²). The Knapp–Hartung
    factor does not enter, as in metafor. Arguments as for :func:`influence`.

    Examples
    --------
    >>> r = rstandard([0.1, 0.3, 0.35, 0.65], [0.02, 0.03, 0.025, 0.04], method="DL")
    >>> [round(float(x), 3) for x in r.z]
    [-1.335, -0.118, 0.148, 1.493]
    """
    y, v, measure, _, study = _data(yi, vi, sei, measure, ni)
    method, test, alpha, control = _settings(method, test, level, control)
    k = y.size
    X, names = _design(mods, k, intercept, mod_names)
    settings = dict(method=method, test=test, level=100 * (1 - alpha), control=control, tau2_ci=False)
    if X.shape[1] == 1 and bool(np.all(X[:, 0] == 1)):
        fit = rma(y, v, **settings)
        coef = np.array([fit.estimate])
    else:
        fit = rma(y, v, mods=X, intercept=False, mod_names=names, **settings)
        coef = fit.coef
    pr = project(X, 1.0 / (v + fit.tau2))
    resid = y - X @ coef
    resid = np.where(np.abs(resid) < 100 * _EPS, 0.0, resid)
    se = np.sqrt((v + fit.tau2) * np.maximum(0.0, 1.0 - pr.h))
    with np.errstate(divide="ignore", invalid="ignore"):
        return Residuals("standardized", resid, se, resid / se, study)
