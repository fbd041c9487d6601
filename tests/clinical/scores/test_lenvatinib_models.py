"""Lenvatinib-specific models (PIMET, LEP), the registered unavailable / imaging models, and Table 3 coverage.

Worked examples name their source: the group definitions printed in the abstracts of Guo 2023 (PIMET,
Front Immunol 14:1141199) and Rapposelli 2021 (LEP, ESMO Open 6:100190), with the PNI and ALBI arithmetic
written out in the comments. No expected value is computed with the code under test.
"""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lenvici.clinical.scores import ScoreResult, get_score, list_scores
from lenvici.clinical.scores import imaging_models, lenvatinib_models
from lenvici.clinical.scores.lenvatinib_models import (
    BCLC_STAGES,
    STANDARD_SCORES,
    TABLE3_SCORES,
    lep,
    lep_kernel,
    pimet,
    pimet_kernel,
    table3_coverage,
)
from lenvici.errors import InputError
from lenvici.knowledge import load_biomarkers, load_references

# ------------------------------------------------------------------------------------------------ PIMET
# Guo 2023, abstract: PIMET-low = without metastasis and PIVKA-II < 600 mAU/mL; PIMET-int = with metastasis
# or PIVKA-II > 600; PIMET-high = with metastasis and PIVKA-II > 600.

PIMET_CASES = [
    # (pivka, metastasis, factors, group, why)
    ("100 mAU/mL", False, 0, "PIMET-low", "no metastasis, PIVKA-II 100 < 600"),
    ("599.9 mAU/mL", False, 0, "PIMET-low", "just below the cut-off"),
    ("600 mAU/mL", False, 0, "PIMET-low", "exactly 600 is not '> 600' (lenvici's documented reading)"),
    ("600.1 mAU/mL", False, 1, "PIMET-int", "just above the cut-off: PIVKA-II > 600 only"),
    ("40 mAU/mL", True, 1, "PIMET-int", "metastasis only"),
    ("600 mAU/mL", True, 1, "PIMET-int", "metastasis, PIVKA-II at (not above) 600"),
    ("12000 mAU/mL", True, 2, "PIMET-high", "metastasis and PIVKA-II 12000 > 600"),
]


@pytest.mark.parametrize("pivka, metastasis, factors, group, why", PIMET_CASES)
def test_pimet_groups_from_abstract(pivka, metastasis, factors, group, why):
    r = pimet(pivka, extrahepatic_spread=metastasis)
    assert (r.value, r.category) == (factors, group), why
    assert r.score == "pimet"
    assert r.components["metastasis"] is metastasis
    assert r.inputs["pivka"] == float(pivka.split()[0])
    assert "10.3389/fimmu.2023.1141199" in r.source


@pytest.mark.parametrize("flag", ["yes", "present", 1, "true"])
def test_pimet_accepts_flag_spellings(flag):
    assert pimet("700 mAU/mL", flag).category == "PIMET-high"


@pytest.mark.parametrize(
    "pivka, flag, field",
    [("700", False, "pivka"), ("700 ng/mL", False, "pivka"), ("-5 mAU/mL", False, "pivka"),
     ("700 mAU/mL", "maybe", "extrahepatic_spread")],
)
def test_pimet_bad_input_names_the_field(pivka, flag, field):
    with pytest.raises(InputError) as err:
        pimet(pivka, flag)
    assert err.value.field == field


def test_pimet_kernel_matches_naive_reference():
    rng = np.random.default_rng(147)
    pivka = np.concatenate([rng.uniform(0, 2000, 500), [600.0, 599.999, 600.001]])
    met = rng.integers(0, 2, pivka.size).astype(bool)
    naive = [int(p > 600) + int(m) for p, m in zip(pivka.tolist(), met.tolist())]
    assert pimet_kernel(pivka, met).tolist() == naive


# -------------------------------------------------------------------------------------------------- LEP
# Rapposelli 2021, abstract: low = PNI > 43.3 and previous TACE; medium = PNI > 43.3 without previous TACE,
# or PNI < 43.3 with ALBI grade 1 and BCLC-B; high = PNI < 43.3 with ALBI grade 2, or PNI < 43.3 with ALBI
# grade 1 and BCLC-C.
# PNI (Onodera) = 10 x albumin [g/dL] + 0.005 x lymphocytes [/mm3].
# ALBI (Johnson 2015) = 0.66 x log10(bilirubin [umol/L]) - 0.085 x albumin [g/L];
#   grade 1 <= -2.60 < grade 2 <= -1.39 < grade 3.  Bilirubin 1 mg/dL = 17.104 umol/L.

