"""Many meta-regressions of the same shape at once: m datasets, each k studies and a k×p model matrix.

The moderator counterpart of :func:`~lenvici.evidence.meta.batch.rma_many`, used by the permutation test
for moderators and by influence diagnostics of a meta-regression. Every τ² estimator takes the steps of
:mod:`~lenvici.evidence.meta.tau2` (the same starting values, Fisher-scoring steps, step halving,
convergence test and likelihood check at τ² = 0), written with stacked thin QR factorisations of
``W^½ X`` (shape (m, k, p)) instead of one factorisation per dataset. A dataset on which that path fails
(Fisher scoring does not converge, the Paule–Mandel root lies above the bracket) is handed to the scalar
estimator, which then applies its recorded fallback — so the results equal m separate ``rma`` fits, the
slow reference the tests compare against.

The algebra is that of :mod:`~lenvici.evidence.meta._linalg` (``P = W^½ (I − QQᵀ) W^½``): Viechtbauer W.
Confidence intervals for the amount of heterogeneity in meta-analysis. Stat Med 2007;26:37–52,
doi:10.1002/sim.2514, appendix.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.stats import chi2, f as f_dist, norm, t as t_dist

from lenvici.evidence.meta._brent import brent_many
from lenvici.evidence.meta.tau2 import Control, estimate_tau2, pm_upper_bound, scoring_step

__all__ = ["RegFits", "fit_many"]

_LOG_2PI = math.log(2.0 * math.pi)
_EPS = float(np.finfo(float).eps)


@dataclass(frozen=True)
class _Proj:
    """Stacked ``W^½ X = Q R`` for weights w (m, k)."""

    w: np.ndarray
    Q: np.ndarray
    R: np.ndarray
    h: np.ndarray

    def residual(self, y):
        sy = np.sqrt(self.w) * y
        return sy - np.einsum("mkp,mp->mk", self.Q, np.einsum("mkp,mk->mp", self.Q, sy))

    def rss(self, y):
        r = self.residual(y)
        return np.sum(r * r, axis=1)

    def rss_pp(self, y):
        r = self.residual(y)
        return np.sum(self.w * r * r, axis=1)

    def coef(self, y):
        qty = np.einsum("mkp,mk->mp", self.Q, np.sqrt(self.w) * y)
        return np.linalg.solve(self.R, qty[..., None])[..., 0]

    def cov(self):
        Rinv = np.linalg.inv(self.R)
        return Rinv @ np.swapaxes(Rinv, 1, 2)

    def logdet_xwx(self):
        d = np.abs(np.diagonal(self.R, axis1=1, axis2=2))
        return 2.0 * np.sum(np.log(d), axis=1)

    def tr_p(self):
        return np.sum(self.w * (1.0 - self.h), axis=1)

    def tr_mdmd(self, d1, d2):
        A = np.einsum("mki,mk,mkj->mij", self.Q, d1, self.Q)
        B = np.einsum("mki,mk,mkj->mij", self.Q, d2, self.Q)
        return (np.sum(d1 * d2, axis=1) - 2.0 * np.sum(d1 * d2 * self.h, axis=1)
                + np.einsum("mij,mji->m", A, B))

    def tr_pp(self):
        return self.tr_mdmd(self.w, self.w)


def _project(X, w) -> _Proj:
    Q, R = np.linalg.qr(np.sqrt(w)[..., None] * X)
    return _Proj(w=w, Q=Q, R=R, h=np.sum(Q * Q, axis=2))


def _he_raw(yc, v, X):
    k, p = X.shape[1:]
    pr = _project(X, np.ones_like(v))
    return (pr.rss(yc) - np.sum(v * (1.0 - pr.h), axis=1)) / (k - p)


def _loglik(method, yc, v, X, t):
    k, p = X.shape[1:]
    pr = _project(X, 1.0 / (v + t[:, None]))
    base = -0.5 * np.sum(np.log(v + t[:, None]), axis=1) - 0.5 * pr.rss(yc)
    if method == "ML":
        return -0.5 * k * _LOG_2PI + base
    return -0.5 * (k - p) * _LOG_2PI + base - 0.5 * pr.logdet_xwx()


def _scoring(method, yc, v, X, control: Control):
    """Fisher scoring on every lane; returns (τ², n_iter, ok) where ok=False hands the lane to the scalar
    estimator."""
    m, k, p = X.shape
    if control.tau2_init is None:
        t = np.maximum(np.maximum(0.0, _he_raw(yc, v, X)), control.tau2_min)
    else:
        t = np.full(m, float(control.tau2_init))
    n_iter = np.zeros(m, dtype=int)
    ok = np.ones(m, dtype=bool)
    active = np.ones(m, dtype=bool)
    while active.any():
        idx = np.flatnonzero(active)
        tt = t[idx]
        pr = _project(X[idx], 1.0 / (v[idx] + tt[:, None]))
        yi = yc[idx]
        if method == "ML":
            num, den = pr.rss_pp(yi) - np.sum(pr.w, axis=1), np.sum(pr.w * pr.w, axis=1)
        elif method == "REML":
            num, den = pr.rss_pp(yi) - pr.tr_p(), pr.tr_pp()
        else:
            num, den = pr.rss(yi) * k / (k - p) - k, np.sum(pr.w, axis=1)
        new, bad = scoring_step(tt, num, den, control)
        n_iter[idx] += 1
        change = np.abs(tt - new)
        t[idx] = new
        failed = bad | (n_iter[idx] > control.maxiter)
        ok[idx[failed]] = False
        active[idx[failed | (change <= control.threshold)]] = False
    if method in ("ML", "REML") and control.ll0check and ok.any():
        idx = np.flatnonzero(ok)
        ll0 = _loglik(method, yc[idx], v[idx], X[idx], np.zeros(idx.size))
        ll = _loglik(method, yc[idx], v[idx], X[idx], t[idx])
        zero = (ll0 - ll > control.tol) & (t[idx] > control.threshold)
        t[idx[zero]] = 0.0
    return np.maximum(control.tau2_min, t), n_iter, ok


def _pm(y, yc, v, X, control: Control):
    m, k, p = X.shape
    target = float(k - p)

    def qe(t, lanes):
        return _project(X[lanes], 1.0 / (v[lanes] + np.asarray(t)[:, None])).rss(yc[lanes])

    lanes = np.arange(m)
    lo = np.full(m, control.tau2_min)
    q_lo = qe(lo, lanes)
    t = lo.copy()
    n_iter = np.zeros(m, dtype=int)
    ok = np.ones(m, dtype=bool)
    search = np.flatnonzero(q_lo >= target)
    if search.size:
        hi = np.array([pm_upper_bound(y[i], control) for i in search])
        q_hi = qe(hi, search)
        inside = q_hi <= target
        ok[search[~inside]] = False  # root above the bracket: the scalar estimator widens it
        idx = search[inside]
        if idx.size:
            root, it, conv = brent_many(lambda x, sub: qe(x, idx[sub]) - target, lo[idx], hi[inside],
                                        q_lo[idx] - target, q_hi[inside] - target, tol=control.tol,
                                        maxiter=control.maxiter)
            t[idx], n_iter[idx] = root, it
            ok[idx[~conv]] = False
    return np.maximum(control.tau2_min, t), n_iter, ok


def _closed_form(method, yc, v, X, control: Control):
    m, k, p = X.shape
    tmin = control.tau2_min
    if method == "EE":
        return np.zeros(m)
    if method == "DL":
        pr = _project(X, 1.0 / v)
        return np.maximum(tmin, (pr.rss(yc) - (k - p)) / pr.tr_p())
    if method == "HS":
        w = 1.0 / v
        return np.maximum(tmin, (_project(X, w).rss(yc) - k) / np.sum(w, axis=1))
    if method == "HE":
        return np.maximum(tmin, _he_raw(yc, v, X))
    # SJ
    t0 = np.mean(yc * yc, axis=1) if control.tau2_init is None else np.full(m, float(control.tau2_init))
    pr = _project(X, 1.0 / (v + t0[:, None]))
    return np.maximum(tmin, t0 * pr.rss(yc) / (k - p))


@dataclass(frozen=True)
class RegFits:
    """Arrays over m fits: τ² (m,), coefficients (m, p), their covariance (m, p, p) — already scaled by
    ``s2w`` under Knapp–Hartung — and the tests; ``fallback`` marks lanes the scalar estimator finished."""

    tau2: np.ndarray
    coef: np.ndarray
    vcov: np.ndarray
    se: np.ndarray
    zval: np.ndarray
    pval: np.ndarray
    QM: np.ndarray
    QMp: np.ndarray
    QE: np.ndarray
    s2w: np.ndarray
    n_iter: np.ndarray
    converged: np.ndarray
    fallback: np.ndarray


def fit_many(y, v, X, method: str, test: str, control: Control, btt) -> RegFits:
    """Fit ``rma(y[i], v[i], mods=X[i], intercept=False, method, test)`` for every i at once.

    ``y``, ``v``: (m, k); ``X``: (m, k, p) of full rank; ``btt``: indices of the coefficients that QM tests.
    Inputs are trusted (validated by the public caller).
    """
    y = np.asarray(y, dtype=float)
    v = np.asarray(v, dtype=float)
    X = np.asarray(X, dtype=float)
    m, k, p = X.shape
    yc = y - y.mean(axis=1, keepdims=True)
    n_iter = np.zeros(m, dtype=int)
    ok = np.ones(m, dtype=bool)
    if method in ("ML", "REML", "EB"):
        tau2, n_iter, ok = _scoring(method, yc, v, X, control)
    elif method == "PM":
        tau2, n_iter, ok = _pm(y, yc, v, X, control)
    else:
        tau2 = _closed_form(method, yc, v, X, control)
    converged = np.ones(m, dtype=bool)
    fallback = np.zeros(m, dtype=bool)
    for i in np.flatnonzero(~ok):
        fit = estimate_tau2(method, y[i], v[i], X[i], control)
        tau2[i], n_iter[i], converged[i] = fit.tau2, fit.n_iter, fit.converged
        fallback[i] = fit.fallback is not None
    finite = np.isfinite(tau2)
    pr = _project(X, 1.0 / (v + np.where(finite, tau2, 0.0)[:, None]))
    coef = pr.coef(y)
    vb = pr.cov()
    s2w = np.ones(m)
    if test in ("knha", "adhoc"):
        rss = pr.rss(y)
        s2w = np.where(rss <= _EPS, 0.0, rss / (k - p))
        if test == "adhoc":
            s2w = np.maximum(1.0, s2w)
    vb = s2w[:, None, None] * vb
    se = np.sqrt(np.diagonal(vb, axis1=1, axis2=2))
    with np.errstate(divide="ignore", invalid="ignore"):
        zval = coef / se
    idx = list(btt)
    b = coef[:, idx]
    sub = vb[:, idx][:, :, idx]
    with np.errstate(divide="ignore", invalid="ignore"):
        try:
            qm = np.einsum("mi,mi->m", b, np.linalg.solve(sub, b[..., None])[..., 0])
        except np.linalg.LinAlgError:  # a singular block (s2w = 0): per lane, NaN where singular
            qm = np.array([_qm_one(b[i], sub[i]) for i in range(m)])
    if test in ("knha", "adhoc", "t"):
        ddf = k - p
        pval = 2 * t_dist.sf(np.abs(zval), ddf) if ddf > 0 else np.full((m, p), np.nan)
        qm = qm / len(idx)
        qmp = f_dist.sf(qm, len(idx), ddf) if ddf > 0 else np.full(m, np.nan)
    else:
        pval = 2 * norm.sf(np.abs(zval))
        qmp = chi2.sf(qm, len(idx))
    qe = np.maximum(0.0, _project(X, 1.0 / v).rss(yc)) if k > p else np.zeros(m)
    bad = ~finite
    if bad.any():
        for a in (coef, se, zval, pval):
            a[bad] = np.nan
        vb[bad] = np.nan
        qm[bad] = np.nan
        qmp[bad] = np.nan
    return RegFits(tau2=tau2, coef=coef, vcov=vb, se=se, zval=zval, pval=pval, QM=qm, QMp=qmp, QE=qe,
                   s2w=s2w, n_iter=n_iter, converged=converged & finite, fallback=fallback)


def _qm_one(b, sub) -> float:
    try:
        return float(b @ np.linalg.solve(sub, b))
    except np.linalg.LinAlgError:
        return math.nan
