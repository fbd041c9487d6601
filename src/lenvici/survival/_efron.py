"""Efron's approximation to the Cox partial likelihood: log-likelihood, score and information at β.

For each distinct event time with :math:`d` tied events (set :math:`D`) and risk set :math:`R`,
writing :math:`r_i = \\exp(x_i^\\top\\beta)` and, for :math:`l = 0, \\dots, d-1`,
:math:`\\phi_l = l/d`:

.. math::

    \\ell = \\sum_{i\\in D} x_i^\\top\\beta - \\sum_{l} \\log\\Bigl(\\sum_{R} r - \\phi_l \\sum_{D} r\\Bigr),
    \\qquad
    U = \\sum_{i \\in D} x_i - \\sum_l \\frac{a_l}{b_l}, \\qquad
    \\mathcal I = \\sum_l \\Bigl(\\frac{C_l}{b_l} - \\frac{a_l a_l^\\top}{b_l^2}\\Bigr)

with :math:`b_l = \\sum_R r - \\phi_l\\sum_D r`, :math:`a_l = \\sum_R r x - \\phi_l \\sum_D r x` and
:math:`C_l = \\sum_R r x x^\\top - \\phi_l \\sum_D r x x^\\top`. Strata contribute additively.

lifelines fits the model (its ``CoxPHFitter`` uses Efron's method); this module supplies what lifelines
does not report — the score test at β = 0 — and a check of lifelines' log-likelihood. Vectorised: one
row per event (the ``l`` index), no Python loop over times.

References
----------
Efron B. The efficiency of Cox's likelihood function for censored data. J Am Stat Assoc
1977;72:557–565, doi:10.1080/01621459.1977.10479915.
Therneau TM, Grambsch PM. *Modeling Survival Data.* Springer; 2000, §3.3 (ties) and §3.4 (tests).
"""

from __future__ import annotations

import numpy as np


def efron_derivatives(
    time: np.ndarray, event: np.ndarray, X: np.ndarray, beta: np.ndarray, strata: np.ndarray | None = None
) -> tuple[float, np.ndarray, np.ndarray]:
    """Log partial likelihood, score vector and observed information (Efron ties) at ``beta``."""
    p = X.shape[1]
    loglik, score, info = 0.0, np.zeros(p), np.zeros((p, p))
    codes = np.zeros(time.size, dtype=int) if strata is None else np.unique(strata, return_inverse=True)[1]
    for s in np.unique(codes):
        m = codes == s
        ll, u, i = _one_stratum(time[m], event[m].astype(bool), X[m], beta)
        loglik, score, info = loglik + ll, score + u, info + i
    return loglik, score, info


def score_test(time, event, X, strata=None) -> float:
    """The score (log-rank) test statistic :math:`U(0)^\\top \\mathcal I(0)^{-} U(0)`.

    A generalised inverse, as R's ``coxph`` (its Cholesky routine zeroes singular directions): when a
    covariate does not vary within any risk set at an event time the information is singular and that
    direction contributes nothing.
    """
    _, u, info = efron_derivatives(time, event, X, np.zeros(X.shape[1]), strata)
    return float(u @ np.linalg.pinv(info, rcond=1e-12, hermitian=True) @ u)


def _one_stratum(time, event, X, beta):
    order = np.lexsort((~event, time))  # by time; at tied times events first (irrelevant to sums)
    time, event, X = time[order], event[order], X[order]
    eta = X @ beta
    eta = eta - eta.max()  # a constant shift cancels in every ratio; restore in the log-likelihood
    r = np.exp(eta)
    rx = r[:, None] * X
    rxx = rx[:, :, None] * X[:, None, :]
    uniq, first = np.unique(time, return_index=True)
    # risk-set sums: subjects with time >= t_j  (suffix sums from the first row of each time)
    def suffix(a):
        return np.cumsum(a[::-1], axis=0)[::-1][first]

    s0_r, s1_r, s2_r = suffix(r), suffix(rx), suffix(rxx)
    t_idx = np.searchsorted(uniq, time)
    ev = event.astype(float)
    d = np.bincount(t_idx, weights=ev, minlength=uniq.size)
    s0_d = np.bincount(t_idx, weights=r * ev, minlength=uniq.size)
    s1_d = np.zeros((uniq.size, X.shape[1]))
    np.add.at(s1_d, t_idx, rx * ev[:, None])
    s2_d = np.zeros((uniq.size, X.shape[1], X.shape[1]))
    np.add.at(s2_d, t_idx, rxx * ev[:, None, None])
    # one row per event: its time index j and its rank l among the d_j ties
    ev_rows = np.flatnonzero(event)
    j = t_idx[ev_rows]
    l = np.arange(ev_rows.size) - np.searchsorted(j, j, side="left")
    phi = l / d[j]
    b = s0_r[j] - phi * s0_d[j]
    a = s1_r[j] - phi[:, None] * s1_d[j]
    c = s2_r[j] - phi[:, None, None] * s2_d[j]
    loglik = float(np.sum(eta[ev_rows]) - np.sum(np.log(b)))  # the shift cancels: one eta per log b
    score = X[ev_rows].sum(axis=0) - (a / b[:, None]).sum(axis=0)
    info = (c / b[:, None, None]).sum(axis=0) - np.einsum("ki,kj->ij", a / b[:, None], a / b[:, None])
    return loglik, score, info
