"""Many intercept-only meta-analyses of the same size at once: ``rma_many(yi[m, k], vi[m, k], method)``.

The fast path for leave-one-out, permutation and bootstrap work: every estimator runs as array operations
across the m datasets (Fisher scoring and Brent's search advance all unfinished datasets together, each
taking the very steps :func:`~lenvici.evidence.meta.model.rma` takes), so the results agree with m
separate ``rma`` calls — the slow, obviously correct reference the tests compare against.

For the intercept-only model every quantity of ``rma`` reduces to weighted sums: with wᵢ = 1/(vᵢ + τ²),
S = Σwᵢ and ȳ_w = Σwᵢyᵢ/S, ``yᵀPy = Σwᵢ(yᵢ − ȳ_w)²``, ``yᵀPPy = Σwᵢ²(yᵢ − ȳ_w)²``,
``tr P = S − Σwᵢ²/S`` and ``tr PP = Σwᵢ² − 2Σwᵢ³/S + (Σwᵢ²/S)²``: O(m·k) work per iteration.
"""

from __future__ import annotations

import math
import warnings
from typing import Mapping

import numpy as np
from scipy.stats import chi2, norm, t as t_dist

from lenvici.errors import ConvergenceWarning, InputError
from lenvici.evidence.meta._brent import brent_many
from lenvici.evidence.meta._validate import check_choice, check_level
from lenvici.evidence.meta.model import TESTS
from lenvici.evidence.meta.result import BatchResult
from lenvici.evidence.meta.tau2 import METHODS, Control, _score_root, scoring_step

__all__ = ["rma_many"]

_LOG_2PI = math.log(2.0 * math.pi)
_EPS = float(np.finfo(float).eps)


def _sums(w, yc):
    """(S, rss, rss_pp, trP, trPP) per row for weights w and centred outcomes yc, both (m, k)."""
    S = w.sum(axis=1)
    ybar = (w * yc).sum(axis=1) / S
    r2 = (yc - ybar[:, None]) ** 2
    rss = (w * r2).sum(axis=1)
    rss_pp = (w * w * r2).sum(axis=1)
    S2 = (w * w).sum(axis=1)
    S3 = (w ** 3).sum(axis=1)
    return S, rss, rss_pp, S - S2 / S, S2 - 2.0 * S3 / S + (S2 / S) ** 2, S2


def _tr_mdmd(d1, d2, w):
    """tr(M D₁ M D₂) for the intercept-only projection with weights w (rows are datasets)."""
    S = w.sum(axis=1)
    h = w / S[:, None]
    return ((d1 * d2).sum(axis=1) - 2.0 * (d1 * d2 * h).sum(axis=1)
            + (d1 * h).sum(axis=1) * (d2 * h).sum(axis=1))


def _mad(y):
    med = np.median(y, axis=1)
    return 1.4826 * np.median(np.abs(y - med[:, None]), axis=1)


def _he_raw(yc, v):
    k = yc.shape[1]
    rss = ((yc - yc.mean(axis=1, keepdims=True)) ** 2).sum(axis=1)
    trpv = (v * (1.0 - 1.0 / k)).sum(axis=1)
    return (rss - trpv) / (k - 1), trpv


def _loglik(method, yc, v, t):
    k = yc.shape[1]
    w = 1.0 / (v + t[:, None])
    S, rss, *_ = _sums(w, yc)
    base = -0.5 * np.log(v + t[:, None]).sum(axis=1) - 0.5 * rss
    if method == "ML":
        return -0.5 * k * _LOG_2PI + base
    return -0.5 * (k - 1) * _LOG_2PI + base - 0.5 * np.log(S)


