"""Scores, "every applicable score for this patient", and BCLC staging (DESIGN §4: the CLI's JSON)."""

from __future__ import annotations

from fastapi import APIRouter, Body

from lenvici.clinical.scores import list_scores
from lenvici.clinical.scores._evaluate import evaluate_score
from lenvici.clinical.staging import bclc_stage
from lenvici.web._patient import applicable_scores
from lenvici.web.schemas import (
    ERROR_RESPONSES,
    QUANTITY_FIELDS,
    BclcDocument,
    BclcRequest,
    PatientInputs,
    PatientScores,
    ScoreDocument,
    ScoreInfo,
)
from lenvici.web.schemas.common import Scalar

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["scores"], responses=ERROR_RESPONSES)

_INPUTS_EXAMPLE = {"bilirubin": "1.2 mg/dL", "albumin": "3.5 g/dL"}


@router.get("/scores", response_model=list[ScoreInfo], summary="Every score, with its status and inputs")
def scores() -> list[dict]:
    """``lenvici score --list --json``: every registered score — available, unavailable (with the reason)
    or requiring imaging — with its inputs, options and source."""
    return [spec.to_dict() for spec in list_scores()]


@router.post("/scores/{score}", response_model=ScoreDocument, summary="Compute one score")
def score(score: str,
          values: dict[str, Scalar] = Body(default_factory=dict, examples=[_INPUTS_EXAMPLE])) -> dict:
    """``lenvici score NAME --json``: the inputs as a JSON object — names without dashes (``-`` → ``_``),
    quantities as ``"VALUE UNIT"`` strings, choices as text, flags as booleans."""
    return evaluate_score(score, values).to_dict()


@router.post("/patient/scores", response_model=PatientScores, summary="Every applicable score for a patient")
def patient_scores(inputs: PatientInputs) -> dict:
    """Every available score whose required inputs are all given, computed; every other score listed as
    skipped with the reason (missing inputs, or not computable by lenvici)."""
    done, skipped = applicable_scores(inputs.model_dump(), QUANTITY_FIELDS)
    return {"scores": [r.to_dict() for r in done], "skipped": [s.to_dict() for s in skipped]}


@router.post("/bclc", response_model=BclcDocument, summary="BCLC 2022 stage")
def bclc(inputs: BclcRequest) -> dict:
    """The BCLC 2022 stage with the rule that fired, the reasoning, the recommended first-line options and
    the review's lenvatinib ± ICI options (Reig 2022)."""
    return bclc_stage(**inputs.model_dump()).to_dict()
