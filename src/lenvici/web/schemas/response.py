"""Response of the tumour-response endpoint (``lenvici response assess --json``)."""

from __future__ import annotations

from pydantic import BaseModel

__all__ = ["Visit", "PatientAssessment", "AssessmentDocument"]


class Visit(BaseModel):
    day: int
    sum_mm: float | None
    category: str | None


class PatientAssessment(BaseModel):
    patient: str
    visits: list[Visit]
    best_overall_response: str
    progression_day: int | None


class AssessmentDocument(BaseModel):
    patients: list[PatientAssessment]
