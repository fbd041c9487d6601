"""Brent's root finder, step for step as R's ``uniroot`` takes it, so that roots agree with metafor.

metafor finds the Paule–Mandel τ² and the Q-profile bounds with ``uniroot(tol=.Machine$double.eps^0.25)``,
which stops as soon as the bracket is narrower than about 1.2e-4. A root found by any other method (or the
same method with another tolerance) therefore differs from metafor's in the fourth or fifth decimal. To
agree to rounding error we take exactly Brent's steps — the same mixture of bisection, secant and inverse
quadratic interpolation, the same acceptance tests and the same minimum step — from the same bracket.

References
----------
Brent RP. *Algorithms for Minimization without Derivatives.* Englewood Cliffs: Prentice-Hall; 1973,
chapter 4 ("An algorithm with guaranteed convergence for finding a zero of a function").
Forsythe GE, Malcolm MA, Moler CB. *Computer Methods for Mathematical Computations.* Prentice-Hall; 1977,
section 7.2 (the ``zeroin`` procedure that R's ``uniroot`` implements).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

__all__ = ["RootResult", "brent", "brent_many", "R_UNIROOT_TOL"]

#: R's default ``uniroot`` tolerance, ``.Machine$double.eps^0.25``.
R_UNIROOT_TOL = float(np.finfo(float).eps ** 0.25)
_EPS = float(np.finfo(float).eps)


@dataclass(frozen=True)
class RootResult:
    """A root and how it was found: ``converged`` is False when the iteration limit was reached."""

    root: float
    n_iter: int
    converged: bool


def _interpolation_step(a, b, c, fa, fb, fc, prev_step, tol_act):
    """Brent's interpolated step from b, or ``None`` to keep bisection (Brent 1973, §4.2)."""
    cb = c - b
    if a == c:  # two distinct points: secant
        s = fb / fa
        num = cb * s
        den = 1.0 - s
    else:  # three points: inverse quadratic interpolation
        qa = fa / fc
        r = fb / fc
        s = fb / fa
        num = s * (cb * qa * (qa - r) - (b - a) * (r - 1.0))
        den = (qa - 1.0) * (r - 1.0) * (s - 1.0)
    if num > 0:
        den = -den
    else:
        num = -num
    # accept only if b + num/den falls inside [b, c] and shrinks faster than the step before last
    if num < (0.75 * cb * den - abs(tol_act * den) / 2) and num < abs(prev_step * den / 2):
        return num / den
    return None


def brent(f: Callable[[float], float], lower: float, upper: float, f_lower: float, f_upper: float,
          tol: float = R_UNIROOT_TOL, maxiter: int = 1000) -> RootResult:
    """A zero of ``f`` in ``[lower, upper]``, where ``f_lower`` and ``f_upper`` differ in sign (or one is 0).

    Parameters
    ----------
    f
        The function; called once per iteration.
    lower, upper
        The bracket.
    f_lower, f_upper
        ``f(lower)`` and ``f(upper)``, already computed (as R's ``uniroot`` passes them).
    tol
        Absolute tolerance; the search stops once half the bracket is below ``2·eps·|b| + tol/2``.
    maxiter
        Iteration limit, counted as R counts it.

    Returns
    -------
    RootResult
    """
    a, b, fa, fb = float(lower), float(upper), float(f_lower), float(f_upper)
    c, fc = a, fa
    if fa == 0.0:
        return RootResult(a, 0, True)
    if fb == 0.0:
        return RootResult(b, 0, True)
    for it in range(1, maxiter + 2):
        prev_step = b - a
        if abs(fc) < abs(fb):  # keep b the best approximation so far
            a, b, c = b, c, b
            fa, fb, fc = fb, fc, fb
        tol_act = 2 * _EPS * abs(b) + tol / 2
        step = (c - b) / 2
        if abs(step) <= tol_act or fb == 0.0:
            return RootResult(b, it - 1, True)
        if abs(prev_step) >= tol_act and abs(fa) > abs(fb):
            interp = _interpolation_step(a, b, c, fa, fb, fc, prev_step, tol_act)
            if interp is not None:
                step = interp
        if abs(step) < tol_act:
            step = tol_act if step > 0 else -tol_act
        a, fa = b, fb
        b = b + step
        fb = float(f(b))
        if (fb > 0 and fc > 0) or (fb < 0 and fc < 0):
            c, fc = a, fa
    return RootResult(b, maxiter, False)


