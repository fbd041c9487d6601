"""Flat, JSON-ready views of curated studies and arms (the shape of ``lenvici evidence studies --json``).

The flat arm fields follow DESIGN §4 (``orr``, ``orr_criteria``, ``pfs_median_months``,
``os_median_months``, ``os_median_not_reached`` …). When an arm reports several ORRs (criteria or
assessors), the flat ``orr`` is the first one listed in the curated file — the review's printed order —
and every value is in ``orr_all``.
"""

from __future__ import annotations

from lenvici.knowledge.regimen import regimen_class
from lenvici.knowledge.schema import Arm, Median, Study

__all__ = ["arm_record", "study_record"]


def _median_fields(prefix: str, median: Median | None) -> dict:
    if median is None:
        return {f"{prefix}_months": None, f"{prefix}_not_reached": False, f"{prefix}_source": None}
    return {
        f"{prefix}_months": median.months,
        f"{prefix}_not_reached": median.not_reached,
        f"{prefix}_source": median.source,
        **({f"{prefix}_days": median.days} if median.days is not None else {}),
        **({f"{prefix}_ci": [median.ci_lower, median.ci_upper]} if median.ci_lower is not None else {}),
    }


def arm_record(arm: Arm) -> dict:
    """One arm as a flat JSON object (rates as fractions 0–1, medians in months)."""
    first_orr = arm.orr[0] if arm.orr else None
    first_dcr = arm.dcr[0] if arm.dcr else None
    return {
        "label": arm.label,
        "regimen": list(arm.regimen),
        "regimen_class": regimen_class(arm.regimen),
        "ici_agents": list(arm.ici_agents),
        "n": arm.n,
        "orr": first_orr.value if first_orr else None,
        "orr_criteria": first_orr.criteria if first_orr else None,
        "orr_source": first_orr.source if first_orr else None,
        "orr_all": [r.model_dump(mode="json", exclude_none=True) for r in arm.orr],
        "dcr": first_dcr.value if first_dcr else None,
        **_median_fields("pfs_median", arm.pfs_median),
        **_median_fields("os_median", arm.os_median),
        **_median_fields("ttp_median", arm.ttp_median),
        "os_landmarks": [lm.model_dump(mode="json") for lm in arm.os_landmarks],
        "pfs_landmarks": [lm.model_dump(mode="json") for lm in arm.pfs_landmarks],
        "safety": [s.model_dump(mode="json", exclude_none=True) for s in arm.safety],
        "other": [s.model_dump(mode="json", exclude_none=True) for s in arm.other],
        "notes": list(arm.notes),
    }


def study_record(study: Study) -> dict:
    """One study as a JSON object with its arms (DESIGN §4 plus provenance and audit fields)."""
    return {
        "id": study.id,
        "name": study.name,
        "ref": study.ref,
        "source": study.where,
        "also_refs": list(study.also_refs),
        "row": study.row,
        "registration": study.registration,
        "design": study.design,
        "phase": study.phase,
        "prospective": study.prospective,
        "population": study.population,
        "regimen_source": study.regimen_source,
        "line": study.line,
        "n_total": study.n_total,
        "safety_source": study.safety_source,
        "source_paper": study.source_paper,
        "notes": list(study.notes),
        "comparisons": [c.model_dump(mode="json", exclude_none=True) for c in study.comparisons],
        "arms": [arm_record(a) for a in study.arms],
    }
