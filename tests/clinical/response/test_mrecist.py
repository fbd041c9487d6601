"""mRECIST worked examples (Lencioni R, Llovet JM. Semin Liver Dis 2010;30:52–60).

Sections cited as in the paper: "target lesion response" (viable tumour), "new lesions", "non-target
lesions" (portal-vein thrombosis, effusions). Arithmetic in the comments; both engines.
"""

import pytest

from lenvici.clinical.response import assess, mrecist_criteria
from lenvici.errors import InputError
from tests.clinical.response.rows import new, non_target, series, target

ENGINES = ["columnar", "reference"]


@pytest.fixture(params=ENGINES)
def engine(request):
    return request.param


def cats(result, patient="P"):
    return [v.category for v in result.patient(patient).visits]


def test_viable_tumour_shrinks_more_than_the_whole_lesion(engine):
    """mRECIST target response, PR: "at least a 30% decrease in the sum of diameters of viable (enhancement
    in the arterial phase) target lesions". Whole diameters 50 + 30 = 80 → 46 + 28 = 74 (−7.5 %: RECIST SD);
    viable 45 + 28 = 73 → 20 + 10 = 30 ((30 − 73)/73 = −58.9 %: mRECIST PR)."""
    rows = (series("P", "T1", "liver", [50, 46], days=(0, 56), viable=[45, 20])
            + series("P", "T2", "liver", [30, 28], days=(0, 56), viable=[28, 10]))
    recist = assess(rows, engine=engine)
    m = assess(rows, criteria="mrecist", engine=engine)
    assert cats(recist) == [None, "SD"] and [v.sum_mm for v in recist.patient("P").visits] == [80.0, 74.0]
    assert cats(m) == [None, "PR"] and [v.sum_mm for v in m.patient("P").visits] == [73.0, 30.0]


def test_pd_from_the_nadir_of_viable_sums_not_from_baseline(engine):
    """mRECIST PD: "an increase of at least 20% in the sum of the diameters of viable (enhancing) target
    lesions, taking as reference the smallest sum of the diameters of viable target lesions recorded since
    treatment started". Viable 40 → 20 (−50 %, PR) → 25: against the nadir 25/20 = +25 % → PD. Measured
    from baseline (the known bug of open calculators) it would be (25 − 40)/40 = −37.5 %, still "PR"."""
    rows = series("P", "T1", "liver", [50, 45, 45], viable=[40, 20, 25])
    p = assess(rows, criteria="mrecist", engine=engine).patient("P")
    assert [v.category for v in p.visits] == [None, "PR", "PD"]
    assert p.visits[2].nadir_mm == 20.0 and p.visits[2].change_from_baseline_pct == -37.5
    assert p.progression_day == 112 and p.best_overall_response == "PR"


def test_nadir_is_the_smallest_sum_on_study_not_the_previous_visit(engine):
    """The nadir is the minimum over all earlier visits: viable 40 → 20 → 23 → 24. Day 224: 24/20 = +20 %
    → PD although it is only +4.3 % over the previous visit (23)."""
    rows = series("P", "T1", "liver", [50, 45, 45, 45], viable=[40, 20, 23, 24])
    assert cats(assess(rows, criteria="mrecist", engine=engine)) == [None, "PR", "PR", "PD"]


def test_mrecist_has_no_5_mm_rule_by_default(engine):
    """mRECIST PD is the 20 % rise alone (the +5 mm rule is RECIST 1.1's): viable 20 → 10 (PR) → 12:
    12/10 = +20 %, +2 mm → PD under mRECIST; with pd_min_increase_mm=5 (RECIST-style) it is not PD and
    (12 − 20)/20 = −40 % → PR."""
    rows = series("P", "T1", "liver", [30, 25, 25], viable=[20, 10, 12])
    assert mrecist_criteria().pd_min_increase_mm == 0
    assert cats(assess(rows, criteria="mrecist", engine=engine)) == [None, "PR", "PD"]
    assert cats(assess(rows, criteria="mrecist", pd_min_increase_mm=5, engine=engine)) == [None, "PR", "PR"]


