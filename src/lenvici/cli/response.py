"""``lenvici response``: RECIST 1.1 / mRECIST tumour response from a lesion CSV (DESIGN §4)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from lenvici.cli._console import num, print_table
from lenvici.cli._io import errors_to_exit, print_json
from lenvici.clinical.response import DEFAULT_CONFIRM_DAYS, DEFAULT_SD_MIN_DAYS, ResponseAssessment, assess

app = typer.Typer(help="Tumour response (RECIST 1.1, mRECIST) from longitudinal lesion measurements.",
                  no_args_is_help=True)


@app.callback()
def _group() -> None:
    """Tumour response (RECIST 1.1, mRECIST) from longitudinal lesion measurements."""


@app.command("assess")
def assess_command(
    data: Annotated[Path, typer.Option("--data", help="Lesion CSV: patient,day,lesion,kind,organ,diameter_mm,"
                                                      "viable_diameter_mm,status (optional cytology).")],
    criteria: Annotated[str, typer.Option("--criteria", help="recist1.1 or mrecist.")] = "recist1.1",
    confirm: Annotated[bool, typer.Option("--confirm", help="Require confirmation of CR/PR (RECIST 1.1 §4.4.1).")] = False,
    confirm_days: Annotated[int, typer.Option(help="Days between a response and its confirmation.")] = DEFAULT_CONFIRM_DAYS,
    sd_min_days: Annotated[int, typer.Option(help="Minimum days from baseline for SD to count.")] = DEFAULT_SD_MIN_DAYS,
    pd_min_increase_mm: Annotated[Optional[float], typer.Option(
        help="Absolute rise over the nadir for PD, mm (default 5 for recist1.1, 0 for mrecist).")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """Per-visit response, best overall response and progression day for every patient.

    Diameters in mm (long axis; the short axis for lymph nodes), days from baseline; one row per lesion per
    visit (DESIGN §4).

    Examples:

      lenvici response assess --data examples/lesions/example_lesions.csv

      lenvici response assess --data examples/lesions/example_lesions.csv --criteria mrecist --confirm --json
    """
    with errors_to_exit():
        result = assess(data, criteria=criteria, confirm=confirm, confirm_days=confirm_days,
                        sd_min_days=sd_min_days, pd_min_increase_mm=pd_min_increase_mm)
    if json_out:
        print_json(result.to_dict())
    else:
        print_assessment(result)


def print_assessment(result: ResponseAssessment) -> None:
    """One row per patient (best overall response, progression day), then each patient's visits."""
    title = f"{result.criteria}{' (confirmed)' if result.confirm else ''}: {len(result)} patients"
    print_table(["patient", "best overall response", num("progression day")],
                [(p.patient, p.best_overall_response, "–" if p.progression_day is None else str(p.progression_day))
                 for p in result.patients], title=title)
    for p in result.patients:
        prog = "–" if p.progression_day is None else str(p.progression_day)
        print_table([num("day"), num("sum of diameters, mm"), "response"],
                    [(str(v.day), "–" if v.sum_mm is None else f"{v.sum_mm:.1f}", v.category or "baseline")
                     for v in p.visits],
                    title=f"{p.patient}: best overall response {p.best_overall_response}, progression day {prog}")
