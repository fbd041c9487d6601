"""The curated evidence: studies, per-class summaries, pooled analyses (with forest plots), and pooling a
study table of one's own (``lenvici evidence …``, ``lenvici meta …``)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Form, Query, Response, UploadFile
from starlette.concurrency import run_in_threadpool

from lenvici.errors import InputError
from lenvici.evidence import query_studies, summarise_by_class
from lenvici.evidence.meta import escalc, rma
from lenvici.evidence.meta.csvfile import CSV_COLUMNS, CSV_MEASURES, read_effects_csv
from lenvici.evidence.pooling import EvidencePool, pool_evidence
from lenvici.web._figures import render
from lenvici.web._uploads import read_limited
from lenvici.web.deps import AppState, get_state
from lenvici.web.schemas import (
    ERROR_RESPONSES,
    ClassSummaryDocument,
    EvidencePoolDocument,
    MetaPoolDocument,
    MetaPoolRequest,
    StudyDocument,
)

__all__ = ["router", "pooled_evidence"]

router = APIRouter(tags=["evidence"], responses=ERROR_RESPONSES)

State = Annotated[AppState, Depends(get_state)]
Endpoint = Literal["orr", "dcr", "trae_grade3", "pfs_median", "os_median"]


@router.get("/api/evidence/studies", response_model=list[StudyDocument], summary="Curated studies, filtered")
def studies(state: State,
            regimen_contains: Annotated[str | None, Query(max_length=200, description="Component id or text, "
                                                          "e.g. tace, pembrolizumab.")] = None,
            source: Annotated[str | None, Query(max_length=200, description="Provenance prefix: table1, table2, "
                                                "text, text:REFLECT.")] = None,
            regimen_class: Annotated[str | None, Query(max_length=200, description="Regimen class, e.g. "
                                                       "TACE+LEN+ICI.")] = None) -> list[dict]:
    """``lenvici evidence studies --json``: every study with its arms and provenance."""
    return query_studies(regimen_contains, source, regimen_class, db_path=state.store())


@router.get("/api/evidence/summary", response_model=list[ClassSummaryDocument], summary="Evidence per regimen class")
def summary(state: State) -> list[dict]:
    """``lenvici evidence summary --json``: ranges of ORR, median PFS and median OS per regimen class."""
    return [r.__dict__ for r in summarise_by_class(state.store())]


def pooled_evidence(state: AppState, endpoint: str, compare: list[str] | None, measure: str | None, method: str,
                    knha: bool, level: float, criteria: str, assume_equal_arms: bool, min_k: int) -> EvidencePool:
    """Pool the curated studies (see :func:`lenvici.evidence.pooling.pool_evidence`)."""
    if compare is not None and len(compare) != 2:
        raise InputError(f"'compare' takes two regimen classes A and B; got {len(compare)}", "compare")
    return pool_evidence(endpoint, compare=tuple(compare) if compare else None, measure=measure, method=method,
                         test="knha" if knha else "z", level=level, criteria=criteria,
                         assume_equal_arms=assume_equal_arms, min_k=min_k, db_path=state.store())


class _PoolQuery:
    def __init__(self,
                 endpoint: Annotated[Endpoint, Query(
                     description="orr, dcr, trae_grade3, pfs_median or os_median")] = "orr",
                 compare: Annotated[list[str] | None, Query(max_length=2, description="Two regimen classes A, B "
                                                            "(repeat the parameter): pool A vs B.")] = None,
                 measure: Annotated[str | None, Query(max_length=10, description="Rates: PLO (default), PFT, PR, "
                                                      "PAS; comparisons: OR (default), RR, RD.")] = None,
                 method: Annotated[str, Query(max_length=10, description="EE or DL HE HS SJ ML REML EB PM")] = "REML",
                 knha: bool = False,
                 level: float = 95.0,
                 criteria: Annotated[str, Query(
                     max_length=20, description="first, any, mRECIST or RECIST1.1")] = "first",
                 assume_equal_arms: bool = False,
                 min_k: int = 2):
        self.args = dict(endpoint=endpoint, compare=compare, measure=measure, method=method, knha=knha,
                         level=level, criteria=criteria, assume_equal_arms=assume_equal_arms, min_k=min_k)


@router.get("/api/evidence/pooled", response_model=EvidencePoolDocument, summary="Pooled curated evidence")
def pooled(state: State, query: Annotated[_PoolQuery, Depends()]) -> dict:
    """``lenvici meta evidence --endpoint E [--compare A B] --json``: pooled estimates per regimen class (or
    for one comparison) with every study included or excluded, and why."""
    return pooled_evidence(state, **query.args).to_dict()


@router.get("/api/evidence/pooled/forest.svg", summary="Forest plot of the pooled curated evidence",
            response_class=Response, responses={200: {"content": {"image/svg+xml": {}}}})
def pooled_forest(state: State, query: Annotated[_PoolQuery, Depends()]) -> Response:
    """The forest plot of ``GET /api/evidence/pooled`` with the same parameters, as SVG."""
    result = pooled_evidence(state, **query.args)
    return Response(render(result.plot), media_type="image/svg+xml")


def _columns(request: MetaPoolRequest, measure: str) -> dict[str, list[float]]:
    needed = list(CSV_COLUMNS[measure])
    if measure == "GEN" and all(r.vi is None and r.sei is not None for r in request.rows):
        needed = ["yi", "sei"]
    columns: dict[str, list[float]] = {c: [] for c in needed}
    for i, row in enumerate(request.rows):
        for c in needed:
            value = getattr(row, c)
            if value is None:
                raise InputError(f"row {i + 1}: column {c!r} is missing (measure {measure} needs "
                                 f"{', '.join(CSV_COLUMNS[measure])})", c)
            columns[c].append(value)
    return columns


@router.post("/api/meta/pool", response_model=MetaPoolDocument, summary="Pool a study table (JSON rows)")
def meta_pool(request: MetaPoolRequest) -> dict:
    """``lenvici meta pool --data FILE --measure M --method T [--knha] [--level L] --json`` with the rows as
    JSON: metafor's names and definitions, ``transformed`` on the natural scale."""
    measure = request.measure.upper()
    if measure not in CSV_MEASURES:
        raise InputError(f"'measure' must be one of {', '.join(CSV_MEASURES)}; got {request.measure!r}", "measure")
    labels = [r.study if r.study else str(i + 1) for i, r in enumerate(request.rows)]
    effects = escalc(measure, **_columns(request, measure), study=labels)
    result = rma(effects, method=request.method, test="knha" if request.knha else "z", level=request.level)
    return result.to_json(effects.study)


