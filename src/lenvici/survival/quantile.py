"""Quantiles of a step survival curve (the median and its confidence interval), as R's survfit gives them.

The p-th quantile of the survival time is the first time at which the curve drops to 1 − p or below.
When the curve sits *exactly* at 1 − p over a stretch (up to a tolerance of √ε ≈ 1.5e-8), the quantile
is the midpoint of that stretch: halfway between the time the curve reached 1 − p and the time it
next drops (or the last follow-up time, if it never drops again). The confidence limits of a
quantile are the same quantile read off the lower and upper pointwise confidence bands (Brookmeyer &
Crowley 1982): the lower limit from the lower band, the upper limit from the upper band. A quantile or
limit that the curve (band) never reaches is NaN (R: ``NA``; usually reported as "not reached").

This mirrors ``quantile.survfit`` of R's survival package (version 3.x): bands are searched as R's
``approx(..., method = "constant")`` does, i.e. over the band's distinct values in increasing order,
which matters only where a band is not monotone (the plain band, or the log band clipped at 1).
lifelines' ``median_survival_time_`` takes the first time S ≤ 0.5 and has no midpoint rule, so it
can differ from R (and from this module) when the curve sits at exactly 0.5.

References
----------
Brookmeyer R, Crowley J. A confidence interval for the median survival time. Biometrics
1982;38:29–41, doi:10.2307/2530286.
Therneau TM. A Package for Survival Analysis in R. R package survival, ``quantile.survfit``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["QUANTILE_TOLERANCE", "curve_quantile"]

#: Tolerance for "the curve equals 1 − p": R's ``sqrt(.Machine$double.eps)``.
QUANTILE_TOLERANCE = float(np.sqrt(np.finfo(float).eps))


def curve_quantile(
    time: np.ndarray,
    curve: np.ndarray,
    p: np.ndarray,
    start: float = 0.0,
    tol: float = QUANTILE_TOLERANCE,
) -> np.ndarray:
    """Times at which a step curve (a survival curve or one of its bands) reaches ``1 - p``.

    Parameters
    ----------
    time
        The curve's step times (all observed times), increasing.
    curve
        The curve's values at those times (NaN where undefined, e.g. a band at S = 0).
    p
        Probabilities in [0, 1] (0.5 for the median).
    start
        The time origin, where the curve is 1.
    tol
        Equality tolerance between the curve and ``1 - p``.

    Returns
    -------
    numpy.ndarray
        One time per ``p``; NaN where the curve never reaches ``1 - p``.

    Examples
    --------
    Six deaths at t = 1..6: S = 0.5 on [3, 4), so the median is 3.5.

    >>> t = np.arange(1.0, 7.0)
    >>> s = np.array([5, 4, 3, 2, 1, 0]) / 6
    >>> curve_quantile(t, s, np.array([0.5, 0.25])).tolist()
    [3.5, 2.0]
    """
    x = np.concatenate(([start], np.asarray(time, dtype=float)))
    y = np.concatenate(([0.0], 1.0 - np.asarray(curve, dtype=float)))  # cumulative distribution
    p = np.asarray(p, dtype=float)
    out = np.full(p.shape, np.nan)
    finite = ~np.isnan(y)
    if not finite.any() or np.max(y[finite]) < np.min(p):
        return out
    x_last = x[-1]
    x, y = _first_occurrences(x, y)
    last_defined = not np.isnan(y[-1])
    y_last = y[-1]
    keep = ~np.isnan(y)
    xs, ys = x[keep], y[keep]
    order = np.argsort(ys, kind="stable")  # the distinct values, increasing (as R's approx sorts)
    ys_sorted, xs_sorted = ys[order], xs[order]
    for k, pk in enumerate(p):
        if pk == 0.0:
            out[k] = x[0]
            continue
        at_or_above = _first_at_least(ys_sorted + tol, pk)  # curve reached 1 - p, within tol
        strictly_past = _first_at_least(ys_sorted - tol, pk)  # curve dropped below 1 - p
        if at_or_above is None:
            continue
        x1 = xs_sorted[at_or_above]
        if last_defined and abs(pk - y_last) < tol:
            out[k] = (x1 + x_last) / 2.0
        elif strictly_past is not None:
            out[k] = (x1 + xs_sorted[strictly_past]) / 2.0
    return out


def _first_occurrences(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Keep the first point of each distinct y value (NaN counts as one value)."""
    seen: set = set()
    keep = np.zeros(y.size, dtype=bool)
    for i, v in enumerate(y):
        key = "nan" if np.isnan(v) else float(v)
        if key not in seen:
            seen.add(key)
            keep[i] = True
    return x[keep], y[keep]


def _first_at_least(sorted_values: np.ndarray, target: float) -> int | None:
    """Index of the smallest value >= target in an increasing array, if the target is within range.

    Like R's ``approx(method = "constant", f = 1, rule = 1)``: a target below the smallest value is
    out of range (None), as is one above the largest.
    """
    if target < sorted_values[0] or target > sorted_values[-1]:
        return None
    return int(np.searchsorted(sorted_values, target, side="left"))
