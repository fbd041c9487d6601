"""The binomial-normal GLMM for proportions against metafor's ``rma.glmm``.

References: ``rma.glmm(measure = "PLO", xi = xi, ni = ni, data = dat.pritz1997, method = "ML")`` — metafor
3.8-1, lme4 1.1-31, which passes ``nAGQ = 7`` to ``lme4::glmer`` — in the "diagnostics" block of
``tests/data/metafor_reference.json``; and the same fit with ``nAGQ = 7`` and ``nAGQ = 1`` refitted with glmer's
``nloptwrap`` optimiser at tolerances ~1e-14 in ``tests/data/metafor_diagnostics_extra.json``
(``validation/metafor/generate_diagnostics_extra.R``). glmer's default optimiser stops early (the fixture
says to expect ~1e-4): the tight refits locate the optimum of the same approximate likelihood.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.optimize import minimize
from scipy.special import expit
from scipy.stats import binom, norm

from lenvici.errors import ConvergenceWarning, InputError
from lenvici.evidence.meta import GlmmResult, proportion, rma, rma_glmm
from lenvici.evidence.meta.glmm import _glm_binomial, _Likelihood
from tests import tolerances as tol

DATA = Path(__file__).resolve().parents[2] / "data"
MAIN = DATA / "metafor_reference.json"
EXTRA = DATA / "metafor_diagnostics_extra.json"
needs_main = pytest.mark.skipif(not MAIN.exists(), reason="metafor_reference.json not present")
needs_extra = pytest.mark.skipif(not EXTRA.exists(), reason="metafor_diagnostics_extra.json not present")

#: dat.pritz1997 (metadat): xi, ni.
XI = [16, 10, 4, 43, 10, 25, 13, 12, 22, 4, 5, 18, 58, 6]
NI = [17, 12, 8, 58, 10, 42, 14, 12, 41, 5, 6, 23, 68, 10]
PARAMS = ("estimate", "tau2", "I2", "H2")
SE_LIKE = ("se", "zval", "ci_lb", "ci_ub")
HET = ("QE_Wld", "QEp_Wld", "QE_LRT", "QEp_LRT")


@lru_cache(maxsize=1)
def _main() -> dict:
    return json.loads(MAIN.read_text())["diagnostics"]["glmm"]


@lru_cache(maxsize=1)
def _extra() -> dict:
    return json.loads(EXTRA.read_text())["glmm"]


@lru_cache(maxsize=2)
def _fit(nagq: int) -> GlmmResult:
    return rma_glmm(XI, NI, nagq=nagq)


@needs_main
def test_glmm_pritz1997_against_fixture():
    """The fixture's default-control fit: every reported number within 1e-4 (observed: 3e-6 … 1e-5, the
    p-value 5e-5); the heterogeneity tests to rounding."""
    ref = _main()
    res = _fit(7)
    assert res.k == ref["k"] and res.nagq == 7
    for name in PARAMS + SE_LIKE + ("pval",):
        assert getattr(res, name) == pytest.approx(ref[name], rel=tol.GLMM_FIXTURE_REL), name
    for name in HET:
        assert getattr(res, name) == pytest.approx(ref[name], rel=tol.GLMM_QE_REL), name


@needs_extra
@pytest.mark.parametrize("key, nagq", [("pritz1997/nAGQ7/tight", 7), ("pritz1997/nAGQ1/tight", 1)])
def test_glmm_against_tight_glmer(key, nagq):
    """glmer refitted at tight tolerances: parameters to 1e-6 (observed 3e-9 estimate, 1.5e-8 τ² with 7 nodes;
    3e-8 and 1.3e-7 with Laplace), SE-based quantities to 1e-5 (lme4's finite-difference Hessian)."""
    ref = _extra()[key]
    res = _fit(nagq)
    for name in PARAMS:
        assert getattr(res, name) == pytest.approx(ref[name], rel=tol.GLMM_TIGHT_PARAM_REL), name
    for name in SE_LIKE:
        assert getattr(res, name) == pytest.approx(ref[name], rel=tol.GLMM_TIGHT_SE_REL), name
    assert res.pval == pytest.approx(ref["pval"], rel=tol.GLMM_TIGHT_PVAL_REL)
    for name in HET:
        assert getattr(res, name) == pytest.approx(ref[name], rel=tol.GLMM_QE_REL), name


@needs_extra
def test_laplace_default_glmer_stops_far_from_its_optimum():
    """Documenting the size of the effect: glmer's default Laplace fit is 6e-4 off its own optimum in β̂ and 1%
    in the SE, while ours sits at the optimum the tight refit finds."""
    default, tight = _extra()["pritz1997/nAGQ1/default"], _extra()["pritz1997/nAGQ1/tight"]
    res = _fit(1)
    assert abs(default["estimate"] - tight["estimate"]) > 1e-4
    assert abs(res.estimate - tight["estimate"]) < 1e-6


def test_agq_likelihood_against_numerical_integration():
    """With many nodes the adaptive quadrature equals the integral ∫ Bin(x | n, expit(β + θu)) φ(u) du."""
    x, n = np.array(XI, float), np.array(NI, float)
    beta, theta = 1.3, 0.8
    exact = sum(math.log(quad(lambda u, xi=xi, ni=ni: binom.pmf(xi, ni, expit(beta + theta * u)) * norm.pdf(u),
                              -12, 12, epsabs=0, epsrel=1e-13, limit=200)[0]) for xi, ni in zip(x, n))
    assert _Likelihood(x, n, 25)(beta, theta) == pytest.approx(exact, rel=1e-12)
    assert _Likelihood(x, n, 7)(beta, theta) == pytest.approx(exact, rel=1e-5)
    assert _Likelihood(x, n, 1)(beta, 0.0) == pytest.approx(float(np.sum(binom.logpmf(x, n, expit(beta)))))


def test_ml_estimate_is_the_maximum():
    """An independent maximisation of the same approximate likelihood (Nelder–Mead) finds the same point."""
    lik = _Likelihood(np.array(XI, float), np.array(NI, float), 7)
    opt = minimize(lambda p: -lik(p[0], abs(p[1])), [1.0, 1.0], method="Nelder-Mead",
                   options={"xatol": 1e-10, "fatol": 1e-13, "maxiter": 5000})
    res = _fit(7)
    assert res.estimate == pytest.approx(opt.x[0], abs=1e-7)
    assert res.tau2 == pytest.approx(opt.x[1] ** 2, abs=1e-7)
    assert res.loglik == pytest.approx(-opt.fun, abs=1e-10)


def test_no_heterogeneity_gives_tau2_zero_and_logistic_fit():
    """Identical proportions: τ̂² = 0 at the boundary and β̂ is the pooled logit; EE is logistic regression."""
    res = rma_glmm([10, 20, 30, 40], [50, 100, 150, 200])
    assert res.tau2 == 0.0 and res.converged
    assert res.estimate == pytest.approx(math.log(0.2 / 0.8), abs=1e-8)
    assert res.se == pytest.approx(1 / math.sqrt(500 * 0.2 * 0.8), rel=1e-6)
    ee = rma_glmm([10, 20, 30, 40], [50, 100, 150, 200], method="EE")
    assert ee.estimate == pytest.approx(res.estimate, abs=1e-8) and ee.se == pytest.approx(res.se, rel=1e-6)
    assert ee.I2 == 0.0 and ee.H2 == 1.0 and ee.QE_LRT == pytest.approx(0.0, abs=1e-9)


def test_heterogeneity_tests_with_boundary_studies():
    """xᵢ = 0 and xᵢ = nᵢ studies: their saturated logits diverge until glm's deviance rule stops IRLS, so their
    Wald contributions vanish; the LRT is the deviance of the equal-effects model."""
    x, n = np.array([0.0, 5, 9, 12, 7]), np.array([10.0, 20, 15, 12, 30])
    res = rma_glmm(x, n)
    p = x.sum() / n.sum()
    y = x / n
    with np.errstate(divide="ignore", invalid="ignore"):
        ylogy = np.where(y > 0, y * np.log(y / p), 0) + np.where(y < 1, (1 - y) * np.log((1 - y) / (1 - p)), 0)
    assert res.QE_LRT == pytest.approx(2 * np.sum(n * ylogy), rel=1e-7)
    inner = np.array([1, 2, 4])  # the studies with 0 < xᵢ < nᵢ
    eta, w = np.log(y[inner] / (1 - y[inner])), (n * y * (1 - y))[inner]
    assert res.QE_Wld == pytest.approx(np.sum(w * (eta - np.sum(w * eta) / np.sum(w)) ** 2), rel=1e-6)
    coef, _, _, converged = _glm_binomial(x, n, np.eye(5))
    assert converged and coef[0] < -20 and coef[3] > 20


def test_all_zero_events_reports_non_convergence():
    """No events anywhere: β̂ = −∞; the fit is reported as not converged, with a warning, never hidden."""
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        res = rma_glmm([0, 0, 0], [10, 20, 30])
    assert not res.converged and math.isnan(res.se) and res.estimate < -10
    assert any("did not converge" in w for w in res.warnings)


def test_i2_uses_the_plo_typical_variance():
    res = _fit(7)
    es = proportion(XI, NI, "PLO")
    fit = rma(es, method="DL", tau2_ci=False)
    assert res.vt == pytest.approx(fit.vt, rel=1e-12)
    assert res.I2 == pytest.approx(100 * res.tau2 / (fit.vt + res.tau2), rel=1e-12)


def test_t_test_level_and_back_transform():
    z = _fit(7)
    t = rma_glmm(XI, NI, test="t", level=90)
    assert t.estimate == pytest.approx(z.estimate, rel=1e-9)
    assert t.ci_ub - t.estimate == pytest.approx(t.se * 1.7709333959868, rel=1e-9)  # qt(0.95, 13)
    tr = z.transformed
    assert tr.transformation == "ilogit" and tr.estimate == pytest.approx(expit(z.estimate))
    assert tr.pi_lb == pytest.approx(expit(z.estimate - 1.959963984540054 * math.sqrt(z.se ** 2 + z.tau2)))


def test_summary_and_repr():
    res = _fit(1)
    rows = res.summary()
    assert rows[0]["quantity"] == "estimate" and rows[-1]["quantity"] == "prediction (ilogit)"
    assert "Laplace" in repr(res) and "GlmmResult" in repr(res)
    assert "7 nodes" in repr(_fit(7))


@pytest.mark.parametrize("kw, field", [
    (dict(xi=[1, 2], ni=[5, 1]), "xi"),
    (dict(xi=[1, -2], ni=[5, 6]), "xi"),
    (dict(xi=[1.5, 2], ni=[5, 6]), "xi"),
    (dict(xi=[1], ni=[5]), "xi"),
    (dict(xi=[1, 2], ni=[5, 6], measure="PR"), "measure"),
    (dict(xi=[1, 2], ni=[5, 6], method="REML"), "method"),
    (dict(xi=[1, 2], ni=[5, 6], nagq=0), "nagq"),
    (dict(xi=[1, 2], ni=[5, 6], test="knha"), "test"),
])
def test_invalid_input_names_the_field(kw, field):
    with pytest.raises(InputError) as err:
        rma_glmm(**kw)
    assert err.value.field == field
