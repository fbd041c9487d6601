"""One patient through every score that applies: which scores have their inputs, and the lenvatinib dose.

This is bookkeeping over the registry, not science: a score *applies* when it is available and each of its
required inputs is given; it is then computed by :func:`~lenvici.clinical.scores._evaluate.evaluate_score`
with the inputs it accepts.

Every given value is first checked on its own with the library's validators — quantities by
:mod:`lenvici.units`, choices against the options the scores declare, flags and integers by
:mod:`lenvici.clinical.validation` — and a bad one raises :class:`~lenvici.errors.InputError` (HTTP 422
naming the field), whether or not a score reads it. What a single score then still refuses is a
combination of valid values (e.g. two muscle-mass measures where it takes one): that score is listed as
skipped with the score's own message, and the others are computed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from lenvici.clinical.dosing import RegimenDose, dose_regimen
from lenvici.clinical.scores import ScoreResult, list_scores
from lenvici.clinical.scores._evaluate import accepted_names, evaluate_score
from lenvici.clinical.staging import MAX_TUMOUR_COUNT
from lenvici.clinical.validation import check_choice, check_flag, check_int, quantity
from lenvici.errors import InputError

__all__ = ["Skipped", "PatientReport", "applicable_scores", "patient_report", "check_values"]

#: Yes/no inputs of the scores.
FLAGS = ("macrovascular_invasion", "extrahepatic_spread", "prior_tace", "polypharmacy", "cholestatic")
#: Integer inputs and their ranges (ECOG performance status; BCLC's nodule count).
INTEGERS = {"ecog": (0, 4), "tumour_count": (1, MAX_TUMOUR_COUNT)}


@dataclass(frozen=True)
class Skipped:
    score: str
    status: str
    reason: str
    missing: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {"score": self.score, "status": self.status, "reason": self.reason, "missing": list(self.missing)}


@dataclass(frozen=True)
class PatientReport:
    scores: tuple[ScoreResult, ...]
    skipped: tuple[Skipped, ...]
    dose: RegimenDose | None
    dose_note: str


def check_values(given: Mapping[str, object], quantities: tuple[str, ...]) -> None:
    """Check each given value on its own; :class:`InputError` naming the first bad one."""
    choices: dict[str, tuple[str, ...]] = {}
    for spec in list_scores():
        for name, allowed in spec.options.items():
            choices.setdefault(name, tuple(allowed))
    for name, value in given.items():
        if name in quantities:
            quantity(value, name)
        elif name in FLAGS:
            check_flag(value, name)
        elif name in INTEGERS:
            check_int(value, name, *INTEGERS[name])
        elif name in choices:
            check_choice(value, name, choices[name])


def applicable_scores(values: Mapping[str, object],
                      quantities: tuple[str, ...] = ()) -> tuple[list[ScoreResult], list[Skipped]]:
    """Every available score whose required inputs are in ``values`` (``None`` = not given), computed;
    every other registered score with the reason it was skipped.

    Each given value is checked first (:func:`check_values`; ``quantities`` names the inputs that are
    quantities), so a bad value is reported even when no score has all the inputs it needs.
    """
    given = {k: v for k, v in values.items() if v is not None and not (isinstance(v, str) and not v.strip())}
    check_values(given, quantities)
    done: list[ScoreResult] = []
    skipped: list[Skipped] = []
    for spec in list_scores():
        if spec.status != "available":
            skipped.append(Skipped(spec.name, spec.status, spec.reason or spec.status))
            continue
        missing = tuple(name for name in spec.inputs if name not in given)
        if missing:
            skipped.append(Skipped(spec.name, spec.status, f"needs {', '.join(missing)}", missing))
            continue
        accepted = accepted_names(spec)
        try:
            done.append(evaluate_score(spec.name, {k: v for k, v in given.items() if k in accepted}))
        except InputError as exc:  # the values are valid one by one (checked above): a combination is refused
            skipped.append(Skipped(spec.name, "not-computed", str(exc)))
    return done, skipped


def patient_report(values: Mapping[str, object], quantities: tuple[str, ...] = ()) -> PatientReport:
    """The applicable scores and, when the weight is given, the lenvatinib starting dose — for the Child-Pugh
    class computed here, if it was (the label's hepatic-impairment advice then applies)."""
    scores, skipped = applicable_scores(values, quantities)
    weight = values.get("weight")
    if weight is None or (isinstance(weight, str) and not weight.strip()):
        return PatientReport(tuple(scores), tuple(skipped), None, "needs weight")
    child_pugh = next((s.category for s in scores if s.score == "child-pugh"), None)
    dose = dose_regimen("lenvatinib", weight=weight, child_pugh=child_pugh)
    note = (f"Child-Pugh class {child_pugh} (computed above) applied" if child_pugh
            else "no Child-Pugh class computed: the dose assumes no hepatic impairment")
    return PatientReport(tuple(scores), tuple(skipped), dose, note)
