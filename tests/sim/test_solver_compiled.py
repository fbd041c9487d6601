"""The compiled (numba) engine against the NumPy engine, SciPy and itself.

The two engines run the same algorithm (Rodas4, PI controller, breakpoints, events) in a different shape
(one patient per thread vs one vectorised operation per patient batch), so they must agree to rounding
error; SciPy's LSODA (``simulate_reference``) is the independent reference. All tests use the HCC model
so that the whole module pays for one compilation (cached on disk afterwards).
"""

import numpy as np
import pytest

from lenvici.errors import InputError, SimulationError
from lenvici.sim.pretreatment import untreated_initial_state
from lenvici.sim.solver import (
    RESULTS,
    ConstantExposure,
    ConstantStepSize,
    DoseEventExposure,
    Event,
    GridExposure,
    OutputEvent,
    PIController,
    StackedExposure,
    StepExposure,
    bolus_modes,
    oral_modes,
    simulate,
    simulate_reference,
)
from tests.sim.tolerances import VS_SCIPY_REL

#: numpy vs numba: the same arithmetic in a different order (and libm vs SVML-free LLVM intrinsics);
#: measured 1e-14 relative on these problems, so 1e-8 leaves room and still catches any algorithmic slip.
BACKENDS_REL = 1e-8
FLOOR = 1e-9  # states below this (in their unit) are compared in absolute terms


def _rel(a, b):
    return np.nanmax(np.abs(a - b) / np.maximum(np.abs(b), FLOOR))


@pytest.fixture(scope="module")
def batch(table):
    """Six varied untreated patients (growth rate, T-cell recruitment, tumour size)."""
    rng = np.random.default_rng(7)
    n = 6
    params = table.array(n, {"k_prol": rng.uniform(0.008, 0.02, n), "k_rec": rng.lognormal(np.log(0.1), 0.5, n),
                             "egfr": rng.lognormal(0.0, 0.5, n)})
    params[:, table.index("v_max")] = 200.0
    return untreated_initial_state(params, rng.uniform(3.0, 30.0, n)), params


def _regimen(n, days, scale):
    """Daily oral lenvatinib (per-patient exposure scale) and pembrolizumab q3w, as dose events (nM)."""
    A1, l1 = oral_modes(1.0, 24.0, 0.55)
    A2, l2 = bolus_modes(1.0 / 224.0, 0.0267)
    t_len = np.arange(0.0, days + 1.0)
    lenv = DoseEventExposure(("c_len",), (0.35 * A1 * np.asarray(scale)[:, None])[:, None, :], l1[:, None, :],
                             t_len[None], np.ones((1, t_len.size, 1)))
    t_ab = np.r_[np.arange(0.0, days + 1.0, 21.0), np.inf]
    pd1 = DoseEventExposure(("c_pd1",), A2[:, None, :], l2[:, None, :], t_ab[None], np.ones((1, t_ab.size, 1)))
    return StackedExposure([lenv, pd1])


def _exposures(spec, n):
    names = spec.input_names
    off, on_len, both = np.zeros((n, 3)), np.tile([3.0, 0.0, 0.0], (n, 1)), np.tile([3.0, 0.0, 150.0], (n, 1))
    return {
        "none": None,
        "constant": ConstantExposure(names, np.linspace(0.5, 1.0, n)[:, None] * np.array([3.0, 0.0, 150.0])),
        "step": StepExposure(names, np.tile([10.0, 30.0], (n, 1)), np.stack([off, on_len, both], axis=1)),
        "doses": _regimen(n, 21, np.linspace(0.67, 1.0, n)),
    }