def _scoring(method, y, yc, v, control: Control):
    m, k = yc.shape
    if control.tau2_init is None:
        t = np.maximum(np.maximum(0.0, _he_raw(yc, v)[0]), control.tau2_min)
    else:
        t = np.full(m, float(control.tau2_init))
    n_iter = np.zeros(m, dtype=int)
    conv = np.ones(m, dtype=bool)
    active = np.ones(m, dtype=bool)
    while active.any():
        idx = np.flatnonzero(active)
        tt = t[idx]
        w = 1.0 / (v[idx] + tt[:, None])
        S, rss, rss_pp, trp, trpp, S2 = _sums(w, yc[idx])
        if method == "ML":
            num, den = rss_pp - S, S2
        elif method == "REML":
            num, den = rss_pp - trp, trpp
        else:
            num, den = rss * k / (k - 1) - k, S
        new, bad = scoring_step(tt, num, den, control)
        n_iter[idx] += 1
        change = np.abs(tt - new)
        t[idx] = new
        over = n_iter[idx] > control.maxiter
        failed = bad | over
        conv[idx[failed]] = False
        active[idx[failed | (change <= control.threshold)]] = False
    fallback = np.zeros(m, dtype=bool)
    if (~conv).any():
        bad_idx = np.flatnonzero(~conv)
        warnings.warn(f"{method}: Fisher scoring did not converge for {bad_idx.size} of {m} datasets; fell back "
                      "to a bracketed Brent search on the score equation", ConvergenceWarning, stacklevel=3)
        X1 = np.ones((k, 1))
        for i in bad_idx:
            scale = max(float(np.maximum(np.maximum(0.0, _he_raw(yc[i:i + 1], v[i:i + 1])[0]), 0.0)[0]),
                        float(np.var(y[i])), float(np.mean(v[i])))
            root, extra, ok = _score_root(method, yc[i], v[i], X1, control, scale)
            t[i], n_iter[i], conv[i] = root, n_iter[i] + extra, ok
            fallback[i] = True
    if method in ("ML", "REML"):
        check = conv & (control.ll0check | fallback)
        if check.any():
            idx = np.flatnonzero(check)
            ll0 = _loglik(method, yc[idx], v[idx], np.zeros(idx.size))
            ll = _loglik(method, yc[idx], v[idx], t[idx])
            zero = (ll0 - ll > control.tol) & (t[idx] > control.threshold)
            t[idx[zero]] = 0.0
    t = np.where(conv, np.maximum(control.tau2_min, t), np.nan)
    w = 1.0 / (v + np.where(conv, t, 0.0)[:, None])
    if method == "ML":
        se = np.sqrt(2.0 / (w * w).sum(axis=1))
    elif method == "REML":
        se = np.sqrt(2.0 / _sums(w, yc)[4])
    else:
        se = np.sqrt(2.0 * k * k / (k - 1) / w.sum(axis=1) ** 2)
    return t, np.where(conv, se, np.nan), n_iter, conv, fallback


def _pm(y, yc, v, control: Control):
    m, k = yc.shape
    target = float(k - 1)

    def qe(t, lanes):
        w = 1.0 / (v[lanes] + np.asarray(t)[:, None])
        return _sums(w, yc[lanes])[1]

    lanes = np.arange(m)
    lo = np.full(m, control.tau2_min)
    q_lo = qe(lo, lanes)
    t = lo.copy()
    n_iter = np.zeros(m, dtype=int)
    conv = np.ones(m, dtype=bool)
    fallback = np.zeros(m, dtype=bool)
    search = q_lo >= target
    if search.any():
        idx = np.flatnonzero(search)
        if control.tau2_max is not None:
            hi = np.full(idx.size, float(control.tau2_max))
        else:
            hi = np.maximum(100.0, 10.0 * _mad(y[idx]) ** 2)
        q_hi = qe(hi, idx)
        widen = q_hi > target
        if widen.any():
            fallback[idx[widen]] = True
            warnings.warn(f"PM: the root lies above tau2_max for {int(widen.sum())} datasets; bracket widened",
                          ConvergenceWarning, stacklevel=3)
            for _ in range(60):
                if not widen.any():
                    break
                hi = np.where(widen, hi * 10.0, hi)
                q_hi = np.where(widen, qe(hi, idx), q_hi)
                widen = q_hi > target
        root, it, ok = brent_many(lambda x, sub: qe(x, idx[sub]) - target, lo[idx], hi, q_lo[idx] - target,
                                  q_hi - target, tol=control.tol, maxiter=control.maxiter)
        t[idx], n_iter[idx], conv[idx] = root, it, ok
    t = np.maximum(control.tau2_min, t)
    w = 1.0 / (v + t[:, None])
    se = np.sqrt(2.0 * k * k / (k - 1) / w.sum(axis=1) ** 2)
    return t, se, n_iter, conv, fallback


def _closed_form(method, yc, v, control: Control):
    m, k = yc.shape
    tmin = control.tau2_min
    if method == "EE":
        return np.zeros(m), np.full(m, np.nan)
    if method in ("DL", "HS"):
        w = 1.0 / v
        S, rss, _, trp, trpp, _ = _sums(w, yc)
        if method == "DL":
            t = np.maximum(tmin, (rss - (k - 1)) / trp)
            return t, np.sqrt((2 * (k - 1) + 4 * t * trp + 2 * t * t * trpp) / trp ** 2)
        t = np.maximum(tmin, (rss - k) / S)
        return t, np.sqrt((2 * (k - 1) + 4 * t * trp + 2 * t * t * trpp) / S ** 2)
    if method == "HE":
        raw, trpv = _he_raw(yc, v)
        t = np.maximum(tmin, raw)
        ones = np.ones_like(v)
        return t, np.sqrt((2 * _tr_mdmd(v, v, ones) + 4 * t * trpv + 2 * t * t * (k - 1)) / (k - 1) ** 2)
    # SJ
    t0 = np.mean(yc * yc, axis=1) if control.tau2_init is None else np.full(m, float(control.tau2_init))
    w = 1.0 / (v + t0[:, None])
    rss = _sums(w, yc)[1]
    t = np.maximum(tmin, t0 * rss / (k - 1))
    d = w * v
    se = np.sqrt(t0 ** 2 / (k - 1) ** 2 * (2 * _tr_mdmd(d, d, w) + 4 * t * _tr_mdmd(d, w, w)
                                          + 2 * t * t * _tr_mdmd(w, w, w)))
    return t, se


