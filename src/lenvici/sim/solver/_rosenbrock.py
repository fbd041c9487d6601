"""Rosenbrock (linearly implicit) Runge–Kutta methods, vectorised over patients.

A Rosenbrock step solves ``s`` linear systems with one matrix ``W = I/(γh) − J`` per patient (no Newton
iteration), so it is stiff-safe at the cost of one Jacobian and one factorisation per step. Each patient
has its own ``h``; the batch takes one step together with a vector of step sizes.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np

__all__ = ["AbstractRosenbrock", "Rodas4"]


class AbstractRosenbrock(ABC):
    """Interface of a batched one-step method with an embedded error estimate."""

    #: order of the solution; the error estimate is ``O(h^(order))`` (embedded order ``order − 1``)
    order: int
    #: right-hand-side evaluations per step (for the statistics)
    n_stages: int

    @abstractmethod
    def step(self, term, t, y, h, rows):
        """Advance ``y (n, m)`` from ``t (m,)`` by ``h (m,)``; returns ``(y_new, error_estimate)``."""


@dataclass(frozen=True)
class Rodas4(AbstractRosenbrock):
    """Hairer & Wanner's RODAS: a 6-stage, order-4, stiffly accurate and L-stable Rosenbrock method.

    The embedded order-3 solution is the one before the last stage, so the error estimate is the last
    stage increment. Stage equations in the transformed form of the RODAS code:

    .. math:: \\Bigl(\\frac{1}{\\gamma h} I - J\\Bigr) k_i = f\\Bigl(t + c_i h,\\; y + \\sum_{j<i} a_{ij} k_j\\Bigr)
              + \\sum_{j<i} \\frac{c_{ij}}{h} k_j + h\\, d_i\\, \\frac{\\partial f}{\\partial t},
              \\qquad y_{n+1} = y_n + \\sum_{j\\le5} a_{6j} k_j + k_6 .

    References
    ----------
    Hairer E, Wanner G. Solving Ordinary Differential Equations II: Stiff and Differential-Algebraic
    Problems, 2nd ed. Springer 1996, Section IV.7 (Table 7.2: RODAS coefficients), and the Fortran code
    RODAS (``rodas.f``, coefficient set METH=1).
    """

    order: int = 4
    n_stages: int = 6

    gamma = 0.25
    c2, c3, c4 = 0.386, 0.21, 0.63
    d1, d2, d3, d4 = 0.25, -0.1043, 0.1035, -0.3620000000000023e-01
    a21 = 1.544
    a31, a32 = 0.9466785280815826, 0.2557011698983284
    a41, a42, a43 = 3.314825187068521, 2.896124015972201, 0.9986419139977817
    a51, a52, a53, a54 = 1.221224509226641, 6.019134481288629, 12.53708332932087, -0.6878860361058950
    c21 = -5.6688
    c31, c32 = -2.430093356833875, -0.2063599157091915
    c41, c42, c43 = -0.1073529058151375, -9.594562251023355, -20.47028614809616
    c51, c52, c53, c54 = 7.496443313967647, -10.24680431464352, -33.99990352819905, 11.70890893206160
    c61, c62, c63, c64, c65 = (8.083246795921522, -7.981132988064893, -31.52159432874371, 16.31930543123136,
                               -6.058818238834054)

    def step(self, term, t, y, h, rows):
        s = self
        bt = term.bind(rows)
        ts = t  # every stage lies in [t, t+h], which contains no breakpoint
        inv_h = 1.0 / h
        u0 = bt.inputs(t, ts)
        lu = bt.factor(y, u0, 1.0 / (s.gamma * h))
        fx = bt.dfdt(y, u0, t, ts)
        k = np.empty((6,) + y.shape)

        def comb(coef, upto):  # sum_j coef[j] * k[j], accumulated in place (elementwise, deterministic)
            out = coef[0] * k[0]
            for j in range(1, upto):
                out += coef[j] * k[j]
            return out

        f = bt.f(y, u0)
        if fx is not None:
            f += (s.d1 * h) * fx
        k[0] = bt.solve(lu, f)
        f = bt.f(y + s.a21 * k[0], bt.inputs(t + s.c2 * h, ts))
        f += (s.c21 * inv_h) * k[0]
        if fx is not None:
            f += (s.d2 * h) * fx
        k[1] = bt.solve(lu, f)
        f = bt.f(y + comb(s._a3, 2), bt.inputs(t + s.c3 * h, ts))
        f += inv_h * comb(s._c3, 2)
        if fx is not None:
            f += (s.d3 * h) * fx
        k[2] = bt.solve(lu, f)
        f = bt.f(y + comb(s._a4, 3), bt.inputs(t + s.c4 * h, ts))
        f += inv_h * comb(s._c4, 3)
        if fx is not None:
            f += (s.d4 * h) * fx
        k[3] = bt.solve(lu, f)
        y5 = y + comb(s._a5, 4)
        u1 = bt.inputs(t + h, ts)
        f = bt.f(y5, u1)
        f += inv_h * comb(s._c5, 4)
        k[4] = bt.solve(lu, f)
        y6 = y5 + k[4]
        f = bt.f(y6, u1)
        f += inv_h * comb(s._c6, 5)
        k[5] = bt.solve(lu, f)
        return y6 + k[5], k[5]

    @property
    def _a3(self):
        return (self.a31, self.a32)

    @property
    def _a4(self):
        return (self.a41, self.a42, self.a43)

    @property
    def _a5(self):
        return (self.a51, self.a52, self.a53, self.a54)

    @property
    def _c3(self):
        return (self.c31, self.c32)

    @property
    def _c4(self):
        return (self.c41, self.c42, self.c43)

    @property
    def _c5(self):
        return (self.c51, self.c52, self.c53, self.c54)

    @property
    def _c6(self):
        return (self.c61, self.c62, self.c63, self.c64, self.c65)
