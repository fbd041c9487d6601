"""The optional JAX engine (``lenvici.sim.solver._jax``), tested on CPU.

References: the NumPy engine :func:`lenvici.sim.solver.simulate` (itself tested against SciPy's Radau/LSODA
in ``test_solver_scipy.py`` and ``test_solver_stiff.py``) — the JAX engine runs the same Rodas4 and PI
controller, so it must take the same steps and agree to round-off; closed-form solutions of the small
test problems in ``tests/sim/_problems.py``; and the NumPy code generator for the right-hand side and the
Jacobian. Every HCC case uses the same shapes (6 patients, one save grid, one switch time), so the model is
compiled once for them; the dose-event cases share a second program (4 patients, 28 days, 2 modes, 32 dose
slots).
"""

from __future__ import annotations

import numpy as np
import pytest

jax = pytest.importorskip("jax")

from lenvici.errors import InputError  # noqa: E402
from lenvici.sim.model import compile_model  # noqa: E402
from lenvici.sim.solver import (  # noqa: E402
    RESULTS,
    CallableExposure,
    ConstantExposure,
    ConstantStepSize,
    DoseEventExposure,
    GridExposure,
    PIController,
    StackedExposure,
    StepExposure,
    bolus_modes,
    oral_modes,
    simulate,
)
from lenvici.sim.solver._jax import simulate_jax  # noqa: E402
from tests.sim._problems import BLOWUP, GROWTH, ROBERTSON, ROBERTSON_RATES  # noqa: E402

NAMES = ("c_len", "c_sor", "c_pd1")
#: save grid (days): monthly for a year, with day 30 listed twice (both entries must hold the same state)
GRID = np.array([0.0, 14.0, 30.0, 30.0, 60.0, 90.0, 120.0, 180.0, 240.0, 300.0, 365.0])
#: same algorithm, same steps: the engines differ only by round-off (dense pivoted vs sparse LU), far
#: below the solver's tolerance; the brief's bound is 1e-6 relative
VS_NUMPY_REL = 1e-6
CTL = PIController(rtol=1e-8, atol=1e-10)


@pytest.fixture(scope="module")
def hcc(compiled, baseline):
    """Six varied patients (the three baseline sizes, twice) and their per-patient drug concentrations (nM)."""
    y0 = np.concatenate([baseline.y0, baseline.y0])
    params = np.concatenate([baseline.params, baseline.params])
    on = np.array([[3.0, 0.0, 150.0], [10.0, 0.0, 0.0], [1.0, 0.0, 40.0],
                   [0.0, 2000.0, 0.0], [0.3, 0.0, 150.0], [30.0, 0.0, 400.0]])
    exposures = {
        "none": None,
        "constant": ConstantExposure(NAMES, on),
        # lenvatinib + anti-PD-1 from a per-patient start day (two off the save grid, one never)
        "step": StepExposure(NAMES, np.array([[0.5], [30.0], [45.5], [np.inf], [100.0], [7.25]]),
                             np.stack([np.zeros_like(on), on], axis=1)),
    }
    return compiled, y0, params, exposures


def _assert_same(sol, ref):
    assert sol.status.tolist() == ref.status.tolist()
    np.testing.assert_allclose(sol.ys, ref.ys, rtol=VS_NUMPY_REL, atol=1e-12)
    # where a patient stopped early depends on its step sizes, i.e. on error estimates that round-off
    # perturbs in relative terms when they are tiny (h ∝ err^(-0.7/4)); still far inside 1e-6
    np.testing.assert_allclose(sol.t_final, ref.t_final, rtol=VS_NUMPY_REL)
    np.testing.assert_allclose(sol.y_final, ref.y_final, rtol=VS_NUMPY_REL, atol=1e-12)
    assert sol.outputs.keys() == ref.outputs.keys()
    for name in ref.outputs:
        np.testing.assert_allclose(sol.outputs[name], ref.outputs[name], rtol=VS_NUMPY_REL, atol=1e-12)
    # the same controller on the same error estimates takes the same steps (± a borderline decision)
    assert np.all(np.abs(sol.n_steps - ref.n_steps) <= 2)


