"""The adverse-event dose ladder (lenvici.sim.adverse_events) against the figures it is built from.

Cited figures (see the module docstring): REFLECT lenvatinib arm (Kudo 2018 Lancet) dose reductions 37 %,
withdrawals 9 % (recalled); Okusaka 2021 J Gastroenterol: dose modifications 57.5 % (12 mg, n = 325) vs
43.0 % (8 mg, n = 153). The median time to the first reduction (60 days) is an assumption of the module.
"""

import math

import numpy as np
import pytest

from lenvici.errors import InputError
from lenvici.sim.adverse_events import (DEFAULTS, LadderCourse, derived_probabilities, ladder_course, ladder_levels,
                                        start_levels)
from lenvici.sim.exposure import arm_exposure
from lenvici.sim.protocols import LadderModel, Number, load_protocol
from lenvici.sim.solver import ConstantExposure, StepExposure

N12, N8 = 325, 153  # REFLECT lenvatinib arm by starting dose (Okusaka 2021)


def _reflect_mix(scale: int):
    return np.r_[np.zeros(N12 * scale, int), np.ones(N8 * scale, int)]


def test_ladder_levels_come_from_the_clinical_layer():
    doses, intervals = ladder_levels()
    # US PI section 2.6 (HCC): 12 mg -> 8 mg -> 4 mg -> 4 mg every other day
    assert doses.tolist() == [12.0, 8.0, 4.0, 4.0] and intervals.tolist() == [1.0, 1.0, 1.0, 2.0]
    assert start_levels([12.0, 8.0, 4.0], 1.0).tolist() == [0, 1, 2]
    with pytest.raises(InputError):
        start_levels([10.0], 1.0)


def test_derived_probabilities_match_a_hand_calculation():
    # m = (0.575*325 + 0.430*153)/478 = 252.665/478 = 0.528588; R12 = 0.37*0.575/m = 0.402487,
    # R8 = 0.37*0.430/m = 0.300990; discontinue share = 0.09/0.46 = 0.195652; p = R/(1 - 0.195652)
    q = derived_probabilities()
    assert q["discontinue_share"] == pytest.approx(0.195652, abs=1e-6)
    assert q["p_first_12mg"] == pytest.approx(0.500390, abs=1e-5)
    assert q["p_first_8mg"] == pytest.approx(0.374205, abs=1e-5)
    with pytest.raises(InputError):
        derived_probabilities({"no_such_parameter": 1.0})
    with pytest.raises(InputError):
        derived_probabilities({"reduction_share": 1.5})
    with pytest.raises(InputError):
        derived_probabilities({"reduction_share": 0.95})  # implies a first-event probability above 1


def test_simulated_reductions_match_reflect_within_sampling_error():
    start = _reflect_mix(40)  # 19,120 patients in REFLECT's 325:153 mix
    c = ladder_course(start, np.random.default_rng(11))
    n = start.size
    ever = c.summary(20 * 365.25)
    se = math.sqrt(0.37 * 0.63 / n)
    assert abs(ever["reduction_share"] - 0.37) < 4 * se  # Kudo 2018: 37 %
    # by starting dose, in the ratio of Okusaka 2021's dose-modification shares (57.5 : 43.0)
    r12 = np.mean(np.isfinite(c.first_reduction_day[start == 0]))
    r8 = np.mean(np.isfinite(c.first_reduction_day[start == 1]))
    se_ratio = (r12 / r8) * math.sqrt((1 - r12) / (r12 * N12 * 40) + (1 - r8) / (r8 * N8 * 40))
    assert abs(r12 / r8 - 0.575 / 0.430) < 4 * se_ratio
    # median time to the first reduction among those reduced: the module's 60-day assumption
    first = c.first_reduction_day[np.isfinite(c.first_reduction_day)]
    se_med = (60.0 / math.log(2)) / math.sqrt(first.size)  # exponential: 1 / (f(median) * 2 sqrt(n))
    assert abs(np.median(first) - DEFAULTS["median_days_first"].value) < 4 * se_med
    # withdrawals: at least REFLECT's 9 % (first events that discontinue), plus falls off the ladder's bottom
    disc_first = np.mean(np.isfinite(c.discontinuation_day) & ~np.isfinite(c.first_reduction_day))
    assert abs(disc_first - 0.09) < 4 * math.sqrt(0.09 * 0.91 / n)
    assert ever["discontinuation_share"] >= disc_first
    # a dose intensity below 1 that falls with the horizon (more reductions accumulate)
    di6, di12 = c.summary(182.625)["mean_dose_intensity"], c.summary(365.25)["mean_dose_intensity"]
    assert 0.7 < di12 < di6 < 1.0


