"""Starting doses, dose levels, impairment and the ICI regimens; each case names its source.

Sources:
- US PI = LENVIMA (lenvatinib) US prescribing information, §2.4 (HCC dose by actual body weight) and §2.6
  (dose reductions: 12 → 8 → 4 → 4 mg every other day; 8 → 4 → 4 mg every other day → discontinue), §2.8
  and §8.6-8.7 (impairment).
- SmPC = Lenvima EU summary of product characteristics, §4.2.
- REFLECT = Kudo M, et al. Lancet 2018;391:1163-1173 (review ref 52).
- Regimen sources are in ``lenvici/data/dosing/regimens.yaml`` and named per test.
"""

from __future__ import annotations

import json

import pytest

from lenvici.clinical.dosing import (
    available_drugs,
    dose_regimen,
    impairment_advice,
    lenvatinib_dose,
    load_dosing_data,
    regimens_for,
)
from lenvici.errors import CurationError, InputError
from lenvici.knowledge import reference


# ------------------------------------------------------------------------------------------ lenvatinib

@pytest.mark.parametrize("weight,dose", [
    ("60 kg", 12.0),          # US PI §2.4 / SmPC §4.2: ≥ 60 kg → 12 mg (the boundary belongs to 12 mg)
    ("59.9 kg", 8.0),         # < 60 kg → 8 mg
    ("120 kg", 12.0),
    ("20 kg", 8.0),
    ("60000 g", 12.0),        # 60 kg given in grams
    ("132 [lb_av]", 8.0),     # 132 lb = 59.87 kg < 60
    ("133 lb", 12.0),         # 133 lb = 60.33 kg
])
def test_lenvatinib_start_dose_by_actual_weight(weight, dose):
    """US PI §2.4; SmPC §4.2; REFLECT (12 mg ≥ 60 kg, 8 mg < 60 kg, once daily)."""
    result = lenvatinib_dose(weight)
    assert (result.dose_mg, result.schedule, result.level, result.status) == (dose, "once daily", 0, "dose")


@pytest.mark.parametrize("weight,expected", [
    ("72 kg", [(12, "once daily"), (8, "once daily"), (4, "once daily"), (4, "every other day"), None]),
    ("55 kg", [(8, "once daily"), (4, "once daily"), (4, "every other day"), None]),
])
def test_lenvatinib_ladders(weight, expected):
    """US PI §2.6 and SmPC §4.2: reductions in succession; from 8 mg the third reduction is discontinue;
    from 12 mg no level below 4 mg every other day exists, so lenvici discontinues."""
    for level, step in enumerate(expected):
        result = lenvatinib_dose(weight, level=level)
        if step is None:
            assert result.status == "discontinue" and result.dose_mg is None and result.schedule == "discontinue"
        else:
            assert (result.dose_mg, result.schedule, result.level) == (float(step[0]), step[1], level)
    with pytest.raises(InputError) as err:
        lenvatinib_dose(weight, level=len(expected))
    assert err.value.field == "level"


def test_every_other_day_halves_the_daily_dose():
    assert lenvatinib_dose("72 kg", level=3).daily_dose_mg == 2.0
    assert lenvatinib_dose("72 kg", level=3).interval_days == 2


@pytest.mark.parametrize("kwargs,field", [
    (dict(weight=None), "weight"),
    (dict(weight="70"), "weight"),
    (dict(weight="70 cm"), "weight"),
    (dict(weight="10 kg"), "weight"),
    (dict(weight="70 kg", level=-1), "level"),
    (dict(weight="70 kg", level="two"), "level"),
    (dict(weight="70 kg", jurisdiction="jp"), "jurisdiction"),
    (dict(weight="70 kg", child_pugh="D"), "child_pugh"),
    (dict(weight="70 kg", renal_impairment="awful"), "renal_impairment"),
])
def test_lenvatinib_invalid_input_names_the_field(kwargs, field):
    with pytest.raises(InputError) as err:
        lenvatinib_dose(**kwargs)
    assert err.value.field == field


# ------------------------------------------------------------------------------------- impairment

@pytest.mark.parametrize("child_pugh,jurisdiction,action", [
    ("A", "us", "standard"),               # US PI §2.8: no adjustment for Child-Pugh A
    ("B", "us", "no-recommended-dose"),    # US PI §2.8: no recommended dosage for Child-Pugh B
    ("C", "us", "no-recommended-dose"),    # US PI §2.8: no recommended dosage for Child-Pugh C
    ("A", "eu", "standard"),               # SmPC §4.2
    ("B", "eu", "no-recommended-dose"),    # SmPC §4.2: data too limited
    ("C", "eu", "not-recommended"),        # SmPC §4.2: not studied, not recommended
])
def test_lenvatinib_hepatic_impairment(child_pugh, jurisdiction, action):
    (advice,) = impairment_advice("lenvatinib", child_pugh=child_pugh, jurisdiction=jurisdiction)
    assert advice.action == action and advice.source
    dose = lenvatinib_dose("70 kg", child_pugh=child_pugh, jurisdiction=jurisdiction)
    if action == "standard":
        assert dose.dose_mg == 12.0
    else:
        assert dose.status == "no-labelled-dose" and dose.dose_mg is None and "Child-Pugh" in dose.rationale


