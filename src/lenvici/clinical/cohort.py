"""Score a whole cohort in one pass: every applicable score, columnar, with an error column per score.

A cohort is a table with one row per patient and columns named after the shared inputs of DESIGN §4
(``bilirubin``, ``albumin``, ``inr``, ``ascites``, ``sex``, …; case, spaces and ``-``/``_`` do not
matter); other columns (a patient id) pass through. Quantity columns take their unit from a
column → unit mapping (``{"bilirubin": "mg/dL", "albumin": "g/dL", "platelets": "10*4/uL"}``), from a
companion column ``<name>_unit``, or from the cell itself (``"3.5 g/dL"``); conversions and physiological
ranges are :mod:`lenvici.units`'.

:func:`score_cohort` runs every available score whose inputs the cohort has (or those named) and returns
:class:`CohortScores`: the input columns, then per score its value column (``albi``), its category column
(``albi_grade``) and its error column (``albi_error``), then ``input_errors``. A row with a bad value — out
of range, in an unknown unit, an unknown category — keeps its place: the scores that need that value are
null and their error column names the field, the value and what is allowed, and ``input_errors`` lists
every invalid value of the row, used or not. A score a row lacks an input for is null with "'inr' is
missing". Nothing is dropped, and no value column ever holds NaN or infinity. Values are Float64 (Int8
for point scores), categories Enum, and the error columns Categorical (a few messages repeat down them).

The work is vectorised (NumPy kernels of the score modules over slices of rows, Polars for the columns
and the messages); the slow reference, one patient at a time through the public functions, is
:func:`lenvici.clinical._cohort_reference.score_rows`, and the tests hold the two equal.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

import numpy as np
import polars as pl

from lenvici._atomic import atomic_path
from lenvici.clinical._cohort_fields import (
    FIELDS,
    INVALID,
    OK,
    QUANTITY,
    enum_from_codes,
    nulls_where,
    prepare_column,
    unit_factor,
)
from lenvici.clinical._cohort_engine import FieldMessages, ScoreArrays, error_column
from lenvici.clinical._cohort_scores import COLUMNAR_SCORES, Batch, ColumnarScore
from lenvici.clinical._cohort_synthetic import SYNTHETIC_UNITS, synthetic_cohort
from lenvici.clinical.scores import get_score
from lenvici.errors import InputError

__all__ = [
    "CSV_NULL_VALUES",
    "DEFAULT_CHUNK_ROWS",
    "INPUT_ERRORS",
    "SYNTHETIC_UNITS",
    "CohortScores",
    "ScoreSummary",
    "cohort_score_names",
    "parse_units",
    "read_cohort",
    "score_cohort",
    "synthetic_cohort",
]

#: Rows per slice of the vectorised pass: small enough that a slice's temporaries stay in cache.
DEFAULT_CHUNK_ROWS = 1 << 16
#: Cell texts read as missing in a CSV file (besides empty cells).
CSV_NULL_VALUES = ("", "NA", "N/A", "na", "n/a", "NULL", "null")
#: The column that lists every invalid input value of a row, used by a score or not.
INPUT_ERRORS = "input_errors"


def cohort_score_names() -> tuple[str, ...]:
    """Every score the cohort engine can compute (the registry's available scores), by name."""
    return tuple(COLUMNAR_SCORES)


@dataclass(frozen=True)
class ScoreSummary:
    """One score over the cohort: its columns, how many rows it scored, and the count of each category."""

    score: str
    value_column: str | None
    category_column: str | None
    error_column: str
    scored: int
    not_scored: int
    categories: Mapping[str, int] = field(default_factory=dict)
    options: Mapping[str, object] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"score": self.score, "value_column": self.value_column, "category_column": self.category_column,
                "error_column": self.error_column, "scored": self.scored, "not_scored": self.not_scored,
                "categories": dict(self.categories), "options": dict(self.options)}


