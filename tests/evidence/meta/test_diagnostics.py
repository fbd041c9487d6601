"""Leave-one-out, cumulative meta-analysis, influence and residuals against metafor.

References: ``tests/data/metafor_reference.json`` ("diagnostics" block, written by
``validation/metafor/generate_reference.R``) and ``tests/data/metafor_diagnostics_extra.json`` (written by
``validation/metafor/generate_diagnostics_extra.R``), both metafor 3.8-1 on R 4.2.2. The R calls are
``res <- rma(yi, vi, data = escalc("RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg),
method = "REML")``, then ``leave1out(res)``, ``cumul(res)``, ``influence(res)``, ``rstandard(res)``,
``rstudent(res)``; the extra file adds ``test = "knha"``, ``mods = ~ ablat`` and ``cumul(res, order = year)``.
"""

from __future__ import annotations

import json
import math
import warnings
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest

from lenvici.errors import InputError
from lenvici.evidence.meta import (
    Control,
    CumulativeResult,
    InfluenceResult,
    LeaveOneOutResult,
    METHODS,
    Residuals,
    cumul,
    generic,
    influence,
    leave1out,
    rma,
    rstandard,
    rstudent,
)
from lenvici.evidence.meta._batch_reg import fit_many
from tests import tolerances as tol

DATA = Path(__file__).resolve().parents[2] / "data"
MAIN = DATA / "metafor_reference.json"
EXTRA = DATA / "metafor_diagnostics_extra.json"
FIT_FIELDS = ("estimate", "se", "zval", "pval", "ci_lb", "ci_ub", "QE", "QEp", "tau2", "I2", "H2")
INFLUENCE_FIELDS = {"rstudent": "rstudent", "dffits": "dffits", "cook_d": "cook.d", "cov_r": "cov.r",
                    "tau2_del": "tau2.del", "QE_del": "QE.del", "hat": "hat", "weight": "weight"}


@lru_cache(maxsize=1)
def _main() -> dict:
    return json.loads(MAIN.read_text())["diagnostics"]


@lru_cache(maxsize=1)
def _extra() -> dict:
    return json.loads(EXTRA.read_text())


def _bcg():
    d = _main()["model"]
    return np.array(d["yi"]), np.array(d["vi"])


def _assert_close(ours, theirs, name, rel=tol.DIAGNOSTIC_REL):
    np.testing.assert_allclose(np.asarray(ours, float), np.asarray(theirs, float), rtol=rel, atol=tol.META_ABS_ZERO,
                               err_msg=name)


needs_main = pytest.mark.skipif(not MAIN.exists(), reason="metafor_reference.json not present")
needs_extra = pytest.mark.skipif(not EXTRA.exists(), reason="metafor_diagnostics_extra.json not present")


# ----------------------------------------------------------------------------------------------
# parity with metafor

@needs_main
def test_leave1out_bcg():
    """``leave1out(rma(yi, vi, method = "REML"))`` on dat.bcg."""
    y, v = _bcg()
    res = leave1out(y, v, method="REML")
    ref = _main()["leave1out"]
    for name in FIT_FIELDS:
        _assert_close(getattr(res, name), ref[name], name)
    assert res.converged.all() and not res.fallback.any()


@needs_main
def test_cumul_bcg_data_order():
    """``cumul(res)``: the first row is one study (τ² = 0, QE = 0, z test), the last the full model."""
    y, v = _bcg()
    res = cumul(y, v, method="REML")
    ref = _main()["cumul"]
    for name in FIT_FIELDS:
        _assert_close(getattr(res, name), ref[name], name)
    assert res.order.tolist() == list(range(13))


@needs_main
def test_influence_bcg():
    """``influence(res)``: every measure, DFBETAS and metafor's "influential" flag."""
    y, v = _bcg()
    res = influence(y, v, method="REML")
    ref = _main()["influence"]
    for ours, theirs in INFLUENCE_FIELDS.items():
        _assert_close(getattr(res, ours), ref[theirs], ours)
    _assert_close(res.dfbs[:, 0], ref["dfbs"], "dfbs")
    assert res.inf.tolist() == ref["inf"]
    assert res.names == ("intrcpt",)


@needs_main
def test_residuals_bcg():
    """``rstandard(res)`` and ``rstudent(res)``."""
    y, v = _bcg()
    for fn, key in ((rstandard, "rstandard"), (rstudent, "rstudent")):
        res = fn(y, v, method="REML")
        for name in ("resid", "se", "z"):
            _assert_close(getattr(res, name), _main()[key][name], f"{key}.{name}")
    assert np.allclose(influence(y, v).rstudent, rstudent(y, v).z, rtol=0, atol=0)