def test_renal_impairment():
    """US PI §8.6 / SmPC §4.2: no adjustment mild-moderate; no HCC dose in severe impairment."""
    assert lenvatinib_dose("70 kg", renal_impairment="moderate").dose_mg == 12.0
    assert lenvatinib_dose("70 kg", renal_impairment="none").dose_mg == 12.0
    assert lenvatinib_dose("70 kg", renal_impairment="severe").status == "no-labelled-dose"
    (eu,) = impairment_advice("lenvatinib", renal_impairment="end-stage", jurisdiction="eu")
    assert eu.action == "not-recommended"


def test_sorafenib_hepatic_impairment():
    """Nexavar US PI / SmPC: no adjustment in Child-Pugh A-B; Child-Pugh C not studied."""
    assert dose_regimen("sorafenib", child_pugh="B").components[0].dose_mg == 400.0
    assert dose_regimen("sorafenib", child_pugh="C").components[0].status == "no-labelled-dose"


# --------------------------------------------------------------------------------------- sorafenib

def test_sorafenib_ladder():
    """Nexavar US PI §2.1-2.2: 400 mg twice daily → 400 mg once daily → 400 mg every other day → none."""
    steps = [dose_regimen("sorafenib", level=n).components[0] for n in range(4)]
    assert [(s.dose_mg, s.schedule) for s in steps[:3]] == [
        (400.0, "twice daily"), (400.0, "once daily"), (400.0, "every other day")]
    assert [s.daily_dose_mg for s in steps[:3]] == [800.0, 400.0, 200.0]
    assert steps[3].status == "discontinue"
    assert any("200 mg once daily" in n for n in steps[2].notes)


# ---------------------------------------------------------------------------------------- regimens

@pytest.mark.parametrize("drug,regimen,weight,expected", [
    # pembrolizumab: KEYTRUDA US PI §2; KEYNOTE-224 / KEYNOTE-524 (refs 42, 76)
    ("pembrolizumab", None, None, [("pembrolizumab", 200.0, "every 3 weeks", 21)]),
    ("pembrolizumab", "pembrolizumab-q6w", None, [("pembrolizumab", 400.0, "every 6 weeks", 42)]),
    # nivolumab: OPDIVO US PI §2; CheckMate 459 (ref 40)
    ("nivolumab", None, None, [("nivolumab", 240.0, "every 2 weeks", 14)]),
    ("nivolumab", "nivolumab-q4w", None, [("nivolumab", 480.0, "every 4 weeks", 28)]),
    # sintilimab: ORIENT-32 (Lancet Oncol 2021); tislelizumab: RATIONALE-301 (JAMA Oncol 2023)
    ("sintilimab", None, None, [("sintilimab", 200.0, "every 3 weeks", 21)]),
    ("tislelizumab", None, None, [("tislelizumab", 200.0, "every 3 weeks", 21)]),
    # toripalimab: review refs 104-105 (240 mg every 3 weeks)
    ("toripalimab", None, None, [("toripalimab", 240.0, "every 3 weeks", 21)]),
    # camrelizumab: CARES-310 (Lancet 2023) 200 mg q2w; Qin 2020 (Lancet Oncol) 3 mg/kg
    ("camrelizumab", None, None, [("camrelizumab", 200.0, "every 2 weeks", 14)]),
    ("camrelizumab", "camrelizumab-3mgkg", "70 kg", [("camrelizumab", 210.0, "every 3 weeks", 21)]),
    # atezolizumab + bevacizumab: TECENTRIQ US PI §2; IMbrave150 (NEJM 2020)
    ("atezolizumab", None, "80 kg", [("atezolizumab", 1200.0, "every 3 weeks", 21),
                                     ("bevacizumab", 1200.0, "every 3 weeks", 21)]),
    # STRIDE: IMJUDO/IMFINZI US PI §2; HIMALAYA (NEJM Evid 2022, ref 36)
    ("tremelimumab", None, "70 kg", [("tremelimumab", 300.0, "single dose on cycle 1 day 1", None),
                                     ("durvalumab", 1500.0, "every 4 weeks", 28)]),
    ("durvalumab", None, None, [("durvalumab", 1500.0, "every 4 weeks", 28)]),
    # cadonilimab + lenvatinib: COMPASSION-08 (ref 86): 6 mg/kg q2w or 15 mg/kg q3w
    ("cadonilimab", None, "50 kg", [("cadonilimab", 300.0, "every 2 weeks", 14),
                                    ("lenvatinib", 8.0, "once daily", 1)]),
    ("cadonilimab", "cadonilimab-lenvatinib-q3w", "70 kg", [("cadonilimab", 1050.0, "every 3 weeks", 21),
                                                          ("lenvatinib", 12.0, "once daily", 1)]),
    # lenvatinib + pembrolizumab: KEYNOTE-524 / LEAP-002 (refs 76, 77)
    ("lenvatinib", "lenvatinib-pembrolizumab", "65 kg", [("lenvatinib", 12.0, "once daily", 1),
                                                       ("pembrolizumab", 200.0, "every 3 weeks", 21)]),
])
def test_regimen_doses(drug, regimen, weight, expected):
    result = dose_regimen(drug, regimen=regimen, weight=weight)
    got = [(c.drug, c.dose_mg, c.schedule, c.interval_days) for c in result.components]
    assert got == expected
    assert result.source and all(c.source for c in result.components)


