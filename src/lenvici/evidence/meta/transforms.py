"""Back-transformation of pooled results to the natural scale, as metafor's ``predict(transf=...)``.

=========================  ============================================================================
measure                    transformation (metafor function)
=========================  ============================================================================
``PLO``                    inverse logit (``transf.ilogit``)
``PAS``                    sin²x, 0 below 0 and 1 above π/2 (``transf.iarcsin``)
``PFT``                    Miller's inverse with the harmonic mean of the nᵢ (``transf.ipft.hm``)
``OR RR HR … MEDLN ROMED``  exp
``PR RD``                  identity
=========================  ============================================================================

References
----------
Miller JJ. The inverse of the Freeman–Tukey double arcsine transformation. Am Stat 1978;32:138,
doi:10.1080/00031305.1978.10479283.
Viechtbauer W. Conducting meta-analyses in R with the metafor package. J Stat Softw 2010;36(3):1–48.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import expit

from lenvici.evidence.meta.effects import RATIO_MEASURES

__all__ = ["transform_name", "back_transform", "ilogit", "iarcsin", "pft", "ipft_hm"]


def ilogit(x):
    """Inverse logit."""
    return expit(np.asarray(x, dtype=float))


def iarcsin(x):
    """Inverse of the arcsine square root, clipped to [0, 1] outside [0, π/2]."""
    x = np.asarray(x, dtype=float)
    z = np.sin(x) ** 2
    z = np.where(x < 0, 0.0, z)
    return np.where(x > math.asin(1.0), 1.0, z)


def pft(p, n):
    """Freeman–Tukey double arcsine of the proportion ``p`` at sample size ``n``."""
    x = p * n
    return 0.5 * (np.arcsin(np.sqrt(x / (n + 1))) + np.arcsin(np.sqrt((x + 1) / (n + 1))))


def ipft_hm(x, ni):
    """Miller's inverse of the Freeman–Tukey transformation with n the harmonic mean of ``ni``.

    .. math:: p = \\tfrac12\\left[1 - \\operatorname{sgn}(\\cos 2x)
              \\sqrt{1 - \\left(\\sin 2x + \\frac{\\sin 2x - 1/\\sin 2x}{\\bar n_h}\\right)^2}\\right]

    NaN where the root is not real; 1 above pft(1, n̄ₕ) and 0 below pft(0, n̄ₕ).
    """
    x = np.asarray(x, dtype=float)
    nhm = 1.0 / np.mean(1.0 / np.asarray(ni, dtype=float))
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.sin(2 * x)
        z = 0.5 * (1 - np.sign(np.cos(2 * x)) * np.sqrt(1 - (s + (s - 1 / s) / nhm) ** 2))
    z = np.where(x > pft(1.0, nhm), 1.0, z)
    return np.where(x < pft(0.0, nhm), 0.0, z)


def transform_name(measure: str) -> str | None:
    """The name of the back-transformation for ``measure``, or ``None`` when there is none."""
    if measure == "PLO":
        return "ilogit"
    if measure == "PAS":
        return "iarcsin"
    if measure == "PFT":
        return "ipft.hm"
    if measure in RATIO_MEASURES:
        return "exp"
    if measure in ("PR", "RD"):
        return "identity"
    return None


def back_transform(measure: str, values, ni=None) -> np.ndarray | None:
    """``values`` on the natural scale of ``measure``; ``None`` when the measure has no transformation
    (``GEN``) or when ``PFT`` lacks the sample sizes ``ni``."""
    name = transform_name(measure)
    values = np.asarray(values, dtype=float)
    if name is None:
        return None
    if name == "ilogit":
        return ilogit(values)
    if name == "iarcsin":
        return iarcsin(values)
    if name == "ipft.hm":
        return None if ni is None else ipft_hm(values, ni)
    if name == "exp":
        return np.exp(values)
    return values.copy()
