"""Per-regimen-class summary of the curated evidence: how many studies and arms, and the ranges of ORR,
median PFS and median OS across arms (the summary ``make demo`` prints)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lenvici.evidence.store import connect

__all__ = ["ClassSummary", "summarise_by_class"]


@dataclass(frozen=True)
class ClassSummary:
    """Ranges over the arms of one regimen class; ``None`` where no arm reports the endpoint."""

    regimen_class: str
    n_studies: int
    n_arms: int
    orr_range: tuple[float, float] | None
    orr_arms: int
    pfs_median_range: tuple[float, float] | None
    pfs_arms: int
    os_median_range: tuple[float, float] | None
    os_arms: int
    os_not_reached: int


_SQL = """
SELECT regimen_class,
       count(DISTINCT study_id), count(*),
       min(orr), max(orr), count(orr),
       min(pfs_median_months), max(pfs_median_months), count(pfs_median_months),
       min(os_median_months), max(os_median_months), count(os_median_months),
       count(*) FILTER (WHERE os_median_not_reached)
FROM arms GROUP BY regimen_class ORDER BY count(*) DESC, regimen_class
"""


def _range(lo, hi) -> tuple[float, float] | None:
    return None if lo is None else (float(lo), float(hi))


def summarise_by_class(db_path: str | Path | None = None) -> list[ClassSummary]:
    """One :class:`ClassSummary` per regimen class, classes with most arms first."""
    with connect(db_path) as con:
        rows = con.execute(_SQL).fetchall()
    return [
        ClassSummary(r[0], r[1], r[2], _range(r[3], r[4]), r[5], _range(r[6], r[7]), r[8],
                     _range(r[9], r[10]), r[11], r[12])
        for r in rows
    ]
