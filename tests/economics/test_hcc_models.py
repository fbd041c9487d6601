"""The HCC cost-effectiveness models in ``examples/economics/hcc_*.yaml`` and the price-threshold analysis.

Published reference numbers (abstracts; the papers' input tables were not accessible, see
docs/economics-hcc.md):

- China, review ref [67]: Cai H et al. J Comp Eff Res 2020;9(8):553-562, abstract — sorafenib 1.794 QALYs,
  US$43,780.73; lenvatinib 2.916 QALYs, US$57,049.43 (< 60 kg) and US$75,900.36 (>= 60 kg); ICERs
  US$11,825.94 and US$28,627.12 per QALY.
- Canada, ref [69]: Kim JJ et al. Oncologist 2020;25(3):e512-e519, abstract — lenvatinib dominant; cost-saving
  in 64.87 % of PSA simulations; a 57 % sorafenib price cut removes the dominance.
- Australia, ref [70]: Saiyed M et al. Clin Drug Investig 2020;40(12):1167-1176, abstract — lenvatinib
  A$96,325 / 1.205 QALYs, sorafenib A$92,394 / 1.086 QALYs, ICER A$33,028/QALY, 64 % cost-effective at
  A$50,000/QALY.

Each model marks its inputs as sourced, assumed or *calibrated*. A calibrated input is solved from published
outputs (the solve is re-run here, so the YAML cannot drift from its derivation); the outputs it was solved
from are then reproduced by construction and are checked only as consistency. The other published outputs
are the real test, at the tolerances below. Where the accessible inputs cannot close a gap, the comparison is
a strict ``xfail`` that names the reason: it fails loudly if the gap ever closes, so the documentation must
follow.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from lenvici.cli.cea import app
from lenvici.economics import (
    ThresholdResult,
    evaluate,
    load_model,
    price_threshold,
    run_dsa,
    run_model,
    run_psa,
)
from lenvici.errors import InputError
from tests.economics.conftest import EXAMPLES

CHINA = EXAMPLES / "hcc_lenvatinib_vs_sorafenib_china.yaml"
CANADA = EXAMPLES / "hcc_lenvatinib_vs_sorafenib_canada.yaml"
AUSTRALIA = EXAMPLES / "hcc_lenvatinib_vs_sorafenib_australia.yaml"
LEAP002 = EXAMPLES / "hcc_lenvatinib_pembrolizumab_vs_lenvatinib_leap002.yaml"
HCC_MODELS = sorted(EXAMPLES.glob("hcc_*.yaml"))

# --- tolerances, by kind of comparison, each with its reason ------------------------------------------------
#: Calibrated inputs are written to the YAML with 10 significant digits; re-solving them, and the published
#: totals they reproduce, agree to that rounding.
CALIBRATION_REL = 1e-8
#: QALYs and ICERs from inputs we had to approximate (exponential curves through the REFLECT medians instead
#: of the papers' fitted parametric curves, which have heavier tails; utilities 0.76/0.68 instead of the papers'
#: own): 15 % relative. The exponential-vs-parametric tail alone moves total QALYs by about 10 %.
APPROXIMATED_REL = 0.15
#: A PSA share (a probability) from our distributions — survival from the REFLECT confidence intervals,
#: utilities with an assumed 10 % SD, calibrated costs fixed — against the paper's, whose distributions are
#: not accessible: 10 percentage points. Monte Carlo error with 4,000 draws is below 1 point.
PSA_SHARE_ABS = 0.10
#: Internal identities (the ICER at the threshold price equals the WTP; INMB zero at the root): Brent's
#: method is run to 1e-12 on the multiplier, so only float rounding remains.
IDENTITY_REL = 1e-9

PUBLISHED = {
    "china": {"sorafenib": (43780.73, 1.794), "lenvatinib_lt60": (57049.43, 2.916),
              "lenvatinib_ge60": (75900.36, 2.916), "icer_lt60": 11825.94, "icer_ge60": 28627.12},
    "canada": {"psa_cost_saving": 0.6487, "sorafenib_price_cut": 0.57},
    "australia": {"lenvatinib": (96325.0, 1.205), "sorafenib": (92394.0, 1.086), "icer": 33028.0,
                  "psa_ce_at_50000": 0.64},
}


def _data(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _with(data: dict, **values) -> dict:
    """A copy of a parsed model with parameter values replaced."""
    d = copy.deepcopy(data)
    for name, value in values.items():
        spec = d["parameters"][name]
        if isinstance(spec, dict):
            spec["value"] = value
        else:
            d["parameters"][name] = value
    return d


def _calibrate(targets, params) -> np.ndarray:
    """Solve the calibrated parameters from published total costs.

    ``targets`` is a list of (parsed model, strategy, published total cost). Costs of a cohort model are
    affine in each cost parameter, so one evaluation with every parameter at 0 and one per unit vector give
    the linear system A x = b.
    """
    A, b = [], []
    k = len(params)
    for data, strategy, cost in targets:
        model = load_model(data)
        draws = {p: np.array([0.0] + [1.0 if i == j else 0.0 for j in range(k)]) for i, p in enumerate(params)}
        out = evaluate(model, draws)
        c = out.cost[:, list(model.strategies).index(strategy)]
        A.append(c[1:] - c[0])
        b.append(cost - c[0])
    return np.linalg.solve(np.array(A), np.array(b))


def _icer(res, strategy="lenvatinib", comparator="sorafenib"):
    i, j = res.strategies.index(strategy), res.strategies.index(comparator)
    return (res.cost[i] - res.cost[j]) / (res.qaly[i] - res.qaly[j])


# --- contract: every HCC model ---------------------------------------------------------------------------

def test_all_four_models_ship():
    assert {p.name for p in HCC_MODELS} == {CHINA.name, CANADA.name, AUSTRALIA.name, LEAP002.name}


@pytest.mark.parametrize("path", HCC_MODELS, ids=lambda p: p.stem)
def test_every_input_has_a_source(path):
    data = _data(path)
    for name, spec in data["parameters"].items():
        assert isinstance(spec, dict) and spec.get("source"), f"{path.name}: parameter {name} has no source"
        src = spec["source"]
        if src.startswith(("assumption", "calibrated", "PLACEHOLDER")):
            assert len(src) > 30, f"{path.name}: {name}: an assumption must state its rationale"
    for name, spec in data["curves"].items():
        assert spec.get("source"), f"{path.name}: curve {name} has no source"
    assert data["sources"], path.name


@pytest.mark.parametrize("path", HCC_MODELS, ids=lambda p: p.stem)
def test_loads_and_runs(path):
    model = load_model(path)
    res = run_model(model)
    assert all(np.isfinite(res.cost)) and all(q is not None and 0 < q < 5 for q in res.qaly)
    assert res.crossings is not None and all(v == 0 for v in res.crossings.values())  # PFS never above OS
    psa = run_psa(model, 200, seed=3)
    assert psa.cost.shape == (200, 2) and np.isfinite(psa.qaly).all()
    assert 0.0 in list(psa.wtp)  # the CEAC at 0 is the share of cost-saving draws
    dsa = run_dsa(model, outcome="inmb", wtp=30000)
    assert dsa.rows


@pytest.mark.parametrize("path", HCC_MODELS, ids=lambda p: p.stem)
def test_cli_runs_with_psa(path):
    r = CliRunner().invoke(app, ["run", str(path), "--psa", "100", "--seed", "1", "--json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert len(doc["strategies"]) == 2 and doc["ceac"][0]["wtp"] == 0.0


# --- China (ref 67) ------------------------------------------------------------------------------------------

def test_china_weight_based_dose():
    """8 mg/day below 60 kg, 12 mg/day from 60 kg; the drug cost scales with the dose, QALYs do not move."""
    data = _with(_data(CHINA), c_care_month=0)            # lenvatinib arm = drug cost alone
    cost = {w: run_model(load_model(_with(data, body_weight_kg=w))).cost[1] for w in (55, 59.9, 60, 65)}
    assert cost[59.9] == cost[55] and cost[60] == cost[65]
    assert cost[65] / cost[55] == pytest.approx(12 / 8, rel=IDENTITY_REL)
    lt = run_model(load_model(_with(_data(CHINA), body_weight_kg=55)))
    ge = run_model(load_model(_with(_data(CHINA), body_weight_kg=65)))
    assert ge.qaly == lt.qaly and ge.cost[0] == lt.cost[0]


def test_china_calibration_is_current():
    data = _data(CHINA)
    params = ["price_len_mg", "price_sor_tablet", "c_care_month"]
    pub = PUBLISHED["china"]
    solved = _calibrate([(_with(data, body_weight_kg=55), "sorafenib", pub["sorafenib"][0]),
                         (_with(data, body_weight_kg=55), "lenvatinib", pub["lenvatinib_lt60"][0]),
                         (_with(data, body_weight_kg=65), "lenvatinib", pub["lenvatinib_ge60"][0])], params)
    for p, x in zip(params, solved):
        assert data["parameters"][p]["value"] == pytest.approx(x, rel=CALIBRATION_REL), p


def test_china_reproduces_published_costs():
    """Consistency only: the costs were calibrated to these numbers."""
    data = _data(CHINA)
    lt = run_model(load_model(_with(data, body_weight_kg=55)))
    ge = run_model(load_model(_with(data, body_weight_kg=65)))
    pub = PUBLISHED["china"]
    assert lt.cost[0] == pytest.approx(pub["sorafenib"][0], rel=CALIBRATION_REL)
    assert lt.cost[1] == pytest.approx(pub["lenvatinib_lt60"][0], rel=CALIBRATION_REL)
    assert ge.cost[1] == pytest.approx(pub["lenvatinib_ge60"][0], rel=CALIBRATION_REL)


@pytest.mark.xfail(strict=True, reason="known gap: Cai et al.'s QALYs (1.794, 2.916) rest on a Markov model fed by "
                   "the Chinese REFLECT subpopulation, whose inputs were not accessible; REFLECT ITT medians give "
                   "about 1.00 and 1.13 QALYs (docs/economics-hcc.md)")
def test_china_qalys_match_published():
    res = run_model(load_model(CHINA))
    pub = PUBLISHED["china"]
    assert res.qaly[0] == pytest.approx(pub["sorafenib"][1], rel=APPROXIMATED_REL)
    assert res.qaly[1] == pytest.approx(pub["lenvatinib_lt60"][1], rel=APPROXIMATED_REL)


@pytest.mark.xfail(strict=True, reason="known gap: follows from the QALY gap — the published QALY gain (1.122) is "
                   "about 9 times what the REFLECT ITT medians support (0.13), so the reproduced ICERs are about "
                   "9 times higher (docs/economics-hcc.md)")
@pytest.mark.parametrize("weight,key", [(55, "icer_lt60"), (65, "icer_ge60")])
def test_china_icers_match_published(weight, key):
    res = run_model(load_model(_with(_data(CHINA), body_weight_kg=weight)))
    assert _icer(res) == pytest.approx(PUBLISHED["china"][key], rel=APPROXIMATED_REL)


def test_china_gap_is_the_qaly_gain_alone():
    """With costs calibrated, reproduced ICER x reproduced ΔQALY = published ICER x published ΔQALY."""
    data = _data(CHINA)
    pub = PUBLISHED["china"]
    dq_pub = pub["lenvatinib_lt60"][1] - pub["sorafenib"][1]
    for weight, key in ((55, "icer_lt60"), (65, "icer_ge60")):
        res = run_model(load_model(_with(data, body_weight_kg=weight)))
        dq = res.qaly[1] - res.qaly[0]
        # the published ICERs are rounded to the cent and ΔQALY to 3 decimals
        assert _icer(res) * dq == pytest.approx(pub[key] * dq_pub, rel=1e-4)


# --- Canada (ref 69) -----------------------------------------------------------------------------------------

def test_canada_calibration_is_current():
    model = load_model(CANADA)
    p = model.parameter("price_sor_tablet").base
    cut = 1.0 - PUBLISHED["canada"]["sorafenib_price_cut"]
    out = evaluate(model, {"c_pd_month": np.array([0.0, 1.0]), "price_sor_tablet": np.array([cut * p, cut * p])})
    d = out.cost[:, 1] - out.cost[:, 0]
    assert model.parameter("c_pd_month").base == pytest.approx(-d[0] / (d[1] - d[0]), rel=CALIBRATION_REL)


def test_canada_sourced_prices():
    model = load_model(CANADA)
    assert model.parameter("price_sor_tablet").base == 46.4689   # ODB unit price, Nexavar 200 mg
    assert model.parameter("price_len_unit").base == 70.7752     # ODB unit price, Lenvima 8-mg daily-dose pack


def test_canada_lenvatinib_dominates():
    """Published: lenvatinib dominated sorafenib (cheaper and more effective)."""
    res = run_model(load_model(CANADA))
    assert res.icers.row("sorafenib").status == "dominated"
    assert res.cost[1] < res.cost[0] and res.qaly[1] > res.qaly[0]


def test_canada_threshold_sorafenib_price():
    """The published 57 % cut, found by root finding (consistency: c_pd_month was calibrated to it)."""
    t = price_threshold(load_model(CANADA), "price_sor_tablet", "lenvatinib", "sorafenib", wtp=0)
    assert t.converged
    assert t.reduction == pytest.approx(PUBLISHED["canada"]["sorafenib_price_cut"], rel=CALIBRATION_REL)
    assert t.inmb_at_base > 0


def test_canada_psa_share_is_the_ceac_at_zero():
    model = load_model(CANADA)
    psa = run_psa(model, 1000, seed=11)
    share = float(np.mean(psa.cost[:, 1] < psa.cost[:, 0]))
    assert psa.ceac[list(psa.wtp).index(0.0), 1] == share
    r = CliRunner().invoke(app, ["run", str(CANADA), "--psa", "1000", "--seed", "11", "--json"])
    doc = json.loads(r.stdout)
    assert doc["ceac"][0] == {"wtp": 0.0, "sorafenib": pytest.approx(1 - share), "lenvatinib": pytest.approx(share)}


@pytest.mark.xfail(strict=True, reason="known gap: with Ontario list prices fixed and survival drawn from the REFLECT "
                   "CIs, lenvatinib saves money in every draw; Kim et al.'s 64.87 % implies cost distributions "
                   "about 2.6 times wider than their base-case saving, which were not accessible (docs/economics-hcc.md)")
def test_canada_psa_share_matches_published():
    psa = run_psa(load_model(CANADA), 4000, seed=1)
    share = psa.ceac[list(psa.wtp).index(0.0), 1]
    assert share == pytest.approx(PUBLISHED["canada"]["psa_cost_saving"], abs=PSA_SHARE_ABS)


# --- Australia (ref 70) -------------------------------------------------------------------------------------

def test_australia_calibration_is_current():
    data = _data(AUSTRALIA)
    pub = PUBLISHED["australia"]
    solved = _calibrate([(data, "lenvatinib", pub["lenvatinib"][0]), (data, "sorafenib", pub["sorafenib"][0])],
                        ["c_len_day", "c_sor_day"])
    assert data["parameters"]["c_len_day"]["value"] == pytest.approx(solved[0], rel=CALIBRATION_REL)
    assert data["parameters"]["c_sor_day"]["value"] == pytest.approx(solved[1], rel=CALIBRATION_REL)


def test_australia_qalys_and_icer():
    """QALYs are not calibrated: exponential REFLECT curves + utilities 0.76/0.68 against Saiyed's fits."""
    res = run_model(load_model(AUSTRALIA))
    pub = PUBLISHED["australia"]
    assert res.cost[1] == pytest.approx(pub["lenvatinib"][0], rel=CALIBRATION_REL)   # calibrated
    assert res.cost[0] == pytest.approx(pub["sorafenib"][0], rel=CALIBRATION_REL)    # calibrated
    assert res.qaly[1] == pytest.approx(pub["lenvatinib"][1], rel=APPROXIMATED_REL)
    assert res.qaly[0] == pytest.approx(pub["sorafenib"][1], rel=APPROXIMATED_REL)
    assert res.qaly[1] - res.qaly[0] == pytest.approx(pub["lenvatinib"][1] - pub["sorafenib"][1], rel=APPROXIMATED_REL)
    assert _icer(res) == pytest.approx(pub["icer"], rel=APPROXIMATED_REL)
    assert res.icers.row("lenvatinib").status == "frontier"


