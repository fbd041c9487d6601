"""Adverse-event dose ladder for lenvatinib: each virtual patient's dose over time (MODELLING.md section 4).

Instead of scaling the exposure by one relative dose intensity, each patient walks down the label's dose
ladder (the clinical layer's data, ``data/dosing/ladders.yaml``: 12 mg -> 8 mg -> 4 mg -> 4 mg every other
day from a 12 mg start; 8 mg -> 4 mg -> 4 mg every other day from an 8 mg start; a reduction called for at
the lowest level means discontinuation) driven by dose-limiting adverse events (DLAEs):

1. On the starting level a patient has a first DLAE with probability ``p_first`` (a cure-type model: the
   others never have one while on treatment); its time is exponential with median ``median_days_first``.
2. A DLAE either discontinues lenvatinib at once (share ``discontinue_share``, the labels' "discontinue"
   rows, e.g. grade 4 events) or is the labels' "withhold, then resume one level lower": the dose is withheld
   for ``interruption_days`` and resumed one level down (below the lowest level: discontinued).
3. On each reduced level a further DLAE happens with probability ``p_recurrence``, exponential with median
   ``median_days_recurrence`` from the day the dose was resumed; it is handled as in 2.

Calibration figures (:data:`DEFAULTS`, every value with its provenance):

* REFLECT (Kudo M et al. Lancet 2018;391:1163-1173, lenvatinib arm, n = 476): adverse events led to a dose
  reduction in 37 %, a dose interruption in 40 % and withdrawal of lenvatinib in 9 % of patients (values as
  recalled by the curator, **not re-read - verify**).
* Okusaka T et al. J Gastroenterol 2021;56:570-580 (REFLECT by starting dose, PubMed abstract read):
  treatment-emergent adverse events required dose modifications in 57.5 % of the >= 60 kg / 12 mg group
  (n = 325) and 43.0 % of the < 60 kg / 8 mg group (n = 153).

Derived (:func:`derived_probabilities`): the 37 % is split between the starting doses in the ratio
57.5 : 43.0 at REFLECT's weight mix (325 : 153), so ``R12 = 0.37 * 57.5 / m`` and ``R8 = 0.37 * 43.0 / m``
with ``m = (57.5 * 325 + 43.0 * 153) / 478``; withdrawal vs reduction gives ``discontinue_share =
0.09 / (0.37 + 0.09)``; and ``p_first = R / (1 - discontinue_share)`` so that the share *reduced* is R.
Interruptions are simulated only as the withhold before a reduction, so the simulated interruption share
equals the reduction share (37 %) against REFLECT's 40 %: interruptions resumed at the same dose are not
modelled. No time to first reduction was found in the sources read: ``median_days_first`` is an
assumption (see :data:`DEFAULTS`).

:func:`ladder_course` returns each patient's piecewise-constant daily dose; :func:`ladder_exposure_nm`
turns it into unbound nM through the same PK conversion as :mod:`lenvici.sim.exposure`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, Mapping

import numpy as np

from lenvici.clinical.dosing import load_dosing_data
from lenvici.errors import InputError

__all__ = ["LadderParameter", "DEFAULTS", "LadderCourse", "derived_probabilities", "ladder_course",
           "ladder_levels", "start_levels"]


@dataclass(frozen=True)
class LadderParameter:
    value: float
    unit: str
    status: Literal["sourced", "recalled", "assumption", "derived"]
    basis: str


_KUDO = "Kudo M et al. Lancet 2018;391:1163-1173 (REFLECT), lenvatinib arm"
_OKUSAKA = "Okusaka T et al. J Gastroenterol 2021;56:570-580 (REFLECT by starting dose), abstract"

#: Published figures and assumptions behind the ladder; ``derived_probabilities`` turns them into the
#: model's probabilities. Names are the keys a protocol's ``overrides`` may replace.
DEFAULTS: Mapping[str, LadderParameter] = {
    "reduction_share": LadderParameter(0.37, "1", "recalled", f"{_KUDO}: dose reductions for adverse events 37 %"),
    "interruption_share": LadderParameter(0.40, "1", "recalled",
                                          f"{_KUDO}: dose interruptions for adverse events 40 % (reported only)"),
    "withdrawal_share": LadderParameter(0.09, "1", "recalled", f"{_KUDO}: withdrawal for adverse events 9 %"),
    "modification_share_12mg": LadderParameter(0.575, "1", "sourced", f"{_OKUSAKA}: >= 60 kg (12 mg), n = 325"),
    "modification_share_8mg": LadderParameter(0.430, "1", "sourced", f"{_OKUSAKA}: < 60 kg (8 mg), n = 153"),
    "n_12mg": LadderParameter(325, "patients", "sourced", _OKUSAKA),
    "n_8mg": LadderParameter(153, "patients", "sourced", _OKUSAKA),
    "median_days_first": LadderParameter(
        60.0, "day", "assumption",
        "No REFLECT time to first reduction was found. Lenvatinib's common adverse events start early (SELECT, "
        "24 mg: median first onset 3-12 weeks for fatigue, proteinuria, palmar-plantar erythrodysaesthesia, "
        "rash, diarrhoea; Haddad RI et al. Future Oncol 2017, abstract); about 2 months at the lower HCC doses"),
    "p_recurrence": LadderParameter(
        0.30, "1", "assumption",
        "Share of patients who need a further reduction on each reduced level; no per-level rates were found. "
        "Lower than the first-event share because the dose is lower"),
    "median_days_recurrence": LadderParameter(60.0, "day", "assumption", "As median_days_first"),
    "interruption_days": LadderParameter(
        14.0, "day", "assumption",
        "The labels withhold until recovery to grade 0-1 or baseline (US PI section 2.6, EU SmPC section 4.2); "
        "about two weeks assumed"),
}


def _params(overrides: Mapping[str, float] | None) -> dict[str, float]:
    out = {k: float(v.value) for k, v in DEFAULTS.items()}
    for k, v in dict(overrides or {}).items():
        if k not in DEFAULTS:
            raise InputError(f"unknown adverse-event ladder parameter {k!r}; known: {', '.join(DEFAULTS)}",
                             field="overrides")
        v = float(v)
        if not math.isfinite(v) or v < 0:
            raise InputError(f"ladder parameter {k} must be finite and >= 0; got {v}", field="overrides")
        out[k] = v
    for k in ("reduction_share", "withdrawal_share", "p_recurrence", "modification_share_12mg",
              "modification_share_8mg"):
        if out[k] > 1:
            raise InputError(f"ladder parameter {k} is a share and must be <= 1; got {out[k]}", field="overrides")
    return out


def derived_probabilities(overrides: Mapping[str, float] | None = None) -> dict[str, float]:
    """The model's probabilities from the cited figures (formulas in the module docstring):
    ``p_first_12mg``, ``p_first_8mg``, ``discontinue_share``, ``p_recurrence`` and the medians (days)."""
    p = _params(overrides)
    n12, n8 = p["n_12mg"], p["n_8mg"]
    m = (p["modification_share_12mg"] * n12 + p["modification_share_8mg"] * n8) / (n12 + n8)
    r12 = p["reduction_share"] * p["modification_share_12mg"] / m if m > 0 else 0.0
    r8 = p["reduction_share"] * p["modification_share_8mg"] / m if m > 0 else 0.0
    events = p["reduction_share"] + p["withdrawal_share"]
    disc = p["withdrawal_share"] / events if events > 0 else 0.0
    keep = 1.0 - disc
    p12 = r12 / keep if keep > 0 else 0.0
    p8 = r8 / keep if keep > 0 else 0.0
    if p12 > 1 or p8 > 1:
        raise InputError(f"the ladder figures imply a first-event probability above 1 (12 mg {p12:.3f}, "
                         f"8 mg {p8:.3f})", field="overrides")
    return {"p_first_12mg": p12, "p_first_8mg": p8, "discontinue_share": disc,
            "p_recurrence": p["p_recurrence"], "median_days_first": p["median_days_first"],
            "median_days_recurrence": p["median_days_recurrence"], "interruption_days": p["interruption_days"]}


def ladder_levels() -> tuple[np.ndarray, np.ndarray]:
    """Lenvatinib's ladder from the clinical layer: ``(dose_mg, interval_days)`` per level, level 0 first."""
    ladder = load_dosing_data().ladders["lenvatinib"]
    return (np.array([lv.dose_mg for lv in ladder.levels], float),
            np.array([lv.interval_days for lv in ladder.levels], float))


