"""Liver-function scores: worked examples with every cut-off boundary, each with its source.

Sources: Child–Pugh bands from Pugh et al. 1973 (Br J Surg 60:646, Table 1; INR as <1.7 | 1.7–2.3 | >2.3);
ALBI formula and grade cut-offs from Johnson et al. 2015 (J Clin Oncol 33:550); mALBI 2a/2b cut-off −2.27
from Hiraoka et al. 2017 (Liver Cancer 6:325); EZ-ALBI formula and cut-offs from Kariyama et al. 2020
(Liver Cancer 9:734). Expected values are hand arithmetic written in the comments, never the code under test.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from lenvici.clinical.scores import get_score
from lenvici.clinical.scores._evaluate import evaluate_score
from lenvici.clinical.scores.liver import (
    albi,
    albi_grade_from_value,
    albi_linear,
    child_pugh,
    child_pugh_points,
    ez_albi,
    malbi,
)
from lenvici.errors import InputError
from tests.tolerances import SCORE_VALUE

# ------------------------------------------------------------------------------------------ Child–Pugh

BEST = {"albumin": "4.0 g/dL", "inr": "1.0", "ascites": "none", "encephalopathy": "none"}


@pytest.mark.parametrize("bilirubin, points, why", [
    ("1.0 mg/dL", 1, "Pugh: 1–2 mg/dL scores 1"),
    ("1.99 mg/dL", 1, "below 2 mg/dL"),
    ("2 mg/dL", 2, "boundary 2 mg/dL is in the printed 2–3 band"),
    ("34.2 umol/L", 2, "SI spelling of the 2 mg/dL boundary"),
    ("34.1 umol/L", 1, "below the SI boundary"),
    ("3 mg/dL", 2, "boundary 3 mg/dL is in the 2–3 band (3 points only for > 3)"),
    ("51.3 umol/L", 2, "SI spelling of the 3 mg/dL boundary"),
    ("3.01 mg/dL", 3, "> 3 mg/dL"),
    ("51.4 umol/L", 3, "> 51.312 µmol/L (3 × 17.104)"),
])
def test_child_pugh_bilirubin_bands(bilirubin, points, why):
    r = child_pugh(bilirubin, **BEST)
    assert r.components["bilirubin_points"] == points, why


@pytest.mark.parametrize("bilirubin, points", [
    # Pugh 1973 for primary biliary cirrhosis: 1–4 | 4–10 | > 10 mg/dL. SI spellings with 17.1 µmol/L per
    # mg/dL: 4 mg/dL = 68.4, 10 mg/dL = 171; 68 µmol/L (a rounded table value) is 68/17.104 = 3.976 mg/dL < 4.
    ("3.99 mg/dL", 1), ("4 mg/dL", 2), ("68.4 umol/L", 2), ("68 umol/L", 1), ("10 mg/dL", 2),
    ("170 umol/L", 2), ("171 umol/L", 2), ("10.01 mg/dL", 3), ("171.1 umol/L", 3), ("2.5 mg/dL", 1),
])
def test_child_pugh_cholestatic_bands(bilirubin, points):
    r = child_pugh(bilirubin, **BEST, cholestatic=True)
    assert r.components["bilirubin_points"] == points
    assert r.inputs["cholestatic"] is True


@pytest.mark.parametrize("albumin, points", [
    # Pugh 1973: > 3.5 | 2.8–3.5 | < 2.8 g/dL
    ("3.51 g/dL", 1), ("3.5 g/dL", 2), ("35 g/L", 2), ("2.8 g/dL", 2), ("28 g/L", 2),
    ("2.79 g/dL", 3), ("27.9 g/L", 3),
])
def test_child_pugh_albumin_bands(albumin, points):
    r = child_pugh("1 mg/dL", albumin, "1.0", "none", "none")
    assert r.components["albumin_points"] == points


@pytest.mark.parametrize("inr, points", [("1.69", 1), ("1.7", 2), ("2.3", 2), ("2.31", 3), (1.0, 1)])
def test_child_pugh_inr_bands(inr, points):
    r = child_pugh("1 mg/dL", "4 g/dL", inr, "none", "none")
    assert r.components["inr_points"] == points


@pytest.mark.parametrize("args, total, cls", [
    # all five items at 1 point: 5 → class A
    (("1.0 mg/dL", "4.0 g/dL", "1.0", "none", "none"), 5, "A"),
    # bilirubin 2.5 (2) + albumin 3.0 (2) + INR 1.5 (1) + slight ascites (2) + no HE (1) = 8 → B
    (("2.5 mg/dL", "3.0 g/dL", "1.5", "slight", "none"), 8, "B"),
    # 1 + 1 + 1 + 2 + 1 = 6 → A (upper end of A)
    (("1.0 mg/dL", "4.0 g/dL", "1.0", "slight", "none"), 6, "A"),
    # 1 + 2 + 1 + 2 + 1 = 7 → B (lower end of B)
    (("1.0 mg/dL", "3.5 g/dL", "1.0", "slight", "none"), 7, "B"),
    # 2 + 2 + 2 + 2 + 1 = 9 → B (upper end of B)
    (("2 mg/dL", "3.5 g/dL", "1.7", "slight", "none"), 9, "B"),
    # 2 + 2 + 2 + 2 + 2 = 10 → C (lower end of C)
    (("3 mg/dL", "2.8 g/dL", "2.3", "slight", "grade1-2"), 10, "C"),
    # every item at 3 points: 15 → C
    (("5 mg/dL", "2.0 g/dL", "3.0", "moderate", "grade3-4"), 15, "C"),
])
def test_child_pugh_totals_and_class_boundaries(args, total, cls):
    r = child_pugh(*args)
    assert r.value == total and r.category == cls
    assert sum(r.components.values()) == total


def test_no_boundary_value_scores_zero_points():
    # The known calculator bug: "< 2" and "> 2" with nothing for exactly 2. Every boundary scores 1–3.
    for bili in ("2 mg/dL", "3 mg/dL", "34.2 umol/L", "51.3 umol/L"):
        for alb in ("3.5 g/dL", "2.8 g/dL"):
            for inr in ("1.7", "2.3"):
                parts = child_pugh(bili, alb, inr, "none", "none").components
                assert all(1 <= p <= 3 for p in parts.values())


def test_child_pugh_rejects_unknown_choices_naming_the_field():
    with pytest.raises(InputError) as info:
        child_pugh("1 mg/dL", "4 g/dL", "1.0", "mild", "none")
    assert info.value.field == "ascites" and "none, slight, moderate" in str(info.value)
    with pytest.raises(InputError) as info:
        child_pugh("1 mg/dL", "4 g/dL", "1.0", "none", "grade2")
    assert info.value.field == "encephalopathy"
    with pytest.raises(InputError) as info:
        child_pugh("1 mg/dL", "4 g/dL", "1.0", "none", "none", cholestatic="maybe")
    assert info.value.field == "cholestatic"


def test_child_pugh_kernel_is_vectorised():
    pts = child_pugh_points(np.array([17.104, 34.208, 60.0]), np.array([40.0, 35.0, 25.0]),
                            np.array([1.0, 1.7, 2.5]), np.array([1, 2, 3]), np.array([1, 1, 3]))
    # rows: 1+1+1+1+1 = 5; 2+2+2+2+1 = 9; 3+3+3+3+3 = 15
    assert pts.tolist() == [5, 9, 15]


# ------------------------------------------------------------------------------------------------ ALBI


@pytest.mark.parametrize("bilirubin, albumin, expected, grade", [
    # 0.66·log10(10) − 0.085·40 = 0.66 − 3.40 = −2.74 → grade 1
    ("10 umol/L", "40 g/L", -2.74, "1"),
    # 0.66·log10(10) − 0.085·35 = 0.66 − 2.975 = −2.315 → grade 2
    ("10 umol/L", "3.5 g/dL", -2.315, "2"),
    # 0.66·log10(100) − 0.085·30 = 1.32 − 2.55 = −1.23 → grade 3
    ("100 umol/L", "30 g/L", -1.23, "3"),
    # 1 mg/dL = 17.104 µmol/L: 0.66·log10(17.104) − 0.085·40 = 0.66·1.233097 − 3.4 = −2.586156 → grade 2
    ("1 mg/dL", "4 g/dL", -2.5861555, "2"),
])
def test_albi_worked_examples(bilirubin, albumin, expected, grade):
    r = albi(bilirubin, albumin)
    assert r.value == pytest.approx(expected, abs=1e-7)
    assert r.category == grade
    assert r.components["bilirubin_term"] + r.components["albumin_term"] == pytest.approx(r.value, abs=SCORE_VALUE)


@pytest.mark.parametrize("cut, at, above", [(-2.60, "1", "2"), (-1.39, "2", "3")])
def test_albi_grade_boundaries(cut, at, above):
    # With bilirubin 10 µmol/L the bilirubin term is 0.66, so albumin = (0.66 − cut)/0.085 puts ALBI on the
    # cut-off; Johnson 2015: grade 1 ≤ −2.60 < grade 2 ≤ −1.39 < grade 3 (a cut-off takes the lower grade).
    albumin_at = (0.66 - cut) / 0.085
    assert albi("10 umol/L", f"{albumin_at!r} g/L").category == at
    # 0.01 g/L less albumin raises ALBI by 0.00085, just past the cut-off
    assert albi("10 umol/L", f"{albumin_at - 0.01!r} g/L").category == above


def test_albi_needs_positive_bilirubin():
    with pytest.raises(InputError) as info:
        albi("0 umol/L", "40 g/L")
    assert info.value.field == "bilirubin" and "log10" in str(info.value)


def test_albi_kernel_matches_the_scalar_function():
    rng = np.random.default_rng(4)
    b = rng.uniform(2, 600, 200)
    a = rng.uniform(15, 55, 200)
    fast = albi_linear(b, a)
    slow = [albi(f"{float(x)!r} umol/L", f"{float(y)!r} g/L").value for x, y in zip(b, a)]
    assert np.allclose(fast, slow, rtol=0, atol=SCORE_VALUE)
    assert albi_grade_from_value(np.array([np.nan])).tolist() == [None]


# ----------------------------------------------------------------------------------------------- mALBI


@pytest.mark.parametrize("bilirubin, albumin, grade", [
    # −2.74 (see ALBI) → 1
    ("10 umol/L", "40 g/L", "1"),
    # 0.66 − 0.085·35 = −2.315: > −2.60 and ≤ −2.27 → 2a
    ("10 umol/L", "35 g/L", "2a"),
    # 0.66 − 0.085·30 = −1.89: > −2.27 and ≤ −1.39 → 2b
    ("10 umol/L", "30 g/L", "2b"),
    # −1.23 → 3
    ("100 umol/L", "30 g/L", "3"),
])
def test_malbi_worked_examples(bilirubin, albumin, grade):
    assert malbi(bilirubin, albumin).category == grade


@pytest.mark.parametrize("cut, at, above", [(-2.60, "1", "2a"), (-2.27, "2a", "2b"), (-1.39, "2b", "3")])
def test_malbi_grade_boundaries(cut, at, above):
    # Hiraoka 2017: 1 ≤ −2.60 < 2a ≤ −2.27 < 2b ≤ −1.39 < 3; albumin chosen as in the ALBI boundary test
    albumin_at = (0.66 - cut) / 0.085
    assert malbi("10 umol/L", f"{albumin_at!r} g/L").category == at
    assert malbi("10 umol/L", f"{albumin_at - 0.01!r} g/L").category == above


# --------------------------------------------------------------------------------------------- EZ-ALBI


@pytest.mark.parametrize("bilirubin, albumin, expected, grade", [
    # 1.0 − 9·4.0 = −35.0 → grade 1 (≤ −34.4)
    ("1.0 mg/dL", "4.0 g/dL", -35.0, "1"),
    # 1.6 − 9·4.0 = −34.4, on the cut-off → grade 1
    ("1.6 mg/dL", "4.0 g/dL", -34.4, "1"),
    # 1.7 − 36 = −34.3 → grade 2
    ("1.7 mg/dL", "4.0 g/dL", -34.3, "2"),
    # 1.0 − 9·3.0 = −26.0 → grade 2
    ("1.0 mg/dL", "3.0 g/dL", -26.0, "2"),
    # 0.3 − 9·2.5 = −22.2, on the cut-off → grade 2
    ("0.3 mg/dL", "2.5 g/dL", -22.2, "2"),
    # 0.4 − 22.5 = −22.1 → grade 3
    ("0.4 mg/dL", "2.5 g/dL", -22.1, "3"),
    # 2.0 − 9·2.5 = −20.5 → grade 3; same patient in SI units: 34.208 µmol/L, 25 g/L
    ("34.208 umol/L", "25 g/L", -20.5, "3"),
])
def test_ez_albi_worked_examples_and_boundaries(bilirubin, albumin, expected, grade):
    r = ez_albi(bilirubin, albumin)
    assert r.value == pytest.approx(expected, abs=SCORE_VALUE)
    assert r.category == grade


def test_ez_albi_allows_zero_bilirubin():
    # no logarithm in EZ-ALBI: 0 − 9·4.0 = −36
    assert ez_albi("0 mg/dL", "4 g/dL").value == pytest.approx(-36.0)


# ------------------------------------------------------------------------------------------------ ALBS


def test_albs_is_registered_unavailable_with_reason_and_search():
    spec = get_score("albs")
    assert spec.status == "unavailable" and spec.function is None
    assert spec.reason and spec.searched and spec.table3_row == 35 and spec.review_refs == (150,)
    with pytest.raises(InputError, match="unavailable"):
        evaluate_score("albs", {"albumin": "3.5 g/dL"})


def test_sources_are_full_citations():
    for name in ("child-pugh", "albi", "malbi", "ez-albi"):
        src = get_score(name).source
        assert re.search(r"\b(19|20)\d\d\b", src) and len(src) > 60