LEP_CASES = [
    # PNI = 10 x 4.0 + 0.005 x 1500 = 47.5 > 43.3, previous TACE -> low
    ("0.7 mg/dL", "4.0 g/dL", "1500 /uL", True, "C", "low", 47.5, None),
    # same without previous TACE -> medium (ALBI and BCLC are not used on this branch)
    ("0.7 mg/dL", "4.0 g/dL", "1500 /uL", False, "C", "medium", 47.5, None),
    # PNI = 10 x 3.5 + 0.005 x 1661 = 35 + 8.305 = 43.305 > 43.3, previous TACE -> low
    ("1.0 mg/dL", "3.5 g/dL", "1661 /uL", True, "C", "low", 43.305, None),
    # PNI = 35 + 0.005 x 1660 = 43.3 exactly: not '> 43.3', so the PNI <= 43.3 branch (documented reading);
    # ALBI = 0.66 x log10(17.104) - 0.085 x 35 = 0.66 x 1.233098 - 2.975 = -2.161155 -> grade 2 -> high
    ("1.0 mg/dL", "3.5 g/dL", "1660 /uL", True, "C", "high", 43.3, 2),
    # PNI = 42 + 0.005 x 200 = 43.0; ALBI = 0.66 x log10(8.552) - 0.085 x 42 = 0.66 x 0.932068 - 3.57
    #     = -2.954835 -> grade 1; BCLC-B -> medium
    ("0.5 mg/dL", "4.2 g/dL", "200 /uL", False, "B", "medium", 43.0, 1),
    # same with BCLC-C -> high
    ("0.5 mg/dL", "4.2 g/dL", "200 /uL", False, "C", "high", 43.0, 1),
    # ALBI grade 1/2 boundary at -2.60 with albumin 40 g/L, lymphocytes 0.6 (PNI = 40 + 3 = 43.0):
    # bilirubin 16.2 umol/L: 0.66 x 1.209515 - 3.4 = -2.601720 <= -2.60 -> grade 1; BCLC-B -> medium
    ("16.2 umol/L", "40 g/L", "0.6 10*9/L", True, "B", "medium", 43.0, 1),
    # bilirubin 16.4 umol/L: 0.66 x 1.214844 - 3.4 = -2.598203 > -2.60 -> grade 2 -> high
    ("16.4 umol/L", "40 g/L", "0.6 10*9/L", True, "B", "high", 43.0, 2),
    # ALBI grade 2/3 boundary at -1.39 with albumin 30 g/L, lymphocytes 1.0 (PNI = 30 + 5 = 35.0):
    # bilirubin 57.0 umol/L: 0.66 x 1.755875 - 2.55 = -1.391123 <= -1.39 -> grade 2 -> high
    ("57.0 umol/L", "30 g/L", "1.0 10*9/L", False, "B", "high", 35.0, 2),
]


@pytest.mark.parametrize("bil, alb, lym, tace, stage, group, pni_expected, grade", LEP_CASES)
def test_lep_groups_from_abstract(bil, alb, lym, tace, stage, group, pni_expected, grade):
    r = lep(bil, alb, lym, prior_tace=tace, bclc_stage=stage)
    assert r.category == group
    assert r.value is None
    assert r.components["pni"] == pytest.approx(pni_expected, abs=1e-9)
    if grade is not None:
        assert r.components["albi_grade"] == grade
    assert "10.1016/j.esmoop.2021.100190" in r.source


def test_lep_albi_value_matches_hand_arithmetic():
    # 0.66 x log10(17.104) - 0.085 x 35 = 0.66 x 1.2330977 - 2.975 = -2.1611555
    r = lep("1.0 mg/dL", "3.5 g/dL", "1660 /uL", True, "C")
    assert r.components["albi"] == pytest.approx(-2.1611555, abs=1e-6)
    assert r.inputs["bilirubin"] == pytest.approx(17.104, abs=1e-12)


def test_lep_undefined_branches_raise_naming_the_field():
    # ALBI grade 3: bilirubin 57.5 umol/L, albumin 30 g/L: 0.66 x 1.759668 - 2.55 = -1.388619 > -1.39;
    # PNI = 30 + 5 = 35 <= 43.3. The abstract names ALBI grades 1 and 2 only on this branch.
    with pytest.raises(InputError, match="ALBI grade 3"):
        lep("57.5 umol/L", "30 g/L", "1.0 10*9/L", False, "C")
    # PNI 43.0, ALBI grade 1 (see LEP_CASES), BCLC-A: the abstract defines B and C only.
    with pytest.raises(InputError) as err:
        lep("0.5 mg/dL", "4.2 g/dL", "200 /uL", False, "A")
    assert err.value.field == "bclc_stage"