def test_cr_is_loss_of_arterial_enhancement_in_all_targets(engine):
    """mRECIST CR: "disappearance of any intratumoral arterial enhancement in all target lesions". Viable
    30 → 0 while the lesion remains 35 mm: mRECIST CR; RECIST 40 → 35 (−12.5 %) SD."""
    rows = series("P", "T1", "liver", [40, 35], days=(0, 56), viable=[30, 0])
    assert cats(assess(rows, criteria="mrecist", engine=engine)) == [None, "CR"]
    assert cats(assess(rows, engine=engine)) == [None, "SD"]


def test_reappearance_of_enhancement_after_cr_is_pd(engine):
    """Viable 30 → 0 (CR) → 2 mm: nadir 0, any reappearance of viable tumour is PD (20 % of 0 is 0 and
    mRECIST has no absolute minimum; the RECIST 1.1 reappearance-after-CR rule also applies)."""
    rows = series("P", "T1", "liver", [40, 35, 35], viable=[30, 0, 2])
    assert cats(assess(rows, criteria="mrecist", engine=engine)) == [None, "CR", "PD"]


def test_extrahepatic_and_atypical_targets_use_whole_diameters(engine):
    """mRECIST keeps RECIST measurement for targets that are not typical HCC: a lung metastasis (25 mm)
    and an intrahepatic lesion without arterial enhancement (viable blank at baseline: atypical, 30 mm).
    Sum 55 → 20 + 18 = 38 ((38 − 55)/55 = −30.9 %) → PR; the viable values given later are ignored."""
    rows = (series("P", "T1", "lung", [25, 20], days=(0, 56))
            + [target("P", 0, "T2", "liver", 30, None), target("P", 56, "T2", "liver", 18, 5)])
    r = assess(rows, criteria="mrecist", engine=engine)
    assert [v.sum_mm for v in r.patient("P").visits] == [55.0, 38.0] and cats(r) == [None, "PR"]


def test_missing_viable_diameter_is_ne_under_mrecist_only(engine):
    """Viable diameter not recorded at follow-up → the mRECIST target sum is incomplete (NE); RECIST uses
    the whole diameter 40 → 38 (SD)."""
    rows = series("P", "T1", "liver", [40, 38], days=(0, 56), viable=[30, None])
    assert cats(assess(rows, criteria="mrecist", engine=engine)) == [None, "NE"]
    assert cats(assess(rows, engine=engine)) == [None, "SD"]


# --- New lesions ---------------------------------------------------------------------------------------------

def test_new_intrahepatic_lesion_of_1_cm_with_typical_pattern_is_pd(engine):
    """mRECIST new lesions: a new intrahepatic lesion ≥ 1 cm with the typical vascular pattern of HCC
    (arterial hyperenhancement, washout; recorded ``present``) is PD."""
    rows = series("P", "T1", "liver", [40, 38], days=(0, 56), viable=[30, 28]) + [new("P", 56, "L1", "liver", 10)]
    assert cats(assess(rows, criteria="mrecist", engine=engine)) == [None, "PD"]


def test_new_intrahepatic_lesion_under_1_cm_waits_for_growth(engine):
    """mRECIST: lesions < 1 cm (or atypical) are not progression until they are diagnosed as HCC, by a
    typical pattern at ≥ 1 cm or by ≥ 1 cm of interval growth; then PD dates from first appearance
    (RECIST 1.1 §4.3.2). New 8 mm nodule on day 56 (SD under mRECIST); 18 mm on day 112 (+10 mm) → PD
    from day 56. Under RECIST 1.1 the reader's ``present`` is PD at once."""
    rows = (series("P", "T1", "liver", [40, 38, 38], viable=[30, 28, 28])
            + [new("P", 56, "L1", "liver", 8, status="equivocal"), new("P", 112, "L1", "liver", 18, status="equivocal")])
    p = assess(rows, criteria="mrecist", engine=engine).patient("P")
    assert [v.category for v in p.visits] == [None, "PD", "PD"] and p.progression_day == 56
    # Without the growth (8 → 12 mm, +4 mm, still equivocal) it is not progression.
    rows[-1] = new("P", 112, "L1", "liver", 12, status="equivocal")
    assert cats(assess(rows, criteria="mrecist", engine=engine)) == [None, "SD", "SD"]


