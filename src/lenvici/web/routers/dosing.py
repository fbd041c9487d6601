"""Doses: the catalogue, one drug's regimen for a patient, and lenvatinib modifications for adverse events."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from lenvici.clinical.dosing import (
    adverse_events,
    available_drugs,
    dose_regimen,
    load_dosing_data,
    modify_dose,
)
from lenvici.web.schemas import (
    ERROR_RESPONSES,
    DoseRequest,
    DosingCatalogue,
    EventListing,
    ModificationDocument,
    ModifyRequest,
    RegimenDocument,
)

__all__ = ["router"]

router = APIRouter(prefix="/api/dose", tags=["dosing"], responses=ERROR_RESPONSES)


@router.get("", response_model=DosingCatalogue, summary="Drugs and regimens with dosing rules")
def catalogue() -> dict:
    """The drugs (``lenvici dose DRUG``) and every regimen (``lenvici dose list --json``)."""
    regimens = load_dosing_data().regimens.values()
    rows = [{"regimen": r.id, "drug": r.drug, "drugs": list(r.drugs), "default": r.default, "title": r.title,
             "components": [c.drug for c in r.components], "source": r.source,
             "review_refs": list(r.review_refs)} for r in regimens]
    return {"drugs": list(available_drugs()), "regimens": rows}


@router.get("/events", response_model=EventListing, summary="Adverse events with lenvatinib rules")
def events() -> dict:
    """``lenvici dose events --json``."""
    rows = [{"event": e.event, "title": e.title, "aliases": list(e.aliases), "grades": list(e.grades),
             "measured": e.measured, "us_section": e.us.section, "eu_section": e.eu.section}
            for e in adverse_events()]
    return {"drug": "lenvatinib", "events": rows}


@router.post("/{drug}", response_model=RegimenDocument, summary="A drug's regimen for a patient")
def dose(drug: str, request: DoseRequest) -> dict:
    """``lenvici dose DRUG --weight "W kg" [--level N] --json``."""
    return dose_regimen(drug, **request.model_dump()).to_dict()


@router.get("/{drug}", response_model=RegimenDocument, summary="A drug's regimen for a patient (query)")
def dose_query(drug: str, request: Annotated[DoseRequest, Query()]) -> dict:
    """The same as ``POST /api/dose/{drug}``, with the inputs in the query string."""
    return dose_regimen(drug, **request.model_dump()).to_dict()


@router.post("/{drug}/modify", response_model=ModificationDocument, summary="Modify the dose after an adverse event")
def modify(drug: str, request: ModifyRequest) -> dict:
    """``lenvici dose modify DRUG --event E --grade G --current "12 mg" --json`` (US label or EU SmPC)."""
    values = request.model_dump()
    event = values.pop("event")
    return modify_dose(drug, event, **values).to_dict()
