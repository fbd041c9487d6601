"""Survival curves for partitioned survival and Markov models, evaluated with SciPy and NumPy.

Each family is parameterised as in R's flexsurv (``dist=`` names in brackets), so a fit reported from
flexsurv can be written into a model file unchanged:

=================  ==========================  =================================================
family             parameters                  survival function S(t)
=================  ==========================  =================================================
exponential        rate                        exp(−rate·t)                           (``exp``)
weibull            shape a, scale b            exp(−(t/b)^a)                          (``weibull``)
weibull_ph         shape a, scale m            exp(−m·t^a)                            (``weibullPH``)
loglogistic        shape a, scale b            1 / (1 + (t/b)^a)                      (``llogis``)
lognormal          meanlog μ, sdlog σ          1 − Φ((log t − μ)/σ)                   (``lnorm``)
gompertz           shape a, rate b             exp(−(b/a)(e^{a t} − 1)); a = 0: exp(−b t) (``gompertz``)
gamma              shape a, rate b             upper regularised Γ(a, b t)            (``gamma``)
gengamma           mu, sigma, Q                Prentice (1974) form                   (``gengamma``)
=================  ==========================  =================================================

Digitised Kaplan–Meier points are a right-continuous step function, optionally continued after the last
point by a parametric tail conditional on survival to that point. A curve can be derived from another by a
hazard ratio (proportional hazards, S(t)^HR) or an acceleration factor (S(t/AF)).

Time is in the curve's own unit (day, week, month or year); :func:`to_curve_time` converts model cycles.

References
----------
Jackson C. flexsurv: a platform for parametric survival modeling in R. J Stat Softw 2016;70(8):1–33.
doi:10.18637/jss.v070.i08
"""

from __future__ import annotations

import numpy as np
from scipy import special, stats

from lenvici.units import DAYS_PER_MONTH

__all__ = ["FAMILIES", "DAYS_PER_UNIT", "survival", "km_survival", "to_curve_time"]

#: Length of each allowed time unit in days (a year is 365.25 days, a month 365.25/12).
DAYS_PER_UNIT = {"day": 1.0, "week": 7.0, "month": DAYS_PER_MONTH, "year": 365.25}

#: Each parametric family and the names of its parameters, in flexsurv's order.
FAMILIES: dict[str, tuple[str, ...]] = {
    "exponential": ("rate",),
    "weibull": ("shape", "scale"),
    "weibull_ph": ("shape", "scale"),
    "loglogistic": ("shape", "scale"),
    "lognormal": ("meanlog", "sdlog"),
    "gompertz": ("shape", "rate"),
    "gamma": ("shape", "rate"),
    "gengamma": ("mu", "sigma", "Q"),
}


def to_curve_time(cycles, cycle_length_years: float, unit: str):
    """Model time in cycles → time in the curve's ``unit``."""
    return np.asarray(cycles, dtype=float) * cycle_length_years * (DAYS_PER_UNIT["year"] / DAYS_PER_UNIT[unit])


def survival(family: str, t, **params):
    """S(t) of a parametric family (flexsurv parameterisation), elementwise with broadcasting.

    Parameters
    ----------
    family
        One of :data:`FAMILIES`.
    t
        Times ≥ 0 in the unit the parameters refer to.
    **params
        The family's parameters, scalars or arrays broadcastable against ``t``.

    Examples
    --------
    >>> float(survival("weibull", 2.0, shape=1.0, scale=4.0))  # shape 1 is the exponential
    0.6065306597126334
    """
    t = np.asarray(t, dtype=float)
    p = {k: np.asarray(v, dtype=float) for k, v in params.items()}
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if family == "exponential":
            out = np.exp(-p["rate"] * t)
        elif family == "weibull":
            out = np.exp(-np.power(t / p["scale"], p["shape"]))
        elif family == "weibull_ph":
            out = np.exp(-p["scale"] * np.power(t, p["shape"]))
        elif family == "loglogistic":
            out = 1.0 / (1.0 + np.power(t / p["scale"], p["shape"]))
        elif family == "lognormal":
            out = stats.norm.sf((np.log(t) - p["meanlog"]) / p["sdlog"])
        elif family == "gompertz":
            a, b = np.broadcast_arrays(p["shape"], p["rate"])
            small = np.abs(a) < 1e-12
            safe_a = np.where(small, 1.0, a)
            cumhaz = np.where(small, b * t, b / safe_a * np.expm1(safe_a * t))
            out = np.exp(-cumhaz)
        elif family == "gamma":
            out = special.gammaincc(p["shape"], p["rate"] * t)
        elif family == "gengamma":
            out = _gengamma_sf(t, p["mu"], p["sigma"], p["Q"])
        else:
            raise ValueError(f"unknown survival family {family!r}; allowed: {', '.join(FAMILIES)}")
    return np.where(t <= 0, 1.0, out)


def _gengamma_sf(t, mu, sigma, q):
    """Generalised gamma (Prentice 1974; flexsurv ``pgengamma``) survival function."""
    t, mu, sigma, q = np.broadcast_arrays(t, mu, sigma, q)
    w = (np.log(t) - mu) / sigma
    zero = np.abs(q) < 1e-8
    safe_q = np.where(zero, 1.0, q)
    shape = 1.0 / safe_q**2
    u = shape * np.exp(safe_q * w)
    upper = special.gammaincc(shape, u)
    lower = special.gammainc(shape, u)
    return np.where(zero, stats.norm.sf(w), np.where(q > 0, upper, lower))


def km_survival(t, times, surv):
    """Right-continuous step function through digitised Kaplan–Meier points.

    S(t) is the survival at the last digitised time ≤ t, 1 before the first point; the value at the last
    point is held afterwards (use a parametric tail to extrapolate).
    """
    times = np.asarray(times, dtype=float)
    surv = np.asarray(surv, dtype=float)
    idx = np.searchsorted(times, np.asarray(t, dtype=float), side="right") - 1
    padded = np.concatenate([[1.0], surv])
    return padded[idx + 1]
