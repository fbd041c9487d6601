"""Typed schemas of the curated records (``src/lenvici/data``), validated at load time.

The file formats are described in ``docs/data-format.md``. Every model forbids unknown fields so that a
misspelt key is an error, not a silently dropped value.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from lenvici.provenance import WHERE_PATTERN
from lenvici.units import days_to_months

__all__ = [
    "Rate",
    "Median",
    "Landmark",
    "NamedValue",
    "Comparison",
    "Arm",
    "Study",
    "Biomarker",
    "Potency",
    "DrugTarget",
    "Approval",
    "Drug",
    "Reference",
    "Node",
    "Edge",
    "RELATIONS",
    "NODE_KINDS",
]


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_refs(refs: list[int]) -> list[int]:
    for r in refs:
        if not 1 <= r <= 249:
            raise ValueError(f"reference number must be in 1..249; got {r}")
    return refs


def _check_where(where: str) -> str:
    if not WHERE_PATTERN.match(where):
        raise ValueError(f"must look like table1, table2, table3, text:<section> or fig:<n>; got {where!r}")
    return where


class Rate(_Record):
    """A proportion (ORR, DCR) as a fraction, with the printed string and the response criteria."""

    value: float = Field(ge=0.0, le=1.0)
    source: str
    criteria: Literal["mRECIST", "RECIST1.1"] | None = None
    assessment: Literal["investigator", "independent"] | None = None
    ci_lower: float | None = Field(default=None, ge=0.0, le=1.0)
    ci_upper: float | None = Field(default=None, ge=0.0, le=1.0)
    source_paper: str | None = None
    note: str | None = None


class Median(_Record):
    """A median time-to-event in months; ``days`` kept when printed in days; flags for not reached / NA."""

    months: float | None = Field(default=None, ge=0.0)
    days: float | None = Field(default=None, ge=0.0)
    not_reached: bool = False
    na: bool = False
    ci_lower: float | None = Field(default=None, ge=0.0)
    ci_upper: float | None = Field(default=None, ge=0.0)
    source: str
    criteria: Literal["mRECIST", "RECIST1.1"] | None = None
    source_paper: str | None = None
    note: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _days_to_months(cls, data):
        if isinstance(data, dict) and data.get("days") is not None:
            if data.get("months") is not None:
                raise ValueError("give either 'months' or 'days', not both (months are derived from days)")
            data = {**data, "months": days_to_months(float(data["days"]))}
        return data

    @model_validator(mode="after")
    def _one_state(self):
        states = (self.months is not None) + self.not_reached + self.na
        if states != 1:
            raise ValueError("a median is exactly one of: a value in months/days, not_reached, or na")
        return self


class Landmark(_Record):
    """Survival probability at a landmark month (e.g. "12: 88.6%")."""

    month: float = Field(gt=0)
    survival: float = Field(ge=0.0, le=1.0)
    source: str
    source_paper: str | None = None


class NamedValue(_Record):
    """Any other reported figure: a safety rate, a conversion rate, a duration of response."""

    name: str
    value: float | None = None
    unit: Literal["fraction", "months", "count"] = "fraction"
    source: str
    source_paper: str | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _fraction_range(self):
        if self.unit == "fraction" and self.value is not None and not 0.0 <= self.value <= 1.0:
            raise ValueError(f"a fraction must lie in [0, 1]; got {self.value}")
        return self


class Comparison(_Record):
    """A hazard ratio between two arms of a study."""

    arms: tuple[str, str]
    endpoint: Literal["os", "pfs", "ttp", "unknown"]
    hr: float = Field(gt=0)
    ci_lower: float | None = Field(default=None, gt=0)
    ci_upper: float | None = Field(default=None, gt=0)
    ci_level: float = 0.95
    p: float | None = Field(default=None, ge=0, le=1)
    source: str
    source_paper: str | None = None
    note: str | None = None


class Arm(_Record):
    """One arm (or reported subgroup) of a study, with its regimen and outcomes."""

    label: str
    regimen: tuple[str, ...] = Field(min_length=1)
    ici_agents: tuple[str, ...] = ()
    n: int | None = Field(default=None, ge=1)
    n_source: str | None = None
    orr: tuple[Rate, ...] = ()
    dcr: tuple[Rate, ...] = ()
    pfs_median: Median | None = None
    os_median: Median | None = None
    ttp_median: Median | None = None
    os_landmarks: tuple[Landmark, ...] = ()
    pfs_landmarks: tuple[Landmark, ...] = ()
    safety: tuple[NamedValue, ...] = ()
    other: tuple[NamedValue, ...] = ()
    notes: tuple[str, ...] = ()


class Study(_Record):
    """A study: a row of Table 1 or 2, or a trial described in the review's text."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str | None = None
    ref: int
    also_refs: tuple[int, ...] = ()
    where: str
    row: int | None = Field(default=None, ge=1)
    registration: str | None = None
    design: str | None = None
    phase: str | None = None
    prospective: bool | None = None
    population: str | None = None
    regimen_source: str | None = None
    line: Literal["first", "second", "mixed"] | None = None
    n_total: int | None = Field(default=None, ge=1)
    n_total_source: str | None = None
    safety_source: str | None = None
    source_paper: str | None = None
    notes: tuple[str, ...] = ()
    comparisons: tuple[Comparison, ...] = ()
    arms: tuple[Arm, ...] = Field(min_length=1)

    _ref = field_validator("ref")(lambda v: _check_refs([v])[0])
    _also = field_validator("also_refs")(lambda v: tuple(_check_refs(list(v))))
    _where = field_validator("where")(_check_where)

    @property
    def refs(self) -> tuple[int, ...]:
        """The primary reference followed by any others the record rests on."""
        return (self.ref, *self.also_refs)

    @model_validator(mode="after")
    def _comparisons_name_arms(self):
        labels = {a.label for a in self.arms}
        if len(labels) != len(self.arms):
            raise ValueError("arm labels must be unique within a study")
        for c in self.comparisons:
            for label in c.arms:
                if label not in labels:
                    raise ValueError(f"comparison names arm {label!r}, which is not among {sorted(labels)}")
        return self


