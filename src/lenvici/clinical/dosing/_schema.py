"""The dosing data files, their schema (validated at load) and the cross-file checks.

Four files in ``lenvici/data/dosing``: ``ladders.yaml`` (oral kinase-inhibitor dose levels),
``regimens.yaml`` (every regimen the review names), ``lenvatinib_adverse_events.yaml`` (the US and EU
dose-modification rules) and ``impairment.yaml`` (hepatic and renal impairment). A broken file raises
:class:`~lenvici.errors.CurationError` naming the file, line, record and field.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from lenvici.errors import CurationError
from lenvici.knowledge._files import default_data_dir, read_yaml_records
from lenvici.provenance import WHERE_PATTERN

__all__ = [
    "ACTIONS",
    "JURISDICTIONS",
    "Ladder",
    "Regimen",
    "EventRules",
    "ImpairmentRecord",
    "DosingData",
    "load_dosing_data",
]

#: What an adverse-event rule can ask for.
ACTIONS = ("continue", "withhold-reduce", "withhold-reduce-or-discontinue", "discontinue")
#: The labels lenvici encodes: US prescribing information and EU summary of product characteristics.
JURISDICTIONS = ("us", "eu")

Action = Literal["continue", "withhold-reduce", "withhold-reduce-or-discontinue", "discontinue"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_refs(refs: tuple[int, ...]) -> tuple[int, ...]:
    for r in refs:
        if not 1 <= r <= 249:
            raise ValueError(f"review reference must be in 1..249; got {r}")
    return refs


def _check_where(value: str | None) -> str | None:
    if value is not None and not WHERE_PATTERN.match(value):
        raise ValueError(f"review_where must look like table1 or text:<section>; got {value!r}")
    return value


class _ReviewCited(_Strict):
    """A record that may cite the review: its reference numbers and where in the review (validated)."""

    review_refs: tuple[int, ...] = ()
    review_where: str | None = None

    @field_validator("review_refs")
    @classmethod
    def _valid_refs(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        return _check_refs(value)

    @field_validator("review_where")
    @classmethod
    def _valid_where(cls, value: str | None) -> str | None:
        return _check_where(value)


# ----------------------------------------------------------------------------------------------- ladders

class LadderLevel(_Strict):
    id: str
    dose_mg: float = Field(gt=0)
    schedule: str
    interval_days: int = Field(ge=1)
    doses_per_day: int = Field(ge=1, le=4)
    alternative: str | None = None


class StartBand(_Strict):
    """Actual body weight in [weight_at_least_kg, weight_below_kg) starts at ``level``."""

    level: str
    weight_at_least_kg: float | None = Field(default=None, gt=0)
    weight_below_kg: float | None = Field(default=None, gt=0)


class Ladder(_ReviewCited):
    drug: str
    route: Literal["oral"]
    levels: tuple[LadderLevel, ...] = Field(min_length=1)
    start: tuple[StartBand, ...] = Field(min_length=1)
    sources: dict[Literal["us", "eu"], str]
    trial: str
    notes: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> Ladder:
        ids = [lv.id for lv in self.levels]
        if len(set(ids)) != len(ids):
            raise ValueError("level ids must be unique")
        if set(self.sources) != set(JURISDICTIONS):
            raise ValueError("sources needs one citation for each of us, eu")
        edges: list[tuple[float, float]] = []
        for band in self.start:
            if band.level not in ids:
                raise ValueError(f"start level {band.level!r} is not one of the levels {ids}")
            low = band.weight_at_least_kg or 0.0
            high = band.weight_below_kg or math.inf
            if not low < high:
                raise ValueError("a start band needs weight_at_least_kg < weight_below_kg")
            edges.append((low, high))
        edges.sort()
        if edges[0][0] != 0.0 or edges[-1][1] != math.inf or any(a[1] != b[0] for a, b in zip(edges, edges[1:])):
            raise ValueError("start bands must cover every body weight exactly once")
        return self

    def level_index(self, level_id: str) -> int:
        return [lv.id for lv in self.levels].index(level_id)

    def start_index(self, weight_kg: float | None) -> int | None:
        """Index of the starting level for ``weight_kg`` (None when weight decides and is unknown)."""
        if len(self.start) == 1:
            return self.level_index(self.start[0].level)
        if weight_kg is None:
            return None
        for band in self.start:
            if (band.weight_at_least_kg or 0.0) <= weight_kg < (band.weight_below_kg or math.inf):
                return self.level_index(band.level)
        raise AssertionError("bands cover every weight")  # pragma: no cover - checked at load

    @property
    def weight_based(self) -> bool:
        return len(self.start) > 1


# ---------------------------------------------------------------------------------------------- regimens

class LowWeight(_Strict):
    below_kg: float = Field(gt=0)
    amount: float = Field(gt=0)
    unit: Literal["mg", "mg/kg"]


class Phase(_Strict):
    amount: float = Field(gt=0)
    unit: Literal["mg", "mg/kg"]
    schedule: str
    interval_days: int | None = Field(default=None, ge=1)
    doses: int | None = Field(default=None, ge=1)
    phase: str | None = None
    start: str | None = None
    low_weight: LowWeight | None = None

    @model_validator(mode="after")
    def _single_or_repeated(self) -> Phase:
        if self.interval_days is None and self.doses != 1:
            raise ValueError("a phase without interval_days must be a single dose (doses: 1)")
        return self


class Component(_Strict):
    drug: str
    route: Literal["oral", "intravenous"]
    ladder: str | None = None
    phases: tuple[Phase, ...] = ()

    @model_validator(mode="after")
    def _one_kind(self) -> Component:
        if (self.ladder is None) == (not self.phases):
            raise ValueError("a component has either a ladder or phases, not both and not neither")
        return self


class Regimen(_ReviewCited):
    id: str
    drug: str
    title: str
    components: tuple[Component, ...] = Field(min_length=1)
    source: str
    default: bool = False
    also_for: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def drugs(self) -> tuple[str, ...]:
        return (self.drug, *self.also_for)


# ------------------------------------------------------------------------------------ adverse events

class GradeRule(_Strict):
    action: Action
    resume_when: str | None = None
    note: str | None = None
    intolerable: Action | None = None
    laboratory_only: Action | None = None

    @model_validator(mode="after")
    def _resume_needs_condition(self) -> GradeRule:
        if self.action.startswith("withhold") and not self.resume_when:
            raise ValueError("a withhold action needs resume_when")
        return self


class Measure(_Strict):
    quantity: Literal["urine_protein", "qtc", "qtc_increase"]
    action: Action
    resume_when: str | None = None
    above: float | None = None
    at_least: float | None = None

    @model_validator(mode="after")
    def _one_threshold(self) -> Measure:
        if (self.above is None) == (self.at_least is None):
            raise ValueError("a measure needs exactly one of above, at_least")
        return self

    def met(self, value: float) -> bool:
        return value > self.above if self.above is not None else value >= self.at_least  # type: ignore[operator]


class JurisdictionRules(_Strict):
    section: str
    rules: dict[int, GradeRule] = Field(default_factory=dict)
    measures: tuple[Measure, ...] = ()
    otherwise: GradeRule | None = None


class EventRules(_Strict):
    event: str
    title: str
    us: JurisdictionRules
    eu: JurisdictionRules
    grades: tuple[int, ...] = ()
    aliases: tuple[str, ...] = ()
    measured: bool = False

    @model_validator(mode="after")
    def _complete(self) -> EventRules:
        if any(not 1 <= g <= 4 for g in self.grades):
            raise ValueError("grades must lie in 1..4")
        for name in JURISDICTIONS:
            rules: JurisdictionRules = getattr(self, name)
            if set(rules.rules) != set(self.grades):
                raise ValueError(f"{name}: rules must cover exactly the grades {list(self.grades)}")
            if self.measured and (not rules.measures or rules.otherwise is None):
                raise ValueError(f"{name}: a measured event needs measures and otherwise")
            if not self.measured and (rules.measures or rules.otherwise is not None):
                raise ValueError(f"{name}: only a measured event has measures")
        if not self.measured and not self.grades:
            raise ValueError("an event needs grades or measures")
        return self

    def for_jurisdiction(self, jurisdiction: str) -> JurisdictionRules:
        return getattr(self, jurisdiction)


# ---------------------------------------------------------------------------------------- impairment

class ImpairmentAdvice(_Strict):
    action: Literal["standard", "no-recommended-dose", "not-recommended"]
    section: str
    text: str


class ImpairmentRecord(_Strict):
    drug: str
    impairment: Literal["hepatic", "renal"]
    level: Literal["child-pugh-a", "child-pugh-b", "child-pugh-c", "mild", "moderate", "severe", "end-stage"]
    us: ImpairmentAdvice
    eu: ImpairmentAdvice


# -------------------------------------------------------------------------------------------- loading

@dataclass(frozen=True)
class DosingData:
    """All dosing records, cross-checked: ladders by drug, regimens by id, event rules by event (with
    ``aliases`` mapping every accepted event name to its event), impairment by (drug, kind, level)."""

    ladders: Mapping[str, Ladder]
    regimens: Mapping[str, Regimen]
    events: Mapping[str, EventRules]
    aliases: Mapping[str, str]
    impairment: Mapping[tuple[str, str, str], ImpairmentRecord]


def _unique(path: Path, records, key) -> dict:
    out: dict = {}
    for record in records:
        k = key(record)
        if k in out:
            raise CurationError(str(path), f"duplicate record {k!r}")
        out[k] = record
    return out


def _load(data_dir: Path) -> DosingData:
    folder = data_dir / "dosing"
    ladders_path, regimens_path = folder / "ladders.yaml", folder / "regimens.yaml"
    events_path, impairment_path = folder / "lenvatinib_adverse_events.yaml", folder / "impairment.yaml"
    ladders = _unique(ladders_path, read_yaml_records(ladders_path, Ladder), lambda r: r.drug)
    regimens = _unique(regimens_path, read_yaml_records(regimens_path, Regimen), lambda r: r.id)
    events = _unique(events_path, read_yaml_records(events_path, EventRules), lambda r: r.event)
    impairment = _unique(impairment_path, read_yaml_records(impairment_path, ImpairmentRecord),
                         lambda r: (r.drug, r.impairment, r.level))

    defaults: dict[str, str] = {}
    for regimen in regimens.values():
        for component in regimen.components:
            if component.ladder is not None and component.ladder not in ladders:
                raise CurationError(str(regimens_path), f"unknown ladder {component.ladder!r}", regimen.id,
                                    "components.ladder")
        if regimen.default:
            if regimen.drug in defaults:
                raise CurationError(str(regimens_path), f"two default regimens for {regimen.drug!r} "
                                    f"({defaults[regimen.drug]} and {regimen.id})", regimen.id, "default")
            defaults[regimen.drug] = regimen.id
    names = {d for r in regimens.values() for d in r.drugs}
    for name in names:
        if name not in defaults and not any(name in r.also_for for r in regimens.values()):
            raise CurationError(str(regimens_path), f"drug {name!r} has no default regimen", None, "default")

    aliases: dict[str, str] = {}
    for event in events.values():
        for name in (event.event, *event.aliases):
            if name in aliases:
                raise CurationError(str(events_path), f"event name {name!r} used twice", event.event, "aliases")
            aliases[name] = event.event

    hepatic = ("child-pugh-a", "child-pugh-b", "child-pugh-c")
    renal = ("mild", "moderate", "severe", "end-stage")
    for drug in {k[0] for k in impairment}:
        for kind, levels in (("hepatic", hepatic), ("renal", renal)):
            missing = [lv for lv in levels if (drug, kind, lv) not in impairment]
            if missing:
                raise CurationError(str(impairment_path), f"{drug} {kind}: missing levels {missing}")
    return DosingData(ladders=MappingProxyType(ladders), regimens=MappingProxyType(regimens),
                      events=MappingProxyType(events), aliases=MappingProxyType(aliases),
                      impairment=MappingProxyType(impairment))


@lru_cache(maxsize=1)
def _shipped() -> DosingData:
    return _load(default_data_dir())


def load_dosing_data(data_dir: str | Path | None = None) -> DosingData:
    """The dosing records shipped with lenvici (read once), or those under ``data_dir`` (read afresh)."""
    return _shipped() if data_dir is None else _load(Path(data_dir))