@pytest.mark.parametrize("case", ["none", "constant", "step"])
def test_hcc_agrees_with_the_numpy_engine(hcc, case):
    cm, y0, params, exposures = hcc
    sol = simulate_jax(cm, y0, params, GRID, exposures[case], controller=CTL, max_steps=20_000, outputs=True)
    ref = simulate(cm, y0, params, GRID, exposures[case], controller=CTL, max_steps=20_000, backend="numpy")
    assert np.all(sol.ok), sol.messages
    _assert_same(sol, ref)
    assert sol.ys.shape == (6, GRID.size, cm.n_states) and sol.ys.dtype == np.float64
    np.testing.assert_array_equal(sol.ys[:, 2], sol.ys[:, 3])  # the duplicated save time
    assert sol.solver == "Rodas4/jax" and sol.rtol == CTL.rtol


def test_treatment_changes_the_trajectory(hcc):
    """Guard against a vacuous agreement: the exposures above do act on the tumour."""
    cm, y0, params, exposures = hcc
    none = simulate_jax(cm, y0, params, GRID, None, controller=CTL)
    const = simulate_jax(cm, y0, params, GRID, exposures["constant"], controller=CTL)
    v = cm.spec.state_names.index("V_v")
    assert np.all(np.abs(const.ys[:, -1, v] / none.ys[:, -1, v] - 1) > 1e-3)


def test_max_steps_stops_every_patient_with_its_status(hcc):
    cm, y0, params, exposures = hcc
    sol = simulate_jax(cm, y0, params, GRID, exposures["step"], controller=CTL, max_steps=5)
    ref = simulate(cm, y0, params, GRID, exposures["step"], controller=CTL, max_steps=5, backend="numpy")
    assert np.all(sol.status == RESULTS.max_steps_reached)
    assert "maximum number of steps" in sol.message(0)
    assert np.all(sol.n_steps + sol.n_rejected == 5)
    assert np.all(np.isnan(sol.ys[:, -1])) and np.all(np.isfinite(sol.ys[:, 0]))
    _assert_same(sol, ref)


#: one shape (4 patients, 6 save times) for every GROWTH case, so that model is compiled once
GROWTH_TS = np.array([0.0, 0.5, 1.0, 2.0, 3.0, 4.0])


def test_switch_times_are_breakpoints_exactly():
    """y' = u, u jumping from 0 to 1 at a per-patient day s: y(t) = max(t − s, 0), exact for a step method
    that never steps across s (Rodas4 integrates a constant right-hand side exactly)."""
    s = np.array([1.0, 2.5, np.inf, 0.0])
    exp = StepExposure(("u",), s[:, None], np.array([[[0.0], [1.0]]] * 4))
    sol = simulate_jax(compile_model(GROWTH), np.zeros(1), np.zeros((4, 1)), GROWTH_TS, exp,
                       controller=PIController(rtol=1e-10, atol=1e-12))
    assert np.all(sol.ok)
    expect = np.maximum(GROWTH_TS[None, :] - np.where(np.isfinite(s), s, 1e9)[:, None], 0.0)
    np.testing.assert_allclose(sol.ys[:, :, 0], expect, rtol=1e-12, atol=1e-12)


def test_growth_matches_the_exponential():
    """y' = r y: y(t) = exp(r t), with each patient's own rate."""
    r = np.array([[0.1], [-0.3], [0.02], [0.0]])
    sol = simulate_jax(compile_model(GROWTH), np.ones(1), r, GROWTH_TS, controller=PIController(rtol=1e-9, atol=1e-12))
    np.testing.assert_allclose(sol.ys[:, :, 0], np.exp(r * GROWTH_TS[None, :]), rtol=1e-7)


def test_blow_up_fails_alone_and_the_healthy_patient_is_exact():
    """y' = k y², y(0) = 1: y = 1/(1 − k t), infinite at t = 1/k."""
    sol = simulate_jax(compile_model(BLOWUP), np.array([1.0]), np.array([[1.0], [0.1], [np.nan]]),
                       [0.0, 0.5, 2.0], controller=PIController(rtol=1e-8, atol=1e-10))
    assert sol.status[0] in (RESULTS.dt_min_reached, RESULTS.nonfinite, RESULTS.max_steps_reached)
    assert sol.status[1] == RESULTS.successful and not sol.ok[2]  # a NaN parameter: a status, no exception
    np.testing.assert_allclose(sol.ys[1, :, 0], 1 / (1 - 0.1 * np.array([0, 0.5, 2.0])), rtol=1e-7)
    np.testing.assert_allclose(sol.ys[0, 1, 0], 2.0, rtol=1e-7)
    assert np.isnan(sol.ys[0, 2, 0])
    assert sol.t_final[0] == pytest.approx(1.0, abs=1e-3)


