"""Estimators of the between-study variance τ², one function each, with metafor's definitions.

Every estimator takes the outcomes ``y``, their sampling variances ``v``, the model matrix ``X`` (k×p;
a column of ones for the intercept-only model) and a :class:`Control`, and returns a :class:`Tau2Fit`.
Like metafor, the estimators work with the mean-centred outcomes (``y − ȳ``), truncate at
``Control.tau2_min`` (0) and give the standard error of τ̂² by metafor's formulas.

========  ===============================================================================================
method    estimator (metafor's ``rma.uni(method=...)``)
========  ===============================================================================================
``EE``    equal (common) effect: τ² = 0
``DL``    DerSimonian–Laird: (Q − (k−p)) / tr(P₀), P₀ with weights 1/vᵢ
``HE``    Hedges (unweighted method of moments): (yᵀ(I−H)y − tr((I−H)V)) / (k−p)
``HS``    Hunter–Schmidt: (Q − k) / Σ wᵢ, wᵢ = 1/vᵢ
``SJ``    Sidik–Jonkman: τ₀² · yᵀP(τ₀²)y / (k−p), τ₀² = Σ(yᵢ − ȳ)²/k
``ML``    maximum likelihood, Fisher scoring from the HE estimate truncated at 0
``REML``  restricted maximum likelihood, Fisher scoring from the HE estimate truncated at 0
``EB``    empirical Bayes (Morris), fixed-point scoring of k/(k−p)·yᵀP(τ²)y = k from the HE estimate
``PM``    Paule–Mandel: root of yᵀP(τ²)y = k−p by R's ``uniroot`` (Brent) on [0, max(100, 10·mad(y)²)]
========  ===============================================================================================

Beyond metafor: its Fisher scoring can oscillate or stop at ``maxiter`` (metafor then stops with an error)
and its Paule–Mandel search stops with an error when the root lies above ``tau2.max``. Here the metafor
path runs first, unchanged, so that every fit metafor completes is reproduced to rounding error; only when
it fails does a safeguarded fallback take over — a bracketed Brent search on the score (estimating)
equation, and for ML/REML the larger likelihood of that root and τ² = 0 — and the fallback is recorded in
``Tau2Fit.fallback`` and warned with :class:`~lenvici.errors.ConvergenceWarning`, never silent.

References
----------
DerSimonian R, Laird N. Meta-analysis in clinical trials. Control Clin Trials 1986;7:177–188,
doi:10.1016/0197-2456(86)90046-2.
Hedges LV, Olkin I. *Statistical Methods for Meta-Analysis.* Academic Press; 1985 (HE).
Hunter JE, Schmidt FL. *Methods of Meta-Analysis.* 2nd ed. Sage; 2004 (HS).
Sidik K, Jonkman JN. Simple heterogeneity variance estimation for meta-analysis. J R Stat Soc C
2005;54:367–384, doi:10.1111/j.1467-9876.2005.00489.x.
Paule RC, Mandel J. Consensus values and weighting factors. J Res Natl Bur Stand 1982;87:377–385.
Morris CN. Parametric empirical Bayes inference: theory and applications. J Am Stat Assoc
1983;78:47–55 (EB).
Raudenbush SW. Analyzing effect sizes: random-effects models. In: Cooper H, Hedges LV, Valentine JC,
eds. *The Handbook of Research Synthesis and Meta-Analysis.* 2nd ed. Russell Sage; 2009:295–315
(ML, REML and EB by Fisher scoring).
Viechtbauer W. Bias and efficiency of meta-analytic variance estimators in the random-effects model.
J Educ Behav Stat 2005;30:261–293, doi:10.3102/10769986030003261 (standard errors of τ̂²).
Viechtbauer W. Conducting meta-analyses in R with the metafor package. J Stat Softw 2010;36(3):1–48,
doi:10.18637/jss.v036.i03 (``rma.uni``; its control defaults are taken from metafor 3.8–4.x).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field, fields
from typing import Callable, Mapping

import numpy as np

from lenvici.errors import ConvergenceWarning, InputError
from lenvici.evidence.meta._brent import R_UNIROOT_TOL, brent
from lenvici.evidence.meta._linalg import project

__all__ = [
    "METHODS",
    "Control",
    "Tau2Fit",
    "tau2_ee",
    "tau2_dl",
    "tau2_he",
    "tau2_hs",
    "tau2_sj",
    "tau2_ml",
    "tau2_reml",
    "tau2_eb",
    "tau2_pm",
    "estimate_tau2",
    "mad",
    "pm_upper_bound",
]

#: The estimators, in metafor's spelling; ``EE`` is the equal-effects (common-effect) model.
METHODS = ("EE", "DL", "HE", "HS", "SJ", "ML", "REML", "EB", "PM")

_LOG_2PI = math.log(2.0 * math.pi)


@dataclass(frozen=True)
class Control:
    """Settings of the iterative estimators; defaults are metafor's ``rma.uni(control=...)`` defaults.

    Parameters
    ----------
    tau2_init
        Starting value for ML/REML/EB (default: the HE estimate truncated at ``tau2_min``) and the τ₀² of
        SJ (default: Σ(yᵢ − ȳ)²/k).
    tau2_min
        Lower bound of τ² (≥ 0).
    tau2_max
        Upper end of the Paule–Mandel bracket; default ``max(100, 10·mad(y)²)``. When given it also caps
        the Q-profile search, as in metafor.
    threshold
        Fisher scoring stops when |Δτ²| ≤ ``threshold``.
    tol
        Tolerance of the Brent searches (metafor: ``.Machine$double.eps^0.25``) and of the τ² = 0
        likelihood check.
    maxiter
        Iteration limit of Fisher scoring and of the Paule–Mandel search.
    stepadj
        Factor applied to every Fisher-scoring step (``< 1`` damps oscillation).
    ll0check
        After ML/REML converge, set τ² = 0 when the likelihood at 0 is larger by more than ``tol``.
    fallback
        When the metafor algorithm fails, recover by a bracketed root search (recorded in the result)
        instead of raising.
    """

    tau2_init: float | None = None
    tau2_min: float = 0.0
    tau2_max: float | None = None
    threshold: float = 1e-5
    tol: float = R_UNIROOT_TOL
    maxiter: int = 100
    stepadj: float = 1.0
    ll0check: bool = True
    fallback: bool = True

    def __post_init__(self):
        if not (self.tau2_min >= 0 and math.isfinite(self.tau2_min)):
            raise InputError(f"'tau2_min' must be a finite number >= 0; got {self.tau2_min!r}", "tau2_min")
        if self.tau2_max is not None and not self.tau2_max > self.tau2_min:
            raise InputError(f"'tau2_max' must exceed tau2_min={self.tau2_min}; got {self.tau2_max!r}",
                             "tau2_max")
        if self.tau2_init is not None and not (math.isfinite(self.tau2_init) and self.tau2_init >= 0):
            raise InputError(f"'tau2_init' must be a finite number >= 0; got {self.tau2_init!r}", "tau2_init")
        for name in ("threshold", "tol", "stepadj"):
            val = getattr(self, name)
            if not (isinstance(val, (int, float)) and math.isfinite(val) and val > 0):
                raise InputError(f"{name!r} must be a number > 0; got {val!r}", name)
        if not (isinstance(self.maxiter, int) and self.maxiter >= 1):
            raise InputError(f"'maxiter' must be an integer >= 1; got {self.maxiter!r}", "maxiter")

    @classmethod
    def from_mapping(cls, mapping: Mapping | "Control" | None) -> "Control":
        """A :class:`Control` from a mapping with Python (``tau2_init``) or R (``tau2.init``) names."""
        if mapping is None:
            return cls()
        if isinstance(mapping, Control):
            return mapping
        known = {f.name for f in fields(cls)}
        kwargs = {}
        for key, val in dict(mapping).items():
            name = str(key).replace(".", "_")
            if name not in known:
                raise InputError(f"unknown control setting {key!r}; known: {', '.join(sorted(known))}",
                                 "control")
            if name == "maxiter":
                val = int(val)
            kwargs[name] = val
        return cls(**kwargs)


@dataclass(frozen=True)
class Tau2Fit:
    """An estimate of τ² and how it was reached.

    ``n_iter`` counts Fisher-scoring steps (ML, REML, EB) or Brent steps (PM, and any fallback); it is 0
    for the closed forms. ``fallback`` says what took over when metafor's algorithm failed (``None`` when
    it did not); ``messages`` holds the warnings issued on the way.
    """

    method: str
    tau2: float
    se_tau2: float
    n_iter: int = 0
    converged: bool = True
    fallback: str | None = None
    messages: tuple[str, ...] = field(default=())


# ---------------------------------------------------------------------------------------------------
# helpers

def _centred(y: np.ndarray) -> np.ndarray:
    return y - np.mean(y)


def mad(x: np.ndarray) -> float:
    """R's ``mad()``: 1.4826 × the median absolute deviation from the median."""
    return float(1.4826 * np.median(np.abs(x - np.median(x))))