@needs_extra
def test_leave1out_bcg_knha():
    """``leave1out(rma(yi, vi, method = "REML", test = "knha"))``: t statistics on k − 2 df."""
    b = _extra()["data"]["bcg"]
    res = leave1out(b["yi"], b["vi"], method="REML", test="knha")
    ref = _extra()["leave1out"]["bcg/REML/knha"]
    for name in FIT_FIELDS:
        _assert_close(getattr(res, name), ref[name], name)


@needs_extra
@pytest.mark.parametrize("key", ["bcg/REML/z/order=year", "bcg/REML/knha/order=ablat,decreasing"])
def test_cumul_given_order(key):
    """``cumul(res, order = year)`` and ``cumul(res_knha, order = ablat, decreasing = TRUE)`` (ties in data
    order)."""
    b = _extra()["data"]["bcg"]
    ref = _extra()["cumul"][key]
    res = cumul(b["yi"], b["vi"], order=ref["order"], decreasing=ref["decreasing"], method="REML",
                test="knha" if "knha" in key else "z")
    for name in FIT_FIELDS:
        _assert_close(getattr(res, name), ref[name], name)
    assert [str(i + 1) for i in res.order] == ref["slab"]


@needs_extra
@pytest.mark.parametrize("key", ["bcg/REML/knha", "bcg~ablat/REML/z", "bcg~ablat/DL/knha"])
def test_influence_knha_and_metaregression(key):
    """``influence()``, ``rstudent()``, ``rstandard()`` under Knapp–Hartung (s²w of every deletion fit) and for
    ``rma(yi, vi, mods = ~ ablat)``."""
    b = _extra()["data"]["bcg"]
    ref = _extra()["influence"][key]
    method, test = key.split("/")[1:]
    mods = b["ablat"] if ref["mods"] == "ablat" else None
    res = influence(b["yi"], b["vi"], mods=mods, mod_names=["ablat"] if mods else None, method=method, test=test)
    for ours, theirs in INFLUENCE_FIELDS.items():
        _assert_close(getattr(res, ours), ref[theirs], ours)
    for j, col in enumerate(ref["dfbs"].values()):
        _assert_close(res.dfbs[:, j], col, f"dfbs[{j}]")
    assert res.inf.tolist() == ref["inf"]
    for name in ("resid", "se", "z"):
        _assert_close(getattr(res.residuals, name), ref["rstudent_full"][name], f"rstudent.{name}")
    rs = rstandard(b["yi"], b["vi"], mods=mods, method=method, test=test)
    for name in ("resid", "se", "z"):
        _assert_close(getattr(rs, name), ref["rstandard"][name], f"rstandard.{name}")


# ----------------------------------------------------------------------------------------------
# the batched paths against the slow reference: separate rma fits

@pytest.fixture(scope="module")
def small_sets():
    rng = np.random.default_rng(11)
    out = []
    for k in (3, 5, 9):
        v = rng.uniform(0.01, 0.4, k)
        y = rng.normal(0.2, np.sqrt(v + 0.1))
        out.append((y, v))
    return out


@pytest.mark.parametrize("test", ["z", "knha"])
@pytest.mark.parametrize("method", METHODS)
def test_leave1out_equals_k_separate_fits(small_sets, method, test):
    """Row i of ``leave1out`` is ``rma`` on the data without study i, for every estimator and test."""
    for y, v in small_sets:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # EE with knha warns, by design
            res = leave1out(y, v, method=method, test=test)
            for i in range(y.size):
                keep = np.arange(y.size) != i
                one = rma(y[keep], v[keep], method=method, test=test, tau2_ci=False)
                for name in FIT_FIELDS + ("pi_lb", "pi_ub"):
                    assert getattr(res, name)[i] == pytest.approx(getattr(one, name), rel=tol.BATCH_VS_LOOP_REL,
                                                                  abs=1e-12, nan_ok=True), (y.size, i, name)


@pytest.mark.parametrize("method", METHODS)
def test_cumul_equals_separate_fits(small_sets, method):
    y, v = small_sets[2]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = cumul(y, v, method=method, test="knha")
        for j in range(2, y.size + 1):
            one = rma(y[:j], v[:j], method=method, test="knha", tau2_ci=False)
            for name in FIT_FIELDS:
                assert getattr(res, name)[j - 1] == pytest.approx(getattr(one, name), rel=tol.BATCH_VS_LOOP_REL,
                                                                  abs=1e-12), (j, name)