def test_stiff_robertson_batch_agrees_with_the_numpy_engine():
    """Robertson's kinetics (very stiff) mixed with non-stiff linear decays in one batch."""
    params = np.array([ROBERTSON_RATES, (0.04, 0.0, 0.0), (0.08, 2e4, 3e7), (1.0, 0.0, 0.0)])
    ts = np.concatenate([[0.0], np.logspace(-5, 4, 10)])
    ctl = PIController(rtol=1e-8, atol=1e-8)
    cm = compile_model(ROBERTSON)
    sol = simulate_jax(cm, np.array([1.0, 0.0, 0.0]), params, ts, controller=ctl)
    ref = simulate(cm, np.array([1.0, 0.0, 0.0]), params, ts, controller=ctl, backend="numpy")
    assert np.all(sol.ok)
    _assert_same(sol, ref)
    np.testing.assert_allclose(sol.ys.sum(axis=2), 1.0, rtol=0, atol=1e-9)  # mass is conserved


def test_generated_rhs_and_jacobian_match_the_numpy_generator(compiled, baseline):
    from lenvici.sim.model._codegen_jax import jax_model

    jm = jax_model(compiled.spec, compiled.parameter_names)
    rng = np.random.default_rng(7)
    Y = baseline.y0.T * rng.uniform(0.5, 2.0, baseline.y0.T.shape) + 0.01
    U = rng.uniform(0.0, 100.0, (3, Y.shape[1]))
    P = baseline.params.T
    with jax.enable_x64(True):
        f = np.stack([np.asarray(jm.rhs(Y[:, k], P[:, k], U[:, k])) for k in range(Y.shape[1])], axis=1)
        J = np.stack([np.asarray(jm.jac(Y[:, k], P[:, k], U[:, k])) for k in range(Y.shape[1])], axis=2)
    np.testing.assert_allclose(f, compiled.rhs(Y, P, U), rtol=1e-13, atol=1e-300)
    np.testing.assert_allclose(J, compiled.jac(Y, P, U), rtol=1e-13, atol=1e-300)


def test_float64_without_changing_the_global_jax_setting():
    before = jax.config.jax_enable_x64
    r = np.full((4, 1), 0.1)
    sol = simulate_jax(compile_model(GROWTH), np.ones(1), r, GROWTH_TS, controller=PIController(rtol=1e-12, atol=1e-14))
    assert jax.config.jax_enable_x64 == before
    assert sol.ys.dtype == np.float64
    np.testing.assert_allclose(sol.ys[:, -1, 0], np.exp(0.4), rtol=1e-11)  # beyond float32's 6e-8


def test_bad_input_raises_input_error(compiled, baseline):
    cm = compile_model(GROWTH)
    with pytest.raises(InputError, match="y0") as e:
        simulate_jax(cm, np.ones((3, 2)), np.ones((3, 1)), [0.0, 1.0])
    assert e.value.field == "y0"
    with pytest.raises(InputError, match="params"):
        simulate_jax(cm, np.ones(1), np.ones((3, 2)), [0.0, 1.0])
    with pytest.raises(InputError, match="t_grid"):
        simulate_jax(cm, np.ones(1), np.ones((3, 1)), [1.0, 0.0])
    with pytest.raises(InputError, match="GridExposure") as e:
        simulate_jax(cm, np.ones(1), np.ones((1, 1)), [0.0, 1.0],
                     GridExposure(("u",), [0.0, 1.0], np.ones((1, 2, 1))))
    assert e.value.field == "exposures"
    with pytest.raises(InputError, match="CallableExposure"):
        simulate_jax(cm, np.ones(1), np.ones((1, 1)), [0.0, 1.0],
                     CallableExposure(("u",), lambda t, r: np.zeros((1, t.size))))
    with pytest.raises(InputError, match="does not take"):
        simulate_jax(cm, np.ones(1), np.ones((1, 1)), [0.0, 1.0], ConstantExposure(("c_len",), [1.0]))
    with pytest.raises(InputError, match="holds 2 patients"):
        simulate_jax(cm, np.ones(1), np.ones((3, 1)), [0.0, 1.0], StepExposure(("u",), [[1.0], [2.0]],
                                                                                np.zeros((2, 2, 1))))
    with pytest.raises(InputError, match="PIController") as e:
        simulate_jax(cm, np.ones(1), np.ones((1, 1)), [0.0, 1.0], controller=ConstantStepSize(0.1))
    assert e.value.field == "controller"
    for bad in (0, 2.5, True):
        with pytest.raises(InputError, match="max_steps"):
            simulate_jax(cm, np.ones(1), np.ones((1, 1)), [0.0, 1.0], max_steps=bad)
    with pytest.raises(InputError, match="CompiledModel"):
        simulate_jax(GROWTH, np.ones(1), np.ones((1, 1)), [0.0, 1.0])


