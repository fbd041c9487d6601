"""Requests and responses of the score, patient and BCLC endpoints (DESIGN §4 names and shapes)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from lenvici.web.schemas.common import Document, Scalar

__all__ = ["ScoreInfo", "ScoreDocument", "PatientInputs", "SkippedScore", "PatientScores", "BclcRequest",
           "BclcDocument", "QUANTITY_FIELDS"]

_Q = "A quantity 'VALUE UNIT'"


def _q(example: str) -> Any:
    return Field(default=None, description=f"{_Q}, e.g. {example!r}.", examples=[example])


def _c(choices: str) -> Any:
    return Field(default=None, description=f"One of: {choices}.")


class ScoreInfo(Document):
    """One registered score, available or not (``lenvici score --list --json``)."""

    score: str
    title: str
    family: str
    status: Literal["available", "unavailable", "requires-imaging"]
    inputs: list[str]
    optional: list[str]
    options: dict[str, list[str]]
    source: str
    reason: str | None = None


class ScoreDocument(Document):
    """One score for one patient (``lenvici score NAME --json``)."""

    score: str
    value: float | None
    category: str | None
    components: dict[str, Any]
    inputs: dict[str, Any]
    source: str


class PatientInputs(BaseModel):
    """Everything known about one patient: the shared inputs of DESIGN §4 and the inputs single scores use.

    Quantities are ``"VALUE UNIT"`` strings; a bare number is refused (except INR). Leave out what is not
    known: every score whose required inputs are all given is computed, the others are listed as skipped.
    """

    model_config = ConfigDict(extra="forbid")

    bilirubin: Scalar = _q("1.2 mg/dL")
    albumin: Scalar = _q("3.5 g/dL")
    inr: Scalar = Field(default=None, description="INR (unitless; a bare number is accepted).", examples=["1.1"])
    ascites: Scalar = _c("none, slight, moderate")
    encephalopathy: Scalar = _c("none, grade1-2, grade3-4")
    crp: Scalar = _q("0.3 mg/dL")
    cholesterol: Scalar = _q("160 mg/dL")
    neutrophils: Scalar = _q("3.5 10*9/L")
    lymphocytes: Scalar = _q("1.2 10*9/L")
    platelets: Scalar = _q("15 10*4/uL")
    afp: Scalar = _q("20 ng/mL")
    pivka: Scalar = _q("40 mAU/mL")
    ggt: Scalar = _q("60 U/L")
    weight: Scalar = _q("62 kg")
    height: Scalar = _q("165 cm")
    sex: Scalar = _c("male, female")
    age: Scalar = _q("72 a")
    ecog: Scalar = Field(default=None, description="ECOG performance status, 0-4.")
    tumour_count: Scalar = Field(default=None, description="Number of tumours (nodules).")
    largest_tumour: Scalar = _q("35 mm")
    macrovascular_invasion: Scalar = Field(default=None, description="Flag: true/false.")
    extrahepatic_spread: Scalar = Field(default=None, description="Flag: true/false.")
    liver_function: Scalar = _c("preserved, impaired, end-stage")
    # inputs single scores use
    prior_tace: Scalar = Field(default=None, description="Flag (LEP score): TACE before lenvatinib.")
    bclc_stage: Scalar = _c("0, A, B, C, D (LEP score)")
    grip_strength: Scalar = _q("24 kg")
    muscle_area: Scalar = _q("120 cm2")
    bia_smi: Scalar = _q("6.8 kg/m2")
    food_intake: Scalar = _c("severe-decrease, moderate-decrease, normal (G8)")
    weight_loss: Scalar = _c("over-3kg, unknown, 1-3kg, none (G8)")
    mobility: Scalar = _c("bed-or-chair-bound, out-of-bed-not-out, goes-out (G8)")
    neuropsychological: Scalar = _c("severe, mild, none (G8)")
    polypharmacy: Scalar = Field(default=None, description="Flag (G8): more than three drugs a day.")
    self_rated_health: Scalar = _c("not-as-good, unknown, as-good, better (G8)")


#: The inputs of :class:`PatientInputs` that are quantities with units (the Patient page shows unit selectors).
QUANTITY_FIELDS = ("bilirubin", "albumin", "crp", "cholesterol", "neutrophils", "lymphocytes", "platelets",
                   "afp", "pivka", "ggt", "weight", "height", "age", "largest_tumour", "grip_strength",
                   "muscle_area", "bia_smi")


class SkippedScore(BaseModel):
    score: str
    status: str
    reason: str = Field(description="Why it was not computed: missing inputs, or the score's own status.")
    missing: list[str] = Field(default_factory=list, description="Required inputs not given.")


class PatientScores(BaseModel):
    """Every applicable score for one patient, and every other score with the reason it was skipped."""

    scores: list[ScoreDocument]
    skipped: list[SkippedScore]


class BclcRequest(BaseModel):
    """BCLC 2022 staging inputs (see :func:`lenvici.clinical.staging.bclc_stage`)."""

    model_config = ConfigDict(extra="forbid")

    tumour_count: Scalar = Field(description="Number of nodules, 1-1000.", examples=[1])
    largest_tumour: Scalar = Field(description=f"{_Q} in mm or cm, e.g. '35 mm'.", examples=["35 mm"])
    macrovascular_invasion: Scalar = Field(description="Flag: true/false.", examples=[False])
    extrahepatic_spread: Scalar = Field(description="Flag: true/false.", examples=[False])
    ecog: Scalar = Field(description="ECOG performance status, 0-4.", examples=[0])
    liver_function: Scalar = Field(description="preserved, impaired or end-stage.", examples=["preserved"])
    ecog_cancer_related: Scalar = Field(default=True, description="Whether ECOG-PS 1-2 is cancer-related.")
    child_pugh: Scalar = Field(default=None, description="Optional, for the record: A, B or C.")
    albi_grade: Scalar = Field(default=None, description="Optional, for the record: 1, 2, 2a, 2b or 3.")


class BclcDocument(Document):
    """The BCLC stage, the rule that fired, the reasoning and the recommended treatments."""

    stage: str
    name: str
    rule: str
    criteria_met: list[str]
    reasoning: list[str]
    recommended: list[dict[str, Any]]
    review_options: list[dict[str, Any]]
    caveats: list[str]
    inputs: dict[str, Any]
    source: str
