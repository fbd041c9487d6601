"""The model fit: Knapp–Hartung, prediction intervals, back-transforms, meta-regression, subgroups, errors."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from scipy.stats import norm, t as t_dist

from lenvici.errors import InputError
from lenvici.evidence.meta import (
    MetaRegResult,
    MetaResult,
    proportion,
    rma,
    subgroup,
    two_group,
)

Y = np.array([0.12, 0.45, -0.1, 0.3, 0.62, 0.05, 0.21])
V = np.array([0.03, 0.05, 0.02, 0.08, 0.04, 0.06, 0.03])


def test_knha_with_two_studies_by_hand():
    """k = 2: s²_w = Σwᵢ(yᵢ − μ̂)²/1 and t(1) quantiles (12.706…)."""
    y, v = np.array([0.2, 0.8]), np.array([0.04, 0.09])
    res = rma(y, v, method="DL", test="knha")
    w = 1 / (v + res.tau2)
    mu = np.sum(w * y) / np.sum(w)
    s2w = np.sum(w * (y - mu) ** 2)
    se = math.sqrt(s2w / np.sum(w))
    crit = t_dist.isf(0.025, 1)
    assert res.ddf == 1 and res.s2w == pytest.approx(s2w, rel=1e-13)
    assert res.se == pytest.approx(se, rel=1e-13)
    assert res.zval == pytest.approx(mu / se, rel=1e-13)
    assert res.pval == pytest.approx(2 * t_dist.sf(abs(mu / se), 1), rel=1e-12)
    assert res.ci_ub - res.ci_lb == pytest.approx(2 * crit * se, rel=1e-13)
    pse = math.sqrt(se ** 2 + res.tau2)
    assert res.pi_ub == pytest.approx(mu + crit * pse, rel=1e-13)


def test_knha_scaling_below_one_is_kept_and_adhoc_truncates_it():
    """metafor's knha uses s²_w as it is, even below 1; test='adhoc' floors it at 1."""
    y, v = np.array([0.10, 0.12, 0.09, 0.11]), np.full(4, 0.05)
    knha, adhoc, z = (rma(y, v, method="DL", test=t) for t in ("knha", "adhoc", "z"))
    assert knha.s2w < 1 and adhoc.s2w == 1.0
    assert knha.se < z.se == pytest.approx(adhoc.se, rel=1e-14)


def test_hksj_alias_and_t_test():
    assert rma(Y, V, test="hksj").test == "knha"
    t = rma(Y, V, test="t")
    assert t.s2w == 1.0 and t.ddf == Y.size - 1
    assert t.ci_ub - t.estimate == pytest.approx(t_dist.isf(0.025, Y.size - 1) * t.se, rel=1e-13)


def test_equal_effects_pi_equals_ci_and_no_tau2_ci():
    res = rma(Y, V, method="EE")
    assert (res.pi_lb, res.pi_ub) == (res.ci_lb, res.ci_ub)
    assert res.tau2_ci is None and math.isnan(res.se_tau2)


def test_prediction_interval_normal():
    res = rma(Y, V, method="REML")
    half = norm.isf(0.025) * math.sqrt(res.se ** 2 + res.tau2)
    assert res.pi_ub - res.estimate == pytest.approx(half, rel=1e-13)


def test_level_as_percent_or_proportion():
    a, b = rma(Y, V, level=90), rma(Y, V, level=0.9)
    assert a.ci_lb == b.ci_lb and a.level == pytest.approx(90.0)
    with pytest.raises(InputError):
        rma(Y, V, level=150)


def test_back_transform_plo_is_inverse_logit():
    es = proportion([3, 7, 12, 0, 9], [20, 30, 40, 15, 25], "PLO")
    res = rma(es, method="DL")
    expit = lambda x: 1 / (1 + math.exp(-x))  # noqa: E731
    assert res.transformed.transformation == "ilogit"
    assert res.transformed.estimate == pytest.approx(expit(res.estimate), rel=1e-14)
    assert res.transformed.pi_lb == pytest.approx(expit(res.pi_lb), rel=1e-14)


def test_back_transform_pft_needs_ni():
    es = proportion([3, 7, 12, 0, 9], [20, 30, 40, 15, 25], "PFT")
    assert rma(es).transformed.transformation == "ipft.hm"
    with pytest.warns(UserWarning, match="ni"):
        res = rma(es.yi, es.vi, measure="PFT")
    assert res.transformed is None


def test_back_transform_or_exp_and_gen_none():
    es = two_group([10, 4, 7], [50, 40, 60], [5, 6, 3], [50, 40, 60], "OR")
    res = rma(es)
    assert res.transformed.estimate == pytest.approx(math.exp(res.estimate))
    assert rma(Y, V).transformed is None