def test_australia_psa_probability_cost_effective():
    psa = run_psa(load_model(AUSTRALIA), 4000, seed=1)
    p = psa.ceac[list(psa.wtp).index(50000.0), 1]
    assert p == pytest.approx(PUBLISHED["australia"]["psa_ce_at_50000"], abs=PSA_SHARE_ABS)


# --- LEAP-002: lenvatinib + pembrolizumab (new analysis) -----------------------------------------------------

def test_leap002_pembrolizumab_price_and_stopping_rule():
    """2 vials x 30.4375/21 administrations a cycle while progression-free, for 35 administrations = 735 days
    = 24.15 monthly cycles: a full cost in cycles 1-24, 15 % of it in cycle 25, nothing after."""
    data = _data(LEAP002)
    model = load_model(data)
    assert model.parameter("price_pembro_100mg").base == 2630          # NICE TA830 §2.3 (BNF, April 2022)
    with_pembro = evaluate(model, keep=True)
    without = evaluate(load_model(_with(data, price_pembro_100mg=0)), keep=True)
    diff = (with_pembro.per_cycle["lenvatinib_pembrolizumab"]["cost"][0]
            - without.per_cycle["lenvatinib_pembrolizumab"]["cost"][0])
    assert np.all(diff[:25] > 0) and np.all(diff[25:] == 0)
    assert np.array_equal(with_pembro.cost[:, 0], without.cost[:, 0])  # no pembrolizumab in the control arm
    pf = with_pembro.traces["lenvatinib_pembrolizumab"][0, :, 0]
    counts = (pf[:-1] + pf[1:]) / 2                                     # life-table correction
    disc = 1.035 ** -(np.arange(25) / 12)
    per_cycle = 2 * 2630 * 30.4375 / 21
    assert diff[24] / (counts[24] * disc[24] * per_cycle) == pytest.approx((735 - 24 * 30.4375) / 30.4375, rel=1e-9)


