"""The binomial-normal generalised linear mixed model for proportions, metafor's
``rma.glmm(measure="PLO", method="ML")``:

.. math::
   x_i \\sim \\mathrm{Binomial}(n_i, p_i), \\qquad \\mathrm{logit}(p_i) = \\beta + \\theta u_i, \\qquad
   u_i \\sim N(0, 1), \\qquad \\tau^2 = \\theta^2,

fitted by maximum likelihood, each study's integral over uᵢ approximated by adaptive Gauss–Hermite
quadrature with q nodes centred at the conditional mode ûᵢ and scaled by σ̂ᵢ = (θ² nᵢ p̂ᵢ(1 − p̂ᵢ) + 1)^−½:

.. math::
   \\log L_i \\approx \\log\\Big(\\sqrt{2}\\,\\hat\\sigma_i \\sum_{j=1}^{q} w_j e^{t_j^2}
   f_i(\\hat u_i + \\sqrt{2}\\,\\hat\\sigma_i t_j)\\Big)

(tⱼ, wⱼ the Gauss–Hermite rule for e^{−t²}; f the binomial likelihood times the N(0, 1) density). q = 1 is
the Laplace approximation. metafor passes ``nAGQ = 7`` to ``lme4::glmer`` by default, so ``nagq=7`` is the
default here; lme4's ``glmer`` default (``nAGQ = 1``) is ``nagq=1``. The SE of β̂ is the β entry of the
inverse observed information of (β, θ), as lme4's ``vcov`` takes it from the Hessian of the deviance.

Where lme4 stops its optimiser early (the fixture's note: agreement to ~1e-4 is expected), this module
maximises the same approximate likelihood to ~1e-10 (a bounded quasi-Newton search polished by Newton
steps on central-difference derivatives), so it agrees with ``glmer`` refitted at tight tolerances.

The heterogeneity tests are metafor's: the Wald and likelihood-ratio tests of the saturated logistic model
(one logit per study) against the equal-effects one, fitted by iteratively reweighted least squares step for
step as R's ``glm.fit`` (start (nᵢyᵢ + ½)/(nᵢ + 1), stop when the relative change in deviance is below
1e-8), which matters for studies with xᵢ = 0 or xᵢ = nᵢ whose saturated logits diverge. I² and H² use the
typical within-study variance of the ``PLO`` outcomes (with metafor's ½ continuity correction).

References
----------
Hamza TH, van Houwelingen HC, Stijnen T. The binomial distribution of meta-analysis was preferred to model
within-study variability. J Clin Epidemiol 2008;61:41–51, doi:10.1016/j.jclinepi.2007.03.016.
Stijnen T, Hamza TH, Özdemir P. Random effects meta-analysis of event outcome in the framework of the
generalized linear mixed model with applications in sparse data. Stat Med 2010;29:3046–3067,
doi:10.1002/sim.4040.
Pinheiro JC, Bates DM. Approximations to the log-likelihood function in the nonlinear mixed-effects model.
J Comput Graph Stat 1995;4:12–35, doi:10.1080/10618600.1995.10474663 (adaptive Gauss–Hermite quadrature).
Bates D, Mächler M, Bolker B, Walker S. Fitting linear mixed-effects models using lme4. J Stat Softw
2015;67(1):1–48, doi:10.18637/jss.v067.i01.
"""

from __future__ import annotations

import math
import warnings
from typing import Callable

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit, gammaln, logsumexp
from scipy.stats import chi2, norm, t as t_dist

from lenvici.errors import ConvergenceWarning, InputError
from lenvici.evidence.meta._validate import check_choice, check_level
from lenvici.evidence.meta.diagnostic_results import GlmmResult
from lenvici.evidence.meta.effects import proportion
from lenvici.evidence.meta.result import Transformed
from lenvici.evidence.meta.transforms import ilogit

__all__ = ["GLMM_MEASURES", "rma_glmm"]

#: Outcome measures of :func:`rma_glmm`.
GLMM_MEASURES = ("PLO",)

_EPS = float(np.finfo(float).eps)
_THRESH = 30.0  # R's logit link clamps |eta| > 30
_LOG_2PI = math.log(2.0 * math.pi)


# ---------------------------------------------------------------------------------------------------
# R's glm.fit for the binomial family with the logit link