@dataclass(frozen=True)
class CohortScores:
    """The scored cohort: the frame (inputs, then value/category/error columns per score) and a summary."""

    frame: pl.DataFrame
    scores: tuple[ScoreSummary, ...]
    not_applicable: Mapping[str, tuple[str, ...]]
    rows_with_input_errors: int

    def __repr__(self) -> str:
        return (f"CohortScores({self.frame.height} patients, scores={[s.score for s in self.scores]}, "
                f"rows_with_input_errors={self.rows_with_input_errors})")

    def summary(self) -> pl.DataFrame:
        """One row per score: score, scored, not_scored."""
        return pl.DataFrame({"score": [s.score for s in self.scores], "scored": [s.scored for s in self.scores],
                             "not_scored": [s.not_scored for s in self.scores]})

    def to_dict(self) -> dict:
        """The JSON summary (``lenvici cohort score --json``)."""
        return {"patients": self.frame.height, "scores": [s.to_dict() for s in self.scores],
                "not_applicable": [{"score": k, "missing_columns": list(v)} for k, v in self.not_applicable.items()],
                "rows_with_input_errors": self.rows_with_input_errors}

    def write(self, path: str | Path) -> Path:
        """Write :attr:`frame` to ``.csv`` or ``.parquet`` atomically (a failed write leaves no file)."""
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix not in (".csv", ".parquet"):
            raise InputError(f"output must end in .csv or .parquet; got {path.name!r}", "out")
        with atomic_path(path) as tmp:
            if suffix == ".csv":
                self.frame.write_csv(tmp)
            else:
                self.frame.write_parquet(tmp)
        return path


# ------------------------------------------------------------------------------------------- reading


