"""RECIST 1.1 worked examples (Eisenhauer EA et al., Eur J Cancer 2009;45:228–247).

Each case cites the section or table it exercises; the arithmetic is written out in the comments and the
expected categories come from the guideline, never from the code under test. Every case runs through both
engines (columnar and reference).
"""

import pytest

from lenvici.clinical.response import assess, lesion_table
from lenvici.errors import InputError
from tests.clinical.response.rows import new, non_target, series, target

ENGINES = ["columnar", "reference"]


def cats(result, patient="P"):
    return [v.category for v in result.patient(patient).visits]


def sums(result, patient="P"):
    return [v.sum_mm for v in result.patient(patient).visits]


@pytest.fixture(params=ENGINES)
def engine(request):
    return request.param


# --- §4.3.1 target lesions: PR at −30 % from baseline, compared unrounded -------------------------------

def test_pr_at_exactly_30_percent_even_where_floating_point_says_29_999(engine):
    """RECIST 1.1 §4.3.1 PR: "at least a 30% decrease in the sum of diameters, taking as reference the
    baseline sum". Baseline 10.0 + 21.0 = 31.0 mm; follow-up 10.8 + 10.9 = 21.7 mm = 0.7 × 31.0 exactly,
    a fall of exactly 30 %. Naive floating point gives (21.7 − 31.0) / 31.0 × 100 = −29.999999999999993,
    which would miss PR."""
    rows = series("P", "T1", "liver", [10.0, 10.8], days=(0, 56)) + series("P", "T2", "lung", [21.0, 10.9], days=(0, 56))
    r = assess(rows, engine=engine)
    assert cats(r) == [None, "PR"]
    assert sums(r) == [31.0, 21.7]


def test_just_under_30_percent_is_sd(engine):
    """§4.3.1: baseline 50 mm, follow-up 35.1 mm → (35.1 − 50) / 50 = −29.8 % → SD (not PR)."""
    rows = series("P", "T1", "liver", [30, 20.1], days=(0, 56)) + series("P", "T2", "lung", [20, 15], days=(0, 56))
    assert cats(assess(rows, engine=engine)) == [None, "SD"]


# --- §4.3.1 PD: ≥ 20 % over the nadir AND ≥ 5 mm absolute -------------------------------------------------

def test_pd_at_exactly_20_percent_and_5_mm_over_nadir(engine):
    """§4.3.1 PD: "at least a 20% increase in the sum ... taking as reference the smallest sum on study
    ... the sum must also demonstrate an absolute increase of at least 5 mm". Baseline 50 → day 56: 25 mm
    (−50 %, PR) → day 112: 30 mm: 30 / 25 = 1.20 (+20 % exactly) and 30 − 25 = 5 mm exactly → PD."""
    rows = series("P", "T1", "liver", [50, 25, 30])
    r = assess(rows, engine=engine)
    assert cats(r) == [None, "PR", "PD"]
    assert r.patient("P").progression_day == 112


def test_pd_at_exactly_20_percent_where_floating_point_says_19_999(engine):
    """§4.3.1: baseline (= nadir) 10.0 + 24.0 = 34.0 mm; follow-up 12.0 + 28.8 = 40.8 mm = 1.2 × 34.0
    exactly, +6.8 mm → PD. Naive floating point gives +19.999999999999993 %."""
    rows = series("P", "T1", "liver", [10.0, 12.0], days=(0, 56)) + series("P", "T2", "lung", [24.0, 28.8], days=(0, 56))
    assert cats(assess(rows, engine=engine)) == [None, "PD"]


def test_20_percent_but_less_than_5_mm_is_not_pd(engine):
    """§4.3.1, the 5 mm rule: baseline 20 → 12 mm (−40 %, PR) → 14.4 mm: 14.4 / 12 = +20 % over the nadir
    but only +2.4 mm → not PD; against baseline (14.4 − 20) / 20 = −28 % → SD."""
    rows = series("P", "T1", "liver", [20, 12, 14.4])
    assert cats(assess(rows, engine=engine)) == [None, "PR", "SD"]


