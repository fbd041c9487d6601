"""Lesion measurements: the typed row, the validated table and the CSV reader.

A lesion table has one row per lesion per visit, with the columns of DESIGN §4::

    patient,day,lesion,kind,organ,diameter_mm,viable_diameter_mm,status

* ``day`` — an integer; each patient's earliest day is the baseline assessment.
* ``kind`` — ``target``, ``non-target`` or ``new``. Targets and non-targets are chosen at baseline and
  keep their kind; a ``new`` lesion cannot appear at baseline.
* ``organ`` — free text (``liver``, ``lung``, ``lymph-node``, ``portal-vein``, ``ascites``,
  ``pleural-effusion``, …; case, spaces and ``_`` are normalised to lower case with ``-``). Lymph nodes
  give their short axis as ``diameter_mm`` and ``organ=lymph-node``; all nodes count as one organ.
* ``diameter_mm`` — longest diameter (short axis for nodes), ≥ 0 mm; targets and new lesions only.
* ``viable_diameter_mm`` — longest diameter of the arterially enhancing part (mRECIST); a blank value
  at baseline marks an intrahepatic target as atypical (measured by its whole diameter). Never larger
  than ``diameter_mm``. Ignored by RECIST 1.1.
* ``status``
    - target: blank or ``present`` (measured; blank diameter = not measured → NE), ``absent``
      (disappeared: 0 mm) or ``too-small`` (present but too small to measure: RECIST 1.1 §4.3.1 records
      5 mm, filled into the blank diameters);
    - non-target: ``present``, ``absent``, ``unequivocal-progression``; blank = not evaluated. At
      baseline a non-target must be ``present``;
    - new: ``present`` (blank means present: an unequivocal new lesion; under mRECIST, for an
      intrahepatic one, the typical vascular pattern), ``equivocal`` (awaiting confirmation), ``absent``.
* ``cytology`` (optional column) — ``positive`` or ``negative``, for ascites and pleural effusion
  (mRECIST counts their appearance or growth as progression only with positive cytology).

Anything else raises :class:`lenvici.errors.InputError` naming the row (numbered from 1, the header not
counted; CSV line = row + 1) and the column.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

import polars as pl

from lenvici.errors import InputError

__all__ = [
    "COLUMNS", "KINDS", "TARGET", "NON_TARGET", "NEW", "STATUSES", "LYMPH_NODE", "LIVER", "PORTAL_VEIN",
    "EFFUSIONS", "MAX_DIAMETER_MM", "LesionRow", "LesionTable", "read_lesions", "lesion_table",
]

#: The required columns, in the order of DESIGN §4.
COLUMNS = ("patient", "day", "lesion", "kind", "organ", "diameter_mm", "viable_diameter_mm", "status")
_OPTIONAL = ("cytology",)

TARGET, NON_TARGET, NEW = "target", "non-target", "new"
KINDS = (TARGET, NON_TARGET, NEW)

#: The statuses each kind accepts (``None`` = blank).
STATUSES: Mapping[str, tuple[str | None, ...]] = {
    TARGET: (None, "present", "absent", "too-small"),
    NON_TARGET: (None, "present", "absent", "unequivocal-progression"),
    NEW: (None, "present", "equivocal", "absent"),
}
_ALL_STATUSES = ("present", "absent", "too-small", "unequivocal-progression", "equivocal")
_STATUS_ALIASES = {"too-small-to-measure": "too-small", "not-evaluated": None, "ne": None,
                   "unequivocal": "unequivocal-progression", "progression": "unequivocal-progression"}
_KIND_ALIASES = {"nontarget": NON_TARGET, "non-targets": NON_TARGET, "targets": TARGET}
_CYTOLOGY = ("positive", "negative")

LYMPH_NODE = "lymph-node"
LIVER = "liver"
PORTAL_VEIN = "portal-vein"
#: Fluid collections whose malignant nature needs cytology under mRECIST.
EFFUSIONS = ("ascites", "pleural-effusion")
_ORGAN_ALIASES = {"lymph-nodes": LYMPH_NODE, "node": LYMPH_NODE, "nodes": LYMPH_NODE,
                  "pleural-effusions": "pleural-effusion", "portal-vein-thrombosis": PORTAL_VEIN}

#: Largest accepted diameter: a physiological bound (the largest HCCs are about 30 cm).
MAX_DIAMETER_MM = 1000.0
_MAX_ABS_DAY = 100_000


@dataclass(frozen=True)
class LesionRow:
    """One lesion at one visit (diameters in mm; ``None`` = blank)."""

    patient: str
    day: int
    lesion: str
    kind: str
    organ: str
    diameter_mm: float | None = None
    viable_diameter_mm: float | None = None
    status: str | None = None
    cytology: str | None = None


@dataclass(frozen=True)
class LesionTable:
    """A validated lesion table.

    ``frame`` holds one row per input row with canonical values: ``row`` (1-based input row), ``patient``,
    ``day``, ``lesion``, ``kind``, ``organ`` (normalised), ``diameter_um`` and ``viable_um`` (whole
    micrometres, null when blank), ``status`` (normalised; targets ``None``/``absent``/``too-small``, new
    lesions never blank), ``cytology``, and ``baseline_day`` (the patient's earliest day).
    Build it with :func:`lesion_table` or :func:`read_lesions`, which validate.
    """

    frame: pl.DataFrame
    source: str = "lesions"
    from_csv: bool = False

    def __len__(self) -> int:
        return self.frame.height

    def where(self, row: int) -> str:
        """How error messages name an input row: ``lesions.csv row 3 (line 4)``."""
        return _where(self.source, row, self.from_csv)

    @property
    def patients(self) -> list[str]:
        """Patient identifiers in order of first appearance."""
        return self.frame.select(pl.col("patient").unique(maintain_order=True)).to_series().to_list()

    def records(self) -> list[LesionRow]:
        """The rows as :class:`LesionRow` (diameters back in mm)."""
        out = []
        for r in self.frame.iter_rows(named=True):
            out.append(LesionRow(
                patient=r["patient"], day=r["day"], lesion=r["lesion"], kind=r["kind"], organ=r["organ"],
                diameter_mm=None if r["diameter_um"] is None else r["diameter_um"] / 1000,
                viable_diameter_mm=None if r["viable_um"] is None else r["viable_um"] / 1000,
                status=r["status"], cytology=r["cytology"]))
        return out


# ----------------------------------------------------------------------------------------------------
# Entry points
# ----------------------------------------------------------------------------------------------------

def read_lesions(path: str | Path) -> LesionTable:
    """Read and validate a lesion CSV (DESIGN §4 columns; an optional ``cytology`` column)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"lesion file {str(path)!r} does not exist or is not a file", "data")
    try:
        frame = pl.read_csv(path, infer_schema=False, null_values=["", "NA"], truncate_ragged_lines=False)
    except Exception as exc:  # polars raises several error types for malformed CSV
        raise InputError(f"{path.name}: not a readable CSV file ({type(exc).__name__}: {exc})".splitlines()[0],
                         "data") from None
    return _validate(frame, source=path.name, csv=True)