def rma_many(yi, vi, method: str = "REML", *, test: str = "z", level: float = 95,
             control: Control | Mapping | None = None) -> BatchResult:
    """Fit the intercept-only model to each row of ``yi``/``vi`` (shape (m, k)) at once.

    Parameters
    ----------
    yi, vi
        Outcomes and sampling variances, one dataset per row (finite; vi > 0; k ≥ 2).
    method, test, level, control
        As for :func:`~lenvici.evidence.meta.model.rma`.

    Returns
    -------
    BatchResult
        Arrays of length m; ``fallback`` flags the datasets where metafor's algorithm failed and the
        safeguarded search took over.

    Examples
    --------
    >>> import numpy as np
    >>> res = rma_many(np.array([[0.1, 0.3, 0.35, 0.65]] * 2), np.full((2, 4), 0.03), "DL")
    >>> res.m, round(float(res.estimate[0]), 4)
    (2, 0.35)
    """
    y = np.asarray(yi, dtype=float)
    v = np.asarray(vi, dtype=float)
    if y.ndim != 2 or v.shape != y.shape:
        raise InputError(f"'yi' and 'vi' must be (m, k) arrays of the same shape; got {y.shape} and {v.shape}",
                         "yi")
    if not (np.all(np.isfinite(y)) and np.all(np.isfinite(v))):
        raise InputError("'yi' and 'vi' must be finite numbers", "yi")
    if np.any(v <= 0):
        raise InputError("'vi' must be > 0", "vi")
    m, k = y.shape
    method = {"FE": "EE", "CE": "EE"}.get(str(method).upper(), str(method).upper())
    check_choice(method, "method", METHODS)
    test = "knha" if test == "hksj" else test
    check_choice(test, "test", TESTS)
    need = 1 if method == "EE" else 2
    if k < need:
        raise InputError(f"{method} needs at least {need} studies per dataset; got k={k}", "yi")
    alpha = check_level(level)
    control = Control.from_mapping(control)
    if method == "EE" and test in ("knha", "adhoc"):
        warnings.warn("the Knapp-Hartung method is not meant for equal-effects models", UserWarning, stacklevel=2)
    yc = y - y.mean(axis=1, keepdims=True)
    n_iter = np.zeros(m, dtype=int)
    conv = np.ones(m, dtype=bool)
    fallback = np.zeros(m, dtype=bool)
    if method in ("ML", "REML", "EB"):
        tau2, se_tau2, n_iter, conv, fallback = _scoring(method, y, yc, v, control)
    elif method == "PM":
        tau2, se_tau2, n_iter, conv, fallback = _pm(y, yc, v, control)
    else:
        tau2, se_tau2 = _closed_form(method, yc, v, control)
    w = 1.0 / (v + np.where(np.isfinite(tau2), tau2, 0.0)[:, None])
    S = w.sum(axis=1)
    b = (w * y).sum(axis=1) / S
    vb = 1.0 / S
    s2w = np.ones(m)
    if test in ("knha", "adhoc"):
        rss = (w * (y - b[:, None]) ** 2).sum(axis=1)
        s2w = np.where(rss <= _EPS, 0.0, rss / (k - 1))
        if test == "adhoc":
            s2w = np.maximum(1.0, s2w)
    se = np.sqrt(s2w * vb)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = b / se
    if test in ("knha", "adhoc", "t"):
        pval = 2 * t_dist.sf(np.abs(z), k - 1)
        crit = float(t_dist.isf(alpha / 2, k - 1))
    else:
        pval = 2 * norm.sf(np.abs(z))
        crit = float(norm.isf(alpha / 2))
    pse = np.sqrt(se * se + tau2)
    w0 = 1.0 / v
    _, rss0, _, trp0, _, _ = _sums(w0, yc)
    qe = np.maximum(0.0, rss0)
    vt = (k - 1) / trp0
    if method == "EE":
        with np.errstate(divide="ignore", invalid="ignore"):
            i2 = np.where(qe > 0, np.maximum(0.0, 100 * (qe - (k - 1)) / qe), 0.0)
        h2 = qe / (k - 1)
    else:
        i2 = 100 * tau2 / (vt + tau2)
        h2 = tau2 / vt + 1
    nanify = ~np.isfinite(tau2)
    b, se, z, pval = (np.where(nanify, np.nan, a) for a in (b, se, z, pval))
    return BatchResult(method=method, test=test, level=100 * (1 - alpha), k=k, estimate=b, se=se, zval=z,
                       pval=pval, ci_lb=b - crit * se, ci_ub=b + crit * se, pi_lb=b - crit * pse,
                       pi_ub=b + crit * pse, tau2=tau2, se_tau2=se_tau2, I2=i2, H2=h2, QE=qe,
                       QEp=chi2.sf(qe, k - 1), n_iter=n_iter, converged=conv, fallback=fallback)
