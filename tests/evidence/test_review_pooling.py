"""The engine applied to the review: pooled estimates per regimen class and comparisons of two classes, with
every arm included or excluded as the rules in ``lenvici.evidence.pooling`` document."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from lenvici.errors import InputError, InputWarning
from lenvici.evidence import query_studies
from lenvici.evidence.meta import log_median, proportion, ratio_of_medians, rma, two_group
from lenvici.evidence.pooling import ENDPOINTS, pool_evidence
from tests import tolerances as tol


@pytest.fixture(scope="module")
def curated(tmp_path_factory):
    return query_studies(db_path=tmp_path_factory.mktemp("store") / "evidence.duckdb")


def _pool(curated, endpoint, **kw):
    return pool_evidence(endpoint, studies=curated, **kw)


def _included(pool, group):
    return {(r.study_id, a.label): a for r in pool.group(group).included for a in r.arms}


def _excluded(pool, group):
    return {(e.study_id, e.arm): e.reason for e in pool.group(group).excluded}


# --- single-arm pools by regimen class ---------------------------------------------------------------

def test_len_ici_orr_pools_at_least_five_studies(curated):
    pool = _pool(curated, "orr")
    g = pool.group("LEN+ICI")
    assert g.k >= 5 and g.result is not None
    t = g.result.transformed
    assert 0 < t.ci_lb < t.estimate < t.ci_ub < 1
    assert g.measure == "PLO" and t.transformation == "ilogit"


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_every_arm_is_included_or_excluded_exactly_once(curated, endpoint):
    pool = _pool(curated, endpoint)
    seen = []
    for g in pool.groups:
        seen += [(r.study_id, r.arms[0].label) for r in g.included]
        seen += [(e.study_id, e.arm) for e in g.excluded]
    every = [(s["id"], a["label"]) for s in curated for a in s["arms"]]
    assert sorted(seen) == sorted(every)
    assert all(e.reason for g in pool.groups for e in g.excluded)


def test_exclusion_reasons_and_n_rules_on_the_curated_data(curated):
    pool = _pool(curated, "orr")
    inc, exc = _included(pool, "LEN+ICI"), _excluded(pool, "LEN+ICI")
    # KEYNOTE-524 is printed twice (Table 1 row 1 and the text): the text record has the arm n; counted once.
    k524 = inc[("keynote-524", "Lenvatinib + Pembrolizumab")]
    assert (k524.n, k524.events, k524.criteria) == (100, 46, "mRECIST")
    assert exc[("t1-r01-ref76", "Lenvatinib + Pembrolizumab")].startswith("same study as keynote-524")
    # A two-arm study without arm sizes is excluded, naming n_total.
    assert exc[("t1-r03-ref79", "Lenvatinib + nivolumab")].startswith("arm n not reported (study n_total 92")
    # COMPASSION-08: values from Table 1, arm sizes from the text record of the same study (by position).
    cohort_a = inc[("t1-r10-ref86", "6 mg/kg/2 weeks")]
    assert (cohort_a.n, cohort_a.events) == (31, round(0.355 * 31))
    assert "text-ref86" in cohort_a.notes[0]
    # A single-arm study uses n_total and says so.
    assert inc[("t1-r05-ref81", "Tislelizumab + lenvatinib")].notes == ("n = study n_total 64 (single-arm study)",)
    assert _excluded(pool, "TACE+LEN+ICI")[("t2-r12-ref107", "PTL + TACE + Lenvatinib")] == "no ORR reported"


def test_len_orr_pool_equals_a_hand_built_meta_analysis(curated):
    """LEAP-002 lenvatinib + placebo 17.5% of 399 and REFLECT lenvatinib 24.1% of 478 (the first ORR listed:
    mRECIST, investigator): events round(69.825) = 70 and round(115.198) = 115, logit scale, REML."""
    g = _pool(curated, "orr").group("LEN")
    ref = rma(proportion([70, 115], [399, 478], "PLO"), method="REML")
    assert g.k == 2
    for name in ("estimate", "se", "ci_lb", "ci_ub", "tau2", "I2", "QE"):
        assert getattr(g.result, name) == pytest.approx(getattr(ref, name), rel=tol.IDENTITY, abs=1e-12)


def test_orr_criteria_option(curated):
    mrecist = _pool(curated, "orr", criteria="mRECIST")
    assert _included(mrecist, "LEN+ICI")[("keynote-524", "Lenvatinib + Pembrolizumab")].value == 0.46
    assert _excluded(mrecist, "LEN+ICI")[("t1-r05-ref81", "Tislelizumab + lenvatinib")].startswith(
        "criteria mismatch")
    recist = _pool(curated, "orr", criteria="recist1.1")  # case-insensitive
    assert recist.criteria == "RECIST1.1"
    k524 = _included(recist, "LEN+ICI")[("keynote-524", "Lenvatinib + Pembrolizumab")]
    assert (k524.value, k524.events, k524.criteria) == (0.36, 36, "RECIST1.1")
    assert all(a.criteria == "RECIST1.1" for g in recist.groups for r in g.included for a in r.arms)
    first, any_ = _pool(curated, "orr", criteria="first"), _pool(curated, "orr", criteria="any")
    assert first.group("LEN+ICI").result.estimate == any_.group("LEN+ICI").result.estimate


def test_pft_measure_back_transforms_with_the_harmonic_mean(curated):
    g = _pool(curated, "orr", measure="PFT").group("LEN+ICI")
    assert g.measure == "PFT" and g.result.transformed.transformation == "ipft.hm"
    assert 0 < g.result.transformed.estimate < 1


def test_medians_need_a_confidence_interval(curated):
    pool = _pool(curated, "os_median")
    g = pool.group("ICI")
    assert g.k >= 5 and g.measure == "MEDLN"
    row = next(r for r in g.included if r.study_id == "keynote-224")
    with pytest.warns(InputWarning, match="asymmetric"):  # 35% off on the log scale: warned, kept in notes
        ref = log_median([13.2], [9.7], [15.3])
    assert any("asymmetric" in n for n in row.notes)
    assert (row.yi, row.vi) == pytest.approx((ref.yi[0], ref.vi[0]), rel=tol.IDENTITY)
    assert 10 < g.result.transformed.estimate < 25  # months
    exc = _excluded(pool, "LEN+ICI")
    assert "without a CI" in exc[("t1-r02-ref78", "Lenvatinib + anti-PD-1 antibody (sintilimab/pembrolizumab/"
                                                   "toripalimab/tislelizumab)")]
    assert exc[("t1-r08-ref84", "Lenvatinib + anti-PD-1 antibodies")] == "median OS not reached"
    assert pool.group("LEN+ICI").result is None and pool.group("LEN+ICI").k == 1  # LEAP-002 only
    assert "k = 1 < 2" in pool.group("LEN+ICI").note


def test_trae_grade3_definitions(curated):
    pool = _pool(curated, "trae_grade3")
    inc = _included(pool, "ICI")
    assert inc[("keynote-240", "Pembrolizumab")].definition == "TRAE grade >=3"
    exc = _excluded(pool, "ICI")
    assert exc[("himalaya", "Durvalumab")].startswith("all-cause/treatment-emergent AEs only")
    assert exc[("keynote-394", "Pembrolizumab")].startswith("per-grade TRAE rates only")
    assert _excluded(pool, "TACE+LEN")[("t2-r15-ref113", "TACE+ Lenvatinib")].startswith("TRAE of any grade only")


def test_results_state_estimator_ci_pi_and_i2(curated):
    for endpoint in ENDPOINTS:
        doc = _pool(curated, endpoint).to_dict()
        for key in ("estimator", "ci_method", "pi_method", "i2_definition"):
            assert isinstance(doc[key], str) and doc[key]
        json.dumps(doc, allow_nan=False)
    knha = _pool(curated, "orr", test="knha", method="DL")
    assert knha.estimator.startswith("DL") and "Knapp-Hartung" in knha.ci_method and "t(k-1)" in knha.pi_method


def test_subgroup_test_across_pooled_classes(curated):
    pool = _pool(curated, "orr")
    pooled = [g.group for g in pool.groups if g.result is not None]
    assert list(pool.subgroup.groups) == pooled
    assert pool.subgroup.QMdf[0] == len(pooled) - 1 and 0 <= pool.subgroup.QMp <= 1


# --- comparisons -------------------------------------------------------------------------------------

def test_compare_len_ici_with_len(curated):
    default = _pool(curated, "orr", compare=("LEN+ICI", "LEN"))
    g = default.group("LEN+ICI vs LEN")
    assert g.k == 1 and g.result is None  # only LEAP-002 reports arm sizes
    row = g.included[0]
    assert row.study_id == "leap-002"
    ref = two_group([round(0.261 * 395)], [395], [round(0.175 * 399)], [399], "OR")
    assert row.yi == pytest.approx(ref.yi[0], rel=tol.IDENTITY)
    assert "arm n not reported" in _excluded(default, "LEN+ICI vs LEN")[("t1-r03-ref79", None)]

    assumed = _pool(curated, "orr", compare=("LEN+ICI", "LEN"), assume_equal_arms=True)
    ga = assumed.group("LEN+ICI vs LEN")
    assert ga.k == 4 and ga.result is not None and ga.result.transformed.transformation == "exp"
    ref79 = next(r for r in ga.included if r.study_id == "t1-r03-ref79")
    assert [a.n for a in ref79.arms] == [46, 46]
    assert any(n.startswith("ASSUMPTION") for n in ref79.notes)


def test_compare_tace_len_ici_with_tace_len_needs_the_equal_arms_assumption(curated):
    default = _pool(curated, "orr", compare=("TACE+LEN+ICI", "TACE+LEN"))
    assert default.group("TACE+LEN+ICI vs TACE+LEN").k == 0
    assumed = _pool(curated, "orr", compare=("TACE+LEN+ICI", "TACE+LEN"), assume_equal_arms=True, measure="RR")
    g = assumed.group("TACE+LEN+ICI vs TACE+LEN")
    assert g.k >= 5 and g.measure == "RR"
    three_arm = next(r for r in g.included if r.study_id == "t2-r19-ref118")
    assert [a.n for a in three_arm.arms] == [68, 68]  # 204 / 3 arms


def test_compare_multi_arm_studies_combine_rates_and_take_the_first_median(curated):
    orr = _pool(curated, "orr", compare=("ICI", "SOR")).group("ICI vs SOR")
    himalaya = next(r for r in orr.included if r.study_id == "himalaya")
    a = [x for x in himalaya.arms if x.regimen_class == "ICI"]
    ref = two_group([sum(x.events for x in a)], [sum(x.n for x in a)], [round(0.051 * 389)], [389], "OR")
    assert len(a) == 2 and himalaya.yi == pytest.approx(ref.yi[0], rel=tol.IDENTITY)
    assert any("combined" in n for n in himalaya.notes)

    os_ = _pool(curated, "os_median", compare=("ICI", "SOR")).group("ICI vs SOR")
    assert os_.measure == "ROMED" and os_.k >= 2
    cm459 = next(r for r in os_.included if r.study_id == "checkmate-459")
    ref = ratio_of_medians([16.4], [13.9], [18.4], [14.7], [11.9], [17.2])
    assert (cm459.yi, cm459.vi) == pytest.approx((ref.yi[0], ref.vi[0]), rel=tol.IDENTITY)
    assert math.isclose(math.exp(cm459.yi), 16.4 / 14.7, rel_tol=1e-12)
    hi = next(r for r in os_.included if r.study_id == "himalaya")
    assert any("first arm used" in n for n in hi.notes)


def test_compare_haic_with_len_ici_medians_excluded_without_ci(curated):
    pool = _pool(curated, "pfs_median", compare=("HAIC+LEN+ICI", "LEN+ICI"))
    g = pool.group("HAIC+LEN+ICI vs LEN+ICI")
    assert g.k == 0 and len(g.excluded) == 3
    assert all("without a CI" in e.reason for e in g.excluded)


# --- synthetic records: the rules one by one ----------------------------------------------------------

def _arm(label, cls_regimen, n=None, orr=None, criteria=None):
    return {"label": label, "regimen_class": cls_regimen, "n": n,
            "orr_all": [] if orr is None else [{"value": orr, "criteria": criteria}],
            "orr": orr, "orr_criteria": criteria, "dcr": None, "safety": [],
            "pfs_median_months": None, "pfs_median_not_reached": False,
            "os_median_months": None, "os_median_not_reached": False}


def _study(sid, ref, arms, n_total=None, name=None):
    return {"id": sid, "ref": ref, "name": name, "n_total": n_total, "arms": arms}


def test_synthetic_rules():
    studies = [
        _study("single", 1, [_arm("A", "X", orr=0.25)], n_total=40),
        _study("two", 2, [_arm("A", "X", orr=0.5), _arm("B", "Y", orr=0.2)], n_total=101),
        _study("table", 3, [_arm("A", "X", orr=0.3), _arm("B", "X", orr=0.4)], n_total=50),
        _study("text", 3, [_arm("A'", "X", n=20), _arm("B'", "X", n=30)], n_total=50),
        _study("own", 4, [_arm("A", "X", n=10, orr=0.0)]),
    ]
    pool = pool_evidence("orr", studies=studies)
    inc = _included(pool, "X")
    assert inc[("single", "A")].n == 40 and inc[("single", "A")].events == 10
    assert (inc[("table", "A")].n, inc[("table", "B")].n) == (20, 30)
    assert inc[("own", "A")].events == 0  # a zero count: metafor's 1/2 correction inside proportion()
    exc = _excluded(pool, "X")
    assert exc[("two", "A")].startswith("arm n not reported (study n_total 101 over 2 arms")
    assert exc[("text", "A'")].startswith("same study as table")
    assumed = pool_evidence("orr", studies=studies, assume_equal_arms=True)
    a = _included(assumed, "X")[("two", "A")]
    assert (a.n, a.events) == (51, 26)  # 101 / 2 = 50.5 -> 51 (halves up); 0.5 x 51 = 25.5 -> 26
    assert a.notes[0].startswith("ASSUMPTION")
    # min_k: group Y has one usable arm only with the assumption
    assert assumed.group("Y").result is None and assumed.group("Y").k == 1


def test_invalid_inputs(curated):
    with pytest.raises(InputError, match="endpoint"):
        _pool(curated, "response")
    with pytest.raises(InputError, match="'by'"):
        _pool(curated, "orr", by="study")
    with pytest.raises(InputError, match="criteria"):
        _pool(curated, "orr", criteria="EASL")
    with pytest.raises(InputError, match="two different"):
        _pool(curated, "orr", compare=("LEN", "LEN"))
    with pytest.raises(InputError, match="unknown regimen class"):
        _pool(curated, "orr", compare=("LEN", "NOPE"))
    with pytest.raises(InputError, match="measure"):
        _pool(curated, "orr", compare=("LEN+ICI", "LEN"), measure="PLO")
    with pytest.raises(InputError, match="measure"):
        _pool(curated, "os_median", measure="PLO")
    with pytest.raises(InputError, match="method"):
        _pool(curated, "orr", method="XYZ")


def test_plot_writes_a_forest_and_refuses_when_nothing_is_pooled(curated, tmp_path):
    pool = _pool(curated, "orr")
    fig = pool.plot(tmp_path / "orr.svg")
    assert (tmp_path / "orr.svg").read_text().lstrip().startswith("<?xml")
    left = [t.get_text() for t in fig.axes[0].texts]
    assert "LEN+ICI" in left and any(t.startswith("Test for subgroup differences") for t in left)
    cmp_ = _pool(curated, "orr", compare=("ICI", "SOR"))
    cmp_.plot(tmp_path / "cmp.png")
    assert (tmp_path / "cmp.png").read_bytes()[:4] == b"\x89PNG"
    empty = _pool(curated, "pfs_median", compare=("HAIC+LEN+ICI", "LEN+ICI"))
    with pytest.raises(InputError, match="nothing to plot"):
        empty.plot(tmp_path / "none.png")
    assert np.isfinite(pool.group("LEN+ICI").result.estimate)


def test_suspected_errors_of_the_review_are_flagged_on_included_rows(curated):
    pool = _pool(curated, "orr", compare=("LEN+ICI", "LEN"), assume_equal_arms=True)
    ref79 = next(r for r in pool.group("LEN+ICI vs LEN").included if r.study_id == "t1-r03-ref79")
    assert any("SUSPECTED ERROR" in n for n in ref79.notes)
    leap = next(r for r in pool.group("LEN+ICI vs LEN").included if r.study_id == "leap-002")
    assert not any("SUSPECTED ERROR" in n for n in leap.notes)
