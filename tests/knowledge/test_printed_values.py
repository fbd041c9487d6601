"""Value tests: individual numbers pinned to what the review prints (Tables 1–3 and the text trials).

Each expected value below is typed from the review (``seed`` document), not computed by lenvici; the
comment names the table row or the text passage. A wrong parse — a swapped arm, a percent read as a
fraction twice, days left unconverted, a landmark read as a median — fails one of these.
"""

import pytest

from lenvici.knowledge import load_biomarkers, load_studies
from tests.tolerances import MONTHS, PRINTED_FRACTION


@pytest.fixture(scope="module")
def by_ref():
    studies = load_studies()

    def get(where: str, ref: int):
        (study,) = [s for s in studies if s.where == where and s.ref == ref]
        return study

    return get


def _orr(arm, criteria=None):
    return next(r.value for r in arm.orr if criteria is None or r.criteria == criteria)


# --- Table 1 ---------------------------------------------------------------------------------------------

def test_table1_ref76_keynote524_row(by_ref):
    # "NCT03006926 ... Lenvatinib + Pembrolizumab ... 46% 9.3 22 TRAE Grade ≥ 3: 67% 104 [76]"
    s = by_ref("table1", 76)
    assert s.registration == "NCT03006926" and s.n_total == 104
    (arm,) = s.arms
    assert _orr(arm) == pytest.approx(0.46, abs=PRINTED_FRACTION)
    assert arm.pfs_median.months == pytest.approx(9.3, abs=MONTHS)
    assert arm.os_median.months == pytest.approx(22.0, abs=MONTHS)
    assert arm.safety[0].value == pytest.approx(0.67, abs=PRINTED_FRACTION)


def test_table1_ref79_keeps_the_printed_arm_order_and_is_flagged(by_ref):
    # "Lenvatinib vs. lenvatinib + nivolumab ... 45.65% vs. 23.91% ... 92 [79]"
    s = by_ref("table1", 79)
    assert [a.regimen for a in s.arms] == [("lenvatinib",), ("lenvatinib", "nivolumab")]
    assert [_orr(a) for a in s.arms] == pytest.approx([0.4565, 0.2391], abs=PRINTED_FRACTION)
    assert s.n_total == 92
    assert any("45.65" in n for n in s.notes)


def test_table1_ref80_two_arms_and_hazard_ratio_in_the_safety_column(by_ref):
    # "Lenvatinib + nivolumab vs. lenvatinib ... 45.0% vs. 23.4% 7.5 vs. 4.8 22.9 vs. 10.3 HR 0.2, 95% C.I. 0.1–0.7 87"
    s = by_ref("table1", 80)
    combo, mono = s.arms
    assert (_orr(combo), _orr(mono)) == pytest.approx((0.45, 0.234), abs=PRINTED_FRACTION)
    assert (combo.pfs_median.months, mono.pfs_median.months) == pytest.approx((7.5, 4.8), abs=MONTHS)
    assert (combo.os_median.months, mono.os_median.months) == pytest.approx((22.9, 10.3), abs=MONTHS)
    (hr,) = s.comparisons
    assert (hr.hr, hr.ci_lower, hr.ci_upper) == (0.2, 0.1, 0.7)
    assert s.safety_source == "HR 0.2, 95% C.I. 0.1–0.7"


def test_table1_ref81_os_cell_is_a_12_month_landmark_not_a_median(by_ref):
    # "Tislelizumab + lenvatinib ... 38.70% 8.2 12: 88.6% ... 64 [81]"
    (arm,) = by_ref("table1", 81).arms
    assert arm.os_median is None
    (landmark,) = arm.os_landmarks
    assert (landmark.month, landmark.survival) == (12, pytest.approx(0.886, abs=PRINTED_FRACTION))
    assert _orr(arm) == pytest.approx(0.387, abs=PRINTED_FRACTION)


def test_table1_ref84_not_reached_is_a_flag(by_ref):
    # "41.5% vs. 20.0% 8.0 vs. 3.0 not reached vs. 13.0 ... 127 [84]"
    combo, mono = by_ref("table1", 84).arms
    assert combo.os_median.not_reached and combo.os_median.months is None
    assert mono.os_median.months == pytest.approx(13.0, abs=MONTHS)
    assert by_ref("table1", 84).n_total == 127


