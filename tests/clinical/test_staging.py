"""BCLC 2022 staging: every stage, every boundary, the edge cases, and the batch kernel.

Source of every expected stage: Reig M, Forner A, Rimola J, et al. BCLC strategy for prognosis prediction
and treatment recommendation: the 2022 update. J Hepatol. 2022;76(3):681-693 (Fig. 1, the staging row:
0 = single ≤ 2 cm, preserved liver function, ECOG-PS 0; A = single, or ≤ 3 nodules each ≤ 3 cm, preserved
liver function, ECOG-PS 0; B = multinodular, preserved liver function, ECOG-PS 0; C = portal invasion
and/or extrahepatic spread, preserved liver function, ECOG-PS 1-2; D = end-stage liver function, ECOG-PS
3-4, any tumour burden).
"""

from __future__ import annotations

import importlib
import inspect
import json

import numpy as np
import pytest

from lenvici.clinical.staging import (
    BCLC_STAGE_CODES,
    LIVER_FUNCTION_LEVELS,
    bclc_kernel,
    bclc_stage,
    bclc_stage_table,
)
from lenvici.errors import InputError

P = "preserved"

# (count, largest, MVI, EHS, ECOG, liver, expected stage, expected rule, why — all Reig 2022 Fig. 1)
CASES = [
    # stage 0: single ≤ 2 cm
    (1, "15 mm", False, False, 0, P, "0", "0-single-le-2cm", "single 1.5 cm"),
    (1, "20 mm", False, False, 0, P, "0", "0-single-le-2cm", "boundary: single exactly 2.0 cm is 0 (≤ 2 cm)"),
    (1, "2.0 cm", False, False, 0, P, "0", "0-single-le-2cm", "boundary 2.0 cm given in cm"),
    (1, "5 mm", False, False, 0, P, "0", "0-single-le-2cm", "tiny single nodule"),
    # stage A: single of any size, or 2-3 nodules each ≤ 3 cm
    (1, "20.1 mm", False, False, 0, P, "A", "A-single", "boundary: just above 2 cm leaves stage 0"),
    (1, "6 cm", False, False, 0, P, "A", "A-single", "single 6 cm is A, not B (calculator bug)"),
    (1, "150 mm", False, False, 0, P, "A", "A-single", "single 15 cm is still A: no size limit for one nodule"),
    (2, "15 mm", False, False, 0, P, "A", "A-up-to-3-le-3cm", "two nodules ≤ 2 cm are A, not 0 (0 is single only)"),
    (2, "25 mm", False, False, 0, P, "A", "A-up-to-3-le-3cm", "two nodules ≤ 3 cm"),
    (3, "30 mm", False, False, 0, P, "A", "A-up-to-3-le-3cm", "boundary: three nodules, largest exactly 3.0 cm"),
    (3, "3.0 cm", False, False, 0, P, "A", "A-up-to-3-le-3cm", "boundary 3.0 cm given in cm"),
    # stage B: multinodular beyond A
    (3, "30.1 mm", False, False, 0, P, "B", "B-multinodular", "boundary: three nodules, one just above 3 cm"),
    (2, "31 mm", False, False, 0, P, "B", "B-multinodular", "two nodules, one > 3 cm"),
    (4, "10 mm", False, False, 0, P, "B", "B-multinodular", "boundary: four small nodules exceed ≤ 3 nodules"),
    (10, "50 mm", False, False, 0, P, "B", "B-multinodular", "ten nodules"),
    # stage C: invasion, spread or cancer-related symptoms (ECOG-PS 1-2)
    (1, "15 mm", True, False, 0, P, "C", "C-macrovascular-invasion", "very early burden but portal invasion"),
    (4, "40 mm", False, True, 0, P, "C", "C-extrahepatic-spread", "extrahepatic spread"),
    (1, "30 mm", False, False, 1, P, "C", "C-ecog-1-2", "boundary: ECOG-PS 1 makes C"),
    (2, "20 mm", False, False, 2, P, "C", "C-ecog-1-2", "boundary: ECOG-PS 2 still C"),
    (5, "80 mm", True, True, 2, P, "C", "C-macrovascular-invasion", "all three C criteria"),
    # stage D: end-stage liver function or ECOG-PS 3-4
    (1, "30 mm", False, False, 3, P, "D", "D-ecog-3-4", "boundary: ECOG-PS 3 makes D"),
    (1, "15 mm", False, False, 4, P, "D", "D-ecog-3-4", "ECOG-PS 4"),
    (1, "15 mm", False, False, 0, "end-stage", "D", "D-end-stage-liver", "end-stage liver function, tiny tumour"),
    (3, "60 mm", True, True, 1, "end-stage", "D", "D-end-stage-liver", "end-stage liver function outranks C"),
]


