"""Shapes every layer shares: the error document, and the base of documents that mirror the CLI."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Document", "ErrorItem", "ErrorDocument", "ERROR_RESPONSES", "Scalar"]

#: A raw input value as the faces receive it: text ("3.5 g/dL", "none"), a number or a flag.
Scalar = str | int | float | bool | None


class Document(BaseModel):
    """A JSON document whose declared fields are checked and whose further fields pass through unchanged,
    so that a response equals the CLI's ``--json`` document for the same inputs."""

    model_config = ConfigDict(extra="allow")


class ErrorItem(BaseModel):
    loc: list[str | int] = Field(description="Where the bad value came in: [path|query|body, field].")
    msg: str = Field(description="What is wrong and what is accepted (units, choices, range).")
    type: str = Field(description="'input_error' for lenvici's own checks; pydantic's type otherwise.")

    model_config = ConfigDict(extra="allow")


class ErrorDocument(BaseModel):
    detail: list[ErrorItem]


#: The error responses every endpoint declares in the OpenAPI schema.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    422: {"model": ErrorDocument, "description": "Invalid input; `loc` names the field."},
}