def test_5_mm_but_less_than_20_percent_is_not_pd(engine):
    """§4.3.1: baseline 100 → 115 mm: +15 mm but +15 % < 20 % → SD."""
    rows = series("P", "T1", "liver", [60, 70], days=(0, 56)) + series("P", "T2", "lung", [40, 45], days=(0, 56))
    assert cats(assess(rows, engine=engine)) == [None, "SD"]


def test_pd_is_measured_from_the_nadir_not_from_baseline(engine):
    """§4.3.1: baseline 50 → 35 mm (−30 %, PR) → 43 mm. Against baseline 43 is −14 % (SD), but against the
    nadir 35: 43 / 35 = +22.9 % and +8 mm → PD."""
    rows = series("P", "T1", "lung", [30, 20, 25]) + series("P", "T2", "adrenal", [20, 15, 18])
    r = assess(rows, engine=engine)
    assert cats(r) == [None, "PR", "PD"]
    assert [v.nadir_mm for v in r.patient("P").visits] == [None, 50.0, 35.0]


def test_an_incomplete_visit_does_not_lower_the_nadir(engine):
    """§4.3.1 nadir = smallest *sum*; a visit with a missing target has no sum. Baseline 20 + 20 = 40;
    day 56: T1 = 10, T2 missing (NE, partial 10 is not a sum); day 112: 22 + 22 = 44: +10 % over the
    nadir 40 → SD (it would be PD against the partial 10)."""
    rows = [target("P", 0, "T1", "liver", 20), target("P", 0, "T2", "lung", 20),
            target("P", 56, "T1", "liver", 10), target("P", 56, "T2", "lung", None),
            target("P", 112, "T1", "liver", 22), target("P", 112, "T2", "lung", 22)]
    assert cats(assess(rows, engine=engine)) == [None, "NE", "SD"]


# --- §4.3.1 notes: too small to measure, disappeared, nodes -------------------------------------------------

def test_too_small_to_measure_counts_5_mm(engine):
    """§4.3.1 note ("lesions that become too small to measure"): a lesion present but too small is recorded
    as 5 mm. Baseline 20 + 15 = 35 mm; follow-up T1 too small (5 mm) + T2 10 mm = 15 mm: (15 − 35)/35 =
    −57 % → PR, and not CR (T1 is still present)."""
    rows = [target("P", 0, "T1", "liver", 20), target("P", 0, "T2", "lung", 15),
            target("P", 56, "T1", "liver", None, status="too-small"), target("P", 56, "T2", "lung", 10)]
    r = assess(rows, engine=engine)
    assert cats(r) == [None, "PR"] and sums(r) == [35.0, 15.0]


def test_all_targets_too_small_is_pr_not_cr(engine):
    """§4.3.1: two non-nodal targets (30 + 20 = 50 mm) both too small: 5 + 5 = 10 mm, −80 % → PR; CR needs
    their disappearance (0 mm)."""
    rows = [target("P", 0, "T1", "liver", 30), target("P", 0, "T2", "lung", 20),
            target("P", 56, "T1", "liver", None, status="too-small"),
            target("P", 56, "T2", "lung", None, status="too-small")]
    assert cats(assess(rows, engine=engine)) == [None, "PR"]


def test_all_node_targets_below_10_mm_are_cr_although_the_sum_is_not_zero(engine):
    """§4.3.1 CR: "any pathological lymph nodes (whether target or non-target) must have reduction in short
    axis to < 10 mm"; the note says the sum may then not be zero. Nodes 20 + 16 = 36 mm → 8 + 9 = 17 mm:
    both < 10 mm → CR, sum 17 mm."""
    rows = series("P", "N1", "lymph-node", [20, 8], days=(0, 56)) + series("P", "N2", "lymph-node", [16, 9], days=(0, 56))
    r = assess(rows, engine=engine)
    assert cats(r) == [None, "CR"] and sums(r) == [36.0, 17.0]


def test_node_at_10_mm_is_not_normal(engine):
    """§3.1: nodes < 10 mm are normal, so 10 mm is not: nodes 20 + 16 → 10 + 9 = 19 mm (−47 %) → PR."""
    rows = series("P", "N1", "lymph-node", [20, 10], days=(0, 56)) + series("P", "N2", "lymph-node", [16, 9], days=(0, 56))
    assert cats(assess(rows, engine=engine)) == [None, "PR"]


