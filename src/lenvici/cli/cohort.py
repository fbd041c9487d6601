"""``lenvici cohort``: score a whole cohort file (CSV, Parquet or a FHIR R4 Bundle) with every applicable score."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

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


def _progress(done: int, total: int) -> None:
    sys.stderr.write(f"\rscored {done:,} of {total:,} patients")
    if done == total:
        sys.stderr.write("\n")


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
    """Score every patient of a cohort file and write the input columns plus value, category and error columns."""
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
        progress = _progress if sys.stderr.isatty() and frame.height >= 1_000_000 else None
        result = score_cohort(frame, parse_units(units), scores=names, options=_options(option or []),
                              progress=progress)
        result.write(out)
    if json_out:
        document = {"data": str(data), "out": str(out), **result.to_dict()}
        if fhir is not None:
            document["fhir"] = fhir.to_dict()
        print_json(document)
    else:
        typer.echo(format_summary(result, out))


def format_summary(result: CohortScores, out: Path) -> str:
    """The run as plain text: one line per score."""
    lines = [f"{result.frame.height:,} patients -> {out}"]
    for s in result.scores:
        lines.append(f"  {s.score:<15} scored {s.scored:>10,}  not scored {s.not_scored:>10,}")
    for name, missing in result.not_applicable.items():
        lines.append(f"  {name:<15} not applicable: no column {', '.join(missing)}")
    lines.append(f"  rows with an invalid input value: {result.rows_with_input_errors:,}")
    return "\n".join(lines)
