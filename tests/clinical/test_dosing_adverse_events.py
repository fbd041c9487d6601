"""Lenvatinib dose modification for adverse events, US label vs EU SmPC; each row names its section.

US = LENVIMA US prescribing information §2.6 (table of dosage modifications for adverse reactions) and §5;
EU = Lenvima EU SmPC §4.2 (HCC dose-modification table; adverse reactions requiring dose modification).
"""

from __future__ import annotations

import json

import pytest

from lenvici.clinical.dosing import adverse_events, modify_dose
from lenvici.errors import InputError

# (event, grade, jurisdiction, current, action, next dose (mg, schedule) or None, source)
CASES = [
    ("hypertension", 1, "us", "12 mg", "continue", (12, "once daily"), "US §2.6 hypertension; §5.1"),
    ("hypertension", 3, "us", "12 mg", "withhold-reduce", (8, "once daily"), "US §2.6: grade 3 despite therapy"),
    ("hypertension", 3, "eu", "8 mg", "withhold-reduce", (4, "once daily"), "EU §4.2/§4.4"),
    ("hypertension", 4, "us", "8 mg", "discontinue", None, "US §2.6: life-threatening"),
    ("hypertension", 4, "eu", "8 mg", "discontinue", None, "EU §4.2"),
    ("cardiac-dysfunction", 3, "us", "12 mg", "withhold-reduce-or-discontinue", (8, "once daily"), "US §2.6"),
    ("cardiac-dysfunction", 3, "eu", "12 mg", "withhold-reduce", (8, "once daily"), "EU §4.2"),
    ("cardiac-dysfunction", 4, "us", "12 mg", "discontinue", None, "US §2.6"),
    ("arterial-thromboembolism", 1, "us", "12 mg", "discontinue", None, "US §2.6: any grade"),
    ("arterial-thromboembolism", 2, "eu", "4 mg", "discontinue", None, "EU §4.2: any grade"),
    ("haemorrhage", 3, "us", "4 mg", "withhold-reduce-or-discontinue", (4, "every other day"), "US §2.6"),
    ("hemorrhage", 4, "eu", "4 mg", "discontinue", None, "EU §4.2"),
    ("hepatotoxicity", 3, "us", "12 mg", "withhold-reduce-or-discontinue", (8, "once daily"), "US §2.6"),
    ("hepatotoxicity", 4, "us", "12 mg", "withhold-reduce-or-discontinue", (8, "once daily"), "US §2.6: 3 or 4"),
    ("hepatotoxicity", 4, "eu", "12 mg", "discontinue", None, "EU §4.2: grade 4 discontinue"),
    ("hepatic-failure", 3, "us", "12 mg", "discontinue", None, "US §2.6: discontinue for hepatic failure"),
    ("renal-impairment", 4, "us", "8 mg", "withhold-reduce-or-discontinue", (4, "once daily"), "US §2.6"),
    ("renal-impairment", 4, "eu", "8 mg", "discontinue", None, "EU §4.2"),
    ("renal-impairment", 3, "eu", "8 mg", "withhold-reduce", (4, "once daily"), "EU §4.2"),
    ("nephrotic-syndrome", 2, "us", "8 mg", "discontinue", None, "US §2.6 proteinuria row"),
    ("gi-perforation", 3, "us", "8 mg", "discontinue", None, "US §2.6: any grade"),
    ("gi-perforation", 3, "eu", "8 mg", "withhold-reduce", (4, "once daily"), "EU §4.2: grade 3 interrupt"),
    ("gi-perforation", 4, "eu", "8 mg", "discontinue", None, "EU §4.2"),
    ("gi-fistula", 3, "us", "8 mg", "discontinue", None, "US §2.6: fistula grade 3-4"),
    ("gi-fistula", 3, "eu", "8 mg", "withhold-reduce", (4, "once daily"), "EU §4.2"),
    ("non-gi-fistula", 4, "eu", "8 mg", "discontinue", None, "EU §4.2: non-GI fistula grade 4"),
    ("rpls", 2, "us", "12 mg", "withhold-reduce-or-discontinue", (8, "once daily"), "US §2.6: any grade"),
    ("pres", 1, "eu", "12 mg", "withhold-reduce-or-discontinue", (8, "once daily"), "EU §4.2: any grade"),
    ("diarrhoea", 2, "us", "12 mg", "continue", (12, "once daily"), "US §2.6 other reactions"),
    ("diarrhea", 3, "eu", "12 mg", "withhold-reduce", (8, "once daily"), "EU §4.2"),
    ("diarrhoea", 4, "us", "12 mg", "discontinue", None, "US §2.6: grade 4"),
    ("ppe", 1, "us", "12 mg", "continue", (12, "once daily"), "US §2.6 other reactions"),
    ("hand-foot-skin-reaction", 3, "eu", "4 mg", "withhold-reduce", (4, "every other day"), "EU §4.2"),
    ("hypocalcaemia", 3, "us", "8 mg", "withhold-reduce", (4, "once daily"), "US §2.6; §5.10"),
    ("other", 3, "eu", "12 mg", "withhold-reduce", (8, "once daily"), "EU §4.2"),
]


