"""The mechanisms graph: a node's neighbours with references, the neighbourhood drawing, a reference."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from fastapi import Path as PathParam

from lenvici.errors import InputError
from lenvici.knowledge import draw_neighbourhood, load_mechanisms, reference
from lenvici.web._figures import render
from lenvici.web.schemas import ERROR_RESPONSES, NeighboursDocument, ReferenceDocument

__all__ = ["router", "neighbours_document", "neighbourhood_svg"]

router = APIRouter(prefix="/api/knowledge", tags=["knowledge"], responses=ERROR_RESPONSES)


def neighbours_document(node: str, direction: str = "both", relation: str | None = None) -> dict:
    """``lenvici knowledge neighbours NODE --json``."""
    graph = load_mechanisms()
    centre = graph.node(node)
    found = graph.neighbours(node, direction, relation)
    return {"node": centre.model_dump(mode="json"),
            "neighbours": [{"node": n.node.id, "label": n.node.label, "kind": n.node.kind, "direction": n.direction,
                            "edge": {**n.edge.model_dump(mode="json"), "sign": n.edge.sign}} for n in found]}


def neighbourhood_svg(node: str, radius: int = 1) -> bytes:
    """The drawing of ``lenvici knowledge draw NODE --radius R`` as SVG bytes."""
    graph = load_mechanisms()
    graph.node(node)  # an unknown node is an InputError before anything is drawn

    def draw():
        with tempfile.TemporaryDirectory(prefix="lenvici-") as folder:
            return draw_neighbourhood(graph, node, Path(folder) / "neighbourhood.svg", radius)

    return render(draw)


@router.get("/neighbours/{node}", response_model=NeighboursDocument, summary="A node's neighbours with references")
def neighbours(node: Annotated[str, PathParam(max_length=200)],
               direction: Literal["both", "in", "out"] = "both",
               relation: Annotated[str | None, Query(max_length=50)] = None) -> dict:
    """What a node acts on (``out``) and what acts on it (``in``), each edge with the review's references."""
    return neighbours_document(node, direction, relation)


@router.get("/neighbourhood/{node}.svg", summary="Drawing of a node's neighbourhood", response_class=Response,
            responses={200: {"content": {"image/svg+xml": {}}}})
def neighbourhood(node: Annotated[str, PathParam(max_length=200)],
                  radius: Annotated[int, Query(ge=1, le=3)] = 1) -> Response:
    """Green edges activate or upregulate, red inhibit, grey are unsigned."""
    return Response(neighbourhood_svg(node, radius), media_type="image/svg+xml")


@router.get("/references/{number}", response_model=ReferenceDocument, summary="One of the review's references")
def review_reference(number: int) -> dict:
    """``lenvici knowledge ref N --json``."""
    try:
        return reference(number).model_dump(mode="json")
    except KeyError as exc:
        raise InputError(str(exc.args[0]), "number") from None
