"""BCLC staging, 2022 update: the stage, the rule that fired and the recommended treatment.

The rules (Reig 2022, Fig. 1), applied in this order:

====== ===========================================================================================
stage  definition
====== ===========================================================================================
D      end-stage liver function, **or** ECOG-PS 3-4 — any tumour burden
C      preserved liver function and macrovascular (portal) invasion and/or extrahepatic spread,
       and/or cancer-related symptoms (ECOG-PS 1-2)
0      a single nodule ≤ 2 cm, ECOG-PS 0, preserved liver function
A      a single nodule of **any** size, or 2-3 nodules each ≤ 3 cm; ECOG-PS 0, preserved liver function
B      multinodular beyond A (4 or more nodules, or 2-3 nodules of which one is > 3 cm); ECOG-PS 0
====== ===========================================================================================

Edge cases, decided and documented:

* **A single nodule is stage A whatever its diameter** (0 when ≤ 2 cm). Calculators that apply the
  "each ≤ 3 cm" clause to solitary tumours stage a single 6 cm nodule as B; the 2022 figure reads
  "Single, or ≤ 3 nodules each ≤ 3 cm", and the size limit belongs to the multinodular clause.
* The limits are inclusive: 20.0 mm is stage 0, 30.0 mm (with 2-3 nodules) is stage A. Diameters are
  compared in mm after unit conversion, with float noise from the conversion (≤ 1e-9 relative) snapped
  onto the limit.
* **ECOG-PS** counts only when it reflects cancer-related symptoms: the 2022 update warns that PS 1-2
  caused by comorbidity or cirrhosis must not upstage a patient. ``ecog_cancer_related=False`` stages such a
  patient by tumour burden and records a caveat. ECOG-PS 3-4 is stage D either way (such a patient is not a
  candidate for the stage-specific treatments of 0-C).
* **Liver function is the clinician's three-level judgement** (preserved / impaired but not end-stage /
  end-stage), not the Child-Pugh class: the 2022 update stresses that Child-Pugh is a crude grouping (a
  Child-Pugh A patient may have an adverse feature; Child-Pugh B is heterogeneous) and names ALBI, AFP and
  MELD as complements. Child-Pugh class and ALBI grade may be passed for the record; they never change the
  stage, and an inconsistency with ``liver_function`` is reported as a caveat.
* **Impaired (not end-stage) liver function**: Fig. 1 defines stages 0-C for preserved liver function and
  D for end-stage. lenvici assigns the stage from tumour burden, invasion and ECOG-PS and flags the result:
  resection needs normal portal pressure and bilirubin (otherwise transplantation or ablation), and the
  evidence for every systemic option comes from Child-Pugh A patients; the 2022 "treatment stage migration"
  principle (offer the option of the next stage when the stage's own one is unsuitable) applies.

References
----------
Reig M, Forner A, Rimola J, Ferrer-Fàbrega J, Burrel M, Garcia-Criado Á, et al. BCLC strategy for prognosis
prediction and treatment recommendation: the 2022 update. J Hepatol. 2022;76(3):681-693.
doi:10.1016/j.jhep.2021.11.018
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from types import MappingProxyType
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from lenvici.clinical.validation import check_choice, check_flag, check_int, quantity
from lenvici.errors import CurationError, InputError
from lenvici.knowledge._files import default_data_dir, read_yaml_records
from lenvici.provenance import WHERE_PATTERN as _WHERE_PATTERN
from lenvici.provenance import Source

__all__ = [
    "BCLC_SOURCE",
    "BCLC_STAGE_CODES",
    "LIVER_FUNCTION_LEVELS",
    "MAX_TUMOUR_COUNT",
    "TreatmentOption",
    "BCLCStage",
    "bclc_kernel",
    "bclc_stage",
    "bclc_stage_table",
]

BCLC_SOURCE = (
    "Reig M, Forner A, Rimola J, Ferrer-Fàbrega J, Burrel M, Garcia-Criado Á, et al. BCLC strategy for "
    "prognosis prediction and treatment recommendation: the 2022 update. J Hepatol. 2022;76(3):681-693. "
    "doi:10.1016/j.jhep.2021.11.018"
)
#: The stages in order; a stage's index is the code :func:`bclc_kernel` returns.
BCLC_STAGE_CODES = ("0", "A", "B", "C", "D")
#: Liver function as BCLC 2022 expresses it; the index is the code :func:`bclc_kernel` takes.
LIVER_FUNCTION_LEVELS = ("preserved", "impaired", "end-stage")
#: The largest tumour count accepted (a diffuse, uncountable HCC may be entered as this).
MAX_TUMOUR_COUNT = 1000

_VERY_EARLY_MM = 20.0  # single nodule ≤ 2 cm
_EARLY_MM = 30.0  # 2-3 nodules each ≤ 3 cm
_SNAP = 1e-9
_REVIEW_SECTION = "text:Other clinical trials combining lenvatinib and ICIs"

_Status = Literal["first-line", "if-first-line-not-feasible", "by-subgroup", "supportive", "investigational"]


class _Option(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    treatment: str
    condition: str
    status: _Status
    review_refs: tuple[int, ...] = ()
    review_where: str | None = None

    @field_validator("review_where")
    @classmethod
    def _where(cls, value: str | None) -> str | None:
        if value is not None and not _WHERE_PATTERN.match(value):
            raise ValueError(f"review_where must look like table1 or text:<section>; got {value!r}")
        return value

    @field_validator("review_refs")
    @classmethod
    def _refs(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if any(not 1 <= r <= 249 for r in value):
            raise ValueError(f"review references must lie in 1..249; got {list(value)}")
        return value


class _StageRecord(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    stage: Literal["0", "A", "B", "C", "D"]
    name: str
    definition: str
    expected_survival: str
    where: str
    options: tuple[_Option, ...] = Field(min_length=1)
    review_options: tuple[_Option, ...] = ()

    @model_validator(mode="after")
    def _review_options_cite(self) -> _StageRecord:
        for option in self.review_options:
            if option.status != "investigational" or not option.review_refs:
                raise ValueError(f"review option {option.treatment!r} must be investigational and cite review_refs")
        return self


@lru_cache(maxsize=1)
def _stage_records() -> Mapping[str, _StageRecord]:
    records = read_yaml_records(default_data_dir() / "staging" / "bclc_2022.yaml", _StageRecord)
    by_stage = {r.stage: r for r in records}
    if tuple(sorted(by_stage, key=BCLC_STAGE_CODES.index)) != BCLC_STAGE_CODES or len(records) != 5:
        raise CurationError("staging/bclc_2022.yaml", "needs exactly one record per stage 0, A, B, C, D")
    return MappingProxyType(by_stage)


@dataclass(frozen=True)
class TreatmentOption:
    """One treatment the strategy names for a stage, with the condition under which it applies.

    ``status`` is ``first-line``, ``if-first-line-not-feasible``, ``by-subgroup`` (the stage's options depend
    on a patient feature in ``condition``), ``supportive`` or ``investigational`` (a lenvatinib ± ICI
    regimen from the review, not part of BCLC 2022; ``review_refs`` name the review's references).
    """

    treatment: str
    condition: str
    status: str
    source: str
    review_refs: tuple[int, ...] = ()

    def to_dict(self) -> dict:
        return {"treatment": self.treatment, "condition": self.condition, "status": self.status,
                "source": self.source, "review_refs": list(self.review_refs)}


@dataclass(frozen=True)
class BCLCStage:
    """The BCLC 2022 stage of one patient, why, and what the strategy recommends.

    Attributes
    ----------
    stage
        ``"0"``, ``"A"``, ``"B"``, ``"C"`` or ``"D"``.
    name
        very early, early, intermediate, advanced, terminal.
    rule
        Identifier of the rule that decided the stage (e.g. ``"A-single"``, ``"C-macrovascular-invasion"``).
    criteria_met
        Every stage-defining criterion the patient meets at the decisive level (stage C may have several).
    reasoning
        The decision in words, one line per step, citing Reig 2022.
    recommended
        The treatment options of the 2022 strategy for this stage.
    review_options
        The review's lenvatinib ± ICI options for this stage, marked investigational.
    expected_survival
        As printed in Reig 2022, Fig. 1.
    caveats
        What the user should know about this staging (impaired liver function, non-cancer ECOG-PS, an
        inconsistent Child-Pugh class).
    inputs
        The inputs as used, in canonical units (diameter in mm).
    """

    stage: str
    name: str
    rule: str
    criteria_met: tuple[str, ...]
    reasoning: tuple[str, ...]
    recommended: tuple[TreatmentOption, ...]
    review_options: tuple[TreatmentOption, ...]
    expected_survival: str
    caveats: tuple[str, ...] = ()
    inputs: Mapping[str, object] = field(default_factory=dict)
    source: str = BCLC_SOURCE

    def __post_init__(self) -> None:
        object.__setattr__(self, "inputs", MappingProxyType(dict(self.inputs)))

    def to_dict(self) -> dict:
        return {"stage": self.stage, "name": self.name, "rule": self.rule,
                "criteria_met": list(self.criteria_met), "reasoning": list(self.reasoning),
                "recommended": [o.to_dict() for o in self.recommended],
                "review_options": [o.to_dict() for o in self.review_options],
                "expected_survival": self.expected_survival, "caveats": list(self.caveats),
                "inputs": dict(self.inputs), "source": self.source}


def _snap(values: np.ndarray, cut: float) -> np.ndarray:
    return np.where(np.abs(values - cut) <= _SNAP * cut, cut, values)


def bclc_kernel(tumour_count, largest_tumour_mm, macrovascular_invasion, extrahepatic_spread, ecog,
                liver_function, ecog_cancer_related=True) -> np.ndarray:
    """BCLC 2022 stage codes for arrays of already-validated inputs (the batch path).

    Parameters
    ----------
    tumour_count
        Integer array, ≥ 1.
    largest_tumour_mm
        Float array, diameter of the largest nodule in mm (> 0).
    macrovascular_invasion, extrahepatic_spread, ecog_cancer_related
        Boolean arrays (``ecog_cancer_related`` may be a scalar).
    ecog
        Integer array, 0-4.
    liver_function
        Integer array, index into :data:`LIVER_FUNCTION_LEVELS` (0 preserved, 1 impaired, 2 end-stage).

    Returns
    -------
    numpy.ndarray
        Integer codes, index into :data:`BCLC_STAGE_CODES`.
    """
    count = np.asarray(tumour_count)
    size = _snap(_snap(np.asarray(largest_tumour_mm, dtype=float), _VERY_EARLY_MM), _EARLY_MM)
    ecog = np.asarray(ecog)
    liver = np.asarray(liver_function)
    symptomatic = (ecog >= 1) & (ecog <= 2) & np.asarray(ecog_cancer_related, dtype=bool)
    terminal = (liver == 2) | (ecog >= 3)
    advanced = np.asarray(macrovascular_invasion, dtype=bool) | np.asarray(extrahepatic_spread, dtype=bool) | symptomatic
    very_early = (count == 1) & (size <= _VERY_EARLY_MM)
    early = (count == 1) | ((count <= 3) & (size <= _EARLY_MM))
    burden = np.where(very_early, 0, np.where(early, 1, 2))
    return np.where(terminal, 4, np.where(advanced, 3, burden)).astype(np.int8)


def _options(stage: str) -> tuple[tuple[TreatmentOption, ...], tuple[TreatmentOption, ...], _StageRecord]:
    record = _stage_records()[stage]
    where = f"{BCLC_SOURCE} ({record.where})"
    recommended = tuple(TreatmentOption(o.treatment, o.condition, o.status, where, o.review_refs)
                        for o in record.options)
    review = tuple(TreatmentOption(o.treatment, o.condition, o.status,
                                   Source(refs=o.review_refs, where=o.review_where or _REVIEW_SECTION).citation(), o.review_refs)
                   for o in record.review_options)
    return recommended, review, record


def bclc_stage(tumour_count: object, largest_tumour: object, macrovascular_invasion: object,
               extrahepatic_spread: object, ecog: object, liver_function: object, *,
               ecog_cancer_related: object = True, child_pugh: object = None,
               albi_grade: object = None) -> BCLCStage:
    """The BCLC 2022 stage of one patient, with the rule that fired and the recommended treatment.

    Parameters
    ----------
    tumour_count
        Number of HCC nodules, 1-1000 (enter a diffuse, uncountable HCC as a large number).
    largest_tumour
        Diameter of the largest nodule, ``"VALUE UNIT"`` (``mm`` or ``cm``), > 0 and ≤ 500 mm.
    macrovascular_invasion, extrahepatic_spread
        Flags (true/false, yes/no, present/absent, 1/0). Macrovascular invasion is BCLC's "portal invasion".
    ecog
        ECOG performance status, 0-4.
    liver_function
        ``preserved``, ``impaired`` (not end-stage) or ``end-stage``: the clinician's judgement, not a
        Child-Pugh class (see the module notes).
    ecog_cancer_related
        Whether an ECOG-PS of 1-2 reflects cancer-related symptoms (default true). False: PS 1-2 does not
        make stage C.
    child_pugh, albi_grade
        Optional, for the record only (``A``/``B``/``C``; ``1``/``2``/``2a``/``2b``/``3``); never change the
        stage, and a clash with ``liver_function`` adds a caveat.

    Returns
    -------
    BCLCStage

    Raises
    ------
    InputError
        Naming the field, when an input is missing, malformed or out of range.

    Examples
    --------
    A single 6 cm nodule, preserved liver function, ECOG-PS 0 is stage A (not B):

    >>> bclc_stage(1, "6 cm", False, False, 0, "preserved").stage
    'A'
    >>> bclc_stage(3, "3.0 cm", False, False, 0, "preserved").rule
    'A-up-to-3-le-3cm'
    >>> bclc_stage(1, "15 mm", True, False, 0, "preserved").stage
    'C'

    References
    ----------
    Reig M, et al. BCLC strategy for prognosis prediction and treatment recommendation: the 2022 update.
    J Hepatol. 2022;76(3):681-693. doi:10.1016/j.jhep.2021.11.018 (Fig. 1).
    """
    count = check_int(tumour_count, "tumour_count", 1, MAX_TUMOUR_COUNT)
    size = quantity(largest_tumour, "largest_tumour")
    if not size > 0:
        raise InputError(f"'largest_tumour' must be greater than 0 mm for an HCC nodule; got {size:g} mm",
                         "largest_tumour")
    mvi = check_flag(macrovascular_invasion, "macrovascular_invasion")
    ehs = check_flag(extrahepatic_spread, "extrahepatic_spread")
    ps = check_int(ecog, "ecog", 0, 4)
    liver = check_choice(liver_function, "liver_function", LIVER_FUNCTION_LEVELS)
    cancer_related = check_flag(ecog_cancer_related, "ecog_cancer_related")
    cp = None if child_pugh is None else check_choice(child_pugh, "child_pugh", ("A", "B", "C"))
    if isinstance(albi_grade, int) and not isinstance(albi_grade, bool):
        albi_grade = str(albi_grade)
    albi = None if albi_grade is None else check_choice(albi_grade, "albi_grade", ("1", "2", "2a", "2b", "3"))

    code = int(bclc_kernel(count, size, mvi, ehs, ps, LIVER_FUNCTION_LEVELS.index(liver), cancer_related))
    stage = BCLC_STAGE_CODES[code]
    rule, criteria, reasoning = _explain(stage, count, size, mvi, ehs, ps, liver, cancer_related)
    recommended, review, record = _options(stage)
    caveats = _caveats(stage, ps, liver, cancer_related, cp, albi)
    inputs = {"tumour_count": count, "largest_tumour": size, "macrovascular_invasion": mvi,
              "extrahepatic_spread": ehs, "ecog": ps, "liver_function": liver,
              "ecog_cancer_related": cancer_related, "child_pugh": cp, "albi_grade": albi}
    return BCLCStage(stage=stage, name=record.name, rule=rule, criteria_met=criteria, reasoning=reasoning,
                     recommended=recommended, review_options=review, expected_survival=record.expected_survival,
                     caveats=caveats, inputs=inputs)


def _burden(count: int, size: float) -> str:
    return f"{count} nodule{'s' if count > 1 else ''}, largest {size:g} mm"


def _explain(stage, count, size, mvi, ehs, ps, liver, cancer_related) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """The rule id, the criteria met and the reasoning — the slow, readable twin of :func:`bclc_kernel`."""
    steps: list[str] = []
    if stage == "D":
        criteria = tuple(c for c, hit in (("end-stage-liver-function", liver == "end-stage"),
                                          ("ecog-3-4", ps >= 3)) if hit)
        if liver == "end-stage":
            steps.append("liver function is end-stage → stage D whatever the tumour burden (Reig 2022, Fig. 1)")
        if ps >= 3:
            steps.append(f"ECOG-PS {ps} (3-4) → stage D whatever the tumour burden (Reig 2022, Fig. 1)")
        rule = "D-end-stage-liver" if liver == "end-stage" else "D-ecog-3-4"
        return rule, criteria, tuple(steps)
    steps.append(f"liver function {liver} and ECOG-PS {ps}: not stage D (Reig 2022, Fig. 1)")
    if stage == "C":
        symptomatic = 1 <= ps <= 2 and cancer_related
        criteria = tuple(c for c, hit in (("macrovascular-invasion", mvi), ("extrahepatic-spread", ehs),
                                          ("ecog-1-2", symptomatic)) if hit)
        words = {"macrovascular-invasion": "macrovascular (portal) invasion",
                 "extrahepatic-spread": "extrahepatic spread",
                 "ecog-1-2": f"cancer-related symptoms (ECOG-PS {ps})"}
        steps.append(" and ".join(words[c] for c in criteria) + " → stage C, any tumour burden (Reig 2022, Fig. 1)")
        return f"C-{criteria[0]}", criteria, tuple(steps)
    if 1 <= ps <= 2:
        steps.append(f"ECOG-PS {ps} not attributed to the cancer: does not make stage C (Reig 2022, "
                     "'Prognosis prediction and patient characterisation'); staged by tumour burden")
    steps.append("no macrovascular invasion, no extrahepatic spread: staged by tumour burden")
    burden = _burden(count, size)
    if stage == "0":
        steps.append(f"{burden}: a single nodule ≤ 20 mm → stage 0 (very early; Reig 2022, Fig. 1)")
        return "0-single-le-2cm", ("single-le-2cm",), tuple(steps)
    if stage == "A":
        if count == 1:
            steps.append(f"{burden}: a single nodule > 20 mm of any size → stage A (early; the ≤ 3 cm limit "
                         "applies only to 2-3 nodules; Reig 2022, Fig. 1)")
            return "A-single", ("single",), tuple(steps)
        steps.append(f"{burden}: 2-3 nodules each ≤ 30 mm → stage A (early; Reig 2022, Fig. 1)")
        return "A-up-to-3-le-3cm", ("up-to-3-le-3cm",), tuple(steps)
    why = "more than 3 nodules" if count > 3 else "2-3 nodules with one > 30 mm"
    steps.append(f"{burden}: {why} → multinodular beyond stage A → stage B (intermediate; Reig 2022, Fig. 1)")
    return "B-multinodular", ("multinodular",), tuple(steps)


def _caveats(stage, ps, liver, cancer_related, cp, albi) -> tuple[str, ...]:
    notes: list[str] = []
    if liver == "impaired" and stage != "D":
        notes.append(
            "impaired (not end-stage) liver function: BCLC 2022 defines stages 0-C for preserved liver "
            "function, so this stage comes from tumour burden, invasion and ECOG-PS alone. Resection needs "
            "normal portal pressure and bilirubin (otherwise transplantation or ablation), the evidence for "
            "every systemic option is from Child-Pugh A patients, and treatment stage migration applies "
            "(Reig 2022, 'Prognosis prediction and patient characterisation' and 'Systemic treatment')")
    if 1 <= ps <= 2 and not cancer_related and stage in ("0", "A", "B"):
        notes.append(f"ECOG-PS {ps} recorded as not cancer-related: it did not upstage to C; confirm that the "
                     "performance status is due to comorbidity, not to the tumour")
    if cp is not None:
        expected = {"preserved": ("A",), "impaired": ("A", "B"), "end-stage": ("B", "C")}[liver]
        if cp not in expected:
            notes.append(f"Child-Pugh {cp} recorded with liver function '{liver}': the stage follows the "
                         "liver-function judgement, not the Child-Pugh class (Reig 2022); check the inputs")
    if albi is not None and liver == "preserved" and albi == "3":
        notes.append("ALBI grade 3 recorded with preserved liver function: check the liver-function judgement")
    return tuple(notes)


def bclc_stage_table() -> tuple[dict, ...]:
    """The five stages with their definition, expected survival and options, as plain dicts."""
    rows = []
    for stage in BCLC_STAGE_CODES:
        recommended, review, record = _options(stage)
        rows.append({"stage": stage, "name": record.name, "definition": record.definition,
                     "expected_survival": record.expected_survival,
                     "recommended": [o.to_dict() for o in recommended],
                     "review_options": [o.to_dict() for o in review]})
    return tuple(rows)