def _linkinv(eta):
    tmp = np.where(eta < -_THRESH, _EPS, np.where(eta > _THRESH, 1.0 / _EPS, np.exp(np.clip(eta, -_THRESH, _THRESH))))
    return tmp / (1.0 + tmp)


def _mu_eta(eta):
    e = np.exp(np.clip(eta, -_THRESH, _THRESH))
    return np.where(np.abs(eta) > _THRESH, _EPS, e / (1.0 + e) ** 2)


def _ylogy(y, mu):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(y != 0, y * np.log(y / mu), 0.0)


def _deviance(y, mu, wt) -> float:
    return float(np.sum(2.0 * wt * (_ylogy(y, mu) + _ylogy(1.0 - y, 1.0 - mu))))


def _glm_binomial(x, n, D, epsilon: float = 1e-8, maxit: int = 25):
    """IRLS as ``glm.fit(family=binomial)``; returns (coef, weights of the last solve, deviance, converged)."""
    y = x / n
    mu = (n * y + 0.5) / (n + 1.0)
    eta = np.log(mu / (1.0 - mu))
    mu = _linkinv(eta)
    devold = _deviance(y, mu, n)
    coef = np.zeros(D.shape[1])
    W = np.ones_like(y)
    converged = False
    for _ in range(maxit):
        me = _mu_eta(eta)
        z = eta + (y - mu) / me
        W = n * me * me / (mu * (1.0 - mu))
        sw = np.sqrt(W)
        coef = np.linalg.lstsq(D * sw[:, None], z * sw, rcond=None)[0]
        eta = D @ coef
        mu = _linkinv(eta)
        dev = _deviance(y, mu, n)
        if abs(dev - devold) / (abs(dev) + 0.1) < epsilon:
            converged = True
            break
        devold = dev
    return coef, W, dev, converged


def _heterogeneity(x, n) -> tuple[float, float, float, float, bool, float, float, float]:
    """metafor's Wald and LR tests of the saturated against the equal-effects logistic model, and the FE
    fit: (QE_Wld, QEp_Wld, QE_LRT, QEp_LRT, converged, fe_coef, fe_var, fe_dev)."""
    k = x.size
    b_fe, W_fe, dev_fe, conv_fe = _glm_binomial(x, n, np.ones((k, 1)))
    fe_var = 1.0 / float(np.sum(W_fe))
    if k < 2:
        return math.nan, math.nan, math.nan, math.nan, conv_fe, float(b_fe[0]), fe_var, dev_fe
    eta, W, dev_qe, conv_qe = _glm_binomial(x, n, np.eye(k))
    centre = np.sum(W * eta) / np.sum(W)
    wld = max(0.0, float(np.sum(W * (eta - centre) ** 2)))
    lrt = max(0.0, dev_fe - dev_qe)
    return (wld, float(chi2.sf(wld, k - 1)), lrt, float(chi2.sf(lrt, k - 1)), conv_fe and conv_qe,
            float(b_fe[0]), fe_var, dev_fe)


# ---------------------------------------------------------------------------------------------------
# the approximate marginal likelihood

def _modes(beta, theta, x, n, u0):
    """Conditional modes ûᵢ: roots of θ(xᵢ − nᵢ expit(β + θu)) − u by bracketed Newton steps."""
    lo, hi = theta * (x - n), theta * x
    u = np.clip(u0, lo, hi)
    for _ in range(200):
        mu = expit(beta + theta * u)
        g = theta * (x - n * mu) - u
        lo = np.where(g > 0, u, lo)
        hi = np.where(g < 0, u, hi)
        step = g / (theta * theta * n * mu * (1.0 - mu) + 1.0)
        new = u + step
        outside = (new <= lo) | (new >= hi)
        new = np.where(outside & (hi > lo), 0.5 * (lo + hi), new)
        done = np.all(np.abs(new - u) <= 1e-14 * (1.0 + np.abs(u)))
        u = new
        if done:
            break
    return u


