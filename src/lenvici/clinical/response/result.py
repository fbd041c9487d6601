"""Typed results of a response assessment: one value per visit, per patient and per cohort."""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

__all__ = [
    "CR", "PR", "SD", "PD", "NE", "NON_CR_NON_PD", "CATEGORIES", "BEST_RESPONSE_CATEGORIES",
    "VisitResponse", "PatientResponse", "ResponseAssessment",
]

CR = "CR"
PR = "PR"
SD = "SD"
PD = "PD"
NE = "NE"
#: Table 5 of RECIST 1.1: non-target disease only, neither complete response nor progression.
NON_CR_NON_PD = "NON-CR/NON-PD"

#: Every category a follow-up visit can have (the baseline visit has ``None``).
CATEGORIES = (CR, PR, SD, NON_CR_NON_PD, PD, NE)
#: Every best overall response.
BEST_RESPONSE_CATEGORIES = CATEGORIES


@dataclass(frozen=True)
class VisitResponse:
    """The response at one visit.

    Attributes
    ----------
    day
        Day of the assessment (the patient's earliest day is the baseline).
    sum_mm
        Sum of the target diameters in mm (viable diameters for typical intrahepatic targets under
        mRECIST); ``None`` when a target is not measured or the patient has no target lesion.
    category
        Overall response (``CR PR SD NON-CR/NON-PD PD NE``); ``None`` at baseline.
    target, non_target
        The target and non-target responses; ``None`` at baseline or when there are none.
    new_lesion
        An unequivocal new lesion is present (dated to its first appearance).
    nadir_mm
        The smallest complete target sum before this visit, baseline included (``None`` at baseline).
    change_from_baseline_pct
        ``100 × (sum − baseline) / baseline`` when ``sum_mm`` is known.
    """

    day: int
    sum_mm: float | None
    category: str | None
    target: str | None = None
    non_target: str | None = None
    new_lesion: bool = False
    nadir_mm: float | None = None
    change_from_baseline_pct: float | None = None

    @property
    def is_baseline(self) -> bool:
        return self.category is None

    def to_dict(self) -> dict:
        """The JSON shape of DESIGN §4: ``{"day", "sum_mm", "category"}``."""
        return {"day": self.day, "sum_mm": self.sum_mm, "category": self.category}


@dataclass(frozen=True)
class PatientResponse:
    """All visits of one patient, the best overall response and the day of progression.

    Attributes
    ----------
    patient
        The patient identifier.
    visits
        Every visit in day order, the baseline first.
    best_overall_response
        One of :data:`BEST_RESPONSE_CATEGORIES`; ``NE`` when there is no evaluable follow-up.
    progression_day
        Day of the first visit with overall response PD, or ``None``.
    """

    patient: str
    visits: tuple[VisitResponse, ...]
    best_overall_response: str
    progression_day: int | None

    @property
    def baseline_day(self) -> int:
        return self.visits[0].day

    def to_dict(self) -> dict:
        return {"patient": self.patient, "visits": [v.to_dict() for v in self.visits],
                "best_overall_response": self.best_overall_response, "progression_day": self.progression_day}


@dataclass(frozen=True)
class ResponseAssessment:
    """The response of every patient in a lesion table under one criterion.

    Attributes
    ----------
    patients
        One :class:`PatientResponse` per patient, in order of first appearance in the input.
    criteria
        ``"recist1.1"`` or ``"mrecist"``.
    confirm, confirm_days, sd_min_days
        How the best overall response was derived (see :func:`best_overall_response`).
    settings
        Every setting of the criterion as used (thresholds, limits), for the record.
    source
        Full citation of the criterion.
    """

    patients: tuple[PatientResponse, ...]
    criteria: str
    confirm: bool
    confirm_days: int
    sd_min_days: int
    settings: dict = field(default_factory=dict)
    source: str = ""

    def __len__(self) -> int:
        return len(self.patients)

    def patient(self, patient: str) -> PatientResponse:
        """The result for one patient identifier."""
        for p in self.patients:
            if p.patient == patient:
                return p
        raise KeyError(patient)

    def to_dict(self) -> dict:
        """The JSON document of ``lenvici response assess --json`` (DESIGN §4)."""
        return {"patients": [p.to_dict() for p in self.patients]}

    def summary(self) -> pl.DataFrame:
        """One row per patient: best overall response, progression day, best change from baseline."""
        rows = []
        for p in self.patients:
            changes = [v.change_from_baseline_pct for v in p.visits[1:] if v.change_from_baseline_pct is not None]
            rows.append({"patient": p.patient, "best_overall_response": p.best_overall_response,
                         "progression_day": p.progression_day, "n_visits": len(p.visits),
                         "best_change_pct": min(changes) if changes else None})
        schema = {"patient": pl.String, "best_overall_response": pl.String, "progression_day": pl.Int64,
                  "n_visits": pl.Int64, "best_change_pct": pl.Float64}
        return pl.DataFrame(rows, schema=schema)

    def visits_frame(self) -> pl.DataFrame:
        """One row per patient and visit, with every field of :class:`VisitResponse`."""
        schema = {"patient": pl.String, "day": pl.Int64, "sum_mm": pl.Float64, "category": pl.String,
                  "target": pl.String, "non_target": pl.String, "new_lesion": pl.Boolean,
                  "nadir_mm": pl.Float64, "change_from_baseline_pct": pl.Float64}
        rows = [{"patient": p.patient, "day": v.day, "sum_mm": v.sum_mm, "category": v.category,
                 "target": v.target, "non_target": v.non_target, "new_lesion": v.new_lesion,
                 "nadir_mm": v.nadir_mm, "change_from_baseline_pct": v.change_from_baseline_pct}
                for p in self.patients for v in p.visits]
        return pl.DataFrame(rows, schema=schema)

    def rates(self) -> dict[str, float]:
        """Objective response rate (CR + PR) and disease control rate (CR + PR + SD + NON-CR/NON-PD)."""
        n = len(self.patients)
        if n == 0:
            return {"orr": 0.0, "dcr": 0.0, "n": 0}
        bor = [p.best_overall_response for p in self.patients]
        orr = sum(b in ("CR", "PR") for b in bor) / n
        dcr = sum(b in ("CR", "PR", "SD", NON_CR_NON_PD) for b in bor) / n
        return {"orr": orr, "dcr": dcr, "n": n}

    def plot(self, kind: str = "spider", ax=None):
        """A spider plot (change from baseline over time) or a waterfall plot (best change per patient).

        Returns the matplotlib ``Axes``; see :func:`lenvici.clinical.response.plot_response`.
        """
        from lenvici.clinical.response.plot import plot_response

        return plot_response(self, kind=kind, ax=ax)
