"""Study data from a CSV file, checked cell by cell: ``read_effects_csv(path, measure) -> EffectSizes``.

Columns by measure (DESIGN §4; extra columns are ignored, names are matched without surrounding spaces):

=========================  ==========================================================
measure                    columns
=========================  ==========================================================
``PR PLO PAS PFT``         ``xi`` events, ``ni`` patients
``OR RR RD``               ``ai`` events and ``n1i`` patients in group 1, ``ci``, ``n2i`` in group 2
``GEN``                    ``yi`` outcome and ``vi`` sampling variance (or ``sei``, its standard error)
=========================  ==========================================================

An optional ``study`` column labels the rows. Every problem raises
:class:`~lenvici.errors.InputError` naming the file, the line (the header is line 1) and the column: a
missing column, an empty or non-numeric cell, a negative or fractional count, events above the group size,
a variance ≤ 0.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

from lenvici.errors import InputError
from lenvici.evidence.meta.effects import PROPORTION_MEASURES, TWO_GROUP_MEASURES, EffectSizes, escalc

__all__ = ["CSV_MEASURES", "CSV_COLUMNS", "read_effects_csv"]

#: Measures a CSV file can hold.
CSV_MEASURES = PROPORTION_MEASURES + TWO_GROUP_MEASURES + ("GEN",)
#: The columns each family of measures needs.
CSV_COLUMNS = {**{m: ("xi", "ni") for m in PROPORTION_MEASURES},
               **{m: ("ai", "n1i", "ci", "n2i") for m in TWO_GROUP_MEASURES},
               "GEN": ("yi", "vi")}
_COUNTS = {"xi", "ni", "ai", "n1i", "ci", "n2i"}
_SIZES = {"ni", "n1i", "n2i"}
_EVENTS_OF = {"xi": "ni", "ai": "n1i", "ci": "n2i"}


def _number(text: str, where: str, column: str) -> float:
    if text == "":
        raise InputError(f"{where}, column {column!r}: the cell is empty; a number is needed", column)
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"{where}, column {column!r}: {text!r} is not a number", column) from None
    if not math.isfinite(value):
        raise InputError(f"{where}, column {column!r}: {text!r} is not a finite number", column)
    return value


def read_effects_csv(path: str | Path, measure: str, *, study_column: str = "study", **escalc_options) -> EffectSizes:
    """Read the study table in ``path`` and compute the effect sizes of ``measure``.

    Parameters
    ----------
    path
        A CSV file with a header row (UTF-8, a byte-order mark is accepted).
    measure
        One of :data:`CSV_MEASURES`.
    study_column
        The column with study labels, used when present.
    escalc_options
        Passed to :func:`~lenvici.evidence.meta.effects.escalc` (``add``, ``to``, ``drop00``).

    Returns
    -------
    EffectSizes

    Raises
    ------
    InputError
        Unknown measure, unreadable file, a missing column or a bad cell (named with its line and column).

    Examples
    --------
    >>> import tempfile, os
    >>> f = tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False)
    >>> _ = f.write("study,xi,ni\\nA,3,20\\nB,5,25\\n"); f.close()
    >>> read_effects_csv(f.name, "PR").yi.tolist()
    [0.15, 0.2]
    >>> os.unlink(f.name)
    """
    if measure not in CSV_MEASURES:
        raise InputError(f"'measure' must be one of {', '.join(CSV_MEASURES)}; got {measure!r}", "measure")
    path = Path(path)
    name = path.name
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"no such file: {str(path)!r}", "data") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {str(path)!r}: {exc}", "data") from None
    reader = csv.reader(text.splitlines())
    try:
        header = next(reader)
    except StopIteration:
        raise InputError(f"{name} is empty; a header row with {', '.join(CSV_COLUMNS[measure])} is needed",
                         "data") from None
    header = [h.strip() for h in header]
    needed = list(CSV_COLUMNS[measure])
    if measure == "GEN" and "vi" not in header and "sei" in header:
        needed = ["yi", "sei"]
    missing = [c for c in needed if c not in header]
    if missing:
        raise InputError(f"{name}: column {missing[0]!r} is missing (measure {measure} needs columns "
                         f"{', '.join(CSV_COLUMNS[measure])}; the file has {', '.join(header) or 'none'})",
                         missing[0])
    pos = {c: header.index(c) for c in needed}
    label_at = header.index(study_column) if study_column in header else None
    values: dict[str, list[float]] = {c: [] for c in needed}
    labels: list[str] = []
    for line, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue  # blank line
        where = f"{name} line {line}"
        if len(row) < len(header):
            row = row + [""] * (len(header) - len(row))
        cells = {c: _number(row[pos[c]].strip(), where, c) for c in needed}
        for c, v in cells.items():
            if c in _COUNTS:
                if v < 0:
                    raise InputError(f"{where}, column {c!r}: counts must be >= 0; got {row[pos[c]].strip()}", c)
                if v != round(v):
                    raise InputError(f"{where}, column {c!r}: counts must be whole numbers; got "
                                     f"{row[pos[c]].strip()}", c)
            if c in _SIZES and v == 0:
                raise InputError(f"{where}, column {c!r}: a group size must be > 0; got 0", c)
            if c in ("vi", "sei") and v <= 0:
                raise InputError(f"{where}, column {c!r}: must be > 0; got {row[pos[c]].strip()}", c)
        for ev, size in _EVENTS_OF.items():
            if ev in cells and cells[ev] > cells[size]:
                raise InputError(f"{where}, column {ev!r}: {cells[ev]:g} events exceed {size!r} = "
                                 f"{cells[size]:g}", ev)
        for c in needed:
            values[c].append(cells[c])
        labels.append(row[label_at].strip() if label_at is not None and row[label_at].strip() else str(len(labels) + 1))
    if not labels:
        raise InputError(f"{name} has a header but no data rows", "data")
    return escalc(measure, **values, study=labels, **escalc_options)