def test_table1_ref86_cadonilimab_dose_arms(by_ref):
    # "6 mg/kg/2 weeks: 35.5% 15 mg/kg/3 weeks: 35.7% ... 27.1 months ... NA ... 59 [86]"
    s = by_ref("table1", 86)
    low, high = s.arms
    assert (_orr(low), _orr(high)) == pytest.approx((0.355, 0.357), abs=PRINTED_FRACTION)
    assert (low.pfs_median.months, high.pfs_median.months) == pytest.approx((8.6, 9.8), abs=MONTHS)
    assert low.os_median.months == pytest.approx(27.1, abs=MONTHS)
    assert high.os_median.na
    assert all("cadonilimab" in a.regimen for a in s.arms)


def test_table1_ref83_and_ref96_values(by_ref):
    # ref 83: "19.60% 6.9 17.8 ... 378"; ref 96: "13.8% vs. 3.7% 6.1 vs. 3.4 22.1 vs. 21.3 ... 85"
    (arm83,) = by_ref("table1", 83).arms
    assert (_orr(arm83), arm83.pfs_median.months, arm83.os_median.months) == pytest.approx((0.196, 6.9, 17.8))
    assert by_ref("table1", 83).n_total == 378
    s96 = by_ref("table1", 96)
    assert [_orr(a) for a in s96.arms] == pytest.approx([0.138, 0.037], abs=PRINTED_FRACTION)
    assert s96.n_total == 85


# --- Table 2 ---------------------------------------------------------------------------------------------

def test_table2_ref98_days_converted_to_months_with_the_original_kept(by_ref):
    # "HAIC-FOLFOX-lenvatinib-anti-PD-1 antibodies ... 31.20% 179 days no reach 68.75% 32 [98]"
    (arm,) = by_ref("table2", 98).arms
    assert arm.pfs_median.days == 179
    assert arm.pfs_median.months == pytest.approx(179 / 30.4375, abs=MONTHS)
    assert arm.os_median.not_reached
    assert _orr(arm) == pytest.approx(0.312, abs=PRINTED_FRACTION)


def test_table2_ref100_both_criteria_kept(by_ref):
    # "52.7% (RECIST 1.1) 72.5% (mRECIST) 8.8 months 14.3 months 94.50% 91 [100]"
    (arm,) = by_ref("table2", 100).arms
    assert _orr(arm, "RECIST1.1") == pytest.approx(0.527, abs=PRINTED_FRACTION)
    assert _orr(arm, "mRECIST") == pytest.approx(0.725, abs=PRINTED_FRACTION)
    assert by_ref("table2", 100).n_total == 91


def test_table2_ref112_both_criteria_kept(by_ref):
    # "mRECIST: 60% RECIST 1:1: 30% 8 months 18.4 months 93.30% 30 [112]"
    (arm,) = by_ref("table2", 112).arms
    assert (_orr(arm, "mRECIST"), _orr(arm, "RECIST1.1")) == pytest.approx((0.60, 0.30), abs=PRINTED_FRACTION)
    assert arm.os_median.months == pytest.approx(18.4, abs=MONTHS)


def test_table2_ref118_three_arms_in_printed_order(by_ref):
    # "TACE- lenvatinib-PD-1 inhibitors vs. TACE+ len vs. TACE ... 70.4% vs. 48.9% vs. 42.5%
    #  24.1 months vs. 17.3 months vs. 13.7 months  no reach vs. 25.6 months vs. 15.7 months ... 204"
    s = by_ref("table2", 118)
    assert [a.regimen for a in s.arms] == [("tace", "lenvatinib", "anti-pd-1"), ("tace", "lenvatinib"), ("tace",)]
    assert [_orr(a) for a in s.arms] == pytest.approx([0.704, 0.489, 0.425], abs=PRINTED_FRACTION)
    assert [a.pfs_median.months for a in s.arms] == pytest.approx([24.1, 17.3, 13.7], abs=MONTHS)
    assert s.arms[0].os_median.not_reached
    assert [a.os_median.months for a in s.arms[1:]] == pytest.approx([25.6, 15.7], abs=MONTHS)
    assert s.n_total == 204


def test_table2_ref103_subgroup_arms_are_kept_as_printed_and_flagged(by_ref):
    # "HCC without HBV reactivation vs. CC with HBV reactivation 56.1% vs. 32.5% 6 months vs. 11.3 months
    #  12.6 months vs. 25 months lower 213 [103]"
    s = by_ref("table2", 103)
    without, with_ = s.arms
    assert (_orr(without), _orr(with_)) == pytest.approx((0.561, 0.325), abs=PRINTED_FRACTION)
    assert (without.os_median.months, with_.os_median.months) == pytest.approx((12.6, 25.0), abs=MONTHS)
    assert any("swap" in n.lower() for n in s.notes)


