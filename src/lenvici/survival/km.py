"""The Kaplan–Meier estimate with Greenwood standard errors and an explicit confidence-interval type.

.. math::

    \\hat S(t) = \\prod_{t_j \\le t} \\Bigl(1 - \\frac{d_j}{n_j}\\Bigr), \\qquad
    \\widehat{\\operatorname{se}}\\bigl(-\\log \\hat S(t)\\bigr) =
    \\Bigl(\\sum_{t_j \\le t} \\frac{d_j}{n_j (n_j - d_j)}\\Bigr)^{1/2}

with :math:`d_j` events among :math:`n_j` at risk at the distinct observed time :math:`t_j`.
Pointwise limits use the transformation in ``conf_type`` (:mod:`lenvici.survival.confint`); the
default, ``"log"``, is R's ``survfit`` default (``conf.type = "log"``: Greenwood variance on the
log S scale, :math:`\\hat S\\exp(\\pm z\\,se)`). lifelines' own intervals are ``"log-log"``.
The median and other quantiles, with their confidence intervals read from the bands, follow
``quantile.survfit`` (:mod:`lenvici.survival.quantile`).

The product-limit estimate and the table of events come from lifelines' ``KaplanMeierFitter``;
the standard errors, all three interval types and the quantiles are computed here so that they match
R's survival package. Times are in whatever unit the caller uses; medians come back in that unit.

References
----------
Kaplan EL, Meier P. Nonparametric estimation from incomplete observations. J Am Stat Assoc
1958;53:457–481, doi:10.1080/01621459.1958.10501452.
Greenwood M. The natural duration of cancer. Rep Public Health Med Subj 1926;33:1–26.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lenvici.survival._validate import check_conf_type, check_events, check_level, check_probabilities, check_times
from lenvici.survival.confint import survival_confint
from lenvici.survival.quantile import curve_quantile

__all__ = ["KaplanMeierResult", "QuantileEstimate", "kaplan_meier"]


@dataclass(frozen=True)
class QuantileEstimate:
    """A survival-time quantile with its confidence limits (NaN: not reached)."""

    p: float
    time: float
    lower: float
    upper: float

    def __repr__(self) -> str:
        return f"QuantileEstimate(p={self.p:g}, time={_fmt(self.time)}, CI [{_fmt(self.lower)}, {_fmt(self.upper)}])"


@dataclass(frozen=True, repr=False)
class KaplanMeierResult:
    """A Kaplan–Meier curve: one row per distinct observed time, as R's ``survfit`` object.

    Attributes
    ----------
    time, n_risk, n_event, n_censor
        Distinct observed times and the numbers at risk, with an event and censored there.
    survival
        :math:`\\hat S(t)` just after each time.
    se_log
        Standard error of :math:`-\\log\\hat S` (Greenwood): R's ``survfit()$std.err``; ``inf`` where
        :math:`\\hat S = 0`.
    lower, upper
        Pointwise limits of type ``conf_type`` at ``conf_level`` (NaN where undefined).
    median
        The median survival time with its confidence interval (NaN: not reached).
    label
        The group's label, when the curve is one of several.
    """

    time: np.ndarray
    n_risk: np.ndarray
    n_event: np.ndarray
    n_censor: np.ndarray
    survival: np.ndarray
    se_log: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    conf_type: str
    conf_level: float
    n: int
    n_events: int
    median: QuantileEstimate
    label: str | None = None
    estimator: str = "Kaplan-Meier (lifelines KaplanMeierFitter); Greenwood SE"

    @property
    def se_survival(self) -> np.ndarray:
        """Standard error of :math:`\\hat S` itself (R's ``summary(survfit)$std.err``)."""
        with np.errstate(invalid="ignore"):
            return self.survival * self.se_log

    def survival_at(self, times) -> np.ndarray:
        """:math:`\\hat S(t)` at arbitrary times (right-continuous step function; 1 before the first time)."""
        t = np.atleast_1d(np.asarray(times, dtype=float))
        idx = np.searchsorted(self.time, t, side="right") - 1
        return np.where(idx >= 0, self.survival[np.maximum(idx, 0)], 1.0)

    def quantile(self, p) -> tuple[QuantileEstimate, ...]:
        """Survival-time quantiles (``p = 0.5``: the median) with confidence limits from the bands."""
        probs = check_probabilities(p)
        return _quantiles(self.time, self.survival, self.lower, self.upper, probs)

    def at_risk(self, times):
        """The numbers-at-risk table at the given times: see :func:`lenvici.survival.at_risk_table`."""
        from lenvici.survival.at_risk import at_risk_table

        return at_risk_table(self, times)

    def summary(self):
        """One row per distinct time: time, n_risk, n_event, n_censor, survival, se, lower, upper."""
        import pandas as pd

        return pd.DataFrame(
            {
                "time": self.time,
                "n_risk": self.n_risk,
                "n_event": self.n_event,
                "n_censor": self.n_censor,
                "survival": self.survival,
                "se_survival": self.se_survival,
                "lower": self.lower,
                "upper": self.upper,
            }
        )

    def plot(self, ax=None, ci: bool = True, censor_marks: bool = True, **style):
        """Step plot of the curve with its band and censoring marks; returns the matplotlib Axes."""
        from lenvici.survival.plot import plot_km

        return plot_km([self], ax=ax, ci=ci, censor_marks=censor_marks, **style)

    def __repr__(self) -> str:
        name = f" {self.label!r}" if self.label is not None else ""
        pct = f"{100 * self.conf_level:g}%"
        return (
            f"KaplanMeierResult{name}(n={self.n}, events={self.n_events}, median={_fmt(self.median.time)} "
            f"[{pct} CI {_fmt(self.median.lower)}, {_fmt(self.median.upper)}], conf_type={self.conf_type!r})"
        )


def kaplan_meier(
    time,
    event,
    conf_type: str = "log",
    conf_level: float = 0.95,
    label: str | None = None,
) -> KaplanMeierResult:
    """Fit a Kaplan–Meier curve with Greenwood standard errors and pointwise confidence limits.

    Parameters
    ----------
    time
        Follow-up times (any unit, ≥ 0); the median comes back in the same unit.
    event
        1 (or True) for an event, 0 for a censored observation.
    conf_type
        ``"log"`` (default; R ``survfit``'s default), ``"log-log"`` (lifelines' and SAS's default) or
        ``"plain"``.
    conf_level
        Confidence level in (0, 1).
    label
        A name for the curve (a treatment arm, say).

    Returns
    -------
    KaplanMeierResult

    Raises
    ------
    lenvici.errors.InputError
        Negative or non-finite times, event indicators other than 0/1, mismatched lengths, an
        unknown ``conf_type`` or a level outside (0, 1).

    Examples
    --------
    >>> km = kaplan_meier([1, 2, 3, 4, 5, 6], [1, 1, 1, 1, 1, 1])
    >>> km.median
    QuantileEstimate(p=0.5, time=3.5, CI [2, NA])
    """
    t = check_times(time)
    e = check_events(event, t.size)
    ctype = check_conf_type(conf_type)
    level = check_level(conf_level)
    return _fit(t, e, ctype, level, label)


def _fit(t: np.ndarray, e: np.ndarray, conf_type: str, level: float, label: str | None) -> KaplanMeierResult:
    from lifelines import KaplanMeierFitter

    kmf = KaplanMeierFitter().fit(t, e)
    table = kmf.event_table
    table = table[table["removed"] > 0]
    times = table.index.to_numpy(dtype=float)
    n_risk = table["at_risk"].to_numpy(dtype=float)
    n_event = table["observed"].to_numpy(dtype=float)
    n_censor = table["censored"].to_numpy(dtype=float)
    surv = kmf.survival_function_.iloc[:, 0].reindex(table.index).to_numpy(dtype=float)
    with np.errstate(divide="ignore"):
        increments = np.where(n_event > 0, n_event / (n_risk * (n_risk - n_event)), 0.0)
    se_log = np.sqrt(np.cumsum(increments))
    lower, upper = survival_confint(surv, se_log, conf_type, level)
    (median,) = _quantiles(times, surv, lower, upper, np.array([0.5]))
    arrays = [times, n_risk, n_event, n_censor, surv, se_log, lower, upper]
    for a in arrays:
        a.setflags(write=False)
    return KaplanMeierResult(
        *arrays,
        conf_type=conf_type,
        conf_level=level,
        n=int(t.size),
        n_events=int(e.sum()),
        median=median,
        label=label,
    )


def _quantiles(time, surv, lower, upper, probs) -> tuple[QuantileEstimate, ...]:
    est = curve_quantile(time, surv, probs)
    lo = curve_quantile(time, lower, probs)
    hi = curve_quantile(time, upper, probs)
    return tuple(QuantileEstimate(float(p), float(a), float(b), float(c)) for p, a, b, c in zip(probs, est, lo, hi))


def _fmt(x: float) -> str:
    return "NA" if np.isnan(x) else f"{x:.4g}"
