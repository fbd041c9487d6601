"""Parametric fits: lifelines' maximum likelihood against an independent SciPy maximisation of the same
likelihood (written with scipy.stats), flexsurv's parameterisations, and nesting identities.

flexsurv (CRAN only) is not available to produce reference values, so none are claimed here. What is
checked: each family's log-likelihood, written independently with ``scipy.stats`` distributions in
flexsurv's parameterisation and maximised by ``scipy.optimize``, reaches the same maximum at the same
parameters as the lifelines fit reported in flexsurv's terms — which checks the lifelines → flexsurv
mapping in :mod:`lenvici.survival.parametric` as well as the fit.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import optimize, stats

from lenvici.errors import InputError
from lenvici.survival import FAMILIES, fit_parametric, fit_parametric_models, survival_function
from lenvici.survival import distributions as dist
from tests.survival._reference import column
from tests.tolerances import IDENTITY, MLE_LOGLIK, MLE_PARAMETER

DAYS_PER_MONTH = 30.4375


def _data(name):
    t, e = column(name, "time"), column(name, "event")
    return (t if name == "sim" else t / DAYS_PER_MONTH), e


def scipy_loglik(family: str, p, t, e) -> float:
    """Full log-likelihood: log f(t) for events, log S(t) for censored, via scipy.stats (flexsurv params)."""
    if family == "exponential":
        d = stats.expon(scale=1 / p[0])
    elif family == "weibull":
        d = stats.weibull_min(c=p[0], scale=p[1])
    elif family == "lognormal":
        d = stats.lognorm(s=p[1], scale=np.exp(p[0]))
    elif family == "loglogistic":
        d = stats.fisk(c=p[0], scale=p[1])
    elif family == "gengamma":
        mu, sigma, q = p
        d = stats.gengamma(a=q**-2, c=q / sigma, scale=np.exp(mu) * (q**2) ** (sigma / q))
    elif family == "gompertz":  # scipy's gompertz has no a < 0 (plateau) branch: written out
        a, b = p
        cum = b * np.expm1(a * t) / a
        return float(np.sum(e * (np.log(b) + a * t)) - np.sum(cum))
    return float(np.sum(np.where(e == 1, d.logpdf(t), d.logsf(t))))


_POSITIVE = {name: fam.positive for name, fam in FAMILIES.items()}


def scipy_mle(family: str, t, e, start):
    """Maximise scipy_loglik from ``start`` (positive parameters on the log scale)."""
    pos = np.array(_POSITIVE[family])

    def unpack(x):
        return np.where(pos, np.exp(x), x)

    def nll(x):
        v = -scipy_loglik(family, unpack(x), t, e)
        return v if np.isfinite(v) else 1e300

    x0 = np.array([np.log(v) if p else v for v, p in zip(start, pos)])
    res = optimize.minimize(nll, x0, method="Nelder-Mead", options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 20000})
    res = optimize.minimize(nll, res.x, method="BFGS", options={"gtol": 1e-9})
    return unpack(res.x), -res.fun


CASES = [(f, d) for d in ("sim", "lung", "veteran", "ovarian") for f in FAMILIES]


@pytest.mark.parametrize(("family", "data"), CASES, ids=[f"{f}-{d}" for f, d in CASES])
def test_lifelines_fit_is_the_scipy_maximum(family, data):
    t, e = _data(data)
    fit = fit_parametric(t, e, family)
    assert fit.converged and fit.names == FAMILIES[family].params
    # our log-likelihood formula (scipy.stats, flexsurv parameters) at lifelines' estimate = lifelines'
    assert scipy_loglik(family, fit.estimate, t, e) == pytest.approx(fit.loglik, abs=MLE_LOGLIK)
    start = np.array(fit.estimate) * 1.1 + np.where(_POSITIVE[family], 0.0, 0.05)
    est, ll = scipy_mle(family, t, e, start)
    assert ll == pytest.approx(fit.loglik, abs=MLE_LOGLIK)
    assert np.allclose(est, fit.estimate, rtol=MLE_PARAMETER, atol=MLE_PARAMETER * 1e-2)


@pytest.mark.parametrize("family", list(FAMILIES))
def test_our_distribution_functions_equal_lifelines_fitted_curves(family):
    """The flexsurv-parameter S(t) and h(t) equal lifelines' own, at lifelines' fitted parameters."""
    from lenvici.survival.parametric import _fitter

    t, e = _data("sim")
    fit = fit_parametric(t, e, family)
    fitter = _fitter(family)()
    fitter.fit(t, e, initial_point=np.array(list(fit.lifelines_params.values())))
    grid = np.array([0.5, 3.0, 12.0, 30.0, 60.0])
    lifelines_s = fitter.survival_function_at_times(grid).to_numpy()
    # lifelines re-fitted from its own optimum: compare our functions at its parameters
    from lenvici.survival.parametric import _to_flexsurv

    names = fitter._fitted_parameter_names
    flex, _ = _to_flexsurv(family, fitter.params_.reindex(names).to_numpy())
    assert np.allclose(survival_function(family, tuple(flex), grid), lifelines_s, rtol=1e-9, atol=1e-12)
    lifelines_h = fitter.hazard_at_times(grid).to_numpy()
    assert np.allclose(dist.hazard_function(family, tuple(flex), grid), lifelines_h, rtol=1e-7, atol=1e-12)


@pytest.mark.parametrize("family", list(FAMILIES))
def test_quantile_inverts_survival_and_hazard_is_density_over_survival(family):
    params = {"exponential": (0.05,), "weibull": (1.3, 14.0), "lognormal": (2.5, 0.9), "loglogistic": (1.6, 12.0),
              "gompertz": (0.02, 0.04), "gengamma": (2.6, 0.8, -0.4)}[family]
    p = np.array([0.1, 0.25, 0.5, 0.75])
    q = dist.quantile_function(family, params, p)
    assert np.allclose(survival_function(family, params, q), 1 - p, atol=IDENTITY)
    t = np.array([1.0, 6.0, 20.0])
    h = 1e-6
    dens = -(survival_function(family, params, t + h) - survival_function(family, params, t - h)) / (2 * h)
    assert np.allclose(dist.density_function(family, params, t), dens, rtol=1e-6)


def test_weibull_with_shape_one_is_the_exponential():
    """Weibull(shape 1, scale 1/λ) ≡ exponential(λ): same S, h, quantiles; and on data the Weibull
    likelihood at shape 1 peaks at the exponential MLE, below the Weibull maximum."""
    rate = 0.07
    t = np.linspace(0.1, 60, 50)
    assert np.allclose(survival_function("weibull", (1.0, 1 / rate), t), survival_function("exponential", (rate,), t),
                       rtol=0, atol=IDENTITY)
    assert np.allclose(dist.hazard_function("weibull", (1.0, 1 / rate), t), rate, atol=IDENTITY)
    assert dist.quantile_function("weibull", (1.0, 1 / rate), 0.5) == pytest.approx(np.log(2) / rate)

    times, e = _data("sim")
    exp_fit = fit_parametric(times, e, "exponential")
    weib_fit = fit_parametric(times, e, "weibull")
    # profile of the Weibull likelihood at shape = 1: its maximum over scale is the exponential fit
    prof = optimize.minimize_scalar(lambda s: -scipy_loglik("weibull", (1.0, s), times, e), bounds=(1, 100),
                                    method="bounded", options={"xatol": 1e-10})
    assert -prof.fun == pytest.approx(exp_fit.loglik, abs=MLE_LOGLIK)
    assert prof.x == pytest.approx(1 / exp_fit.params["rate"], rel=1e-6)
    assert weib_fit.loglik >= exp_fit.loglik
    # the exponential MLE in closed form: events / total time
    assert exp_fit.params["rate"] == pytest.approx(e.sum() / times.sum(), rel=MLE_PARAMETER)


def test_weibull_data_with_shape_one_fit_equally():
    """Exponential data, large n: the fitted Weibull shape is ≈ 1 and both fits give ≈ the same curve."""
    rng = np.random.default_rng(5)
    t = rng.exponential(12.0, 5000)
    e = np.ones_like(t)
    w = fit_parametric(t, e, "weibull")
    x = fit_parametric(t, e, "exponential")
    assert abs(w.params["shape"] - 1) < 3 * w.se[0]
    assert np.allclose(w.survival([6, 12, 24]), x.survival([6, 12, 24]), atol=0.01)


def test_gengamma_contains_weibull_and_lognormal():
    t = np.array([0.5, 2.0, 7.0, 20.0])
    a, b = 1.4, 10.0
    assert np.allclose(survival_function("gengamma", (np.log(b), 1 / a, 1.0), t), survival_function("weibull", (a, b), t),
                       atol=IDENTITY)
    near0 = survival_function("gengamma", (2.0, 0.7, 1e-6), t)
    assert np.allclose(near0, survival_function("lognormal", (2.0, 0.7), t), atol=1e-5)
    assert np.allclose(survival_function("gengamma", (2.0, 0.7, 0.0), t), survival_function("lognormal", (2.0, 0.7), t))


def test_gompertz_negative_shape_plateaus():
    a, b = -0.05, 0.03
    assert survival_function("gompertz", (a, b), 1e6) == pytest.approx(np.exp(b / a))
    assert dist.quantile_function("gompertz", (a, b), 0.9) == np.inf  # S never falls to 0.1


def test_comparison_ranks_by_aic_and_reports_bic():
    t, e = _data("sim")
    cmp = fit_parametric_models(t, e)
    table = cmp.summary()
    assert list(table.index) == sorted(table.index, key=lambda f: cmp[f].aic)
    for f in cmp.fits:
        assert f.aic == pytest.approx(-2 * f.loglik + 2 * f.n_params)
        assert f.bic == pytest.approx(-2 * f.loglik + f.n_params * np.log(f.n))
    assert cmp.best("aic").aic == table["AIC"].min() and cmp.best("bic").bic == table["BIC"].min()
    assert cmp["exp"].family == "exponential"
    assert len(cmp.fits) == 6 and not cmp.failed
    assert "ParametricComparison(AIC:" in repr(cmp)
    ax = cmp.plot()
    assert len(ax.lines) >= 7


def test_fit_result_summary_ci_and_rmst():
    t, e = _data("sim")
    fit = fit_parametric(t, e, "weibull", conf_level=0.9)
    frame = fit.summary()
    assert list(frame.index) == ["shape", "scale"]
    # positive parameters: limits on the log scale, as flexsurv
    z = stats.norm.ppf(0.95)
    assert fit.lower[0] == pytest.approx(fit.estimate[0] * np.exp(-z * fit.se[0] / fit.estimate[0]))
    assert 0 < fit.restricted_mean(24.0) < 24.0
    assert fit.median == pytest.approx(fit.params["scale"] * np.log(2) ** (1 / fit.params["shape"]))
    assert "weibull: shape=" in repr(fit)
    from lenvici.survival import kaplan_meier

    ax = fit.plot(km=kaplan_meier(t, e))
    assert len(ax.lines) >= 2 and ax.get_xlim()[1] > t.max()


def test_parametric_input_errors():
    with pytest.raises(InputError, match="family"):
        fit_parametric([1, 2], [1, 1], "cauchy")
    with pytest.raises(InputError, match="times > 0"):
        fit_parametric([0, 2], [1, 1], "weibull")
    with pytest.raises(InputError, match="at least one event"):
        fit_parametric([1, 2], [0, 0], "weibull")
