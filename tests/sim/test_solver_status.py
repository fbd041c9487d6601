"""Per-patient status with a message, events, save grid and breakpoints."""

import numpy as np
import pytest

from lenvici.errors import InputError, SimulationError
from lenvici.sim.solver import RESULTS, ConstantExposure, Event, GridExposure, PIController, simulate
from tests.sim._problems import BLOWUP, GROWTH, ROBERTSON, ROBERTSON_RATES


def test_blow_up_fails_alone_and_the_healthy_patient_is_exact():
    sol = simulate(BLOWUP, np.array([1.0]), np.array([[1.0], [0.1]]), [0.0, 0.5, 2.0],
                   controller=PIController(rtol=1e-8, atol=1e-10))
    assert sol.status[0] in (RESULTS.dt_min_reached, RESULTS.nonfinite, RESULTS.max_steps_reached)
    assert not sol.ok[0] and sol.message(0).startswith("stopped")
    assert sol.status[1] == RESULTS.successful and sol.message(1) == "integrated to the last save time"
    np.testing.assert_allclose(sol.ys[1, :, 0], 1 / (1 - 0.1 * np.array([0, 0.5, 2.0])), rtol=1e-7)
    # saved before the failure, NaN after
    np.testing.assert_allclose(sol.ys[0, 1, 0], 2.0, rtol=1e-7)
    assert np.isnan(sol.ys[0, 2, 0])
    assert sol.t_final[0] == pytest.approx(1.0, abs=1e-3)


def test_max_steps():
    sol = simulate(ROBERTSON, np.array([1.0, 0, 0]), np.array([ROBERTSON_RATES]), [0.0, 1e4], max_steps=10)
    assert sol.status[0] == RESULTS.max_steps_reached
    assert "maximum number of steps" in sol.message(0)
    assert sol.summary() == {"max_steps_reached": 1}


def test_nan_parameter_gives_a_failed_status_not_an_exception():
    sol = simulate(BLOWUP, np.array([1.0]), np.array([[np.nan], [0.1]]), [0.0, 1.0])
    assert not sol.ok[0] and sol.ok[1]


def test_throw_raises_with_the_message():
    with pytest.raises(SimulationError, match="1 of 2 patients failed"):
        simulate(BLOWUP, np.array([1.0]), np.array([[1.0], [0.1]]), [0.0, 2.0], throw=True)


def test_bad_inputs_raise_input_error():
    with pytest.raises(InputError, match="y0"):
        simulate(BLOWUP, np.ones((3, 2)), np.ones((3, 1)), [0.0, 1.0])
    with pytest.raises(InputError, match="params"):
        simulate(BLOWUP, np.ones(1), np.ones((3, 2)), [0.0, 1.0])
    with pytest.raises(InputError, match="t_grid"):
        simulate(BLOWUP, np.ones(1), np.ones((3, 1)), [1.0, 0.0])
    with pytest.raises(InputError, match="does not take"):
        simulate(BLOWUP, np.ones(1), np.ones((3, 1)), [0.0, 1.0], ConstantExposure(("c_len",), [1.0]))


def test_event_located_per_patient():
    r = np.array([[0.1], [0.2], [0.05]])

    def doubled(t, y, rows):
        return y[0] - 2.0

    sol = simulate(GROWTH, np.array([1.0]), r, [0.0, 100.0], event=Event(doubled),
                   controller=PIController(rtol=1e-9, atol=1e-12))
    assert np.all(sol.status == RESULTS.event_occurred)
    np.testing.assert_allclose(sol.t_final, np.log(2) / r[:, 0], rtol=1e-7)
    np.testing.assert_allclose(sol.y_final[:, 0], 2.0, rtol=1e-7)


