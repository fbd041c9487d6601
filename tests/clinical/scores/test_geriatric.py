"""G8 and the modified G8 of review ref 157: worked examples with every cut-off boundary, each with its source.

Sources: the G8 items and points from Bellera et al. 2012 (Ann Oncol 23:2166; the same table is reprinted in
BMC Cancer 2018;18:98, Table 2): food intake 0/1/2, weight loss 0/1/2/3, mobility 0/1/2, neuropsychological
0/1/2, BMI < 19 / 19–<21 / 21–<23 / ≥ 23 → 0–3, > 3 drugs 0/1, self-rated health 0/0.5/1/2, age > 85 / 80–85
/ < 80 → 0/1/2; total 0–17, ≤ 14 abnormal. mG8 from Sekiguchi et al. 2022 (Cancer Rep 5:e1613, abstract):
"mG8 score (excluding elements of age from 8 items) … ≥ 11 as the high-score group and ≤ 10 as the low".
Totals are hand sums in the comments.
"""

from __future__ import annotations

import numpy as np
import pytest

from lenvici.clinical.scores import get_score
from lenvici.clinical.scores.geriatric import g8, g8_age_points, g8_bmi_points, mg8
from lenvici.errors import InputError

BEST = dict(food_intake="normal", weight_loss="none", mobility="goes-out", neuropsychological="none",
            weight="70 kg", height="165 cm", polypharmacy=False, self_rated_health="better")
# BEST: 2 + 3 + 2 + 2 + BMI 70/1.65² = 25.7 → 3 + 1 + 2 = 15 points without age


@pytest.mark.parametrize("changes, total, category", [
    ({"age": "70 a"}, 17.0, "normal"),                                       # 15 + age < 80 (2)
    ({"age": "80 a"}, 16.0, "normal"),                                       # 15 + 1
    ({"age": "80 a", "self_rated_health": "as-good"}, 15.0, "normal"),       # 2+3+2+2+3+1+1 + 1 = 15 > 14
    ({"age": "80 a", "self_rated_health": "as-good", "polypharmacy": True}, 14.0, "abnormal"),  # at cut-off
    ({"age": "90 a", "self_rated_health": "unknown", "polypharmacy": "yes"}, 12.5, "abnormal"),
    # 2+3+2+2+3 + 0 + 0.5 + age > 85 (0) = 12.5
    ({"age": "90 a", "food_intake": "severe-decrease", "weight_loss": "over-3kg", "mobility": "bed-or-chair-bound",
      "neuropsychological": "severe", "weight": "45 kg", "height": "160 cm", "polypharmacy": True,
      "self_rated_health": "not-as-good"}, 0.0, "abnormal"),             # every item at 0 (BMI 17.6 → 0)
    ({"age": "82 y", "food_intake": "moderate-decrease", "weight_loss": "unknown",
      "mobility": "out-of-bed-not-out", "neuropsychological": "mild", "weight": "55 kg", "height": "160 cm",
      "self_rated_health": "as-good"}, 9.0, "abnormal"),
    # 1 + 1 + 1 + 1 + BMI 55/2.56 = 21.48 → 2 + no polypharmacy 1 + 1 + age 82 → 1 = 9
])
def test_g8_worked_examples(changes, total, category):
    r = g8(**{**BEST, **changes})
    assert r.value == total and r.category == category
    assert sum(v for k, v in r.components.items() if k.endswith("_points")) == total


@pytest.mark.parametrize("age, points", [("79.9 a", 2), ("80 a", 1), ("85 a", 1), ("85.5 a", 0), ("100 a", 0)])
def test_g8_age_boundaries(age, points):
    assert g8(**BEST, age=age).components["age_points"] == points


@pytest.mark.parametrize("weight, points", [
    # height 200 cm: BMI = weight / 4
    ("75.9 kg", 0),   # 18.975 < 19
    ("76 kg", 1),     # 19.0: "19 to less than 21" includes 19
    ("83.9 kg", 1),   # 20.975
    ("84 kg", 2),     # 21.0
    ("91.9 kg", 2),   # 22.975
    ("92 kg", 3),     # 23.0: "23 or greater"
])
def test_g8_bmi_boundaries(weight, points):
    r = g8(**{**BEST, "weight": weight, "height": "200 cm"}, age="70 a")
    assert r.components["bmi_points"] == points


def test_g8_kernels_are_vectorised():
    assert g8_bmi_points(np.array([18.9, 19.0, 21.0, 23.0])).tolist() == [0, 1, 2, 3]
    assert g8_age_points(np.array([79.0, 80.0, 85.0, 86.0])).tolist() == [2, 1, 1, 0]


@pytest.mark.parametrize("changes, total, category", [
    ({}, 15.0, "high"),                                                          # BEST: maximum 15
    ({"food_intake": "moderate-decrease", "polypharmacy": True, "self_rated_health": "not-as-good"}, 11.0, "high"),
    # 1 + 3 + 2 + 2 + 3 + 0 + 0 = 11: at the cut-off, high (≥ 11)
    ({"food_intake": "severe-decrease", "polypharmacy": True, "self_rated_health": "unknown"}, 10.5, "low"),
    # 0 + 3 + 2 + 2 + 3 + 0 + 0.5 = 10.5: below 11, low
    ({"food_intake": "severe-decrease", "polypharmacy": True, "self_rated_health": "not-as-good"}, 10.0, "low"),
    # 0 + 3 + 2 + 2 + 3 + 0 + 0 = 10
])
def test_mg8_is_g8_without_age(changes, total, category):
    r = mg8(**{**BEST, **changes})
    assert r.value == total and r.category == category
    assert "age_points" not in r.components and "age" not in r.inputs
    # and equals the G8 minus its age item for any age
    assert g8(**{**BEST, **changes}, age="83 a").value == total + 1


def test_invalid_answers_name_the_item():
    with pytest.raises(InputError) as info:
        g8(**{**BEST, "mobility": "walks"}, age="70 a")
    assert info.value.field == "mobility"
    with pytest.raises(InputError) as info:
        mg8(**{**BEST, "polypharmacy": "sometimes"})
    assert info.value.field == "polypharmacy"


def test_mg8_registry_names_ref_157():
    spec = get_score("mg8")
    assert spec.review_refs == (157,) and spec.table3_row == 29 and "Sekiguchi" in spec.source
    assert "age" not in spec.inputs and "age" in get_score("g8").inputs
