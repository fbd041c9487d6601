"""Permutation tests of a random-/mixed-effects model, metafor's ``permutest``.

Under the null hypothesis of no effect, the sign of each outcome is arbitrary (pooled model) and the
assignment of moderator values to studies is arbitrary (meta-regression). The test statistics of the
observed data are compared with those of the data with flipped signs or permuted rows of the model
matrix, all refitted with the same estimator and test:

.. math::
   p_j = \\frac{\\#\\{b : |z_j^{(b)}| \\ge |z_j| - \\epsilon\\}}{B}, \\qquad
   p_{QM} = \\frac{\\#\\{b : QM^{(b)} \\ge QM - \\epsilon\\}}{B}

with ε = √(machine epsilon) as metafor's ``comptol``. When the number of distinct permutations (2^k sign
vectors; k!/∏ mᵣ! row orders for a model matrix with distinct rows repeated mᵣ times) does not exceed
``iter`` — or ``exact=True`` — all of them are enumerated and the test is exact; otherwise ``iter``
random permutations are drawn, the first being the observed data.

All refits are batched: the sign-flipped datasets go through
:func:`~lenvici.evidence.meta.batch.rma_many`, the permuted meta-regressions through the stacked fits of
:mod:`~lenvici.evidence.meta._batch_reg`, a chunk of permutations at a time.

References
----------
Follmann DA, Proschan MA. Valid inference in random effects meta-analysis. Biometrics 1999;55:732–737,
doi:10.1111/j.0006-341X.1999.00732.x (sign flips for the pooled effect).
Higgins JPT, Thompson SG. Controlling the risk of spurious findings from meta-regression. Stat Med
2004;23:1663–1682, doi:10.1002/sim.1752 (permuting moderators).
Viechtbauer W, López-López JA, Sánchez-Meca J, Marín-Martínez F. A comparison of procedures to test for
moderators in mixed-effects meta-regression models. Psychol Methods 2015;20:360–374,
doi:10.1037/met0000023.
"""

from __future__ import annotations

import math
import warnings
from typing import Iterator, Mapping

import numpy as np

from lenvici.errors import ConvergenceWarning, InputError
from lenvici.evidence.meta._batch_reg import fit_many
from lenvici.evidence.meta._validate import check_choice
from lenvici.evidence.meta.batch import rma_many
from lenvici.evidence.meta.diagnostic_results import PermutestResult
from lenvici.evidence.meta.diagnostics import _data, _settings
from lenvici.evidence.meta.model import _design, rma
from lenvici.evidence.meta.tau2 import Control

__all__ = ["MAX_EXACT", "permutest"]

#: Largest number of permutations an exact test will enumerate.
MAX_EXACT = 10_000_000
_COMPTOL = math.sqrt(float(np.finfo(float).eps))


def _rng(seed) -> tuple[np.random.Generator, int | None]:
    """A Generator and the integer seed that reproduces it (``None`` when a Generator was given)."""
    if isinstance(seed, np.random.Generator):
        return seed, None
    if seed is None:
        entropy = int(np.random.SeedSequence().entropy)
        return np.random.default_rng(entropy), entropy
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool) and seed >= 0:
        return np.random.default_rng(int(seed)), int(seed)
    raise InputError(f"'seed' must be a non-negative integer or a numpy Generator; got {seed!r}", "seed")


def _sign_chunks(k: int, exact: bool, n: int, rng, chunk: int) -> Iterator[np.ndarray]:
    """(c, k) arrays of ±1: all 2^k sign vectors, or n random ones with the first all +1."""
    for start in range(0, n, chunk):
        stop = min(n, start + chunk)
        if exact:
            codes = np.arange(start, stop, dtype=np.int64)
            bits = (codes[:, None] >> np.arange(k, dtype=np.int64)[None, :]) & 1
            yield 1.0 - 2.0 * bits
        else:
            signs = np.where(rng.random((stop - start, k)) < 0.5, -1.0, 1.0)
            if start == 0:
                signs[0] = 1.0
            yield signs


def _multiset_permutations(labels: np.ndarray, chunk: int) -> Iterator[np.ndarray]:
    """Every distinct ordering of ``labels`` once (lexicographic next permutation), in (c, k) chunks."""
    a = sorted(int(x) for x in labels)
    n = len(a)
    buf = []
    while True:
        buf.append(list(a))
        if len(buf) == chunk:
            yield np.array(buf)
            buf = []
        i = n - 2
        while i >= 0 and a[i] >= a[i + 1]:
            i -= 1
        if i < 0:
            break
        j = n - 1
        while a[j] <= a[i]:
            j -= 1
        a[i], a[j] = a[j], a[i]
        a[i + 1:] = reversed(a[i + 1:])
    if buf:
        yield np.array(buf)