def test_nivolumab_ipilimumab_phases():
    """OPDIVO US PI §2 (HCC) and CheckMate 040 arm A (JAMA Oncol 2020; ref 37): nivolumab 1 mg/kg +
    ipilimumab 3 mg/kg every 3 weeks × 4, then nivolumab 240 mg every 2 weeks."""
    result = dose_regimen("ipilimumab", weight="70 kg")
    rows = [(c.drug, c.phase, c.dose_mg, c.mg_per_kg, c.doses, c.interval_days) for c in result.components]
    assert rows == [("nivolumab", "combination", 70.0, 1.0, 4, 21),
                    ("nivolumab", "maintenance", 240.0, None, None, 14),
                    ("ipilimumab", "combination", 210.0, 3.0, 4, 21)]
    assert dose_regimen("nivolumab", regimen="nivolumab-ipilimumab", weight="70 kg").regimen == "nivolumab-ipilimumab"


def test_stride_below_30_kg_is_weight_based():
    """IMJUDO / IMFINZI US PI §2: below 30 kg, tremelimumab 4 mg/kg and durvalumab 20 mg/kg."""
    result = dose_regimen("tremelimumab", weight="25 kg")
    assert [(c.dose_mg, c.mg_per_kg) for c in result.components] == [(100.0, 4.0), (500.0, 20.0)]
    at_limit = dose_regimen("tremelimumab", weight="30 kg")
    assert [c.dose_mg for c in at_limit.components] == [300.0, 1500.0]
    no_weight = dose_regimen("durvalumab")
    assert any("below 30 kg" in n for n in no_weight.components[0].notes)


def test_infusions_have_no_levels_and_mg_per_kg_needs_weight():
    with pytest.raises(InputError) as err:
        dose_regimen("pembrolizumab", level=1)
    assert err.value.field == "level"
    with pytest.raises(InputError) as err:
        dose_regimen("atezolizumab")
    assert err.value.field == "weight"
    with pytest.raises(InputError) as err:
        dose_regimen("ipilimumab")
    assert err.value.field == "weight"


def test_unknown_drug_and_regimen():
    with pytest.raises(InputError) as err:
        dose_regimen("aspirin")
    assert err.value.field == "drug"
    with pytest.raises(InputError) as err:
        dose_regimen("pembrolizumab", regimen="nivolumab-q2w")
    assert err.value.field == "regimen"


def test_every_named_drug_is_available_with_a_default():
    names = set(available_drugs())
    assert {"lenvatinib", "sorafenib", "pembrolizumab", "nivolumab", "ipilimumab", "sintilimab", "tislelizumab",
            "toripalimab", "camrelizumab", "atezolizumab", "bevacizumab", "tremelimumab", "durvalumab",
            "cadonilimab"} <= names
    for drug in names:
        assert regimens_for(drug)[0].id  # a default exists
    assert regimens_for("lenvatinib")[0].id == "lenvatinib"
    assert regimens_for("durvalumab")[0].id == "durvalumab-q4w"


def test_every_review_reference_resolves():
    """Provenance: each regimen's review_refs exist in the review's reference list."""
    data = load_dosing_data()
    for regimen in data.regimens.values():
        assert regimen.review_refs, regimen.id
        for ref in regimen.review_refs:
            assert reference(ref)
    for ladder in data.ladders.values():
        assert set(ladder.sources) == {"us", "eu"} and ladder.trial


def test_single_drug_json_shape():
    """DESIGN §4: ``lenvici dose lenvatinib --json`` → {"drug", "dose_mg", "schedule", "level", …}."""
    document = json.loads(json.dumps(dose_regimen("lenvatinib", weight="72 kg").to_dict(), allow_nan=False))
    assert (document["drug"], document["dose_mg"], document["schedule"], document["level"]) == (
        "lenvatinib", 12.0, "once daily", 0)
    assert document["components"][0]["dose_mg"] == 12.0


def test_broken_data_file_is_a_curation_error(data_copy):
    path = data_copy / "dosing" / "regimens.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("amount: 200, unit: mg", "amount: -200, unit: mg", 1),
                    encoding="utf-8")
    with pytest.raises(CurationError) as err:
        load_dosing_data(data_copy)
    assert "regimens.yaml" in str(err.value)


def test_ladder_start_bands_must_cover_every_weight(data_copy):
    path = data_copy / "dosing" / "ladders.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("weight_below_kg: 60, level: 8-qd",
                                                             "weight_below_kg: 50, level: 8-qd"), encoding="utf-8")
    with pytest.raises(CurationError) as err:
        load_dosing_data(data_copy)
    assert "cover every body weight" in str(err.value)