@pytest.mark.parametrize("event,grade,where,current,action,nxt,source", CASES,
                         ids=[f"{c[0]}-g{c[1]}-{c[2]}" for c in CASES])
def test_rule(event, grade, where, current, action, nxt, source):
    result = modify_dose("lenvatinib", event, grade=grade, current=current, jurisdiction=where)
    assert result.action == action, source
    if nxt is None:
        assert result.next_dose is None
    else:
        assert (result.next_dose.dose_mg, result.next_dose.schedule) == (float(nxt[0]), nxt[1])
    assert result.withhold == action.startswith("withhold")
    assert (result.resume_when is not None) == result.withhold
    assert result.source.startswith("US PI §2.6" if where == "us" else "EU SmPC §4.2")


@pytest.mark.parametrize("event,grade", [
    ("hepatotoxicity", 4), ("renal-impairment", 4), ("gi-perforation", 3), ("gi-fistula", 3),
    ("cardiac-dysfunction", 3), ("haemorrhage", 3),
])
def test_known_differences_between_the_labels(event, grade):
    """US PI §2.6 vs EU SmPC §4.2 differ on these rows (see the adverse_events module docstring)."""
    us = modify_dose("lenvatinib", event, grade=grade, current="12 mg", jurisdiction="us")
    eu = modify_dose("lenvatinib", event, grade=grade, current="12 mg", jurisdiction="eu")
    assert us.action != eu.action
    assert us.differs_by_jurisdiction and eu.differs_by_jurisdiction
    assert us.other_action == eu.action and eu.other_action == us.action


def test_reduction_from_the_lowest_level_becomes_discontinue():
    """US PI §2.6 / SmPC §4.2: 4 mg every other day is the last level."""
    result = modify_dose("lenvatinib", "hypertension", grade=3, current="4 mg every other day")
    assert result.label_action == "withhold-reduce" and result.action == "discontinue"
    assert result.next_dose is None and "no lower level" in result.rationale


@pytest.mark.parametrize("value,action", [("1.99 g/24h", "continue"), ("2.0 g/24h", "withhold-reduce"),
                                          ("3.6 g/d", "withhold-reduce")])
def test_proteinuria_threshold(value, action):
    """US PI §2.6 and SmPC §4.2: withhold for ≥ 2 g proteinuria in 24 h (boundary 2.0 included)."""
    for where in ("us", "eu"):
        assert modify_dose("lenvatinib", "proteinuria", urine_protein=value, current="12 mg",
                           jurisdiction=where).action == action


@pytest.mark.parametrize("qtc,baseline,us,eu", [
    ("500 ms", None, "continue", "continue"),                 # '> 500 ms': 500 is not above
    ("501 ms", None, "withhold-reduce", "withhold-reduce"),
    ("470 ms", "400 ms", "withhold-reduce", "continue"),      # +70 ms: a US criterion only
    ("470 ms", "410 ms", "continue", "continue"),             # +60 ms: not above 60
])
def test_qtc_criteria(qtc, baseline, us, eu):
    """US PI §2.6: QTc > 500 ms or > 60 ms increase; SmPC §4.2: QTc > 500 ms."""
    got = [modify_dose("lenvatinib", "qtc-prolongation", qtc=qtc, qtc_baseline=baseline, current="8 mg",
                       jurisdiction=j).action for j in ("us", "eu")]
    assert got == [us, eu]


def test_qtc_grade_4_discontinues():
    assert modify_dose("lenvatinib", "qtc", grade=4, current="8 mg", jurisdiction="us").action == "discontinue"


def test_intolerable_grade_2():
    """US PI §2.6 'other adverse reactions' and SmPC §4.2 HCC table: persistent or intolerable grade 2."""
    plain = modify_dose("lenvatinib", "ppe", grade=2, current="12 mg")
    worse = modify_dose("lenvatinib", "ppe", grade=2, intolerable=True, current="12 mg")
    assert (plain.action, worse.action) == ("continue", "withhold-reduce")
    assert worse.next_dose.dose_mg == 8.0
    # EU applies it to every toxicity; US only through the 'other' row
    us = modify_dose("lenvatinib", "cardiac-dysfunction", grade=2, intolerable=True, current="12 mg", jurisdiction="us")
    eu = modify_dose("lenvatinib", "cardiac-dysfunction", grade=2, intolerable=True, current="12 mg", jurisdiction="eu")
    assert (us.action, eu.action) == ("continue", "withhold-reduce")