def test_lep_high_pni_ignores_albi_and_bclc():
    # PNI = 45 + 0.005 x 2000 = 55 > 43.3: the tree stops at previous TACE, whatever the stage.
    assert {lep("3 mg/dL", "4.5 g/dL", "2000 /uL", False, s).category for s in BCLC_STAGES} == {"medium"}


@pytest.mark.parametrize(
    "kwargs, field",
    [({"bilirubin": "0 umol/L"}, "bilirubin"), ({"albumin": "3.5"}, "albumin"),
     ({"lymphocytes": "1.5 furlongs"}, "lymphocytes"), ({"prior_tace": "perhaps"}, "prior_tace"),
     ({"bclc_stage": "E"}, "bclc_stage"), ({"bclc_stage": True}, "bclc_stage")],
)
def test_lep_bad_input_names_the_field(kwargs, field):
    args = {"bilirubin": "1 mg/dL", "albumin": "4 g/dL", "lymphocytes": "1.5 10*9/L", "prior_tace": False,
            "bclc_stage": "C"} | kwargs
    with pytest.raises(InputError) as err:
        lep(**args)
    assert err.value.field == field


def test_lep_accepts_stage_case_and_number():
    args = ("0.5 mg/dL", "4.5 g/dL", "2000 /uL", False)
    assert lep(*args, "c").inputs["bclc_stage"] == "C"
    assert lep(*args, 0).inputs["bclc_stage"] == "0"


def _lep_naive(bil, alb, lym, tace, stage):
    """The abstract's tree, one patient at a time (the slow, obviously correct reference)."""
    pni = 10 * (alb / 10) + 0.005 * (lym * 1000)
    albi = 0.66 * math.log10(bil) - 0.085 * alb
    grade = 1 if albi <= -2.60 else 2 if albi <= -1.39 else 3
    if pni > 43.3 and abs(pni - 43.3) > 1e-9 * 43.3:  # 1e-9 relative: unit-conversion noise is the cut-off
        return 0 if tace else 1
    if grade == 2:
        return 2
    if grade == 1 and stage == "B":
        return 1
    if grade == 1 and stage == "C":
        return 2
    return -1


def test_lep_kernel_matches_naive_reference():
    rng = np.random.default_rng(154)
    n = 2000
    bil = rng.uniform(3, 80, n)
    alb = rng.uniform(20, 50, n)
    lym = rng.uniform(0.1, 3, n)
    tace = rng.integers(0, 2, n).astype(bool)
    stage = rng.integers(0, 5, n)
    out = lep_kernel(bil, alb, lym, tace, stage)
    naive = [_lep_naive(*row, BCLC_STAGES[s]) for *row, s in
             zip(bil.tolist(), alb.tolist(), lym.tolist(), tace.tolist(), stage.tolist())]
    assert out["group"].tolist() == naive
    assert {-1, 0, 1, 2} <= set(naive)  # the grid reaches every branch


# ------------------------------------------------------------------------------------- through the registry


def test_available_models_run_through_the_registry_and_serialise():
    calls = {
        "pimet": {"pivka": "850 mAU/mL", "extrahepatic_spread": "yes"},
        "lep": {"bilirubin": "0.7 mg/dL", "albumin": "4.0 g/dL", "lymphocytes": "1.5 10*9/L",
                "prior_tace": "no", "bclc_stage": "C"},
    }
    for name, kwargs in calls.items():
        spec = get_score(name)
        assert spec.status == "available" and set(spec.inputs) == set(kwargs)
        result = spec.function(**kwargs)
        assert isinstance(result, ScoreResult) and result.score == name
        doc = json.loads(json.dumps(result.to_dict()))
        assert doc["source"] == spec.source


@settings(max_examples=200, deadline=None)
@given(
    pivka=st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=12)),
    bil=st.floats(-10, 2000), alb=st.floats(-5, 100), lym=st.floats(-1, 500),
    tace=st.one_of(st.booleans(), st.text(max_size=5)),
    stage=st.one_of(st.sampled_from(BCLC_STAGES), st.text(max_size=3)),
)
def test_random_input_gives_a_finite_result_or_input_error(pivka, bil, alb, lym, tace, stage):
    for call in (
        lambda: pimet(f"{pivka} mAU/mL" if isinstance(pivka, float) else pivka, tace),
        lambda: lep(f"{bil} umol/L", f"{alb} g/L", f"{lym} 10*9/L", tace, stage),
    ):
        try:
            result = call()
        except InputError as err:
            assert err.field
            continue
        numbers = [v for v in (result.value, *result.components.values(), *result.inputs.values())
                   if isinstance(v, float)]
        assert all(math.isfinite(v) for v in numbers)
        assert result.category is not None


# ------------------------------------------------------------------------ unavailable and imaging models