def test_new_typical_lesion_under_1_cm_is_not_yet_pd_under_mrecist(engine):
    """A typical but 8 mm new intrahepatic nodule: mRECIST needs ≥ 1 cm → SD; RECIST 1.1 takes the
    reader's unequivocal call → PD."""
    rows = series("P", "T1", "liver", [40, 38], days=(0, 56), viable=[30, 28]) + [new("P", 56, "L1", "liver", 8)]
    assert cats(assess(rows, criteria="mrecist", engine=engine)) == [None, "SD"]
    assert cats(assess(rows, engine=engine)) == [None, "PD"]


def test_new_extrahepatic_lesion_is_pd_whatever_its_size(engine):
    rows = series("P", "T1", "liver", [40, 38], days=(0, 56), viable=[30, 28]) + [new("P", 56, "L1", "lung", 6)]
    assert cats(assess(rows, criteria="mrecist", engine=engine)) == [None, "PD"]


# --- Non-target specifics --------------------------------------------------------------------------------------

def test_effusion_progression_needs_cytology_under_mrecist(engine):
    """mRECIST non-target lesions: ascites / pleural effusion appearing or growing during treatment is PD
    only with cytological confirmation. Without cytology → SD (target 45 → 44); with positive cytology →
    PD. RECIST 1.1 takes the unequivocal progression as PD."""
    rows = (series("P", "T1", "liver", [45, 44, 43], viable=[40, 38, 36])
            + [non_target("P", 0, "A1", "ascites", "present"),
               non_target("P", 56, "A1", "ascites", "unequivocal-progression"),
               non_target("P", 112, "A1", "ascites", "unequivocal-progression", cytology="positive")])
    assert cats(assess(rows, criteria="mrecist", engine=engine)) == [None, "SD", "PD"]
    assert cats(assess(rows, engine=engine)) == [None, "PD", "PD"]


def test_new_effusion_without_cytology_is_not_pd_under_mrecist(engine):
    rows = series("P", "T1", "liver", [45, 44], days=(0, 56), viable=[40, 38]) + [new("P", 56, "E1", "pleural effusion")]
    assert cats(assess(rows, criteria="mrecist", engine=engine)) == [None, "SD"]
    rows[-1] = new("P", 56, "E1", "pleural effusion", cytology="positive")
    assert cats(assess(rows, criteria="mrecist", engine=engine)) == [None, "PD"]


def test_portal_vein_thrombosis_cannot_be_a_target_under_mrecist():
    """mRECIST: malignant portal-vein thrombosis is a non-measurable lesion (non-target)."""
    rows = [target("P", 0, "PVT", "portal vein", 18)]
    with pytest.raises(InputError, match=r"row 1, column 'organ'.*portal-vein"):
        assess(rows, criteria="mrecist")
    ok = [target("P", 0, "T1", "liver", 30, 25), non_target("P", 0, "PVT", "portal-vein", "present")]
    assert assess(ok, criteria="mrecist").patients[0].visits[0].sum_mm == 25.0


def test_non_enhancing_intrahepatic_target_with_viable_zero_is_rejected():
    """A typical target shows intratumoral arterial enhancement at baseline; viable 0 contradicts that."""
    with pytest.raises(InputError, match="viable_diameter_mm"):
        assess([target("P", 0, "T1", "liver", 30, 0)], criteria="mrecist")