def test_node_growing_back_after_cr_is_pd(engine):
    """§4.3.1 and EORTC RECIST FAQ (a node that "reappears", ≥ 10 mm, after an overall CR): nodes 20 + 16
    → 8 + 9 (CR) → 8 + 10: the second node is pathological again after a CR → PD, although the sum rose
    only 17 → 18 mm (+5.9 %, +1 mm)."""
    rows = series("P", "N1", "lymph-node", [20, 8, 8]) + series("P", "N2", "lymph-node", [16, 9, 10])
    assert cats(assess(rows, engine=engine)) == [None, "CR", "PD"]


def test_nadir_zero_after_cr_any_reappearance_is_pd(engine):
    """§4.3.1 note on lesions that disappear and reappear: "if the patient's tumour burden had reached a CR
    status and one of the lesions reappeared, then the patient would be considered PD". Liver 20 → 0
    (CR) → 3 mm: nadir 0, +3 mm is below the 5 mm rule, but the reappearance after CR is PD."""
    rows = series("P", "T1", "liver", [20, 0, 3])
    r = assess(rows, engine=engine)
    assert cats(r) == [None, "CR", "PD"] and r.patient("P").progression_day == 112


def test_reappearance_without_prior_overall_cr_follows_the_sum_rule(engine):
    """EORTC RECIST FAQ "Does a new lesion always result in PD?": reappearance is PD only when the previous
    assessment was an overall CR. Here a non-target persists, so day 56 is target CR + non-target present →
    overall PR (Table 4). At day 112 the target reappears at 3 mm: nadir 0, +3 mm < 5 mm → not PD by sum;
    (3 − 20)/20 = −85 % → PR."""
    rows = series("P", "T1", "liver", [20, 0, 3]) + [non_target("P", d, "NT1", "bone", "present") for d in (0, 56, 112)]
    assert cats(assess(rows, engine=engine)) == [None, "PR", "PR"]


def test_reappearance_of_5_mm_after_non_overall_cr_is_pd_by_the_sum_rule(engine):
    """§4.3.1: with a nadir of 0 the 20 % condition always holds, so a 5 mm reappearance meets both
    conditions (5 ≥ 1.2 × 0 and 5 − 0 ≥ 5 mm) → PD."""
    rows = series("P", "T1", "liver", [20, 0, 5]) + [non_target("P", d, "NT1", "bone", "present") for d in (0, 56, 112)]
    assert cats(assess(rows, engine=engine)) == [None, "PR", "PD"]


# --- Missing measurements: NE ---------------------------------------------------------------------------------

def test_a_missing_target_makes_the_target_response_ne(engine):
    """§4.3.1 / Table 4 "not all evaluated": baseline 20 + 20; day 56 T1 = 12 and T2 blank → NE; a target
    with no row at all on day 112 is missing too → NE."""
    rows = [target("P", 0, "T1", "liver", 20), target("P", 0, "T2", "lung", 20),
            target("P", 56, "T1", "liver", 12), target("P", 56, "T2", "lung", None),
            target("P", 112, "T1", "liver", 12)]
    r = assess(rows, engine=engine)
    assert cats(r) == [None, "NE", "NE"]
    assert sums(r) == [40.0, None, None]
    assert r.patient("P").best_overall_response == "NE"


def test_a_missing_target_is_still_pd_when_the_measured_ones_already_show_it(engine):
    """§4.3.1 (a missing lesion can only add to the sum): baseline 20 + 20 = 40 (nadir); day 56 T1 = 50,
    T2 missing: 50 ≥ 1.2 × 40 = 48 and 50 − 40 = 10 ≥ 5 mm → PD."""
    rows = [target("P", 0, "T1", "liver", 20), target("P", 0, "T2", "lung", 20),
            target("P", 56, "T1", "liver", 50), target("P", 56, "T2", "lung", None)]
    assert cats(assess(rows, engine=engine)) == [None, "PD"]


# --- §4.3.2–4.3.3, Tables 4 and 5 -----------------------------------------------------------------------------

