"""Nutrition and body-composition scores: worked examples with every cut-off boundary, each with its source.

Sources: CONUT point table and degrees from Ignacio de Ulíbarri et al. 2005 (Nutr Hosp 20:38, Table I);
PNI = 10 × albumin (g/dL) + 0.005 × lymphocytes (/mm³) from Onodera et al. 1984 (Nihon Geka Gakkai Zasshi
85:1001); GNRI formula, Lorentz ideal weight, the weight-ratio cap at 1 and the risk bands from Bouillanne et
al. 2005 (Am J Clin Nutr 82:777); SMI and the JSH cut-offs (CT SMI 42/38 cm²/m², grip 26/18 kg, BIA 7.0/5.7
kg/m²) from Nishikawa et al. 2016 (Hepatol Res 46:951); the 2021 grip cut-off 28 kg for men is AWGS 2019
(Chen et al., J Am Med Dir Assoc 2020;21:300). Expected values are hand arithmetic in the comments.
"""

from __future__ import annotations

import numpy as np
import pytest

from lenvici.clinical.scores.nutrition import (
    conut,
    gnri,
    gnri_category_from_value,
    gnri_linear,
    ideal_weight_lorentz,
    pni,
    sarcopenia_jsh,
    smi,
)
from lenvici.errors import InputError
from tests.tolerances import SCORE_VALUE

# ----------------------------------------------------------------------------------------------- CONUT

NORMAL = {"albumin": "3.5 g/dL", "lymphocytes": "1600 /uL", "cholesterol": "180 mg/dL"}


@pytest.mark.parametrize("albumin, points", [
    ("3.5 g/dL", 0), ("3.49 g/dL", 2), ("30 g/L", 2), ("2.99 g/dL", 4), ("2.5 g/dL", 4), ("2.49 g/dL", 6),
])
def test_conut_albumin_bands(albumin, points):
    assert conut(albumin, "1600 /uL", "180 mg/dL").components["albumin_points"] == points


@pytest.mark.parametrize("lymphocytes, points", [
    ("1600 /uL", 0), ("1599 /uL", 1), ("1.2 10*9/L", 1), ("1199 /mm3", 2), ("800 /uL", 2), ("799 /uL", 3),
])
def test_conut_lymphocyte_bands(lymphocytes, points):
    assert conut("3.5 g/dL", lymphocytes, "180 mg/dL").components["lymphocyte_points"] == points


@pytest.mark.parametrize("cholesterol, points", [
    ("180 mg/dL", 0), ("179 mg/dL", 1), ("140 mg/dL", 1), ("139 mg/dL", 2), ("100 mg/dL", 2), ("99 mg/dL", 3),
    ("4.66 mmol/L", 0),   # 4.66 × 38.67 = 180.20 mg/dL
    ("4.65 mmol/L", 1),   # 4.65 × 38.67 = 179.82 mg/dL
])
def test_conut_cholesterol_bands(cholesterol, points):
    assert conut("3.5 g/dL", "1600 /uL", cholesterol).components["cholesterol_points"] == points


@pytest.mark.parametrize("args, total, degree", [
    (("3.5 g/dL", "1600 /uL", "180 mg/dL"), 0, "normal"),     # 0 + 0 + 0
    (("3.5 g/dL", "1500 /uL", "180 mg/dL"), 1, "normal"),     # 0 + 1 + 0: top of normal (0–1)
    (("3.4 g/dL", "1600 /uL", "180 mg/dL"), 2, "light"),      # 2 + 0 + 0: bottom of light (2–4)
    (("3.4 g/dL", "1500 /uL", "150 mg/dL"), 4, "light"),      # 2 + 1 + 1: top of light
    (("3.4 g/dL", "1100 /uL", "150 mg/dL"), 5, "moderate"),   # 2 + 2 + 1: bottom of moderate (5–8)
    (("2.6 g/dL", "1100 /uL", "120 mg/dL"), 8, "moderate"),   # 4 + 2 + 2: top of moderate
    (("2.4 g/dL", "1100 /uL", "150 mg/dL"), 9, "severe"),     # 6 + 2 + 1: bottom of severe (9–12)
    (("2.4 g/dL", "700 /uL", "90 mg/dL"), 12, "severe"),      # 6 + 3 + 3: maximum
])
def test_conut_totals_and_degrees(args, total, degree):
    r = conut(*args)
    assert r.value == total and r.category == degree


