"""StepExposure: per-patient piecewise-constant inputs (start days, interruptions, reductions)."""

import numpy as np
import pytest

from lenvici.errors import InputError
from lenvici.sim.solver import StepExposure


def test_level_in_force_is_the_one_at_the_step_start():
    exp = StepExposure(("a", "b"), [[10.0, np.inf], [5.0, 20.0]],
                       [[[0, 1], [2, 1], [9, 9]], [[1, 0], [3, 0], [0, 0]]])
    rows = np.array([0, 0, 1, 1, 1])
    t_start = np.array([0.0, 10.0, 4.0, 5.0, 25.0])
    v = exp.values(t_start + 1.0, rows, t_start)
    assert v[0].tolist() == [0, 2, 1, 3, 0]
    assert v[1].tolist() == [1, 1, 0, 0, 0]
    assert np.all(exp.derivatives(t_start, rows, t_start) == 0)
    assert exp.breakpoints(2).tolist() == [[10.0, np.inf], [5.0, 20.0]]


def test_a_drug_switched_on_later_only_acts_from_its_start(compiled, baseline):
    from lenvici.sim.solver import ConstantExposure, simulate

    n = baseline.y0.shape[0]
    names = ("c_len", "c_sor", "c_pd1")
    on = np.tile([3.0, 0.0, 150.0], (n, 1))
    off = np.zeros((n, 3))
    step = simulate(compiled, baseline.y0, baseline.params, [0.0, 30.0, 60.0],
                    StepExposure(names, np.full((n, 1), 30.0), np.stack([off, on], 1)))
    none = simulate(compiled, baseline.y0, baseline.params, [0.0, 30.0, 60.0], ConstantExposure(names, off))
    np.testing.assert_allclose(step.ys[:, 1], none.ys[:, 1], rtol=1e-5, atol=1e-9)
    assert not np.allclose(step.ys[:, 2], none.ys[:, 2], rtol=1e-3)


def test_shapes_are_checked():
    with pytest.raises(InputError, match="levels"):
        StepExposure(("a",), [[1.0]], [[[0.0]]])
    with pytest.raises(InputError, match="sorted"):
        StepExposure(("a",), [[2.0, 1.0]], [[[0.0], [1.0], [2.0]]])