def pm_upper_bound(y: np.ndarray, control: Control) -> float:
    """metafor's upper end of the Paule–Mandel bracket, ``max(100, 10·mad(y)²)`` unless set."""
    if control.tau2_max is not None:
        return float(control.tau2_max)
    return max(100.0, 10.0 * mad(y) ** 2)


def _warn(messages: list[str], text: str) -> None:
    messages.append(text)
    warnings.warn(text, ConvergenceWarning, stacklevel=4)


def _se_ml(w):
    return math.sqrt(2.0 / np.sum(w * w))


def _se_qe_type(w, k, p):
    """metafor's SE for EB and PM: sqrt(2k²/(k−p)) / Σwᵢ at the final τ²."""
    return math.sqrt(2.0 * k * k / (k - p) / np.sum(w) ** 2)


# ---------------------------------------------------------------------------------------------------
# closed forms

def tau2_ee(y, v, X, control: Control | None = None) -> Tau2Fit:
    """Equal-effects model: τ² = 0, no standard error."""
    return Tau2Fit("EE", 0.0, math.nan)


def tau2_dl(y, v, X, control: Control | None = None) -> Tau2Fit:
    """DerSimonian–Laird: ``(Q − (k−p)) / tr(P)`` with weights 1/vᵢ, truncated at ``tau2_min``."""
    control = control or Control()
    k, p = X.shape
    pr = project(X, 1.0 / v)
    rss = pr.rss(_centred(y))
    trp = pr.tr_p()
    t = max(control.tau2_min, (rss - (k - p)) / trp)
    se = math.sqrt((2 * (k - p) + 4 * t * trp + 2 * t * t * pr.tr_pp()) / trp ** 2)
    return Tau2Fit("DL", t, se)


