"""The log-rank test of equal survival across groups, plain or stratified (R's ``survdiff``, rho = 0).

At each distinct event time :math:`t_j` (within a stratum) with :math:`d_j` events among :math:`n_j`
at risk, :math:`n_{gj}` of them in group :math:`g`:

.. math::

    E_g = \\sum_j d_j \\frac{n_{gj}}{n_j}, \\qquad
    V_{gh} = \\sum_j d_j \\frac{n_j - d_j}{n_j - 1} \\frac{n_{gj}}{n_j}
             \\Bigl(\\delta_{gh} - \\frac{n_{hj}}{n_j}\\Bigr), \\qquad
    \\chi^2 = (O - E)^\\top V^{-} (O - E)

on :math:`k - 1` degrees of freedom (:math:`V^-` a generalised inverse; dropping the last group is
one). A stratified test sums :math:`O`, :math:`E` and :math:`V` over strata before forming
:math:`\\chi^2`, so that groups are compared only within strata.

The unstratified statistic is lifelines' ``multivariate_logrank_test``; lifelines has no stratified
test and does not report O and E, so those are computed here by the formulas above (and the
unstratified statistic from them agrees with lifelines').

References
----------
Mantel N. Evaluation of survival data and two new rank order statistics arising in its
consideration. Cancer Chemother Rep 1966;50:163–170.
Peto R, Peto J. Asymptotically efficient rank invariant test procedures. J R Stat Soc A
1972;135:185–207, doi:10.2307/2344317.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import chi2

from lenvici.errors import InputError
from lenvici.survival._validate import check_events, check_labels, check_times

__all__ = ["LogRankResult", "logrank_components", "logrank_test"]


@dataclass(frozen=True, repr=False)
class LogRankResult:
    """Observed and expected events per group, their covariance, and the chi-squared test."""

    groups: tuple
    n: np.ndarray
    observed: np.ndarray
    expected: np.ndarray
    variance: np.ndarray
    chisq: float
    df: int
    p_value: float
    n_strata: int = 1
    method: str = "log-rank (Mantel-Haenszel), rho = 0"

    def summary(self):
        """One row per group: N, observed, expected, (O−E)²/E, (O−E)²/V (as R's print.survdiff)."""
        import pandas as pd

        diff = self.observed - self.expected
        return pd.DataFrame(
            {
                "N": self.n.astype(int),
                "observed": self.observed,
                "expected": self.expected,
                "(O-E)^2/E": diff**2 / self.expected,
                "(O-E)^2/V": diff**2 / np.diag(self.variance),
            },
            index=pd.Index([str(g) for g in self.groups], name="group"),
        )

    def __repr__(self) -> str:
        strata = f", strata={self.n_strata}" if self.n_strata > 1 else ""
        return f"LogRankResult(groups={len(self.groups)}{strata}, chisq={self.chisq:.4g}, df={self.df}, p={self.p_value:.4g})"


def logrank_test(time, event, group, strata=None) -> LogRankResult:
    """Log-rank test that the groups share one survival curve, optionally within strata.

    Parameters
    ----------
    time
        Follow-up times (≥ 0).
    event
        1 for an event, 0 for censored.
    group
        Group label of each observation (two or more groups).
    strata
        Optional stratum label of each observation.

    Returns
    -------
    LogRankResult
        ``chisq``, ``df`` (groups − 1), ``p_value`` and the per-group observed/expected events.

    Raises
    ------
    lenvici.errors.InputError
        Invalid times or events, fewer than two groups, or no events.

    Examples
    --------
    >>> r = logrank_test([1, 2, 3, 4, 5, 6, 7, 8], [1, 1, 1, 0, 1, 1, 0, 1], ["a"] * 4 + ["b"] * 4)
    >>> round(r.chisq, 6), r.df
    (4.212648, 1)
    """
    t = check_times(time)
    e = check_events(event, t.size)
    g = check_labels(group, t.size, "group")
    s = check_labels(strata, t.size, "strata") if strata is not None else np.zeros(t.size, dtype=object)
    levels, g_idx = _levels(g)
    if len(levels) < 2:
        raise InputError(f"'group' must have at least two groups; got {len(levels)}", "group")
    if not e.any():
        raise InputError("the log-rank test needs at least one event; all observations are censored", "event")
    s_levels, s_idx = _levels(s)
    k = len(levels)
    observed, expected, variance = np.zeros(k), np.zeros(k), np.zeros((k, k))
    for j in range(len(s_levels)):
        m = s_idx == j
        o, ex, v = logrank_components(t[m], e[m], g_idx[m], k)
        observed += o
        expected += ex
        variance += v
    if strata is None:
        from lifelines.statistics import multivariate_logrank_test

        res = multivariate_logrank_test(t, g_idx, e)
        chisq, df = float(res.test_statistic), int(res.degrees_of_freedom)
    else:
        chisq, df = _chisq(observed, expected, variance)
    n = np.bincount(g_idx, minlength=k).astype(float)
    return LogRankResult(
        groups=tuple(levels),
        n=n,
        observed=observed,
        expected=expected,
        variance=variance,
        chisq=chisq,
        df=df,
        p_value=float(chi2.sf(chisq, df)),
        n_strata=len(s_levels),
    )


def logrank_components(time: np.ndarray, event: np.ndarray, group: np.ndarray, k: int):
    """Observed events, expected events and their covariance matrix for ``k`` groups in one stratum.

    ``group`` holds integer codes 0..k−1. Vectorised over event times.
    """
    uniq, t_idx = np.unique(time, return_inverse=True)
    m = uniq.size
    events = np.zeros((m, k))
    leaving = np.zeros((m, k))
    np.add.at(events, (t_idx, group), event.astype(float))
    np.add.at(leaving, (t_idx, group), 1.0)
    at_risk = np.cumsum(leaving[::-1], axis=0)[::-1]  # n_gj: follow-up >= t_j
    d = events.sum(axis=1)
    n = at_risk.sum(axis=1)
    rows = d > 0
    d, n, at_risk, events = d[rows], n[rows], at_risk[rows], events[rows]
    share = at_risk / n[:, None]
    observed = events.sum(axis=0)
    expected = (d[:, None] * share).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        factor = np.where(n > 1, d * (n - d) / (n - 1), 0.0)
    variance = np.einsum("j,jg,gh->gh", factor, share, np.eye(k)) - np.einsum("j,jg,jh->gh", factor, share, share)
    return observed, expected, variance


def _chisq(observed, expected, variance) -> tuple[float, int]:
    keep = expected > 0
    diff = (observed - expected)[keep][:-1]
    v = variance[np.ix_(keep, keep)][:-1, :-1]
    df = int(keep.sum()) - 1
    stat = float(diff @ np.linalg.solve(v, diff)) if df > 0 else 0.0
    return stat, df


def _levels(labels: np.ndarray) -> tuple[list, np.ndarray]:
    """Distinct labels (sorted where comparable, else in order of appearance) and integer codes."""
    seen = list(dict.fromkeys(labels.tolist()))
    try:
        levels = sorted(seen)
    except TypeError:
        levels = seen
    code = {lab: i for i, lab in enumerate(levels)}
    return levels, np.array([code[v] for v in labels.tolist()], dtype=int)