def brent_many(f: Callable[[np.ndarray, np.ndarray], np.ndarray], lower: np.ndarray, upper: np.ndarray,
               f_lower: np.ndarray, f_upper: np.ndarray, tol: float = R_UNIROOT_TOL,
               maxiter: int = 1000) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`brent` on many independent brackets at once, each lane taking exactly the scalar steps.

    ``f(x, lanes)`` evaluates the function of the lanes ``lanes`` (an index array) at ``x`` (same length).
    Returns ``(root, n_iter, converged)`` arrays.
    """
    a = np.asarray(lower, dtype=float).copy()
    b = np.asarray(upper, dtype=float).copy()
    fa = np.asarray(f_lower, dtype=float).copy()
    fb = np.asarray(f_upper, dtype=float).copy()
    c, fc = a.copy(), fa.copy()
    m = a.size
    root = np.full(m, np.nan)
    n_iter = np.zeros(m, dtype=int)
    done = np.zeros(m, dtype=bool)
    at_a = fa == 0.0
    root[at_a] = a[at_a]
    done |= at_a
    at_b = ~done & (fb == 0.0)
    root[at_b] = b[at_b]
    done |= at_b
    for it in range(1, maxiter + 2):
        act = np.flatnonzero(~done)
        if act.size == 0:
            break
        A, B, C, FA, FB, FC = a[act], b[act], c[act], fa[act], fb[act], fc[act]
        prev_step = B - A
        swap = np.abs(FC) < np.abs(FB)
        A = np.where(swap, B, A)
        B, C = np.where(swap, C, B), np.where(swap, A, C)  # A already holds old B where swapped
        FA = np.where(swap, FB, FA)
        FB, FC = np.where(swap, FC, FB), np.where(swap, FA, FC)
        tol_act = 2 * _EPS * np.abs(B) + tol / 2
        step = (C - B) / 2
        fin = (np.abs(step) <= tol_act) | (FB == 0.0)
        if fin.any():
            idx = act[fin]
            root[idx] = B[fin]
            n_iter[idx] = it - 1
            done[idx] = True
        try_interp = ~fin & (np.abs(prev_step) >= tol_act) & (np.abs(FA) > np.abs(FB))
        if try_interp.any():
            with np.errstate(divide="ignore", invalid="ignore"):
                cb = C - B
                two = A == C
                s = FB / FA
                qa = FA / FC
                r = FB / FC
                num = np.where(two, cb * s, s * (cb * qa * (qa - r) - (B - A) * (r - 1.0)))
                den = np.where(two, 1.0 - s, (qa - 1.0) * (r - 1.0) * (s - 1.0))
                pos = num > 0
                den = np.where(pos, -den, den)
                num = np.where(pos, num, -num)
                ok = try_interp & (num < (0.75 * cb * den - np.abs(tol_act * den) / 2)) \
                    & (num < np.abs(prev_step * den / 2))
                step = np.where(ok, num / den, step)
        small = np.abs(step) < tol_act
        step = np.where(small, np.where(step > 0, tol_act, -tol_act), step)
        live = ~fin
        A_new = np.where(live, B, A)
        FA_new = np.where(live, FB, FA)
        B_new = np.where(live, B + step, B)
        FB_new = FB.copy()
        if live.any():
            FB_new[live] = np.asarray(f(B_new[live], act[live]), dtype=float)
        flip = live & (((FB_new > 0) & (FC > 0)) | ((FB_new < 0) & (FC < 0)))
        C = np.where(flip, A_new, C)
        FC = np.where(flip, FA_new, FC)
        a[act], b[act], c[act] = A_new, B_new, C
        fa[act], fb[act], fc[act] = FA_new, FB_new, FC
    left = ~done
    root[left] = b[left]
    n_iter[left] = maxiter
    return root, n_iter, ~left