def _he_raw(y, v, X):
    """The untruncated Hedges estimate and the pieces its SE needs."""
    k, p = X.shape
    pr = project(X, np.ones_like(v))
    rss = pr.rss(_centred(y))
    trpv = float(np.sum(v * (1.0 - pr.h)))
    return (rss - trpv) / (k - p), pr, trpv


def tau2_he(y, v, X, control: Control | None = None) -> Tau2Fit:
    """Hedges' unweighted method-of-moments estimate, truncated at ``tau2_min``."""
    control = control or Control()
    k, p = X.shape
    raw, pr, trpv = _he_raw(y, v, X)
    t = max(control.tau2_min, raw)
    se = math.sqrt((2 * pr.tr_mdmd(v, v) + 4 * t * trpv + 2 * t * t * (k - p)) / (k - p) ** 2)
    return Tau2Fit("HE", t, se)


def tau2_hs(y, v, X, control: Control | None = None) -> Tau2Fit:
    """Hunter–Schmidt: ``(Q − k) / Σ(1/vᵢ)``, truncated at ``tau2_min``."""
    control = control or Control()
    k, p = X.shape
    w = 1.0 / v
    pr = project(X, w)
    rss = pr.rss(_centred(y))
    t = max(control.tau2_min, (rss - k) / np.sum(w))
    se = math.sqrt((2 * (k - p) + 4 * t * pr.tr_p() + 2 * t * t * pr.tr_pp()) / np.sum(w) ** 2)
    return Tau2Fit("HS", t, se)


