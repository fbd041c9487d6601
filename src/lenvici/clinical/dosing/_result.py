"""The typed results of the dosing functions: small frozen values with a JSON shape (DESIGN §4)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

__all__ = ["DoseRecommendation", "RegimenDose", "DoseModification", "ImpairmentAdvice"]

DoseStatus = Literal["dose", "discontinue", "no-labelled-dose"]


@dataclass(frozen=True)
class DoseRecommendation:
    """One drug's dose: amount, schedule, dose level and where the rule comes from.

    Attributes
    ----------
    drug
        Drug name in lower case.
    dose_mg
        Amount per administration in mg; ``None`` when ``status`` is not ``dose``.
    schedule
        ``once daily``, ``twice daily``, ``every other day``, ``every 3 weeks``, … or ``discontinue``.
    level
        For oral kinase inhibitors: 0 for the starting dose, *n* for the *n*-th reduction; ``None`` for
        infusions (no dose levels) or when the starting dose is not known.
    status
        ``dose``, ``discontinue`` (no lower level, or a rule says so) or ``no-labelled-dose`` (the label
        gives no dose for this patient, e.g. lenvatinib in Child-Pugh B under the US label).
    route
        ``oral`` or ``intravenous``.
    interval_days, doses_per_day
        Days between administration days and administrations per such day (``twice daily`` is 1 and 2).
    daily_dose_mg
        Average dose per day (oral drugs); ``None`` otherwise.
    mg_per_kg, weight_kg
        For weight-based doses: the mg/kg rate and the actual body weight used.
    doses
        Number of administrations in this phase (``None``: until progression or unacceptable toxicity).
    phase
        The phase of a multi-phase regimen (``combination``, ``maintenance``, ``priming``), if any.
    rationale
        Why this dose, in words.
    source
        Label section and/or trial publication.
    notes
        Further remarks (alternatives, caveats).
    """

    drug: str
    dose_mg: float | None
    schedule: str
    level: int | None
    status: DoseStatus
    route: str
    rationale: str
    source: str
    interval_days: int | None = None
    doses_per_day: int = 1
    daily_dose_mg: float | None = None
    mg_per_kg: float | None = None
    weight_kg: float | None = None
    doses: int | None = None
    phase: str | None = None
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {"drug": self.drug, "dose_mg": self.dose_mg, "schedule": self.schedule, "level": self.level,
                "status": self.status, "route": self.route, "interval_days": self.interval_days,
                "doses_per_day": self.doses_per_day, "daily_dose_mg": self.daily_dose_mg,
                "mg_per_kg": self.mg_per_kg, "weight_kg": self.weight_kg, "doses": self.doses,
                "phase": self.phase, "rationale": self.rationale, "source": self.source,
                "notes": list(self.notes)}

    def describe(self) -> str:
        """One line for people: ``lenvatinib 12 mg once daily (level 0)``."""
        if self.status != "dose":
            return f"{self.drug}: {self.schedule}"
        level = "" if self.level is None else f" (level {self.level})"
        count = "" if self.doses is None or self.doses == 1 else f", {self.doses} doses"
        phase = f"[{self.phase}] " if self.phase else ""
        return f"{phase}{self.drug} {self.dose_mg:g} mg {self.schedule}{count}{level}"


@dataclass(frozen=True)
class RegimenDose:
    """A whole regimen for one patient: one :class:`DoseRecommendation` per drug and phase."""

    regimen: str
    drug: str
    title: str
    components: tuple[DoseRecommendation, ...]
    source: str
    jurisdiction: str
    review_refs: tuple[int, ...] = ()
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        """JSON shape: the regimen, its components, and — for a one-drug regimen — that drug's fields at the
        top level too, so ``lenvici dose lenvatinib --json`` gives ``{"drug", "dose_mg", "schedule",
        "level", …}`` (DESIGN §4)."""
        out: dict = {}
        if len(self.components) == 1:
            out.update(self.components[0].to_dict())
        out.update({"drug": self.drug, "regimen": self.regimen, "title": self.title,
                    "jurisdiction": self.jurisdiction,
                    "components": [c.to_dict() for c in self.components], "source": self.source,
                    "review_refs": list(self.review_refs), "notes": list(self.notes)})
        return out


@dataclass(frozen=True)
class DoseModification:
    """What to do with the current dose after an adverse event, under one jurisdiction's label.

    Attributes
    ----------
    action
        The final action: ``continue``, ``withhold-reduce``, ``withhold-reduce-or-discontinue`` or
        ``discontinue``. A reduction asked for at the lowest level becomes ``discontinue``.
    label_action
        The action as the label's rule states it, before that escalation.
    withhold
        Whether to withhold the drug now.
    resume_when
        The condition for resuming, when withheld.
    current
        The current dose as understood.
    next_dose
        The dose to give after the action: the current one (continue), the next lower level (reduce), or
        ``None`` (discontinue). For ``withhold-reduce-or-discontinue`` it is the reduced dose, and
        discontinuation is the alternative the label leaves to the prescriber.
    other_jurisdiction, other_action
        The other jurisdiction and the action its label gives for the same inputs (``None`` when it cannot
        be evaluated from them).
    """

    drug: str
    event: str
    event_title: str
    grade: int | None
    jurisdiction: str
    action: str
    label_action: str
    withhold: bool
    resume_when: str | None
    current: DoseRecommendation
    next_dose: DoseRecommendation | None
    rationale: str
    source: str
    other_jurisdiction: str
    other_action: str | None
    measurements: Mapping[str, float]
    notes: tuple[str, ...] = ()

    @property
    def differs_by_jurisdiction(self) -> bool:
        return self.other_action is not None and self.other_action != self.action

    def to_dict(self) -> dict:
        return {"drug": self.drug, "event": self.event, "event_title": self.event_title, "grade": self.grade,
                "jurisdiction": self.jurisdiction, "action": self.action, "label_action": self.label_action,
                "withhold": self.withhold, "resume_when": self.resume_when,
                "current": self.current.to_dict(),
                "next_dose": None if self.next_dose is None else self.next_dose.to_dict(),
                "rationale": self.rationale, "source": self.source,
                "other_jurisdiction": self.other_jurisdiction, "other_action": self.other_action,
                "differs_by_jurisdiction": self.differs_by_jurisdiction,
                "measurements": dict(self.measurements), "notes": list(self.notes)}


@dataclass(frozen=True)
class ImpairmentAdvice:
    """What a label says about starting a drug in hepatic or renal impairment."""

    drug: str
    impairment: str
    level: str
    jurisdiction: str
    action: str
    text: str
    source: str

    def to_dict(self) -> dict:
        return {"drug": self.drug, "impairment": self.impairment, "level": self.level,
                "jurisdiction": self.jurisdiction, "action": self.action, "text": self.text,
                "source": self.source}