def test_table2_ref99_and_ref102_haic_rows(by_ref):
    # ref 99: "76.7% vs. 23.0% 9.6 months vs. 4.9 months 19.3 months vs. 9.8 months higher 164"
    s = by_ref("table2", 99)
    assert [_orr(a) for a in s.arms] == pytest.approx([0.767, 0.23], abs=PRINTED_FRACTION)
    assert [a.os_median.months for a in s.arms] == pytest.approx([19.3, 9.8], abs=MONTHS)
    # ref 102: "61.8% vs. 20.8% 11.5 months vs. 5.5 months 26.3 months vs. 13.8 months higher 142"
    s = by_ref("table2", 102)
    assert [a.pfs_median.months for a in s.arms] == pytest.approx([11.5, 5.5], abs=MONTHS)
    assert s.n_total == 142


def test_table2_ref97_and_ref117_rows_without_orr(by_ref):
    # ref 97: "... 21.257 months vs. 11.795 months 65.52% 67"; ref 117: "43.6 months vs. 18.9 months NA 145"
    s97 = by_ref("table2", 97)
    assert [a.os_median.months for a in s97.arms] == pytest.approx([21.257, 11.795], abs=MONTHS)
    assert all(not a.orr for a in s97.arms)
    s117 = by_ref("table2", 117)
    assert [a.os_median.months for a in s117.arms] == pytest.approx([43.6, 18.9], abs=MONTHS)
    assert s117.n_total == 145


def test_table2_ref129_sorafenib_comparator_and_ref127_three_arms(by_ref):
    # ref 129: "TACE-L-P vs. TACE-S (Sorafenib)-P 41.25% vs. 30.59% 6.3 vs 3.2 21.7 vs 15.6 ... 165"
    s = by_ref("table2", 129)
    assert "sorafenib" in s.arms[1].regimen
    assert [_orr(a) for a in s.arms] == pytest.approx([0.4125, 0.3059], abs=PRINTED_FRACTION)
    # ref 127: "13 months vs. 5 months vs. 9 months  21 months vs. 10 months vs. 14 months ... 150"
    s = by_ref("table2", 127)
    assert [a.pfs_median.months for a in s.arms] == pytest.approx([13, 5, 9], abs=MONTHS)
    assert "i125-seeds" in s.arms[0].regimen


def test_table2_ref125_single_arm_triplet(by_ref):
    # "lenvatinib- atezolizumab -bevacizumab ... 21.40% 4.2 months 8.3 months 100% 14 [125]"
    (arm,) = by_ref("table2", 125).arms
    assert (_orr(arm), arm.pfs_median.months, arm.os_median.months) == pytest.approx((0.214, 4.2, 8.3))
    assert by_ref("table2", 125).n_total == 14


# --- Table 3 ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("row", "name_part", "direction", "refs"),
    [
        (1, "FGFR4", "positive", (130,)),
        (2, "miR-3154", "negative", (132,)),
        (3, "SMV", "positive", (134, 135, 136)),
        (6, "ctDNA", "not-stated", (133,)),
        (10, "ANG2", "negative", (72,)),
        (16, "ANG2 and VEGF", "mixed", (165,)),
        (21, "BTR", "positive", (138, 169)),
        (25, "mALBI", "negative", (149,)),
        (31, "PIMET", "positive", (147,)),
        (35, "ALBS", "negative", (150,)),
        (39, "PNI", "positive", (153,)),
        (42, "LEP", "negative", (154,)),
        (44, "CTav", "positive", (144,)),
    ],
)
def test_table3_rows(row, name_part, direction, refs):
    b = load_biomarkers()[row - 1]
    assert b.row == row
    assert name_part in b.name
    assert (b.direction, b.refs) == (direction, refs)


# --- Trials described in the text -------------------------------------------------------------------------

def _study(study_id):
    (study,) = [s for s in load_studies() if s.id == study_id]
    return study


