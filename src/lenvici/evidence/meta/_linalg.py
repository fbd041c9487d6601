"""Weighted least squares through a thin QR factorisation, and the traces metafor takes of ``P``.

metafor writes its estimators with the k×k matrix ``P = W − W X (XᵀWX)⁻¹ XᵀW``. With the thin QR
factorisation ``W^½ X = Q R`` (Q is k×p) we have ``P = W^½ M W^½`` with ``M = I − Q Qᵀ``, and every
quantity metafor needs reduces to sums over studies and p×p products — O(k·p²) work and memory, and
O(k) for the intercept-only model (metafor's own identities are in its ``notes.pdf``; the trace algebra
is in Viechtbauer W. Confidence intervals for the amount of heterogeneity in meta-analysis. Stat Med
2007;26:37–52, doi:10.1002/sim.2514, appendix).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Projection", "project"]


@dataclass(frozen=True)
class Projection:
    """``W^½ X = Q R`` for weights ``w``, with the leverages ``h = diag(Q Qᵀ)``."""

    w: np.ndarray
    Q: np.ndarray
    R: np.ndarray
    h: np.ndarray

    def residual(self, y: np.ndarray) -> np.ndarray:
        """``M W^½ y`` — the whitened GLS residuals; ``yᵀ P y`` is their sum of squares."""
        sy = np.sqrt(self.w) * y
        return sy - self.Q @ (self.Q.T @ sy)

    def rss(self, y: np.ndarray) -> float:
        """``yᵀ P y``."""
        r = self.residual(y)
        return float(r @ r)

    def rss_pp(self, y: np.ndarray) -> float:
        """``yᵀ P P y`` (the numerator of the ML and REML scores)."""
        r = self.residual(y)
        return float(self.w @ (r * r))

    def coef(self, y: np.ndarray) -> np.ndarray:
        """The GLS coefficients ``(XᵀWX)⁻¹ XᵀW y``."""
        return np.linalg.solve(self.R, self.Q.T @ (np.sqrt(self.w) * y))

    def cov(self) -> np.ndarray:
        """``(XᵀWX)⁻¹``."""
        Rinv = np.linalg.inv(self.R)
        return Rinv @ Rinv.T

    def logdet_xwx(self) -> float:
        """``log det(XᵀWX)``."""
        return float(2.0 * np.sum(np.log(np.abs(np.diag(self.R)))))

    def tr_p(self) -> float:
        """``tr(P)``."""
        return float(np.sum(self.w * (1.0 - self.h)))

    def tr_mdmd(self, d1: np.ndarray, d2: np.ndarray) -> float:
        """``tr(M D₁ M D₂)`` for diagonal ``D₁, D₂`` given by their diagonals."""
        A = self.Q.T @ (d1[:, None] * self.Q)
        B = self.Q.T @ (d2[:, None] * self.Q)
        return float(np.sum(d1 * d2) - 2.0 * np.sum(d1 * d2 * self.h) + np.sum(A * B.T))

    def tr_pp(self) -> float:
        """``tr(P P) = sum(P * P)``."""
        return self.tr_mdmd(self.w, self.w)


def project(X: np.ndarray, w: np.ndarray) -> Projection:
    """Factorise ``W^½ X`` for the weights ``w`` (a vector of k positive numbers)."""
    Q, R = np.linalg.qr(np.sqrt(w)[:, None] * X)
    return Projection(w=w, Q=Q, R=R, h=np.sum(Q * Q, axis=1))
