"""Integrals of exponentials that the exact modal solver needs, evaluated without cancellation.

All three are divided differences of f(x) = exp(h x) (Opitz; see Higham, *Functions of Matrices*, SIAM 2008,
section 10.6), for rates a, b <= 0 (decay rate constants with a minus sign) and elapsed times h >= 0:

- ``phi1(a, h)  = (e^{ah} - 1) / a = integral_0^h e^{a u} du``                     f[a, 0]
- ``dd1(a, b, h) = (e^{ah} - e^{bh}) / (a - b) = integral_0^h e^{a(h-u)} e^{b u} du``  f[a, b]
- ``dd2z(a, b, h) = integral_0^h e^{a(h-u)} phi1(b, u) du``                         f[a, b, 0]

The closed forms lose accuracy when the nodes nearly coincide (an absorption rate constant close to a disposition
eigenvalue, or a very short step); each function switches to a form that does not: ``expm1`` for the first two, a
power series for the third.
"""

from __future__ import annotations

import numpy as np

__all__ = ["phi1", "dd1", "dd2z"]

_SERIES_LIMIT = 0.5
_SERIES_TERMS = 18


def phi1(a, h):
    """(e^{ah} - 1) / a, equal to h when a = 0."""
    a, h = np.broadcast_arrays(np.asarray(a, float), np.asarray(h, float))
    y = a * h
    small = y == 0
    ratio = np.where(small, 1.0, np.expm1(y) / np.where(small, 1.0, y))
    return h * ratio


def dd1(a, b, h):
    """(e^{ah} - e^{bh}) / (a - b), equal to h e^{ah} when a = b."""
    a, b, h = np.broadcast_arrays(np.asarray(a, float), np.asarray(b, float), np.asarray(h, float))
    top = np.maximum(a, b)
    x = np.abs(a - b) * h
    small = x == 0
    psi = np.where(small, 1.0, -np.expm1(-x) / np.where(small, 1.0, x))
    return h * np.exp(top * h) * psi


def dd2z(a, b, h):
    """The second divided difference of e^{hx} at the nodes a, b, 0 (a, b <= 0)."""
    a, b, h = np.broadcast_arrays(np.asarray(a, float), np.asarray(b, float), np.asarray(h, float))
    lo = np.minimum(a, b)
    mid = np.maximum(a, b)
    zero = h == 0
    use_series = (np.abs(lo) * h < _SERIES_LIMIT) & ~zero
    far = ~use_series & ~zero
    if not np.any(use_series):
        # closed form, nodes well separated from 0: (f[0, mid] - f[mid, lo]) / (0 - lo)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(zero, 0.0, (phi1(mid, h) - dd1(mid, lo, h)) / (-lo))
    out = np.zeros_like(h)
    if np.any(far):
        out[far] = (phi1(mid[far], h[far]) - dd1(mid[far], lo[far], h[far])) / (-lo[far])
    if np.any(use_series):
        # f[a, b, 0] = h^2 sum_k H_k(ah, bh) / (k + 2)!, with H_k the complete homogeneous polynomial of degree k
        x = a[use_series] * h[use_series]
        y = b[use_series] * h[use_series]
        term_h = np.ones_like(x)  # H_0
        y_pow = np.ones_like(y)
        total = term_h / 2.0
        factorial = 2.0
        for k in range(1, _SERIES_TERMS):
            y_pow = y_pow * y
            term_h = x * term_h + y_pow
            factorial *= k + 2
            total = total + term_h / factorial
        out[use_series] = h[use_series] ** 2 * total
    return out
