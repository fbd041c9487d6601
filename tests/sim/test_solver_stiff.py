"""Stiff problems per patient, mixed with non-stiff ones in one batch."""

import numpy as np

from lenvici.sim.solver import PIController, simulate, simulate_reference
from tests.sim._problems import ROBERTSON, ROBERTSON_RATES


def _batch():
    # patients 0, 2: Robertson (very stiff); 1, 3: plain linear decay (k2 = k3 = 0)
    return np.array([ROBERTSON_RATES, (0.04, 0.0, 0.0), (0.08, 2e4, 3e7), (1.0, 0.0, 0.0)])


def test_robertson_mixed_batch_matches_scipy_radau():
    params = _batch()
    ts = np.concatenate([[0.0], np.logspace(-5, 4, 19)])
    y0 = np.array([1.0, 0.0, 0.0])
    ctl = PIController(rtol=1e-8, atol=1e-8)
    sol = simulate(ROBERTSON, y0, params, ts, controller=ctl)
    assert np.all(sol.ok), sol.messages
    ref = simulate_reference(ROBERTSON, y0, params, ts, method="Radau", rtol=1e-11, atol=1e-13)
    # y1 and y3: 1e-6 relative above the solver's absolute tolerance 1e-8; y2 (~1e-5 at most): relative to its scale
    np.testing.assert_allclose(sol.ys[:, :, [0, 2]], ref[:, :, [0, 2]], rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(sol.ys[:, :, 1], ref[:, :, 1], rtol=1e-5, atol=1e-14)
    # mass is conserved: y1 + y2 + y3 = 1
    np.testing.assert_allclose(sol.ys.sum(axis=2), 1.0, rtol=0, atol=1e-9)


def test_a_stiff_patient_does_not_hold_the_others():
    """Each patient takes exactly the steps it would take alone."""
    params = _batch()
    ts = np.array([0.0, 1.0, 100.0, 1e4])
    y0 = np.array([1.0, 0.0, 0.0])
    ctl = PIController(rtol=1e-6, atol=1e-8)
    together = simulate(ROBERTSON, y0, params, ts, controller=ctl)
    for i in range(params.shape[0]):
        alone = simulate(ROBERTSON, y0, params[i:i + 1], ts, controller=ctl)
        assert alone.n_steps[0] == together.n_steps[i]
        np.testing.assert_allclose(alone.ys[0], together.ys[i], rtol=1e-14, atol=0)
    # the non-stiff decays need far fewer steps than the stiff Robertson patients
    assert together.n_steps[[1, 3]].max() < together.n_steps[[0, 2]].min()


def test_robertson_is_stiff_for_an_explicit_method():
    """Sanity check of the test problem: an explicit solver needs orders of magnitude more work."""
    from scipy.integrate import solve_ivp

    k1, k2, k3 = ROBERTSON_RATES

    def f(t, y):
        return [-k1 * y[0] + k2 * y[1] * y[2], k1 * y[0] - k2 * y[1] * y[2] - k3 * y[1] ** 2, k3 * y[1] ** 2]

    explicit = solve_ivp(f, (0, 10.0), [1.0, 0, 0], method="RK45", rtol=1e-6, atol=1e-10)
    ours = simulate(ROBERTSON, np.array([1.0, 0, 0]), np.array([ROBERTSON_RATES]), [0.0, 10.0],
                    controller=PIController(rtol=1e-6, atol=1e-10))
    assert explicit.nfev > 50 * ours.n_steps[0]