def test_each_course_walks_down_the_label_ladder():
    start = _reflect_mix(4)
    c = ladder_course(start, np.random.default_rng(3))
    allowed = {0: [12.0, 8.0, 4.0, 2.0], 1: [8.0, 4.0, 2.0]}  # mg/day; 4 mg every other day = 2 mg/day
    for i in range(start.size):
        seq = c.daily_mg[i, : int(np.isfinite(c.times[i]).sum()) + 1]
        nonzero = [v for v in seq if v > 0]
        assert nonzero == allowed[int(start[i])][: len(nonzero)]  # in ladder order, no level skipped
        zeros = np.flatnonzero(seq == 0)
        for z in zeros:  # an interruption of 14 days before a lower level, or the end
            if z + 1 < seq.size:
                assert c.times[i, z] - c.times[i, z - 1] == pytest.approx(14.0)
                assert 0 < seq[z + 1] < seq[z - 1]
            else:
                assert np.isfinite(c.discontinuation_day[i])
        assert c.n_reductions[i] == len(nonzero) - 1


def test_dose_intensity_by_hand():
    inf = np.inf
    c = LadderCourse(times=np.array([[30.0, 44.0, inf]]), daily_mg=np.array([[12.0, 0.0, 8.0, 8.0]]),
                     start_daily_mg=np.array([12.0]), first_interruption_day=np.array([30.0]),
                     first_reduction_day=np.array([30.0]), discontinuation_day=np.array([inf]),
                     n_reductions=np.array([1]))
    # 30 d x 12 mg + 14 d x 0 + 56 d x 8 mg = 808 mg over 100 days; / 100 / 12 = 0.673333
    assert c.dose_intensity(100.0)[0] == pytest.approx(0.673333, abs=1e-6)
    assert c.dose_intensity(20.0)[0] == pytest.approx(1.0)
    with pytest.raises(InputError):
        c.dose_intensity(0.0)


def _ladder_protocol(overrides=None, rationale=None):
    p = load_protocol("reflect")
    arm = p.arms[0].model_copy(update={"dose_intensity": {"lenvatinib": LadderModel(
        model="adverse_event_ladder", overrides=overrides or {}, rationale=rationale)}})
    return p.model_copy(update={"arms": (arm, p.arms[1])})


def _cov(n=200, seed=5):
    w = np.random.default_rng(seed).uniform(45.0, 90.0, n)
    return {"weight_kg": w}


def test_ladder_exposure_levels_follow_the_pk_conversion():
    p = _ladder_protocol()
    full = p.model_copy(update={"dose_intensity": {"lenvatinib": Number(value=1.0, status="assumption",
                                                                          rationale="full dose")},
                                "arms": (p.arms[0].model_copy(update={"dose_intensity": {}}), p.arms[1])})
    cov = _cov()
    e = arm_exposure(p, "Lenvatinib", cov, seed=9)
    c0 = arm_exposure(full, "Lenvatinib", cov, seed=9)
    assert isinstance(e, StepExposure) and isinstance(c0, ConstantExposure)
    nominal = c0._v[:, 0]
    # before any event every patient is at its full-dose exposure (same PK draws)
    np.testing.assert_allclose(e.levels[:, 0, 0], nominal, rtol=1e-12)
    # every later level is the full-dose exposure times (daily dose / starting daily dose)
    start = np.where(cov["weight_kg"] >= 60, 12.0, 8.0)
    ratios = e.levels[:, :, 0] / nominal[:, None]
    for i in range(ratios.shape[0]):
        allowed = {0.0} | {d / start[i] for d in (12.0, 8.0, 4.0, 2.0) if d <= start[i]}
        assert {round(r, 9) for r in ratios[i]} <= {round(a, 9) for a in allowed}
    assert np.isfinite(e.times).any()
    assert e.levels[:, :, 1:].max() == 0.0  # no sorafenib or anti-PD-1 in this arm


def test_zero_event_ladder_equals_the_full_dose_run():
    from lenvici.sim.trials import run_trial

    zero = _ladder_protocol({"reduction_share": 0.0, "withdrawal_share": 0.0}, rationale="test: no events")
    full = zero.model_copy(update={"dose_intensity": {**zero.dose_intensity, "lenvatinib": Number(
        value=1.0, status="assumption", rationale="full dose")}, "arms": (
        zero.arms[0].model_copy(update={"dose_intensity": {}}), zero.arms[1])})
    assert isinstance(arm_exposure(zero, "Lenvatinib", _cov(), 1), ConstantExposure)
    a, b = run_trial(zero, 6, seed=4), run_trial(full, 6, seed=4)
    assert a.to_dict()["arms"] == b.to_dict()["arms"]


def test_ladder_spec_validation():
    with pytest.raises(ValueError):
        LadderModel(model="adverse_event_ladder", overrides={"reduction_share": 0.2})  # no rationale
    with pytest.raises(ValueError):
        LadderModel(model="something_else")
    bad = _ladder_protocol({"nope": 1.0}, rationale="test")
    with pytest.raises(InputError):
        arm_exposure(bad, "Lenvatinib", _cov(10), 0)
    sor = load_protocol("reflect")
    sor = sor.model_copy(update={"dose_intensity": {"sorafenib": LadderModel(model="adverse_event_ladder")}})
    with pytest.raises(InputError):
        arm_exposure(sor, "Sorafenib", _cov(10), 0)