def test_leap002_threshold_price_is_where_the_icer_equals_the_wtp():
    model = load_model(LEAP002)
    for wtp in (30000.0, 50000.0):
        t = price_threshold(model, "price_pembro_100mg", "lenvatinib_pembrolizumab", "lenvatinib", wtp=wtp)
        assert isinstance(t, ThresholdResult) and t.converged and 0 < t.multiplier < 1
        res = run_model(load_model(_with(_data(LEAP002), price_pembro_100mg=t.value)))
        assert _icer(res, "lenvatinib_pembrolizumab", "lenvatinib") == pytest.approx(wtp, rel=1e-6)
    base = run_model(model)
    assert _icer(base, "lenvatinib_pembrolizumab", "lenvatinib") > 100000  # not cost-effective at list price


def test_leap002_no_price_is_cost_effective_at_20000():
    """At £20,000/QALY the combination's longer time on lenvatinib alone outweighs its QALY gain."""
    model = load_model(LEAP002)
    with pytest.raises(InputError, match="does not change sign"):
        price_threshold(model, "price_pembro_100mg", "lenvatinib_pembrolizumab", "lenvatinib", wtp=20000)
    t = price_threshold(model, "price_pembro_100mg", "lenvatinib_pembrolizumab", "lenvatinib", wtp=20000,
                        bracket=(-1.0, 10.0))
    assert t.multiplier < 0