class Biomarker(_Record):
    """A row of the review's Table 3."""

    row: int = Field(ge=1, le=44)
    section: Literal["predictor-molecule", "model-grading"]
    name: str
    name_en: str
    location: str | None = None
    relationship: str | None = None
    direction: Literal["positive", "negative", "mixed", "not-stated"]
    refs: tuple[int, ...] = Field(min_length=1)
    where: str = "table3"
    requires_imaging: bool = False
    notes: tuple[str, ...] = ()

    _refs = field_validator("refs")(lambda v: tuple(_check_refs(list(v))))
    _where = field_validator("where")(_check_where)


class Potency(_Record):
    """An in-vitro potency with its primary source."""

    kind: Literal["IC50", "Kd", "Ki"]
    value_nM: float = Field(gt=0)
    source_paper: str
    note: str | None = None


class DrugTarget(_Record):
    """A drug's action on one target, with the review's statement it rests on."""

    target: str
    action: Literal["inhibits", "binds", "blocks", "activates"]
    binding_type: str | None = None
    refs: tuple[int, ...] = ()
    where: str | None = None
    source: str | None = None
    source_paper: str | None = None
    potency: Potency | None = None
    notes: tuple[str, ...] = ()

    _refs = field_validator("refs")(lambda v: tuple(_check_refs(list(v))))


class Approval(_Record):
    """A regulatory approval in HCC, as the review states it."""

    status: Literal["approved", "not-approved", "under-review"]
    line: Literal["first", "second"] | None = None
    agency: str | None = None
    year: int | None = None
    refs: tuple[int, ...] = ()
    where: str | None = None
    source: str | None = None


class Drug(_Record):
    """A drug the review names: class, kinase-inhibitor binding type where given, targets."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str
    aliases: tuple[str, ...] = ()
    kind: Literal["small-molecule", "monoclonal-antibody", "bispecific-antibody"]
    drug_class: str
    mechanism: str | None = None
    binding_type: str | None = None
    approved_hcc: Approval | None = None
    refs: tuple[int, ...] = ()
    where: str | None = None
    targets: tuple[DrugTarget, ...] = ()
    notes: tuple[str, ...] = ()

    _refs = field_validator("refs")(lambda v: tuple(_check_refs(list(v))))


class Reference(_Record):
    number: int = Field(ge=1, le=249)
    authors: str | None = None
    title: str | None = None
    journal: str | None = None
    year: int | None = Field(default=None, ge=1900, le=2025)
    raw: str


RELATIONS: dict[str, int] = {
    "activates": +1,
    "upregulates": +1,
    "inhibits": -1,
    "downregulates": -1,
    "binds": 0,
    "increases-sensitivity": +1,
    "promotes-resistance": -1,
    "reverses-resistance": +1,
    "biomarker-of-response": 0,
    "biomarker-of-prognosis": 0,
}
"""Edge relations of the mechanisms graph and their sign (+1, -1, or 0 for unsigned)."""

NODE_KINDS = ("gene", "protein", "ncrna", "drug", "pathway", "cell-type", "process", "phenotype")


class Node(_Record):
    id: str = Field(min_length=1)
    label: str
    kind: Literal["gene", "protein", "ncrna", "drug", "pathway", "cell-type", "process", "phenotype"]
    synonyms: tuple[str, ...] = ()


class Edge(_Record):
    source: str
    target: str
    relation: Literal[
        "activates", "upregulates", "inhibits", "downregulates", "binds", "increases-sensitivity",
        "promotes-resistance", "reverses-resistance", "biomarker-of-response", "biomarker-of-prognosis",
    ]
    refs: tuple[int, ...] = Field(min_length=1)
    where: str
    note: str | None = None

    _refs = field_validator("refs")(lambda v: tuple(_check_refs(list(v))))
    _where = field_validator("where")(_check_where)

    @property
    def sign(self) -> int:
        return RELATIONS[self.relation]
