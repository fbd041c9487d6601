"""ICERs with dominance (dampack's ``calculate_icers``), NMB, CEAC, CEAF and EVPI.

The dominance fixture is dampack's ``tests/testthat/test_calculate_icers.R`` (example from
herc.research.va.gov, cost-effectiveness analysis page)::

    calculate_icers(cost = c(55000, 35000, 25000, 10000, 12000, 5000),
                    effect = c(5, 4, 3, 2, 1.5, 1), strategies = c("E", "D", "C", "B", "A", "UC"))
"""

import numpy as np
import pytest

from lenvici.economics import calculate_icers, ceac, ceaf, evpi, nmb
from lenvici.errors import InputError
from tests.tolerances import ICER_EXAMPLE_REL, SAME_ARITHMETIC_REL

DAMPACK_COST = [55000, 35000, 25000, 10000, 12000, 5000]
DAMPACK_EFFECT = [5, 4, 3, 2, 1.5, 1]
DAMPACK_STRATEGIES = ["E", "D", "C", "B", "A", "UC"]
# expected_df of the dampack test: Strategy, Cost, Effect, Inc_Cost, Inc_Effect, ICER, Status
DAMPACK_EXPECTED = [
    ("UC", 5000, 1, None, None, None, "reference"),
    ("B", 10000, 2, 5000, 1, 5000, "frontier"),
    ("D", 35000, 4, 25000, 2, 12500, "frontier"),
    ("E", 55000, 5, 20000, 1, 20000, "frontier"),
    ("C", 25000, 3, None, None, None, "extendedly-dominated"),
    ("A", 12000, 1.5, None, None, None, "dominated"),
]


def test_dampack_dominance_example():
    table = calculate_icers(DAMPACK_COST, DAMPACK_EFFECT, DAMPACK_STRATEGIES)
    assert len(table.rows) == len(DAMPACK_EXPECTED)
    for row, exp in zip(table.rows, DAMPACK_EXPECTED):
        got = (row.strategy, row.cost, row.effect, row.inc_cost, row.inc_effect, row.icer, row.status)
        assert got[0] == exp[0] and got[-1] == exp[-1]
        for g, e in zip(got[1:-1], exp[1:-1]):
            assert (g is None) == (e is None)
            if e is not None:
                assert g == pytest.approx(e, rel=ICER_EXAMPLE_REL)
    assert table.frontier == ("UC", "B", "D", "E")


def test_equal_effect_more_cost_is_dominated_and_cheapest_is_reference():
    """dampack test 'default reference strategy'."""
    t = calculate_icers([163771.0, 164848.7, 163765.1], [6.48273, 6.52861, 6.52861],
                        ["No Treat", "Treat all", "Test & treat"])
    assert t.rows[0].strategy == "Test & treat" and t.rows[0].status == "reference"
    assert {r.strategy: r.status for r in t.rows} == {"Test & treat": "reference", "No Treat": "dominated",
                                                      "Treat all": "dominated"}


def test_one_strategy_is_the_reference():
    t = calculate_icers([1], [2], ["s"])
    assert [(r.strategy, r.icer, r.status) for r in t.rows] == [("s", None, "reference")]


def test_input_errors():
    with pytest.raises(InputError):
        calculate_icers([1, 2], [1], ["a", "b"])
    with pytest.raises(InputError):
        calculate_icers([1, 2], [1, 2], ["a", "a"])
    with pytest.raises(InputError):
        calculate_icers([1, np.nan], [1, 2], ["a", "b"])


def test_frontier_icers_increase_property():
    rng = np.random.default_rng(7)
    for _ in range(200):
        k = rng.integers(2, 9)
        t = calculate_icers(rng.uniform(0, 1e5, k), rng.uniform(0, 10, k), [f"s{i}" for i in range(k)])
        icers = [r.icer for r in t.rows if r.status == "frontier"]
        assert all(a <= b for a, b in zip(icers, icers[1:]))
        front = [t.row(s) for s in t.frontier]
        assert all(b.cost >= a.cost and b.effect > a.effect for a, b in zip(front, front[1:]))


def test_nmb_shapes():
    c = np.array([[1.0, 2.0]])
    e = np.array([[0.1, 0.3]])
    assert nmb(c, e, 10.0).tolist() == [[0.0, 1.0]]
    assert nmb(c, e, [0.0, 10.0]).shape == (1, 2, 2)


def test_ceac_sums_to_one_and_matches_a_loop():
    rng = np.random.default_rng(1)
    cost = rng.normal([100, 150, 170], 20, size=(500, 3))
    eff = rng.normal([1.0, 1.01, 1.012], 0.005, size=(500, 3))
    wtp = np.linspace(0, 20000, 21)
    curve = ceac(cost, eff, wtp)
    np.testing.assert_allclose(curve.sum(axis=1), 1.0, rtol=SAME_ARITHMETIC_REL)
    for i, lam in enumerate(wtp):
        best = [int(np.argmax(lam * eff[s] - cost[s])) for s in range(500)]
        np.testing.assert_allclose(curve[i], np.bincount(best, minlength=3) / 500)
    front, prob = ceaf(cost, eff, wtp)
    for i, lam in enumerate(wtp):
        assert front[i] == np.argmax(lam * eff.mean(0) - cost.mean(0))
        assert prob[i] == curve[i, front[i]]


def test_evpi_definition_and_zero_without_uncertainty():
    rng = np.random.default_rng(2)
    cost = rng.normal([100, 150], 30, size=(400, 2))
    eff = rng.normal([1.0, 1.01], 0.01, size=(400, 2))
    w = np.array([0.0, 5000.0, 1e5])
    v = evpi(cost, eff, w)
    for i, lam in enumerate(w):
        b = lam * eff - cost
        assert v[i] == pytest.approx(b.max(1).mean() - b.mean(0).max(), rel=SAME_ARITHMETIC_REL, abs=1e-9)
    assert np.all(v >= 0)
    certain = evpi(np.tile([100.0, 150.0], (50, 1)), np.tile([1.0, 1.01], (50, 1)), w)
    np.testing.assert_allclose(certain, 0.0, atol=1e-9)
