"""PSA distributions, correlated draws and the vectorised evaluation against a one-sample-at-a-time loop."""

import numpy as np
import pytest

from lenvici.economics import draw_parameters, evaluate, load_model, make_distribution, run_psa
from lenvici.economics.psa import Dirichlet, GaussianCopula, MultivariateNormal, draw
from lenvici.errors import InputError
from tests.tolerances import MONTE_CARLO_MEAN_SE, SAME_ARITHMETIC_REL

N = 200_000


@pytest.mark.parametrize("spec, mean, sd", [
    ({"type": "beta", "alpha": 2, "beta": 98}, 0.02, np.sqrt(2 * 98 / (100**2 * 101))),
    ({"type": "beta", "mean": 0.85, "sd": 0.03}, 0.85, 0.03),
    ({"type": "gamma", "mean": 5294, "sd": 1487}, 5294, 1487),
    ({"type": "gamma", "shape": 4, "rate": 2}, 2.0, 1.0),
    ({"type": "lognormal", "mean": 0.509, "sdlog": 0.173}, 0.509, 0.509 * np.sqrt(np.exp(0.173**2) - 1)),
    ({"type": "lognormal", "mean": 10, "sd": 2}, 10, 2),
    ({"type": "normal", "mean": -1.3, "sd": 0.38}, -1.3, 0.38),
    ({"type": "uniform", "low": 1, "high": 3}, 2.0, 2 / np.sqrt(12)),
    ({"type": "triangular", "low": 0, "mode": 1, "high": 5}, 2.0, np.sqrt((0 + 1 + 25 - 0 - 0 - 5) / 18)),
    ({"type": "binomial", "prob": 0.25, "size": 40}, 0.25, np.sqrt(0.25 * 0.75 / 40)),
])
def test_moment_matching(spec, mean, sd):
    d = make_distribution(spec)
    assert d.mean == pytest.approx(mean, rel=1e-12)
    x = draw(N, np.random.default_rng(11), {"x": d})["x"]
    assert abs(x.mean() - mean) < MONTE_CARLO_MEAN_SE * sd / np.sqrt(N)
    assert x.std() == pytest.approx(sd, rel=0.02)


@pytest.mark.parametrize("spec", [
    {"type": "beta", "mean": 0.5, "sd": 0.6},
    {"type": "beta", "alpha": 1},
    {"type": "gamma", "mean": -1, "sd": 1},
    {"type": "weibull", "shape": 1},
    {"type": "normal", "mean": 0, "sd": "x"},
])
def test_invalid_specs_raise(spec):
    with pytest.raises(ValueError):
        make_distribution(spec)


def test_copula_gives_the_requested_rank_correlation_and_keeps_margins():
    dists = {"a": make_distribution({"type": "gamma", "mean": 10, "sd": 3}),
             "b": make_distribution({"type": "beta", "mean": 0.3, "sd": 0.05})}
    cop = GaussianCopula(("a", "b"), ((1.0, 0.6), (0.6, 1.0)))
    x = draw(N, np.random.default_rng(5), dists, copulas=(cop,))
    from scipy import stats

    rho = stats.spearmanr(x["a"], x["b"]).statistic
    assert rho == pytest.approx(6 / np.pi * np.arcsin(0.6 / 2), abs=0.01)
    assert x["a"].mean() == pytest.approx(10, rel=0.01) and x["b"].mean() == pytest.approx(0.3, rel=0.01)


def test_multivariate_normal_by_cholesky():
    cov = ((0.04, -0.01), (-0.01, 0.09))
    mv = MultivariateNormal(("x", "y"), (1.0, -2.0), cov)
    x = draw(N, np.random.default_rng(6), {}, mvnormals=(mv,))
    np.testing.assert_allclose(np.cov(x["x"], x["y"]), cov, atol=2e-3)
    with pytest.raises(ValueError, match="positive definite"):
        MultivariateNormal(("x", "y"), (0, 0), ((1.0, 2.0), (2.0, 1.0)))


def test_dirichlet_sums_to_one_with_expected_means():
    d = Dirichlet(("p1", "p2", "p3"), (721.0, 202.0, 77.0))
    x = draw(N, np.random.default_rng(8), {}, dirichlets=(d,))
    total = x["p1"] + x["p2"] + x["p3"]
    np.testing.assert_allclose(total, 1.0, rtol=1e-12)
    assert x["p2"].mean() == pytest.approx(0.202, abs=1e-3)


def test_seed_reproduces_draws(thr):
    a = draw_parameters(thr, 50, seed=42)
    b = draw_parameters(thr, 50, seed=42)
    assert a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)
    assert set(a) >= {"omrPTHR", "lngamma", "c_revision", "u_successP"}


@pytest.mark.parametrize("fixture", ["thr", "hiv"])
def test_vectorised_psa_equals_one_sample_at_a_time(fixture, request):
    model = request.getfixturevalue(fixture)
    draws = draw_parameters(model, 25, seed=3)
    together = evaluate(model, draws)
    chunked = evaluate(model, draws, chunk=7)
    for s in range(25):
        one = evaluate(model, {k: v[s:s + 1] for k, v in draws.items()})
        np.testing.assert_allclose(together.cost[s], one.cost[0], rtol=SAME_ARITHMETIC_REL)
        np.testing.assert_allclose(together.ly[s], one.ly[0], rtol=SAME_ARITHMETIC_REL)
    np.testing.assert_allclose(chunked.cost, together.cost, rtol=SAME_ARITHMETIC_REL)


def test_run_psa_result(thr):
    res = run_psa(thr, 300, seed=1)
    assert res.cost.shape == (300, 2) and res.qaly.shape == (300, 2)
    np.testing.assert_allclose(res.ceac.sum(axis=1), 1.0)
    assert res.ceac[0, 0] > 0.9                  # at WTP 0 the cheaper prosthesis wins
    assert res.ceac[-1, 1] > 0.9                 # at high WTP NP1 wins
    assert np.all(res.evpi >= 0)
    pts = res.ceac_points()
    assert set(pts[0]) == {"wtp", "standard", "np1"}
    assert [r["strategy"] for r in res.summary()] == ["standard", "np1"]
    # the PSA mean is close to the deterministic ICER (≈ 2,198)
    assert 1500 < res.icers.row("np1").icer < 3000


def test_psa_needs_distributions_and_a_valid_n(hiv):
    with pytest.raises(InputError):
        run_psa(hiv, 0)
    data = hiv.model_dump()
    for p in data["parameters"].values():
        p["distribution"] = None
    data["psa"] = {}
    with pytest.raises(InputError, match="no parameter distributions"):
        run_psa(load_model(data), 10)


def test_invalid_sampled_probability_names_the_entry():
    model = load_model({
        "name": "bad draws", "type": "markov", "settings": {"cycles": 3, "effect": "ly"},
        "states": [{"name": "a"}, {"name": "d", "alive": False}],
        "parameters": {"p": {"value": 0.5, "distribution": {"type": "normal", "mean": 0.5, "sd": 2}}},
        "transitions": [["C", "p"], [0, 1]], "strategies": {"s": {}},
    })
    with pytest.raises(InputError, match=r"transitions\[0\]"):
        run_psa(model, 200, seed=1)
