"""``lenvici cohort``: score a whole cohort file (CSV, Parquet or a FHIR R4 Bundle) with every applicable score."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from lenvici.cli._console import num, print_table, progress_bar, progress_shown
from lenvici.cli._io import errors_to_exit, print_json
from lenvici.clinical.cohort import CohortScores, parse_units, read_cohort, score_cohort
from lenvici.errors import InputError

app = typer.Typer(help="Score whole cohorts: every applicable score, one pass, an error column per score.",
                  no_args_is_help=True)

_OUTPUT_SUFFIXES = (".csv", ".parquet")


@app.callback()
def _group() -> None:
    """Score whole cohorts: every applicable score, one pass, an error column per score."""


def _options(items: list[str]) -> dict[str, dict[str, str]]:
    options: dict[str, dict[str, str]] = {}
    for item in items:
        key, sep, value = item.partition("=")
        score, dot, name = key.strip().partition(".")
        if not (sep and dot and score and name and value.strip()):
            raise InputError(f"--option must be SCORE.NAME=VALUE (e.g. gps.variant=japanese); got {item!r}", "option")
        options.setdefault(score, {})[name.strip()] = value.strip()
    return options


@app.command("score")
def score_command(
    data: Annotated[Path, typer.Option("--data", help="Cohort: .csv, .tsv, .parquet, or a FHIR R4 Bundle .json.")],
    out: Annotated[Path, typer.Option("--out", help="Output file, .csv or .parquet (written atomically).")],
    units: Annotated[str, typer.Option(
        "--units", help="Column units, e.g. 'bilirubin=mg/dL,albumin=g/dL,platelets=10*4/uL' (UCUM spellings).")] = "",
    scores: Annotated[Optional[str], typer.Option(
        "--scores", help="Comma-separated score names (default: every score whose input columns are present).")] = None,
    option: Annotated[Optional[list[str]], typer.Option(
        "--option", help="A score option, SCORE.NAME=VALUE, e.g. gps.variant=japanese; repeatable.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON summary on stdout.")] = False,
) -> None:
    """Score every patient of a cohort file and write the input columns plus value, category and error columns.

    Columns are named like the score inputs (bilirubin, albumin, inr, …); --units gives their units (UCUM),
    e.g. bilirubin=mg/dL; values are converted to the canonical units (bilirubin umol/L, albumin g/L, counts
    10*9/L). A progress bar follows large cohorts on a terminal.

    Examples:

      lenvici cohort score --data examples/fhir/bundle.json --out scored.csv --scores albi,gnri

      lenvici cohort score --data cohort.csv --out scored.parquet --units "bilirubin=mg/dL,albumin=g/dL" --json

    (cohort.csv: a patient column and the quantity columns bilirubin and albumin; every quantity column needs a
    unit, see examples/cohorts/README.md.)
    """
    with errors_to_exit():
        if out.suffix.lower() not in _OUTPUT_SUFFIXES:
            raise InputError(f"--out must end in .csv or .parquet; got {out.name!r}", "out")
        fhir = None
        if data.suffix.lower() == ".json":
            from lenvici.clinical.fhir import read_bundle

            fhir = read_bundle(data)
            frame = fhir.frame
        else:
            frame = read_cohort(data)
        names = None if scores is None else [s.strip() for s in scores.split(",") if s.strip()]
        if names is not None and not names:
            raise InputError("--scores names no score", "scores")
        with progress_bar(f"scoring {frame.height:,} patients", show=progress_shown(json_out)) as bar:
            result = score_cohort(frame, parse_units(units), scores=names, options=_options(option or []),
                                  progress=bar if bar.shown else None)
        result.write(out)
    if json_out:
        document = {"data": str(data), "out": str(out), **result.to_dict()}
        if fhir is not None:
            document["fhir"] = fhir.to_dict()
        print_json(document)
    else:
        print_summary(result, out)


def print_summary(result: CohortScores, out: Path) -> None:
    """The run as a table: patients scored and not scored per score, then the scores not applicable."""
    rows = [(s.score, f"{s.scored:,}", f"{s.not_scored:,}", "") for s in result.scores]
    rows += [(name, "–", "–", f"not applicable: no column {', '.join(missing)}")
             for name, missing in result.not_applicable.items()]
    columns = ["score", num("scored"), num("not scored"), "note"]
    if not result.not_applicable:
        columns, rows = columns[:3], [r[:3] for r in rows]
    print_table(columns, rows,
                title=f"{result.frame.height:,} patients -> {out}",
                note=f"rows with an invalid input value: {result.rows_with_input_errors:,}")