def test_laboratory_only_grade_4():
    """SmPC §4.2: grade 4 laboratory abnormalities judged not life-threatening are managed as grade 3;
    US PI §2.6: a grade 4 laboratory abnormality is withheld and resumed lower ('other' row)."""
    eu = modify_dose("lenvatinib", "hepatotoxicity", grade=4, laboratory_only=True, current="12 mg", jurisdiction="eu")
    assert eu.action == "withhold-reduce"
    us = modify_dose("lenvatinib", "hypocalcaemia", grade=4, laboratory_only=True, current="12 mg", jurisdiction="us")
    assert us.action == "withhold-reduce"
    assert modify_dose("lenvatinib", "hypocalcaemia", grade=4, current="12 mg").action == "discontinue"


def test_levels_are_numbered_from_the_start_weight():
    """With the weight at the start, levels count reductions (US PI §2.6 ladders)."""
    light = modify_dose("lenvatinib", "diarrhoea", grade=3, current="8 mg", weight="55 kg")
    heavy = modify_dose("lenvatinib", "diarrhoea", grade=3, current="8 mg", weight="70 kg")
    assert (light.current.level, light.next_dose.level) == (0, 1)
    assert (heavy.current.level, heavy.next_dose.level) == (1, 2)
    assert modify_dose("lenvatinib", "diarrhoea", grade=3, current="8 mg").current.level is None
    with pytest.raises(InputError) as err:
        modify_dose("lenvatinib", "diarrhoea", grade=3, current="12 mg", weight="55 kg")
    assert err.value.field == "current"


@pytest.mark.parametrize("kwargs,field", [
    (dict(drug="sorafenib"), "drug"),
    (dict(event="headache"), "event"),
    (dict(current="10 mg"), "current"),
    (dict(current="12"), "current"),
    (dict(current="12 mg weekly"), "current"),
    (dict(current=None), "current"),
    (dict(grade=5), "grade"),
    (dict(grade="3.5"), "grade"),
    (dict(grade=None), "grade"),
    (dict(event="ppe", grade=4), "grade"),          # CTCAE v5: palmar-plantar erythrodysaesthesia 1-3
    (dict(event="gi-perforation", grade=1), "grade"),  # CTCAE v5: GI perforation starts at grade 2
    (dict(event="proteinuria", grade=None), "urine_protein"),
    (dict(event="proteinuria", grade=None, urine_protein="2 g"), "urine_protein"),
    (dict(event="qtc", grade=3), "grade"),
    (dict(event="qtc", grade=None), "qtc"),
    (dict(event="qtc", grade=None, qtc_baseline="400 ms"), "qtc_baseline"),
    (dict(event="qtc", grade=None, qtc="5000 ms"), "qtc"),
    (dict(jurisdiction="uk"), "jurisdiction"),
    (dict(intolerable="sometimes"), "intolerable"),
])
def test_invalid_input_names_the_field(kwargs, field):
    base = dict(drug="lenvatinib", event="hypertension", grade=3, current="12 mg", jurisdiction="us")
    base.update(kwargs)
    drug, event = base.pop("drug"), base.pop("event")
    with pytest.raises(InputError) as err:
        modify_dose(drug, event, **base)
    assert err.value.field == field


def test_current_dose_spellings():
    for text in ("12 mg", "12mg", "12 mg once daily", "12 mg qd", "12 mg daily", "12 mg/day"):
        assert modify_dose("lenvatinib", "other", grade=3, current=text).next_dose.dose_mg == 8.0
    for text in ("4 mg every other day", "4 mg qod", "4 mg q2d", "4 mg on alternate days"):
        assert modify_dose("lenvatinib", "other", grade=1, current=text).current.schedule == "every other day"


def test_every_event_has_both_jurisdictions_and_serialises():
    for event in adverse_events():
        assert event.us.section.startswith("US PI") and event.eu.section.startswith("EU SmPC")
        if event.measured:
            continue
        for grade in event.grades:
            for where in ("us", "eu"):
                result = modify_dose("lenvatinib", event.event, grade=grade, current="8 mg", jurisdiction=where)
                json.dumps(result.to_dict(), allow_nan=False)
