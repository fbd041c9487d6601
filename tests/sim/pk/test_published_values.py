"""Reproduce published typical values: each expected number is copied from the source named in
:mod:`tests.sim.pk.reference_values`, never computed by the code under test."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lenvici.sim.pk import infusion_schedule, load_model, oral_schedule, simulate, weight_based_dose
from tests.sim.pk import reference_values as ref
from tests.tolerances import PK_LABEL_POPULATION_REL, PK_PUBLISHED_SIMULATION_REL


def _terminal_half_life(model, params, t_days: float) -> float:
    """ln 2 over the slowest rate of the system at ``t_days`` after the first dose (days)."""
    m = model.structure.matrix(params.values, t_days)[0]
    return math.log(2) / -np.linalg.eigvals(m).real.max()


def _trough(res, day):
    return res.concentration[0, np.isclose(res.times, day)][0]


# --------------------------------------------------------------------------------------------------- lenvatinib

@pytest.mark.parametrize("weight_dose", sorted(ref.TAMAI2017_AUC_NG_H_PER_ML))
def test_tamai2017_steady_state_auc_by_weight(weight_dose):
    """Tamai 2017 Figure 5 simulation: mean AUCss 1540-2050 ng*h/mL (8 mg, 60-40 kg) and 1410-2310 ng*h/mL
    (12 mg, 120-60 kg). The mean over a log-normal CL is exp(omega2_CL / 2) times the typical patient's AUC."""
    weight, dose = weight_dose
    model = load_model("lenvatinib-tamai2017")
    params = model.typical_parameters({"weight_kg": weight})
    res = simulate(model, params, oral_schedule(dose, 21), [20.0, 21.0])
    auc_typical = res.exposure(20.0, 21.0).auc[0] * 24.0  # ng/mL*day -> ng*h/mL
    omega2_cl = model.omega[model.eta_names.index("CL"), model.eta_names.index("CL")]
    mean_auc = auc_typical * math.exp(omega2_cl / 2)
    assert mean_auc == pytest.approx(ref.TAMAI2017_AUC_NG_H_PER_ML[weight_dose], rel=PK_PUBLISHED_SIMULATION_REL)


def test_weight_based_starting_dose_evens_out_exposure():
    """Tamai 2017's argument for 8 mg < 60 kg / 12 mg >= 60 kg: at the 60 kg boundary 12 mg gives 1.5 times the AUC
    of 8 mg, and the published AUC ranges of the two bands overlap (1540-2050 and 1410-2310 ng*h/mL)."""
    lo8, hi8 = ref.TAMAI2017_AUC_NG_H_PER_ML[(60.0, 8.0)], ref.TAMAI2017_AUC_NG_H_PER_ML[(40.0, 8.0)]
    lo12, hi12 = ref.TAMAI2017_AUC_NG_H_PER_ML[(120.0, 12.0)], ref.TAMAI2017_AUC_NG_H_PER_ML[(60.0, 12.0)]
    model = load_model("lenvatinib-tamai2017")
    weights = np.array([40.0, 59.9, 60.0, 120.0])
    doses = np.where(weights < 60, 8.0, 12.0)
    res = simulate(model, model.typical_parameters({"weight_kg": weights}), oral_schedule(doses, 21), [20.0, 21.0])
    auc = res.exposure(20.0, 21.0).auc * 24 * math.exp(model.omega[0, 0] / 2)
    assert lo8 * 0.99 <= auc[1] and auc[0] <= hi8 * 1.01
    assert lo12 * 0.99 <= auc[3] and auc[2] <= hi12 * 1.01


@pytest.mark.parametrize("model_id", ["lenvatinib-gupta2016", "lenvatinib-tamai2017", "lenvatinib-majid2024"])
def test_lenvatinib_tmax_within_label_range(model_id):
    """LENVIMA label: tmax 1 to 4 hours after an oral dose (first dose and steady state, typical patient)."""
    model = load_model(model_id)
    params = model.typical_parameters({"weight_kg": 70.0})
    times = np.concatenate([np.arange(0, 1.0, 1 / 240), 20 + np.arange(0, 1.0001, 1 / 240)])
    res = simulate(model, params, oral_schedule(12.0, 21), times)
    lo, hi = ref.LENVIMA_TMAX_RANGE_H
    for start in (0.0, 20.0):
        tmax_h = (res.exposure(start, start + (1.0 if start else 1.0 - 1 / 240)).tmax[0] - start) * 24
        assert lo <= tmax_h <= hi


