"""Cost-effectiveness: the shipped models, run by name — base case and PSA (``lenvici cea run``)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response

from lenvici.economics import CEAResult, PSAResult, run_model, run_psa
from lenvici.errors import InputError
from lenvici.web._figures import render
from lenvici.web._models import load_named_model, model_names
from lenvici.web.deps import AppState, get_state
from lenvici.web.schemas import ERROR_RESPONSES, CeaDocument, CeaRunRequest, ModelInfo

__all__ = ["router", "run_named"]

router = APIRouter(prefix="/api/cea", tags=["economics"], responses=ERROR_RESPONSES)

State = Annotated[AppState, Depends(get_state)]


def run_named(state: AppState, model: object, psa: int | None, seed: int | None,
              wtp: list[float] | None = None) -> tuple[CEAResult, PSAResult | None]:
    """Base case and (with ``psa``) the PSA of the catalogue's model called ``model``, PSA size capped."""
    limit = state.settings.max_psa_samples
    if psa is not None and not 1 <= psa <= limit:
        raise InputError(f"'psa' must be a number of samples in [1, {limit}]; got {psa}", "psa")
    if seed is not None and not 0 <= seed < 2**63:
        raise InputError(f"'seed' must be an integer in [0, 2**63); got {seed}", "seed")
    if wtp is not None and (not wtp or any(not (0 <= w < float("inf")) for w in wtp)):
        raise InputError("'wtp' amounts must be finite and ≥ 0, at least one", "wtp")
    m = load_named_model(state.settings.models_dir, model)
    base = run_model(m)
    prob = run_psa(m, psa, seed=seed, wtp=wtp) if psa else None
    return base, prob


@router.get("/models", response_model=list[ModelInfo], summary="The models that can be run")
def models(state: State) -> list[dict]:
    """The cost-effectiveness models this server offers, by name."""
    out = []
    for name in model_names(state.settings.models_dir):
        m = load_named_model(state.settings.models_dir, name)
        out.append({"name": name, "title": m.name, "type": m.type, "description": m.description,
                    "strategies": list(m.strategies), "sources": list(m.sources),
                    "has_psa": bool(m.distributions() or any(m.psa_groups()))})
    return out


@router.post("/run", response_model=CeaDocument, summary="Run a model: base case and optional PSA")
def run(state: State, request: CeaRunRequest) -> dict:
    """``lenvici cea run MODEL.yaml [--psa N] [--seed S] --json`` for a model of ``GET /api/cea/models``:
    strategies, ICERs, and with ``psa`` the PSA summary, CEAC, CEAF and EVPI."""
    base, prob = run_named(state, request.model, request.psa, request.seed, request.wtp)
    doc = base.to_json()
    if prob is not None:
        doc.update(prob.to_json())
    return doc


@router.get("/plot/{model}.svg", summary="A plot of a model run", response_class=Response,
            responses={200: {"content": {"image/svg+xml": {}}}})
def plot(state: State, model: str,
         kind: Annotated[Literal["frontier", "ce", "ceac", "evpi"], Query(
             description="frontier (base case); ce, ceac or evpi (PSA)")] = "frontier",
         psa: Annotated[int | None, Query(description="PSA samples (needed for ce, ceac, evpi).")] = None,
         seed: int | None = None) -> Response:
    """The efficiency frontier of the base case, or the CE plane, CEAC (with CEAF) or EVPI of the PSA."""
    if kind != "frontier" and psa is None:
        raise InputError(f"plot kind {kind!r} needs a PSA: give 'psa'", "psa")
    base, prob = run_named(state, model, psa if kind != "frontier" else None, seed)
    svg = render(lambda: base.plot("frontier") if prob is None else prob.plot(kind))
    return Response(svg, media_type="image/svg+xml")
