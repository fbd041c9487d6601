"""Individual patient data from a published Kaplan–Meier curve and its numbers at risk (Guyot et al. 2012).

The algorithm, as described in the paper (its "Methods: the algorithm" and Figure 2), works interval
by interval between the times of the numbers-at-risk table. For interval :math:`i`, from
:math:`\\tau_i` (with :math:`n_i` at risk) to :math:`\\tau_{i+1}` (with :math:`n_{i+1}`), holding the
digitised points :math:`(T_k, S_k)`:

1. First guess of the number censored in the interval:
   :math:`c_i = \\operatorname{round}(n_i S(\\tau_{i+1}) / S(\\tau_i) - n_{i+1})`, at least 0.
2. Spread the :math:`c_i` censoring times evenly over :math:`[\\tau_i, \\tau_{i+1})`
   (:math:`\\tau_i + j(\\tau_{i+1} - \\tau_i)/(c_i + 1)`, :math:`j = 1..c_i`) and count them between
   successive digitised points.
3. Walk the points: with :math:`\\hat n_k` at risk at :math:`T_k` and :math:`\\hat S_{last}` the
   reconstructed curve at the last point with an event, the events at :math:`T_k` are
   :math:`d_k = \\operatorname{round}(\\hat n_k (1 - S_k / \\hat S_{last}))`, then
   :math:`\\hat S_k = \\hat S_{last}(1 - d_k/\\hat n_k)` and
   :math:`\\hat n_{k+1} = \\hat n_k - d_k - \\text{censored}_k`.
4. Compare the reconstructed number at risk at :math:`\\tau_{i+1}` with the published :math:`n_{i+1}`;
   adjust :math:`c_i` by the difference and repeat 2–4 until they agree (or no censoring is left to
   remove — then the published number is replaced by the reconstructed one for the next interval).

In the last interval (after the last number at risk) the number censored is, without the total
number of events, the average censoring rate of the earlier intervals times the interval's length
(capped at the number at risk); with the total number of events :math:`D` it is set so that the
events sum to :math:`D` (steps 2–4 with :math:`\\sum d = D` as the target). Patients neither dying nor
censored by the last digitised time are censored there.

This implementation follows the paper's description; the code is our own. Cleaning of the inputs is
:mod:`lenvici.survival.digitised`. Beyond the paper: every time of the numbers-at-risk table gets a
point on the curve (the step value there), so that no interval is empty and each interval starts
exactly at its :math:`\\tau_i`; the censoring times written out are the evenly spread times of step 2
(the paper's published code places them at the midpoints between digitised points); and when rounding
makes the step-4 adjustments cycle, the attempt closest to the target is kept (an interval whose
number at risk still differs from the published one is listed in ``notes``).

References
----------
Guyot P, Ades AE, Ouwens MJNM, Welton NJ. Enhanced secondary analysis of survival data: reconstructing
the data from published Kaplan-Meier survival curves. BMC Med Res Methodol 2012;12:9,
doi:10.1186/1471-2288-12-9.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lenvici.errors import ConvergenceWarning, InputError
from lenvici.survival.digitised import CleanAtRisk, CleanCurve, clean_at_risk, clean_curve

__all__ = ["MAX_ADJUSTMENTS", "ReconstructedIPD", "reconstruct_ipd"]

#: Cap on the censoring adjustments (step 4) per interval; the loop normally ends in a few.
MAX_ADJUSTMENTS = 1000


@dataclass(frozen=True, repr=False)
class ReconstructedIPD:
    """Reconstructed patient-level data: one row per patient (time, event), plus how it was derived.

    Attributes
    ----------
    time, event
        Event or censoring time of each patient (input unit) and 1 = event, 0 = censored.
    interval_start, n_risk_published, n_risk_reconstructed, n_censored, n_events
        Per interval of the numbers-at-risk table: its start, the published number at risk, the
        number at risk in the reconstruction, and the censorings and events placed in it.
    total_events
        The reported total number of events that was used, if any.
    curve_time, curve_survival
        The cleaned digitised curve the reconstruction started from.
    notes
        What input cleaning changed, and any adjustment of the published numbers.
    """

    time: np.ndarray
    event: np.ndarray
    interval_start: np.ndarray
    n_risk_published: np.ndarray
    n_risk_reconstructed: np.ndarray
    n_censored: np.ndarray
    n_events: np.ndarray
    total_events: int | None
    curve_time: np.ndarray
    curve_survival: np.ndarray
    notes: tuple[str, ...]
    converged: bool = True
    method: str = "Guyot et al. 2012 (BMC Med Res Methodol 12:9)"

    @property
    def n(self) -> int:
        return int(self.time.size)

    @property
    def events(self) -> int:
        return int(self.event.sum())

    def km(self, conf_type: str = "log", conf_level: float = 0.95, label: str | None = None):
        """Kaplan–Meier curve of the reconstructed data."""
        from lenvici.survival.km import kaplan_meier

        return kaplan_meier(self.time, self.event, conf_type=conf_type, conf_level=conf_level, label=label)

    def summary(self):
        """Per interval: start, published and reconstructed numbers at risk, censored, events."""
        import pandas as pd

        return pd.DataFrame(
            {
                "start": self.interval_start,
                "n_risk_published": self.n_risk_published,
                "n_risk_reconstructed": self.n_risk_reconstructed,
                "censored": self.n_censored,
                "events": self.n_events,
            }
        )

    def to_frame(self):
        """The patient data as a DataFrame with columns ``time``, ``event``."""
        import pandas as pd

        return pd.DataFrame({"time": self.time, "event": self.event.astype(int)})

    def write_csv(self, path: str | Path) -> Path:
        """Write ``time,event`` rows to ``path`` atomically (DESIGN §4 output); returns the path."""
        from lenvici.survival.io import write_ipd_csv

        return write_ipd_csv(self.time, self.event, path)

    def plot(self, ax=None, **style):
        """The digitised curve against the Kaplan–Meier curve of the reconstruction; returns the Axes."""
        from lenvici.survival.plot import plot_reconstruction

        return plot_reconstruction(self, ax=ax, **style)

    def __repr__(self) -> str:
        km = self.km()
        med = "NA" if np.isnan(km.median.time) else f"{km.median.time:.4g}"
        return f"ReconstructedIPD(n={self.n}, events={self.events}, median={med}, intervals={self.interval_start.size})"


def reconstruct_ipd(
    curve_time,
    curve_survival,
    risk_time,
    n_at_risk,
    total_events: int | None = None,
    percent: bool = False,
    curve_rows=None,
    risk_rows=None,
) -> ReconstructedIPD:
    """Reconstruct individual patient data from a digitised Kaplan–Meier curve (Guyot et al. 2012).

    Parameters
    ----------
    curve_time, curve_survival
        Digitised points of one arm's curve (any order; survival as fractions, or percent with
        ``percent=True``). Cleaned by :func:`lenvici.survival.clean_curve`.
    risk_time, n_at_risk
        The numbers-at-risk table printed under the figure; must start at time 0.
    total_events
        The total number of events in the arm, when the paper reports it.
    percent
        The curve is in percent.
    curve_rows, risk_rows
        Names of the input rows for error messages (e.g. ``"curve.csv line 7"``); default ``"row i"``.

    Returns
    -------
    ReconstructedIPD
        One row per patient, ``time`` in the curve's unit.

    Raises
    ------
    lenvici.errors.InputError
        Malformed inputs (the message names the row and column), or ``total_events`` larger than the
        number at time 0.

    Examples
    --------
    >>> t = [0, 2, 4, 6, 8, 10]
    >>> s = [1.0, 0.9, 0.8, 0.7, 0.6, 0.5]
    >>> ipd = reconstruct_ipd(t, s, [0, 5], [20, 14])
    >>> ipd.n, ipd.events
    (20, 9)
    """
    curve = clean_curve(curve_time, curve_survival, percent=percent, rows=curve_rows)
    risk = clean_at_risk(risk_time, n_at_risk, curve_end=float(curve.time[-1]), rows=risk_rows)
    if total_events is not None:
        if isinstance(total_events, bool) or int(total_events) != total_events or not 0 <= total_events <= risk.n_at_risk[0]:
            raise InputError(
                f"'total_events' must be a whole number in [0, {int(risk.n_at_risk[0])}] (the number at risk at 0); "
                f"got {total_events!r}",
                "total_events",
            )
        total_events = int(total_events)
    return _reconstruct(curve, risk, total_events)


def _reconstruct(curve: CleanCurve, risk: CleanAtRisk, total_events: int | None) -> ReconstructedIPD:
    T, S = _with_risk_points(curve.time, curve.survival, risk.time)
    tau = risk.time
    n_pub = risk.n_at_risk.astype(int)
    n_target = n_pub.copy()
    m, K = tau.size, T.size
    bounds = np.append(np.searchsorted(T, tau, side="left"), K)  # interval i: points bounds[i]..bounds[i+1]-1
    d = np.zeros(K, dtype=int)
    n_after = 0  # patients still at risk after the last point
    level = 1.0  # the reconstructed curve after the points done so far
    n_cens = np.zeros(m, dtype=int)
    n_events = np.zeros(m, dtype=int)
    n_risk_rec = np.zeros(m, dtype=int)
    cens_times: list[np.ndarray] = []
    notes = list(curve.notes) + list(risk.notes)
    converged = True

    for i in range(m):
        lo, hi = bounds[i], bounds[i + 1]
        start_n = int(n_target[i])
        n_risk_rec[i] = start_n
        final = i == m - 1
        t_end = T[hi] if not final else T[K - 1]
        events_before = int(d[:lo].sum())
        if not final:
            s0 = S[lo]
            guess = start_n * S[hi] / s0 - n_target[i + 1] if s0 > 0 else start_n - n_target[i + 1]
            nc = int(np.round(guess))
        elif total_events is None:
            elapsed = tau[-1] - tau[0]
            rate = n_cens[:-1].sum() / elapsed if elapsed > 0 else 0.0
            nc = int(np.round(rate * (T[K - 1] - T[lo])))
        else:
            nc = start_n - (total_events - events_before)

        def attempt(nc: int):
            times = T[lo] + np.arange(1, nc + 1) * (t_end - T[lo]) / (nc + 1)
            walk = _walk(T, S, lo, hi, start_n, times, level)
            if not final:
                gap = walk[3] - int(n_target[i + 1])  # reconstructed minus published number at risk
            elif total_events is not None:
                gap = events_before + int(walk[0].sum()) - total_events  # reconstructed minus reported events
            else:
                gap = 0
            return walk, gap

        tried: dict[int, int] = {}
        while True:
            nc = min(max(nc, 0), start_n)
            if nc in tried:  # the adjustments cycle: keep the closest attempt
                nc = min(tried, key=lambda c: (abs(tried[c]), c))
                walk, gap = attempt(nc)
                break
            walk, gap = attempt(nc)
            tried[nc] = gap
            if gap == 0 or (gap < 0 and nc == 0) or (gap > 0 and nc == start_n):
                break
            if len(tried) > MAX_ADJUSTMENTS:
                converged = False
                warnings.warn(
                    f"Guyot reconstruction: the interval starting at {tau[i]:g} did not settle after "
                    f"{MAX_ADJUSTMENTS} censoring adjustments; the last attempt is kept.",
                    ConvergenceWarning,
                    stacklevel=3,
                )
                break
            nc += gap
        d_i, c_times, level, n_end = walk
        d[lo:hi] = d_i
        n_cens[i] = c_times.size
        n_events[i] = int(d_i.sum())
        cens_times.append(c_times)
        if not final and n_end != n_target[i + 1]:
            notes.append(
                f"number at risk at {tau[i + 1]:g}: published {n_target[i + 1]}, reconstructed {n_end}; "
                "the reconstructed number is carried forward"
            )
            n_target[i + 1] = n_end
        n_after = n_end
    if total_events is not None and int(d.sum()) != total_events:
        notes.append(f"reported total events {total_events}, reconstructed {int(d.sum())}")

    event_times = np.repeat(T, d)
    censor_times = np.concatenate(cens_times)
    all_times = np.concatenate((event_times, censor_times, np.full(n_after, T[K - 1])))
    all_events = np.concatenate((np.ones(event_times.size, dtype=int), np.zeros(censor_times.size + n_after, dtype=int)))
    order = np.lexsort((-all_events, all_times))
    arrays = [all_times[order], all_events[order], tau.astype(float), n_pub, n_risk_rec, n_cens, n_events,
              curve.time, curve.survival]
    for a in arrays:
        a.setflags(write=False)
    return ReconstructedIPD(*arrays[:7], total_events, *arrays[7:], notes=tuple(notes), converged=converged)


def _walk(T, S, lo, hi, n_start, cens_times, level):
    """Steps 2–3 over the points lo..hi-1.

    Returns the events at each point, the censoring times kept, the reconstructed curve level after
    the last point, and the number still at risk after it.
    """
    width = hi - lo
    # censoring times between successive points: bin k holds times in [T_k, T_{k+1})
    bins = np.searchsorted(T[lo:hi], cens_times, side="right") - 1
    counts = np.bincount(bins, minlength=width)[:width]
    d = np.zeros(width, dtype=int)
    kept = np.zeros(width, dtype=int)
    n = n_start
    for j in range(width):
        k = lo + j
        dk = 0
        if k > 0 and n > 0 and level > 0:
            dk = min(max(int(np.round(n * (1.0 - S[k] / level))), 0), n)
        if dk > 0:
            level *= 1.0 - dk / n
        ck = min(int(counts[j]), n - dk)
        d[j], kept[j] = dk, ck
        n -= dk + ck
    rank_in_bin = np.arange(bins.size) - np.searchsorted(bins, bins, side="left")
    times = cens_times[rank_in_bin < kept[bins]] if bins.size else cens_times
    return d, times, level, n


def _with_risk_points(t: np.ndarray, s: np.ndarray, tau: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Add a point at each numbers-at-risk time that has none, at the curve's step value there."""
    missing = tau[~np.isin(tau, t)]
    if missing.size == 0:
        return t, s
    values = s[np.searchsorted(t, missing, side="right") - 1]
    times = np.concatenate((t, missing))
    surv = np.concatenate((s, values))
    order = np.lexsort((-surv, times))
    return times[order], surv[order]