def read_cohort(path: str | Path) -> pl.DataFrame:
    """A cohort file as a frame: CSV (every cell read as text, then checked), Parquet, or a FHIR R4 Bundle (.json).

    Raises
    ------
    InputError
        When the file is missing, unreadable, or not one of these formats.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"cohort file {str(path)!r} does not exist", "data")
    suffix = path.suffix.lower()
    try:
        if suffix in (".csv", ".tsv"):
            return pl.read_csv(path, infer_schema=False, separator="\t" if suffix == ".tsv" else ",",
                               null_values=list(CSV_NULL_VALUES))
        if suffix == ".parquet":
            return pl.read_parquet(path)
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise InputError(f"cannot read cohort file {path.name!r}: {exc}", "data") from None
    if suffix == ".json":
        from lenvici.clinical.fhir import read_bundle

        return read_bundle(path).frame
    raise InputError(f"cohort file must be .csv, .tsv, .parquet or a FHIR Bundle .json; got {path.name!r}", "data")


def parse_units(text: str) -> dict[str, str]:
    """``"bilirubin=mg/dL,albumin=g/dL"`` as a mapping (the command line's ``--units``)."""
    units: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, sep, unit = item.partition("=")
        if not sep or not name.strip() or not unit.strip():
            raise InputError(f"--units must be NAME=UNIT pairs separated by commas; got {item!r}", "units")
        key = _field_name(name)
        if key in units:
            raise InputError(f"--units gives {name.strip()!r} twice", "units")
        units[key] = unit.strip()
    return units


def _field_name(column: str) -> str:
    return column.strip().lower().replace("-", "_").replace(" ", "_")


# ------------------------------------------------------------------------------------------ the engine


def _columns(frame: pl.DataFrame) -> tuple[dict[str, str], dict[str, str]]:
    """Field → column for the cohort's input columns, and field → column of its ``<field>_unit`` companion."""
    fields: dict[str, str] = {}
    units: dict[str, str] = {}
    for column in frame.columns:
        name = _field_name(column)
        target, key = (units, name[:-5]) if name.endswith("_unit") and name[:-5] in FIELDS else (fields, name)
        if key not in FIELDS:
            continue
        if key in target:
            raise InputError(f"columns {target[key]!r} and {column!r} both give {key!r}", key)
        target[key] = column
    for key, column in units.items():
        if key not in fields or FIELDS[key].kind != QUANTITY:
            raise InputError(f"unit column {column!r} has no quantity column {key!r} beside it", key)
    return fields, units


def _check_units(units: Mapping[str, str], fields: Mapping[str, str]) -> dict[str, str]:
    checked = {}
    quantities = sorted(f for f in fields if FIELDS[f].kind == QUANTITY)
    for name, unit in units.items():
        key = _field_name(name)
        if key not in fields:
            raise InputError(f"units given for {name!r}, which is not a column of the cohort; its quantity columns: "
                             f"{', '.join(quantities) or 'none'}", key)
        if FIELDS[key].kind != QUANTITY:
            raise InputError(f"units given for {name!r}, which is not a quantity", key)
        unit_factor(FIELDS[key], unit)  # an unknown unit refuses the batch, naming the accepted ones
        checked[key] = unit
    return checked


def _choose(names: Iterable[str] | None, present: set[str]) -> tuple[list[ColumnarScore], dict[str, tuple[str, ...]]]:
    not_applicable = {s.name: s.missing_columns(present) for s in COLUMNAR_SCORES.values()}
    if names is None:
        chosen = [s for s in COLUMNAR_SCORES.values() if not not_applicable[s.name]]
    else:
        chosen = []
        for name in names:
            spec = get_score(name)
            if spec.status != "available":
                raise InputError(f"score {spec.name!r} is {spec.status}: {spec.reason}", "scores")
            score = COLUMNAR_SCORES[spec.name]
            if not_applicable[score.name]:
                raise InputError(f"score {score.name!r} needs column(s) {', '.join(not_applicable[score.name])}; "
                                 f"the cohort's input columns: {', '.join(sorted(present)) or 'none'}", "scores")
            if score not in chosen:
                chosen.append(score)
    # Listed only when the scores were not named: then the user asked for "every applicable score".
    skipped = {} if names is not None else {k: v for k, v in not_applicable.items() if v}
    return chosen, skipped


def _options(options: Mapping[str, Mapping[str, object]], chosen: list[ColumnarScore]) -> dict[str, dict]:
    given = {}
    for name, values in options.items():
        spec = get_score(name)
        if spec.name not in {s.name for s in chosen}:
            raise InputError(f"options given for score {spec.name!r}, which is not being scored", "options")
        given[spec.name] = values
    return {s.name: s.check_options(given.get(s.name, {})) for s in chosen}


def score_cohort(data: pl.DataFrame | str | Path, units: Mapping[str, str] | None = None, *,
                 scores: Iterable[str] | None = None, options: Mapping[str, Mapping[str, object]] | None = None,
                 chunk_rows: int = DEFAULT_CHUNK_ROWS,
                 progress: Callable[[int, int], None] | None = None) -> CohortScores:
    """Score every patient of a cohort with every applicable score.

    Parameters
    ----------
    data
        A Polars DataFrame, or the path of a CSV, Parquet or FHIR Bundle file (:func:`read_cohort`).
    units
        Column → unit for quantity columns, UCUM spellings as :mod:`lenvici.units` accepts them
        (``{"bilirubin": "mg/dL", "albumin": "g/dL", "platelets": "10*4/uL"}``). A numeric quantity column needs
        one (INR excepted); a text column may carry the unit in each cell, and ``<name>_unit`` columns give one
        per row. A unit written in a cell wins over the ``_unit`` column, which wins over this mapping.
    scores
        Score names (``albi``, ``child-pugh``, …); default every available score whose input columns are
        present. Naming a score whose columns are missing is an error.
    options
        Per-score options, e.g. ``{"gps": {"variant": "japanese"}, "child-pugh": {"cholestatic": True},
        "gnri": {"ideal_weight": "bmi22"}, "sarcopenia-jsh": {"criteria": "jsh-2021"}}``.
    chunk_rows
        Rows per vectorised slice (memory, not results, depends on it).
    progress
        Called as ``progress(done, total)`` after each slice.

    Returns
    -------
    CohortScores

    Raises
    ------
    InputError
        For a problem with the whole batch: an unknown or unavailable score, a missing column for a named
        score, a unit mapping for a column that is not there or a unit not accepted for it, a quantity column
        with no unit at all, two columns for one input, an output column name already taken. Bad *values*
        never raise: they are reported per row.

    Examples
    --------
    >>> import polars as pl
    >>> cohort = pl.DataFrame({"patient": ["a", "b"], "bilirubin": [0.8, 1.2], "albumin": [4.1, 0.2]})
    >>> result = score_cohort(cohort, {"bilirubin": "mg/dL", "albumin": "g/dL"}, scores=["albi"])
    >>> result.frame["albi_grade"].to_list()
    ['1', None]
    >>> result.frame["albi_error"][1]
    "'albumin' = 0.2 g/dL (2.0 g/L) is outside the physiological range [5, 70] g/L"
    """
    frame = data if isinstance(data, pl.DataFrame) else read_cohort(data)
    if chunk_rows < 1:
        raise InputError(f"chunk_rows must be at least 1; got {chunk_rows}", "chunk_rows")
    fields, unit_columns = _columns(frame)
    unit_map = _check_units(units or {}, fields)
    chosen, not_applicable = _choose(scores, set(fields))
    chosen_options = _options(options or {}, chosen)
    new_columns = [c for s in chosen for c in (s.value_column, s.category_column, s.error_column) if c]
    taken = sorted(set(new_columns + [INPUT_ERRORS]) & set(frame.columns))
    if taken:
        raise InputError(f"the cohort already has column(s) {', '.join(taken)}, which scoring would write", taken[0])

    prepared = {name: prepare_column(frame[column], FIELDS[name], unit_map.get(name),
                                     frame[unit_columns[name]] if name in unit_columns else None)
                for name, column in fields.items()}
    n = frame.height
    states = {name: np.full(n, OK, np.int8) for name in prepared}  # written now: see ScoreArrays
    any_invalid = np.full(n, False)
    outputs = [ScoreArrays(score, n) for score in chosen]
    with np.errstate(all="ignore"):
        for start in range(0, n, chunk_rows):
            rows = slice(start, min(start + chunk_rows, n))
            values, batch_states = {}, {}
            for name, column in prepared.items():
                values[name], batch_states[name] = column.chunk(rows)
                states[name][rows] = batch_states[name]
                any_invalid[rows] |= batch_states[name] == INVALID
            batch = Batch(rows.stop - rows.start, values, batch_states)
            for out in outputs:
                out.fill(rows, batch, chosen_options[out.score.name])
            if progress is not None:
                progress(rows.stop, n)
    return _assemble(frame, outputs, FieldMessages(prepared, states), any_invalid, chosen_options, not_applicable)


def _assemble(frame: pl.DataFrame, outputs: list[ScoreArrays], messages: FieldMessages, any_invalid: np.ndarray,
              options: Mapping[str, Mapping], not_applicable: Mapping[str, tuple[str, ...]]) -> CohortScores:
    n = frame.height
    columns, summaries, shared = [], [], {}
    for out in outputs:
        score = out.score
        scored = out.scored_count
        if out.value is not None:
            if scored == n:
                columns.append(pl.Series(score.value_column, out.value))
            elif score.integer:
                columns.append(nulls_where(pl.Series(score.value_column, out.value), ~out.scored))
            else:
                columns.append(pl.Series(score.value_column, out.value, nan_to_null=True))
        counts: dict[str, int] = {}
        if out.code is not None:
            labels = score.category_labels
            columns.append(enum_from_codes(score.category_column, out.code, labels))
            counts = {label: int(c) for label, c in zip(labels, out.category_counts)}
        columns.append(_score_errors(out, n, messages, shared) if scored < n
                       else pl.repeat(None, n, dtype=pl.Categorical, eager=True).alias(score.error_column))
        summaries.append(ScoreSummary(score.name, score.value_column, score.category_column, score.error_column,
                                      scored, n - scored, MappingProxyType(counts),
                                      MappingProxyType(dict(options[score.name]))))
    rows = np.flatnonzero(any_invalid)
    columns.append(error_column(INPUT_ERRORS, n, rows,
                                [messages.source(name, rows, only_invalid=True) for name in messages.states]))
    return CohortScores(frame.with_columns(columns), tuple(summaries), MappingProxyType(dict(not_applicable)),
                        len(rows))


def _score_errors(out: ScoreArrays, n: int, messages: FieldMessages, shared: dict) -> pl.Series:
    """The score's error column: its inputs' messages, then its note; reused by a score with the same inputs,
    failing rows and no notes (GPS and mGPS)."""
    score = out.score
    rows = np.flatnonzero(out.status >= 0)
    key = (score.inputs, score.optional, rows.tobytes()) if not score.notes else None
    if key is not None and key in shared:
        return shared[key].alias(score.error_column)
    sources = [messages.source(name, rows) for name in score.inputs]
    sources += [messages.source(name, rows, only_invalid=True) for name in score.optional if name in messages.states]
    if score.notes:
        sources.append((pl.Series(list(score.notes), dtype=pl.String), out.status[rows].astype(np.int64) - 1))
    column = error_column(score.error_column, n, rows, sources)
    if key is not None:
        shared[key] = column
    return column