@pytest.mark.parametrize("kind", ["none", "constant", "step", "doses"])
def test_numba_agrees_with_numpy(compiled, spec, batch, kind):
    y0, params = batch
    exp = _exposures(spec, y0.shape[0])[kind]
    ts = np.array([0.0, 7.5, 21.0, 42.0, 60.0])
    a = simulate(compiled, y0, params, ts, exp, backend="numba")
    b = simulate(compiled, y0, params, ts, exp, backend="numpy")
    assert np.all(a.ok) and np.array_equal(a.status, b.status)
    assert _rel(a.ys, b.ys) < BACKENDS_REL
    assert set(a.outputs) == set(b.outputs) == set(spec.output_names)
    for k in b.outputs:
        assert _rel(a.outputs[k], b.outputs[k]) < BACKENDS_REL, k
    # same steps: the same controller decisions
    np.testing.assert_array_equal(a.n_steps, b.n_steps)
    np.testing.assert_array_equal(a.n_rejected, b.n_rejected)
    np.testing.assert_allclose(a.t_final, b.t_final, rtol=1e-12)


def test_numba_agrees_with_scipy_on_a_dosing_regimen(compiled, spec, batch):
    y0, params = batch[0][:2], batch[1][:2]
    exp = _regimen(2, 20, [0.7, 1.0])
    ts = np.array([0.0, 3.5, 10.0, 20.0])
    sol = simulate(compiled, y0, params, ts, exp, controller=PIController(rtol=1e-8, atol=1e-10), backend="numba")
    ref = simulate_reference(compiled, y0, params, ts, exp, rtol=1e-9, atol=1e-12)
    assert np.all(sol.ok)
    big = np.abs(ref) > 1e-6
    assert np.max(np.abs(sol.ys - ref)[big] / np.abs(ref)[big]) < VS_SCIPY_REL


def test_numba_constant_step_size_agrees_with_numpy(compiled, batch):
    y0, params = batch
    ctl = ConstantStepSize(0.5)
    a = simulate(compiled, y0, params, [0.0, 5.0, 10.0], controller=ctl, backend="numba")
    b = simulate(compiled, y0, params, [0.0, 5.0, 10.0], controller=ctl, backend="numpy")
    assert np.all(a.n_steps == 20) and np.array_equal(a.n_steps, b.n_steps)
    assert _rel(a.ys, b.ys) < BACKENDS_REL


def test_statuses_max_steps_and_nonfinite(compiled, table, batch):
    y0, params = batch
    params = params.copy()
    params[1, table.index("k_prol")] = np.nan
    ts = [0.0, 30.0, 60.0]
    a = simulate(compiled, y0, params, ts, backend="numba")
    b = simulate(compiled, y0, params, ts, backend="numpy")
    assert a.status[1] == b.status[1] == RESULTS.nonfinite
    assert np.all(a.status[[0, 2, 3, 4, 5]] == RESULTS.successful)
    assert np.all(np.isnan(a.ys[1, 1:]))
    a = simulate(compiled, y0, batch[1], ts, backend="numba", max_steps=7)
    b = simulate(compiled, y0, batch[1], ts, backend="numpy", max_steps=7)
    assert np.all(a.status == RESULTS.max_steps_reached) and np.array_equal(a.status, b.status)
    # the first steps are tiny and their error estimates (differences of nearly equal stages) carry the
    # rounding differences into the step sizes at ~1e-8 relative
    np.testing.assert_allclose(a.t_final, b.t_final, rtol=1e-6)
    assert np.all(a.n_steps + a.n_rejected == 7)
    with pytest.raises(SimulationError, match="6 of 6 patients failed"):
        simulate(compiled, y0, batch[1], ts, backend="numba", max_steps=7, throw=True)


def test_chunking_and_batch_composition_change_no_number(compiled, spec, batch):
    y0, params = batch
    exp = _exposures(spec, y0.shape[0])["step"]
    ts = [0.0, 20.0, 40.0]
    full = simulate(compiled, y0, params, ts, exp, backend="numba", chunk_size=None)
    for chunk in (1, 4):
        part = simulate(compiled, y0, params, ts, exp, backend="numba", chunk_size=chunk)
        np.testing.assert_array_equal(part.ys, full.ys)
    order = np.array([5, 3, 1, 0])
    sub_exp = StepExposure(spec.input_names, exp.times[order], exp.levels[order])
    sub = simulate(compiled, y0[order], params[order], ts, sub_exp, backend="numba")
    np.testing.assert_array_equal(sub.ys, full.ys[order])
    np.testing.assert_array_equal(sub.n_steps, full.n_steps[order])


