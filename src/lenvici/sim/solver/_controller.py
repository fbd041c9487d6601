"""Per-patient step-size control: error norm and a PI controller.

Each patient's step is accepted when its scaled RMS error is ≤ 1, and its next step size follows the
proportional-integral rule (Gustafsson's PI controller as in Hairer & Wanner, Section IV.8):

.. math:: h_{n+1} = h_n \\cdot \\min\\Bigl(f_{max}, \\max\\bigl(f_{min},
          \\; s\\, \\|e_n\\|^{-\\beta_1/k}\\, \\|e_{n-1}\\|^{\\beta_2/k}\\bigr)\\Bigr)

with ``k`` the order of the error estimate. A rejected step only shrinks (``f_max = 1``); a step whose
error is not finite (a vanishing LU pivot, an overflow) is cut by 4.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["PIController", "ConstantStepSize"]


@dataclass(frozen=True)
class PIController:
    """Adaptive step size with relative and absolute tolerances.

    Parameters
    ----------
    rtol
        Relative tolerance.
    atol
        Absolute tolerance, multiplied by each state's ``scale`` from the model definition.
    safety, factor_min, factor_max
        Safety factor and bounds of the step-size ratio.
    beta1, beta2
        Proportional and integral exponents (``beta2 = 0`` gives the classical I controller).
    dt_max
        Largest step (days); ``None`` for no limit.
    """

    rtol: float = 1e-6
    atol: float = 1e-9
    safety: float = 0.9
    factor_min: float = 0.2
    factor_max: float = 6.0
    beta1: float = 0.7
    beta2: float = 0.4
    dt_max: float | None = None

    adaptive = True

    def scale(self, y0: np.ndarray, y1: np.ndarray, state_scale: np.ndarray) -> np.ndarray:
        return self.atol * state_scale[:, None] + self.rtol * np.maximum(np.abs(y0), np.abs(y1))

    def error_norm(self, err: np.ndarray, y0: np.ndarray, y1: np.ndarray, state_scale: np.ndarray) -> np.ndarray:
        """Scaled RMS error per patient; ``inf`` where anything is not finite."""
        with np.errstate(invalid="ignore", over="ignore"):
            e = np.sqrt(np.mean((err / self.scale(y0, y1, state_scale)) ** 2, axis=0))
        bad = ~np.isfinite(e) | ~np.all(np.isfinite(y1), axis=0)
        e[bad] = np.inf
        return e

    def propose(self, h: np.ndarray, err: np.ndarray, err_prev: np.ndarray, accepted: np.ndarray,
                order: int) -> np.ndarray:
        """Next step size per patient."""
        k = float(order)
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            e = np.maximum(err, 1e-10)
            fac_acc = self.safety * e ** (-self.beta1 / k) * np.maximum(err_prev, 1e-4) ** (self.beta2 / k)
            fac_rej = self.safety * e ** (-1.0 / k)
        fac = np.where(accepted, np.clip(fac_acc, self.factor_min, self.factor_max),
                       np.clip(fac_rej, self.factor_min, 1.0))
        fac = np.where(np.isfinite(err), fac, 0.25)
        out = h * fac
        if self.dt_max is not None:
            out = np.minimum(out, self.dt_max)
        return out


@dataclass(frozen=True)
class ConstantStepSize:
    """Fixed step ``dt`` (days), every step accepted: for convergence-order tests only."""

    dt: float
    adaptive = False
    rtol: float = 1.0
    atol: float = 1.0

    def error_norm(self, err, y0, y1, state_scale):
        e = np.zeros(err.shape[1])
        e[~np.all(np.isfinite(y1), axis=0)] = np.inf
        return e

    def propose(self, h, err, err_prev, accepted, order):
        return np.full_like(h, self.dt)