def tau2_sj(y, v, X, control: Control | None = None) -> Tau2Fit:
    """Sidik–Jonkman: ``τ₀² · yᵀP(τ₀²)y / (k−p)`` with τ₀² = Σ(yᵢ − ȳ)²/k (or ``tau2_init``)."""
    control = control or Control()
    k, p = X.shape
    yc = _centred(y)
    t0 = float(np.mean(yc * yc)) if control.tau2_init is None else float(control.tau2_init)
    w = 1.0 / (v + t0)
    pr = project(X, w)
    t = max(control.tau2_min, t0 * pr.rss(yc) / (k - p))
    d = w * v
    se = math.sqrt(t0 ** 2 / (k - p) ** 2
                   * (2 * pr.tr_mdmd(d, d) + 4 * t * pr.tr_mdmd(d, w) + 2 * t * t * pr.tr_pp()))
    return Tau2Fit("SJ", t, se)


# ---------------------------------------------------------------------------------------------------
# Fisher scoring (ML, REML, EB)

def _score(method: str, pr, yc, k, p) -> tuple[float, float]:
    """(numerator, denominator) of metafor's scoring step for ``method`` at the weights of ``pr``."""
    w = pr.w
    if method == "ML":
        return pr.rss_pp(yc) - float(np.sum(w)), float(np.sum(w * w))
    if method == "REML":
        return pr.rss_pp(yc) - pr.tr_p(), pr.tr_pp()
    return pr.rss(yc) * k / (k - p) - k, float(np.sum(w))  # EB


def _loglik(method: str, y, v, X, t) -> float:
    """ML or REML log-likelihood (metafor's ``ll0check`` form, constants as metafor keeps them)."""
    k, p = X.shape
    pr = project(X, 1.0 / (v + t))
    rss = pr.rss(y)
    if method == "ML":
        return -0.5 * k * _LOG_2PI - 0.5 * float(np.sum(np.log(v + t))) - 0.5 * rss
    return (-0.5 * (k - p) * _LOG_2PI - 0.5 * float(np.sum(np.log(v + t)))
            - 0.5 * pr.logdet_xwx() - 0.5 * rss)


def _scoring_path(method, yc, v, X, t, control: Control) -> tuple[float, int, bool]:
    """metafor's Fisher scoring loop, step for step: returns (τ², iterations, converged)."""
    k, p = X.shape
    change = control.threshold + 1.0
    it = 0
    while change > control.threshold:
        it += 1
        old = t
        pr = project(X, 1.0 / (v + t))
        num, den = _score(method, pr, yc, k, p)
        with np.errstate(divide="ignore", invalid="ignore"):
            adj = float(np.float64(num) / np.float64(den)) * control.stepadj
        if math.isnan(adj):  # metafor: happens for a saturated model; take no step
            adj = 0.0
        if not math.isfinite(adj):  # beyond metafor: an infinite step is a failure, not a result
            return t, it, False
        while t + adj < control.tau2_min:  # step halving keeps τ² inside its bound
            adj /= 2.0
        t = t + adj
        change = abs(old - t)
        if it > control.maxiter:
            return t, it, False
    return t, it, True


def _bracket_upper(f: Callable[[float], float], lo: float, guess: float, limit: int = 200):
    """An upper end ``hi > lo`` with ``f(hi) < 0`` by repeated doubling, or ``None``."""
    hi = max(guess, lo + 1.0, 2.0 * lo)
    for _ in range(limit):
        fh = f(hi)
        if fh < 0:
            return hi, fh
        hi *= 2.0
    return None


