"""Log-rank and Cox: agreement with lifelines and between our own computations, and input errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from lifelines import CoxPHFitter
from lifelines.statistics import logrank_test as lifelines_logrank

from lenvici.errors import InputError
from lenvici.survival import cox_ph, logrank_test
from lenvici.survival._efron import efron_derivatives
from tests.tolerances import IDENTITY, R_SURVIVAL


@pytest.fixture
def trial():
    rng = np.random.default_rng(11)
    n = 200
    arm = np.repeat([0, 1], n)
    t = rng.exponential(np.where(arm == 1, 14.0, 10.0))
    c = rng.uniform(0, 30, 2 * n)
    age = rng.normal(60, 8, 2 * n)
    site = rng.integers(0, 3, 2 * n)
    return np.round(np.minimum(t, c), 1), (t <= c).astype(int), arm, age, site


def test_logrank_two_groups_equals_lifelines(trial):
    t, e, arm, *_ = trial
    ours = logrank_test(t, e, arm)
    theirs = lifelines_logrank(t[arm == 0], t[arm == 1], e[arm == 0], e[arm == 1])
    assert ours.chisq == pytest.approx(theirs.test_statistic, abs=IDENTITY)
    assert ours.observed.sum() == e.sum() and ours.expected.sum() == pytest.approx(e.sum())


def test_logrank_components_reproduce_the_unstratified_statistic(trial):
    """One stratum: the stratified code path gives lifelines' statistic."""
    t, e, arm, _, site = trial
    plain = logrank_test(t, e, site)
    one_stratum = logrank_test(t, e, site, strata=np.zeros(t.size))
    assert one_stratum.chisq == pytest.approx(plain.chisq, abs=IDENTITY)
    assert one_stratum.df == plain.df == 2


def test_stratified_logrank_sums_within_strata(trial):
    t, e, arm, _, site = trial
    res = logrank_test(t, e, arm, strata=site)
    parts = [logrank_test(t[site == s], e[site == s], arm[site == s]) for s in range(3)]
    assert np.allclose(res.observed, sum(p.observed for p in parts))
    assert np.allclose(res.expected, sum(p.expected for p in parts))
    assert res.n_strata == 3 and "strata=3" in repr(res)
    assert list(res.summary().columns) == ["N", "observed", "expected", "(O-E)^2/E", "(O-E)^2/V"]


def test_logrank_errors():
    with pytest.raises(InputError, match="two groups"):
        logrank_test([1, 2, 3], [1, 1, 1], ["a", "a", "a"])
    with pytest.raises(InputError, match="at least one event"):
        logrank_test([1, 2, 3], [0, 0, 0], ["a", "b", "a"])
    with pytest.raises(InputError) as info:
        logrank_test([1, 2, 3], [1, 1, 1], ["a", None, "b"])
    assert info.value.field == "group"


def test_cox_loglik_equals_lifelines_and_our_efron_likelihood(trial):
    t, e, arm, age, _ = trial
    fit = cox_ph(t, e, {"arm": arm, "age": age})
    import pandas as pd

    df = pd.DataFrame({"t": t, "e": e, "arm": arm, "age": age})
    cph = CoxPHFitter().fit(df, "t", "e", fit_options={"precision": 1e-16, "r_precision": 1e-15})
    assert fit.loglik == pytest.approx(cph.log_likelihood_, abs=R_SURVIVAL)
    assert np.allclose(fit.coef, cph.params_[["arm", "age"]].to_numpy(), atol=R_SURVIVAL)
    ll, score, info = efron_derivatives(t, e.astype(bool), np.column_stack([arm, age]), fit.coef)
    assert np.max(np.abs(score)) < 1e-6
    assert np.allclose(np.linalg.inv(info), fit.variance, atol=1e-10)


def test_efron_equals_breslow_without_ties():
    """With no tied event times Efron's and Breslow's likelihoods coincide: check by direct sum."""
    rng = np.random.default_rng(3)
    t = rng.permutation(np.arange(1.0, 41.0))
    e = rng.integers(0, 2, 40).astype(bool)
    x = rng.normal(size=(40, 1))
    beta = np.array([0.3])
    ll, _, _ = efron_derivatives(t, e, x, beta)
    direct = sum(x[i, 0] * 0.3 - np.log(np.exp(0.3 * x[t >= t[i], 0]).sum()) for i in np.flatnonzero(e))
    assert ll == pytest.approx(direct, abs=IDENTITY)


def test_cox_summary_repr_and_hazard_ratio(trial):
    t, e, arm, *_ = trial
    fit = cox_ph(t, e, {"arm": arm}, conf_level=0.9)
    hr, lo, hi = fit.hazard_ratio("arm")
    assert lo < hr < hi
    frame = fit.summary()
    assert frame.loc["arm", "exp(coef)"] == pytest.approx(hr)
    assert "exp(coef) lower 90%" in frame.columns
    assert "arm: HR" in repr(fit) and fit.ties == "efron"
    with pytest.raises(InputError):
        fit.hazard_ratio("age")


def test_cox_binary_covariate_score_test_is_close_to_logrank(trial):
    t, e, arm, *_ = trial
    fit = cox_ph(t, e, {"arm": arm})
    lr = logrank_test(t, e, arm)
    assert fit.score_test.statistic == pytest.approx(lr.chisq, rel=1e-2)  # equal without ties


@pytest.mark.parametrize(
    ("covariates", "match"),
    [
        ({"const": np.ones(6)}, "constant"),
        ({"a": [0, 1, 0, 1, 0, 1], "b": [0, 2, 0, 2, 0, 2]}, "collinear"),
        ({"a": [0, 1, np.nan, 1, 0, 1]}, "finite"),
        ({"a": [0, 1, 0]}, "one value per observation"),
        ({}, "empty"),
    ],
)
def test_cox_design_errors(covariates, match):
    with pytest.raises(InputError, match=match):
        cox_ph([1, 2, 3, 4, 5, 6], [1, 1, 0, 1, 1, 0], covariates)


def test_cox_separation_is_reported_not_hidden():
    """All events in one arm: the MLE is at infinity; the fit warns and says converged=False."""
    arm = np.repeat([0, 1], 10)
    t = np.where(arm == 1, np.arange(1.0, 21.0), 30.0)  # arm 0 censored at 30, after every event
    e = (arm == 1).astype(int)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            fit = cox_ph(t, e, {"arm": arm})
        except Exception as exc:  # noqa: BLE001 - lifelines may also refuse outright
            from lenvici.errors import LenviciError

            assert isinstance(exc, LenviciError)
            return
    assert not fit.converged or fit.hr[0] > 1e3
    assert any("converge" in str(w.message).lower() for w in caught) or fit.hr[0] > 1e3


def test_cox_forest_plot(trial):
    t, e, arm, age, _ = trial
    ax = cox_ph(t, e, {"arm": arm, "age": age}).plot()
    assert [lab.get_text() for lab in ax.get_yticklabels()] == ["arm", "age"]
