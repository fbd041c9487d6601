"""FHIR R4 input: a Bundle of Patients and LOINC-coded Observations as a cohort to score.

The Bundle is parsed and validated with the ``fhir.resources`` models (its ``R4B`` package: FHIR R4B, whose
Patient, Observation and Bundle are R4's), installed with ``pip install 'lenvici[fhir]'``. Each Observation
coded with one of :data:`LOINC_FIELDS` (in ``code`` or in a ``component``) and carrying a
``valueQuantity`` gives a value for its patient; per patient and code the latest one counts, by
``effectiveDateTime`` (or ``effectiveInstant``, the end or start of ``effectivePeriod``, then ``issued``;
a partial date such as ``2023-05`` stands for its first day, a time without zone for UTC; an undated value
counts only when no dated one exists; ties go to the later entry in the Bundle).

The result is a frame with one row per patient: ``patient`` (the Patient id), ``sex`` (``Patient.gender``),
``age`` (whole years at the date of the patient's latest value), and per field a ``"VALUE UNIT"`` cell with
the UCUM code as the unit (``"3.5 g/dL"``) and a ``<field>_date`` column. The cohort engine converts the
units through :mod:`lenvici.units` and names any unit it does not know in that score's error column; a
comparator (``<0.3 mg/dL``) is kept in the cell, so it is refused by name rather than replaced by an older
value. A UCUM annotation alone (``{INR}``) is the unit 1, as UCUM defines it. Observations that cannot be
used (no value, cancelled, no subject) are listed in :attr:`FhirCohort.notes`, never dropped silently.

References
----------
HL7 FHIR R4 (4.0.1): Bundle, Patient, Observation. https://hl7.org/fhir/R4/
The Unified Code for Units of Measure (UCUM), §2.4 (annotations). https://ucum.org/ucum
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

import polars as pl

from lenvici.clinical._cohort_fields import FIELDS
from lenvici.errors import InputError

__all__ = ["LOINC_FIELDS", "LOINC_SYSTEM", "UCUM_SYSTEM", "FhirCohort", "read_bundle"]

LOINC_SYSTEM = "http://loinc.org"
UCUM_SYSTEM = "http://unitsofmeasure.org"

#: LOINC code → cohort input name.
LOINC_FIELDS: Mapping[str, str] = MappingProxyType({
    "1751-7": "albumin",        # Albumin [Mass/volume] in Serum or Plasma
    "1975-2": "bilirubin",      # Bilirubin.total [Mass/volume] in Serum or Plasma
    "6301-6": "inr",            # INR in Platelet poor plasma by Coagulation assay
    "1988-5": "crp",            # C reactive protein [Mass/volume] in Serum or Plasma
    "777-3": "platelets",       # Platelets [#/volume] in Blood by Automated count
    "731-0": "lymphocytes",     # Lymphocytes [#/volume] in Blood by Automated count
    "751-8": "neutrophils",     # Neutrophils [#/volume] in Blood by Automated count
    "2093-3": "cholesterol",    # Cholesterol [Mass/volume] in Serum or Plasma
    "1834-1": "afp",            # Alpha-1-Fetoprotein [Mass/volume] in Serum or Plasma
    "2324-2": "ggt",            # Gamma glutamyl transferase [Enzymatic activity/volume] in Serum or Plasma
    "29463-7": "weight",        # Body weight
    "8302-2": "height",         # Body height
})

_UNUSABLE_STATUS = frozenset({"entered-in-error", "cancelled"})
_EPOCH = dt.datetime.min.replace(tzinfo=dt.timezone.utc)


@dataclass(frozen=True)
class FhirCohort:
    """Patients of a Bundle with their latest value per LOINC code, ready for :func:`~lenvici.clinical.cohort.score_cohort`."""

    frame: pl.DataFrame
    observations_used: int
    notes: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict:
        return {"patients": self.frame.height, "observations_used": self.observations_used,
                "notes": list(self.notes)}


def _models():
    try:
        from fhir.resources.R4B.bundle import Bundle
    except ImportError:  # pragma: no cover - the extra is part of the test environment
        raise InputError("reading FHIR needs the 'fhir.resources' package: pip install 'lenvici[fhir]'",
                         "data") from None
    return Bundle


def _when(value: object) -> dt.datetime | None:
    """A FHIR date, dateTime or instant (as the models give it) as an aware UTC datetime."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.timezone.utc) if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.timezone.utc)
    parts = [int(p) for p in str(value).split("-")[:3] if p.isdigit()]  # partial dates: 2023, 2023-05
    return dt.datetime(*(parts + [1, 1][len(parts) - 1:]), tzinfo=dt.timezone.utc) if parts else None


def _effective(observation) -> dt.datetime | None:
    period = observation.effectivePeriod
    for value in (observation.effectiveDateTime, observation.effectiveInstant,
                  period.end if period else None, period.start if period else None, observation.issued):
        when = _when(value)
        if when is not None:
            return when
    return None


def _loinc(concept) -> str | None:
    for coding in (concept.coding or []) if concept else []:
        if coding.system == LOINC_SYSTEM and coding.code in LOINC_FIELDS:
            return coding.code
    return None


def _cell(quantity, name: str) -> str:
    """``"VALUE UNIT"`` for a valueQuantity: the UCUM code (else the unit text), a comparator kept in front."""
    unit = quantity.code if quantity.code and quantity.system in (None, UCUM_SYSTEM) else quantity.unit
    unit = (unit or "").strip()
    if unit.startswith("{") and unit.endswith("}") and "}" not in unit[1:-1] and FIELDS[name].analyte.dimensionless:
        unit = "1"  # UCUM §2.4: an annotation alone is the unity
    value = "" if quantity.value is None else str(quantity.value)
    return f"{quantity.comparator or ''}{value} {unit}".strip()