UNAVAILABLE = {"mpml": (158, 33), "agh": (152, 37), "rcosc": (159, 43), "tae": (123, None)}
IMAGING = {
    "tlr": (145, 23), "ceus-tic": (141, 27), "ceus-blood-flow": (142, 32), "ct-attenuation-reduction": (143, 41),
    "ctav": (144, 44), "radiomics-ml": (146, 40), "body-composition": (139, 38), "fapi-pet": (140, None),
    "smv-loss": (134, 3), "tumour-stain-reduction": (172, 22),
}


@pytest.mark.parametrize("name, ref_row", sorted(UNAVAILABLE.items()))
def test_unavailable_models_record_reason_and_search(name, ref_row):
    spec = get_score(name)
    assert spec.status == "unavailable" and spec.function is None
    assert (spec.review_refs, spec.table3_row) == ((ref_row[0],), ref_row[1])
    assert len(spec.reason) > 40 and "guess" in spec.reason
    assert spec.searched and "pages" in spec.searched


@pytest.mark.parametrize("name, ref_row", sorted(IMAGING.items()))
def test_imaging_models_are_registered_as_requiring_imaging(name, ref_row):
    spec = get_score(name)
    assert spec.status == "requires-imaging" and spec.function is None and spec.family == "imaging"
    assert (spec.review_refs, spec.table3_row) == ((ref_row[0],), ref_row[1])
    assert spec.reason


def test_cirrhotic_pdx_is_a_laboratory_model():
    spec = get_score("cirrhotic-pdx")
    assert spec.status == "unavailable" and spec.review_refs == (173,) and spec.table3_row == 24
    assert "laboratory model" in spec.reason


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", re.sub(r"\((\d+)\)", r"\1", text.lower())).strip()


def test_every_registered_citation_names_its_review_reference():
    """The source of each model of these modules carries the title of the review reference it cites."""
    titles = {r.number: _norm(r.title) for r in load_references() if r.title}
    mine = {lenvatinib_models.__name__, imaging_models.__name__}
    specs = [s for s in list_scores() if s.name in set(UNAVAILABLE) | set(IMAGING) | {"pimet", "lep", "cirrhotic-pdx"}]
    assert len(specs) == len(UNAVAILABLE) + len(IMAGING) + 3
    for spec in specs:
        assert spec.function is None or spec.function.__module__ in mine
        (ref,) = spec.review_refs
        assert titles[ref][:60] in _norm(spec.source), spec.name


# -------------------------------------------------------------------------------------- Table 3 coverage


def test_every_model_grading_row_of_table3_is_covered():
    rows = [b for b in load_biomarkers() if b.section == "model-grading"]
    assert [b.row for b in rows] == list(range(23, 45))
    for b in rows:
        name = TABLE3_SCORES[b.row]
        if name in STANDARD_SCORES:
            continue  # implemented by the standard-score modules (liver, inflammation, nutrition, geriatric)
        spec = get_score(name)
        assert spec.table3_row == b.row or name == "pni"
        assert set(spec.review_refs) <= set(b.refs), (b.row, name)


def test_imaging_rows_of_table3_map_to_requires_imaging():
    for b in load_biomarkers():
        if b.requires_imaging:
            assert get_score(TABLE3_SCORES[b.row]).status == "requires-imaging", b.row


def test_registered_rows_agree_with_the_mapping():
    for spec in list_scores():
        if spec.family in ("lenvatinib", "imaging") and spec.table3_row is not None:
            assert TABLE3_SCORES[spec.table3_row] == spec.name
        elif spec.name in STANDARD_SCORES and spec.table3_row is not None:  # registered by another module
            assert TABLE3_SCORES[spec.table3_row] == spec.name


def test_standard_scores_cover_the_rows_the_brief_assigns():
    expected = {25: "malbi", 26: "pni", 28: "albi", 29: "mg8", 30: "gnri", 34: "conut", 35: "albs", 36: "gps",
                39: "pni", 5: "nlr", 8: "car", 12: "plr"}
    assert {row: TABLE3_SCORES[row] for row in expected} == expected
    assert STANDARD_SCORES == set(expected.values())


def test_table3_coverage_lists_every_row_with_its_status():
    cov = {c.row: c for c in table3_coverage()}
    assert set(cov) == set(TABLE3_SCORES)
    assert cov[31].status == "available" and cov[42].status == "available"
    assert cov[33].status == "unavailable" and cov[23].status == "requires-imaging"
    assert all(c.status is not None for c in cov.values() if c.score not in STANDARD_SCORES)
    assert cov[31].to_dict() == {"row": 31, "score": "pimet", "status": "available"}


def test_module_all_lists_defined_names():
    for module in (lenvatinib_models, imaging_models):
        assert all(hasattr(module, name) for name in module.__all__)