# ------------------------------------------------------------------------------------------------- PNI


@pytest.mark.parametrize("albumin, lymphocytes, expected", [
    ("4.0 g/dL", "1500 /mm3", 47.5),     # 10·4.0 + 0.005·1500 = 40 + 7.5
    ("3.5 g/dL", "1000 /uL", 40.0),      # 35 + 5
    ("30 g/L", "2.0 10*9/L", 40.0),      # 10·3.0 + 0.005·2000 = 30 + 10
    ("4.2 g/dL", "800 /uL", 46.0),       # 42 + 4
])
def test_pni(albumin, lymphocytes, expected):
    r = pni(albumin, lymphocytes)
    assert r.value == pytest.approx(expected, abs=SCORE_VALUE) and r.category is None


# ------------------------------------------------------------------------------------------------ GNRI


@pytest.mark.parametrize("args, kwargs, expected, band", [
    # man 170 cm: Lorentz 170 − 100 − 20/4 = 65 kg; 70/65 > 1 → capped at 1; 1.489·40 + 41.7 = 59.56 + 41.7
    (("4.0 g/dL", "70 kg", "170 cm", "male"), {}, 101.26, "no-risk"),
    # woman 160 cm: Lorentz 160 − 100 − 10/2.5 = 56 kg; 50.4/56 = 0.9; 1.489·35 + 41.7·0.9 = 52.115 + 37.53
    (("3.5 g/dL", "50.4 kg", "160 cm", "female"), {}, 89.645, "moderate-risk"),
    # 22 × 1.6² = 56.32 kg; 45.056/56.32 = 0.8; 1.489·30 + 41.7·0.8 = 44.67 + 33.36
    (("30 g/L", "45.056 kg", "160 cm"), {"ideal_weight": "bmi22"}, 78.03, "major-risk"),
    # man 180 cm: Lorentz 180 − 100 − 30/4 = 72.5 kg; 60/72.5 = 0.8275862; 1.489·38 + 41.7·0.8275862
    #   = 56.582 + 34.5103448 = 91.0923448
    (("38 g/L", "60 kg", "1.80 m", "male"), {}, 91.0923448, "moderate-risk"),
    # woman 155 cm: Lorentz 155 − 100 − 5/2.5 = 53 kg; 47/53 = 0.8867925; 1.489·42 + 41.7·0.8867925
    #   = 62.538 + 36.9792453 = 99.5172453
    (("4.2 g/dL", "47 kg", "155 cm", "female"), {}, 99.5172453, "no-risk"),
])
def test_gnri_worked_examples(args, kwargs, expected, band):
    r = gnri(*args, **kwargs)
    assert r.value == pytest.approx(expected, abs=1e-6) and r.category == band


@pytest.mark.parametrize("value, band", [
    # Bouillanne 2005: < 82 major; 82 to < 92 moderate; 92 to ≤ 98 low; > 98 none
    (81.99, "major-risk"), (82.0, "moderate-risk"), (91.99, "moderate-risk"), (92.0, "low-risk"),
    (98.0, "low-risk"), (98.01, "no-risk"),
])
def test_gnri_band_boundaries(value, band):
    assert gnri_category_from_value(value).item() == band


def test_gnri_boundary_through_the_public_function():
    # GNRI = 98 exactly: weight above ideal (ratio 1), albumin = (98 − 41.7)/1.489 g/L → low risk, not "no risk"
    albumin = (98 - 41.7) / 1.489
    assert gnri(f"{albumin!r} g/L", "80 kg", "170 cm", "male").category == "low-risk"


def test_gnri_lorentz_needs_sex_and_bmi22_does_not():
    with pytest.raises(InputError) as info:
        gnri("4 g/dL", "60 kg", "165 cm")
    assert info.value.field == "sex"
    assert gnri("4 g/dL", "60 kg", "165 cm", ideal_weight="bmi22").inputs["ideal_weight"] == "bmi22"
    with pytest.raises(InputError) as info:
        gnri("4 g/dL", "60 kg", "165 cm", "male", ideal_weight="broca")
    assert info.value.field == "ideal_weight"


