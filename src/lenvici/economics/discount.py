"""Discrete discounting per cycle, as heemod's ``discount()``.

The value of cycle t (t = 1 … T) is divided by (1 + r)^k with

.. math::

    k = \\left\\lfloor \\frac{t - 1 + f}{p} \\right\\rfloor

where f = 1 when the first cycle is discounted too (heemod's ``first = TRUE``) and 0 otherwise, and p is
the number of cycles per year (heemod's ``period``): with yearly cycles k = t − 1 (or t), with monthly
cycles the factor steps down once a year. ``steps="cycle"`` uses the exact fraction (t − 1 + f)/p instead
of its floor, i.e. a smooth factor per cycle. Costs and effects have their own rates.

References
----------
heemod ``R/utils.R`` (``discount``, ``discount2``); Briggs A, Claxton K, Sculpher M. Decision Modelling
for Health Economic Evaluation. Oxford University Press, 2006, §2.5 and §3.5.
"""

from __future__ import annotations

import numpy as np

__all__ = ["discount_factors"]


def discount_factors(rate: float, cycles: int, cycle_length_years: float = 1.0, first: bool = False,
                     steps: str = "annual") -> np.ndarray:
    """Discount factors of cycles 1 … ``cycles``.

    Parameters
    ----------
    rate
        Annual discount rate, 0 ≤ rate ≤ 1 (0.035 for 3.5 %).
    cycles
        Number of cycles T ≥ 1.
    cycle_length_years
        Length of one cycle in years (1/12 for months).
    first
        Discount the first cycle too (heemod's ``first = TRUE``).
    steps
        ``"annual"``: whole years, as heemod (``trunc``); ``"cycle"``: fractional years.

    Returns
    -------
    numpy.ndarray
        Shape ``(cycles,)``.

    Examples
    --------
    >>> discount_factors(0.02, 3).round(6).tolist()
    [1.0, 0.980392, 0.961169]
    """
    t = np.arange(1, cycles + 1, dtype=float)
    years = (t - 1.0 + float(first)) * cycle_length_years
    if steps == "annual":
        k = np.floor(years + 1e-9)
    elif steps == "cycle":
        k = years
    else:
        raise ValueError(f"unknown discounting steps {steps!r}; allowed: annual, cycle")
    return np.power(1.0 + rate, -k)
