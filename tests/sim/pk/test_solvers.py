"""Numerical checks of the PK solvers: exact solutions against an ODE reference, the two exact solvers against
each other, mass balance, linearity (dose proportionality, superposition), events, and the ODE interface."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from lenvici.errors import InputError
from lenvici.sim.pk import (
    infusion_schedule,
    load_model,
    oral_schedule,
    oral_schedule_from_daily,
    pk_system,
    simulate,
    weight_based_dose,
)
from tests.sim.pk._reference_ode import reference_amounts
from tests.tolerances import (
    PK_ANALYTIC_VS_ODE_REL,
    PK_MASS_BALANCE_REL,
    PK_MIDPOINT_REL,
    PK_SOLVER_CROSS_REL,
)

LENVATINIB_MODELS = ["lenvatinib-gupta2016", "lenvatinib-tamai2017", "lenvatinib-majid2024"]


def _rel_error(a: np.ndarray, b: np.ndarray) -> float:
    """Largest error relative to each patient's peak (concentrations near zero are not divided by zero)."""
    scale = np.maximum(np.abs(b).max(axis=-1, keepdims=True), 1e-300)
    return float(np.max(np.abs(a - b) / scale))


def _virtual(model_id, n, seed, **covariates):
    model = load_model(model_id)
    covariates = {"weight_kg": np.linspace(45.0, 110.0, n), **covariates}
    return model, model.sample_parameters(covariates, seed=seed)


@pytest.mark.parametrize("model_id", LENVATINIB_MODELS)
def test_lenvatinib_exact_solution_matches_ode(model_id):
    """Per-patient D1 (random effect) and an interruption with a dose reduction, 6 patients."""
    model, params = _virtual(model_id, 6, seed=11, capsule=np.array([0, 1, 0, 1, 0, 1]))
    schedule = oral_schedule(np.array([8.0, 12.0, 12.0, 8.0, 12.0, 12.0]), 10, changes=[(4, 0.0), (6, 4.0)])
    times = np.unique(np.concatenate([np.linspace(0, 10, 241), [3.99, 4.02, 6.0, 6.01]]))
    res = simulate(model, params, schedule, times)
    assert res.method == "modal"
    ref = reference_amounts(model.record.structure, params.values, schedule, times)
    assert _rel_error(res.amounts[:, :, 1], ref[:, :, 1]) < PK_ANALYTIC_VS_ODE_REL
    assert _rel_error(res.amounts[:, :, 0], ref[:, :, 0]) < PK_ANALYTIC_VS_ODE_REL


def test_sorafenib_exact_solution_matches_ode():
    model, params = _virtual("sorafenib-jain2011", 4, seed=3)
    schedule = oral_schedule(400.0, 5, per_day=2, changes=[(2, 0.0), (3, 200.0)])
    times = np.linspace(0, 5, 481)
    res = simulate(model, params, schedule, times)
    assert res.method == "expm"
    ref = reference_amounts("oral-transit-ehc", params.values, schedule, times)
    for state in (5, 6):  # central, gallbladder
        assert _rel_error(res.amounts[:, :, state], ref[:, :, state]) < PK_ANALYTIC_VS_ODE_REL


@pytest.mark.parametrize("model_id", ["pembrolizumab-ahamadi2017", "atezolizumab-label", "cadonilimab-generic-igg"])
def test_antibody_exact_solution_matches_ode(model_id):
    model, params = _virtual(model_id, 4, seed=5)
    schedule = infusion_schedule(weight_based_dose(3.0, params.covariates["weight_kg"]), 21.0, 4, skip=[2])
    times = np.linspace(0, 84, 337)
    res = simulate(model, params, schedule, times)
    ref = reference_amounts("iv-2cmt", params.values, schedule, times)
    assert _rel_error(res.concentration, ref[:, :, 0] / params["V1"][:, None]) < PK_ANALYTIC_VS_ODE_REL


@pytest.mark.parametrize("model_id", ["pembrolizumab-label-tv", "nivolumab-bajaj2017"])
def test_time_varying_clearance_midpoint_rule(model_id):
    """Exponential midpoint rule: within PK_MIDPOINT_REL at 0.25-day steps, and second order in the step."""
    model, params = _virtual(model_id, 3, seed=7)
    schedule = infusion_schedule(240.0, 14.0, 10)
    times = np.linspace(0, 140, 141)
    ref = reference_amounts("iv-2cmt", params.values, schedule, times)[:, :, 0]
    errors = []
    for step in (1.0, 0.5, 0.25):
        res = simulate(model, params, schedule, times, max_step_days=step)
        errors.append(_rel_error(res.amounts[:, :, 0], ref))
    assert errors[-1] < PK_MIDPOINT_REL
    orders = np.log2(np.array(errors[:-1]) / np.array(errors[1:]))
    assert np.all(orders > 1.8)


