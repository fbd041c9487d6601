"""Tumour response (RECIST 1.1, mRECIST) from an uploaded lesion CSV (``lenvici response assess``)."""

from __future__ import annotations

import io
from typing import Annotated

import polars as pl
from fastapi import APIRouter, Depends, File, Form, UploadFile
from starlette.concurrency import run_in_threadpool

from lenvici.clinical.response import (
    DEFAULT_CONFIRM_DAYS,
    DEFAULT_SD_MIN_DAYS,
    assess,
    lesion_table,
)
from lenvici.errors import InputError
from lenvici.web._uploads import read_limited
from lenvici.web.deps import AppState, get_state
from lenvici.web.schemas import ERROR_RESPONSES, AssessmentDocument

__all__ = ["router", "lesions_from_csv"]

router = APIRouter(prefix="/api/response", tags=["response"],
                   responses={**ERROR_RESPONSES, 413: {"description": "The file is over the size limit."}})


def lesions_from_csv(data: bytes):
    """A validated lesion table from CSV bytes (every cell read as text, blank and ``NA`` as missing — as
    :func:`lenvici.clinical.response.read_lesions` reads a file)."""
    try:
        frame = pl.read_csv(io.BytesIO(data), infer_schema=False, null_values=["", "NA"],
                            truncate_ragged_lines=False)
    except Exception as exc:  # polars raises several error types for malformed CSV
        raise InputError(f"not a readable CSV file ({type(exc).__name__}: {exc})".splitlines()[0], "file") from None
    return lesion_table(frame)


@router.post("/assess", response_model=AssessmentDocument, summary="Assess tumour response from a lesion CSV")
async def assess_upload(
    file: Annotated[UploadFile, File(description="Lesion CSV: patient,day,lesion,kind,organ,diameter_mm,"
                                                 "viable_diameter_mm,status (optional cytology).")],
    state: Annotated[AppState, Depends(get_state)],
    criteria: Annotated[str, Form(description="recist1.1 or mrecist.")] = "recist1.1",
    confirm: Annotated[bool, Form(description="Require confirmation of CR/PR (RECIST 1.1 §4.4.1).")] = False,
    confirm_days: Annotated[int, Form(
        description="Days between a response and its confirmation.")] = DEFAULT_CONFIRM_DAYS,
    sd_min_days: Annotated[int, Form(description="Minimum days from baseline for SD to count.")] = DEFAULT_SD_MIN_DAYS,
    pd_min_increase_mm: Annotated[float | None, Form(
        description="Absolute rise over the nadir for PD, mm (default 5 for recist1.1, 0 for mrecist).")] = None,
) -> dict:
    """``lenvici response assess --data FILE --criteria C --json``: per-visit response, best overall
    response and progression day for every patient in the file."""
    data = await read_limited(file, "file", state.settings.max_upload_bytes)

    def run() -> dict:
        table = lesions_from_csv(data)
        return assess(table, criteria=criteria, confirm=confirm, confirm_days=confirm_days,
                      sd_min_days=sd_min_days, pd_min_increase_mm=pd_min_increase_mm).to_dict()

    return await run_in_threadpool(run)
