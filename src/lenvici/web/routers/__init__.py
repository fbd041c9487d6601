"""One FastAPI router per layer (STYLE §8), and the router of the HTML pages."""

from lenvici.web.routers import (
    dosing,
    economics,
    evidence,
    knowledge,
    pages,
    response,
    scores,
)

__all__ = ["dosing", "economics", "evidence", "knowledge", "pages", "response", "scores"]