def test_modal_and_expm_agree_for_typical_lenvatinib():
    """Typical patients share D1, so the shared-grid solver applies too: both are exact."""
    model = load_model("lenvatinib-gupta2016")
    params = model.typical_parameters({"weight_kg": [50.0, 75.0, 100.0], "cyp3a4_inducer": [0, 1, 0]})
    schedule = oral_schedule(12.0, 5, changes=[(2, 0.0), (3, 8.0)])
    times = np.linspace(0, 5, 121)
    a = simulate(model, params, schedule, times, method="modal")
    b = simulate(model, params, schedule, times, method="expm")
    assert _rel_error(a.amounts, b.amounts) < PK_SOLVER_CROSS_REL


def test_expm_refuses_per_patient_durations_and_modal_refuses_gates():
    model, params = _virtual("lenvatinib-gupta2016", 3, seed=1)
    with pytest.raises(InputError):
        simulate(model, params, oral_schedule(12.0, 2), [0.0, 1.0], method="expm")
    sor = load_model("sorafenib-jain2011")
    with pytest.raises(InputError):
        simulate(sor, sor.typical_parameters(), oral_schedule(400.0, 2, per_day=2), [0.0, 1.0], method="modal")


@pytest.mark.parametrize("model_id", ["lenvatinib-tamai2017", "sorafenib-jain2011", "atezolizumab-label"])
def test_mass_balance(model_id):
    """Dosed amount = amount in the body + amount eliminated; elimination integrated independently (DOP853
    on CL_elim * C), and the exact AUC (mass balance) equals the integral of the concentration."""
    model, params = _virtual(model_id, 3, seed=2)
    if model.structure.route == "oral":
        schedule = oral_schedule(10.0, 3, per_day=2)
    else:
        schedule = infusion_schedule(1200.0, 21.0, 2)
    times = np.linspace(0, 4 if model.structure.route == "oral" else 42, 4001)
    res = simulate(model, params, schedule, times)
    exposure = res.exposure(float(times[0]), float(times[-1]))
    assert exposure.auc_method == "mass-balance"
    # the same integral by a fine Simpson rule on the exact concentrations (smooth pieces: compare loosely)
    simpson = np.trapezoid(res.concentration, times, axis=1)
    np.testing.assert_allclose(exposure.auc, simpson, rtol=1e-4)
    dosed = res.inputs.delivered(float(times[-1]))
    in_body = res.amounts[:, -1, :].sum(axis=1)
    eliminated = exposure.auc / res.concentration_factor * res.elimination_clearance
    np.testing.assert_allclose(in_body + eliminated, dosed, rtol=PK_MASS_BALANCE_REL)
    assert np.all(res.amounts >= -1e-12)


@pytest.mark.parametrize("model_id", ["lenvatinib-gupta2016", "sorafenib-jain2011", "pembrolizumab-label-tv"])
def test_dose_proportionality(model_id):
    """Linear PK: doubling every dose doubles every concentration (LENVIMA label: proportional 3.2-32 mg)."""
    model, params = _virtual(model_id, 3, seed=4)
    if model.structure.route == "oral":
        low, high = oral_schedule(4.0, 6), oral_schedule(8.0, 6)
        times = np.linspace(0, 6, 145)
    else:
        low, high = infusion_schedule(100.0, 21.0, 3), infusion_schedule(200.0, 21.0, 3)
        times = np.linspace(0, 63, 127)
    a = simulate(model, params, low, times).concentration
    b = simulate(model, params, high, times).concentration
    np.testing.assert_allclose(b, 2.0 * a, rtol=1e-12, atol=1e-12 * b.max())


def test_superposition_of_schedules():
    model = load_model("lenvatinib-tamai2017")
    params = model.sample_parameters({"weight_kg": [60.0, 70.0]}, seed=9)
    first = oral_schedule(8.0, 3)
    later = oral_schedule(4.0, 2, start_day=3.0)
    times = np.linspace(0, 6, 145)
    both = simulate(model, params, first.merge(later), times).concentration
    parts = simulate(model, params, first, times).concentration + simulate(model, params, later, times).concentration
    np.testing.assert_allclose(both, parts, rtol=1e-12, atol=1e-12 * both.max())


