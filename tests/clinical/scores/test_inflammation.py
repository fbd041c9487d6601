"""Inflammation scores: worked examples with every cut-off boundary, each with its source.

Sources: NLR ≥ 4 from Tada et al. 2020 (Liver Int 40:968, abstract: "NLR ≥ 4"); PLR ≥ 150 from Tada et al.
2021 (Eur J Gastroenterol Hepatol 33:261, abstract: "PLR (≥150)"); CAR ≥ 0.108 from Tada et al. 2022
(Sci Rep 12:8421, abstract: "high CAR (≥ 0.108)"); GPS from Forrest/McMillan et al. 2003 (Br J Cancer
89:1028: CRP > 10 mg/L, albumin < 35 g/L, one point each); mGPS from McMillan et al. 2007 (Int J Colorectal
Dis 22:881). Expected values are hand arithmetic in the comments.
"""

from __future__ import annotations

import numpy as np
import pytest

from lenvici.clinical.scores import get_score
from lenvici.clinical.scores.inflammation import car, gps, gps_points, mgps, mgps_points, nlr, plr, ratio
from lenvici.errors import InputError
from tests.tolerances import SCORE_VALUE


@pytest.mark.parametrize("neutrophils, lymphocytes, expected, category", [
    ("4000 /uL", "1000 /uL", 4.0, "high"),           # 4000/1000 = 4, on the cut-off: ≥ 4 is high
    ("6.0 10*9/L", "1500 /mm3", 4.0, "high"),        # 6.0/1.5 = 4 with mixed units
    ("3.9 10*9/L", "1.0 10*9/L", 3.9, "low"),        # 3.9 < 4
    ("2.0 10*3/uL", "1.0 10*3/uL", 2.0, "low"),      # 2/1 = 2
    ("12 10*9/L", "0.8 10*9/L", 15.0, "high"),       # 12/0.8 = 15
])
def test_nlr(neutrophils, lymphocytes, expected, category):
    r = nlr(neutrophils, lymphocytes)
    assert r.value == pytest.approx(expected, abs=SCORE_VALUE) and r.category == category
    assert r.components["cutoff"] == 4.0


def test_nlr_zero_lymphocytes_is_an_input_error_naming_lymphocytes():
    with pytest.raises(InputError) as info:
        nlr("3 10*9/L", "0 10*9/L")
    assert info.value.field == "lymphocytes"


@pytest.mark.parametrize("platelets, lymphocytes, expected, category", [
    ("150 10*9/L", "1.0 10*9/L", 150.0, "high"),     # 150/1 = 150, on the cut-off: ≥ 150 is high
    ("15 10*4/uL", "1000 /uL", 150.0, "high"),       # 15 × 10⁴/µL = 150 × 10⁹/L; /1.0
    ("149 10*9/L", "1.0 10*9/L", 149.0, "low"),      # 149 < 150
    ("20 10*4/uL", "2.0 10*9/L", 100.0, "low"),      # 200/2 = 100
    ("300 10*9/L", "0.5 10*9/L", 600.0, "high"),     # 300/0.5 = 600
])
def test_plr(platelets, lymphocytes, expected, category):
    r = plr(platelets, lymphocytes)
    assert r.value == pytest.approx(expected, abs=SCORE_VALUE) and r.category == category


@pytest.mark.parametrize("crp, albumin, expected, category", [
    ("0.432 mg/dL", "4.0 g/dL", 0.108, "high"),      # 0.432/4.0 = 0.108, on the cut-off: ≥ 0.108 is high
    ("4.32 mg/L", "40 g/L", 0.108, "high"),          # same patient in mg/L and g/L: 4.32/40 = 0.108
    ("0.4 mg/dL", "4.0 g/dL", 0.1, "low"),           # 0.4/4.0 = 0.1
    ("0 mg/L", "35 g/L", 0.0, "low"),                # no CRP
    ("2.0 mg/dL", "3.2 g/dL", 0.625, "high"),        # 2.0/3.2 = 0.625
])
def test_car(crp, albumin, expected, category):
    # Tada 2022 divide CRP (mg/dL) by albumin (g/dL); the ratio equals CRP (mg/L) / albumin (g/L).
    r = car(crp, albumin)
    assert r.value == pytest.approx(expected, abs=SCORE_VALUE) and r.category == category
    assert r.components["crp_mg_dl"] / r.components["albumin_g_dl"] == pytest.approx(expected, abs=SCORE_VALUE)


@pytest.mark.parametrize("crp, albumin, expected", [
    ("10 mg/L", "35 g/L", 0),       # both exactly at the cut-offs: CRP > 10 and albumin < 35 are strict → 0
    ("10.1 mg/L", "35 g/L", 1),     # elevated CRP only
    ("10 mg/L", "34.9 g/L", 1),     # low albumin only
    ("1.1 mg/dL", "3.4 g/dL", 2),   # 11 mg/L and 34 g/L: both
    ("0.3 mg/dL", "4.1 g/dL", 0),   # neither
])
def test_gps(crp, albumin, expected):
    r = gps(crp, albumin)
    assert r.value == expected and r.category is None
    assert r.inputs["variant"] == "mcmillan" and "japanese" not in r.source


@pytest.mark.parametrize("crp, albumin, expected", [
    ("10 mg/L", "30 g/L", 0),       # CRP ≤ 10: 0 whatever the albumin (the mGPS change from GPS)
    ("11 mg/L", "35 g/L", 1),       # CRP > 10, albumin ≥ 35
    ("11 mg/L", "34.9 g/L", 2),     # CRP > 10, albumin < 35
    ("0.5 mg/dL", "4.0 g/dL", 0),
])
def test_mgps(crp, albumin, expected):
    assert mgps(crp, albumin).value == expected


def test_japanese_variant_is_explicit_and_named():
    # CRP 0.6 mg/dL = 6 mg/L: not elevated by McMillan (> 10 mg/L), elevated by the Japanese > 0.5 mg/dL
    assert gps("0.6 mg/dL", "3.6 g/dL").value == 0
    r = gps("0.6 mg/dL", "3.6 g/dL", variant="japanese")
    assert r.value == 1 and r.inputs["variant"] == "japanese" and "japanese" in r.source
    assert r.components["crp_cutoff_mg_l"] == 5.0
    # at the Japanese cut-off itself (0.5 mg/dL, strict >) CRP is not elevated
    assert gps("0.5 mg/dL", "3.6 g/dL", variant="japanese").value == 0
    # mGPS, Japanese: CRP 0.6 mg/dL and albumin 3.0 g/dL → 2
    assert mgps("0.6 mg/dL", "3.0 g/dL", variant="japanese").value == 2
    with pytest.raises(InputError) as info:
        gps("1 mg/dL", "3 g/dL", variant="japan-ish")
    assert info.value.field == "variant"


def test_gps_kernels_are_vectorised():
    crp = np.array([5.0, 12.0, 12.0, 10.0])
    alb = np.array([30.0, 40.0, 30.0, 35.0])
    assert gps_points(crp, alb).tolist() == [1, 1, 2, 0]
    assert mgps_points(crp, alb).tolist() == [0, 1, 2, 0]
    assert np.isnan(ratio(np.array([1.0]), np.array([0.0])))[0]


def test_registry_entries():
    for name, row in (("nlr", 5), ("plr", 12), ("car", 8), ("gps", 36)):
        spec = get_score(name)
        assert spec.status == "available" and spec.table3_row == row and spec.family == "inflammation"
    assert get_score("gps").options["variant"] == ("mcmillan", "japanese")
