"""Parity with R's metafor on the reference grid in ``tests/data/metafor_reference.json``.

The fixture is written by ``validation/metafor/generate_reference.R`` (metafor 3.8-1, R 4.2.2); each case
is ``rma(yi, vi, method=M, test=T[, control])`` on ``escalc(M)`` of one data set, plus ``predict(res,
transf=...)`` and ``confint(res)``. The test skips cleanly when the file is absent.

Cases where metafor stopped ("Fisher scoring algorithm did not converge") are compared through their
retries: our default fit (which falls back to a bracketed search) must match metafor's damped refit with
threshold 1e-13 (``result_precise``) and otherwise must at least converge and record its fallback.
"""

from __future__ import annotations

import json
import math
import warnings
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest

from lenvici.evidence.meta import escalc, generic, rma
from tests import tolerances as tol

FIXTURE = Path(__file__).resolve().parents[2] / "data" / "metafor_reference.json"
ITERATIVE = {"ML", "REML", "EB", "PM"}
RESULT_FIELDS = ("estimate", "se", "zval", "pval", "ci_lb", "ci_ub", "pi_lb", "pi_ub", "tau2", "se_tau2",
                 "I2", "H2", "QE", "QEp")


@lru_cache(maxsize=1)
def _reference() -> dict | None:
    if not FIXTURE.exists():
        return None
    return json.loads(FIXTURE.read_text())


def _case_ids() -> list[str]:
    ref = _reference()
    return [] if ref is None else [c["id"] for c in ref["cases"]]


@lru_cache(maxsize=1)
def _by_id() -> dict:
    return {c["id"]: c for c in _reference()["cases"]}


pytestmark = pytest.mark.skipif(not FIXTURE.exists(), reason=f"{FIXTURE.name} not present")


def _close(ours, theirs, *, rel=tol.META_REL, abs_=tol.META_ABS_ZERO) -> bool:
    if theirs is None:
        return True
    if isinstance(theirs, str):  # "Inf", "-Inf", "NaN" from the fixture's nonfinite map
        if theirs == "NaN":
            return math.isnan(ours)
        return math.isinf(ours) and (ours > 0) == (theirs == "Inf")
    if abs(ours - theirs) <= abs_:
        return True
    return abs(ours - theirs) <= rel * abs(theirs)


def _tau2_abs(method: str) -> float:
    return tol.TAU2_ITER_ABS if method in ITERATIVE else tol.TAU2_CLOSED_ABS


def _fit(case: dict, control=None):
    ref = _reference()
    cols = ref["datasets"][case["dataset"]]["columns"]
    ni = cols.get("ni") if case["measure"] == "PFT" else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # metafor's fits warn too; warnings are kept in result.warnings
        return rma(case["escalc"]["yi"], case["escalc"]["vi"], measure=case["measure"], ni=ni,
                   method=case["method"], test=case["test"], control=control)


def _theirs(case: dict, block: str, name: str):
    value = (case.get(block) or {}).get(name)
    if value is None:
        flag = (case.get("nonfinite") or {}).get(f"{block}.{name}")
        return flag  # None (not reported / NA) or "Inf"/"-Inf"/"NaN"
    return value


def _escalc_ids() -> list[str]:
    """One case per (data set, measure): escalc does not depend on method or test."""
    seen = {}
    for cid in _case_ids():
        case = _by_id()[cid]
        seen.setdefault((case["dataset"], case["measure"]), cid)
    return list(seen.values())


@pytest.mark.parametrize("case_id", _escalc_ids())
def test_escalc(case_id):
    """``escalc(measure, ...)`` yi and vi agree to 1e-9 relative."""
    case = _by_id()[case_id]
    ds = _reference()["datasets"][case["dataset"]]
    cols = ds["columns"]
    es = generic(cols["yi"], cols["vi"]) if ds["family"] == "generic" else escalc(case["measure"], **cols)
    np.testing.assert_allclose(es.yi, case["escalc"]["yi"], rtol=tol.ESCALC_REL, atol=0)
    np.testing.assert_allclose(es.vi, case["escalc"]["vi"], rtol=tol.ESCALC_REL, atol=0)