def test_interruption_lowers_concentration_and_resumption_restores_it():
    model = load_model("lenvatinib-gupta2016")
    params = model.typical_parameters({"weight_kg": 70.0})
    times = np.arange(0, 41, 0.25)
    daily = np.full((1, 40), 12.0)
    interrupted = daily.copy()
    interrupted[0, 14:21] = 0.0  # one week off from day 14
    base = simulate(model, params, oral_schedule_from_daily(daily), times).concentration[0]
    held = simulate(model, params, oral_schedule_from_daily(interrupted), times).concentration[0]
    before = times < 14
    during = (times >= 14.5) & (times < 21)
    np.testing.assert_allclose(held[before], base[before], rtol=1e-13)
    assert np.all(held <= base * (1 + 1e-12))
    assert np.all(np.diff(held[during]) < 0)  # no input: concentrations only fall
    trough = base[np.isclose(times, 20.0)][0]
    assert held[np.isclose(times, 20.75)][0] < 0.05 * trough
    # two weeks after resumption the profile has returned to within 1% of uninterrupted dosing
    after = times >= 35
    np.testing.assert_allclose(held[after], base[after], rtol=1e-2)


def test_bolus_jump_is_right_continuous():
    model = load_model("atezolizumab-label")
    params = model.typical_parameters()
    schedule = infusion_schedule(1200.0, 21.0, 1, infusion_minutes=0.0)
    res = simulate(model, params, schedule, [0.0, 1e-9])
    np.testing.assert_allclose(res.concentration[0, 0], 1200.0 / params["V1"][0], rtol=1e-12)


@pytest.mark.parametrize("model_id", ["lenvatinib-majid2024", "sorafenib-jain2011", "nivolumab-bajaj2017"])
def test_ode_interface_reproduces_simulate(model_id):
    """PKSystem's right-hand side, integrated between its breakpoints with bolus jumps, gives simulate()'s result."""
    model, params = _virtual(model_id, 2, seed=8)
    if model.structure.route == "oral":
        schedule = oral_schedule(10.0, 3, per_day=2)
        t_end = 3.0
    else:
        schedule = infusion_schedule(240.0, 14.0, 2)
        t_end = 28.0
    system = pk_system(model, params, schedule)
    stops = np.union1d(system.breakpoints(t_end), [0.0, t_end])
    ends = system.patient_breakpoints()
    stops = np.union1d(stops, ends[np.isfinite(ends) & (ends <= t_end)])
    x = system.initial_state()
    n, k = x.shape

    def f(t, y, mid):
        xx = y.reshape(n, k)
        rate = system.input_rate(mid)  # constant on each piece between breakpoints
        return (np.einsum("nij,nj->ni", system.matrix(t), xx) + rate).ravel()

    for t0, t1 in zip(stops[:-1], stops[1:]):
        x = x + system.bolus(t0)
        sol = solve_ivp(f, (t0, t1), x.ravel(), method="DOP853", rtol=1e-12, atol=1e-14, args=(0.5 * (t0 + t1),))
        x = sol.y[:, -1].reshape(n, k)
    c_ode = system.concentration(x)
    c_exact = simulate(model, params, schedule, [t_end], max_step_days=0.01).concentration[:, 0]
    np.testing.assert_allclose(c_ode, c_exact, rtol=1e-6)
    assert system.rhs(0.5, x).shape == (n, k)
    assert system.unbound_nanomolar(x).shape == (n,)


def test_batched_expm_matches_scipy():
    """Our vectorised scaling-and-squaring Pade(13) against scipy.linalg.expm, on PK matrices and random ones."""
    from scipy.linalg import expm

    from lenvici.sim.pk._expm import batched_expm
    rng = np.random.default_rng(0)
    model, params = _virtual("sorafenib-jain2011", 5, seed=1)
    pk = model.structure.matrix(params.values, None, True) * 0.5
    rand = rng.normal(size=(20, 7, 7)) * rng.uniform(0.01, 10, size=(20, 1, 1))
    for stack in (pk, rand):
        ours = batched_expm(stack)
        ref = np.stack([expm(a) for a in stack])
        scale = np.abs(ref).max(axis=(1, 2), keepdims=True)
        assert np.max(np.abs(ours - ref) / scale) < 1e-11
