"""``rma_many`` (vectorised across datasets) against m separate ``rma`` fits — the slow reference."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from lenvici.evidence.meta import METHODS, rma, rma_many

FIELDS = ("estimate", "se", "zval", "pval", "ci_lb", "ci_ub", "pi_lb", "pi_ub", "tau2", "se_tau2", "I2", "H2",
          "QE", "QEp")


@pytest.fixture(scope="module")
def datasets():
    rng = np.random.default_rng(7)
    m, k = 40, 6
    v = rng.uniform(0.005, 0.5, (m, k))
    tau2 = rng.choice([0.0, 0.05, 0.5, 2.0], m)
    y = rng.normal(0, np.sqrt(tau2)[:, None] + 0 * v) + rng.normal(0, np.sqrt(v))
    y[0] = 0.3  # identical outcomes: Q = 0
    return y, v


@pytest.mark.parametrize("test", ["z", "knha"])
@pytest.mark.parametrize("method", METHODS)
def test_batch_agrees_with_separate_fits(datasets, method, test):
    y, v = datasets
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # EE + knha warns, by design
        batch = rma_many(y, v, method, test=test)
    for i in range(y.shape[0]):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # EE + knha warns, by design
            one = rma(y[i], v[i], method=method, test=test, tau2_ci=False)
        for name in FIELDS:
            a, b = getattr(batch, name)[i], getattr(one, name)
            if np.isnan(b):
                assert np.isnan(a), (i, name)
            elif np.isinf(b):
                assert a == b, (i, name)
            else:
                assert a == pytest.approx(b, rel=1e-9, abs=1e-12), (i, name)
        assert batch.n_iter[i] == one.n_iter and batch.converged[i] == one.converged


def test_batch_fallback_matches_single_fit():
    """A dataset where Fisher scoring stops at maxiter: both paths fall back to the same root."""
    y = np.array([[-2.1, 0.4, 1.9, -0.3, 5.2], [0.1, 0.2, 0.3, 0.4, 0.5]])
    v = np.array([[1e-4, 8.0, 0.002, 3.0, 0.05], [0.1, 0.1, 0.1, 0.1, 0.1]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        batch = rma_many(y, v, "REML", control={"maxiter": 3})
        for i in range(2):
            one = rma(y[i], v[i], method="REML", control={"maxiter": 3}, tau2_ci=False)
            assert batch.tau2[i] == pytest.approx(one.tau2, rel=1e-9, abs=1e-12)
            assert bool(batch.fallback[i]) == (one.fallback is not None)
    assert batch.fallback[0]


def test_batch_repr_and_summary(datasets):
    y, v = datasets
    res = rma_many(y[:3], v[:3], "DL")
    assert res.m == 3 and len(res.summary()) == 3 and "3 fits" in repr(res)
