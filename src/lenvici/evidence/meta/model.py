"""The random-/mixed-effects model fit, metafor's ``rma.uni``: ``rma(yi, vi, method=..., test=...)``.

.. math::
   y_i = x_i^\\top\\beta + u_i + e_i, \\quad u_i \\sim N(0, \\tau^2), \\quad e_i \\sim N(0, v_i)

   \\hat\\beta = (X^\\top W X)^{-1} X^\\top W y, \\quad W = \\mathrm{diag}\\big(1/(v_i + \\hat\\tau^2)\\big),
   \\quad \\widehat{\\mathrm{Var}}(\\hat\\beta) = s^2_w\\,(X^\\top W X)^{-1}

with s²_w = 1 for Wald-type inference and, under Knapp–Hartung (``test="knha"``),
s²_w = Σ wᵢ(yᵢ − xᵢᵀβ̂)² / (k − p) — metafor uses it as it is, also when it is below 1 (``test="adhoc"``
truncates it at 1), and sets it to 0 when the residual sum of squares is below machine epsilon. Tests and
intervals then use t(k − p). The prediction interval is β̂ ± c·√(SE² + τ̂²) with c the same normal or t
quantile (metafor's ``predict()``), so it equals the CI for the equal-effects model.

References
----------
Viechtbauer W. Conducting meta-analyses in R with the metafor package. J Stat Softw 2010;36(3):1–48,
doi:10.18637/jss.v036.i03.
Knapp G, Hartung J. Improved tests for a random effects meta-regression with a single covariate. Stat
Med 2003;22:2693–2710, doi:10.1002/sim.1482.
Hartung J, Knapp G. A refined method for the meta-analysis of controlled clinical trials with binary
outcome. Stat Med 2001;20:3875–3889, doi:10.1002/sim.1009.
Riley RD, Higgins JPT, Deeks JJ. Interpretation of random effects meta-analyses. BMJ 2011;342:d549,
doi:10.1136/bmj.d549 (prediction intervals).
Raudenbush SW. Analyzing effect sizes: random-effects models. In: *The Handbook of Research Synthesis
and Meta-Analysis.* 2nd ed. 2009:295–315 (pseudo-R² of meta-regression).
"""

from __future__ import annotations

import math
import warnings
from typing import Mapping

import numpy as np
from scipy.stats import chi2, f as f_dist, norm, t as t_dist

from lenvici.errors import InputError
from lenvici.evidence.meta._linalg import project
from lenvici.evidence.meta._validate import check_choice, check_level, check_representable
from lenvici.evidence.meta.effects import EffectSizes, generic
from lenvici.evidence.meta.heterogeneity import i2_h2, q_test, qprofile
from lenvici.evidence.meta.result import MetaRegResult, MetaResult, Tau2CI, Transformed
from lenvici.evidence.meta.tau2 import METHODS, Control, Tau2Fit, estimate_tau2
from lenvici.evidence.meta.transforms import back_transform, transform_name

__all__ = ["TESTS", "rma"]

#: Inference for the coefficients: ``z`` (Wald, normal), ``t`` (Wald, t(k−p)), ``knha`` (Knapp–Hartung),
#: ``adhoc`` (Knapp–Hartung with the scaling factor truncated at 1).
TESTS = ("z", "t", "knha", "adhoc")
_ALIASES = {"FE": "EE", "CE": "EE"}
_CI_METHOD = {
    "z": "Wald-type, normal quantile",
    "t": "Wald-type, t(k-p) quantile",
    "knha": "Knapp-Hartung: variance scaled by s2w = RSS/(k-p), t(k-p) quantile",
    "adhoc": "Knapp-Hartung with s2w truncated at 1 (ad hoc), t(k-p) quantile",
}
_EPS = float(np.finfo(float).eps)


def _warn(messages: list[str], text: str, category=UserWarning) -> None:
    messages.append(text)
    warnings.warn(text, category, stacklevel=4)


def _inputs(yi, vi, sei, measure, ni):
    """Outcomes, variances, measure and sample sizes from EffectSizes or bare arrays (via ``generic``)."""
    if isinstance(yi, EffectSizes):
        if vi is not None or sei is not None:
            raise InputError("give 'vi'/'sei' only with bare outcomes, not with EffectSizes", "vi")
        es = yi
    else:
        es = generic(yi, vi, sei=sei, measure=measure or "GEN", ni=ni)
    return (np.asarray(es.yi, float), np.asarray(es.vi, float), measure or es.measure,
            None if es.ni is None else np.asarray(es.ni, float))