def test_simulate_dispatches_to_jax_and_honours_throw(hcc):
    from lenvici.errors import SimulationError

    cm, y0, params, exposures = hcc
    with pytest.raises(SimulationError, match="patients failed"):
        simulate(cm, y0, params, GRID, exposures["step"], controller=CTL, max_steps=5, backend="jax", throw=True)


# --- dose events (linear PK as exponential modes) ---------------------------------------------------
#: 28 days of daily oral lenvatinib: 29 doses; with 3 antibody slots (days 0, 21, padding) or 1 constant
#: "dose", both schedules fill the same 32 dose slots, so the two HCC dose-event tests share one program
DOSE_DAYS = 28
DOSE_TS = np.array([0.0, 3.5, 7.0, 14.0, 21.0, 28.0])
#: numpy vs jax on time-varying inputs: the same arithmetic in another order (measured 3e-15 relative)
DOSES_REL = 1e-8
#: the default tolerances: the engines agree to round-off at any tolerance, and fewer steps keep it quick
DOSE_CTL = PIController()


def _lenvatinib(scale):
    """Daily oral lenvatinib, one-compartment Bateman modes (ka 24/day, ke 0.55/day), per-patient scale (nM)."""
    A, lam = oral_modes(1.0, 24.0, 0.55)
    t = np.arange(0.0, DOSE_DAYS + 1.0)
    return DoseEventExposure(("c_len",), (0.35 * A * np.asarray(scale)[:, None])[:, None, :], lam[:, None, :],
                             t[None], np.ones((1, t.size, 1)))


def _pembrolizumab():
    """Anti-PD-1 bolus q21d (one mode, V = 1/224, k = 0.0267/day), padded with one +inf dose."""
    A, lam = bolus_modes(1.0 / 224.0, 0.0267)
    t = np.r_[np.arange(0.0, DOSE_DAYS + 1.0, 21.0), np.inf]
    return DoseEventExposure(("c_pd1",), A[:, None, :], lam[:, None, :], t[None], np.ones((1, t.size, 1)))


@pytest.fixture(scope="module")
def dosed(compiled, baseline):
    """Four patients (the three baselines and the first again at a lower exposure)."""
    y0 = np.concatenate([baseline.y0, baseline.y0[:1]])
    params = np.concatenate([baseline.params, baseline.params[:1]])
    return compiled, y0, params, np.array([1.0, 0.8, 0.67, 0.3])


def _assert_same_steps(sol, ref):
    assert np.all(sol.ok), sol.messages
    assert sol.status.tolist() == ref.status.tolist()
    np.testing.assert_array_equal(sol.n_steps, ref.n_steps)
    np.testing.assert_array_equal(sol.n_rejected, ref.n_rejected)
    big = np.abs(ref.ys) > 1e-9
    assert np.max(np.abs(sol.ys - ref.ys)[big] / np.abs(ref.ys)[big]) < DOSES_REL
    np.testing.assert_allclose(sol.ys[~big], ref.ys[~big], rtol=0, atol=1e-15)
    for name in ref.outputs:
        np.testing.assert_allclose(sol.outputs[name], ref.outputs[name], rtol=DOSES_REL, atol=1e-12)


def test_dose_events_agree_with_the_numpy_engine(dosed):
    """Daily oral lenvatinib + q21d anti-PD-1: 31 breakpoints in 28 days, inputs varying within every step
    (so Rodas4's d_i·h·∂f/∂t terms act): the same steps, rejections and states as the NumPy engine."""
    cm, y0, params, scale = dosed
    exp = StackedExposure([_lenvatinib(scale), _pembrolizumab()])
    sol = simulate(cm, y0, params, DOSE_TS, exp, controller=DOSE_CTL, backend="jax")
    ref = simulate(cm, y0, params, DOSE_TS, exp, controller=DOSE_CTL, backend="numpy")
    _assert_same_steps(sol, ref)
    assert np.all(sol.n_steps > 2 * DOSE_DAYS)  # at least a step in and a step after each daily dose
    # not vacuous: the doses act on the tumour (here against the NumPy engine without drug)
    none = simulate(cm, y0, params, DOSE_TS, None, controller=DOSE_CTL, backend="numpy")
    v = cm.spec.state_names.index("V_v")
    assert np.all(np.abs(sol.ys[:, -1, v] / none.ys[:, -1, v] - 1) > 1e-3)