def lesion_table(data) -> LesionTable:
    """A validated :class:`LesionTable` from a table, a CSV path, records or dicts.

    Parameters
    ----------
    data
        A :class:`LesionTable` (returned as is), a path to a CSV file, a polars DataFrame with the
        DESIGN §4 columns, or an iterable of :class:`LesionRow` or of mappings with those keys.

    Raises
    ------
    InputError
        On any invalid value, naming the row and the column.
    """
    if isinstance(data, LesionTable):
        return data
    if isinstance(data, (str, Path)):
        return read_lesions(data)
    if isinstance(data, pl.DataFrame):
        return _validate(data, source="lesions", csv=False)
    if isinstance(data, Iterable):
        rows = [asdict(r) if isinstance(r, LesionRow) else r for r in data]
        for i, r in enumerate(rows, start=1):
            if not isinstance(r, Mapping):
                raise InputError(f"lesions row {i}: expected a LesionRow or a mapping; got {type(r).__name__}",
                                 "lesions")
        columns = list(COLUMNS) + [c for c in _OPTIONAL if any(c in r for r in rows)]
        frame = pl.DataFrame({c: [_text(r.get(c)) for r in rows] for c in columns},
                             schema={c: pl.String for c in columns})
        return _validate(frame, source="lesions", csv=False)
    raise InputError(f"lesions must be a path, a polars DataFrame or rows; got {type(data).__name__}", "lesions")


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return repr(value)
    return str(value)


# ----------------------------------------------------------------------------------------------------
# Validation (columnar: each check finds the first offending row)
# ----------------------------------------------------------------------------------------------------