class _Likelihood:
    """log L(β, θ) by adaptive Gauss–Hermite quadrature with q nodes, remembering the last modes."""

    def __init__(self, x, n, nagq: int):
        self.x, self.n = x, n
        self.const = gammaln(n + 1) - gammaln(x + 1) - gammaln(n - x + 1)
        t, w = np.polynomial.hermite.hermgauss(nagq)
        self.t, self.logw = t, np.log(w) + t * t
        self.u = np.zeros_like(x)

    def __call__(self, beta: float, theta: float) -> float:
        x, n = self.x, self.n
        if theta == 0.0:
            eta = np.full_like(x, beta)
            return float(np.sum(self.const + x * eta - n * np.logaddexp(0.0, eta)))
        u = _modes(beta, theta, x, n, self.u)
        self.u = u
        mu = expit(beta + theta * u)
        s = 1.0 / np.sqrt(theta * theta * n * mu * (1.0 - mu) + 1.0)
        uu = u[:, None] + math.sqrt(2.0) * s[:, None] * self.t[None, :]
        eta = beta + theta * uu
        lf = (self.const[:, None] + x[:, None] * eta - n[:, None] * np.logaddexp(0.0, eta) - 0.5 * uu * uu
              - 0.5 * _LOG_2PI)
        return float(np.sum(np.log(math.sqrt(2.0) * s) + logsumexp(lf + self.logw[None, :], axis=1)))


def _derivatives(f: Callable[[np.ndarray], float], p: np.ndarray, h: np.ndarray):
    """Central-difference gradient and Hessian of f at p with steps h."""
    d = p.size
    g = np.empty(d)
    H = np.empty((d, d))
    f0 = f(p)
    for i in range(d):
        e = np.zeros(d)
        e[i] = h[i]
        fp, fm = f(p + e), f(p - e)
        g[i] = (fp - fm) / (2 * h[i])
        H[i, i] = (fp - 2 * f0 + fm) / h[i] ** 2
        for j in range(i):
            ej = np.zeros(d)
            ej[j] = h[j]
            H[i, j] = H[j, i] = (f(p + e + ej) - f(p + e - ej) - f(p - e + ej) + f(p - e - ej)) / (4 * h[i] * h[j])
    return g, H


def _hessian(f: Callable[[np.ndarray], float], p: np.ndarray) -> np.ndarray:
    """The Hessian by central differences, Richardson-extrapolated from steps h and h/2 (h = 4e-4, scaled):
    truncation error O(h⁴), rounding error ~1e-8 relative for log-likelihoods of order 10–100."""
    h = 4e-4 * np.maximum(1.0, np.abs(p))
    return (4.0 * _derivatives(f, p, h / 2)[1] - _derivatives(f, p, h)[1]) / 3.0


def _embed(q: np.ndarray, p: np.ndarray, free: np.ndarray) -> np.ndarray:
    out = p.copy()
    out[free] = q
    return out


def _newton(negll, p: np.ndarray, free: np.ndarray, tol: float, maxiter: int):
    """Newton steps on the free parameters with central-difference derivatives, halving a step that does not
    lower the objective and keeping θ ≥ 0. Converged when the relative step is below ``tol`` or the Newton
    decrement gᵀH⁻¹g (twice the objective still to gain) is below 1e-17·|f|, the rounding floor of the
    differences; not converged where the Hessian is not positive definite, e.g. when the estimate runs off to
    infinity (all events zero). Returns (p, steps, converged)."""
    p = p.copy()

    def f(q):
        return negll(_embed(q, p, free))

    q = p[free]
    fq = f(q)
    for it in range(1, maxiter + 1):
        g, H = _derivatives(f, q, 1e-5 * np.maximum(1.0, np.abs(q)))
        if not (np.all(np.isfinite(H)) and np.all(np.isfinite(g))):
            return _embed(q, p, free), it, False
        try:
            if np.any(np.linalg.eigvalsh(H) <= 0):
                return _embed(q, p, free), it, False
            step = -np.linalg.solve(H, g)
        except np.linalg.LinAlgError:
            return _embed(q, p, free), it, False
        if -float(g @ step) <= 1e-17 * max(1.0, abs(fq)):  # Newton decrement at the noise floor of the
            return _embed(q, p, free), it, True  # differences: flat directions cannot be pinned down further
        if free[1] and q[-1] + step[-1] < 0:  # keep θ inside its bound
            step *= 0.5 * q[-1] / -step[-1]
        for _ in range(40):
            new = q + step
            f_new = f(new)
            if f_new <= fq + 1e-12 * max(1.0, abs(fq)):
                break
            step = step / 2
        q, fq = new, f_new
        if np.all(np.abs(step) <= tol * np.maximum(1.0, np.abs(q))):
            return _embed(q, p, free), it, True
    return _embed(q, p, free), maxiter, False