def start_levels(dose_mg, interval_days: float) -> np.ndarray:
    """Ladder index of each patient's starting dose (mg per administration every ``interval_days``).
    A dose that is not a ladder level raises :class:`InputError`."""
    doses, intervals = ladder_levels()
    d = np.atleast_1d(np.asarray(dose_mg, float))
    idx = np.full(d.shape, -1)
    for k in range(doses.size - 1, -1, -1):
        idx[(np.abs(d - doses[k]) < 1e-9) & (abs(interval_days - intervals[k]) < 1e-9)] = k
    if np.any(idx < 0):
        bad = sorted(set(d[idx < 0].tolist()))
        raise InputError(f"lenvatinib starting dose(s) {bad} mg every {interval_days:g} day(s) are not on the "
                         f"label's dose ladder ({', '.join(f'{x:g}' for x in doses)} mg)", field="dose_mg")
    return idx


@dataclass(frozen=True)
class LadderCourse:
    """Each patient's lenvatinib course: ``times`` (N, K) switch days, sorted, padded with ``inf``;
    ``daily_mg`` (N, K + 1) average daily dose (mg/day) before the first switch, between switches, after
    the last; plus per-patient event days (``inf`` when none)."""

    times: np.ndarray
    daily_mg: np.ndarray
    start_daily_mg: np.ndarray
    first_interruption_day: np.ndarray
    first_reduction_day: np.ndarray
    discontinuation_day: np.ndarray
    n_reductions: np.ndarray

    @property
    def n(self) -> int:
        return self.times.shape[0]

    def dose_intensity(self, horizon_days: float) -> np.ndarray:
        """Per patient: mean daily dose over ``[0, horizon_days]`` divided by the starting daily dose."""
        if not horizon_days > 0:
            raise InputError("horizon_days must be > 0", field="horizon_days")
        edges = np.concatenate([np.zeros((self.n, 1)), np.minimum(self.times, horizon_days),
                                np.full((self.n, 1), horizon_days)], axis=1)
        amount = (np.diff(edges, axis=1) * self.daily_mg).sum(axis=1)
        return amount / horizon_days / self.start_daily_mg

    def summary(self, horizon_days: float) -> dict:
        """Shares with a reduction / interruption / discontinuation by ``horizon_days``, the median day of the
        first reduction among those reduced, and the mean relative dose intensity over the horizon."""
        red = self.first_reduction_day <= horizon_days
        med = float(np.median(self.first_reduction_day[red])) if red.any() else None
        return {"horizon_days": float(horizon_days), "n": self.n,
                "reduction_share": float(red.mean()),
                "interruption_share": float((self.first_interruption_day <= horizon_days).mean()),
                "discontinuation_share": float((self.discontinuation_day <= horizon_days).mean()),
                "median_day_first_reduction": med,
                "mean_dose_intensity": float(self.dose_intensity(horizon_days).mean())}