def test_auto_runs_numba_for_large_batches_and_numpy_otherwise(compiled, batch):
    y0, params = batch
    big = np.repeat(params, 11, axis=0)[:64]
    y_big = np.repeat(y0, 11, axis=0)[:64]
    ts = [0.0, 5.0]
    np.testing.assert_array_equal(simulate(compiled, y_big, big, ts).ys,
                                  simulate(compiled, y_big, big, ts, backend="numba").ys)
    np.testing.assert_array_equal(simulate(compiled, y0, params, ts).ys,
                                  simulate(compiled, y0, params, ts, backend="numpy").ys)
    # unsupported options fall back to numpy under "auto" ...
    grid = GridExposure(("c_len",), [0.0, 5.0], np.full((64, 2, 1), 3.0))
    sol = simulate(compiled, y_big, big, ts, grid)
    np.testing.assert_array_equal(sol.ys, simulate(compiled, y_big, big, ts, grid, backend="numpy").ys)
    # ... and are refused by an explicit "numba"
    with pytest.raises(InputError, match="GridExposure") as err:
        simulate(compiled, y_big, big, ts, grid, backend="numba")
    assert err.value.field == "backend"


def test_output_event_locates_the_baseline_diameter_in_both_engines(compiled, batch):
    _, params = batch
    y0 = untreated_initial_state(params, 0.05)
    d = np.linspace(40.0, 80.0, params.shape[0])
    ev = OutputEvent("d_recist", d, xtol=1e-9)
    a = simulate(compiled, y0, params, [0.0, 4000.0], event=ev, backend="numba", outputs=False)
    b = simulate(compiled, y0, params, [0.0, 4000.0], event=ev, backend="numpy", outputs=False)
    assert np.all(a.status == RESULTS.event_occurred) and np.all(b.status == RESULTS.event_occurred)
    np.testing.assert_allclose(a.t_final, b.t_final, rtol=1e-9)
    np.testing.assert_allclose(a.y_final, b.y_final, rtol=1e-7, atol=1e-9)
    iv, inn = compiled.spec.state_names.index("V_v"), compiled.spec.state_names.index("V_n")
    diameter = 10.0 * (6.0 * (a.y_final[:, iv] + a.y_final[:, inn]) / np.pi) ** (1.0 / 3.0)
    np.testing.assert_allclose(diameter, d, atol=1e-5)
    # the same event as a Python function (NumPy engine) gives the same crossing
    c = simulate(compiled, y0, params, [0.0, 4000.0], outputs=False, backend="numpy", event=Event(
        lambda t, y, rows: 10.0 * (6.0 * (y[iv] + y[inn]) / np.pi) ** (1.0 / 3.0) - d[rows], xtol=1e-9))
    np.testing.assert_allclose(c.t_final, b.t_final, rtol=1e-9)


def test_a_dose_starts_with_the_step_that_worked_after_the_last_one(compiled, batch):
    """Daily doses kink the input every day. Carrying the long end-of-day step into the next dose would be
    rejected (about two rejections a day); starting each dose interval no larger than the step proposed after
    the previous dose's first step is accepted, in both engines, with the same steps."""
    y0, params = batch
    n = y0.shape[0]
    exp = _regimen(n, 30, np.linspace(0.67, 1.0, n))
    ts = np.array([0.0, 14.0, 30.0])
    a = simulate(compiled, y0, params, ts, exp, backend="numba")
    b = simulate(compiled, y0, params, ts, exp, backend="numpy")
    assert np.all(a.ok)
    assert np.all(a.n_rejected <= 5), a.n_rejected  # 31 doses: no systematic rejection at each
    np.testing.assert_array_equal(a.n_steps, b.n_steps)
    np.testing.assert_array_equal(a.n_rejected, b.n_rejected)