def _fit_ml(x, n, nagq: int, start: tuple[float, float], tol: float, maxiter: int):
    """(β̂, θ̂, Var(β̂), log L, iterations, converged)."""
    lik = _Likelihood(x, n, nagq)

    def negll(p):
        return -lik(float(p[0]), max(0.0, float(p[1])))

    opt = minimize(negll, np.array(start), method="L-BFGS-B", bounds=[(None, None), (0.0, None)],
                   options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 1000})
    p = np.array(opt.x, dtype=float)
    n_iter = int(opt.nit)
    boundary = p[1] <= 1e-6
    if boundary:  # θ = 0 is always stationary (log L is even in θ): is it a maximum?
        _, H = _derivatives(negll, np.array([p[0], 0.0]), np.array([1e-4, 1e-3]))
        if H[1, 1] < 0:
            opt = minimize(negll, np.array([p[0], 1.0]), method="L-BFGS-B", bounds=[(None, None), (0.0, None)],
                           options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 1000})
            p = np.array(opt.x, dtype=float)
            n_iter += int(opt.nit)
            boundary = p[1] <= 1e-6
    if boundary:
        p[1] = 0.0
        free = np.array([True, False])
    else:
        free = np.array([True, True])
    p, steps, converged = _newton(negll, p, free, tol, maxiter)
    n_iter += steps
    var_b = math.nan
    try:
        H = _hessian(lambda q: negll(_embed(q, p, free)), p[free])
        if np.all(np.isfinite(H)) and np.all(np.linalg.eigvalsh(H) > 0):
            var_b = float(np.linalg.inv(H)[0, 0])
        else:
            converged = False
    except np.linalg.LinAlgError:
        converged = False
    return float(p[0]), float(p[1]), var_b, -negll(p), n_iter, converged