def _design(mods, k: int, intercept: bool, mod_names) -> tuple[np.ndarray, tuple[str, ...]]:
    if mods is None:
        return np.ones((k, 1)), ("intrcpt",)
    M = np.asarray(mods, dtype=float)
    if M.ndim == 1:
        M = M.reshape(-1, 1)
    if M.ndim != 2 or M.shape[0] != k:
        raise InputError(f"'mods' must have one row per study ({k}); got shape {M.shape}", "mods")
    if not np.all(np.isfinite(M)):
        raise InputError("'mods' must be finite numbers", "mods")
    q = M.shape[1]
    names = tuple(mod_names) if mod_names is not None else tuple(f"mod{j + 1}" for j in range(q))
    if len(names) != q:
        raise InputError(f"'mod_names' must name the {q} moderator column(s); got {len(names)}", "mod_names")
    if intercept:
        return np.column_stack([np.ones(k), M]), ("intrcpt",) + names
    return M, names


def _check_model(X: np.ndarray, method: str, k: int, int_only: bool) -> None:
    p = X.shape[1]
    if not (int_only and k == 1):
        need = p if method == "EE" else p + 1
        if need > k:
            raise InputError(f"{method} with {p} coefficient(s) needs at least {need} studies; got k={k}", "yi")
    if np.linalg.matrix_rank(X) < p:
        raise InputError("the model matrix is not of full rank (redundant moderators); drop a column", "mods")


def _btt(btt, p: int, intercept_in: bool) -> tuple[int, ...]:
    if btt is None:
        if p > 1:
            return tuple(range(1, p)) if intercept_in else tuple(range(p))
        return (0,)
    idx = tuple(sorted({int(b) for b in np.atleast_1d(btt)}))
    if not idx or idx[0] < 0 or idx[-1] >= p:
        raise InputError(f"'btt' must index coefficients 0..{p - 1}; got {btt!r}", "btt")
    return idx


def _r2_equal_effects(y, v, X) -> float:
    """metafor's R² for equal-effects meta-regression: adjusted R² of the weighted least-squares fit."""
    k, p = X.shape
    if np.var(y) == 0:
        return 0.0
    w = 1.0 / v
    rss = project(X, w).rss(y)
    ybar = np.sum(w * y) / np.sum(w)
    tss = float(np.sum(w * (y - ybar) ** 2))
    adj = 1.0 - (rss / tss) * (k - 1) / (k - p)
    return max(0.0, 100.0 * adj)


def _fit(y, v, X, method, test, alpha, control: Control, want_ci: bool, messages: list[str]):
    """Every quantity of ``rma.uni`` for the model matrix X; inputs already validated."""
    k, p = X.shape
    if k == 1:
        tfit = Tau2Fit(method, 0.0, math.nan)
    else:
        tfit = estimate_tau2(method, y, v, X, control)
    messages.extend(tfit.messages)
    tau2 = tfit.tau2
    finite = math.isfinite(tau2)
    t_use = tau2 if finite else 0.0
    pr = project(X, 1.0 / (v + t_use))
    beta = pr.coef(y)
    vb = pr.cov()
    s2w = 1.0
    if test in ("knha", "adhoc"):
        rss = pr.rss(y)
        s2w = 0.0 if rss <= _EPS else rss / (k - p)
        if method == "EE":
            _warn(messages, "the Knapp-Hartung method is not meant for equal-effects models")
        if test == "adhoc":
            s2w = max(1.0, s2w)
    vb = s2w * vb
    ddf = k - p if test in ("knha", "adhoc", "t") else None
    se = np.sqrt(np.diag(vb))
    with np.errstate(divide="ignore", invalid="ignore"):
        zval = beta / se
    if ddf is not None:
        pval = 2 * t_dist.sf(np.abs(zval), ddf) if ddf > 0 else np.full(p, math.nan)
        crit = float(t_dist.isf(alpha / 2, ddf)) if ddf > 0 else math.nan
    else:
        pval = 2 * norm.sf(np.abs(zval))
        crit = float(norm.isf(alpha / 2))
    qe, qep, vt = q_test(y, v, X)
    i2, h2 = i2_h2(method, qe, k, p, t_use, vt)
    tci = None
    if want_ci and method != "EE" and k > p and finite:
        qp = qprofile(y, v, X, tau2, alpha, control.tau2_min, control.tau2_max)
        lb, ub = qp["tau2_lb"], qp["tau2_ub"]
        tci = Tau2CI(level=100 * (1 - alpha), tau2=tau2, tau2_lb=lb, tau2_ub=ub,
                     I2_lb=100 * lb / (vt + lb), I2_ub=100 * ub / (vt + ub),
                     H2_lb=lb / vt + 1, H2_ub=ub / vt + 1, lb_flag=qp["lb_flag"], ub_flag=qp["ub_flag"],
                     null_set=qp["null_set"], converged=qp["converged"])
    if not finite:
        nan = np.full(p, math.nan)
        beta, se, zval, pval, vb = nan, nan, nan, nan, np.full((p, p), math.nan)
        i2 = h2 = math.nan
    return dict(tfit=tfit, tau2=tau2, beta=beta, vb=vb, se=se, zval=zval, pval=pval, crit=crit,
                ci_lb=beta - crit * se, ci_ub=beta + crit * se, s2w=s2w, ddf=ddf, QE=qe, QEp=qep, vt=vt,
                I2=i2, H2=h2, tau2_ci=tci)