@pytest.mark.parametrize("case_id", _case_ids())
def test_rma(case_id):
    """``rma.uni`` + ``predict`` + ``confint``: every reported quantity within the tolerance table."""
    case = _by_id()[case_id]
    if case["error"] is not None:
        _check_failed_case(case)
        return
    res = _fit(case, case["control"])
    assert res.converged
    assert res.k == case["result"]["k"]
    bad = []
    for name in RESULT_FIELDS:
        theirs = _theirs(case, "result", name)
        ours = getattr(res, name)
        if name == "tau2":
            ok = _close(ours, theirs, rel=0.0, abs_=_tau2_abs(case["method"]))
        elif name in ("pi_lb", "pi_ub") and theirs is None and case["method"] == "EE":
            ok = ours == (res.ci_lb if name == "pi_lb" else res.ci_ub)  # metafor 3.8 omits the EE PI
        else:
            ok = _close(ours, theirs)
        if not ok:
            bad.append((name, ours, theirs))
    if case.get("transformed"):
        for name in ("estimate", "ci_lb", "ci_ub", "pi_lb", "pi_ub"):
            theirs = _theirs(case, "transformed", name)
            if not _close(getattr(res.transformed, name), theirs):
                bad.append((f"transformed.{name}", getattr(res.transformed, name), theirs))
    if case.get("tau2_ci"):
        for name, theirs in case["tau2_ci"].items():
            ours = getattr(res.tau2_ci, name)
            ok = (_close(ours, theirs, rel=0.0, abs_=tol.TAU2_ITER_ABS) if name.startswith("tau2")
                  else _close(ours, theirs))
            if not ok:
                bad.append((f"tau2_ci.{name}", ours, theirs))
    assert not bad, f"{case_id}: {bad}"


def _check_failed_case(case: dict) -> None:
    assert "did not converge" in case["error"], case["error"]
    res = _fit(case)
    assert res.converged and res.fallback is not None
    assert any("did not converge" in w for w in res.warnings)
    retries = [c for cid, c in _by_id().items()
               if cid.startswith(case["id"] + "/stepadj") and c["error"] is None]
    precise = next((c["result_precise"] for c in retries
                    if "tau2" in (c.get("result_precise") or {})), None)
    if precise is None:
        return
    assert abs(res.tau2 - precise["tau2"]) <= tol.TAU2_ITER_ABS
    for name in ("estimate", "se"):
        assert _close(getattr(res, name), precise[name], rel=tol.FALLBACK_PRECISE_REL)


def test_grid_is_complete():
    """Every data set carries each measure of its family × 9 methods × 2 tests."""
    ref = _reference()
    family_measures = {"proportion": 4, "two-group": 3, "generic": 1}
    base = [c for c in ref["cases"] if c["control"] is None]
    expected = sum(family_measures[d["family"]] * 9 * 2 for d in ref["datasets"].values())
    assert len(base) == expected
    failed = [c for c in base if c["error"] is not None]
    for c in failed:
        assert any(cid.startswith(c["id"] + "/stepadj") for cid in _by_id())


# ----------------------------------------------------------------------------------------------
# diagnostics block: meta-regression and subgroups on dat.bcg (log risk ratios)

#: dat.bcg's absolute latitude and allocation (Colditz et al. JAMA 1994;271:698–702, as in metafor).
BCG_ABLAT = [44, 55, 42, 52, 13, 44, 19, 13, 27, 42, 18, 33, 33]
BCG_ALLOC = ["random", "random", "random", "random", "alternate", "alternate", "random", "random", "random",
             "systematic", "systematic", "systematic", "systematic"]


def _bcg_model():
    diag = _reference()["diagnostics"]
    return np.array(diag["model"]["yi"]), np.array(diag["model"]["vi"])


