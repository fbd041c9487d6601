"""``take_exposure``: a block's rows of an arm's exposure give each patient the inputs it had in the arm.

Reference: the arm's own exposure evaluated at the block's global rows (the block sees local rows 0..m-1).
"""

from __future__ import annotations

import numpy as np
import pytest

from lenvici.sim.exposure_rows import take_exposure
from lenvici.sim.solver import (
    CallableExposure,
    ConstantExposure,
    DoseEventExposure,
    GridExposure,
    StackedExposure,
    StepExposure,
    ZeroExposure,
    bolus_modes,
)

N = 5
IDX = np.array([3, 1, 4])


def _exposures():
    rng = np.random.default_rng(3)
    const = ConstantExposure(("a", "b"), rng.uniform(1, 2, (N, 2)))
    times = np.sort(rng.uniform(5, 50, (N, 2)), axis=1)
    step = StepExposure(("c",), times, rng.uniform(0, 3, (N, 3, 1)))
    tg = np.array([0.0, 10.0, 20.0, 30.0, 40.0])
    grid = GridExposure(("g",), tg, rng.uniform(0, 5, (N, tg.size, 1)), np.tile([20.0, np.inf], (N, 1)))
    A, lam = bolus_modes(rng.uniform(3, 6, N), rng.uniform(0.05, 0.1, N))   # volume (L), k_el (1/day)
    dose_t = np.tile(np.arange(0.0, 63.0, 21.0), (N, 1))
    dose = DoseEventExposure(("p",), A[:, None, :], lam[:, None, :], dose_t, np.full((N, dose_t.shape[1], 1), 200.0))
    call = CallableExposure(("f",), lambda t, rows: np.asarray(rows, float)[None, :] + 0.1 * t[None, :],
                            breakpoints=np.tile([7.0], (N, 1)) + np.arange(N)[:, None])
    return {"constant": const, "step": step, "grid": grid, "dose": dose, "callable": call,
            "stacked": StackedExposure([const, step, dose])}


@pytest.mark.parametrize("name", ["constant", "step", "grid", "dose", "callable", "stacked"])
def test_block_rows_see_the_arm_inputs(name):
    base = _exposures()[name]
    sub = take_exposure(base, IDX, N)
    local = np.arange(IDX.size)
    for t in (0.0, 12.5, 33.0, 47.0):
        tt, ts = np.full(IDX.size, t), np.full(IDX.size, max(t - 1.0, 0.0))
        np.testing.assert_array_equal(sub.values(tt, local, ts), base.values(tt, IDX, ts))
        np.testing.assert_array_equal(sub.derivatives(tt, local, ts), base.derivatives(tt, IDX, ts))
    np.testing.assert_array_equal(sub.breakpoints(IDX.size), base.breakpoints(N)[IDX])
    assert sub.names == base.names
    if name != "callable":   # rebuilt from row slices: a block carries only its own patients
        assert type(sub) is type(base)


def test_none_and_zero_pass_through():
    z = ZeroExposure(("a",))
    assert take_exposure(None, IDX, N) is None and take_exposure(z, IDX, N) is z
