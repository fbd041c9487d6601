"""The divided differences of exponentials behind the exact solver, against independent evaluations."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import quad

from lenvici.sim.pk._expfuncs import dd1, dd2z, phi1


def _cases():
    rng = np.random.default_rng(20240501)
    cases = []
    for _ in range(60):
        a = -(10 ** rng.uniform(-3, 2))
        if rng.random() < 0.5:
            b = a * (1 + 10 ** rng.uniform(-10, -1) * rng.choice([-1, 1]))  # nearly coincident rates
        else:
            b = -(10 ** rng.uniform(-3, 2))
        h = 10 ** rng.uniform(-4, 1)
        cases.append((a, min(b, 0.0), h))
    return cases


@pytest.mark.parametrize("a, b, h", _cases())
def test_against_quadrature(a, b, h):
    """Definitions as integrals, by adaptive quadrature (relative 1e-10)."""
    np.testing.assert_allclose(phi1(a, h), quad(lambda u: np.exp(a * u), 0, h, epsabs=0, epsrel=1e-13)[0],
                               rtol=1e-10)
    np.testing.assert_allclose(dd1(a, b, h), quad(lambda u: np.exp(a * (h - u) + b * u), 0, h, epsabs=0,
                                                  epsrel=1e-13)[0], rtol=1e-10)
    inner = lambda u: np.expm1(b * u) / b if b != 0 else u  # noqa: E731
    np.testing.assert_allclose(dd2z(a, b, h), quad(lambda u: np.exp(a * (h - u)) * inner(u), 0, h, epsabs=0,
                                                   epsrel=1e-13)[0], rtol=1e-10)


def test_high_precision_reference():
    mp = pytest.importorskip("mpmath")
    mp.mp.dps = 40
    worst = 0.0
    for a, b, h in _cases():
        A, B, H = mp.mpf(a), mp.mpf(b), mp.mpf(h)
        exact = (mp.expm1(A * H) / A - mp.expm1(B * H) / B) / (A - B) if A != B else None
        if exact is None or exact == 0:
            continue
        worst = max(worst, float(abs((mp.mpf(float(dd2z(a, b, h))) - exact) / exact)))
    assert worst < 1e-12


def test_limits():
    assert phi1(0.0, 2.0) == 2.0
    np.testing.assert_allclose(dd1(-1.0, -1.0, 2.0), 2.0 * np.exp(-2.0), rtol=1e-15)
    np.testing.assert_allclose(dd2z(0.0, 0.0, 2.0), 2.0, rtol=1e-15)  # integral of u du from 0 to 2
    np.testing.assert_allclose(dd2z(-3.0, -1.0, 0.7), dd2z(-1.0, -3.0, 0.7), rtol=1e-14)  # symmetric
    assert dd2z(-1.0, -2.0, 0.0) == 0.0