def _i2_definition(method: str) -> str:
    if method == "EE":
        return "max(0, 100 (QE - (k-p)) / QE) (Higgins & Thompson 2002)"
    return "100 tau2 / (tau2 + vt), vt = (k-p) / tr(P) with weights 1/vi (metafor's typical variance)"


def rma(yi, vi=None, *, sei=None, measure: str | None = None, ni=None, method: str = "REML",
        test: str = "z", mods=None, intercept: bool = True, mod_names=None, btt=None, level: float = 95,
        control: Control | Mapping | None = None, tau2_ci: bool = True) -> MetaResult | MetaRegResult:
    """Fit the equal-, random- or mixed-effects model as metafor's ``rma.uni`` does.

    Parameters
    ----------
    yi
        Observed outcomes, or an :class:`~lenvici.evidence.meta.effects.EffectSizes` (then ``vi``,
        ``measure`` and ``ni`` come from it).
    vi, sei
        Sampling variances or standard errors (exactly one; > 0).
    measure
        The outcome measure (names the back-transformation); default ``GEN``.
    ni
        Sample sizes, needed to back-transform ``PFT``.
    method
        τ² estimator: ``EE`` (also ``FE``/``CE``), ``DL``, ``HE``, ``HS``, ``SJ``, ``ML``, ``REML``, ``EB``,
        ``PM``.
    test
        ``z``, ``t``, ``knha`` (also ``hksj``) or ``adhoc``.
    mods
        Moderators, a k-vector or k×q matrix (without the intercept column). ``None`` fits the
        intercept-only model and returns a :class:`MetaResult`; otherwise a :class:`MetaRegResult`.
    intercept
        Add an intercept column to ``mods``.
    mod_names
        Names of the moderator columns.
    btt
        Indices (0-based) of the coefficients tested by QM; default all but the intercept.
    level
        Confidence level in percent (or as a proportion).
    control
        :class:`~lenvici.evidence.meta.tau2.Control` or a mapping (R names such as ``stepadj`` work).
    tau2_ci
        Compute the Q-profile CI for τ², I², H² (metafor's ``confint()``).

    Returns
    -------
    MetaResult or MetaRegResult

    Raises
    ------
    InputError
        Non-finite or mismatched inputs, vi ≤ 0, unknown method/test, too few studies, rank-deficient
        moderators.

    Examples
    --------
    >>> res = rma([0.1, 0.3, 0.35, 0.65], [0.02, 0.03, 0.025, 0.04], method="DL")  # metafor: 0.3231, 0.0198
    >>> round(res.estimate, 4), round(res.tau2, 5)
    (0.3231, 0.01981)
    """
    y, v, measure, n = _inputs(yi, vi, sei, measure, ni)
    check_representable(y, v)
    if not isinstance(method, str):
        raise InputError(f"'method' must be one of {', '.join(METHODS)}; got {method!r}", "method")
    method = _ALIASES.get(method.upper(), method.upper())
    check_choice(method, "method", METHODS)
    test = "knha" if isinstance(test, str) and test.lower() == "hksj" else test
    test = test.lower() if isinstance(test, str) else test
    check_choice(test, "test", TESTS)
    alpha = check_level(level)
    control = Control.from_mapping(control)
    k = y.size
    X, names = _design(mods, k, intercept, mod_names)
    int_only = X.shape[1] == 1 and bool(np.all(X[:, 0] == 1))
    _check_model(X, method, k, int_only)
    messages: list[str] = []
    if k == 1 and test != "z":
        _warn(messages, "k = 1: setting test='z'")
        test = "z"
    fit = _fit(y, v, X, method, test, alpha, control, tau2_ci, messages)
    tfit: Tau2Fit = fit["tfit"]
    lev = 100 * (1 - alpha)
    if int_only:
        return _pooled(fit, tfit, k, measure, method, test, lev, n, messages)
    return _regression(fit, tfit, y, v, X, names, intercept, btt, measure, method, test, lev, alpha,
                       control, messages)