def test_single_study():
    """k = 1: τ² = 0 (metafor), z test forced with a warning, Q = 0."""
    with pytest.warns(UserWarning, match="k = 1"):
        res = rma([0.3], [0.04], method="REML", test="knha")
    assert res.k == 1 and res.tau2 == 0 and res.test == "z" and res.QE == 0 and res.QEp == 1
    assert res.se == pytest.approx(0.2)


def test_results_are_frozen_and_summarise():
    res = rma(Y, V)
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.tau2 = 0.0
    rows = res.summary()
    assert rows[0]["quantity"] == "estimate" and rows[0]["value"] == res.estimate
    assert "Random-effects (REML)" in repr(res) and "Q-profile" in res.tau2_ci.method
    assert res.to_dict()["tau2_ci"]["tau2_lb"] == res.tau2_ci.tau2_lb


def test_meta_regression_matches_a_subgroup_coding_and_predicts():
    x = np.array([0, 1, 0, 1, 1, 0, 0], dtype=float)
    res = rma(Y, V, mods=x, mod_names=["dose"], method="REML")
    assert isinstance(res, MetaRegResult) and res.names == ("intrcpt", "dose")
    assert res.QMdf == (1, None) and res.QM == pytest.approx(res.zval[1] ** 2, rel=1e-12)
    pred = res.predict([0.0, 1.0])
    np.testing.assert_allclose(pred.pred, [res.coef[0], res.coef.sum()], rtol=1e-13)
    assert np.all(pred.pi_ub - pred.pi_lb >= pred.ci_ub - pred.ci_lb)  # equal here: residual tau2 = 0
    knha = rma(Y, V, mods=x, method="REML", test="knha")
    assert knha.QMdf == (1, Y.size - 2) and knha.QM == pytest.approx(knha.zval[1] ** 2, rel=1e-12)
    assert "dose" in repr(res) and res.summary()[1]["term"] == "dose"


def test_r2_uses_the_intercept_only_tau2():
    x = np.array([0.2, 0.9, 0.1, 0.5, 1.0, 0.3, 0.4])
    res = rma(Y, V, mods=x, method="DL")
    t_re = rma(Y, V, method="DL").tau2
    assert res.R2 == pytest.approx(max(0.0, 100 * (t_re - res.tau2) / t_re), rel=1e-12)
    assert rma(Y, V, mods=np.column_stack([np.ones(7), x]), intercept=False).R2 is not None
    assert rma(Y, V, mods=x, intercept=False).R2 is None


def test_subgroups_and_their_difference_test():
    g = ["a", "b", "a", "b", "b", "a", "c"]
    res = subgroup(Y, V, g, method="DL")
    assert list(res.groups) == ["a", "b", "c"] and res.groups["c"].k == 1
    assert isinstance(res.groups["a"], MetaResult) and res.QMdf == (2, None)
    assert "subgroup differences" in repr(res)
    with pytest.raises(InputError):
        subgroup(Y, V, ["a"] * 7)


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"yi": [0.1, 0.2], "vi": [0.1]}, "yi"),
        ({"yi": [0.1, float("nan")], "vi": [0.1, 0.1]}, "yi"),
        ({"yi": [0.1, 0.2], "vi": [0.1, -0.1]}, "vi"),
        ({"yi": [0.1, 0.2], "vi": [0.1, 0.1], "method": "XYZ"}, "method"),
        ({"yi": [0.1, 0.2], "vi": [0.1, 0.1], "test": "wald"}, "test"),
        ({"yi": [0.1, 0.2], "vi": [0.1, 0.1], "mods": [1.0, 2.0]}, "yi"),
        ({"yi": [0.1, 0.2, 0.3, 0.4], "vi": [0.1] * 4, "mods": [[1, 2], [1, 2], [1, 2], [1, 2]]}, "mods"),
        ({"yi": [0.1, 0.2], "vi": [0.1, 0.1], "control": {"nope": 1}}, "control"),
    ],
)
def test_invalid_input_names_the_field(kwargs, field):
    with pytest.raises(InputError) as err:
        rma(**kwargs)
    assert err.value.field == field


def test_effect_sizes_input_cannot_take_vi_too():
    es = proportion([3, 4], [20, 30])
    with pytest.raises(InputError):
        rma(es, [0.1, 0.1])


def test_outcomes_too_extreme_for_double_precision_are_an_input_error():
    # Σ yi²/vi = 2 × (1e308)² / 1e-308 overflows: no estimator can fit this; found by the API fuzz.
    with pytest.raises(InputError, match="too extreme") as info:
        rma([1e308, -1e308], [1e-308, 1e-308], method="REML")
    assert info.value.field == "vi"
