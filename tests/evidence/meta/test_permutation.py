"""Permutation tests against metafor's exact ``permutest``.

Random permutation tests cannot be compared draw for draw with R, so the reference is the exact test:
``permutest(res, exact = TRUE)`` enumerates every sign flip (pooled model) or every distinct row order of the
model matrix (meta-regression), and its p-values are deterministic. ``tests/data/metafor_permutest.json`` is
written by ``validation/metafor/generate_diagnostics_extra.R`` (metafor 3.8-1, R 4.2.2) for dat.bcg's log risk
ratios: all 13 studies (2^13 = 8192 sign flips; REML/z and DL/knha), studies 1–8 (EE/z, PM/knha), studies 1–7
with ``mods = ~ ablat`` (2520 distinct orders; REML/z, DL/knha) and studies 1–6 with ``mods = ~ ablat + year``
(720; ML/z). The random path is tested for reproducibility and against the exact p-value.
"""

from __future__ import annotations

import json
import math
import warnings
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest

from lenvici.errors import ConvergenceWarning, InputError
from lenvici.evidence.meta import PermutestResult, permutest, rma
from lenvici.evidence.meta.permutation import _multiset_permutations, _n_orders
from tests import tolerances as tol

FIXTURE = Path(__file__).resolve().parents[2] / "data" / "metafor_permutest.json"
needs_fixture = pytest.mark.skipif(not FIXTURE.exists(), reason="metafor_permutest.json not present")


@lru_cache(maxsize=1)
def _cases() -> dict:
    return json.loads(FIXTURE.read_text())["permutest"]


def _case_ids() -> list[str]:
    return list(_cases()) if FIXTURE.exists() else []


def _run(case: dict, **kw):
    mods = None
    if case["mods"] is not None:
        mods = np.column_stack([np.asarray(col, float) for col in case["mods"].values()])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # one permuted fit needs the fallback (see below)
        return permutest(case["yi"], case["vi"], mods=mods, method=case["method"], test=case["test"], exact=True,
                         **kw)


@needs_fixture
@pytest.mark.parametrize("cid", _case_ids())
def test_exact_permutest_matches_metafor(cid):
    """p-values per coefficient, the QM p-value and the whole sorted permutation distribution of QM.

    In "bcg1-7~ablat/REML/z" metafor's Fisher scoring fails on one of the 2520 permuted datasets and
    permutest leaves it out (p = count/2519); our fallback fits it (count/2520). With the fallback switched
    off the same dataset fails here too and every number agrees.
    """
    case = _cases()[cid]
    control = {"fallback": False} if case["n_failed"] else None
    res = _run(case, control=control)
    assert res.exact and res.iter == case["iter"] == case["exact_iter"] == res.exact_iter
    assert res.n_failed == case["n_failed"]
    np.testing.assert_allclose(res.pval, case["pval"], rtol=0, atol=tol.PERMUTATION_P_ABS)
    assert res.QMp == pytest.approx(case["QMp"], rel=0, abs=tol.PERMUTATION_P_ABS)
    np.testing.assert_allclose(res.coef, case["beta"], rtol=tol.DIAGNOSTIC_REL)
    np.testing.assert_allclose(res.zval, case["zval"], rtol=tol.DIAGNOSTIC_REL)
    assert res.QM == pytest.approx(case["QM"], rel=tol.DIAGNOSTIC_REL)
    ours = np.sort(res.QM_perm[np.isfinite(res.QM_perm)])
    theirs = np.array(case["QM_perm_sorted"], dtype=float)
    theirs = theirs[np.isfinite(theirs)]
    np.testing.assert_allclose(ours, theirs, rtol=tol.PERMUTATION_DIST_REL, atol=tol.META_ABS_ZERO)
    assert res.btt == tuple(int(b) - 1 for b in case["btt"])


@needs_fixture
def test_fallback_fits_the_dataset_metafor_drops():
    case = _cases()["bcg1-7~ablat/REML/z"]
    with pytest.warns(ConvergenceWarning, match="1 were finished by the safeguarded fallback"):
        res = permutest(case["yi"], case["vi"], mods=case["mods"]["ablat"], exact=True)
    assert res.n_failed == 0 and res.n_fallback == 1 and res.iter == 2520
    counts_theirs = np.round(np.array(case["pval"]) * 2519)
    counts_ours = np.round(res.pval * 2520)
    assert np.all((counts_ours - counts_theirs >= 0) & (counts_ours - counts_theirs <= 1))


# ----------------------------------------------------------------------------------------------
# the batched paths against separate fits, the random path, enumeration

def test_sign_flip_statistics_equal_separate_fits():
    """Every exact sign-flip fit equals ``rma`` on the flipped data (slow reference)."""
    y = np.array([0.1, 0.3, 0.35, 0.65, -0.05, 0.4])
    v = np.array([0.02, 0.03, 0.025, 0.04, 0.05, 0.03])
    res = permutest(y, v, method="REML", test="knha")
    assert res.exact and res.iter == 64
    for b in range(64):
        signs = 1.0 - 2.0 * ((b >> np.arange(6)) & 1)
        one = rma(signs * y, v, method="REML", test="knha", tau2_ci=False)
        assert res.zval_perm[b, 0] == pytest.approx(one.zval, rel=tol.BATCH_VS_LOOP_REL)
        assert res.coef_perm[b, 0] == pytest.approx(one.estimate, rel=tol.BATCH_VS_LOOP_REL, abs=1e-15)


