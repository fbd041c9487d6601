"""Egger's regression test, Begg's rank test and trim and fill against metafor.

References: the "diagnostics" block of ``tests/data/metafor_reference.json`` (``regtest(res)``,
``ranktest(res)``, ``trimfill(res, estimator = "L0" / "R0")`` for ``res <- rma(yi, vi, method = "REML")`` on
dat.bcg's log risk ratios) and ``tests/data/metafor_diagnostics_extra.json`` (dat.hackshaw1998, where trim and
fill fills 7 studies on the left; other predictors, ``model = "lm"``, ranktest with ties), metafor 3.8-1.
"""

from __future__ import annotations

import json
import math
import warnings
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import kendalltau

from lenvici.errors import InputError
from lenvici.evidence.meta import (
    RanktestResult,
    RegtestResult,
    TrimfillResult,
    generic,
    ranktest,
    regtest,
    rma,
    trimfill,
)
from lenvici.evidence.meta.bias import _concordance_cdf
from tests import tolerances as tol

DATA = Path(__file__).resolve().parents[2] / "data"
MAIN = DATA / "metafor_reference.json"
EXTRA = DATA / "metafor_diagnostics_extra.json"
needs_main = pytest.mark.skipif(not MAIN.exists(), reason="metafor_reference.json not present")
needs_extra = pytest.mark.skipif(not EXTRA.exists(), reason="metafor_diagnostics_extra.json not present")
TF_FIELDS = ("estimate", "se", "zval", "pval", "ci_lb", "ci_ub", "tau2", "I2", "QE")


@lru_cache(maxsize=1)
def _main() -> dict:
    return json.loads(MAIN.read_text())["diagnostics"]


@lru_cache(maxsize=1)
def _extra() -> dict:
    return json.loads(EXTRA.read_text())


def _close(ours, theirs, rel=tol.DIAGNOSTIC_REL):
    return ours == pytest.approx(theirs, rel=rel, abs=tol.META_ABS_ZERO)


def _bcg():
    d = _main()["model"]
    return np.array(d["yi"]), np.array(d["vi"])


# ----------------------------------------------------------------------------------------------
# parity

@needs_main
def test_regtest_bcg():
    """``regtest(res)``: model "rma", predictor "sei" — z, p, the limit estimate and its CI, the fit."""
    y, v = _bcg()
    ref = _main()["regtest"]
    res = regtest(y, v, method="REML")
    assert (ref["model"], ref["predictor"]) == (res.model, res.predictor)
    for name in ("zval", "pval", "est", "ci_lb", "ci_ub"):
        assert _close(getattr(res, name), ref[name]), name
    np.testing.assert_allclose(res.coef, ref["fit_b"], rtol=tol.DIAGNOSTIC_REL)
    np.testing.assert_allclose(res.se, ref["fit_se"], rtol=tol.DIAGNOSTIC_REL)
    assert abs(res.fit.tau2 - ref["fit_tau2"]) <= tol.TAU2_ITER_ABS
    assert res.ddf is None


@needs_main
def test_ranktest_bcg_exact():
    """``ranktest(res)``: Kendall's τ and the exact p-value."""
    y, v = _bcg()
    res = ranktest(y, v)
    assert res.exact and _close(res.tau, _main()["ranktest"]["tau"]) and _close(res.pval, _main()["ranktest"]["pval"])


@needs_main
@pytest.mark.parametrize("estimator", ["L0", "R0"])
def test_trimfill_bcg(estimator):
    """``trimfill(res, estimator = ...)``: k0, its SE, the side, the refit and the filled data."""
    y, v = _bcg()
    ref = _main()["trimfill"][estimator]
    res = trimfill(y, v, estimator=estimator, method="REML")
    assert (res.k0, res.side) == (ref["k0"], ref["side"])
    assert _close(res.se_k0, ref["se_k0"])
    for name in TF_FIELDS:
        assert _close(getattr(res.fit, name), ref[name]), name
    np.testing.assert_allclose(res.yi, ref["yi"], rtol=tol.DIAGNOSTIC_REL)
    np.testing.assert_allclose(res.vi, ref["vi"], rtol=tol.DIAGNOSTIC_REL)
    assert res.fill.tolist() == ref["fill"]


