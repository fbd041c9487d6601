"""Input checks of the dosing functions: each names the field, the value and what is accepted.

Body weight goes through :mod:`lenvici.units` (``"VALUE UNIT"``, canonical kg). Doses are in mg only and
QTc in ms only, so no conversion is made here; urine protein is in g/24 h (``g/24h`` or ``g/d``).
"""

from __future__ import annotations

import math
import re

from lenvici.clinical.dosing._schema import JURISDICTIONS, Ladder
from lenvici.clinical.validation import check_choice, check_flag, quantity
from lenvici.errors import InputError

__all__ = ["jurisdiction", "weight_kg", "current_level", "measurement", "flag", "normalise_name",
           "CHILD_PUGH", "RENAL"]

CHILD_PUGH = ("A", "B", "C")
RENAL = ("none", "mild", "moderate", "severe", "end-stage")

_DOSE = re.compile(r"^\s*([-+]?(?:\d+(?:\.\d*)?|\.\d+))\s*mg\b\s*(.*?)\s*$", re.IGNORECASE)
_SCHEDULES = {
    (1, 1): ("", "daily", "once daily", "once a day", "qd", "od", "/day", "/d", "per day", "a day", "every day"),
    (1, 2): ("bid", "b.i.d.", "twice daily", "twice a day", "2x daily", "every 12 hours", "q12h"),
    (2, 1): ("qod", "q.o.d.", "every other day", "every second day", "alternate days", "on alternate days",
             "q2d", "eod", "every 2 days"),
}
_MEASURES = {
    "urine_protein": (("g/24h", "g/24 h", "g/d", "g/day", "g/(24.h)"), "g/24h", 0.0, 50.0),
    "qtc": (("ms",), "ms", 200.0, 800.0),
    "qtc_baseline": (("ms",), "ms", 200.0, 800.0),
}


def normalise_name(value: object) -> str:
    """A drug, regimen or event name in lower case with ``-`` for spaces and underscores."""
    return re.sub(r"[\s_]+", "-", value.strip().lower()) if isinstance(value, str) else ""


def jurisdiction(value: object) -> str:
    return check_choice(value, "jurisdiction", JURISDICTIONS)


def flag(value: object, field: str) -> bool:
    return check_flag(value, field)


def weight_kg(value: object, edges: tuple[float, ...] = ()) -> float:
    """Actual body weight in kg; a value within 1e-9 (relative) of a band edge is that edge.

    The snap only absorbs float noise from unit conversion (``132.277 lb``), never a real difference.
    """
    kg = quantity(value, "weight")
    for edge in edges:
        if abs(kg - edge) <= 1e-9 * edge:
            return edge
    return kg


def _schedule_key(text: str) -> tuple[int, int] | None:
    key = re.sub(r"\s+", " ", text.strip().lower())
    for schedule, spellings in _SCHEDULES.items():
        if key in spellings:
            return schedule
    return None


def current_level(value: object, ladder: Ladder, field: str = "current") -> int:
    """Index in ``ladder.levels`` of a dose written ``"12 mg"``, ``"4 mg every other day"``, ``"400 mg bid"``.

    A dose without a schedule means once daily (the labels spell out every other schedule).
    """
    allowed = "; ".join(f"{lv.dose_mg:g} mg {lv.schedule}" for lv in ladder.levels)
    if not isinstance(value, str):
        raise InputError(f"{field!r} must be a dose such as '12 mg' or '4 mg every other day'; got {value!r}",
                         field)
    match = _DOSE.match(value)
    if match is None:
        raise InputError(f"{field!r} must be 'VALUE mg [schedule]' (doses in mg only), one of the {ladder.drug} "
                         f"HCC levels: {allowed}; got {value!r}", field)
    dose = float(match.group(1))
    schedule = _schedule_key(match.group(2))
    if schedule is None:
        raise InputError(f"{field!r}: unknown schedule {match.group(2)!r}; write once daily, twice daily or "
                         f"every other day; got {value!r}", field)
    interval, per_day = schedule
    for index, level in enumerate(ladder.levels):
        if math.isclose(level.dose_mg, dose) and level.interval_days == interval and level.doses_per_day == per_day:
            return index
    raise InputError(f"{field!r} = {value!r} is not a {ladder.drug} HCC dose level; the levels are: {allowed}",
                     field)


def measurement(value: object, field: str) -> float:
    """A measured value with its unit: urine protein in g/24 h, QTc in ms."""
    units, canonical, low, high = _MEASURES[field]
    text = value if isinstance(value, str) else None
    match = re.match(r"^\s*([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)\s*(.*?)\s*$", text or "")
    if match is None or match.group(2).replace(" ", "").lower() not in {u.replace(" ", "").lower() for u in units}:
        raise InputError(f"{field!r} must be 'VALUE {canonical}' (accepted units: {', '.join(units)}); "
                         f"got {value!r}", field)
    number = float(match.group(1))
    if not (math.isfinite(number) and low <= number <= high):
        raise InputError(f"{field!r} = {value!r} is outside the accepted range [{low:g}, {high:g}] {canonical}", field)
    return number