def test_lenvatinib_exposure_is_dose_proportional_over_the_label_range():
    """LENVIMA label: Cmax and AUC increase proportionally from 3.2 to 32 mg."""
    model = load_model("lenvatinib-gupta2016")
    params = model.sample_parameters({"weight_kg": np.full(20, 70.0)}, seed=5)
    lo, hi = ref.LENVIMA_PROPORTIONAL_DOSES_MG
    times = np.linspace(13, 14, 97)
    a = simulate(model, params, oral_schedule(lo, 14), times).exposure(13, 14)
    b = simulate(model, params, oral_schedule(hi, 14), times).exposure(13, 14)
    np.testing.assert_allclose(b.auc / a.auc, hi / lo, rtol=1e-12)
    np.testing.assert_allclose(b.cmax / a.cmax, hi / lo, rtol=1e-12)


def test_gupta2016_steady_state_auc_is_dose_over_clearance():
    """Gupta 2016 abstract: CL/F 6.56 L/h -> at steady state AUC(tau) = dose / CL/F (24 mg: 3659 ng*h/mL)."""
    model = load_model("lenvatinib-gupta2016")
    res = simulate(model, model.typical_parameters({"weight_kg": 75.0}), oral_schedule(24.0, 30), [29.0, 30.0])
    auc = res.exposure(29.0, 30.0).auc[0] * 24
    assert auc == pytest.approx(24.0 / ref.GUPTA2016_CL_L_PER_H * 1000, rel=1e-4)


# ---------------------------------------------------------------------------------------------------- sorafenib

def test_sorafenib_label_accumulation_steady_state_and_fluctuation():
    model = load_model("sorafenib-jain2011")
    params = model.typical_parameters({"weight_kg": 80.0})
    times = np.arange(0, 30 * 96 + 1) / 96
    res = simulate(model, params, oral_schedule(400.0, 30, per_day=2), times)
    first = res.exposure(0.0, 0.5).auc[0]
    day7 = res.exposure(6.5, 7.0).auc[0]
    steady = res.exposure(29.5, 30.0)
    lo, hi = ref.NEXAVAR_ACCUMULATION_DAY7
    assert lo <= day7 / first <= hi
    assert steady.cmax[0] / steady.cmin[0] < ref.NEXAVAR_PEAK_TO_TROUGH_MAX
    # "steady state achieved within 7 days": within 10% of the day-30 exposure
    assert day7 / steady.auc[0] > 0.9


# ------------------------------------------------------------------------------------------------ pembrolizumab

def test_pembrolizumab_label_time_varying_clearance():
    """KEYTRUDA label: CL 252 mL/day after the first dose, 195 mL/day at steady state; t1/2 22 days."""
    model = load_model("pembrolizumab-label-tv")
    params = model.typical_parameters()
    m0 = model.structure.matrix(params.values, 0.0)[0]
    m_ss = model.structure.matrix(params.values, 730.0)[0]
    v1 = params["V1"][0]
    cl_ss = -m_ss[0, 0] * v1 - model.typical["Q"]
    cl_0 = -m0[0, 0] * v1 - model.typical["Q"]
    assert cl_0 == pytest.approx(ref.KEYTRUDA_CL_FIRST_DOSE_L_PER_DAY, rel=1e-12)
    assert cl_ss == pytest.approx(ref.KEYTRUDA_CL_STEADY_STATE_L_PER_DAY, rel=1e-3)
    half_life = _terminal_half_life(model, params, 730.0)
    assert half_life == pytest.approx(ref.KEYTRUDA_HALF_LIFE_DAYS, rel=PK_LABEL_POPULATION_REL)


@pytest.mark.parametrize("model_id", ["pembrolizumab-label-tv", "pembrolizumab-ahamadi2017"])
def test_pembrolizumab_200mg_q3w_exposure(model_id):
    """Freshwater 2017: mean AUCss over 6 weeks 1.87 mg*day/mL at 200 mg Q3W (CV 37%); KEYTRUDA label: 2.1-fold
    accumulation, steady state by 16 weeks."""
    model = load_model(model_id)
    params = model.typical_parameters()
    n_doses = 36
    times = np.unique(np.concatenate([np.arange(0, 21 * n_doses + 1, 0.5)]))
    res = simulate(model, params, infusion_schedule(200.0, 21.0, n_doses), times, max_step_days=0.5)
    ss = res.exposure(21.0 * (n_doses - 2), 21.0 * n_doses)
    assert ss.auc[0] == pytest.approx(ref.FRESHWATER2017_AUC_6WK_UG_DAY_PER_ML, rel=PK_LABEL_POPULATION_REL)
    accumulation = res.exposure(21.0 * (n_doses - 1), 21.0 * n_doses).auc[0] / res.exposure(0.0, 21.0).auc[0]
    assert accumulation == pytest.approx(ref.KEYTRUDA_ACCUMULATION, rel=PK_LABEL_POPULATION_REL)
    week16 = 21.0 * math.ceil(ref.KEYTRUDA_STEADY_STATE_WEEKS * 7 / 21)
    assert _trough(res, week16) / _trough(res, 21.0 * n_doses) > 1 - PK_LABEL_POPULATION_REL


