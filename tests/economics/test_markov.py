"""Cohort Markov engine: fast trace against a slow reference, tunnel states, time dependence."""

import numpy as np
import pytest

from lenvici.economics import cohort_trace, evaluate, load_model, run_model
from lenvici.economics.markov import cohort_trace_reference, expand_tunnels
from tests.tolerances import SAME_ARITHMETIC_REL


def _random_stochastic(rng, shape):
    a = rng.random(shape)
    return a / a.sum(axis=-1, keepdims=True)


def test_vectorised_trace_equals_reference_loop():
    rng = np.random.default_rng(3)
    S, T, n = 4, 12, 5
    P = _random_stochastic(rng, (S, T, n, n))
    init = np.array([0.7, 0.3, 0, 0, 0])
    fast = cohort_trace(np.moveaxis(P, 0, -1), init)
    for s in range(S):
        np.testing.assert_allclose(fast[s], cohort_trace_reference(P[s], init), rtol=SAME_ARITHMETIC_REL)
    np.testing.assert_allclose(fast.sum(-1), 1.0, rtol=SAME_ARITHMETIC_REL)


def test_homogeneous_matrix_repeats():
    rng = np.random.default_rng(4)
    P = _random_stochastic(rng, (3, 3))
    init = np.array([1.0, 0, 0])
    once = cohort_trace(P[None, :, :, None], init, cycles=6)[0]
    np.testing.assert_allclose(once[6], init @ np.linalg.matrix_power(P, 6), rtol=SAME_ARITHMETIC_REL)


def test_two_state_survival_is_geometric():
    m = load_model({
        "name": "two states", "type": "markov",
        "settings": {"cycles": 10, "correction": "end", "effect": "ly"},
        "states": [{"name": "alive", "costs": {"c": 100}}, {"name": "dead", "alive": False}],
        "parameters": {"p": 0.1},
        "transitions": [["C", "p"], [0, 1]],
        "strategies": {"s": {}},
    })
    res = run_model(m)
    expected_ly = sum(0.9**t for t in range(1, 11))
    assert res.ly[0] == pytest.approx(expected_ly, rel=SAME_ARITHMETIC_REL)
    assert res.cost[0] == pytest.approx(100 * expected_ly, rel=SAME_ARITHMETIC_REL)


def _tunnel_model(expanded: bool) -> dict:
    """Post-operative mortality 10 %, 5 %, then 2 % per cycle by time since surgery."""
    common = {
        "name": "tunnel", "type": "markov",
        "settings": {"cycles": 15, "correction": "life-table", "effect": "qaly",
                     "discount": {"costs": 0.035, "effects": 0.035}},
        "parameters": {"p_op": 0.3, "p_die_well": 0.01},
        "strategies": {"s": {}},
    }
    if not expanded:
        return {**common,
                "states": [{"name": "well", "utility": 0.9},
                           {"name": "postop", "tunnel": 3, "utility": "0.5 + 0.1 * state_time",
                            "costs": {"op": "where(state_time == 1, 5000, 200)"}},
                           {"name": "dead", "alive": False}],
                "parameters": {**common["parameters"],
                               "p_die_op": "where(state_time == 1, 0.10, where(state_time == 2, 0.05, 0.02))"},
                "transitions": [["C", "p_op", "p_die_well"], [0.2, "C", "p_die_op"], [0, 0, 1]]}
    # the same model written out by hand: postop1 → postop2 → postop3 (stays)
    return {**common,
            "states": [{"name": "well", "utility": 0.9},
                       {"name": "postop1", "utility": 0.6, "costs": {"op": 5000}},
                       {"name": "postop2", "utility": 0.7, "costs": {"op": 200}},
                       {"name": "postop3", "utility": 0.8, "costs": {"op": 200}},
                       {"name": "dead", "alive": False}],
            "transitions": [["C", "p_op", 0, 0, "p_die_well"],
                            [0.2, 0, "C", 0, 0.10],
                            [0.2, 0, 0, "C", 0.05],
                            [0.2, 0, 0, "C", 0.02],
                            [0, 0, 0, 0, 1]]}


def test_tunnel_state_equals_hand_expanded_states():
    tun = run_model(load_model(_tunnel_model(False)))
    hand = run_model(load_model(_tunnel_model(True)))
    assert tun.cost[0] == pytest.approx(hand.cost[0], rel=SAME_ARITHMETIC_REL)
    assert tun.qaly[0] == pytest.approx(hand.qaly[0], rel=SAME_ARITHMETIC_REL)
    assert tun.ly[0] == pytest.approx(hand.ly[0], rel=SAME_ARITHMETIC_REL)
    t, h = tun.traces["s"], hand.traces["s"]
    np.testing.assert_allclose(t[:, 1], h[:, 1:4].sum(axis=1), rtol=SAME_ARITHMETIC_REL, atol=1e-15)
    assert t.shape[1] == 3


def test_expand_tunnels_routes_stays_forward():
    S = 1
    rows = [np.array([[[[0.5], [0.5]]]]).reshape(1, 1, 2, S),     # state A (1 sub-state): stay .5, to B .5
            np.array([[[[0.0], [1.0]]], [[[0.0], [1.0]]]]).reshape(2, 1, 2, S)]   # B tunnel of 2: stays
    P = expand_tunnels(rows, [1, 2])[0, :, :, 0]
    np.testing.assert_allclose(P, [[0.5, 0.5, 0.0], [0.0, 0.0, 1.0], [0.0, 0.0, 1.0]])


def test_time_inhomogeneous_and_time_constant_entries_mix():
    m = load_model({
        "name": "mix", "type": "markov",
        "settings": {"cycles": 8, "correction": "beginning", "effect": "ly"},
        "states": [{"name": "a"}, {"name": "b"}, {"name": "d", "alive": False}],
        "parameters": {"p": "0.02 * cycle"},
        "transitions": [["C", 0.1, "p"], [0, "C", 0.2], [0, 0, 1]],
        "strategies": {"s": {}},
    })
    out = evaluate(m, keep=True)
    P = np.array([[[1 - 0.1 - 0.02 * t, 0.1, 0.02 * t], [0, 0.8, 0.2], [0, 0, 1]] for t in range(1, 9)])
    np.testing.assert_allclose(out.traces["s"][0], cohort_trace_reference(P, [1, 0, 0]), rtol=SAME_ARITHMETIC_REL)


def test_tunnel_model_psa_is_vectorised_like_single_runs():
    data = _tunnel_model(False)
    data["parameters"]["p_op"] = {"value": 0.3, "distribution": {"type": "beta", "mean": 0.3, "sd": 0.05}}
    m = load_model(data)
    from lenvici.economics import draw_parameters

    draws = draw_parameters(m, 12, seed=9)
    together = evaluate(m, draws)
    for s in range(12):
        one = evaluate(m, {k: v[s:s + 1] for k, v in draws.items()})
        np.testing.assert_allclose(together.qaly[s], one.qaly[0], rtol=SAME_ARITHMETIC_REL)