@pytest.mark.parametrize("count,size,mvi,ehs,ecog,liver,stage,rule,why", CASES, ids=[c[-1] for c in CASES])
def test_stage_and_rule(count, size, mvi, ehs, ecog, liver, stage, rule, why):
    """Each expected stage follows Reig 2022, Fig. 1 (see the module docstring)."""
    result = bclc_stage(count, size, mvi, ehs, ecog, liver)
    assert result.stage == stage
    assert result.rule == rule
    assert result.reasoning and all("Reig 2022" in line or "tumour burden" in line for line in result.reasoning)


def test_every_stage_has_at_least_three_cases():
    counts = {s: sum(1 for c in CASES if c[6] == s) for s in BCLC_STAGE_CODES}
    assert all(n >= 3 for n in counts.values()), counts


@pytest.mark.parametrize("ecog,expected", [(0, "0"), (1, "C"), (2, "C"), (3, "D"), (4, "D")])
def test_ecog_boundaries_on_a_very_early_tumour(ecog, expected):
    """Reig 2022, Fig. 1: PS 0 for 0-B, PS 1-2 is C, PS 3-4 is D."""
    assert bclc_stage(1, "1.5 cm", False, False, ecog, P).stage == expected


def test_stage_c_lists_every_criterion_met():
    """Reig 2022, Fig. 1: stage C is invasion and/or spread and/or symptoms; all are reported."""
    result = bclc_stage(5, "80 mm", True, True, 2, P)
    assert result.criteria_met == ("macrovascular-invasion", "extrahepatic-spread", "ecog-1-2")


def test_ecog_not_cancer_related_does_not_upstage():
    """Reig 2022 ('Prognosis prediction and patient characterisation'): only cancer-related symptoms count."""
    result = bclc_stage(1, "15 mm", False, False, 1, P, ecog_cancer_related=False)
    assert result.stage == "0"
    assert any("not cancer-related" in c for c in result.caveats)
    assert bclc_stage(1, "15 mm", False, False, 3, P, ecog_cancer_related=False).stage == "D"
    # with invasion, the stage is C anyway and no 'did not upstage' caveat is given
    invaded = bclc_stage(1, "15 mm", True, False, 1, P, ecog_cancer_related=False)
    assert invaded.stage == "C" and not any("did not upstage" in c for c in invaded.caveats)


def test_impaired_liver_function_stages_by_burden_with_a_caveat():
    """Fig. 1 defines 0-C for preserved liver function; lenvici stages impaired by burden and flags it."""
    result = bclc_stage(1, "15 mm", False, False, 0, "impaired")
    assert result.stage == "0"
    assert any("impaired (not end-stage)" in c for c in result.caveats)
    assert bclc_stage(1, "15 mm", False, False, 0, P).caveats == ()


def test_child_pugh_is_information_only():
    """Reig 2022: the liver-function judgement, not the Child-Pugh class, stages; a clash is flagged."""
    a = bclc_stage(1, "15 mm", False, False, 0, P, child_pugh="A", albi_grade=1)
    c = bclc_stage(1, "15 mm", False, False, 0, P, child_pugh="C")
    assert a.stage == c.stage == "0"
    assert a.caveats == ()
    assert any("Child-Pugh C" in x for x in c.caveats)
    assert c.inputs["child_pugh"] == "C" and a.inputs["albi_grade"] == "1"


