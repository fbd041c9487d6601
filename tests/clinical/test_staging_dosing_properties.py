"""Property tests: random and extreme inputs give a valid result or an InputError naming the field —
never another exception, never NaN or inf in a result (issue 4, 'Bad input')."""

from __future__ import annotations

import json
import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from lenvici.clinical.dosing import available_drugs, dose_regimen, load_dosing_data, modify_dose
from lenvici.clinical.staging import (
    BCLC_STAGE_CODES,
    LIVER_FUNCTION_LEVELS,
    bclc_kernel,
    bclc_stage,
)
from lenvici.errors import InputError

SETTINGS = settings(max_examples=300, deadline=None, derandomize=True)

numbers = st.one_of(st.integers(-10**6, 10**6), st.floats(allow_nan=True, allow_infinity=True))
junk = st.one_of(st.none(), st.booleans(), numbers, st.text(max_size=8), st.lists(st.integers(), max_size=2))


def quantity_text(units: list[str]) -> st.SearchStrategy:
    return st.builds(lambda x, u: f"{x} {u}".strip(), numbers, st.sampled_from(units))


def _finite(document) -> bool:
    json.dumps(document, allow_nan=False)  # raises on NaN or inf
    return True


# -------------------------------------------------------------------------------------------- staging

flags = st.one_of(st.booleans(), st.sampled_from(["yes", "no", "present", "absent", "1", "0", "maybe", ""]), junk)


@SETTINGS
@given(count=st.one_of(st.integers(-3, 1200), junk), size=st.one_of(quantity_text(["mm", "cm", "m", "kg", ""]), junk),
       mvi=flags, ehs=flags, ecog=st.one_of(st.integers(-2, 6), junk),
       liver=st.one_of(st.sampled_from([*LIVER_FUNCTION_LEVELS, "Preserved", "END_STAGE", "bad"]), junk),
       related=flags)
def test_bclc_valid_or_input_error(count, size, mvi, ehs, ecog, liver, related):
    fields = {"tumour_count", "largest_tumour", "macrovascular_invasion", "extrahepatic_spread", "ecog",
              "liver_function", "ecog_cancer_related"}
    try:
        result = bclc_stage(count, size, mvi, ehs, ecog, liver, ecog_cancer_related=related)
    except InputError as exc:
        assert exc.field in fields
        return
    assert result.stage in BCLC_STAGE_CODES and result.rule and result.recommended
    assert _finite(result.to_dict())


@SETTINGS
@given(count=st.integers(1, 1000), size=st.floats(0.01, 500), mvi=st.booleans(), ehs=st.booleans(),
       ecog=st.integers(0, 4), liver=st.sampled_from(LIVER_FUNCTION_LEVELS), related=st.booleans())
def test_kernel_agrees_with_scalar_path(count, size, mvi, ehs, ecog, liver, related):
    """The fast batch kernel and the explained scalar path give the same stage (STYLE §6)."""
    scalar = bclc_stage(count, f"{size!r} mm", mvi, ehs, ecog, liver, ecog_cancer_related=related)
    code = bclc_kernel(np.array([count]), np.array([size]), np.array([mvi]), np.array([ehs]), np.array([ecog]),
                       np.array([LIVER_FUNCTION_LEVELS.index(liver)]), related)[0]
    assert BCLC_STAGE_CODES[int(code)] == scalar.stage


@SETTINGS
@given(count=st.integers(1, 1000), size=st.floats(0.01, 500), ecog=st.integers(0, 4),
       liver=st.sampled_from(LIVER_FUNCTION_LEVELS))
def test_stage_is_monotone_in_invasion(count, size, ecog, liver):
    """Adding invasion or spread never lowers the stage (Reig 2022, Fig. 1 ordering)."""
    base = BCLC_STAGE_CODES.index(bclc_stage(count, f"{size!r} mm", False, False, ecog, liver).stage)
    invaded = BCLC_STAGE_CODES.index(bclc_stage(count, f"{size!r} mm", True, False, ecog, liver).stage)
    assert invaded >= base and invaded >= BCLC_STAGE_CODES.index("C")


