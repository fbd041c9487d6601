"""Heterogeneity: Cochran's Q, I² and H² with metafor's "typical" within-study variance, and the
Q-profile confidence interval for τ² (and through it for I² and H²).

.. math::
   Q_E = y^\\top P_0\\, y, \\quad P_0 = W_0 - W_0X(X^\\top W_0X)^{-1}X^\\top W_0,\\ W_0 = \\mathrm{diag}(1/v_i)

   \\tilde v = \\frac{k-p}{\\operatorname{tr} P_0}, \\qquad I^2 = 100\\,\\frac{\\hat\\tau^2}{\\tilde v + \\hat\\tau^2},
   \\qquad H^2 = \\frac{\\hat\\tau^2}{\\tilde v} + 1

so I² and H² follow the τ² estimator. For the equal-effects model metafor uses
I² = max(0, 100 (Q_E − (k−p))/Q_E) and H² = Q_E/(k−p).

References
----------
Higgins JPT, Thompson SG. Quantifying heterogeneity in a meta-analysis. Stat Med 2002;21:1539–1558,
doi:10.1002/sim.1186.
Viechtbauer W. Confidence intervals for the amount of heterogeneity in meta-analysis. Stat Med
2007;26:37–52, doi:10.1002/sim.2514 (the Q-profile method).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.stats import chi2

from lenvici.evidence.meta._brent import R_UNIROOT_TOL, brent
from lenvici.evidence.meta._linalg import project

__all__ = ["q_test", "i2_h2", "qprofile"]


def q_test(y: np.ndarray, v: np.ndarray, X: np.ndarray) -> tuple[float, float, float]:
    """``(QE, QEp, vt)``: Cochran's Q on k − p df, its p-value and the typical variance ṽ.

    With k = p (a saturated model) metafor reports Q = 0, p = 1 and ṽ = 0.
    """
    k, p = X.shape
    if k <= p:
        return 0.0, 1.0, 0.0
    pr = project(X, 1.0 / v)
    qe = max(0.0, pr.rss(y - np.mean(y)))
    return qe, float(chi2.sf(qe, k - p)), (k - p) / pr.tr_p()


def i2_h2(method: str, qe: float, k: int, p: int, tau2: float, vt: float) -> tuple[float, float]:
    """I² (in %) and H², metafor's definitions (``i2def="1"``)."""
    if k <= p:
        return 0.0, 1.0
    if method == "EE":
        i2 = 0.0 if qe <= 0 else max(0.0, 100.0 * (qe - (k - p)) / qe)
        return i2, qe / (k - p)
    return 100.0 * tau2 / (vt + tau2), tau2 / vt + 1.0


def qprofile(y: np.ndarray, v: np.ndarray, X: np.ndarray, tau2: float, alpha: float,
             tau2_min: float = 0.0, tau2_max: float | None = None,
             tol: float = R_UNIROOT_TOL, maxiter: int = 1000) -> dict:
    """Q-profile bounds for τ² as ``confint.rma.uni(type="QP")`` finds them.

    The bounds solve Q(τ²) = χ²_{k−p; 1−α/2} (lower) and Q(τ²) = χ²_{k−p; α/2} (upper) for the generalised
    Q(τ²) = yᵀP(τ²)y, searched with R's ``uniroot`` on [tau2_min, tau2_max], where ``tau2_max`` defaults
    to max(100, 10 τ̂², 10 tau2_min). A bound that falls outside the search range is set to the range's
    end and flagged; when even Q(tau2_min) lies below the lower critical value the interval is the null
    set (both bounds at tau2_min).

    Returns
    -------
    dict
        ``tau2_lb, tau2_ub, lb_flag, ub_flag, null_set, converged``; flags are ``"<"``, ``">"`` or ``""``.
    """
    k, p = X.shape
    lo = tau2_min  # metafor: min(0, tau2) unless set, and tau2 >= 0 here
    hi = max(100.0, 10.0 * tau2, 10.0 * lo) if tau2_max is None else float(tau2_max)
    crit_u = float(chi2.isf(alpha / 2, k - p))
    crit_l = float(chi2.ppf(alpha / 2, k - p))

    def q(t):
        return project(X, 1.0 / (v + t)).rss(y)

    q_lo, q_hi = q(lo), q(hi)
    out = {"tau2_lb": math.nan, "tau2_ub": math.nan, "lb_flag": "", "ub_flag": "", "null_set": False,
           "converged": True}
    # upper bound
    if q_lo < crit_l:
        out.update(tau2_lb=lo, tau2_ub=lo, lb_flag="<", ub_flag="<", null_set=lo <= 0)
    elif q_hi > crit_l:
        out.update(tau2_ub=hi, ub_flag=">")
    else:
        res = brent(lambda t: q(t) - crit_l, lo, hi, q_lo - crit_l, q_hi - crit_l, tol=tol, maxiter=maxiter)
        out["tau2_ub"] = res.root
        out["converged"] &= res.converged
    # lower bound
    if q_hi > crit_u:
        out.update(tau2_lb=hi, tau2_ub=hi, lb_flag=">", ub_flag=">")
    elif q_lo < crit_u:
        out.update(tau2_lb=lo, lb_flag="<" if lo > 0 else "")
    else:
        res = brent(lambda t: q(t) - crit_u, lo, hi, q_lo - crit_u, q_hi - crit_u, tol=tol, maxiter=maxiter)
        out["tau2_lb"] = res.root
        out["converged"] &= res.converged
    return out