@router.post("/api/meta/pool/csv", response_model=MetaPoolDocument, summary="Pool a study table (CSV upload)",
             responses={413: {"description": "The file is over the size limit."}})
async def meta_pool_csv(
    state: State,
    file: Annotated[UploadFile, File(description="CSV: xi,ni (proportions); ai,n1i,ci,n2i (two groups); yi,vi "
                                                 "(GEN); optional study column.")],
    measure: Annotated[str, Form(description="PR PLO PAS PFT; OR RR RD; GEN")],
    method: Annotated[str, Form(description="EE or DL HE HS SJ ML REML EB PM")] = "REML",
    knha: Annotated[bool, Form()] = False,
    level: Annotated[float, Form()] = 95.0,
) -> dict:
    """The same as ``POST /api/meta/pool`` with the table as a CSV file, read as the CLI reads ``--data``
    (messages name the line and column of ``upload.csv``)."""
    data = await read_limited(file, "file", state.settings.max_upload_bytes)
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError("the file is not UTF-8 text; upload a CSV file", "file") from None

    def run() -> dict:
        with tempfile.TemporaryDirectory(prefix="lenvici-") as folder:
            path = Path(folder) / "upload.csv"
            path.write_bytes(data)
            effects = read_effects_csv(path, measure.upper())
        result = rma(effects, method=method, test="knha" if knha else "z", level=level)
        return result.to_json(effects.study)

    return await run_in_threadpool(run)