def test_new_lesion_at_first_follow_up_is_pd(engine):
    """§4.3.2 / Table 4 "Any | Any | Yes → PD": targets shrink 55 → 52 mm (SD) but a new lung lesion appears
    at the first follow-up → PD; progression day 56; best response PD."""
    rows = series("P", "T1", "liver", [30, 28], days=(0, 56)) + series("P", "T2", "liver", [25, 24], days=(0, 56))
    rows.append(new("P", 56, "L1", "lung", 12))
    p = assess(rows, engine=engine).patient("P")
    assert [v.category for v in p.visits] == [None, "PD"]
    assert p.visits[1].target == "SD" and p.visits[1].new_lesion
    assert p.progression_day == 56 and p.best_overall_response == "PD"


def test_equivocal_new_lesion_confirmed_later_dates_progression_back(engine):
    """§4.3.2: "If a new lesion is equivocal ... If repeat scans confirm there is definitely a new lesion,
    then progression should be declared using the date of the initial scan." Equivocal on day 56, present
    on day 112 → PD from day 56."""
    rows = series("P", "T1", "liver", [30, 28, 27]) + [new("P", 56, "L1", "bone", status="equivocal"),
                                                       new("P", 112, "L1", "bone", status="present")]
    p = assess(rows, engine=engine).patient("P")
    assert [v.category for v in p.visits] == [None, "PD", "PD"] and p.progression_day == 56


def test_equivocal_new_lesion_never_confirmed_is_not_pd(engine):
    """§4.3.2: an equivocal lesion that is later absent was never progression: 30 → 28 → 27 mm → SD, SD."""
    rows = series("P", "T1", "liver", [30, 28, 27]) + [new("P", 56, "L1", "bone", status="equivocal"),
                                                       new("P", 112, "L1", "bone", status="absent")]
    assert cats(assess(rows, engine=engine)) == [None, "SD", "SD"]


@pytest.mark.parametrize(("nt_status", "expected"), [
    ("absent", "CR"),                # Table 4: CR | CR | No → CR
    ("present", "PR"),               # Table 4: CR | Non-CR/non-PD | No → PR
    (None, "PR"),                    # Table 4: CR | Not evaluated | No → PR
    ("unequivocal-progression", "PD"),  # Table 4: Any | PD | → PD
])
def test_table_4_target_cr_with_each_non_target_response(engine, nt_status, expected):
    """RECIST 1.1 Table 4 rows with target CR (liver 20 → 0)."""
    rows = series("P", "T1", "liver", [20, 0], days=(0, 56)) + [non_target("P", 0, "NT1", "bone", "present"),
                                                                non_target("P", 56, "NT1", "bone", nt_status)]
    assert cats(assess(rows, engine=engine)) == [None, expected]


def test_table_4_sd_with_non_target_not_evaluated_is_sd_and_ne_target_is_ne(engine):
    """Table 4: "SD | Non-PD or not all evaluated | No → SD" and "Not all evaluated | Non-PD | No → NE".
    Day 56: 20 → 19 mm (SD) with the non-target not evaluated → SD. Day 112: target missing, non-target
    present → NE."""
    rows = [target("P", 0, "T1", "liver", 20), non_target("P", 0, "NT1", "bone", "present"),
            target("P", 56, "T1", "liver", 19), non_target("P", 56, "NT1", "bone", None),
            target("P", 112, "T1", "liver", None), non_target("P", 112, "NT1", "bone", "present")]
    assert cats(assess(rows, engine=engine)) == [None, "SD", "NE"]


@pytest.mark.parametrize(("statuses", "expected"), [
    (["absent", "absent"], "CR"),                          # Table 5: CR | No → CR
    (["present", "absent"], "NON-CR/NON-PD"),              # Table 5: Non-CR/non-PD | No → Non-CR/non-PD
    (["present", None], "NE"),                             # Table 5: Not all evaluated | No → NE
    (["unequivocal-progression", "absent"], "PD"),         # Table 5: Unequivocal PD → PD
])
def test_table_5_non_target_disease_only(engine, statuses, expected):
    """RECIST 1.1 Table 5 (patients with non-target disease only)."""
    rows = [non_target("P", 0, "NT1", "bone", "present"), non_target("P", 0, "NT2", "peritoneum", "present"),
            non_target("P", 56, "NT1", "bone", statuses[0]), non_target("P", 56, "NT2", "peritoneum", statuses[1])]
    r = assess(rows, engine=engine)
    assert cats(r) == [None, expected]
    assert sums(r) == [None, None]