# -------------------------------------------------------------------------------------------- dosing

regimen_ids = sorted(load_dosing_data().regimens)
drugs = st.one_of(st.sampled_from(available_drugs()), junk)


@SETTINGS
@given(drug=drugs, regimen=st.one_of(st.none(), st.sampled_from(regimen_ids), junk),
       weight=st.one_of(st.none(), quantity_text(["kg", "g", "lb", "cm", ""]), junk),
       level=st.one_of(st.integers(-2, 8), junk),
       child_pugh=st.one_of(st.none(), st.sampled_from(["A", "B", "C", "D", "child-pugh-b"]), junk),
       renal=st.one_of(st.none(), st.sampled_from(["none", "mild", "moderate", "severe", "end-stage", "x"]), junk),
       where=st.one_of(st.sampled_from(["us", "eu", "EU", "jp"]), junk))
def test_dose_regimen_valid_or_input_error(drug, regimen, weight, level, child_pugh, renal, where):
    fields = {"drug", "regimen", "weight", "level", "child_pugh", "renal_impairment", "jurisdiction"}
    try:
        result = dose_regimen(drug, regimen=regimen, weight=weight, level=level, child_pugh=child_pugh,
                              renal_impairment=renal, jurisdiction=where)
    except InputError as exc:
        assert exc.field in fields
        return
    assert result.components
    for component in result.components:
        assert component.status in ("dose", "discontinue", "no-labelled-dose")
        assert (component.dose_mg is None) == (component.status != "dose")
        assert component.dose_mg is None or (math.isfinite(component.dose_mg) and component.dose_mg > 0)
    assert _finite(result.to_dict())


events = st.one_of(st.sampled_from(sorted(load_dosing_data().aliases)), junk)
currents = st.one_of(st.sampled_from(["12 mg", "8 mg", "4 mg", "4 mg every other day", "4 mg qod", "10 mg",
                                      "12 mg weekly", "400 mg bid"]), quantity_text(["mg", "g", ""]), junk)


@SETTINGS
@given(drug=st.one_of(st.just("lenvatinib"), drugs), event=events, current=currents,
       grade=st.one_of(st.none(), st.integers(-1, 6), junk), where=st.one_of(st.sampled_from(["us", "eu"]), junk),
       intolerable=flags, lab=flags,
       protein=st.one_of(st.none(), quantity_text(["g/24h", "g/d", "mg", ""]), junk),
       qtc=st.one_of(st.none(), quantity_text(["ms", "s", ""]), junk),
       baseline=st.one_of(st.none(), quantity_text(["ms"]), junk),
       weight=st.one_of(st.none(), quantity_text(["kg", "lb", ""]), junk))
def test_modify_dose_valid_or_input_error(drug, event, current, grade, where, intolerable, lab, protein, qtc,
                                          baseline, weight):
    fields = {"drug", "event", "current", "grade", "jurisdiction", "intolerable", "laboratory_only",
              "urine_protein", "qtc", "qtc_baseline", "weight"}
    try:
        result = modify_dose(drug, event, current=current, jurisdiction=where, grade=grade, intolerable=intolerable,
                             laboratory_only=lab, urine_protein=protein, qtc=qtc, qtc_baseline=baseline,
                             weight=weight)
    except InputError as exc:
        assert exc.field in fields
        return
    assert result.action in ("continue", "withhold-reduce", "withhold-reduce-or-discontinue", "discontinue")
    assert (result.next_dose is None) == (result.action == "discontinue")
    if result.next_dose is not None and result.action != "continue":
        assert result.next_dose.daily_dose_mg < result.current.daily_dose_mg
    assert _finite(result.to_dict())
