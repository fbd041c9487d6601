"""Pointwise confidence limits for a survival curve, by the transformation named: log, log-log or plain.

Each type applies a normal approximation on one scale and maps it back to the survival scale.
``se`` is the standard error of the cumulative hazard :math:`-\\log\\hat S(t)` (Greenwood's for the
Kaplan–Meier estimate; R's ``survfit()$std.err``) and :math:`z = \\Phi^{-1}(1 - (1-\\text{level})/2)`:

========== ===============================================================================  ===========
type       limits                                                                           undefined
========== ===============================================================================  ===========
``log``    :math:`\\hat S\\,\\exp(\\mp z\\,se)`, upper clipped at 1 (R ``survfit`` default)  :math:`\\hat S=0`
``log-log`` :math:`\\hat S^{\\exp(\\pm z\\,se/\\log\\hat S)}`                                 :math:`\\hat S\\in\\{0,1\\}`
``plain``  :math:`\\hat S \\mp z\\,\\hat S\\,se`, clipped to [0, 1]                              —
========== ===============================================================================  ===========

Where a limit is undefined it is NaN, as R's ``survfit`` gives ``NA``. lifelines' ``KaplanMeierFitter``
reports only the log-log ("exponential Greenwood") limits; R's ``survfit`` default is ``log``.

References
----------
Kalbfleisch JD, Prentice RL. *The Statistical Analysis of Failure Time Data.* 2nd ed. Wiley; 2002,
§4.3 (log-log limits).
Therneau TM, Grambsch PM. *Modeling Survival Data.* Springer; 2000, §2.1.1, doi:10.1007/978-1-4757-3294-8.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import norm

__all__ = ["survival_confint", "z_value"]


def z_value(level: float) -> float:
    """The two-sided normal quantile for a confidence level (1.959964 for 0.95)."""
    return float(norm.ppf(1.0 - (1.0 - level) / 2.0))


def survival_confint(
    survival: np.ndarray, se_log: np.ndarray, conf_type: str, level: float
) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper pointwise limits of a survival curve.

    Parameters
    ----------
    survival
        Estimated survival probabilities, in [0, 1].
    se_log
        Standard errors of the cumulative hazard :math:`-\\log \\hat S` (may be ``inf`` where
        :math:`\\hat S = 0`).
    conf_type
        ``"log"``, ``"log-log"`` or ``"plain"`` (validated by the caller).
    level
        Confidence level in (0, 1).

    Returns
    -------
    (lower, upper)
        Arrays the shape of ``survival``; NaN where the limit is undefined (see the module table).

    Examples
    --------
    >>> lo, hi = survival_confint(np.array([0.8]), np.array([0.1]), "log", 0.95)
    >>> round(float(lo[0]), 6), round(float(hi[0]), 6)
    (0.657612, 0.973218)
    """
    s = np.asarray(survival, dtype=float)
    se = np.asarray(se_log, dtype=float)
    z = z_value(level)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if conf_type == "plain":
            half = z * se * s
            return np.maximum(s - half, 0.0), np.minimum(s + half, 1.0)
        if conf_type == "log":
            s_ok = np.where(s == 0.0, np.nan, s)
            return s_ok * np.exp(-z * se), np.minimum(s_ok * np.exp(z * se), 1.0)
        if conf_type == "log-log":
            s_ok = np.where((s == 0.0) | (s == 1.0), np.nan, s)
            log_s = np.log(s_ok)
            shift = z * se / log_s  # negative: log S < 0
            cloglog = np.log(-log_s)
            return np.exp(-np.exp(cloglog - shift)), np.exp(-np.exp(cloglog + shift))
    raise ValueError(f"unknown conf_type {conf_type!r}")  # callers validate; unreachable for users