# --- the threshold function on analytic cases ---------------------------------------------------------------

def _two_strategy_markov(price=100.0, c_b=43.0, u_b=0.8, q=0.1, power=1) -> dict:
    """Alive/dead cohort; strategy A costs price**power per cycle alive, B costs c_b with utility u_b.

    Both strategies share the transitions, so every cost and QALY is (sum of discounted alive shares) times a
    per-cycle amount S: INMB(A vs B) = S [λ (1 − u_b) − (m^power price^power − c_b)], and the threshold
    multiplier is m* = (c_b + λ (1 − u_b))^(1/power) / price.
    """
    return {
        "name": "analytic threshold", "type": "markov",
        "settings": {"cycle_length": "1 year", "cycles": 30, "correction": "life-table",
                     "discount": {"costs": 0.035, "effects": 0.035}},
        "states": [{"name": "alive", "costs": {"c": "cost"}, "utility": "u"}, {"name": "dead", "alive": False}],
        "parameters": {"price": price, "c_b": c_b, "u_b": u_b, "q": q, "cost": f"price ** {power}", "u": 1.0,
                       "annual_price": "price * 12"},
        "transitions": [["C", "q"], [0, 1]],
        "strategies": {"b": {"parameters": {"cost": "c_b", "u": "u_b"}}, "a": {}},
    }