@needs_extra
@pytest.mark.parametrize("key", ["hackshaw/REML/z/L0", "hackshaw/REML/z/R0", "hackshaw/DL/knha/L0",
                                 "hackshaw/REML/z/L0/side=right", "bcg/DL/knha/R0"])
def test_trimfill_extra(key):
    """dat.hackshaw1998 (7 studies filled on the left by both estimators; the refit uses the z test even for a
    knha model), a forced side, and k0 = 0 (the original knha model is returned)."""
    ref = _extra()["trimfill"][key]
    data = _extra()["data"]["hackshaw1998" if key.startswith("hackshaw") else "bcg"]
    method, test = key.split("/")[1:3]
    res = trimfill(data["yi"], data["vi"], estimator=ref["estimator"], side=ref["side_arg"], method=method,
                   test=test)
    assert (res.k0, res.side, res.fit.test) == (ref["k0"], ref["side"], ref["test"])
    assert _close(res.se_k0, ref["se_k0"])
    if ref["p_k0"] is not None:
        assert _close(res.p_k0, ref["p_k0"])
    for name in TF_FIELDS:
        assert _close(getattr(res.fit, name), ref[name]), name
    np.testing.assert_allclose(res.yi, ref["yi"], rtol=tol.DIAGNOSTIC_REL)
    np.testing.assert_allclose(res.vi, ref["vi"], rtol=tol.DIAGNOSTIC_REL)
    assert res.fill.tolist() == ref["fill"]


@needs_extra
@pytest.mark.parametrize("key", ["hackshaw/REML/rma/sei", "hackshaw/REML/lm/sei", "bcg/REML/rma/vi",
                                 "bcg/REML/rma/ninv", "bcg/REML/rma/sqrtninv", "bcg/REML/rma/ni",
                                 "bcg/DL-knha/rma/sei", "bcg/REML/lm/sqrtninv"])
def test_regtest_extra(key):
    """Other predictors (limit estimate only for vi, ninv, sqrtninv; none for ni), Knapp–Hartung (t on k − 2
    df) and ``model = "lm"`` (Egger's weighted regression with a t test)."""
    ref = _extra()["regtest"][key]
    name = key.split("/")[0]
    data = _extra()["data"]["hackshaw1998" if name == "hackshaw" else "bcg"]
    method = key.split("/")[1]
    method, test = (method.split("-") + ["z"])[:2]
    res = regtest(data["yi"], data["vi"], ni=data.get("ni"), model=ref["model"], predictor=ref["predictor"],
                  method=method, test=test)
    for field in ("zval", "pval"):
        assert _close(getattr(res, field), ref[field]), field
    assert res.ddf == ref["ddf"]
    for field in ("est", "ci_lb", "ci_ub"):
        if ref[field] is None:
            assert getattr(res, field) is None
        else:
            assert _close(getattr(res, field), ref[field]), field
    np.testing.assert_allclose(res.coef, ref["fit_b"], rtol=tol.DIAGNOSTIC_REL)


@needs_extra
def test_ranktest_extra():
    """k = 37 without ties (exact, as metafor asks for it at any k) and with ties in vi (normal approximation
    with the tie-corrected variance, and R's warning)."""
    data = _extra()["data"]["hackshaw1998"]
    ref = _extra()["ranktest"]["hackshaw"]
    res = ranktest(data["yi"], data["vi"])
    assert res.exact and _close(res.tau, ref["tau"]) and _close(res.pval, ref["pval"])
    ref = _extra()["ranktest"]["hackshaw/vi rounded to 2 decimals"]
    with pytest.warns(UserWarning, match="ties"):
        res = ranktest(ref["yi"], ref["vi"])
    assert not res.exact and _close(res.tau, ref["tau"]) and _close(res.pval, ref["pval"])
    assert ref["warning"] == "Cannot compute exact p-value with ties"


# ----------------------------------------------------------------------------------------------
# analytic and property checks