# --------------------------------------------------------------------------------------------------- nivolumab

def test_nivolumab_label_clearance_volume_and_half_life():
    """OPDIVO label: CL falls by 26% at most; CLss 7.91 mL/h and Vss 6.6 L (population geometric means) lie
    between the female reference and a male patient of Bajaj 2017; t1/2 25 days."""
    model = load_model("nivolumab-bajaj2017")
    female = model.typical_parameters({"female": 1, "weight_kg": 80.0})
    male = model.typical_parameters({"female": 0, "weight_kg": 80.0})
    reduction = 1 - math.exp(model.typical["EMAX"])
    assert reduction == pytest.approx(ref.OPDIVO_MAX_CL_REDUCTION, rel=PK_LABEL_POPULATION_REL)
    clss = [p["CL"][0] * math.exp(model.typical["EMAX"]) / 24 * 1000 for p in (female, male)]  # mL/h
    assert clss[0] < ref.OPDIVO_CLSS_ML_PER_H < clss[1]
    vss = [p["V1"][0] + p["V2"][0] for p in (female, male)]
    assert vss[0] < ref.OPDIVO_VSS_L < vss[1]
    assert _terminal_half_life(model, female, 730.0) == pytest.approx(ref.OPDIVO_HALF_LIFE_DAYS,
                                                                      rel=PK_LABEL_POPULATION_REL)


def _nivolumab_3mgkg_q2w():
    model = load_model("nivolumab-bajaj2017")
    params = model.typical_parameters({"weight_kg": 80.0})
    n_doses = 52
    times = np.arange(0, 14 * n_doses + 1, 0.5)
    res = simulate(model, params, infusion_schedule(weight_based_dose(3.0, 80.0), 14.0, n_doses), times,
                   max_step_days=0.5)
    return res, n_doses


def test_nivolumab_3mgkg_q2w_accumulation():
    """OPDIVO label: 3 mg/kg every 2 weeks gives 3.7-fold accumulation."""
    res, n_doses = _nivolumab_3mgkg_q2w()
    accumulation = res.exposure(14.0 * (n_doses - 1), 14.0 * n_doses).auc[0] / res.exposure(0.0, 14.0).auc[0]
    assert accumulation == pytest.approx(ref.OPDIVO_ACCUMULATION, rel=PK_LABEL_POPULATION_REL)


@pytest.mark.xfail(strict=True, reason=(
    "Known miss, kept visible: in Bajaj 2017 (as transcribed) clearance keeps falling after week 12 "
    "(T50 = 1410 h = 59 days, Hill 3.15), so the week-12 trough is about 76% of the 2-year trough, while the "
    "label says steady state is reached by 12 weeks (a statement about the concentrations of the stationary "
    "part). Not tuned away."))
def test_nivolumab_steady_state_by_12_weeks():
    """OPDIVO label: steady state by 12 weeks of 3 mg/kg every 2 weeks."""
    res, n_doses = _nivolumab_3mgkg_q2w()
    week12 = ref.OPDIVO_STEADY_STATE_WEEKS * 7
    assert _trough(res, week12) / _trough(res, 14.0 * n_doses) > 1 - PK_LABEL_POPULATION_REL


# ------------------------------------------------------------------------------------------------ atezolizumab

def test_atezolizumab_1200mg_q3w_steady_state_and_accumulation():
    """Tecentriq label: IV 1200 mg q3w at steady state, trough 179 ug/mL and AUC 6107 ug/mL*day (geometric
    means); accumulation 1.91 (AUC), 1.46 (Cmax), 2.75 (Cmin)."""
    model = load_model("atezolizumab-label")
    params = model.typical_parameters()
    n_doses = 20
    times = np.arange(0, 21 * n_doses + 1, 0.125)
    res = simulate(model, params, infusion_schedule(1200.0, 21.0, n_doses, infusion_minutes=60.0), times)
    first = res.exposure(0.0, 21.0)
    ss = res.exposure(21.0 * (n_doses - 1), 21.0 * n_doses)
    assert ss.auc[0] == pytest.approx(ref.TECENTRIQ_IV_AUC_SS, rel=PK_LABEL_POPULATION_REL)
    trough_ss = _trough(res, 21.0 * n_doses)
    assert trough_ss == pytest.approx(ref.TECENTRIQ_IV_CTROUGH_SS, rel=PK_LABEL_POPULATION_REL)
    ratios = {"auc": ss.auc[0] / first.auc[0], "cmax": ss.cmax[0] / first.cmax[0],
              "cmin": trough_ss / _trough(res, 21.0)}
    for key, published in ref.TECENTRIQ_ACCUMULATION.items():
        assert ratios[key] == pytest.approx(published, rel=PK_LABEL_POPULATION_REL), key