def test_recommended_options_per_stage():
    """Reig 2022, Fig. 1 treatment row; review options are the review's LEN ± ICI regimens."""
    c = bclc_stage(1, "15 mm", True, False, 0, P)
    first = [o.treatment for o in c.recommended if o.status == "first-line"]
    assert first == ["atezolizumab + bevacizumab", "durvalumab + tremelimumab (STRIDE)"]
    assert [o.treatment for o in c.recommended if o.status == "if-first-line-not-feasible"] == [
        "sorafenib", "lenvatinib", "durvalumab"]
    assert all(o.status == "investigational" and o.review_refs for o in c.review_options)
    assert any(77 in o.review_refs for o in c.review_options)  # LEAP-002
    assert any(86 in o.review_refs for o in c.review_options)  # cadonilimab + lenvatinib
    assert [o.treatment for o in bclc_stage(1, "30 mm", False, False, 3, P).recommended][0] == "best supportive care"
    b = [o.treatment for o in bclc_stage(4, "10 mm", False, False, 0, P).recommended]
    assert b[:2] == ["liver transplantation", "TACE"]
    assert "ablation" in [o.treatment for o in bclc_stage(1, "15 mm", False, False, 0, P).recommended]


def test_expected_survival_as_printed():
    """Reig 2022, Fig. 1: > 5 years (0, A), > 2.5 years (B), > 2 years (C), 3 months (D)."""
    table = {row["stage"]: row["expected_survival"] for row in bclc_stage_table()}
    assert table == {"0": "> 5 years", "A": "> 5 years", "B": "> 2.5 years", "C": "> 2 years", "D": "3 months"}


def test_result_is_frozen_and_serialises():
    result = bclc_stage(2, "2.5 cm", "no", "absent", "0", "Preserved")
    with pytest.raises(Exception):
        result.stage = "B"  # type: ignore[misc]
    document = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert document["stage"] == "A" and document["inputs"]["largest_tumour"] == 25.0
    assert "2022" in document["source"]


@pytest.mark.parametrize("kwargs,field", [
    (dict(tumour_count=0), "tumour_count"),
    (dict(tumour_count=2.5), "tumour_count"),
    (dict(largest_tumour="25"), "largest_tumour"),
    (dict(largest_tumour="0 mm"), "largest_tumour"),
    (dict(largest_tumour="2.5 kg"), "largest_tumour"),
    (dict(largest_tumour="600 mm"), "largest_tumour"),
    (dict(macrovascular_invasion="maybe"), "macrovascular_invasion"),
    (dict(ecog=5), "ecog"),
    (dict(liver_function="Child-Pugh A"), "liver_function"),
])
def test_invalid_inputs_name_the_field(kwargs, field):
    base = dict(tumour_count=1, largest_tumour="25 mm", macrovascular_invasion=False, extrahepatic_spread=False,
                ecog=0, liver_function=P)
    base.update(kwargs)
    with pytest.raises(InputError) as err:
        bclc_stage(**base)
    assert err.value.field == field


def test_kernel_is_vectorised_and_matches_the_scalar_path():
    """The batch kernel and the readable scalar path agree on every case above."""
    count = np.array([c[0] for c in CASES])
    size = np.array([bclc_stage(*c[:6]).inputs["largest_tumour"] for c in CASES])
    mvi = np.array([c[2] for c in CASES])
    ehs = np.array([c[3] for c in CASES])
    ecog = np.array([c[4] for c in CASES])
    liver = np.array([LIVER_FUNCTION_LEVELS.index(c[5]) for c in CASES])
    codes = bclc_kernel(count, size, mvi, ehs, ecog, liver)
    assert [BCLC_STAGE_CODES[i] for i in codes] == [c[6] for c in CASES]


def test_float_noise_at_a_limit_is_snapped():
    """A diameter a hair off 20 or 30 mm by float rounding is that limit (same rule as the scores)."""
    assert BCLC_STAGE_CODES[int(bclc_kernel(1, 20.000000000001, False, False, 0, 0))] == "0"
    assert BCLC_STAGE_CODES[int(bclc_kernel(3, 30.00000000001, False, False, 0, 0))] == "A"


def test_all_matches_public_names():
    """STYLE §1: ``__all__`` lists exactly the public names (the rule of tests/test_public_api.py)."""
    for name in ("lenvici.clinical.staging", "lenvici.clinical.dosing"):
        module = importlib.import_module(name)
        public = {
            n for n, obj in vars(module).items()
            if not n.startswith("_") and not inspect.ismodule(obj)
            and (((inspect.isclass(obj) or inspect.isfunction(obj))
                  and (obj.__module__ == name or obj.__module__.startswith(name + ".")))
                 or (n.isupper() and not callable(obj)))
        }
        assert set(module.__all__) == public, name