@pytest.mark.parametrize("test", ["z", "knha", "adhoc"])
@pytest.mark.parametrize("method", METHODS)
def test_stacked_metaregression_equals_separate_fits(method, test):
    """The stacked meta-regression fits (permutation tests, influence of a meta-regression) against ``rma``
    with ``mods``, on datasets with τ² = 0 and τ² > 0."""
    rng = np.random.default_rng(3)
    m, k = 12, 8
    v = rng.uniform(0.01, 0.3, (m, k))
    X = np.stack([np.column_stack([np.ones(k), rng.normal(size=k), rng.uniform(size=k)]) for _ in range(m)])
    y = X @ np.array([0.1, 0.3, -0.2]) + rng.normal(0, np.sqrt(v + rng.choice([0.0, 0.2], m)[:, None]))
    y[0] = X[0] @ np.array([0.1, 0.3, -0.2])  # exact fit: QE = 0, s2w = 0 under knha
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fits = fit_many(y, v, X, method, test, Control(), (1, 2))
        for i in range(m):
            one = rma(y[i], v[i], mods=X[i, :, 1:], method=method, test=test, tau2_ci=False)
            np.testing.assert_allclose(fits.tau2[i], one.tau2, rtol=tol.BATCH_VS_LOOP_REL, atol=1e-12)
            np.testing.assert_allclose(fits.coef[i], one.coef, rtol=tol.BATCH_VS_LOOP_REL, atol=1e-12)
            np.testing.assert_allclose(fits.se[i], one.se, rtol=tol.BATCH_VS_LOOP_REL, atol=1e-12)
            np.testing.assert_allclose(fits.QE[i], one.QE, rtol=tol.BATCH_VS_LOOP_REL, atol=1e-12)
            if math.isfinite(one.QM):
                np.testing.assert_allclose(fits.QM[i], one.QM, rtol=tol.BATCH_VS_LOOP_REL, atol=1e-12)
            assert fits.n_iter[i] == one.n_iter


