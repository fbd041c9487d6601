"""Responses of the mechanisms-graph endpoints (``lenvici knowledge … --json``)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

__all__ = ["NeighbourItem", "NeighboursDocument", "ReferenceDocument"]


class NeighbourItem(BaseModel):
    node: str
    label: str
    kind: str
    direction: str
    edge: dict[str, Any]


class NeighboursDocument(BaseModel):
    node: dict[str, Any]
    neighbours: list[NeighbourItem]


class ReferenceDocument(BaseModel):
    number: int
    authors: str | None
    title: str | None
    journal: str | None
    year: int | None
    raw: str
