"""Partitioned survival: state shares from nested curves, crossing curves, analytic sums."""

import numpy as np
import pytest

from lenvici.economics import load_model, partition, run_model
from tests.economics.conftest import psm_model
from tests.tolerances import SAME_ARITHMETIC_REL


def test_shares_are_never_negative_and_sum_to_one_when_curves_cross():
    t = np.linspace(0, 60, 61)
    pfs = np.exp(-(t / 20.0) ** 0.7)           # falls fast early, slowly late
    os_ = np.exp(-(t / 25.0) ** 2.0)           # crosses below PFS late
    shares, crossed = partition(np.stack([pfs, os_], axis=-1))
    assert crossed > 0
    assert shares.min() >= 0.0
    np.testing.assert_allclose(shares.sum(-1), 1.0, rtol=1e-12)
    assert np.all(shares[:, 0] <= os_ + 1e-15)


def test_four_states_three_curves():
    s = np.array([[1.0, 1.0, 1.0], [0.6, 0.7, 0.9], [0.3, 0.5, 0.4]])    # the last curve dips below the 2nd
    shares, crossed = partition(s)
    np.testing.assert_allclose(shares, [[1, 0, 0, 0], [0.6, 0.1, 0.2, 0.1], [0.3, 0.1, 0.0, 0.6]], atol=1e-12)
    assert int(crossed) == 1


def test_exponential_curves_give_closed_form_sums():
    a, b = 0.10, 0.04        # monthly rates of PFS and OS
    m = load_model(psm_model({"type": "exponential", "rate": a}, {"type": "exponential", "rate": b},
                             cycles=40, correction="end"))
    res = run_model(m)
    t = np.arange(1, 41)
    pf, os_ = np.exp(-a * t), np.exp(-b * t)
    expected_ly = os_.sum() / 12
    expected_cost = (1000 * pf + 500 * (os_ - pf)).sum()
    expected_qaly = (0.8 * pf + 0.6 * (os_ - pf)).sum() / 12
    assert res.ly[0] == pytest.approx(expected_ly, rel=SAME_ARITHMETIC_REL)
    assert res.cost[0] == pytest.approx(expected_cost, rel=SAME_ARITHMETIC_REL)
    assert res.qaly[0] == pytest.approx(expected_qaly, rel=SAME_ARITHMETIC_REL)
    assert res.crossings == {"only": 0}


def test_crossing_curves_are_reported_in_the_result():
    m = load_model(psm_model({"type": "weibull", "shape": 0.7, "scale": 20},
                             {"type": "weibull", "shape": 2.0, "scale": 25}, cycles=60))
    res = run_model(m)
    assert res.crossings["only"] > 0
    assert res.traces["only"].min() >= 0.0


def test_hazard_ratio_and_acceleration_factor_curves():
    base = {"type": "exponential", "rate": 0.05}
    model = psm_model(base, base, cycles=24)
    model["curves"] = {"pfs_ref": {"type": "exponential", "rate": 0.1}, "os_ref": base,
                       "pfs": {"type": "ph", "base": "pfs_ref", "hr": 0.5},
                       "os": {"type": "aft", "base": "os_ref", "af": 2.0}}
    res = run_model(load_model(model))
    t = np.arange(25)
    np.testing.assert_allclose(res.traces["only"][:, 0], np.exp(-0.05 * t), rtol=SAME_ARITHMETIC_REL)
    np.testing.assert_allclose(res.traces["only"][:, 2], 1 - np.exp(-0.025 * t), rtol=SAME_ARITHMETIC_REL)


def test_km_points_with_a_parametric_tail():
    model = psm_model({"type": "km", "times": [0, 2, 4, 6], "survival": [1.0, 0.8, 0.6, 0.5], "tail": "pfs_tail"},
                      {"type": "exponential", "rate": 0.01}, cycles=12, correction="beginning")
    model["curves"]["pfs_tail"] = {"type": "exponential", "rate": 0.1}
    res = run_model(load_model(model))
    pf = res.traces["only"][:, 0]
    km = np.array([1.0, 1.0, 0.8, 0.8, 0.6, 0.6, 0.5])
    tail = 0.5 * np.exp(-0.1 * (np.arange(7, 13) - 6))
    os_ = np.exp(-0.01 * np.arange(13))          # PFS is capped by OS where the flat KM step lies above it
    np.testing.assert_allclose(pf, np.minimum(np.concatenate([km, tail]), os_), rtol=SAME_ARITHMETIC_REL)
    assert res.crossings["only"] == 1


def test_psm_psa_with_sampled_curve_parameters_is_vectorised_like_single_runs():
    from lenvici.economics import draw_parameters, evaluate

    model = psm_model({"type": "weibull", "shape": "pfs_shape", "scale": 6.0},
                      {"type": "weibull", "shape": 1.1, "scale": "os_scale"}, cycles=36)
    model["parameters"] = {
        "pfs_shape": {"value": 1.0, "distribution": {"type": "normal", "mean": 1.0, "sd": 0.1}},
        "os_scale": {"value": 14.0, "distribution": {"type": "gamma", "mean": 14.0, "sd": 2.0}},
    }
    m = load_model(model)
    draws = draw_parameters(m, 15, seed=4)
    together = evaluate(m, draws, keep=True)
    assert together.traces["only"].shape == (15, 37, 3) and together.traces["only"].min() >= 0
    for s in range(15):
        one = evaluate(m, {k: v[s:s + 1] for k, v in draws.items()})
        np.testing.assert_allclose(together.cost[s], one.cost[0], rtol=SAME_ARITHMETIC_REL)
        np.testing.assert_allclose(together.qaly[s], one.qaly[0], rtol=SAME_ARITHMETIC_REL)