def test_stacked_dose_events_and_constant_agree_with_the_numpy_engine(dosed):
    """A stack of a dose-event part (time-varying modes) and a constant part (λ = 0) in one modal form."""
    cm, y0, params, scale = dosed
    exp = StackedExposure([_lenvatinib(scale), ConstantExposure(("c_pd1",), [[150.0], [0.0], [40.0], [400.0]])])
    sol = simulate_jax(cm, y0, params, DOSE_TS, exp, controller=DOSE_CTL)
    ref = simulate(cm, y0, params, DOSE_TS, exp, controller=DOSE_CTL, backend="numpy")
    _assert_same_steps(sol, ref)
    # the constant part acts: against lenvatinib alone, every patient but the one without antibody differs
    alone = simulate(cm, y0, params, DOSE_TS, _lenvatinib(scale), controller=DOSE_CTL, backend="numpy")
    change = np.max(np.abs(sol.ys[:, -1] / alone.ys[:, -1] - 1), axis=1)
    assert change[1] < 1e-10 and np.all(change[[0, 2, 3]] > 1e-4), change


def test_dose_events_match_the_closed_form_integral():
    """y' = u(t), u a superposition of dose responses Σ_m A_m e^{−λ_m (t − t_d)} (oral Bateman pairs and a
    bolus): y(t) = Σ_d a_d Σ_m A_m (e^{−λ_m (s_d − t_d)} − e^{−λ_m (t − t_d)}) / λ_m, s_d = max(t_d, t0), for
    t ≥ s_d. Covers a dose before the start (folded in, decayed to it), two doses at one time, doses at
    the start, off the save grid and at the end, and a patient without doses."""
    A_or, l_or = oral_modes(1.0, 6.0, 0.7)
    A_bo, l_bo = bolus_modes(0.5, 1.3)
    A = np.array([A_or[0], [A_bo[0, 0], 0.0], A_or[0], A_or[0]])[:, None, :]
    lam = np.array([l_or[0], [l_bo[0, 0], 0.0], l_or[0], l_or[0]])[:, None, :]
    t_d = np.array([[-0.5, 0.5, 1.5, 2.5], [0.0, 1.25, 1.25, np.inf], [0.7, 2.0, 3.0, 4.0], [np.inf] * 4])
    a = np.array([[1.0, 2.0, 0.5, 1.0], [1.0, 0.5, 2.0, 0.0], [3.0, 1.0, 1.0, 5.0], [1.0] * 4])[:, :, None]
    exp = DoseEventExposure(("u",), A, lam, t_d, a)
    sol = simulate_jax(compile_model(GROWTH), np.zeros(1), np.zeros((4, 1)), GROWTH_TS, exp,
                       controller=PIController(rtol=1e-10, atol=1e-12))
    assert np.all(sol.ok)
    t = GROWTH_TS[None, None, :, None]  # (patient, dose, time, mode)
    td, s = t_d[:, :, None, None], np.maximum(t_d, GROWTH_TS[0])[:, :, None, None]
    lm, Am = lam[:, :, None, :], A[:, :, None, :]
    with np.errstate(invalid="ignore", over="ignore"):
        part = np.where((t >= s) & np.isfinite(td) & (lm > 0),
                        Am * (np.exp(-lm * (s - td)) - np.exp(-lm * (t - td))) / np.where(lm > 0, lm, 1.0), 0.0)
    expect = (a[:, :, :, None] * part).sum(axis=(1, 3))
    assert np.all(expect[:3, -1] > 0.1) and np.all(expect[3] == 0.0)
    np.testing.assert_allclose(sol.ys[:, :, 0], expect, rtol=1e-8, atol=1e-12)


def test_unsupported_exposures_in_a_stack_raise_input_error(dosed):
    cm, y0, params, scale = dosed
    grid = GridExposure(("c_pd1",), [0.0, 28.0], np.full((4, 2, 1), 150.0))
    with pytest.raises(InputError, match="GridExposure") as e:
        simulate(cm, y0, params, DOSE_TS, StackedExposure([_lenvatinib(scale), grid]), backend="jax")
    assert e.value.field == "exposures"
    with pytest.raises(InputError, match="holds 4 patients") as e:
        simulate_jax(cm, y0[:3], params[:3], DOSE_TS, _lenvatinib(scale))
    assert e.value.field == "exposures"