def test_trimfill_symmetric_data_fills_nothing():
    """A funnel whose signed ranks balance (positive ranks 1, 4, 6, 7, 10 of 10, deviations about the mean)
    has no missing studies on either side, by either estimator (metafor agrees: k0 = 0 in all four cases).

    An exactly mirrored funnel is avoided on purpose: its |yᵢ − θ̂| tie in pairs, and which of a pair ranks
    first then depends on the last bit of θ̂ (metafor breaks ties by position, ``ties.method = "first"``)."""
    e = np.array([0.1, -0.2, -0.3, 0.4, -0.5, 0.6, 0.7, -0.8, -0.9, 1.0])
    y = 0.4 + e - e.mean()
    v = np.full(10, 0.05)
    for estimator in ("L0", "R0"):
        for side in ("left", "right"):
            res = trimfill(y, v, estimator=estimator, side=side, method="REML")
            assert res.k0 == 0 and not res.fill.any() and res.yi.size == 10
            assert res.estimate == pytest.approx(0.4, rel=1e-12)


def test_trimfill_mirror_images_and_side_symmetry():
    """Filled studies are 2θ̂ − yᵢ with the same vᵢ; negating the data swaps the side and negates everything."""
    y = np.array([0.1, 0.3, 0.35, 0.65, 0.9, 0.2, 0.5])
    v = np.array([0.01, 0.03, 0.025, 0.04, 0.08, 0.015, 0.05])
    res = trimfill(y, v, method="DL")
    assert res.k0 == 4 and res.side == "left"
    filled = res.yi[res.fill]
    order = np.argsort(y, kind="stable")
    src = order[::-1][:res.k0]  # the k0 largest outcomes are mirrored ...
    keep = order[:y.size - res.k0]  # ... about the estimate without them
    trimmed = rma(y[keep], v[keep], method="DL", tau2_ci=False).estimate
    np.testing.assert_allclose(np.sort(filled), np.sort(2 * trimmed - y[src]), rtol=1e-12)
    np.testing.assert_allclose(np.sort(res.vi[res.fill]), np.sort(v[src]))
    neg = trimfill(-y, v, method="DL")
    assert neg.side == "right" and neg.k0 == res.k0
    assert neg.estimate == pytest.approx(-res.estimate, rel=1e-12)
    assert res.fit.test == "z" and res.fit.k == y.size + res.k0


def test_trimfill_k0_zero_returns_original_model_with_its_test():
    """No study filled: the result holds the original fit, Knapp–Hartung included (metafor returns the model)."""
    e = np.array([0.1, -0.2, -0.3, 0.4, -0.5, 0.6, 0.7, -0.8, -0.9, 1.0])
    y, v = 0.4 + e - e.mean(), np.linspace(0.04, 0.06, 10)
    res = trimfill(y, v, side="right", method="REML", test="knha")
    full = rma(y, v, method="REML", test="knha")
    assert res.k0 == 0 and res.fit.test == "knha"
    assert res.estimate == full.estimate and res.se == full.se and res.fit.ci_lb == full.ci_lb


def test_regtest_limit_estimate_is_the_intercept():
    """Egger's limit estimate equals the meta-regression intercept on √vᵢ, and model='lm' is WLS."""
    y = np.array([0.1, 0.3, 0.35, 0.65, 0.9, 0.2])
    v = np.array([0.01, 0.03, 0.025, 0.04, 0.08, 0.015])
    res = regtest(y, v, method="ML")
    fit = rma(y, v, mods=np.sqrt(v), method="ML", tau2_ci=False)
    assert res.est == pytest.approx(fit.coef[0]) and res.zval == pytest.approx(fit.zval[1])
    lm = regtest(y, v, model="lm")
    X = np.column_stack([np.ones(6), np.sqrt(v)])
    W = np.diag(1 / v)
    b = np.linalg.solve(X.T @ W @ X, X.T @ W @ y)
    np.testing.assert_allclose(lm.coef, b, rtol=1e-12)
    assert lm.ddf == 4 and lm.fit is None


