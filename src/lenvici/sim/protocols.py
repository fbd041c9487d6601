"""Trial protocols as data: arms and regimens, randomisation ratio, imaging schedule, follow-up and data
cut-off, subsequent-therapy share per arm, dose intensity and the baseline-table targets of the virtual
population. One YAML file per trial in ``lenvici/data/sim/protocols/``, validated here.

Every number carries a ``status``: ``sourced`` (read in the publication or the curated trial record),
``recalled`` (the publication's value as recalled by the curator, not re-read - verify before relying on it)
or ``assumption`` (no source; a ``rationale`` is required).

>>> p = load_protocol("reflect")
>>> [a.label for a in p.arms]
['Lenvatinib', 'Sorafenib']
>>> p.imaging_days(120.0).tolist()
[0.0, 56.0, 112.0]
"""

from __future__ import annotations

import datetime

from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Literal

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from lenvici.errors import InputError

__all__ = ["Protocol", "Arm", "Component", "LadderModel", "load_protocol", "available_protocols", "PROTOCOL_DIR",
           "DAYS_PER_MONTH"]

DAYS_PER_MONTH = 30.4375
Status = Literal["sourced", "recalled", "assumption"]
Drug = Literal["lenvatinib", "sorafenib", "pembrolizumab", "cadonilimab", "placebo"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Sourced(_Strict):
    status: Status
    source: str | None = None
    rationale: str | None = None

    @model_validator(mode="after")
    def _provenance(self):
        if self.status == "assumption" and not self.rationale:
            raise ValueError("an 'assumption' needs a rationale")
        if self.status != "assumption" and not self.source:
            raise ValueError(f"a '{self.status}' value needs a source")
        return self


class Share(_Sourced):
    value: float = Field(ge=0.0, le=1.0)


class Number(_Sourced):
    value: float


class Aetiology(_Sourced):
    value: dict[str, float]

    @field_validator("value")
    @classmethod
    def _sums_to_one(cls, v):
        if any(x < 0 for x in v.values()) or abs(sum(v.values()) - 1.0) > 1e-6:
            raise ValueError(f"aetiology shares must be non-negative and sum to 1; got {v}")
        return v


class Component(_Strict):
    """One drug of a regimen: ``weight_based`` (``dose_mg`` at or above ``weight_threshold_kg``,
    ``dose_mg_below`` under it), ``fixed`` (``dose_mg``) or ``per_kg`` (``dose_mg_per_kg`` times actual body
    weight, e.g. cadonilimab 6 mg/kg); given every ``interval_days`` from ``start_day`` (days after
    randomisation; 0, the default, starts with the regimen - a later start models a sequential schedule)."""

    drug: Drug
    rule: Literal["weight_based", "fixed", "per_kg"]
    dose_mg: float | None = Field(default=None, ge=0.0)
    dose_mg_below: float | None = None
    weight_threshold_kg: float | None = None
    dose_mg_per_kg: float | None = Field(default=None, gt=0.0)
    interval_days: float = Field(gt=0.0)
    start_day: float = Field(default=0.0, ge=0.0)

    @model_validator(mode="after")
    def _rule(self):
        if self.rule == "per_kg":
            if self.dose_mg_per_kg is None or self.dose_mg is not None:
                raise ValueError("a per_kg dose needs dose_mg_per_kg (and no dose_mg)")
            return self
        if self.dose_mg is None or self.dose_mg_per_kg is not None:
            raise ValueError(f"a {self.rule} dose needs dose_mg (and no dose_mg_per_kg)")
        if self.rule == "weight_based" and (self.dose_mg_below is None or self.weight_threshold_kg is None):
            raise ValueError("a weight_based dose needs dose_mg_below and weight_threshold_kg")
        return self

    def dose(self, weight_kg) -> np.ndarray:
        """Dose (mg) per administration for each patient weight (kg)."""
        w = np.asarray(weight_kg, dtype=float)
        if self.rule == "fixed":
            return np.full(w.shape, self.dose_mg)
        if self.rule == "per_kg":
            return self.dose_mg_per_kg * w
        return np.where(w >= self.weight_threshold_kg, self.dose_mg, self.dose_mg_below)


class LadderModel(_Strict):
    """Dose intensity from the adverse-event dose ladder (:mod:`lenvici.sim.adverse_events`) instead of a
    relative dose intensity: ``{model: adverse_event_ladder}``. ``overrides`` replaces named ladder
    parameters (:data:`lenvici.sim.adverse_events.DEFAULTS`; checked when the exposure is built), each an
    explicit deviation from the cited defaults, so it needs a ``rationale``."""

    model: Literal["adverse_event_ladder"]
    overrides: dict[str, float] = {}
    rationale: str | None = None

    @model_validator(mode="after")
    def _why(self):
        if self.overrides and not self.rationale:
            raise ValueError("ladder overrides need a rationale")
        return self


DoseIntensity = Number | LadderModel


class Arm(_Strict):
    """One arm. ``dose_intensity`` (optional) overrides the protocol's per-drug dose intensity for this arm
    only (an experiment comparing dose-intensity models within one protocol)."""

    label: str
    ratio: int = Field(ge=1)
    components: tuple[Component, ...]
    subsequent_therapy: Share
    dose_intensity: dict[str, DoseIntensity] = {}

    @property
    def drugs(self) -> tuple[str, ...]:
        return tuple(c.drug for c in self.components if c.drug != "placebo")


class ImagingPeriod(_Strict):
    until_weeks: float | None = None
    every_weeks: float = Field(gt=0.0)


class Imaging(_Sourced):
    """Scan schedule, and the criterion by which the trial's PFS counted progression (MODELLING.md section 1:
    REFLECT's PFS is by mRECIST, LEAP-002's and KEYNOTE-524's by RECIST 1.1)."""

    schedule: tuple[ImagingPeriod, ...]
    progression_criterion: Literal["recist1.1", "mrecist"] = "recist1.1"

    @field_validator("schedule")
    @classmethod
    def _last_open(cls, v):
        if not v or v[-1].until_weeks is not None or any(p.until_weeks is None for p in v[:-1]):
            raise ValueError("imaging schedule: only the last period is open-ended (until_weeks: null)")
        return v


class FollowUp(_Sourced):
    """The trial's clock: accrual and data cut-off (months from the first enrolment) and, for a trial that
    was run, the date enrolment started (its era: :func:`lenvici.sim.post_progression.era_factor`)."""

    accrual_months: float = Field(ge=0.0)
    cutoff_months: float = Field(gt=0.0)
    median_follow_up_months: dict[str, float] = {}
    enrolment_start: datetime.date | None = None

    @property
    def enrolment_mid_year(self) -> float | None:
        """Decimal year of the middle of enrolment; ``None`` without an enrolment date (an experiment)."""
        if self.enrolment_start is None:
            return None
        from lenvici.sim.post_progression import decimal_year

        return decimal_year(self.enrolment_start) + 0.5 * self.accrual_months * DAYS_PER_MONTH / 365.25

    @model_validator(mode="after")
    def _order(self):
        if self.cutoff_months <= self.accrual_months:
            raise ValueError("cutoff_months must come after the end of accrual")
        return self


class Baseline(_Strict):
    weight_below_60kg: Share
    ecog_1: Share
    bclc_c: Share
    mvi: Share
    ehs: Share
    afp_high: Share
    aetiology: Aetiology
    albi_mean: Number
    sum_diameter_median_mm: Number


class Protocol(_Strict):
    id: str
    name: str
    registration: str
    publication: str
    arms: tuple[Arm, ...]
    imaging: Imaging
    follow_up: FollowUp
    dose_intensity: dict[str, DoseIntensity] = {}
    baseline: Baseline

    @field_validator("arms")
    @classmethod
    def _labels(cls, v):
        labels = [a.label for a in v]
        if not v or len(set(labels)) != len(labels):
            raise ValueError(f"arms need unique labels; got {labels}")
        return v

    def arm(self, label: str) -> Arm:
        for a in self.arms:
            if a.label == label:
                return a
        raise InputError(f"{self.id} has no arm {label!r}", field="arm")

    def allocation(self, n_per_ratio_unit: int) -> dict[str, int]:
        """Patients per arm for ``n_per_ratio_unit`` patients per unit of the randomisation ratio."""
        return {a.label: a.ratio * int(n_per_ratio_unit) for a in self.arms}

    def imaging_days(self, horizon_days: float) -> np.ndarray:
        """Scan days from baseline (day 0) up to ``horizon_days``."""
        days, t, start = [0.0], 0.0, 0.0
        for p in self.imaging.schedule:
            end = horizon_days if p.until_weeks is None else min(p.until_weeks * 7.0, horizon_days)
            step = p.every_weeks * 7.0
            t = start
            while t + step <= end + 1e-9:
                t += step
                days.append(t)
            start = t
        return np.array(days)

    def dose_model_for(self, drug: str, arm_label: str | None = None) -> Number | LadderModel | None:
        """The dose-intensity record of ``drug`` (the arm's own when it has one, else the protocol's)."""
        if arm_label is not None:
            rec = self.arm(arm_label).dose_intensity.get(drug)
            if rec is not None:
                return rec
        return self.dose_intensity.get(drug)

    def dose_intensity_for(self, drug: str, arm_label: str | None = None) -> float:
        """Relative dose intensity scaling the average exposure: the record's value, 1.0 when there is
        none or when the adverse-event ladder supplies the dose course instead."""
        rec = self.dose_model_for(drug, arm_label)
        return 1.0 if rec is None or isinstance(rec, LadderModel) else float(rec.value)

    @property
    def cutoff_days(self) -> float:
        return self.follow_up.cutoff_months * DAYS_PER_MONTH


PROTOCOL_DIR = resources.files("lenvici") / "data" / "sim" / "protocols"


def available_protocols() -> tuple[str, ...]:
    return tuple(sorted(p.name[:-5] for p in PROTOCOL_DIR.iterdir() if p.name.endswith(".yaml")))


@lru_cache(maxsize=32)
def _load_named(name: str) -> Protocol:
    path = PROTOCOL_DIR / f"{name}.yaml"
    if not path.is_file():
        raise InputError(f"unknown protocol {name!r}; available: {', '.join(available_protocols())}",
                         field="protocol")
    return Protocol.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def load_protocol(name_or_path: str | Path) -> Protocol:
    """A shipped protocol by name (``reflect``, ``keynote-524``, ``leap-002``) or a YAML file path."""
    p = Path(str(name_or_path))
    if p.suffix in (".yaml", ".yml") and p.is_file():
        return Protocol.model_validate(yaml.safe_load(p.read_text(encoding="utf-8")))
    return _load_named(str(name_or_path).lower())