@pytest.mark.parametrize("key", ["REML/z", "REML/knha", "DL/z", "DL/knha"])
def test_metareg_bcg_ablat(key):
    """``rma(yi, vi, mods = ~ ablat, data = dat.bcg)``: coefficients, QM (χ² or F), τ², I², R²."""
    ref = _reference()["diagnostics"]["metareg"][key]
    y, v = _bcg_model()
    res = rma(y, v, mods=BCG_ABLAT, mod_names=["ablat"], method=ref["method"], test=ref["test"])
    for ours, theirs in [(res.coef, ref["b"]), (res.se, ref["se"]), (res.zval, ref["zval"]),
                         (res.pval, ref["pval"]), (res.ci_lb, ref["ci_lb"]), (res.ci_ub, ref["ci_ub"])]:
        np.testing.assert_allclose(ours, theirs, rtol=tol.META_REL)
    for name in ("QM", "QMp", "I2", "H2", "R2", "QE", "QEp", "se_tau2"):
        assert _close(getattr(res, name), ref[name]), name
    assert abs(res.tau2 - ref["tau2"]) <= _tau2_abs(ref["method"])
    assert list(res.QMdf) == [d if d is not None else None for d in ref["QMdf"]]


def test_subgroup_bcg_alloc():
    """Separate REML fits per allocation and metafor's QM of ``mods = ~ factor(alloc)``."""
    from lenvici.evidence.meta import subgroup

    ref = _reference()["diagnostics"]["subgroup"]
    y, v = _bcg_model()
    res = subgroup(y, v, BCG_ALLOC, method="REML")
    assert list(res.groups) == ref["levels"]
    for g, theirs in ref["separate_REML"].items():
        ours = res.groups[g]
        for name in ("estimate", "se", "zval", "pval", "ci_lb", "ci_ub", "I2", "H2", "QE", "QEp"):
            assert _close(getattr(ours, name), theirs[name]), (g, name)
        assert abs(ours.tau2 - theirs["tau2"]) <= tol.TAU2_ITER_ABS
    me = ref["mixed_effects_REML"]
    assert _close(res.QM, me["QM"]) and _close(res.QMp, me["QMp"])
    assert res.QMdf == (2, None)
    np.testing.assert_allclose(res.model.coef, me["b"], rtol=tol.META_REL)
    np.testing.assert_allclose(res.model.se, me["se"], rtol=tol.META_REL)
    assert abs(res.model.tau2 - me["tau2"]) <= tol.TAU2_ITER_ABS
    ee = subgroup(y, v, BCG_ALLOC, method="EE")
    assert _close(ee.QM, ref["fixed_effects_EE"]["QM"]) and _close(ee.model.QE, ref["fixed_effects_EE"]["QE"])


def test_leave_one_out_through_rma_many():
    """``leave1out(rma(yi, vi, method="REML"))`` on dat.bcg, as one batched ``rma_many`` call."""
    from lenvici.evidence.meta import rma_many

    ref = _reference()["diagnostics"]["leave1out"]
    y, v = _bcg_model()
    keep = ~np.eye(y.size, dtype=bool)
    res = rma_many(y[None, :].repeat(y.size, 0)[keep].reshape(y.size, -1),
                   v[None, :].repeat(v.size, 0)[keep].reshape(v.size, -1), "REML")
    for name, ours in [("estimate", res.estimate), ("se", res.se), ("zval", res.zval), ("pval", res.pval),
                       ("ci_lb", res.ci_lb), ("ci_ub", res.ci_ub), ("QE", res.QE), ("QEp", res.QEp),
                       ("I2", res.I2), ("H2", res.H2)]:
        np.testing.assert_allclose(ours, ref[name], rtol=tol.META_REL, err_msg=name)
    np.testing.assert_allclose(res.tau2, ref["tau2"], rtol=0, atol=tol.TAU2_ITER_ABS)