def test_gnri_kernels():
    # Lorentz: man 170 → 65 kg, woman 160 → 56 kg
    assert ideal_weight_lorentz(np.array([170.0, 160.0]), np.array([True, False])).tolist() == [65.0, 56.0]
    assert gnri_linear(np.array([40.0]), np.array([70.0]), np.array([65.0])).tolist() == pytest.approx([101.26])


# -------------------------------------------------------------------------------------------- SMI / JSH


@pytest.mark.parametrize("area, height, sex, expected, category", [
    ("121 cm2", "170 cm", "male", 41.8685121, "low"),        # 121 / 1.7² = 121 / 2.89
    ("121.38 cm2", "170 cm", "male", 42.0, "normal"),        # 42 × 2.89 = 121.38: on the cut-off, not low
    ("12138 mm2", "1.70 m", "male", 42.0, "normal"),         # the same in mm² and m
    ("97.28 cm2", "160 cm", "female", 38.0, "normal"),       # 38 × 2.56 = 97.28
    ("97 cm2", "160 cm", "female", 37.890625, "low"),        # 97 / 2.56
    ("150 cm2", "175 cm", None, 48.9795918, None),           # 150 / 3.0625; no sex, no category
])
def test_smi(area, height, sex, expected, category):
    r = smi(area, height, sex)
    assert r.value == pytest.approx(expected, abs=1e-6) and r.category == category


@pytest.mark.parametrize("sex, grip, measure, criteria, category", [
    # man 170 cm, L3 area 110 cm² → SMI 110/2.89 = 38.06 < 42 (low mass)
    ("male", "25.9 kg", {"muscle_area": "110 cm2", "height": "170 cm"}, "jsh-2016", "sarcopenia"),
    ("male", "26 kg", {"muscle_area": "110 cm2", "height": "170 cm"}, "jsh-2016", "low-muscle-mass"),
    ("male", "27 kg", {"muscle_area": "110 cm2", "height": "170 cm"}, "jsh-2021", "sarcopenia"),  # < 28
    ("male", "28 kg", {"muscle_area": "110 cm2", "height": "170 cm"}, "jsh-2021", "low-muscle-mass"),
    # woman 160 cm, 100 cm² → 39.06 ≥ 38 (normal mass); grip < 18 is low in both editions
    ("female", "17.9 kg", {"muscle_area": "100 cm2", "height": "160 cm"}, "jsh-2016", "low-grip-strength"),
    ("female", "18 kg", {"muscle_area": "100 cm2", "height": "160 cm"}, "jsh-2021", "none"),
    # BIA: men < 7.0 kg/m² is low
    ("male", "30 kg", {"bia_smi": "6.9 kg/m2"}, "jsh-2016", "low-muscle-mass"),
    ("male", "30 kg", {"bia_smi": "7.0 kg/m2"}, "jsh-2016", "none"),
    ("female", "15 kg", {"bia_smi": "5.6 kg/m^2"}, "jsh-2016", "sarcopenia"),   # 5.6 < 5.7 and 15 < 18
])
def test_sarcopenia_jsh(sex, grip, measure, criteria, category):
    r = sarcopenia_jsh(sex, grip, **measure, criteria=criteria)
    assert r.category == category and r.value is None
    assert r.inputs["criteria"] == criteria


def test_sarcopenia_needs_exactly_one_muscle_measure():
    with pytest.raises(InputError):
        sarcopenia_jsh("male", "30 kg")
    with pytest.raises(InputError):
        sarcopenia_jsh("male", "30 kg", muscle_area="120 cm2", height="170 cm", bia_smi="7 kg/m2")
    with pytest.raises(InputError) as info:
        sarcopenia_jsh("male", "30 kg", muscle_area="120 cm2")
    assert info.value.field == "height"
    with pytest.raises(InputError) as info:
        sarcopenia_jsh("male", "30 kg", bia_smi="7 kg/m2", criteria="ewgsop2")
    assert info.value.field == "criteria"
