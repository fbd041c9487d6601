"""Requests and responses of the dosing endpoints (``lenvici dose … --json``)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from lenvici.web.schemas.common import Document, Scalar

__all__ = ["DoseRequest", "DoseComponent", "RegimenDocument", "ModifyRequest", "ModificationDocument",
           "DosingCatalogue", "EventListing"]


class DoseRequest(BaseModel):
    """One drug's regimen for one patient (``lenvici dose DRUG``)."""

    model_config = ConfigDict(extra="forbid")

    weight: Scalar = Field(default=None, description="Actual body weight 'VALUE UNIT', e.g. '72 kg'.",
                           examples=["72 kg"])
    level: Scalar = Field(default=0, description="Dose level of the oral drug: 0 = start, n = n-th reduction.")
    regimen: Scalar = Field(default=None, description="Regimen id (see GET /api/dose).")
    child_pugh: Scalar = Field(default=None, description="Child-Pugh class A, B or C.")
    renal_impairment: Scalar = Field(default=None, description="none, mild, moderate, severe or end-stage.")
    jurisdiction: Scalar = Field(default="us", description="us (prescribing information) or eu (SmPC).")


class DoseComponent(Document):
    drug: str
    dose_mg: float | None
    schedule: str
    level: int | None
    status: str
    route: str
    rationale: str
    source: str


class RegimenDocument(Document):
    """A regimen's doses; a one-drug regimen also carries that drug's fields at the top level."""

    drug: str
    regimen: str
    title: str
    jurisdiction: str
    components: list[DoseComponent]
    source: str
    notes: list[str]


class ModifyRequest(BaseModel):
    """An adverse event on the current dose (``lenvici dose modify DRUG``)."""

    model_config = ConfigDict(extra="forbid")

    event: Scalar = Field(description="Adverse event, e.g. hypertension, proteinuria, ppe (GET /api/dose/events).",
                          examples=["hypertension"])
    current: Scalar = Field(description="Current dose, e.g. '12 mg' or '4 mg every other day'.", examples=["12 mg"])
    grade: Scalar = Field(default=None, description="CTCAE v5 grade.")
    jurisdiction: Scalar = Field(default="us", description="us or eu.")
    intolerable: Scalar = Field(default=False, description="Grade 2 persistent or intolerable.")
    laboratory_only: Scalar = Field(default=False, description="Grade 4 laboratory abnormality, not life-threatening.")
    urine_protein: Scalar = Field(default=None, description="e.g. '2.5 g/24h'.")
    qtc: Scalar = Field(default=None, description="QTc now, e.g. '510 ms'.")
    qtc_baseline: Scalar = Field(default=None, description="Baseline QTc, e.g. '430 ms'.")
    weight: Scalar = Field(default=None, description="Body weight at the start of treatment, e.g. '72 kg'.")


class ModificationDocument(Document):
    drug: str
    event: str
    jurisdiction: str
    action: str
    current: dict[str, Any]
    next_dose: dict[str, Any] | None
    rationale: str
    source: str


class DosingCatalogue(BaseModel):
    """The drugs with dosing rules and every regimen (``lenvici dose list --json`` plus the drug names)."""

    drugs: list[str]
    regimens: list[dict[str, Any]]


class EventListing(BaseModel):
    drug: str
    events: list[dict[str, Any]]