def _where(source: str, row: int, csv: bool) -> str:
    return f"{source} row {row}" + (f" (line {row + 1})" if csv else "")


class _Checker:
    def __init__(self, source: str, csv: bool):
        self.source = source
        self.csv = csv

    def where(self, row: int) -> str:
        return _where(self.source, row, self.csv)

    def fail_first(self, frame: pl.DataFrame, mask: pl.Expr, column: str, message: str,
                   shown: str | None = None) -> None:
        bad = frame.filter(mask.fill_null(False))
        if bad.height:
            first = bad.sort("row").row(0, named=True)
            got = first.get(shown or f"_raw_{column}", first.get(column))
            tail = f"; got {got!r}" if shown != "" else ""
            raise InputError(f"{self.where(first['row'])}, column {column!r}: {message}{tail}", column)


def _norm_word(col: str) -> pl.Expr:
    return (pl.col(col).str.strip_chars().str.to_lowercase()
            .str.replace_all(r"[\s_]+", "-"))


def _validate(frame: pl.DataFrame, source: str, csv: bool) -> LesionTable:
    check = _Checker(source, csv)
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise InputError(f"{source}: missing column {missing[0]!r}; a lesion table needs the columns "
                         f"{', '.join(COLUMNS)}", missing[0])
    if frame.height == 0:
        raise InputError(f"{source}: no rows; a lesion table needs at least one lesion at baseline", "lesions")
    present = [c for c in COLUMNS + _OPTIONAL if c in frame.columns]
    df = frame.select([pl.col(c).cast(pl.String) for c in present]).with_row_index("row", offset=1)
    df = df.with_columns(pl.col("row").cast(pl.Int64))
    if "cytology" not in df.columns:
        df = df.with_columns(pl.lit(None, dtype=pl.String).alias("cytology"))
    # Keep the raw text for messages; blank (after stripping) is null.
    df = df.with_columns([pl.col(c).alias(f"_raw_{c}") for c in COLUMNS + _OPTIONAL])
    df = df.with_columns([
        pl.when(pl.col(c).str.strip_chars() == "").then(None).otherwise(pl.col(c).str.strip_chars()).alias(c)
        for c in COLUMNS + _OPTIONAL
    ])

    for col in ("patient", "lesion", "kind", "organ", "day"):
        check.fail_first(df, pl.col(col).is_null(), col, "is required and was blank", shown="")

    # kind
    df = df.with_columns(_norm_word("kind").replace(_KIND_ALIASES).alias("kind"))
    check.fail_first(df, ~pl.col("kind").is_in(list(KINDS)), "kind", f"must be one of {', '.join(KINDS)}")

    # organ
    df = df.with_columns(_norm_word("organ").replace(_ORGAN_ALIASES).alias("organ"))

    # day
    df = df.with_columns(pl.col("day").cast(pl.Float64, strict=False).alias("_day"))
    check.fail_first(
        df, pl.col("_day").is_null() | ~pl.col("_day").is_finite() | (pl.col("_day") != pl.col("_day").round(0))
        | (pl.col("_day").abs() > _MAX_ABS_DAY),
        "day", f"must be a whole number of days in [-{_MAX_ABS_DAY}, {_MAX_ABS_DAY}]")
    df = df.with_columns(pl.col("_day").cast(pl.Int64).alias("day"))

    # diameters
    for col, out in (("diameter_mm", "diameter_um"), ("viable_diameter_mm", "viable_um")):
        value = pl.col(col).cast(pl.Float64, strict=False)
        df = df.with_columns(value.alias(f"_{col}"))
        bad = pl.col(col).is_not_null() & (
            pl.col(f"_{col}").is_null() | ~pl.col(f"_{col}").is_finite()
            | (pl.col(f"_{col}") < 0) | (pl.col(f"_{col}") > MAX_DIAMETER_MM))
        check.fail_first(df, bad, col, f"must be a diameter in [0, {MAX_DIAMETER_MM:g}] mm or blank")
        df = df.with_columns((pl.col(f"_{col}") * 1000).round(0).cast(pl.Int64).alias(out))

    # status
    df = df.with_columns(_norm_word("status").alias("status"))
    df = df.with_columns(pl.col("status").replace_strict(
        _STATUS_ALIASES, default=pl.col("status"), return_dtype=pl.String).alias("status"))
    known = list(_ALL_STATUSES)
    check.fail_first(df, pl.col("status").is_not_null() & ~pl.col("status").is_in(known), "status",
                     f"unknown status; allowed: {', '.join(known)} or blank")
    for kind, allowed in STATUSES.items():
        words = [s for s in allowed if s is not None]
        check.fail_first(
            df, (pl.col("kind") == kind) & pl.col("status").is_not_null() & ~pl.col("status").is_in(words),
            "status", f"not allowed for a {kind} lesion; allowed: {', '.join(words)} or blank")
    df = df.with_columns(
        pl.when((pl.col("kind") == TARGET) & (pl.col("status") == "present")).then(None)
        .when((pl.col("kind") == NEW) & pl.col("status").is_null()).then(pl.lit("present"))
        .otherwise(pl.col("status")).alias("status"))

    # cytology
    df = df.with_columns(_norm_word("cytology").alias("cytology"))
    check.fail_first(df, pl.col("cytology").is_not_null() & ~pl.col("cytology").is_in(list(_CYTOLOGY)),
                     "cytology", "must be positive, negative or blank")

    # cross-field rules
    for col, um in (("diameter_mm", "diameter_um"), ("viable_diameter_mm", "viable_um")):
        check.fail_first(df, (pl.col("kind") == NON_TARGET) & pl.col(um).is_not_null(), col,
                         "a non-target lesion is not measured (give its status only); must be blank")
    check.fail_first(df, pl.col("viable_um") > pl.col("diameter_um"), "viable_diameter_mm",
                     "the viable (enhancing) diameter cannot exceed the whole diameter_mm")
    check.fail_first(df, (pl.col("kind") == TARGET) & (pl.col("status") == "absent")
                     & ((pl.col("diameter_um") > 0) | (pl.col("viable_um") > 0)), "status",
                     "a target marked absent must have a blank or 0 diameter", shown="_raw_status")

    # duplicates: one row per patient, day and lesion
    dup = df.with_columns(pl.col("row").min().over(["patient", "day", "lesion"]).alias("_first_row"))
    bad = dup.filter(pl.col("row") != pl.col("_first_row")).sort("row")
    if bad.height:
        r = bad.row(0, named=True)
        raise InputError(f"{check.where(r['row'])}, column 'lesion': duplicated lesion {r['lesion']!r} for "
                         f"patient {r['patient']!r} on day {r['day']} (also {check.where(r['_first_row'])})",
                         "lesion")

    # each lesion keeps its kind and organ; baseline rules
    df = df.sort(["patient", "lesion", "day"], maintain_order=True).with_columns(
        pl.col("kind").first().over(["patient", "lesion"]).alias("_first_kind"),
        pl.col("organ").first().over(["patient", "lesion"]).alias("_first_organ"),
        pl.col("day").min().over("patient").alias("baseline_day"),
    ).sort("row")
    check.fail_first(df, pl.col("kind") != pl.col("_first_kind"), "kind",
                     "a lesion keeps the kind it was first recorded with")
    check.fail_first(df, pl.col("organ") != pl.col("_first_organ"), "organ",
                     "a lesion keeps the organ it was first recorded with")
    at_baseline = pl.col("day") == pl.col("baseline_day")
    check.fail_first(df, (pl.col("kind") == NEW) & at_baseline, "kind",
                     "a new lesion cannot be recorded at the baseline visit (the patient's earliest day)")
    first_day = pl.col("day").min().over(["patient", "lesion"])
    check.fail_first(df, pl.col("kind").is_in([TARGET, NON_TARGET]) & (first_day > pl.col("baseline_day")),
                     "kind", "target and non-target lesions are chosen at baseline; a lesion first seen "
                     "at follow-up is kind 'new'")
    check.fail_first(df, (pl.col("kind") == NON_TARGET) & at_baseline
                     & (pl.col("status").is_null() | (pl.col("status") != "present")), "status",
                     "a non-target lesion must be 'present' at baseline", shown="_raw_status")
    check.fail_first(df, (pl.col("kind") == TARGET) & at_baseline
                     & (pl.col("diameter_um").is_null() | pl.col("status").is_not_null()), "diameter_mm",
                     "a target lesion must be measured at baseline (a diameter, status blank or present)")

    canonical = df.select("row", "patient", "day", "lesion", "kind", "organ", "diameter_um", "viable_um",
                          "status", "cytology", "baseline_day")
    return LesionTable(frame=canonical, source=source, from_csv=csv)