def test_concordance_distribution_is_exact():
    """The exact null distribution of Kendall's statistic: Mahonian numbers over n! (n = 4: 1 3 5 6 5 3 1)."""
    np.testing.assert_allclose(np.diff(np.concatenate([[0], _concordance_cdf(4)])) * 24, [1, 3, 5, 6, 5, 3, 1],
                               rtol=1e-12)
    cdf = _concordance_cdf(200)  # n! overflows a double at n = 171: the normalised recursion does not
    assert cdf[-1] == pytest.approx(1.0, abs=1e-12) and np.all(np.diff(cdf) >= 0)


def test_ranktest_tau_matches_scipy_and_normal_approximation():
    rng = np.random.default_rng(5)
    y = rng.normal(size=60)
    v = rng.uniform(0.01, 0.5, 60)
    res = ranktest(y, v, exact=False)
    w = 1 / v
    ystar = (y - np.sum(w * y) / np.sum(w)) / np.sqrt(v - 1 / np.sum(w))
    ref = kendalltau(ystar, v, method="asymptotic")
    assert res.tau == pytest.approx(ref.statistic, rel=1e-12)
    assert res.pval == pytest.approx(ref.pvalue, rel=1e-9)
    exact = ranktest(y, v)
    assert exact.exact and exact.pval == pytest.approx(kendalltau(ystar, v, method="exact").pvalue, rel=1e-9)


def test_results_summary_and_repr():
    y = [0.1, 0.3, 0.35, 0.65, 0.9, 0.2, 0.5]
    v = [0.01, 0.03, 0.025, 0.04, 0.08, 0.015, 0.05]
    rg = regtest(generic(y, v), method="DL")
    assert isinstance(rg, RegtestResult) and rg.summary()[0]["limit_estimate"] == rg.est
    assert "funnel plot asymmetry" in repr(rg) and "limit estimate" in repr(rg)
    rk = ranktest(y, v)
    assert isinstance(rk, RanktestResult) and "Kendall" in repr(rk) and rk.summary()[0]["exact"]
    tf = trimfill(y, v, method="DL", estimator="R0")
    assert isinstance(tf, TrimfillResult) and tf.summary()[0]["quantity"].startswith("k0 (R0")
    assert "TrimfillResult" in repr(tf) and "MetaResult" in repr(tf)
    assert tf.p_k0 == pytest.approx(0.5 ** (tf.k0 + 1))


@pytest.mark.parametrize("call, field", [
    (lambda: regtest([0.1, 0.2, 0.3], [0.1, 0.1, 0.1]), "predictor"),
    (lambda: regtest([0.1, 0.2, 0.3], [0.1, 0.2, 0.3], predictor="ninv"), "ni"),
    (lambda: regtest([0.1, 0.2, 0.3], [0.1, 0.2, 0.3], predictor="xx"), "predictor"),
    (lambda: regtest([0.1, 0.2], [0.1, 0.2], model="lm"), "yi"),
    (lambda: regtest([0.1, 0.2, 0.3], [0.1, 0.2, 0.3], model="glm"), "model"),
    (lambda: ranktest([0.1], [0.1]), "yi"),
    (lambda: ranktest([0.1, 0.2], [0.1, 0.0]), "vi"),
    (lambda: trimfill([0.1], [0.1]), "yi"),
    (lambda: trimfill([0.1, 0.2, 0.3], [0.1, 0.1, 0.1]), "side"),
    (lambda: trimfill([0.1, 0.2, 0.3], [0.1, 0.2, 0.3], estimator="Q9"), "estimator"),
    (lambda: trimfill([0.1, 0.2, 0.3], [0.1, 0.2, 0.3], side="up"), "side"),
    (lambda: trimfill([0.1, 0.2, 0.3], [0.1, 0.2, 0.3], maxiter=0), "maxiter"),
])
def test_invalid_input_names_the_field(call, field):
    with pytest.raises(InputError) as err:
        call()
    assert err.value.field == field


def test_trimfill_records_inner_warnings_instead_of_muting():
    y = [0.1, 0.3, 0.35, 0.65, 0.9, 0.2, 0.5]
    v = [0.01, 0.03, 0.025, 0.04, 0.08, 0.015, 0.05]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = trimfill(y, v, method="DL")
    assert isinstance(res.warnings, tuple) and res.converged and res.n_iter >= 2
    assert math.isfinite(res.se_k0)
