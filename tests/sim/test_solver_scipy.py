"""The full HCC model: lenvici's batched Rodas4 against SciPy's solve_ivp, one patient at a time."""

import numpy as np
import pytest

from lenvici.sim.solver import PIController, simulate, simulate_reference
from tests.sim import tolerances as tol
from tests.sim._pk_stub import stub_exposure


@pytest.mark.parametrize("method", ["LSODA", "BDF"])
def test_full_model_agrees_with_scipy(baseline, compiled, method):
    days = 84.0
    ts = np.arange(0.0, days + 1, 14.0)
    exp = stub_exposure(3, days, lenvatinib=[1.0, 0.7, 1.0], anti_pd1=[1.0, 1.0, 0.0])
    ours = simulate(compiled, baseline.y0, baseline.params, ts, exp, controller=PIController(rtol=1e-8, atol=1e-10))
    assert np.all(ours.ok)
    ref = simulate_reference(compiled, baseline.y0, baseline.params, ts, exp, method=method, rtol=1e-8, atol=1e-10)
    assert np.all(np.isfinite(ref))
    floor = 1e-6  # states starting at exactly zero (Q, R, hazards) are compared above this floor
    rel = np.abs(ours.ys - ref) / np.maximum(np.abs(ref), floor)
    assert rel.max() < tol.VS_SCIPY_REL, (rel.max(), np.unravel_index(rel.argmax(), rel.shape))


def test_sorafenib_arm_agrees_with_scipy(baseline, compiled):
    days = 28.0
    ts = np.array([0.0, 7.0, 14.0, 28.0])
    exp = stub_exposure(3, days, sorafenib=1.0)
    ours = simulate(compiled, baseline.y0, baseline.params, ts, exp, controller=PIController(rtol=1e-8, atol=1e-10))
    ref = simulate_reference(compiled, baseline.y0, baseline.params, ts, exp, method="LSODA", rtol=1e-8, atol=1e-10)
    rel = np.abs(ours.ys - ref) / np.maximum(np.abs(ref), 1e-6)
    assert rel.max() < tol.VS_SCIPY_REL