def _row_chunks(X: np.ndarray, exact: bool, n: int, rng, chunk: int) -> Iterator[np.ndarray]:
    """(c, k, p) permuted model matrices: every distinct row order, or n random orders (first = observed)."""
    k = X.shape[0]
    if exact:
        rows, labels = np.unique(X, axis=0, return_inverse=True)
        for perms in _multiset_permutations(labels.reshape(-1), chunk):
            yield rows[perms]
        return
    for start in range(0, n, chunk):
        stop = min(n, start + chunk)
        perms = np.argsort(rng.random((stop - start, k)), axis=1)
        if start == 0:
            perms[0] = np.arange(k)
        yield X[perms]


def _n_orders(X: np.ndarray) -> int:
    """k! / ∏ mᵣ! — the number of distinct row orders of X."""
    _, counts = np.unique(X, axis=0, return_counts=True)
    total = math.factorial(X.shape[0])
    for c in counts:
        total //= math.factorial(int(c))
    return total


def _pvals(obs_z, obs_qm, z_perm, qm_perm, alternative: str, comptol: float) -> tuple[np.ndarray, float, int]:
    ok = np.isfinite(qm_perm)
    zp, qp = z_perm[ok], qm_perm[ok]
    if alternative == "two.sided":
        pval = np.mean(np.abs(zp) >= np.abs(obs_z)[None, :] - comptol, axis=0)
    elif alternative == "less":
        pval = np.mean(zp <= obs_z[None, :] + comptol, axis=0)
    else:
        pval = np.mean(zp >= obs_z[None, :] - comptol, axis=0)
    qmp = float(np.mean(qp >= obs_qm - comptol))
    return np.minimum(pval, 1.0), qmp, int(np.sum(~ok))