def _load(source: str | Path | Mapping) -> dict:
    if isinstance(source, Mapping):
        return dict(source)
    path = Path(source)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read FHIR bundle {str(path)!r}: {exc.strerror}", "data") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"FHIR bundle {path.name!r} is not JSON: {exc.msg} (line {exc.lineno})", "data") from None


def read_bundle(source: str | Path | Mapping) -> FhirCohort:
    """Patients and their latest LOINC-coded values from a FHIR R4 Bundle (a path or the parsed JSON).

    Raises
    ------
    InputError
        When the file is not JSON, not a Bundle, or not valid FHIR (the first problem is named).

    Examples
    --------
    >>> bundle = {"resourceType": "Bundle", "type": "collection", "entry": [
    ...     {"resource": {"resourceType": "Patient", "id": "p1", "gender": "female"}},
    ...     {"resource": {"resourceType": "Observation", "status": "final", "subject": {"reference": "Patient/p1"},
    ...                   "code": {"coding": [{"system": "http://loinc.org", "code": "1751-7"}]},
    ...                   "effectiveDateTime": "2024-01-05",
    ...                   "valueQuantity": {"value": 3.4, "system": "http://unitsofmeasure.org", "code": "g/dL"}}}]}
    >>> read_bundle(bundle).frame.select("patient", "sex", "albumin").row(0)
    ('p1', 'female', '3.4 g/dL')
    """
    from pydantic import ValidationError

    document = _load(source)
    if document.get("resourceType") != "Bundle":
        raise InputError(f"a FHIR Bundle is needed; got resourceType {document.get('resourceType')!r}", "data")
    try:
        bundle = _models().model_validate(document)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        raise InputError(f"not a valid FHIR R4 Bundle at {where or 'the top level'}: {first.get('msg')}",
                         "data") from None
    return _collect(bundle)


def _collect(bundle) -> FhirCohort:
    patients: dict[str, dict] = {}
    aliases: dict[str, str] = {}
    observations = []
    notes: list[str] = []
    for position, entry in enumerate(bundle.entry or []):
        resource = entry.resource
        if resource is None:
            continue
        kind = resource.get_resource_type()
        if kind == "Patient":
            pid = resource.id or entry.fullUrl or f"entry-{position}"
            patients[pid] = {"sex": resource.gender, "birth": resource.birthDate}
            aliases[f"Patient/{pid}"] = pid
            if entry.fullUrl:
                aliases[entry.fullUrl] = pid
        elif kind == "Observation":
            observations.append((position, resource))
    latest: dict[tuple[str, str], tuple] = {}
    for position, obs in observations:
        label = f"Observation/{obs.id or f'entry-{position}'}"
        items = [(obs.code, obs.valueQuantity)] + [(c.code, c.valueQuantity) for c in obs.component or []]
        coded = [(_loinc(code), quantity) for code, quantity in items if _loinc(code)]
        if not coded:
            continue
        if obs.status in _UNUSABLE_STATUS:
            notes.append(f"{label}: status {obs.status!r}, not used")
            continue
        reference = obs.subject.reference if obs.subject else None
        if not reference:
            notes.append(f"{label}: no subject, not used")
            continue
        pid = aliases.get(reference, reference.removeprefix("Patient/"))
        if pid not in patients:
            patients[pid] = {"sex": None, "birth": None}
            notes.append(f"{label}: its patient {reference!r} has no Patient resource in the bundle (sex and age "
                         "missing)")
        when = _effective(obs)
        for code, quantity in coded:
            name = LOINC_FIELDS[code]
            if quantity is None or (quantity.value is None and quantity.comparator is None):
                notes.append(f"{label}: LOINC {code} ({name}) has no valueQuantity, not used")
                continue
            key = (pid, name)
            candidate = (when or _EPOCH, position, _cell(quantity, name), when)
            if key not in latest or candidate[:2] >= latest[key][:2]:
                latest[key] = candidate
    return FhirCohort(_frame(patients, latest), len(latest), tuple(notes))


def _age(birth, at: dt.datetime | None) -> str | None:
    if birth is None or at is None:
        return None
    born = _when(birth)
    years = at.year - born.year - ((at.month, at.day) < (born.month, born.day))
    return f"{years} a"


def _frame(patients: Mapping[str, dict], latest: Mapping[tuple[str, str], tuple]) -> pl.DataFrame:
    fields = [f for f in dict.fromkeys(LOINC_FIELDS.values()) if any(k[1] == f for k in latest)]
    rows = []
    for pid, info in patients.items():
        row = {"patient": pid, "sex": info["sex"]}
        dates = [latest[(pid, f)][3] for f in fields if (pid, f) in latest and latest[(pid, f)][3] is not None]
        row["age"] = _age(info["birth"], max(dates) if dates else None)
        for name in fields:
            value = latest.get((pid, name))
            row[name] = value[2] if value else None
            row[f"{name}_date"] = value[3].isoformat() if value and value[3] else None
        rows.append(row)
    schema = {"patient": pl.String, "sex": pl.String, "age": pl.String,
              **{c: pl.String for f in fields for c in (f, f"{f}_date")}}
    return pl.DataFrame(rows, schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)