def test_reflect_as_printed_in_the_text():
    # "Lenvatinib (N=478) or Sorafenib (N=476) ... 954 ... median OS 13.6 months ... 12.3 months ... (HR 0.92)"
    s = _study("reflect")
    lenva, sora = s.arms
    assert (s.n_total, lenva.n, sora.n) == (954, 478, 476)
    assert (lenva.os_median.months, sora.os_median.months) == pytest.approx((13.6, 12.3), abs=MONTHS)
    os_hr = next(c for c in s.comparisons if c.endpoint == "os")
    assert os_hr.hr == 0.92
    # MODELLING.md §1: investigator mRECIST 24.1% vs 9.2%; independent mRECIST 40.6% vs 12.4%;
    # independent RECIST 1.1 18.8% vs 6.5% (Kudo et al., Lancet 2018).
    def orr(arm, criteria, assessment):
        return next(r.value for r in arm.orr if (r.criteria, r.assessment) == (criteria, assessment))
    assert orr(lenva, "mRECIST", "investigator") == pytest.approx(0.241, abs=PRINTED_FRACTION)
    assert orr(sora, "mRECIST", "independent") == pytest.approx(0.124, abs=PRINTED_FRACTION)
    assert orr(lenva, "RECIST1.1", "independent") == pytest.approx(0.188, abs=PRINTED_FRACTION)


def test_keynote524_as_printed_in_the_text():
    # "According to mRECIST and RECIST v1.1, the objective response rates (ORR) were 46.0% and 36.0% ...
    #  mPFS was 9.3 and 8.6 months, while the median overall survival (mOS) was 22 months"
    (arm,) = _study("keynote-524").arms
    assert _orr(arm, "mRECIST") == pytest.approx(0.46, abs=PRINTED_FRACTION)
    assert _orr(arm, "RECIST1.1") == pytest.approx(0.36, abs=PRINTED_FRACTION)
    assert arm.os_median.months == pytest.approx(22.0, abs=MONTHS)
    assert _study("keynote-524").n_total == 104


def test_leap002_as_printed_in_the_text():
    # "21.2 months (95% CI: 19.0–23.6 months) ... 19.0 months (95% CI: 17.2–21.7 months) (HR: 0.84, p=0.023)
    #  ... median PFS was 8.2 months (95% CI: 6.4–8.4 months) ... 8.0 months (95% CI: 6.3–8.2 months)"
    s = _study("leap-002")
    combo, mono = s.arms
    assert (combo.os_median.months, combo.os_median.ci_lower, combo.os_median.ci_upper) == (21.2, 19.0, 23.6)
    assert (mono.os_median.months, mono.os_median.ci_lower, mono.os_median.ci_upper) == (19.0, 17.2, 21.7)
    assert (combo.pfs_median.months, combo.pfs_median.ci_lower, combo.pfs_median.ci_upper) == (8.2, 6.4, 8.4)
    assert (mono.pfs_median.months, mono.pfs_median.ci_lower, mono.pfs_median.ci_upper) == (8.0, 6.3, 8.2)
    os_hr = next(c for c in s.comparisons if c.endpoint == "os")
    assert (os_hr.hr, os_hr.p) == (0.84, 0.023)
    assert "placebo" in mono.regimen and "pembrolizumab" in combo.regimen


def test_text_ref78_conversion_study():
    # "conversion success rate of 55.4% (31/56) ... ORR according to mRECIST was 53.6% and 44.6% per RECIST 1.1
    #  ... median PFS 8.9 months, and the median OS was 23.9 months ... R0 resection rate of 85.7%"
    (arm,) = _study("text-ref78").arms
    assert (_orr(arm, "mRECIST"), _orr(arm, "RECIST1.1")) == pytest.approx((0.536, 0.446), abs=PRINTED_FRACTION)
    assert (arm.pfs_median.months, arm.os_median.months) == pytest.approx((8.9, 23.9), abs=MONTHS)
    other = {o.name.lower(): o.value for o in arm.other}
    assert any(v == pytest.approx(0.554, abs=PRINTED_FRACTION) for k, v in other.items() if "conversion" in k)
    assert any(v == pytest.approx(0.857, abs=PRINTED_FRACTION) for k, v in other.items() if "r0" in k)


def test_keynote394_os_as_printed():
    # "The OS in the pembrolizumab group reached 14.6 months ... duration of response (DOR) was 23.9 months"
    pembro = _study("keynote-394").arms[0]
    assert pembro.os_median.months == pytest.approx(14.6, abs=MONTHS)
    assert "pembrolizumab" in pembro.regimen