def test_doses_enter_as_events_in_the_kernel(compiled, table, batch):
    """The kernel's inputs at the save times, read back through the PD-1 occupancy output, are the
    closed-form superposition of IV boluses C(t) = Σ_d (D/V) e^{-k (t - t_d)} (Gibaldi & Perrier 1982)."""
    y0, params = batch
    n = y0.shape[0]
    V, k = 6.0, 0.0267  # L, 1/day (26-day half-life)
    dose = 200.0 / 0.149  # nmol per 200 mg of a 149 kDa antibody
    A, lam = bolus_modes(V, k)
    t_d = np.array([[0.0, 21.0, 42.0, np.inf]])
    exp = DoseEventExposure(("c_pd1",), A[:, None, :], lam[:, None, :], t_d, np.full((1, 4, 1), dose))
    ts = np.array([0.0, 10.0, 21.0, 30.0, 45.0, 60.0])
    sol = simulate(compiled, y0, params, ts, exp, backend="numba")
    occ = sol.outputs["occ_PD1"][0]
    kd, phi = params[0, table.index("kd_pd1")], params[0, table.index("phi_ab")]
    c_kernel = kd * occ / (phi * (1.0 - occ))
    c_exact = sum(np.where(ts >= td, dose / V * np.exp(-k * (ts - td)), 0.0) for td in (0.0, 21.0, 42.0))
    np.testing.assert_allclose(c_kernel, c_exact, rtol=1e-9)
    assert n == sol.ys.shape[0]


def test_backend_argument_is_checked(compiled, batch, monkeypatch):
    y0, params = batch
    with pytest.raises(InputError, match="backend must be one of") as err:
        simulate(compiled, y0, params, [0.0, 1.0], backend="fortran")
    assert err.value.field == "backend"
    with pytest.raises(InputError, match="Event with a Python function"):
        simulate(compiled, y0, params, [0.0, 1.0], backend="numba", event=Event(lambda t, y, r: y[0] - 1e9))
    monkeypatch.setitem(__import__("sys").modules, "jax", None)  # as if the optional extra were missing
    with pytest.raises(InputError, match=r"lenvici\[jax\]"):
        simulate(compiled, y0, params, [0.0, 1.0], backend="jax")


def test_generated_module_is_written_once_and_cached(compiled):
    from lenvici.sim.model._codegen_numba import scalar_model_source
    from lenvici.sim.solver import _numba

    mod = _numba.kernel_module(compiled)
    assert _numba.kernel_module(compiled) is mod
    path = __import__("pathlib").Path(mod.__file__)
    assert path.parent == _numba.cache_dir() and path.read_text() == _numba.kernel_source(compiled)
    src = scalar_model_source(compiled.spec, compiled.parameter_names)
    # the factors the scalar LU returns are those of the NumPy engine's pattern (with its fill-in)
    n = compiled.n_states
    lu_line = next(line for line in src.splitlines() if line.strip().startswith("return (a_"))
    assert lu_line.count(",") == len(compiled.lu_pattern)
    assert mod.N_STATES == n and mod.N_OUTPUTS == len(compiled.spec.output_names)


@pytest.mark.parametrize("backend", ["numba", "numpy"])
def test_only_the_outputs_asked_for(compiled, spec, batch, backend):
    y0, params = batch
    exp = _exposures(spec, y0.shape[0])["doses"]
    ts = np.array([0.0, 7.5, 21.0])
    full = simulate(compiled, y0, params, ts, exp, backend=backend)
    some = simulate(compiled, y0, params, ts, exp, backend=backend, outputs=("d_mrecist", "d_recist"))
    assert list(some.outputs) == ["d_mrecist", "d_recist"]
    for k in some.outputs:
        np.testing.assert_array_equal(some.outputs[k], full.outputs[k])
    np.testing.assert_array_equal(some.ys, full.ys)
    assert simulate(compiled, y0, params, ts, exp, backend=backend, outputs=False).outputs == {}
    with pytest.raises(InputError, match="unknown outputs") as err:
        simulate(compiled, y0, params, ts, exp, backend=backend, outputs=("d_recist", "tumour_mood"))
    assert err.value.field == "outputs"