def test_row_permutation_statistics_equal_separate_fits():
    rng = np.random.default_rng(2)
    y = rng.normal(size=6)
    v = rng.uniform(0.05, 0.3, 6)
    x = np.array([1.0, 2.0, 2.0, 3.0, 5.0, 8.0])
    res = permutest(y, v, mods=x, method="DL", test="z")
    assert res.exact and res.iter == 360 == res.exact_iter  # 6!/2!
    perms = np.concatenate(list(_multiset_permutations(np.array([0, 1, 1, 2, 3, 4]), 1000)))
    rows = np.unique(x)
    for b in (0, 17, 359):
        one = rma(y, v, mods=rows[perms[b]], method="DL", tau2_ci=False)
        np.testing.assert_allclose(res.zval_perm[b], one.zval, rtol=tol.BATCH_VS_LOOP_REL)
        assert res.QM_perm[b] == pytest.approx(one.QM, rel=tol.BATCH_VS_LOOP_REL)


def test_multiset_enumeration_counts():
    labels = np.array([0, 0, 1, 2, 2, 2])
    perms = np.concatenate(list(_multiset_permutations(labels, 7)))
    assert perms.shape == (60, 6) and len({tuple(p) for p in perms}) == 60  # 6!/(2!·3!)
    assert _n_orders(np.array([[1.0, 2.0], [1.0, 2.0], [3.0, 1.0]])) == 3


def test_random_test_is_reproducible_and_close_to_exact():
    """k = 13: 8192 > iter, so random sign flips; seeded runs repeat exactly whatever the chunk size; the
    first permutation is the observed data; the p-value is within Monte Carlo error of the exact one."""
    rng = np.random.default_rng(0)
    v = rng.uniform(0.02, 0.2, 13)
    y = 0.1 + rng.normal(0, np.sqrt(v + 0.05))
    a = permutest(y, v, method="DL", iter=4000, seed=123)
    b = permutest(y, v, method="DL", iter=4000, seed=123, chunk_size=333)
    c = permutest(y, v, method="DL", iter=4000, seed=np.random.default_rng(123))
    assert not a.exact and a.iter == 4000 and a.seed == 123 and c.seed is None
    np.testing.assert_array_equal(a.zval_perm, b.zval_perm)
    assert a.pval[0] == b.pval[0]
    assert a.zval_perm[0, 0] == a.zval[0] and a.QM_perm[0] == a.QM
    exact = permutest(y, v, method="DL", exact=True)
    assert exact.iter == 8192
    se = math.sqrt(exact.pval[0] * (1 - exact.pval[0]) / 4000)
    assert abs(a.pval[0] - exact.pval[0]) <= 5 * se + 1 / 4000
    fresh = permutest(y, v, method="DL", iter=50)
    assert isinstance(fresh.seed, int)
    again = permutest(y, v, method="DL", iter=50, seed=fresh.seed)
    np.testing.assert_array_equal(fresh.QM_perm, again.QM_perm)


def test_random_row_permutations_reproducible():
    rng = np.random.default_rng(4)
    k = 10
    v = rng.uniform(0.02, 0.2, k)
    x = rng.normal(size=k)
    y = 0.5 * x + rng.normal(0, np.sqrt(v))
    a = permutest(y, v, mods=x, method="REML", iter=300, seed=9)
    b = permutest(y, v, mods=x, method="REML", iter=300, seed=9, chunk_size=64)
    assert not a.exact and a.exact_iter == math.factorial(10)
    np.testing.assert_array_equal(a.QM_perm, b.QM_perm)
    assert a.QMp == pytest.approx(a.pval[1]) and 0 < a.QMp <= 1


def test_one_sided_alternatives_and_pooled_qm():
    y = np.array([0.1, 0.3, 0.35, 0.65, 0.2])
    v = np.array([0.02, 0.03, 0.025, 0.04, 0.05])
    two = permutest(y, v, method="EE")
    greater = permutest(y, v, method="EE", alternative="greater")
    less = permutest(y, v, method="EE", alternative="less")
    assert greater.pval[0] == pytest.approx(1 / 32)  # only the observed (all positive) signs reach z
    assert less.pval[0] == 1.0
    assert two.pval[0] == pytest.approx(2 / 32) and two.QMp == pytest.approx(two.pval[0])


def test_result_summary_and_repr():
    res = permutest([0.1, 0.3, 0.35, 0.65, -0.05], [0.02, 0.03, 0.025, 0.04, 0.05], method="DL")
    assert isinstance(res, PermutestResult)
    rows = res.summary()
    assert rows[0]["term"] == "intrcpt" and rows[-1]["term"].startswith("QM")
    assert "exact permutation test" in repr(res) and "32 iterations" in repr(res)


@pytest.mark.parametrize("kw, field", [
    (dict(iter=1), "iter"),
    (dict(iter=10.5), "iter"),
    (dict(seed=-3, iter=10), "seed"),
    (dict(seed="x", iter=10), "seed"),
    (dict(alternative="both"), "alternative"),
    (dict(comptol=-1.0), "comptol"),
    (dict(chunk_size=0), "chunk_size"),
    (dict(method="ZZ"), "method"),
])
def test_invalid_input_names_the_field(kw, field):
    y = np.linspace(0, 1, 12)
    v = np.full(12, 0.1)
    with pytest.raises(InputError) as err:
        permutest(y, v, **kw)
    assert err.value.field == field


def test_exact_with_too_many_permutations_is_refused():
    y = np.linspace(0, 1, 30)
    with pytest.raises(InputError) as err:
        permutest(y, np.full(30, 0.1), exact=True)
    assert err.value.field == "exact"
