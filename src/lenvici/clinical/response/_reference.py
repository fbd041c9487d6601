"""The slow, obviously correct path: one patient at a time, one visit at a time, plain Python.

It applies the scalar rules of :mod:`.recist` and :mod:`.mrecist` in the order a reader would, and is
the reference the columnar path (:mod:`._columnar`) is tested against (STYLE §6).
"""

from __future__ import annotations

from collections import defaultdict

from lenvici.clinical.response.best_response import best_overall_response, progression_day
from lenvici.clinical.response.criteria import ResponseCriteria
from lenvici.clinical.response.lesions import LYMPH_NODE, NEW, NON_TARGET, TARGET, LesionTable
from lenvici.clinical.response.mrecist import is_typical_target, new_lesion_unequivocal, non_target_status
from lenvici.clinical.response.recist import non_target_response, overall_response, target_measure, target_response
from lenvici.clinical.response.result import CR, PatientResponse, VisitResponse

__all__ = ["assess_reference"]


def assess_reference(table: LesionTable, criteria: ResponseCriteria, confirm: bool, confirm_days: int,
                     sd_min_days: int) -> tuple[PatientResponse, ...]:
    """Assess every patient of a validated table, one at a time."""
    by_patient: dict[str, list[dict]] = defaultdict(list)
    for r in table.frame.sort("row").iter_rows(named=True):
        by_patient[r["patient"]].append(r)
    return tuple(_patient(pid, rows, criteria, confirm, confirm_days, sd_min_days) for pid, rows in by_patient.items())


def _new_lesion_day(rows: list[dict], criteria: ResponseCriteria) -> int | None:
    """The first day of an unequivocal new lesion (an equivocal one confirmed later is dated back)."""
    lesions: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        if r["kind"] == NEW:
            lesions[r["lesion"]].append(r)
    first_days = []
    for records in lesions.values():
        records.sort(key=lambda r: r["day"])
        measured = [r["diameter_um"] for r in records if r["diameter_um"] is not None]
        first_diameter = measured[0] if measured else None
        if any(new_lesion_unequivocal(r["organ"], r["status"], r["diameter_um"], first_diameter, r["cytology"],
                                      criteria) for r in records):
            first_days.append(records[0]["day"])
    return min(first_days) if first_days else None


def _patient(patient: str, rows: list[dict], criteria: ResponseCriteria, confirm: bool, confirm_days: int,
             sd_min_days: int) -> PatientResponse:
    days = sorted({r["day"] for r in rows})
    baseline_day = days[0]
    at = {(r["day"], r["lesion"]): r for r in rows}
    targets = [r for r in rows if r["kind"] == TARGET and r["day"] == baseline_day]
    non_targets = [r for r in rows if r["kind"] == NON_TARGET and r["day"] == baseline_day]
    typical = {t["lesion"]: is_typical_target(t["organ"], t["viable_um"], criteria) for t in targets}
    nodes = [t["organ"] == LYMPH_NODE for t in targets]
    new_day = _new_lesion_day(rows, criteria)

    def measure(lesion: str, day: int) -> int | None:
        r = at.get((day, lesion))
        if r is None:
            return None
        return target_measure(r["diameter_um"], r["viable_um"], r["status"], typical[lesion], criteria)

    def status(lesion: str, day: int) -> str | None:
        r = at.get((day, lesion))
        return None if r is None else non_target_status(r["organ"], r["status"], r["cytology"], criteria)

    has_targets = bool(targets)
    baseline_sum = sum(measure(t["lesion"], baseline_day) for t in targets)
    visits = [VisitResponse(day=baseline_day, sum_mm=baseline_sum / 1000 if has_targets else None, category=None,
                            change_from_baseline_pct=0.0 if has_targets else None)]
    nadir = baseline_sum
    after_cr = False
    for day in days[1:]:
        measures = [measure(t["lesion"], day) for t in targets]
        statuses = [status(nt["lesion"], day) for nt in non_targets]
        target = target_response(measures, nodes, baseline_sum, nadir, after_cr, criteria) if has_targets else None
        non_target = non_target_response(statuses, after_cr)
        new_lesion = new_day is not None and day >= new_day
        category = overall_response(target, non_target, new_lesion)
        complete = all(m is not None for m in measures)
        total = sum(m for m in measures if m is not None)
        known = has_targets and complete
        visits.append(VisitResponse(
            day=day, sum_mm=total / 1000 if known else None, category=category, target=target,
            non_target=non_target, new_lesion=new_lesion, nadir_mm=nadir / 1000 if has_targets else None,
            change_from_baseline_pct=100 * (total - baseline_sum) / baseline_sum if known else None))
        if known:
            nadir = min(nadir, total)
        if complete and all(s is not None for s in statuses):
            after_cr = category == CR

    follow_days = [v.day for v in visits[1:]]
    categories = [v.category for v in visits[1:]]
    bor = best_overall_response(follow_days, categories, baseline_day, confirm=confirm, confirm_days=confirm_days,
                                sd_min_days=sd_min_days, measurable=has_targets)
    return PatientResponse(patient=patient, visits=tuple(visits), best_overall_response=bor,
                           progression_day=progression_day(follow_days, categories))