def ladder_course(start_index, rng: np.random.Generator,
                  overrides: Mapping[str, float] | None = None) -> LadderCourse:
    """Draw each patient's course down the ladder from its starting level (``start_index``, from
    :func:`start_levels`). Reproducible for a given ``rng`` state."""
    doses, intervals = ladder_levels()
    daily = doses / intervals
    start = np.atleast_1d(np.asarray(start_index, int))
    n_lv = doses.size
    if np.any((start < 0) | (start >= n_lv)):
        raise InputError(f"start_index must be a ladder level 0-{n_lv - 1}", field="start_index")
    q = derived_probabilities(overrides)
    n = start.size
    k_max = 2 * n_lv
    times = np.full((n, k_max), np.inf)
    levels = np.zeros((n, k_max + 1))
    levels[:, 0] = daily[start]
    first_int = np.full(n, np.inf)
    first_red = np.full(n, np.inf)
    disc_day = np.full(n, np.inf)
    n_red = np.zeros(n, int)
    level = start.copy()
    t_on = np.zeros(n)                    # day the current level started
    active = np.ones(n, bool)             # still on lenvatinib and able to have a further event
    slot = np.zeros(n, int)               # next free switch column
    p_first = np.where(start == 0, q["p_first_12mg"], q["p_first_8mg"])
    for e in range(n_lv):
        u_event, u_disc = rng.uniform(size=n), rng.uniform(size=n)
        median = q["median_days_first"] if e == 0 else q["median_days_recurrence"]
        wait = rng.exponential(median / math.log(2), size=n) if median > 0 else np.zeros(n)
        p = p_first if e == 0 else np.full(n, q["p_recurrence"])
        event = active & (u_event < p)
        day = t_on + wait
        stop = event & ((u_disc < q["discontinue_share"]) | (level + 1 >= n_lv))
        reduce = event & ~stop
        rows = np.flatnonzero(stop)
        times[rows, slot[rows]] = day[rows]
        levels[rows, slot[rows] + 1] = 0.0
        disc_day[rows] = day[rows]
        slot[rows] += 1
        rows = np.flatnonzero(reduce)
        resume = day[rows] + q["interruption_days"]
        times[rows, slot[rows]] = day[rows]
        levels[rows, slot[rows] + 1] = 0.0
        times[rows, slot[rows] + 1] = resume
        levels[rows, slot[rows] + 2] = daily[level[rows] + 1]
        first_int[rows] = np.minimum(first_int[rows], day[rows])
        first_red[rows] = np.minimum(first_red[rows], day[rows])
        n_red[rows] += 1
        slot[rows] += 2
        level[rows] += 1
        t_on[rows] = resume
        active = reduce
    # pad: after the last switch the level stays
    filled = np.arange(k_max + 1)[None, :] <= slot[:, None]
    last = levels[np.arange(n), slot]
    levels = np.where(filled, levels, last[:, None])
    return LadderCourse(times, levels, daily[start], first_int, first_red, disc_day, n_red)