def _score_root(method, yc, v, X, control: Control, scale: float) -> tuple[float, int, bool]:
    """The root of the ML/REML/EB score on [tau2_min, ∞) by a bracketed Brent search (the fallback)."""
    k, p = X.shape

    def f(t):
        num, _ = _score(method, project(X, 1.0 / (v + t)), yc, k, p)
        return num

    lo = control.tau2_min
    f_lo = f(lo)
    if not f_lo > 0:
        return lo, 0, True
    br = _bracket_upper(f, lo, max(10.0 * scale, 1e-8))
    if br is None:
        return math.nan, 0, False
    hi, f_hi = br
    res = brent(f, lo, hi, f_lo, f_hi, tol=1e-12 * max(1.0, hi), maxiter=1000)
    return res.root, res.n_iter, res.converged


def _scoring(method: str, y, v, X, control: Control | None) -> Tau2Fit:
    control = control or Control()
    k, p = X.shape
    yc = _centred(y)
    messages: list[str] = []
    if control.tau2_init is None:
        t0 = max(0.0, _he_raw(y, v, X)[0], control.tau2_min)
    else:
        t0 = float(control.tau2_init)
    t, n_iter, converged = _scoring_path(method, yc, v, X, t0, control)
    fallback = None
    if not converged:
        text = (f"{method}: Fisher scoring did not converge in {control.maxiter} iterations "
                f"(stepadj={control.stepadj:g}, threshold={control.threshold:g})")
        if not control.fallback:
            _warn(messages, text + "; try a smaller stepadj, a larger maxiter or another method")
            return Tau2Fit(method, math.nan, math.nan, n_iter, False, None, tuple(messages))
        scale = max(t0, float(np.var(y)), float(np.mean(v)))
        t, extra, converged = _score_root(method, yc, v, X, control, scale)
        fallback = f"bracketed Brent search on the {method} score equation ({extra} steps)"
        n_iter += extra
        _warn(messages, text + f"; fell back to a {fallback}")
        if not converged:
            _warn(messages, f"{method}: the fallback search failed as well; no estimate")
            return Tau2Fit(method, math.nan, math.nan, n_iter, False, fallback, tuple(messages))
    if method in ("ML", "REML") and (control.ll0check or fallback is not None):
        ll0 = _loglik(method, yc, v, X, 0.0)
        ll = _loglik(method, yc, v, X, t)
        if ll0 - ll > control.tol and t > control.threshold:
            _warn(messages, f"{method}: the likelihood is larger at tau2 = 0 than at the scoring "
                            f"solution {t:.6g} (a local maximum); setting tau2 = 0")
            t = 0.0
    t = max(control.tau2_min, t)
    w = 1.0 / (v + t)
    if method == "ML":
        se = _se_ml(w)
    elif method == "REML":
        se = math.sqrt(2.0 / project(X, w).tr_pp())
    else:
        se = _se_qe_type(w, k, p)
    return Tau2Fit(method, t, se, n_iter, True, fallback, tuple(messages))


def tau2_ml(y, v, X, control: Control | None = None) -> Tau2Fit:
    """Maximum likelihood by Fisher scoring: step ``(yᵀPPy − Σwᵢ) / Σwᵢ²`` from max(0, HE)."""
    return _scoring("ML", y, v, X, control)


def tau2_reml(y, v, X, control: Control | None = None) -> Tau2Fit:
    """Restricted maximum likelihood by Fisher scoring: step ``(yᵀPPy − tr P) / tr(PP)`` from max(0, HE).

    After convergence metafor compares the restricted likelihood at the solution with that at τ² = 0 and
    takes 0 when it is larger there (``ll0check``); the step is halved whenever it would cross 0.
    """
    return _scoring("REML", y, v, X, control)


