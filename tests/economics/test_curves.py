"""Survival families in flexsurv's parameterisations, against SciPy's distributions and known identities."""

import numpy as np
import pytest
from scipy import stats

from lenvici.economics import km_survival, survival
from lenvici.economics.curves import to_curve_time

T = np.linspace(0.0, 40.0, 81)


@pytest.mark.parametrize("family, params, ref", [
    ("exponential", {"rate": 0.07}, stats.expon(scale=1 / 0.07)),
    ("weibull", {"shape": 1.4, "scale": 12.0}, stats.weibull_min(1.4, scale=12.0)),
    ("weibull_ph", {"shape": 1.4, "scale": 0.02}, stats.weibull_min(1.4, scale=0.02 ** (-1 / 1.4))),
    ("loglogistic", {"shape": 2.2, "scale": 9.0}, stats.fisk(2.2, scale=9.0)),
    ("lognormal", {"meanlog": 2.1, "sdlog": 0.8}, stats.lognorm(0.8, scale=np.exp(2.1))),
    ("gompertz", {"shape": 0.05, "rate": 0.03}, stats.gompertz(0.03 / 0.05, scale=1 / 0.05)),
    ("gamma", {"shape": 1.7, "rate": 0.2}, stats.gamma(1.7, scale=5.0)),
])
def test_families_match_scipy(family, params, ref):
    np.testing.assert_allclose(survival(family, T, **params), ref.sf(T), rtol=1e-10, atol=1e-15)


def test_weibull_shape_one_is_exponential():
    np.testing.assert_allclose(survival("weibull", T, shape=1.0, scale=8.0), np.exp(-T / 8.0), rtol=1e-14)


def test_gompertz_shape_zero_is_exponential():
    np.testing.assert_allclose(survival("gompertz", T, shape=0.0, rate=0.1), np.exp(-0.1 * T), rtol=1e-14)


def test_gengamma_special_cases():
    mu, sigma = 2.0, 0.6
    np.testing.assert_allclose(survival("gengamma", T, mu=mu, sigma=sigma, Q=0.0),
                               survival("lognormal", T, meanlog=mu, sdlog=sigma), rtol=1e-10)
    np.testing.assert_allclose(survival("gengamma", T, mu=mu, sigma=sigma, Q=1.0),
                               survival("weibull", T, shape=1 / sigma, scale=np.exp(mu)), rtol=1e-10)
    np.testing.assert_allclose(survival("gengamma", T, mu=mu, sigma=sigma, Q=sigma),
                               survival("gamma", T, shape=1 / sigma**2, rate=np.exp(-mu) / sigma**2), rtol=1e-9)


def test_parameters_broadcast_against_time():
    shape = np.array([[0.8], [1.0], [1.5]])
    out = survival("weibull", T[None, :], shape=shape, scale=10.0)
    assert out.shape == (3, T.size)
    assert np.all(out[:, 0] == 1.0)


def test_unknown_family():
    with pytest.raises(ValueError, match="weibull"):
        survival("weibul", T, shape=1, scale=1)


def test_km_step_function_is_right_continuous():
    times, surv = [1.0, 2.0, 3.0], [0.9, 0.7, 0.4]
    got = km_survival([0.0, 0.99, 1.0, 1.5, 2.0, 3.0, 10.0], times, surv)
    np.testing.assert_allclose(got, [1.0, 1.0, 0.9, 0.9, 0.7, 0.4, 0.4])


def test_time_units():
    assert to_curve_time(12, 1 / 12, "month") == pytest.approx(12 * 365.25 / 12 / (365.25 / 12))
    assert to_curve_time(1, 1.0, "week") == pytest.approx(365.25 / 7)
    assert to_curve_time(1, 1.0, "day") == pytest.approx(365.25)
