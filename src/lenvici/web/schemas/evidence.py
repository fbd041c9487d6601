"""Responses of the evidence endpoints and the request of the meta-analysis endpoint."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from lenvici.web.schemas.common import Document

__all__ = ["StudyDocument", "ClassSummaryDocument", "MetaRow", "MetaPoolRequest", "MetaPoolDocument",
           "EvidencePoolDocument"]


class StudyDocument(Document):
    """A curated study with its arms and provenance (``lenvici evidence studies --json``)."""

    id: str
    ref: int
    source: str
    registration: str | None
    design: str | None
    population: str | None
    n_total: int | None
    arms: list[dict[str, Any]]


class ClassSummaryDocument(BaseModel):
    """Ranges across the arms of one regimen class (``lenvici evidence summary --json``)."""

    regimen_class: str
    n_studies: int
    n_arms: int
    orr_range: list[float] | None
    orr_arms: int
    pfs_median_range: list[float] | None
    pfs_arms: int
    os_median_range: list[float] | None
    os_arms: int
    os_not_reached: int


class MetaRow(BaseModel):
    """One study: ``xi, ni`` (proportions), ``ai, n1i, ci, n2i`` (two groups) or ``yi, vi`` (GEN)."""

    model_config = ConfigDict(extra="forbid")

    study: str | None = None
    xi: float | None = None
    ni: float | None = None
    ai: float | None = None
    n1i: float | None = None
    ci: float | None = None
    n2i: float | None = None
    yi: float | None = None
    vi: float | None = None
    sei: float | None = None


class MetaPoolRequest(BaseModel):
    """A study table and how to pool it, as ``lenvici meta pool`` takes them."""

    model_config = ConfigDict(extra="forbid")

    measure: str = Field(description="PR PLO PAS PFT (xi,ni); OR RR RD (ai,n1i,ci,n2i); GEN (yi,vi).",
                         examples=["PLO"])
    method: str = Field(default="REML", description="EE or a tau2 estimator: DL HE HS SJ ML REML EB PM.")
    knha: bool = Field(default=False, description="Knapp-Hartung test and CIs (zval then holds t).")
    level: float = Field(default=95.0, description="Confidence level in percent.")
    rows: list[MetaRow] = Field(min_length=1, max_length=10_000)


class MetaPoolDocument(Document):
    """metafor's names and definitions (``lenvici meta pool --json``)."""

    k: int
    measure: str
    method: str
    estimate: float | None
    se: float | None
    ci_lb: float | None
    ci_ub: float | None
    tau2: float | None
    transformed: dict[str, Any] | None


class EvidencePoolDocument(Document):
    """Pooled curated evidence per regimen class or for one comparison (``lenvici meta evidence --json``)."""

    endpoint: str
    measure: str
    method: str
    groups: list[dict[str, Any]]
