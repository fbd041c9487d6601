"""Requests and responses of the cost-effectiveness endpoints (``lenvici cea run --json``)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from lenvici.web.schemas.common import Document

__all__ = ["ModelInfo", "CeaRunRequest", "CeaDocument"]


class ModelInfo(BaseModel):
    name: str = Field(description="The name to run it by (the file name without .yaml).")
    title: str
    type: str
    description: str | None
    strategies: list[str]
    sources: list[str]
    has_psa: bool


class CeaRunRequest(BaseModel):
    """Which shipped model to run, and the PSA to add."""

    model_config = ConfigDict(extra="forbid")

    model: str = Field(description="A model name from GET /api/cea/models.", examples=["dmhee_hiv"])
    psa: int | None = Field(default=None, description="Number of PSA samples (capped by the server).")
    seed: int | None = Field(default=None, description="Seed of the PSA draws.")
    wtp: list[float] | None = Field(default=None, max_length=1000, description="WTP grid for the CEAC.")


class CeaDocument(Document):
    model: str
    effect: str
    strategies: list[dict[str, Any]]
    icers: list[dict[str, Any]]