def tau2_eb(y, v, X, control: Control | None = None) -> Tau2Fit:
    """Empirical Bayes (Morris 1983): step ``(k/(k−p)·yᵀPy − k) / Σwᵢ`` from max(0, HE).

    Its fixed point solves the same generalised Q equation as Paule–Mandel, ``yᵀP(τ²)y = k − p``.
    """
    return _scoring("EB", y, v, X, control)


# ---------------------------------------------------------------------------------------------------
# Paule–Mandel

def _qe(y, v, X, t) -> float:
    """The generalised Q statistic ``yᵀP(τ²)y``."""
    return project(X, 1.0 / (v + t)).rss(y)


def tau2_pm(y, v, X, control: Control | None = None) -> Tau2Fit:
    """Paule–Mandel: the root of ``yᵀP(τ²)y = k − p``, by Brent's method as R's ``uniroot`` runs it.

    τ² = ``tau2_min`` when Q(tau2_min) < k − p already. metafor stops with an error when the root lies
    above the bracket's upper end; here the bracket is widened tenfold at a time and the widening is
    recorded as a fallback.
    """
    control = control or Control()
    k, p = X.shape
    yc = _centred(y)
    target = float(k - p)
    messages: list[str] = []
    lo = control.tau2_min
    q_lo = _qe(yc, v, X, lo)
    fallback = None
    n_iter = 0
    converged = True
    if q_lo < target:
        t = lo
    else:
        hi = pm_upper_bound(y, control)
        q_hi = _qe(yc, v, X, hi)
        if q_hi > target:
            text = f"PM: the root lies above tau2_max={hi:g}"
            if not control.fallback:
                _warn(messages, text + "; increase tau2_max or use another method")
                return Tau2Fit("PM", math.nan, math.nan, 0, False, None, tuple(messages))
            for _ in range(60):
                hi *= 10.0
                q_hi = _qe(yc, v, X, hi)
                if q_hi <= target:
                    break
            fallback = f"Paule-Mandel bracket widened to tau2_max={hi:g}"
            _warn(messages, text + f"; {fallback}")
        res = brent(lambda t: _qe(yc, v, X, t) - target, lo, hi, q_lo - target, q_hi - target,
                    tol=control.tol, maxiter=control.maxiter)
        t, n_iter, converged = res.root, res.n_iter, res.converged
        if not converged:
            _warn(messages, f"PM: Brent search not converged in {control.maxiter} iterations")
    t = max(control.tau2_min, t)
    se = _se_qe_type(1.0 / (v + t), k, p)
    return Tau2Fit("PM", t, se, n_iter, converged, fallback, tuple(messages))


# ---------------------------------------------------------------------------------------------------

_ESTIMATORS: dict[str, Callable[..., Tau2Fit]] = {
    "EE": tau2_ee, "DL": tau2_dl, "HE": tau2_he, "HS": tau2_hs, "SJ": tau2_sj,
    "ML": tau2_ml, "REML": tau2_reml, "EB": tau2_eb, "PM": tau2_pm,
}


def estimate_tau2(method: str, y: np.ndarray, v: np.ndarray, X: np.ndarray,
                  control: Control | None = None) -> Tau2Fit:
    """Dispatch to the estimator named ``method`` (one of :data:`METHODS`); inputs are trusted."""
    return _ESTIMATORS[method](y, v, X, control)


def scoring_step(tau2, num, den, control: Control):
    """One vectorised Fisher-scoring update of many tau² at once (metafor's ``rma.uni`` iteration):
    ``tau2 + stepadj * num / den``, step-halved until it stays at or above ``tau2_min``. Returns the new
    values and a mask of non-finite steps (those keep their old value)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        adj = num / den * control.stepadj
    adj = np.where(np.isnan(adj), 0.0, adj)
    bad = ~np.isfinite(adj)
    adj = np.where(bad, 0.0, adj)
    below = tau2 + adj < control.tau2_min
    while below.any():
        adj = np.where(below, adj / 2.0, adj)
        below = tau2 + adj < control.tau2_min
    return tau2 + adj, bad