def permutest(yi, vi=None, *, sei=None, measure: str | None = None, ni=None, mods=None, intercept: bool = True,
              mod_names=None, btt=None, method: str = "REML", test: str = "z", level: float = 95,
              control: Control | Mapping | None = None, iter: int = 1000, exact: bool = False, seed=None,
              alternative: str = "two.sided", comptol: float = _COMPTOL,
              chunk_size: int = 20_000) -> PermutestResult:
    """Permutation test for the pooled effect (sign flips) or for moderators (permuted rows).

    Parameters
    ----------
    yi, vi, sei, measure, ni
        As for :func:`~lenvici.evidence.meta.rma`.
    mods, intercept, mod_names, btt
        The meta-regression, as for :func:`~lenvici.evidence.meta.rma` (``btt``: coefficients of the
        omnibus test). ``None``: the pooled model, tested by flipping signs.
    method, test, level, control
        As for :func:`~lenvici.evidence.meta.rma`; every permuted dataset is refitted with them.
    iter
        Number of random permutations (≥ 2), the observed data counting as the first. When the number of
        distinct permutations is at most ``iter`` the test is exact instead (metafor's rule).
    exact
        Enumerate all distinct permutations whatever their number (at most :data:`MAX_EXACT`).
    seed
        Integer seed or ``numpy.random.Generator`` for the random permutations; ``None`` draws fresh
        entropy and records it in the result, so the run can be repeated.
    alternative
        ``two.sided`` (|z|, default), ``less`` or ``greater`` for the coefficient tests; QM is one-sided.
    comptol
        Tolerance of the comparisons (metafor: √ε).
    chunk_size
        Permutations fitted per batch (memory, not results: the random stream does not depend on it).

    Returns
    -------
    PermutestResult

    Raises
    ------
    InputError
        Invalid data or settings; an exact test that would need more than :data:`MAX_EXACT` fits.

    Examples
    --------
    >>> y, v = [0.1, 0.3, 0.35, 0.65, -0.05], [0.02, 0.03, 0.025, 0.04, 0.05]
    >>> res = permutest(y, v, method="DL")  # 2^5 = 32 sign flips: exact
    >>> res.exact, res.iter, float(res.pval[0])
    (True, 32, 0.125)
    """
    y, v, measure, n, _ = _data(yi, vi, sei, measure, ni)
    method, test, alpha, control = _settings(method, test, level, control)
    if not (isinstance(iter, (int, np.integer)) and not isinstance(iter, bool) and iter >= 2):
        raise InputError(f"'iter' must be an integer >= 2; got {iter!r}", "iter")
    check_choice(alternative, "alternative", ("two.sided", "less", "greater"))
    if not (isinstance(comptol, (int, float)) and math.isfinite(comptol) and comptol >= 0):
        raise InputError(f"'comptol' must be a finite number >= 0; got {comptol!r}", "comptol")
    if not (isinstance(chunk_size, int) and chunk_size >= 1):
        raise InputError(f"'chunk_size' must be an integer >= 1; got {chunk_size!r}", "chunk_size")
    k = y.size
    X, names = _design(mods, k, intercept, mod_names)
    int_only = X.shape[1] == 1 and bool(np.all(X[:, 0] == 1))
    lev = 100 * (1 - alpha)
    settings = dict(method=method, test=test, level=lev, control=control, tau2_ci=False)
    if int_only:
        if k < 2:
            raise InputError(f"a permutation test needs at least 2 studies; got k={k}", "yi")
        obs = rma(y, v, **settings)
        coef, se, zval = np.array([obs.estimate]), np.array([obs.se]), np.array([obs.zval])
        ci_lb, ci_ub = np.array([obs.ci_lb]), np.array([obs.ci_ub])
        qm = float(obs.zval ** 2)
        qmdf = (1, obs.ddf)
        btt_idx, names = (0,), ("intrcpt",)
        n_exact = 2 ** k
    else:
        obs = rma(y, v, mods=mods, intercept=intercept, mod_names=mod_names, btt=btt, **settings)
        coef, se, zval, ci_lb, ci_ub = obs.coef, obs.se, obs.zval, obs.ci_lb, obs.ci_ub
        qm, qmdf, btt_idx, names = obs.QM, obs.QMdf, obs.btt, obs.names
        n_exact = _n_orders(X)
    use_exact = bool(exact) or n_exact <= iter
    if use_exact and n_exact > MAX_EXACT:
        raise InputError(f"an exact test needs {n_exact} fits (more than {MAX_EXACT}); use exact=False and "
                         "a number of random permutations 'iter'", "exact")
    n_perm = n_exact if use_exact else int(iter)
    rng, seed_used = (None, None) if use_exact else _rng(seed)
    p = coef.size
    z_perm = np.empty((n_perm, p))
    b_perm = np.empty((n_perm, p))
    qm_perm = np.empty(n_perm)
    n_fallback = 0
    row = 0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if int_only:
            for signs in _sign_chunks(k, use_exact, n_perm, rng, chunk_size):
                c = signs.shape[0]
                res = rma_many(signs * y[None, :], np.broadcast_to(v, signs.shape), method, test=test,
                               level=lev, control=control)
                b_perm[row:row + c, 0] = res.estimate
                z_perm[row:row + c, 0] = res.zval
                qm_perm[row:row + c] = np.where(np.isfinite(res.tau2), res.zval ** 2, np.nan)
                n_fallback += int(np.sum(res.fallback))
                row += c
        else:
            for Xp in _row_chunks(X, use_exact, n_perm, rng, chunk_size):
                c = Xp.shape[0]
                fits = fit_many(np.broadcast_to(y, (c, k)), np.broadcast_to(v, (c, k)), Xp, method, test,
                                control, btt_idx)
                b_perm[row:row + c] = fits.coef
                z_perm[row:row + c] = fits.zval
                qm_perm[row:row + c] = np.where(np.isfinite(fits.tau2), fits.QM, np.nan)
                n_fallback += int(np.sum(fits.fallback))
                row += c
    if not use_exact:  # the first permutation is the observed data: its statistics are the model's
        b_perm[0], z_perm[0], qm_perm[0] = coef, zval, qm
    pval, qmp, n_failed = _pvals(zval, qm, z_perm, qm_perm, alternative, comptol)
    other = [w for w in caught if not issubclass(w.category, ConvergenceWarning)]
    for w in {str(w.message): w for w in other}.values():
        warnings.warn(str(w.message), w.category, stacklevel=2)
    if n_fallback or n_failed:
        warnings.warn(f"permutest: metafor's algorithm failed on {n_fallback + n_failed} of {n_perm} permuted "
                      f"datasets; {n_fallback} were finished by the safeguarded fallback, {n_failed} gave no fit "
                      "and are left out of the p-values", ConvergenceWarning, stacklevel=2)
    return PermutestResult(k=k, method=method, test=test, names=tuple(names), coef=coef, se=se, zval=zval,
                           ci_lb=ci_lb, ci_ub=ci_ub, pval=pval, QM=qm, QMdf=qmdf, QMp=qmp, btt=tuple(btt_idx),
                           iter=n_perm, exact=use_exact, exact_iter=n_exact, seed=seed_used, n_failed=n_failed,
                           n_fallback=n_fallback, comptol=float(comptol), zval_perm=z_perm, coef_perm=b_perm,
                           QM_perm=qm_perm)
