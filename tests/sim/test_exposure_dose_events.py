"""DoseEventExposure: linear PK as dose events, against closed-form superposition."""

import numpy as np
import pytest

from lenvici.errors import InputError
from lenvici.sim.solver import DoseEventExposure, StackedExposure, bolus_modes, oral_modes
from lenvici.sim.solver._modal import modal_inputs


def _bateman(t, t_doses, dose, V, ka, ke, F=1.0):
    """One-compartment first-order absorption, superposed over doses (Gibaldi & Perrier, Pharmacokinetics,
    2nd ed. 1982, eq. 1.73 and ch. 3): C(t) = Σ_d F·D·ka / (V (ka − ke)) (e^{−ke τ} − e^{−ka τ}), τ = t − t_d ≥ 0."""
    out = np.zeros_like(t)
    for td in t_doses:
        tau = t - td
        on = tau >= 0
        out += np.where(on, F * dose * ka / (V * (ka - ke)) * (np.exp(-ke * np.where(on, tau, 0))
                                                              - np.exp(-ka * np.where(on, tau, 0))), 0.0)
    return out


def test_oral_daily_dosing_is_the_superposed_bateman_function():
    V, ka, ke, F, dose = 180.0, 24.0, 0.55, 0.85, 12.0  # L, 1/day, 1/day, -, mg
    A, lam = oral_modes(V, ka, ke, F)
    t_d = np.arange(0.0, 10.0)
    exp = DoseEventExposure(("c",), A[:, None, :], lam[:, None, :], t_d[None], np.full((1, 10, 1), dose))
    t = np.linspace(0.0, 12.0, 97) + 0.013  # not on a dose time
    rows = np.zeros(t.size, dtype=int)
    v = exp.values(t, rows, t)[0]
    np.testing.assert_allclose(v, _bateman(t, t_d, dose, V, ka, ke, F), rtol=1e-12, atol=1e-15)
    # derivative: a central difference of the closed form
    h = 1e-6
    dv = exp.derivatives(t, rows, t)[0]
    fd = (_bateman(t + h, t_d, dose, V, ka, ke, F) - _bateman(t - h, t_d, dose, V, ka, ke, F)) / (2 * h)
    np.testing.assert_allclose(dv, fd, rtol=1e-6, atol=1e-9)


def test_bolus_accumulates_to_the_published_steady_state_trough():
    """IV bolus every τ: the steady-state trough is (D/V) e^{−kτ} / (1 − e^{−kτ}) (Gibaldi & Perrier 1982,
    eq. 3.15)."""
    V, k, tau, dose = 6.0, 0.0267, 21.0, 1342.0
    A, lam = bolus_modes(V, k)
    t_d = np.arange(0.0, 60 * tau, tau)
    exp = DoseEventExposure(("c",), A[:, None, :], lam[:, None, :], t_d[None], np.full((1, t_d.size, 1), dose))
    t_trough = np.array([t_d[-1] + tau - 1e-9])
    c = exp.values(t_trough, np.array([0]), np.array([t_d[-1]]))[0, 0]
    r = np.exp(-k * tau)
    assert c == pytest.approx(dose / V * r / (1 - r), rel=1e-9)


def test_doses_count_from_the_step_start_and_are_breakpoints():
    A, lam = bolus_modes([1.0, 2.0], [0.1, 0.2])
    t_d = np.array([[1.0, 2.0], [1.5, np.inf]])
    exp = DoseEventExposure(("c",), A[:, None, :], lam[:, None, :], t_d, np.ones((2, 2, 1)))
    np.testing.assert_array_equal(exp.breakpoints(2), t_d)
    rows = np.array([0, 0, 1])
    t_start = np.array([0.5, 1.0, 1.5])
    v = exp.values(t_start + 0.25, rows, t_start)[0]
    np.testing.assert_allclose(v, [0.0, np.exp(-0.1 * 0.25), 0.5 * np.exp(-0.2 * 0.25)], rtol=1e-14)
    # a step that ends on a dose takes the left limit: the dose counts only from the next step
    assert exp.values(np.array([2.0]), np.array([0]), np.array([1.0]))[0, 0] == pytest.approx(np.exp(-0.1))


def test_modal_form_merges_a_stack_per_patient():
    A1, l1 = oral_modes(1.0, 10.0, 1.0)
    A2, l2 = bolus_modes(1.0, 0.05)
    a = DoseEventExposure(("x",), A1[:, None, :], l1[:, None, :], [[0.0, 2.0]], np.ones((1, 2, 1)))
    b = DoseEventExposure(("z",), A2[:, None, :], l2[:, None, :], [[1.0, np.inf]], np.full((1, 2, 1), 3.0))
    m = modal_inputs(StackedExposure([a, b]), ("x", "y", "z"), 4, 0.0)
    assert m.amp.shape == (1, 3, 2) and m.time_varying
    np.testing.assert_array_equal(m.dose_t, [[0.0, 1.0, 2.0, np.inf]])
    np.testing.assert_array_equal(m.dose_a[0], [[1, 0, 0], [0, 0, 3], [1, 0, 0], [0, 0, 3]])
    np.testing.assert_allclose(m.lam[0, 2], [0.05, 0.0])
    assert np.all(m.amp[0, 1] == 0)


def test_invalid_dose_events_raise_input_error():
    A, lam = bolus_modes(1.0, 0.1)
    with pytest.raises(InputError, match="sorted"):
        DoseEventExposure(("c",), A[:, None, :], lam[:, None, :], [[2.0, 1.0]], np.ones((1, 2, 1)))
    with pytest.raises(InputError, match=">= 0"):
        DoseEventExposure(("c",), A[:, None, :], -lam[:, None, :], [[0.0]], np.ones((1, 1, 1)))
    with pytest.raises(InputError, match="doses"):
        DoseEventExposure(("c",), A[:, None, :], lam[:, None, :], [[0.0]], np.ones((1, 2, 1)))
    with pytest.raises(InputError, match="ka != ke"):
        oral_modes(1.0, 0.5, 0.5)
    exp = DoseEventExposure(("c",), np.ones((3, 1, 1)), np.zeros((3, 1, 1)), [[0.0]], np.ones((1, 1, 1)))
    with pytest.raises(InputError, match="holds 3 patients"):
        exp.breakpoints(5)