def test_table_5_new_lesion_is_pd(engine):
    """Table 5: "Any | Yes → PD"."""
    rows = [non_target("P", 0, "NT1", "bone", "present"), non_target("P", 56, "NT1", "bone", "present"),
            new("P", 56, "L1", "lung", 8)]
    assert cats(assess(rows, engine=engine)) == [None, "PD"]


# --- No follow-up ---------------------------------------------------------------------------------------------

def test_patient_with_no_follow_up(engine):
    """§4.4: without any follow-up assessment the best response is not evaluable (NE), no progression."""
    rows = [target("P", 0, "T1", "liver", 30), target("Q", 0, "T1", "liver", 30), target("Q", 56, "T1", "liver", 30)]
    r = assess(rows, engine=engine)
    p = r.patient("P")
    assert [v.day for v in p.visits] == [0] and p.best_overall_response == "NE" and p.progression_day is None
    assert r.patient("Q").best_overall_response == "SD"


def test_baseline_may_be_before_day_zero(engine):
    """The baseline is each patient's earliest day (a scan a week before the first dose is day −7); SD at
    day 49 is 56 days after it, beyond the 42-day minimum."""
    rows = [target("P", -7, "T1", "liver", 30), target("P", 49, "T1", "liver", 29)]
    p = assess(rows, engine=engine).patient("P")
    assert p.baseline_day == -7 and p.best_overall_response == "SD"


# --- §3 baseline target selection (validated) -----------------------------------------------------------------

def test_at_most_five_targets():
    """§3.2: "a maximum of five lesions total"."""
    rows = [target("P", 0, f"T{i}", organ, 20) for i, organ in enumerate(["liver", "liver", "lung", "lung", "bone", "kidney"])]
    with pytest.raises(InputError, match=r"row 6, column 'kind'.*more than 5 target"):
        assess(rows)


def test_at_most_two_targets_per_organ():
    """§3.2: "a maximum of two lesions per organ"."""
    rows = [target("P", 0, f"T{i}", "liver", 20) for i in range(3)]
    with pytest.raises(InputError, match=r"row 3, column 'kind'.*organ 'liver'"):
        assess(rows)


def test_lymph_nodes_count_as_one_organ():
    """EORTC RECIST FAQ "Two target lesions": nodes (all locations) are one organ, so three nodes in three
    regions are too many targets."""
    rows = [target("P", 0, f"N{i}", "lymph node", 20) for i in range(3)]
    with pytest.raises(InputError, match="organ 'lymph-node'"):
        assess(rows)


@pytest.mark.parametrize(("organ", "diameter", "ok"), [
    ("liver", 10, True), ("liver", 9.9, False),              # §3.1: measurable ≥ 10 mm
    ("lymph-node", 15, True), ("lymph-node", 14.9, False),   # §3.1: nodal target ≥ 15 mm short axis
])
def test_target_measurability_at_baseline(organ, diameter, ok):
    rows = [target("P", 0, "T1", organ, diameter)]
    if ok:
        assert assess(rows).patients[0].visits[0].sum_mm == diameter
    else:
        with pytest.raises(InputError, match=r"row 1, column 'diameter_mm'"):
            assess(rows)


def test_pd_min_increase_is_configurable():
    """The 5 mm rule can be changed (e.g. 0 to reproduce RECIST 1.0): 20 → 12 → 14.4 mm is +20 % over
    the nadir; with no absolute minimum it is PD."""
    rows = series("P", "T1", "liver", [20, 12, 14.4])
    assert cats(assess(rows, pd_min_increase_mm=0)) == [None, "PR", "PD"]
    assert assess(rows, pd_min_increase_mm=0).settings["pd_min_increase_mm"] == 0


def test_lesion_table_is_reusable():
    table = lesion_table(series("P", "T1", "liver", [20, 12]))
    assert assess(table).criteria == "recist1.1" and assess(table, criteria="mrecist").criteria == "mrecist"
