"""Quantities with units: parsing, canonical units, conversions and physiological ranges.

This module is the only place where clinical units are converted. A clinical input is a
:class:`Quantity`; text input is ``"VALUE UNIT"`` with UCUM unit spellings as FHIR uses them
(``g/dL g/L mg/dL mg/L umol/L 10*9/L 10*3/uL 10*4/uL /uL ng/mL mAU/mL U/L kg cm m mm``) and common
variants (``µmol/L``, ``x10^9/L``, ``/mm3``).

Canonical units (DESIGN §3): bilirubin µmol/L, albumin g/L, CRP mg/L, cholesterol mg/dL, cell counts
10⁹/L, weight kg, height cm, diameters mm, time in days inside models and months in reported endpoints.

A bare number for a dimensioned analyte, an unknown unit, a unit of the wrong kind or a value outside
the physiological range raises :class:`lenvici.errors.InputError` naming the field and what is accepted.

References
----------
Bilirubin: 1 mg/dL = 17.104 µmol/L (molar mass of bilirubin 584.66 g/mol).
Total cholesterol: 1 mmol/L = 38.67 mg/dL (molar mass 386.65 g/mol).
Platelets: 1 × 10⁴/µL = 10 × 10⁹/L; 1 × 10³/µL = 1 × 10⁹/L.
AFP: 1 IU/mL = 1.21 ng/mL (WHO 72/225 standard).
Month: 365.25 / 12 = 30.4375 days.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from lenvici.errors import InputError

__all__ = [
    "DAYS_PER_MONTH",
    "ANALYTES",
    "Analyte",
    "Quantity",
    "parse_quantity",
    "to_canonical",
    "days_to_months",
    "months_to_days",
]

#: Days in an average Gregorian month (365.25 / 12), used for every day ↔ month conversion.
DAYS_PER_MONTH = 30.4375


def days_to_months(days: float) -> float:
    """Convert a duration in days to months (30.4375 days per month)."""
    return days / DAYS_PER_MONTH


def months_to_days(months: float) -> float:
    """Convert a duration in months to days (30.4375 days per month)."""
    return months * DAYS_PER_MONTH


@dataclass(frozen=True)
class Analyte:
    """A kind of clinical quantity: its canonical unit, accepted units and plausible range.

    ``factors`` maps each accepted (normalised) unit spelling to the multiplier that takes a value in
    that unit to the canonical unit. ``low``/``high`` bound the physiologically plausible canonical
    value (inclusive).
    """

    name: str
    canonical: str
    factors: dict[str, float]
    low: float
    high: float
    dimensionless: bool = False

    @property
    def accepted(self) -> tuple[str, ...]:
        return tuple(self.factors)


_CELLS = {"10*9/L": 1.0, "10*3/uL": 1.0, "/uL": 1e-3, "/mm3": 1e-3, "10*4/uL": 10.0, "10*6/uL": 1e3}

#: The analytes lenvici accepts as clinical inputs, keyed by input name.
ANALYTES: dict[str, Analyte] = {
    a.name: a
    for a in (
        Analyte("bilirubin", "umol/L", {"umol/L": 1.0, "mg/dL": 17.104, "mg/L": 1.7104}, 0.0, 1500.0),
        Analyte("albumin", "g/L", {"g/L": 1.0, "g/dL": 10.0}, 5.0, 70.0),
        Analyte("crp", "mg/L", {"mg/L": 1.0, "mg/dL": 10.0}, 0.0, 800.0),
        Analyte("cholesterol", "mg/dL", {"mg/dL": 1.0, "mmol/L": 38.67}, 20.0, 1500.0),
        Analyte("neutrophils", "10*9/L", dict(_CELLS), 0.0, 150.0),
        Analyte("lymphocytes", "10*9/L", dict(_CELLS), 0.0, 400.0),
        Analyte("platelets", "10*9/L", dict(_CELLS), 1.0, 3000.0),
        Analyte("afp", "ng/mL", {"ng/mL": 1.0, "ug/L": 1.0, "[IU]/mL": 1.21}, 0.0, 1e8),
        Analyte("pivka", "mAU/mL", {"mAU/mL": 1.0}, 0.0, 1e7),
        Analyte("ggt", "U/L", {"U/L": 1.0}, 0.0, 10000.0),
        Analyte("weight", "kg", {"kg": 1.0, "g": 1e-3, "[lb_av]": 0.45359237}, 20.0, 350.0),
        Analyte("height", "cm", {"cm": 1.0, "m": 100.0, "mm": 0.1, "[in_i]": 2.54}, 100.0, 250.0),
        Analyte("age", "a", {"a": 1.0}, 0.0, 120.0),
        Analyte("diameter", "mm", {"mm": 1.0, "cm": 10.0}, 0.0, 500.0),
        Analyte("inr", "1", {"1": 1.0}, 0.5, 15.0, dimensionless=True),
        # Body composition (nutrition scores): L3 skeletal muscle area on CT, handgrip strength and the
        # bioelectrical-impedance skeletal muscle index, as the JSH sarcopenia criteria use them.
        Analyte("muscle_area", "cm2", {"cm2": 1.0, "mm2": 0.01}, 10.0, 700.0),
        Analyte("grip_strength", "kg", {"kg": 1.0}, 0.0, 150.0),
        Analyte("bia_smi", "kg/m2", {"kg/m2": 1.0}, 1.0, 25.0),
    )
}

# Common spellings mapped to the UCUM spelling used as key above.
_SYNONYMS = {
    "µmol/l": "umol/L", "μmol/l": "umol/L", "umol/l": "umol/L", "mmol/l": "mmol/L",
    "mg/dl": "mg/dL", "mg/l": "mg/L", "g/dl": "g/dL", "g/l": "g/L",
    "10*9/l": "10*9/L", "10^9/l": "10*9/L", "x10^9/l": "10*9/L", "×10^9/l": "10*9/L", "x10*9/l": "10*9/L",
    "10e9/l": "10*9/L", "g/l(cells)": "10*9/L",
    "10*3/ul": "10*3/uL", "10^3/ul": "10*3/uL", "x10^3/ul": "10*3/uL", "10*3/µl": "10*3/uL", "k/ul": "10*3/uL",
    "10*4/ul": "10*4/uL", "10^4/ul": "10*4/uL", "x10^4/ul": "10*4/uL", "10*4/µl": "10*4/uL",
    "10*6/ul": "10*6/uL",
    "/ul": "/uL", "/µl": "/uL", "cells/ul": "/uL", "/mm3": "/mm3", "/mm^3": "/mm3", "mm3": "/mm3",
    "cells/mm3": "/mm3",
    "ng/ml": "ng/mL", "ug/l": "ug/L", "µg/l": "ug/L", "[iu]/ml": "[IU]/mL", "iu/ml": "[IU]/mL",
    "mau/ml": "mAU/mL", "u/l": "U/L", "iu/l": "U/L", "[iu]/l": "U/L",
    "kg": "kg", "g": "g", "lb": "[lb_av]", "lbs": "[lb_av]", "[lb_av]": "[lb_av]",
    "cm": "cm", "m": "m", "mm": "mm", "in": "[in_i]", "[in_i]": "[in_i]",
    "a": "a", "y": "a", "yr": "a", "year": "a", "years": "a",
    "1": "1", "": "1",
    "cm2": "cm2", "cm^2": "cm2", "cm²": "cm2", "mm2": "mm2", "mm^2": "mm2", "mm²": "mm2",
    "kg/m2": "kg/m2", "kg/m^2": "kg/m2", "kg/m²": "kg/m2",
}

_NUMBER = re.compile(r"^\s*([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)\s*(.*?)\s*$")


@dataclass(frozen=True)
class Quantity:
    """A value with its unit (UCUM spelling)."""

    value: float
    unit: str

    def __str__(self) -> str:
        return f"{self.value:g} {self.unit}"


def _normalise_unit(unit: str) -> str | None:
    key = unit.strip().replace(" ", "").lower()
    return _SYNONYMS.get(key)


def _analyte(field: str) -> Analyte:
    name = "diameter" if field.endswith(("diameter", "tumour", "tumor", "_mm")) else field
    try:
        return ANALYTES[name]
    except KeyError:
        raise InputError(f"unknown quantity {field!r}; known: {', '.join(ANALYTES)}", field) from None


def parse_quantity(text: str | Quantity | float | int, field: str) -> Quantity:
    """Parse ``"VALUE UNIT"`` into a :class:`Quantity` for the input named ``field``.

    A bare number is accepted only for dimensionless inputs (INR). The unit is normalised to its UCUM
    spelling. Range checks happen in :func:`to_canonical`.

    Raises
    ------
    InputError
        When the text is not a number followed by a unit, or the unit is unknown for ``field``.

    Examples
    --------
    >>> parse_quantity("3.5 g/dL", "albumin")
    Quantity(value=3.5, unit='g/dL')
    """
    analyte = _analyte(field)
    if isinstance(text, Quantity):
        value, raw_unit = text.value, text.unit
    elif isinstance(text, bool):
        raise InputError(f"{field!r} must be a quantity such as '1.0 {analyte.canonical}'; got {text!r}", field)
    elif isinstance(text, (int, float)):
        value, raw_unit = float(text), ""
    elif isinstance(text, str):
        match = _NUMBER.match(text)
        if match is None:
            raise InputError(
                f"{field!r} must be 'VALUE UNIT' (e.g. '1.0 {analyte.canonical}'); got {text!r}", field
            )
        value, raw_unit = float(match.group(1)), match.group(2)
    else:
        raise InputError(f"{field!r} must be 'VALUE UNIT'; got {type(text).__name__}", field)
    if not math.isfinite(value):
        raise InputError(f"{field!r} must be a finite number; got {value!r}", field)
    if raw_unit.strip() == "" and not analyte.dimensionless:
        raise InputError(
            f"{field!r} needs a unit; accepted units: {', '.join(analyte.accepted)} (got a bare number {value:g})",
            field,
        )
    unit = _normalise_unit(raw_unit)
    if unit is None or unit not in analyte.factors:
        raise InputError(
            f"{field!r}: unknown unit {raw_unit!r}; accepted units: {', '.join(analyte.accepted)}", field
        )
    return Quantity(value, unit)


def to_canonical(quantity: str | Quantity | float | int, field: str) -> float:
    """The value of ``quantity`` in the canonical unit of ``field``, range-checked.

    Raises
    ------
    InputError
        When the quantity cannot be parsed, its unit is not accepted for ``field``, or the converted value
        lies outside the physiological range.

    Examples
    --------
    >>> round(to_canonical("1.0 mg/dL", "bilirubin"), 3)
    17.104
    >>> to_canonical("25 10*4/uL", "platelets")
    250.0
    """
    analyte = _analyte(field)
    q = parse_quantity(quantity, field)
    value = q.value * analyte.factors[q.unit]
    if not analyte.low <= value <= analyte.high:
        raise InputError(
            f"{field!r} = {q} is outside the physiological range "
            f"[{analyte.low:g}, {analyte.high:g}] {analyte.canonical} (accepted units: {', '.join(analyte.accepted)})",
            field,
        )
    return value