def rma_glmm(xi, ni, *, measure: str = "PLO", method: str = "ML", nagq: int = 7, test: str = "z",
             level: float = 95, tol: float = 1e-10, maxiter: int = 100) -> GlmmResult:
    """Binomial-normal random-effects model for proportions by maximum likelihood (metafor's ``rma.glmm``).

    Parameters
    ----------
    xi, ni
        Events and sample sizes per study (whole numbers, 0 ≤ xᵢ ≤ nᵢ, nᵢ > 0); at least 2 studies for
        ``ML``. Studies with xᵢ = 0 or xᵢ = nᵢ need no correction.
    measure
        ``PLO`` (logit link), the only one offered.
    method
        ``ML`` (random effects; default) or ``EE`` (equal effects: logistic regression; also ``FE``/``CE``).
    nagq
        Nodes of the adaptive Gauss–Hermite quadrature (1 = Laplace, lme4's ``glmer`` default; metafor's
        default is 7).
    test
        ``z`` or ``t`` (t with k − 1 df), as ``rma.glmm``.
    level
        Confidence level in percent (or as a proportion).
    tol, maxiter
        Stopping rule of the Newton polish: relative step below ``tol`` (or a Newton decrement at the
        rounding floor), at most ``maxiter`` steps.

    Returns
    -------
    GlmmResult

    Raises
    ------
    InputError
        Invalid counts, unknown measure/method/test, k < 2 for ``ML``, ``nagq`` < 1.

    Examples
    --------
    >>> res = rma_glmm([16, 10, 4, 43, 10, 25], [17, 12, 8, 58, 10, 42])
    >>> round(res.estimate, 3), round(res.tau2, 3), round(res.transformed.estimate, 3)
    (1.318, 0.643, 0.789)
    """
    check_choice(measure, "measure", GLMM_MEASURES)
    if not isinstance(method, str):
        raise InputError(f"'method' must be one of ML, EE; got {method!r}", "method")
    method = {"FE": "EE", "CE": "EE"}.get(method.upper(), method.upper())
    check_choice(method, "method", ("ML", "EE"))
    check_choice(test, "test", ("z", "t"))
    if not (isinstance(nagq, (int, np.integer)) and not isinstance(nagq, bool) and nagq >= 1):
        raise InputError(f"'nagq' must be an integer >= 1; got {nagq!r}", "nagq")
    if not (isinstance(tol, (int, float)) and math.isfinite(tol) and tol > 0):
        raise InputError(f"'tol' must be a number > 0; got {tol!r}", "tol")
    if not (isinstance(maxiter, int) and maxiter >= 1):
        raise InputError(f"'maxiter' must be an integer >= 1; got {maxiter!r}", "maxiter")
    alpha = check_level(level)
    es = proportion(xi, ni, "PLO")  # validates the counts; its vi give the typical variance
    x = np.asarray(xi, dtype=float).reshape(-1)
    n = np.asarray(es.ni, dtype=float)
    k = x.size
    if method == "ML" and k < 2:
        raise InputError(f"the random-effects GLMM needs at least 2 studies; got k={k}", "xi")
    w = 1.0 / np.asarray(es.vi, dtype=float)
    vt = (k - 1) / (np.sum(w) - np.sum(w * w) / np.sum(w)) if k > 1 else 0.0
    qe_w, qep_w, qe_l, qep_l, het_conv, b_fe, v_fe, _ = _heterogeneity(x, n)
    messages: list[str] = []
    if not het_conv:
        messages.append("glm: IRLS for the heterogeneity tests did not converge in 25 iterations (as R warns)")
    if method == "EE":
        beta, var_b, tau2 = b_fe, v_fe, 0.0
        lik = _Likelihood(x, n, 1)
        loglik, n_iter, converged = lik(beta, 0.0), 0, het_conv
    else:
        es_y = np.asarray(es.yi, dtype=float)
        dl = max(0.0, (np.sum(w * (es_y - np.sum(w * es_y) / np.sum(w)) ** 2) - (k - 1))
                 / (np.sum(w) - np.sum(w * w) / np.sum(w)))
        start = (b_fe, math.sqrt(dl) if dl > 0 else 0.5)
        beta, theta, var_b, loglik, n_iter, converged = _fit_ml(x, n, int(nagq), start, tol, maxiter)
        tau2 = theta * theta
        if not converged:
            text = (f"rma_glmm: the ML fit did not converge (Newton polish stopped after {n_iter} steps in all, "
                    f"maxiter={maxiter}, or the Hessian is not positive definite — as when every study has xi = 0 "
                    "or every study xi = ni and the estimate is infinite); the SE is NaN if the Hessian failed")
            messages.append(text)
            warnings.warn(text, ConvergenceWarning, stacklevel=2)
    se = math.sqrt(var_b) if var_b >= 0 else math.nan
    zval = beta / se
    if test == "t":
        ddf = k - 1
        pval = float(2 * t_dist.sf(abs(zval), ddf)) if ddf > 0 else math.nan
        crit = float(t_dist.isf(alpha / 2, ddf)) if ddf > 0 else math.nan
        ci_method = "Wald-type, t(k-1) quantile"
    else:
        pval = float(2 * norm.sf(abs(zval)))
        crit = float(norm.isf(alpha / 2))
        ci_method = "Wald-type, normal quantile"
    pse = math.sqrt(se * se + tau2)
    vals = [beta, beta - crit * se, beta + crit * se, beta - crit * pse, beta + crit * pse]
    tr = ilogit(np.array(vals))
    transformed = Transformed("ilogit", float(tr[0]), float(tr[1]), float(tr[2]), float(tr[3]), float(tr[4]))
    return GlmmResult(k=k, measure=measure, method=method, nagq=int(nagq) if method == "ML" else 1, test=test,
                      level=100 * (1 - alpha), estimate=beta, se=se, zval=zval, pval=pval, ci_lb=vals[1],
                      ci_ub=vals[2], pi_lb=vals[3], pi_ub=vals[4], tau2=tau2, I2=100 * tau2 / (vt + tau2),
                      H2=tau2 / vt + 1 if vt > 0 else 1.0, vt=vt, QE_Wld=qe_w, QEp_Wld=qep_w, QE_LRT=qe_l,
                      QEp_LRT=qep_l, QE_df=k - 1, loglik=loglik, n_iter=n_iter, converged=converged,
                      ci_method=ci_method, transformed=transformed, warnings=tuple(messages))
