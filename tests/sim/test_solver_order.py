"""Convergence order and accuracy against exact solutions (as diffrax's test_ode_order)."""

import numpy as np
import pytest

from lenvici.sim.solver import ConstantStepSize, PIController, Rodas4, simulate
from tests.sim import tolerances as tol
from tests.sim._problems import FORCED, forced_exact, forcing

SOLVERS = [Rodas4()]


@pytest.mark.parametrize("solver", SOLVERS, ids=lambda s: type(s).__name__)
def test_fixed_step_convergence_order(solver):
    ks = np.array([[0.5], [2.0], [5.0]])
    T = 2.0
    errors = []
    for n in (20, 40, 80, 160):
        sol = simulate(FORCED, np.array([1.0, 1.0]), ks, [0.0, T], forcing(), solver=solver,
                       controller=ConstantStepSize(T / n))
        errors.append(np.abs(sol.ys[:, -1] - forced_exact(T, ks[:, 0])).max())
    errors = np.array(errors)
    orders = np.log2(errors[:-1] / errors[1:])
    assert np.all(np.abs(orders - solver.order) < tol.ORDER_SLACK), orders


@pytest.mark.parametrize("solver", SOLVERS, ids=lambda s: type(s).__name__)
def test_embedded_error_estimate_has_order_minus_one(solver):
    """The local error estimate of one step scales as h^order (embedded order = order - 1)."""
    from lenvici.sim.solver import ODETerm

    term = ODETerm(FORCED, np.array([[2.0]]), forcing())
    rows = np.array([0])
    y = np.array([[1.0], [1.0]])
    est = []
    for h in (0.1, 0.05, 0.025):
        _, err = solver.step(term, np.array([0.3]), y, np.array([h]), rows)
        est.append(np.abs(err).max())
    ratios = np.log2(np.array(est[:-1]) / np.array(est[1:]))
    assert np.all(ratios > solver.order - 0.6), ratios


def test_adaptive_steps_meet_the_tolerance():
    ks = np.array([[0.5], [2.0], [5.0]])
    ts = np.linspace(0.0, 5.0, 11)
    sol = simulate(FORCED, np.array([1.0, 1.0]), ks, ts, forcing(), controller=PIController(rtol=1e-8, atol=1e-10))
    assert np.all(sol.ok)
    exact = forced_exact(ts[None, :], ks)
    np.testing.assert_allclose(sol.ys, exact, rtol=tol.ANALYTIC_REL, atol=1e-8)


def test_tighter_tolerance_gives_smaller_error_and_more_steps():
    ks = np.array([[2.0]])
    errs, steps = [], []
    for rtol in (1e-4, 1e-6, 1e-8):
        sol = simulate(FORCED, np.array([1.0, 1.0]), ks, [0.0, 4.0], forcing(),
                       controller=PIController(rtol=rtol, atol=rtol * 1e-2))
        errs.append(np.abs(sol.ys[0, -1] - forced_exact(4.0, 2.0)).max())
        steps.append(int(sol.n_steps[0]))
    assert errs[0] > errs[1] > errs[2]
    assert steps[0] < steps[1] < steps[2]
