"""CSV input and output for survival data: digitised curves, numbers at risk, patient-level data.

Readers check the header and every cell and raise :class:`~lenvici.errors.InputError` naming the file,
the line and the column; the writer is atomic (a temporary file renamed into place).

File formats (DESIGN §4):

- curve: columns ``time,survival`` (survival as fractions 0–1);
- numbers at risk: columns ``time,n_at_risk``;
- patient data: columns ``time,event`` (1 = event, 0 = censored), optionally a group column.

Column names are matched case-insensitively, ignoring surrounding spaces; other columns are ignored.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from lenvici._atomic import atomic_path
from lenvici.errors import InputError

__all__ = ["read_at_risk_csv", "read_curve_csv", "read_ipd_csv", "write_ipd_csv"]


def read_curve_csv(path: str | Path) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """``(time, survival, row_labels)`` from a ``time,survival`` CSV; labels like ``"curve.csv line 4"``."""
    cols, labels = _read_columns(path, ("time", "survival"))
    return _floats(cols["time"], labels, "time"), _floats(cols["survival"], labels, "survival"), labels


def read_at_risk_csv(path: str | Path) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """``(time, n_at_risk, row_labels)`` from a ``time,n_at_risk`` CSV."""
    cols, labels = _read_columns(path, ("time", "n_at_risk"))
    return _floats(cols["time"], labels, "time"), _floats(cols["n_at_risk"], labels, "n_at_risk"), labels


def read_ipd_csv(
    path: str | Path, time_col: str = "time", event_col: str = "event", group_col: str | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """``(time, event, group)`` from a patient-level CSV (``group`` None without ``group_col``)."""
    wanted = (time_col, event_col) + ((group_col,) if group_col else ())
    cols, labels = _read_columns(path, wanted)
    time = _floats(cols[time_col], labels, time_col)
    event = _floats(cols[event_col], labels, event_col)
    for i, v in enumerate(time):
        if v < 0:
            raise InputError(f"{labels[i]}, column {time_col!r}: {v:g} is negative; times must be >= 0", time_col)
    for i, v in enumerate(event):
        if v not in (0.0, 1.0):
            raise InputError(f"{labels[i]}, column {event_col!r}: {v:g} must be 0 (censored) or 1 (event)", event_col)
    group = None
    if group_col:
        group = np.array([g.strip() for g in cols[group_col]], dtype=object)
        for i, g in enumerate(group):
            if g == "":
                raise InputError(f"{labels[i]}, column {group_col!r}: the group is empty", group_col)
    return time, event.astype(int), group


def write_ipd_csv(time, event, path: str | Path) -> Path:
    """Write ``time,event`` rows atomically; times with up to 10 significant digits. Returns the path."""
    target = Path(path)
    with atomic_path(target) as tmp:
        with open(tmp, "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(["time", "event"])
            for t, e in zip(np.asarray(time, dtype=float), np.asarray(event, dtype=int)):
                writer.writerow([f"{t:.10g}", int(e)])
    return target


def _read_columns(path: str | Path, wanted: tuple[str, ...]) -> tuple[dict[str, list[str]], list[str]]:
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: no such file", str(p))
    try:
        with open(p, newline="", encoding="utf-8-sig") as fh:
            rows = list(csv.reader(fh))
    except (UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"{p}: not a readable CSV file ({exc})", str(p)) from None
    if not rows:
        raise InputError(f"{p}: the file is empty; expected a header with columns {', '.join(wanted)}", str(p))
    header = [h.strip().lower() for h in rows[0]]
    index = {}
    for name in wanted:
        if name.lower() not in header:
            raise InputError(
                f"{p}: missing column {name!r}; the header has {', '.join(repr(h) for h in rows[0])}", name
            )
        index[name] = header.index(name.lower())
    cols: dict[str, list[str]] = {name: [] for name in wanted}
    labels: list[str] = []
    for line_no, row in enumerate(rows[1:], start=2):
        if not row or all(not c.strip() for c in row):
            continue  # blank line
        labels.append(f"{p.name} line {line_no}")
        for name, j in index.items():
            if j >= len(row):
                raise InputError(f"{p.name} line {line_no}, column {name!r}: the value is missing", name)
            cols[name].append(row[j])
    if not labels:
        raise InputError(f"{p}: no data rows after the header", str(p))
    return cols, labels


def _floats(values: list[str], labels: list[str], column: str) -> np.ndarray:
    out = np.empty(len(values))
    for i, v in enumerate(values):
        try:
            out[i] = float(v)
        except ValueError:
            raise InputError(f"{labels[i]}, column {column!r}: {v.strip()!r} is not a number", column) from None
        if not np.isfinite(out[i]):
            raise InputError(f"{labels[i]}, column {column!r}: {v.strip()!r} is not a finite number", column)
    return out
