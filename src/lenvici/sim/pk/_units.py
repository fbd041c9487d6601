"""Units of population-PK parameters as papers and labels write them, and their factors to model units.

Model units inside :mod:`lenvici.sim.pk` (DESIGN §3: time in days inside models): time in days, volume in L,
clearance in L/day, rate constants in 1/day, amounts in mg, concentrations in mg/L before the drug's reporting
factor is applied. This table only normalises *parameter* units read from ``pk_parameters.yaml``; clinical
quantities (weight, albumin, ...) keep the canonical units of :mod:`lenvici.units` and are never converted here.
"""

from __future__ import annotations

__all__ = ["PARAMETER_UNITS", "CONCENTRATION_UNITS", "to_model_units"]

HOURS_PER_DAY = 24.0

#: Accepted parameter unit -> (kind, factor to the model unit of that kind).
PARAMETER_UNITS: dict[str, tuple[str, float]] = {
    "L/day": ("clearance", 1.0),
    "L/h": ("clearance", HOURS_PER_DAY),
    "mL/h": ("clearance", HOURS_PER_DAY / 1000.0),
    "mL/day": ("clearance", 1.0 / 1000.0),
    "L": ("volume", 1.0),
    "day": ("time", 1.0),
    "h": ("time", 1.0 / HOURS_PER_DAY),
    "1/day": ("rate", 1.0),
    "1/h": ("rate", HOURS_PER_DAY),
    "1": ("dimensionless", 1.0),
}

#: Reporting concentration unit -> factor from mg/L (amount in mg over volume in L).
CONCENTRATION_UNITS: dict[str, float] = {
    "mg/L": 1.0,
    "ug/mL": 1.0,
    "ng/mL": 1000.0,
}


def to_model_units(value: float, unit: str) -> float:
    """``value`` in ``unit`` expressed in the model unit of its kind (days, L, L/day, 1/day)."""
    return value * PARAMETER_UNITS[unit][1]