def test_stacked_fallback_matches_scalar():
    """A lane where Fisher scoring hits maxiter is finished by the scalar estimator and its fallback."""
    y = np.array([[-2.1, 0.4, 1.9, -0.3, 5.2, 0.7]])
    v = np.array([[1e-4, 8.0, 0.002, 3.0, 0.05, 0.4]])
    X = np.column_stack([np.ones(6), [1.0, 2.0, 0.5, 3.0, 1.5, 2.5]])[None]
    control = Control(maxiter=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fits = fit_many(y, v, X, "REML", "z", control, (1,))
        one = rma(y[0], v[0], mods=X[0, :, 1], method="REML", control=control, tau2_ci=False)
    assert fits.fallback[0] and one.fallback is not None
    assert fits.tau2[0] == pytest.approx(one.tau2, rel=tol.BATCH_VS_LOOP_REL)


def test_influence_equals_explicit_deletions(small_sets):
    """Cook's distance, COVRATIO and DFFITS from their definitions with separate fits."""
    y, v = small_sets[2]
    res = influence(y, v, method="DL")
    full = rma(y, v, method="DL", tau2_ci=False)
    w = 1 / (v + full.tau2)
    h = w / w.sum()
    for i in range(y.size):
        keep = np.arange(y.size) != i
        d = rma(y[keep], v[keep], method="DL", tau2_ci=False)
        assert res.cook_d[i] == pytest.approx((full.estimate - d.estimate) ** 2 / full.se ** 2, rel=1e-9)
        assert res.cov_r[i] == pytest.approx(d.se ** 2 / full.se ** 2, rel=1e-9)
        assert res.dffits[i] == pytest.approx((full.estimate - d.estimate) / math.sqrt(h[i] * (d.tau2 + v[i])),
                                              rel=1e-9)
    assert res.weight.sum() == pytest.approx(100) and res.hat.sum() == pytest.approx(1)


# ----------------------------------------------------------------------------------------------
# analytic cases

def test_leave1out_k2_is_each_single_study():
    """With k = 2 each deletion leaves one study: its own estimate, SE √v, τ² = 0, and the z test even
    under Knapp–Hartung (metafor: 'Setting argument test="z" since k=1')."""
    y, v = np.array([0.1, 0.5]), np.array([0.1, 0.2])
    res = leave1out(y, v, method="REML", test="knha")
    np.testing.assert_allclose(res.estimate, [0.5, 0.1])
    np.testing.assert_allclose(res.se, np.sqrt([0.2, 0.1]))
    np.testing.assert_allclose(res.pval, [0.2635525, 0.7518296], rtol=1e-6)  # metafor
    assert res.tau2.tolist() == [0, 0] and res.QE.tolist() == [0, 0] and res.QEp.tolist() == [1, 1]
    assert res.H2.tolist() == [1, 1]


def test_influence_k2_and_identical_outcomes():
    y, v = np.array([0.1, 0.5]), np.array([0.1, 0.2])
    res = influence(y, v, method="DL")
    assert np.all(np.isfinite(res.cook_d)) and res.k == 2
    same = influence(np.full(4, 0.3), np.array([0.1, 0.2, 0.05, 0.4]), method="REML")
    np.testing.assert_array_equal(same.residuals.resid, 0.0)  # |e| < 100 eps → 0, as metafor
    np.testing.assert_allclose(same.cook_d, 0.0, atol=1e-20)


def test_cumul_last_row_is_full_model_and_decreasing_order():
    y = np.array([0.1, 0.3, 0.35, 0.65])
    v = np.array([0.02, 0.03, 0.025, 0.04])
    full = rma(y, v, method="PM", tau2_ci=False)
    res = cumul(y, v, method="PM", order=[3, 1, 1, 2], decreasing=True)
    assert res.order.tolist() == [0, 3, 1, 2]  # ties (the two 1s) keep data order
    assert res.estimate[-1] == pytest.approx(full.estimate, rel=1e-12)
    assert res.estimate[0] == y[0] and res.se[0] == pytest.approx(math.sqrt(v[0]))


def test_equal_effects_influence_and_rstandard_identities():
    """EE: hat values are wᵢ/Σw and the standardised residual's variance is vᵢ − 1/Σw."""
    y = np.array([0.1, 0.3, 0.35, 0.65, -0.2])
    v = np.array([0.02, 0.03, 0.025, 0.04, 0.05])
    w = 1 / v
    res = influence(y, v, method="EE")
    np.testing.assert_allclose(res.hat, w / w.sum(), rtol=1e-12)
    rs = rstandard(y, v, method="EE")
    np.testing.assert_allclose(rs.se ** 2, v - 1 / w.sum(), rtol=1e-12)
    np.testing.assert_allclose(res.tau2_del, 0.0)


# ----------------------------------------------------------------------------------------------
# result types and validation

def test_results_summary_repr_and_study_labels():
    es = generic([0.1, 0.3, 0.35, 0.65], [0.02, 0.03, 0.025, 0.04], study=["A", "B", "C", "D"])
    l1 = leave1out(es, method="DL")
    assert isinstance(l1, LeaveOneOutResult) and [r["omitted"] for r in l1.summary()] == ["A", "B", "C", "D"]
    assert "LeaveOneOutResult" in repr(l1) and "DL" in repr(l1)
    cu = cumul(es, method="DL", order=[4, 3, 2, 1])
    assert isinstance(cu, CumulativeResult) and cu.summary()[0]["added"] == "D"
    inf = influence(es, method="DL")
    assert isinstance(inf, InfluenceResult) and set(inf.summary()[0]) >= {"cook_d", "dfbs_intrcpt", "inf"}
    assert "influential" in repr(inf)
    rs = rstandard(es, method="DL")
    assert isinstance(rs, Residuals) and rs.summary()[2]["study"] == "C" and "standardized" in repr(rs)
    with pytest.raises(Exception):
        l1.k = 3  # frozen


@pytest.mark.parametrize("call, field", [
    (lambda: leave1out([0.1], [0.1]), "yi"),
    (lambda: leave1out([0.1, 0.2], [0.1, -0.2]), "vi"),
    (lambda: leave1out([0.1, 0.2], [0.1, 0.2], method="XX"), "method"),
    (lambda: leave1out([0.1, 0.2], [0.1, 0.2], test="q"), "test"),
    (lambda: cumul([0.1, 0.2], [0.1, 0.2], order=[1, 2, 3]), "order"),
    (lambda: cumul([0.1, 0.2], [0.1, 0.2], order=[1, float("nan")]), "order"),
    (lambda: influence([0.1, 0.2, 0.3], [0.1, 0.2, 0.1], mods=[1, 2, 3]), "yi"),
    (lambda: influence([0.1, 0.2, 0.3, 0.4, 0.5], [0.1] * 5, mods=[[1, 2], [2, 4], [3, 6], [4, 8], [5, 10]]),
     "mods"),
    (lambda: rstandard([0.1, 0.2, float("nan")], [0.1, 0.2, 0.3]), "yi"),
])
def test_invalid_input_names_the_field(call, field):
    with pytest.raises(InputError) as err:
        call()
    assert err.value.field == field
