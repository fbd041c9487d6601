"""Parametric survival distributions in flexsurv's parameterisations: survival, hazard, density, quantile.

Each family is a :class:`Family` record naming its flexsurv distribution and parameters; the
functions take the parameter vector in flexsurv's order and units (times in the caller's unit).

==============  =====================  ==========================================================
family          flexsurv (``dist=``)   survival function :math:`S(t)`
==============  =====================  ==========================================================
``exponential`` ``"exp"``: rate        :math:`e^{-\\lambda t}`
``weibull``     ``"weibull"``: shape   :math:`\\exp(-(t/b)^a)` (R ``dweibull``; flexsurv's
                :math:`a`, scale       ``"weibull"``, not its ``"weibullPH"``)
                :math:`b`
``lognormal``   ``"lnorm"``: meanlog   :math:`1 - \\Phi((\\log t - \\mu)/\\sigma)`
                :math:`\\mu`, sdlog
                :math:`\\sigma`
``loglogistic`` ``"llogis"``: shape    :math:`1 / (1 + (t/b)^a)`
                :math:`a`, scale
                :math:`b`
``gompertz``    ``"gompertz"``: shape  :math:`\\exp(-\\tfrac{b}{a}(e^{a t} - 1))`, hazard
                :math:`a`, rate        :math:`b e^{a t}`; :math:`a < 0` gives a plateau
                :math:`b`              :math:`S(\\infty) = e^{b/a}` (a "cure" fraction)
``gengamma``    ``"gengamma"``: mu,    Prentice (1974): with :math:`w = (\\log t - \\mu)/\\sigma`,
                sigma, Q               :math:`u = Q^{-2} e^{Q w}`: :math:`1 - P(Q^{-2}, u)` for
                                       :math:`Q > 0`, :math:`P(Q^{-2}, u)` for :math:`Q < 0`
                                       (:math:`P` the regularised lower incomplete gamma),
                                       log-normal at :math:`Q = 0`
==============  =====================  ==========================================================

The generalised gamma contains the Weibull (:math:`Q = 1`, shape :math:`1/\\sigma`, scale
:math:`e^{\\mu}`), the log-normal (:math:`Q = 0`) and the gamma (:math:`Q = \\sigma`).

References
----------
Jackson C. flexsurv: a platform for parametric survival modeling in R. J Stat Softw
2016;70(8):1–33, doi:10.18637/jss.v070.i08 (the parameterisations, Table 1).
Prentice RL. A log gamma model and its maximum likelihood estimation. Biometrika 1974;61:539–544,
doi:10.1093/biomet/61.3.539.
Cox C, Chu H, Schneider MF, Muñoz A. Parametric survival analysis and taxonomy of hazard functions for
the generalized gamma distribution. Stat Med 2007;26:4352–4374, doi:10.1002/sim.2836.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special
from scipy.stats import norm

__all__ = [
    "FAMILIES",
    "Family",
    "family",
    "cumulative_hazard",
    "survival_function",
    "hazard_function",
    "density_function",
    "quantile_function",
]


@dataclass(frozen=True)
class Family:
    """A parametric family: our name, flexsurv's ``dist`` name, flexsurv's parameter names, and which
    parameters are positive (their confidence limits are formed on the log scale, as flexsurv does)."""

    name: str
    flexsurv: str
    params: tuple[str, ...]
    positive: tuple[bool, ...]


FAMILIES: dict[str, Family] = {
    f.name: f
    for f in (
        Family("exponential", "exp", ("rate",), (True,)),
        Family("weibull", "weibull", ("shape", "scale"), (True, True)),
        Family("lognormal", "lnorm", ("meanlog", "sdlog"), (False, True)),
        Family("loglogistic", "llogis", ("shape", "scale"), (True, True)),
        Family("gompertz", "gompertz", ("shape", "rate"), (False, True)),
        Family("gengamma", "gengamma", ("mu", "sigma", "Q"), (False, True, False)),
    )
}

_ALIASES = {"exp": "exponential", "lnorm": "lognormal", "llogis": "loglogistic", "log-normal": "lognormal",
            "log-logistic": "loglogistic", "generalized-gamma": "gengamma", "generalised-gamma": "gengamma",
            "gen-gamma": "gengamma"}


def family(name: str) -> Family:
    """Look a family up by our name or flexsurv's (``"exp"``, ``"lnorm"``, ``"llogis"`` …)."""
    from lenvici.errors import InputError

    key = str(name).strip().lower().replace("_", "-")
    key = _ALIASES.get(key, key)
    if key not in FAMILIES:
        raise InputError(f"'family' must be one of {', '.join(FAMILIES)}; got {name!r}", "family")
    return FAMILIES[key]