def _pooled(fit, tfit, k, measure, method, test, lev, n, messages) -> MetaResult:
    b, se, crit = float(fit["beta"][0]), float(fit["se"][0]), fit["crit"]
    tau2 = fit["tau2"]
    pse = math.sqrt(se * se + tau2) if math.isfinite(tau2) else math.nan
    pi_lb, pi_ub = b - crit * pse, b + crit * pse
    ci_lb, ci_ub = float(fit["ci_lb"][0]), float(fit["ci_ub"][0])
    transformed = None
    name = transform_name(measure)
    vals = back_transform(measure, [b, ci_lb, ci_ub, pi_lb, pi_ub], n)
    if vals is not None:
        lo1, hi1 = sorted(vals[1:3], key=lambda x: (math.isnan(x), x))
        lo2, hi2 = sorted(vals[3:5], key=lambda x: (math.isnan(x), x))
        transformed = Transformed(name, float(vals[0]), float(lo1), float(hi1), float(lo2), float(hi2))
    elif name == "ipft.hm":
        _warn(messages, "PFT results are not back-transformed: give the sample sizes 'ni'")
    dist = "t(k-1)" if fit["ddf"] is not None else "normal"
    pi_method = (f"estimate ± {dist} quantile × sqrt(se^2 + tau2) (metafor predict())"
                 + ("; equals the CI when tau2 = 0" if method == "EE" else ""))
    return MetaResult(
        k=k, measure=measure, method=method, test=test, level=lev, estimate=b, se=se,
        zval=float(fit["zval"][0]), pval=float(fit["pval"][0]), ci_lb=ci_lb, ci_ub=ci_ub, pi_lb=pi_lb,
        pi_ub=pi_ub, tau2=tau2, se_tau2=tfit.se_tau2, I2=fit["I2"], H2=fit["H2"], QE=fit["QE"],
        QEp=fit["QEp"], vt=fit["vt"], ddf=fit["ddf"], s2w=fit["s2w"], n_iter=tfit.n_iter,
        converged=tfit.converged, fallback=tfit.fallback, ci_method=_CI_METHOD[test], pi_method=pi_method,
        i2_definition=_i2_definition(method), tau2_ci=fit["tau2_ci"], transformed=transformed,
        warnings=tuple(messages))


def _regression(fit, tfit, y, v, X, names, intercept, btt, measure, method, test, lev, alpha, control,
                messages) -> MetaRegResult:
    k, p = X.shape
    ones = np.ones((k, 1))
    nested = np.linalg.matrix_rank(np.column_stack([X, ones])) == np.linalg.matrix_rank(X)
    idx = _btt(btt, p, nested and intercept)
    beta, vb = fit["beta"], fit["vb"]
    m = len(idx)
    sub = vb[np.ix_(idx, idx)]
    try:
        qm = float(beta[list(idx)] @ np.linalg.solve(sub, beta[list(idx)]))
    except np.linalg.LinAlgError:
        qm = math.nan
    if fit["ddf"] is not None:
        qm = qm / m
        qmdf = (m, fit["ddf"])
        qmp = float(f_dist.sf(qm, m, fit["ddf"])) if fit["ddf"] > 0 else math.nan
    else:
        qmdf = (m, None)
        qmp = float(chi2.sf(qm, m))
    r2 = None
    if nested:
        if method == "EE":
            r2 = _r2_equal_effects(y, v, X)
        else:
            fit0 = _fit(y, v, ones, method, test, alpha, control, False, [])
            t_re = fit0["tau2"]
            if not math.isfinite(t_re):
                r2 = math.nan
            elif t_re == 0:
                r2 = 0.0
            else:
                r2 = max(0.0, 100.0 * (t_re - fit["tau2"]) / t_re)
    return MetaRegResult(
        k=k, p=p, measure=measure, method=method, test=test, level=lev, names=names, intercept=intercept,
        coef=beta, se=fit["se"], zval=fit["zval"], pval=fit["pval"], ci_lb=fit["ci_lb"], ci_ub=fit["ci_ub"],
        vcov=vb, tau2=fit["tau2"], se_tau2=tfit.se_tau2, I2=fit["I2"], H2=fit["H2"], R2=r2, QE=fit["QE"],
        QEp=fit["QEp"], QM=qm, QMdf=qmdf, QMp=qmp, btt=idx, vt=fit["vt"], ddf=fit["ddf"], s2w=fit["s2w"],
        crit=fit["crit"], n_iter=tfit.n_iter, converged=tfit.converged, fallback=tfit.fallback,
        ci_method=_CI_METHOD[test], i2_definition=_i2_definition(method), tau2_ci=fit["tau2_ci"],
        warnings=tuple(messages))