def test_saved_values_do_not_depend_on_the_save_grid():
    params = np.array([ROBERTSON_RATES])
    ctl = PIController(rtol=1e-9, atol=1e-10)
    coarse = simulate(ROBERTSON, np.array([1.0, 0, 0]), params, [0.0, 10.0, 40.0], controller=ctl)
    fine = simulate(ROBERTSON, np.array([1.0, 0, 0]), params, np.linspace(0, 40, 81), controller=ctl)
    np.testing.assert_allclose(fine.ys[0, [20, 80]], coarse.ys[0, [1, 2]], rtol=1e-7, atol=1e-12)
    assert np.all(fine.ts == np.linspace(0, 40, 81))


def test_breakpoints_and_jumps_are_honoured():
    """y' = u with u a step from 0 to 1 at t = 1 (a jump, written as a repeated grid time): y(t) = max(t-1, 0)."""
    t = np.array([0.0, 1.0, 1.0, 3.0])
    u = np.array([0.0, 0.0, 1.0, 1.0])[None, :, None]
    exp = GridExposure(("u",), t, np.repeat(u, 2, axis=0), breakpoints=np.array([[1.0], [1.0]]))
    sol = simulate(GROWTH, np.array([0.0]), np.array([[0.0], [0.0]]), np.array([0.0, 0.5, 1.0, 2.0, 3.0]), exp,
                   controller=PIController(rtol=1e-10, atol=1e-12))
    np.testing.assert_allclose(sol.ys[:, :, 0], [[0, 0, 0, 1, 2]] * 2, atol=1e-10)


def test_grid_exposure_interpolates_nodes_and_keeps_positivity(rng):
    t = np.linspace(0, 10, 41)
    v = np.exp(-0.3 * t)[None, :, None] * rng.uniform(0.5, 2.0, (3, 1, 1))
    exp = GridExposure(("c",), t, v)
    rows = np.repeat(np.arange(3), t.size)
    tt = np.tile(t, 3)
    np.testing.assert_allclose(exp.values(tt, rows, tt)[0], v[:, :, 0].ravel(), rtol=1e-12)
    tq = rng.uniform(0, 10, 500)
    rq = rng.integers(0, 3, 500)
    val = exp.values(tq, rq, tq)[0]
    assert np.all(val > 0)
    np.testing.assert_allclose(val, np.exp(-0.3 * tq) * v[rq, 0, 0], rtol=1e-3)
    inner = (tq > 0.5) & (tq < 9.5)  # end intervals use one-sided secant slopes (first order)
    d = exp.derivatives(tq, rq, tq)[0]
    np.testing.assert_allclose(d[inner], -0.3 * np.exp(-0.3 * tq[inner]) * v[rq[inner], 0, 0], rtol=2e-2)


def test_chunking_changes_no_number():
    params = np.array([ROBERTSON_RATES, (0.04, 0.0, 0.0), (0.08, 2e4, 3e7), (1.0, 0.0, 0.0), (0.5, 1e3, 1e5)])
    ts = np.array([0.0, 1.0, 100.0])
    whole = simulate(ROBERTSON, np.array([1.0, 0, 0]), params, ts, chunk_size=None)
    chunked = simulate(ROBERTSON, np.array([1.0, 0, 0]), params, ts, chunk_size=2)
    np.testing.assert_array_equal(whole.ys, chunked.ys)
    np.testing.assert_array_equal(whole.n_steps, chunked.n_steps)


def test_chunked_events_and_exposures_use_global_rows():
    r = np.array([[0.1], [0.2], [0.05]])
    target = np.array([2.0, 3.0, 4.0])

    def reached(t, y, rows):
        return y[0] - target[rows]

    sol = simulate(GROWTH, np.array([1.0]), r, [0.0, 100.0], ConstantExposure(("u",), np.zeros((3, 1))),
                   event=Event(reached), controller=PIController(rtol=1e-9, atol=1e-12), chunk_size=1)
    np.testing.assert_allclose(sol.t_final, np.log(target) / r[:, 0], rtol=1e-7)
