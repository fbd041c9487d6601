"""Parity with heemod's exact reproductions of the DMHEE textbook models.

Reference numbers: heemod ``tests/testthat/test_dmhee.R`` (pierucci/heemod), which reproduces Briggs,
Claxton & Sculpher, *Decision Modelling for Health Economic Evaluation* (OUP 2006), Example 2.5 (HIV) and
Example 3.5 (total hip replacement) and their Excel models. The R calls are, in short::

    run_model(mono = mod_mono, comb = mod_comb, parameters = par_mod, cycles = 20,
              cost = cost_total, effect = life_year, method = "end", init = c(1, 0, 0, 0))
    run_model(standard = mod_standard, np1 = mod_np1, parameters = param, cycles = 61,
              cost = cost, effect = utility, method = "beginning", init = c(1, 0, 0, 0, 0))
"""

import numpy as np
import pytest

from lenvici.economics import run_model
from tests.tolerances import HEEMOD_PARITY_REL, HEEMOD_ROUNDED_8DP_ABS

HIV = {"monotherapy": (44663.4535637, 7.9912066), "combination": (50601.6513312, 8.9373889)}
HIV_ICER = 6275.95560
THR = {"standard": (512.434658, 14.6531896), "np1": (610.311818, 14.69770986)}
THR_ICER = 2198.486665

# get_counts(thr$eval_strategy_list$standard)[2:9, -1] (SuccessP, RevisionTHR, SuccessR, Death), rounded
THR_STD_COUNTS = [
    [0.98000000, 0.0000000, 0.0000000, 0.0200000],
    [0.97265720, 0.0007768, 0.0000000, 0.02656600],
    [0.96516548, 0.00097491, 0.00075606, 0.03310354],
    [0.95757109, 0.00115802, 0.00166964, 0.03960125],
    [0.93783561, 0.00132115, 0.00268314, 0.05816010],
    [0.91838963, 0.00145307, 0.00379326, 0.07636404],
    [0.89924305, 0.00157339, 0.00496429, 0.09421927],
    [0.88040225, 0.00168398, 0.00618146, 0.11173231],
]
THR_NP1_COUNTS = [
    [0.98000000, 0.00000000, 0.00000000, 0.02000000],
    [0.97323145, 0.00020255, 0.00000000, 0.02656600],
    [0.96645641, 0.00025438, 0.00019715, 0.03309206],
    [0.95968665, 0.00030239, 0.00043553, 0.03957543],
    [0.94083683, 0.00034529, 0.00070021, 0.05811767],
    [0.92232657, 0.00038012, 0.00099040, 0.07630291],
    [0.90415327, 0.00041201, 0.00129686, 0.09413786],
    [0.88631355, 0.00044144, 0.00161577, 0.11162924],
]
# get_values(thr$eval_strategy_list$standard)[2:9, c("cost", "utility")]
THR_STD_VALUES = [
    [0, 0.82068966], [3.66001356, 0.80272917], [4.33343863, 0.78537550], [4.85597577, 0.76838428],
    [5.22645232, 0.74220815], [5.42296428, 0.71692065], [5.53962343, 0.69248578], [5.59337469, 0.66887542],
]


def test_hiv_costs_life_years_and_icer(hiv):
    res = run_model(hiv)
    for i, name in enumerate(res.strategies):
        cost, ly = HIV[name]
        assert res.cost[i] == pytest.approx(cost, rel=HEEMOD_PARITY_REL)
        assert res.ly[i] == pytest.approx(ly, rel=HEEMOD_PARITY_REL)
    assert res.icers.row("combination").icer == pytest.approx(HIV_ICER, rel=HEEMOD_PARITY_REL)
    assert [r.status for r in res.icers.rows] == ["reference", "frontier"]


def test_thr_costs_qalys_and_icer(thr):
    res = run_model(thr)
    for i, name in enumerate(res.strategies):
        cost, qaly = THR[name]
        assert res.cost[i] == pytest.approx(cost, rel=HEEMOD_PARITY_REL)
        assert res.qaly[i] == pytest.approx(qaly, rel=HEEMOD_PARITY_REL)
    assert res.icers.row("np1").icer == pytest.approx(THR_ICER, rel=HEEMOD_PARITY_REL)


@pytest.mark.parametrize("strategy, expected", [("standard", THR_STD_COUNTS), ("np1", THR_NP1_COUNTS)])
def test_thr_state_counts_match_the_textbook_spreadsheet(thr, strategy, expected):
    res = run_model(thr)
    trace = res.traces[strategy]          # times 0 … T; "beginning" weights cycle t by time t − 1
    got = trace[1:9, 1:]                  # heemod rows 2:9 of the corrected counts = times 1 … 8
    np.testing.assert_allclose(got, expected, rtol=0, atol=HEEMOD_ROUNDED_8DP_ABS)


def test_thr_per_cycle_values_match_heemod(thr):
    res = run_model(thr)
    pc = res.per_cycle["standard"]
    got = np.column_stack([pc["cost"][1:9], pc["qaly"][1:9]])
    np.testing.assert_allclose(got, THR_STD_VALUES, rtol=0, atol=HEEMOD_ROUNDED_8DP_ABS)
    assert pc["cost"][0] == 394.0             # the prosthesis, undiscounted in cycle 1


def test_thr_vignette_variant_with_60_cycles_differs_only_by_the_last_cycle(thr):
    """heemod's vignette runs 60 cycles; the exact reproduction (test_dmhee.R) needs 61."""
    data = thr.model_dump()
    data["settings"]["cycles"] = 60
    from lenvici.economics import load_model

    res60 = run_model(load_model(data))
    res61 = run_model(thr)
    last = res61.per_cycle["standard"]["qaly"][-1]
    assert res60.qaly[0] == pytest.approx(res61.qaly[0] - last, rel=1e-12)
