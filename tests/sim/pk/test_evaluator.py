"""Point evaluation for the PD integrator: values, derivatives, breakpoints and the one-sided convention."""

from __future__ import annotations

import numpy as np
import pytest

from lenvici.errors import InputError
from lenvici.sim.pk import infusion_schedule, load_model, oral_schedule, pk_evaluator, simulate
from tests.tolerances import PK_SOLVER_CROSS_REL

CASES = [
    ("lenvatinib-tamai2017", lambda: oral_schedule(np.array([8.0, 12.0, 12.0]), 6, changes=[(2, 0.0), (3, 4.0)]), 6.0),
    ("sorafenib-jain2011", lambda: oral_schedule(400.0, 4, per_day=2), 4.0),
    ("atezolizumab-label", lambda: infusion_schedule(1200.0, 21.0, 3, infusion_minutes=60.0), 63.0),
    ("pembrolizumab-label-tv", lambda: infusion_schedule(200.0, 21.0, 3), 63.0),
]


@pytest.mark.parametrize("model_id, build, t_end", CASES)
def test_point_values_match_simulate_and_derivatives_match_differences(model_id, build, t_end):
    model = load_model(model_id)
    params = model.sample_parameters({"weight_kg": [55.0, 70.0, 90.0]}, seed=3)
    schedule = build()
    ev = pk_evaluator(model, params, schedule, t_end=t_end, max_step_days=0.05)
    rng = np.random.default_rng(1)
    t = np.sort(rng.uniform(0, t_end, 150))
    rows = rng.integers(0, 3, 150)
    grid = np.union1d(t, [0.0])
    res = simulate(model, params, schedule, grid, max_step_days=0.05)
    expected = res.concentration[rows, np.searchsorted(grid, t)]
    got = ev.concentration(t, rows)
    tol = PK_SOLVER_CROSS_REL if not model.structure.time_varying(params.values) else 1e-7
    assert np.max(np.abs(got - expected)) < tol * expected.max()
    h = 1e-6
    central = (ev.concentration(t + h, rows) - ev.concentration(t - h, rows)) / (2 * h)
    deriv = ev.concentration_derivative(t, rows)
    assert np.max(np.abs(central - deriv)) < 1e-6 * np.abs(deriv).max()
    assert ev.unbound_nanomolar(t, rows).shape == (150,)


def test_breakpoints_include_per_patient_zero_order_ends():
    model = load_model("lenvatinib-gupta2016")
    params = model.sample_parameters({"weight_kg": [60.0, 80.0]}, seed=2)
    ev = pk_evaluator(model, params, oral_schedule(12.0, 3), t_end=3.0)
    bp = ev.breakpoints()
    assert bp.shape == (2, 6)
    np.testing.assert_allclose(bp[:, :2], np.stack([[0.0, 0.0], params["D1"]], axis=1))
    assert np.all(np.diff(bp, axis=1) > 0)


def test_left_limit_inside_the_step():
    """At the end of an infusion, inside [t_start, t] the derivative still includes the infusion rate."""
    model = load_model("atezolizumab-label")
    params = model.typical_parameters()
    ev = pk_evaluator(model, params, infusion_schedule(1200.0, 21.0, 1, infusion_minutes=60.0), t_end=21.0)
    t_end_inf = np.array([1.0 / 24.0])
    rows = np.array([0])
    inside = ev.concentration_derivative(t_end_inf, rows, t_start=np.array([0.0]))
    after = ev.concentration_derivative(t_end_inf, rows)
    rate = 1200.0 * 24.0 / params["V1"][0]
    np.testing.assert_allclose(inside - after, rate, rtol=1e-9)


def test_grid_models_refuse_times_past_t_end():
    model = load_model("sorafenib-jain2011")
    ev = pk_evaluator(model, model.typical_parameters(), oral_schedule(400.0, 2, per_day=2), t_end=2.0)
    with pytest.raises(InputError):
        ev.concentration(np.array([2.5]), np.array([0]))


def test_usable_as_a_solver_exposure():
    """The evaluator plugs into the batched solver's CallableExposure (when that module is present)."""
    solver = pytest.importorskip("lenvici.sim.solver")
    if not hasattr(solver, "CallableExposure"):
        pytest.skip("lenvici.sim.solver has no CallableExposure")
    model = load_model("lenvatinib-gupta2016")
    params = model.sample_parameters({"weight_kg": [60.0, 80.0]}, seed=2)
    ev = pk_evaluator(model, params, oral_schedule(12.0, 3), t_end=3.0)
    exposure = solver.CallableExposure(
        ["C_lenvatinib_nM"], lambda t, rows: ev.unbound_nanomolar(t, rows)[None, :],
        lambda t, rows: ev.unbound_nanomolar_derivative(t, rows)[None, :], ev.breakpoints())
    t = np.array([0.5, 1.5])
    rows = np.array([0, 1])
    np.testing.assert_allclose(exposure.values(t, rows, t)[0], ev.unbound_nanomolar(t, rows))
    assert exposure.breakpoints(2).shape == (2, 6)
