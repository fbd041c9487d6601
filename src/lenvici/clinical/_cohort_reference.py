"""The slow, obviously correct cohort path: each row, each score, through the public per-patient function.

A row is turned into the arguments one patient would be given — a quantity as ``"VALUE UNIT"`` text with
the unit the cohort rules pick (the cell's own unit, else the row's ``<name>_unit`` cell, else the
column's unit from the mapping; a dimensionless INR without one is passed bare), a choice, flag or
integer as the cell's own value, a missing cell not passed at all — and handed to
:func:`~lenvici.clinical.scores._evaluate.evaluate_score`. The cohort engine
(:func:`lenvici.clinical.cohort.score_cohort`) must agree with this on every row (STYLE §6); the tests
check that on thousands of random rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import polars as pl

from lenvici.clinical._cohort_fields import FIELDS, QUANTITY
from lenvici.clinical._cohort_scores import COLUMNAR_SCORES
from lenvici.clinical.scores import ScoreResult, get_score
from lenvici.clinical.scores._evaluate import accepted_names, evaluate_score
from lenvici.errors import InputError

__all__ = ["score_rows"]


def _blank(cell: object) -> bool:
    return cell is None or (isinstance(cell, str) and cell.strip() == "")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _quantity(cell: object, unit: str | None) -> object:
    """The argument a patient would pass for a quantity cell."""
    if isinstance(cell, str):
        text = cell.strip()
        if not _is_number(text):
            return text  # carries its own unit (or is not a quantity at all: the function says so)
    else:
        text = repr(float(cell)) if isinstance(cell, float) else str(cell)
    return text if unit is None else f"{text} {unit}"


def _row_arguments(row: Mapping[str, object], columns: Mapping[str, str], unit_columns: Mapping[str, str],
                   units: Mapping[str, str]) -> dict[str, object]:
    arguments = {}
    for field, column in columns.items():
        cell = row[column]
        if _blank(cell):
            continue
        if FIELDS[field].kind == QUANTITY:
            row_unit = row[unit_columns[field]] if field in unit_columns else None
            unit = row_unit.strip() if isinstance(row_unit, str) and row_unit.strip() else units.get(field)
            arguments[field] = _quantity(cell, unit)
        else:
            arguments[field] = cell
    return arguments


def score_rows(frame: pl.DataFrame, units: Mapping[str, str] | None = None, *, scores: Iterable[str] | None = None,
               options: Mapping[str, Mapping[str, object]] | None = None
               ) -> list[dict[str, ScoreResult | InputError]]:
    """Each row's result (or refusal) for each score, one patient and one score at a time.

    Column names are matched to fields as the cohort engine matches them (case, spaces, ``-``/``_``).
    """
    units = {k.strip().lower().replace("-", "_"): v for k, v in (units or {}).items()}
    columns, unit_columns = {}, {}
    for column in frame.columns:
        name = column.strip().lower().replace("-", "_").replace(" ", "_")
        if name.endswith("_unit") and name[:-5] in FIELDS:
            unit_columns[name[:-5]] = column
        elif name in FIELDS:
            columns[name] = column
    names = [get_score(s).name for s in (scores if scores is not None else COLUMNAR_SCORES)]
    specs = {name: get_score(name) for name in names}
    options = {get_score(k).name: dict(v) for k, v in (options or {}).items()}
    results = []
    for row in frame.iter_rows(named=True):
        arguments = _row_arguments(row, columns, unit_columns, units)
        out: dict[str, ScoreResult | InputError] = {}
        for name, spec in specs.items():
            accepted = set(accepted_names(spec))
            given = {k: v for k, v in arguments.items() if k in accepted}
            try:
                out[name] = evaluate_score(name, {**given, **options.get(name, {})})
            except InputError as exc:
                out[name] = exc
        results.append(out)
    return results
