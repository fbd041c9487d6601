"""Dosing schedules as events: when each administration happens, how much each patient gets, how long it runs.

A :class:`DosingSchedule` is the event table of one drug for a batch of patients: administration times shared by
the batch (days), an amount per patient and administration (mg; 0 where a patient skips a dose) and, for
infusions, the infusion duration of each administration. The PK solvers integrate piecewise between these
events - a bolus is a jump of a compartment, a zero-order input is a constant rate over its window - so a dose
interruption or reduction is exact, never smoothed.

Builders
--------
- :func:`oral_schedule` - once or twice daily oral dosing, one dose level for all or per patient, with dose
  changes from given days (reductions, interruptions as dose 0, re-escalation);
- :func:`oral_schedule_from_daily` - a per-patient, per-day dose matrix (what an adverse-event dose ladder
  produces);
- :func:`infusion_schedule` - flat or weight-based infusions every 2, 3, 4 or 6 weeks with an infusion duration;
- :func:`weight_based_dose` - mg/kg times actual body weight;
- :meth:`DosingSchedule.merge` - phases of a regimen (e.g. induction then maintenance) into one schedule.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from lenvici.errors import InputError

__all__ = [
    "DosingSchedule",
    "oral_schedule",
    "oral_schedule_from_daily",
    "infusion_schedule",
    "weight_based_dose",
]

Route = Literal["oral", "intravenous"]
MINUTES_PER_DAY = 1440.0


def _as_float_array(value, field: str) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise InputError(f"'{field}' must be numbers; got {value!r}", field=field) from exc
    if not np.all(np.isfinite(arr)):
        raise InputError(f"'{field}' must be finite numbers; got {value!r}", field=field)
    return arr


@dataclass(frozen=True)
class DosingSchedule:
    """The administrations of one drug to a batch of patients.

    Attributes
    ----------
    route
        ``oral`` or ``intravenous``.
    times
        Administration times in days since the start of treatment, shape (E,), non-decreasing.
    amounts
        Amount per administration in mg, shape (N, E) (or (1, E): the same for every patient). A 0 is a skipped
        administration (interruption) for that patient.
    infusion_days
        Infusion duration of each administration in days, shape (E,); 0 for oral doses and intravenous boluses.
        (How an oral dose is absorbed - e.g. a zero-order release over D1 - is the model's business.)
    drug
        The drug the schedule is for, when known (checked against the model).
    """

    route: Route
    times: np.ndarray
    amounts: np.ndarray
    infusion_days: np.ndarray
    drug: str | None = None

    def __post_init__(self) -> None:
        times = _as_float_array(self.times, "times").reshape(-1)
        amounts = _as_float_array(self.amounts, "amounts")
        if amounts.ndim == 1:
            amounts = amounts[None, :]
        infusion = _as_float_array(self.infusion_days, "infusion_days").reshape(-1)
        if self.route not in ("oral", "intravenous"):
            raise InputError(f"'route' must be oral or intravenous; got {self.route!r}", field="route")
        if amounts.ndim != 2 or amounts.shape[1] != times.size or infusion.size != times.size:
            raise InputError("times (E,), amounts (N, E) and infusion_days (E,) must agree in E", field="amounts")
        if times.size == 0:
            raise InputError("a schedule needs at least one administration", field="times")
        if np.any(np.diff(times) < 0):
            raise InputError("'times' must be non-decreasing", field="times")
        if np.any(amounts < 0):
            raise InputError("'amounts' cannot be negative (use 0 for a skipped dose)", field="amounts")
        if np.any(infusion < 0):
            raise InputError("'infusion_days' cannot be negative", field="infusion_days")
        if self.route == "oral" and np.any(infusion > 0):
            raise InputError("oral administrations have no infusion duration", field="infusion_days")
        for name, value in (("times", times), ("amounts", amounts), ("infusion_days", infusion)):
            value.setflags(write=False)
            object.__setattr__(self, name, value)

    @property
    def n_patients(self) -> int:
        """Rows of ``amounts`` (1 means every patient gets the same doses)."""
        return self.amounts.shape[0]

    @property
    def n_events(self) -> int:
        return self.times.size

    @property
    def start(self) -> float:
        """Time of the first administration (days); time-varying clearance counts from here."""
        return float(self.times[0])

    def amounts_for(self, n: int) -> np.ndarray:
        """``amounts`` broadcast to ``n`` patients, shape (n, E)."""
        if self.n_patients not in (1, n):
            raise InputError(f"the schedule is for {self.n_patients} patients, the parameters for {n}",
                             field="amounts")
        return np.broadcast_to(self.amounts, (n, self.n_events))

    def total_amount(self) -> np.ndarray:
        """Total amount administered to each patient (mg), shape (N,)."""
        return self.amounts.sum(axis=1)

    def merge(self, other: DosingSchedule) -> DosingSchedule:
        """The administrations of both schedules in time order (same route and drug)."""
        if other.route != self.route or (self.drug and other.drug and self.drug != other.drug):
            raise InputError("only schedules of the same drug and route can be merged", field="route")
        n = max(self.n_patients, other.n_patients)
        times = np.concatenate([self.times, other.times])
        order = np.argsort(times, kind="stable")
        amounts = np.concatenate([self.amounts_for(n), other.amounts_for(n)], axis=1)[:, order]
        infusion = np.concatenate([self.infusion_days, other.infusion_days])[order]
        return DosingSchedule(self.route, times[order], amounts, infusion, self.drug or other.drug)


def weight_based_dose(mg_per_kg: float, weight_kg) -> np.ndarray:
    """Dose in mg for an mg/kg regimen: ``mg_per_kg`` times actual body weight (kg), shape of ``weight_kg``."""
    weight = _as_float_array(weight_kg, "weight_kg")
    if mg_per_kg <= 0 or np.any(weight <= 0):
        raise InputError("mg_per_kg and weight_kg must be positive", field="weight_kg")
    return mg_per_kg * weight


def oral_schedule(dose_mg, n_days: int, *, per_day: int = 1, start_day: float = 0.0,
                  changes: Sequence[tuple[float, float]] = (), drug: str | None = None) -> DosingSchedule:
    """Daily oral dosing for ``n_days`` days, with dose changes from given days.

    Parameters
    ----------
    dose_mg
        Amount per administration (mg): a number for everyone or an array (N,) per patient (e.g. lenvatinib
        8 mg below 60 kg and 12 mg from 60 kg).
    n_days
        Number of treatment days (>= 1).
    per_day
        Administrations per day, equally spaced (1: once daily, 2: twice daily every 12 h).
    start_day
        Day of the first administration.
    changes
        ``(day, dose_mg)`` events: from ``day`` (counted from ``start_day``) on, every administration is
        ``dose_mg`` (0 interrupts, a later event resumes). Applied to every patient; for per-patient histories
        use :func:`oral_schedule_from_daily`.
    drug
        Optional drug name, checked against the model.

    Examples
    --------
    >>> s = oral_schedule(12.0, 28, changes=[(14, 0.0), (21, 8.0)])
    >>> float(s.amounts[0, 13]), float(s.amounts[0, 14]), float(s.amounts[0, 21])
    (12.0, 0.0, 8.0)
    """
    if int(n_days) != n_days or n_days < 1:
        raise InputError(f"'n_days' must be a whole number of days >= 1; got {n_days!r}", field="n_days")
    if per_day not in (1, 2, 3, 4):
        raise InputError(f"'per_day' must be 1 to 4 administrations a day; got {per_day!r}", field="per_day")
    dose = _as_float_array(dose_mg, "dose_mg")
    if dose.ndim > 1:
        raise InputError("'dose_mg' must be a number or an array (N,)", field="dose_mg")
    n_admin = int(n_days) * per_day
    offsets = np.arange(n_admin) / per_day
    per_patient = np.broadcast_to(np.atleast_1d(dose)[:, None], (np.atleast_1d(dose).size, n_admin)).copy()
    for day, new_dose in sorted(changes, key=lambda c: c[0]):
        if not np.isfinite(day) or day < 0 or not np.isfinite(new_dose) or new_dose < 0:
            raise InputError(f"dose change {(day, new_dose)!r} needs a day >= 0 and a dose >= 0 mg",
                             field="changes")
        per_patient[:, offsets >= day - 1e-12] = new_dose
    return DosingSchedule("oral", start_day + offsets, per_patient, np.zeros(n_admin), drug)


def oral_schedule_from_daily(daily_dose_mg, *, per_day: int = 1, start_day: float = 0.0,
                             drug: str | None = None) -> DosingSchedule:
    """Oral dosing from a per-patient, per-day matrix of the amount per administration.

    ``daily_dose_mg`` has shape (N, D): entry (i, d) is the amount (mg) of each of the ``per_day`` administrations
    patient i takes on day d (0: no dose that day). "4 mg every other day" is a row alternating 4 and 0.
    """
    daily = _as_float_array(daily_dose_mg, "daily_dose_mg")
    if daily.ndim != 2 or daily.shape[1] < 1:
        raise InputError("'daily_dose_mg' must be a matrix (N patients, D days)", field="daily_dose_mg")
    if per_day not in (1, 2, 3, 4):
        raise InputError(f"'per_day' must be 1 to 4; got {per_day!r}", field="per_day")
    amounts = np.repeat(daily, per_day, axis=1)
    times = start_day + np.arange(amounts.shape[1]) / per_day
    return DosingSchedule("oral", times, amounts, np.zeros(times.size), drug)


def infusion_schedule(dose_mg, interval_days: float, n_doses: int, *, infusion_minutes: float = 30.0,
                      start_day: float = 0.0, skip: Sequence[int] = (), drug: str | None = None) -> DosingSchedule:
    """Intravenous infusions every ``interval_days`` (14: q2w, 21: q3w, 28: q4w, 42: q6w).

    Parameters
    ----------
    dose_mg
        Amount per infusion (mg): a number (flat dose) or an array (N,) (e.g. from :func:`weight_based_dose`).
    interval_days
        Days between infusion starts.
    n_doses
        Number of infusions.
    infusion_minutes
        Duration of each infusion (minutes; 0 gives a bolus). The labels give 30 min (pembrolizumab, nivolumab)
        or 60 min (first atezolizumab and durvalumab infusions).
    start_day
        Day of the first infusion.
    skip
        Indices (0-based) of infusions withheld (amount 0), e.g. for an immune-related adverse event.
    drug
        Optional drug name, checked against the model.
    """
    if int(n_doses) != n_doses or n_doses < 1:
        raise InputError(f"'n_doses' must be a whole number >= 1; got {n_doses!r}", field="n_doses")
    if not interval_days > 0:
        raise InputError(f"'interval_days' must be positive; got {interval_days!r}", field="interval_days")
    if infusion_minutes < 0 or infusion_minutes / MINUTES_PER_DAY >= interval_days:
        raise InputError("'infusion_minutes' must be >= 0 and shorter than the dosing interval",
                         field="infusion_minutes")
    dose = np.atleast_1d(_as_float_array(dose_mg, "dose_mg"))
    if dose.ndim > 1:
        raise InputError("'dose_mg' must be a number or an array (N,)", field="dose_mg")
    n = int(n_doses)
    amounts = np.repeat(dose[:, None], n, axis=1)
    for k in skip:
        if not 0 <= k < n:
            raise InputError(f"skip index {k} outside 0..{n - 1}", field="skip")
        amounts[:, k] = 0.0
    times = start_day + interval_days * np.arange(n)
    return DosingSchedule("intravenous", times, amounts, np.full(n, infusion_minutes / MINUTES_PER_DAY), drug)