@pytest.mark.parametrize("wtp", [0.0, 50.0, 120.0])
def test_threshold_linear_analytic(wtp):
    model = load_model(_two_strategy_markov())
    t = price_threshold(model, "price", "a", "b", wtp=wtp)
    expected = (43.0 + wtp * (1 - 0.8)) / 100.0
    assert t.multiplier == pytest.approx(expected, rel=IDENTITY_REL)
    assert t.value == pytest.approx(100.0 * expected, rel=IDENTITY_REL)
    assert t.reduction == pytest.approx(1 - expected, rel=IDENTITY_REL)
    assert t.converged and t.bracket == (0.0, 10.0)
    assert np.sign(t.inmb_at_base) == np.sign(wtp * (1 - 0.8) - (100.0 - 43.0))   # S [λ (1 − u_b) − (p − c_b)]


def test_threshold_nonlinear_analytic():
    """Cost = price²: the INMB is quadratic in the multiplier; Brent still finds m* = √c_b / price."""
    model = load_model(_two_strategy_markov(price=10.0, c_b=49.0, power=2))
    t = price_threshold(model, "price", "a", "b", wtp=0.0)
    assert t.multiplier == pytest.approx(0.7, rel=IDENTITY_REL)
    assert t.iterations >= 1


def test_threshold_default_comparator_and_grid_root():
    model = load_model(_two_strategy_markov(c_b=50.0))
    t = price_threshold(model, "price", "a", grid=21)   # the root 0.5 lies on the grid 0, 0.5, 1, …
    assert t.comparator == "b" and t.multiplier == pytest.approx(0.5, rel=IDENTITY_REL)


def test_threshold_result_faces():
    t = price_threshold(load_model(_two_strategy_markov()), "price", "a", "b")
    s = t.summary()
    assert s["multiplier"] == t.multiplier and s["reduction"] == pytest.approx(0.57)
    assert "57.00 % cut" in str(t)
    fig = t.plot()
    assert fig.axes
    import matplotlib.pyplot as plt

    plt.close("all")


@pytest.mark.parametrize("kwargs,match", [
    ({"parameter": "nope"}, "unknown parameter"),
    ({"parameter": "annual_price"}, "numeric value"),
    ({"parameter": "u"}, "overridden by strategy 'b'"),
    ({"strategy": "zz"}, "unknown strategy"),
    ({"comparator": "a"}, "must differ"),
    ({"wtp": -1.0}, "wtp must be"),
    ({"bracket": (2.0, 1.0)}, "bracket must be"),
    ({"bracket": (0.0, 0.2)}, "does not change sign"),
    ({"grid": 2}, "grid must be"),
])
def test_threshold_errors(kwargs, match):
    model = load_model(_two_strategy_markov())
    args = {"parameter": "price", "strategy": "a", "comparator": "b", **kwargs}
    with pytest.raises(InputError, match=match):
        price_threshold(model, **args)
