"""The numbers-at-risk table printed under a Kaplan–Meier plot, as R's ``summary(survfit, times = …)``.

At each requested time :math:`\\tau_k`:

- ``n_risk`` — subjects still under observation at :math:`\\tau_k` (follow-up time ≥ :math:`\\tau_k`);
- ``n_event``, ``n_censor`` — events and censorings in :math:`(\\tau_{k-1}, \\tau_k]`, the first interval
  starting at −∞ (so cumulative sums give the totals up to :math:`\\tau_k`);
- ``survival``, ``se_survival``, ``lower``, ``upper`` — the curve's values at the last observed time
  ≤ :math:`\\tau_k`, or (1, 0, 1, 1) before the first one. After the last observed time the curve's last
  values carry on and ``n_risk`` is 0 (R's ``extend = TRUE``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lenvici.survival._validate import check_at_times

__all__ = ["AtRiskTable", "at_risk_table", "regular_times"]


@dataclass(frozen=True, repr=False)
class AtRiskTable:
    """Numbers at risk (and the curve) at chosen times; see the module docstring for definitions."""

    time: np.ndarray
    n_risk: np.ndarray
    n_event: np.ndarray
    n_censor: np.ndarray
    survival: np.ndarray
    se_survival: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    label: str | None = None

    def summary(self):
        """The table as a DataFrame, one row per time."""
        import pandas as pd

        return pd.DataFrame(
            {
                "time": self.time,
                "n_risk": self.n_risk.astype(int),
                "n_event": self.n_event.astype(int),
                "n_censor": self.n_censor.astype(int),
                "survival": self.survival,
                "se_survival": self.se_survival,
                "lower": self.lower,
                "upper": self.upper,
            }
        )

    def records(self) -> list[dict]:
        """The table as plain dicts (JSON-ready; NaN as None)."""
        rows = []
        for i in range(self.time.size):
            rows.append(
                {
                    "time": float(self.time[i]),
                    "n_at_risk": int(self.n_risk[i]),
                    "n_event": int(self.n_event[i]),
                    "n_censor": int(self.n_censor[i]),
                    "survival": _num(self.survival[i]),
                    "lower": _num(self.lower[i]),
                    "upper": _num(self.upper[i]),
                }
            )
        return rows

    def __repr__(self) -> str:
        pairs = ", ".join(f"{t:g}: {int(n)}" for t, n in zip(self.time, self.n_risk))
        name = f" {self.label!r}" if self.label is not None else ""
        return f"AtRiskTable{name}({pairs})"


def at_risk_table(km, times) -> AtRiskTable:
    """Numbers at risk, events, censorings and the curve at the given times.

    Parameters
    ----------
    km : KaplanMeierResult
        A fitted curve.
    times
        Increasing times ≥ 0 in the curve's time unit (e.g. every 3 months).

    Returns
    -------
    AtRiskTable

    Examples
    --------
    >>> from lenvici.survival import kaplan_meier
    >>> km = kaplan_meier([2, 3, 3, 5, 8, 9], [1, 0, 1, 1, 0, 1])
    >>> at_risk_table(km, [0, 3, 6]).n_risk.tolist()
    [6.0, 5.0, 2.0]
    """
    tau = check_at_times(times)
    t = km.time
    # subjects with follow-up >= tau: the n_risk of the first observed time >= tau
    first_ge = np.searchsorted(t, tau, side="left")
    n_risk = np.where(first_ge < t.size, km.n_risk[np.minimum(first_ge, t.size - 1)], 0.0)
    last_le = np.searchsorted(t, tau, side="right") - 1
    before = last_le < 0
    idx = np.maximum(last_le, 0)
    surv = np.where(before, 1.0, km.survival[idx])
    se = np.where(before, 0.0, km.se_survival[idx])
    lower = np.where(before, 1.0, km.lower[idx])
    upper = np.where(before, 1.0, km.upper[idx])
    cum_event = np.concatenate(([0.0], np.cumsum(km.n_event)))[last_le + 1]
    cum_censor = np.concatenate(([0.0], np.cumsum(km.n_censor)))[last_le + 1]
    n_event = np.diff(cum_event, prepend=0.0)
    n_censor = np.diff(cum_censor, prepend=0.0)
    arrays = [tau, n_risk, n_event, n_censor, surv, se, lower, upper]
    for a in arrays:
        a.setflags(write=False)
    return AtRiskTable(*arrays, label=km.label)


def regular_times(last: float, step: float | None = None) -> np.ndarray:
    """0, step, 2·step, … up to ``last``; without ``step``, the round step (1, 2, 2.5, 5 × 10ᵏ) nearest ``last``/6.

    >>> regular_times(34.2).tolist()
    [0.0, 5.0, 10.0, 15.0, 20.0, 25.0, 30.0]
    >>> regular_times(10, 3).tolist()
    [0.0, 3.0, 6.0, 9.0]
    """
    if step is None:
        raw = max(float(last), 1e-12) / 6.0
        magnitude = 10.0 ** np.floor(np.log10(raw))
        step = min((m * magnitude for m in (1.0, 2.0, 2.5, 5.0, 10.0)), key=lambda c: abs(np.log(c / raw)))
    count = int(np.floor(last / step + 1e-9))
    return np.arange(count + 1) * float(step)


def _num(x: float) -> float | None:
    return None if np.isnan(x) else float(x)