def survival_function(name: str, params, t) -> np.ndarray:
    """:math:`S(t)` of family ``name`` at flexsurv parameters ``params``.

    >>> float(survival_function("weibull", (1.0, 2.0), 2.0)) == float(np.exp(-1.0))
    True
    """
    t = np.asarray(t, dtype=float)
    return np.exp(-cumulative_hazard(name, params, t))


def cumulative_hazard(name: str, params, t) -> np.ndarray:
    """:math:`H(t) = -\\log S(t)`."""
    t = np.asarray(t, dtype=float)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        if name == "exponential":
            (rate,) = params
            return rate * t
        if name == "weibull":
            a, b = params
            return (t / b) ** a
        if name == "lognormal":
            mu, sigma = params
            return -norm.logsf((np.log(t) - mu) / sigma)
        if name == "loglogistic":
            a, b = params
            return np.log1p((t / b) ** a)
        if name == "gompertz":
            a, b = params
            return b * t if a == 0 else b * np.expm1(a * t) / a
        if name == "gengamma":
            mu, sigma, q = params
            if q == 0:
                return -norm.logsf((np.log(t) - mu) / sigma)
            w = (np.log(t) - mu) / sigma
            shape = q**-2
            u = shape * np.exp(q * w)
            s = special.gammaincc(shape, u) if q > 0 else special.gammainc(shape, u)
            return -np.log(s)
    raise ValueError(f"unknown family {name!r}")


def density_function(name: str, params, t) -> np.ndarray:
    """:math:`f(t) = h(t) S(t)`."""
    return hazard_function(name, params, t) * survival_function(name, params, t)


def hazard_function(name: str, params, t) -> np.ndarray:
    """:math:`h(t)`."""
    t = np.asarray(t, dtype=float)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        if name == "exponential":
            return np.full_like(t, params[0])
        if name == "weibull":
            a, b = params
            return a / b * (t / b) ** (a - 1)
        if name == "lognormal":
            mu, sigma = params
            z = (np.log(t) - mu) / sigma
            return np.exp(norm.logpdf(z) - norm.logsf(z)) / (sigma * t)
        if name == "loglogistic":
            a, b = params
            r = (t / b) ** a
            return a / t * r / (1 + r)
        if name == "gompertz":
            a, b = params
            return b * np.exp(a * t)
        if name == "gengamma":
            mu, sigma, q = params
            if q == 0:
                return hazard_function("lognormal", (mu, sigma), t)
            w = (np.log(t) - mu) / sigma
            shape = q**-2
            u = shape * np.exp(q * w)
            log_f = (np.log(abs(q)) - np.log(sigma * t) + shape * np.log(shape) + shape * q * w - u
                     - special.gammaln(shape))
            return np.exp(log_f + cumulative_hazard(name, params, t))
    raise ValueError(f"unknown family {name!r}")


def quantile_function(name: str, params, p) -> np.ndarray:
    """The time by which a fraction ``p`` has had the event: :math:`S(t) = 1 - p` (inf if never).

    >>> float(quantile_function("exponential", (np.log(2) / 12,), 0.5))
    12.0
    """
    p = np.asarray(p, dtype=float)
    s = 1.0 - p
    with np.errstate(divide="ignore", invalid="ignore"):
        if name == "exponential":
            return -np.log(s) / params[0]
        if name == "weibull":
            a, b = params
            return b * (-np.log(s)) ** (1 / a)
        if name == "lognormal":
            mu, sigma = params
            return np.exp(mu + sigma * norm.ppf(p))
        if name == "loglogistic":
            a, b = params
            return b * (p / s) ** (1 / a)
        if name == "gompertz":
            a, b = params
            if a == 0:
                return -np.log(s) / b
            arg = 1 - a * np.log(s) / b
            return np.where(arg > 0, np.log(np.where(arg > 0, arg, 1.0)) / a, np.inf)
        if name == "gengamma":
            mu, sigma, q = params
            if q == 0:
                return np.exp(mu + sigma * norm.ppf(p))
            shape = q**-2
            u = special.gammainccinv(shape, s) if q > 0 else special.gammaincinv(shape, s)
            return np.exp(mu + sigma * np.log(u / shape) / q)
    raise ValueError(f"unknown family {name!r}")
