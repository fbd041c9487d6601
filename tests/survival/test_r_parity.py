"""Kaplan–Meier, log-rank and Cox results against R's survival package.

The reference numbers are in tests/data/survival_reference.json, produced by
validation/survival/generate_reference.R (R 4.2.2, survival 3.5-3; see validation/survival/README.md),
which stores the data sets too, so no R is needed here. The R call of each case is in its ``call``
field, e.g. ``survfit(Surv(time, event) ~ sex, data = lung, conf.type = "log-log", conf.int = 0.95)``,
``survdiff(Surv(time, event) ~ trt + strata(celltype), data = veteran)`` and
``coxph(Surv(time, event) ~ trt + karno + strata(celltype), data = veteran, ties = "efron")``.
"""

from __future__ import annotations

import numpy as np
import pytest

from lenvici.survival import at_risk_table, cox_ph, kaplan_meier, logrank_test
from tests.survival._reference import assert_close, column, labels_match, num, reference
from tests.tolerances import R_SURVIVAL

REF = reference()
KM_CASES = [(c, s) for c in REF["km"] for s in c["strata"]]


def _km_id(item):
    case, stratum = item
    return case["id"] + (f"[{stratum['group']}]" if stratum["group"] is not None else "")


def test_reference_grid_is_complete():
    """Every data set × CI type, both extra levels, and the log-rank and Cox cases are present."""
    ids = {c["id"] for c in REF["km"]}
    for base in ("lung/all", "lung/sex", "veteran/trt", "ovarian/rx", "aml/maintained", "flat_half/all",
                 "edge/group", "sim/arm"):
        for ctype in ("log", "log-log", "plain"):
            assert f"{base}/{ctype}/95" in ids
    assert {"lung/all/log/90", "sim/arm/log-log/80"} <= ids
    assert {c["id"] for c in REF["logrank"]} >= {"lung/sex", "veteran/celltype", "veteran/trt|celltype",
                                                  "lung/sex|ph_ecog", "ovarian/rx|resid_ds"}
    assert len(REF["cox"]) == 9 and any(c["strata"] for c in REF["cox"])
    assert REF["survival_version"].startswith("3.")


def _km_inputs(case, stratum):
    t, e = column(case["data"], "time"), column(case["data"], "event")
    if case["group"] is None:
        return t, e
    mask = labels_match(column(case["data"], case["group"]), stratum["group"])
    return t[mask], e[mask]


@pytest.mark.parametrize("item", KM_CASES, ids=[_km_id(i) for i in KM_CASES])
def test_kaplan_meier_matches_survfit(item):
    case, s = item
    t, e = _km_inputs(case, s)
    km = kaplan_meier(t, e, conf_type=case["conf_type"], conf_level=case["conf_int"])
    assert_close(km.time, s["time"], 0.0, "time")
    assert_close(km.n_risk, s["n_risk"], 0.0, "n.risk")
    assert_close(km.n_event, s["n_event"], 0.0, "n.event")
    assert_close(km.n_censor, s["n_censor"], 0.0, "n.censor")
    assert_close(km.survival, s["surv"], R_SURVIVAL, "surv")
    assert_close(km.se_log, s["std_err"], R_SURVIVAL, "std.err")
    assert_close(km.lower, s["lower"], R_SURVIVAL, "lower")
    assert_close(km.upper, s["upper"], R_SURVIVAL, "upper")


@pytest.mark.parametrize("item", KM_CASES, ids=[_km_id(i) for i in KM_CASES])
def test_quantiles_match_quantile_survfit(item):
    """Median and quartiles with CIs from the bands, as quantile(fit, conf.int = TRUE)."""
    case, s = item
    t, e = _km_inputs(case, s)
    km = kaplan_meier(t, e, conf_type=case["conf_type"], conf_level=case["conf_int"])
    q = km.quantile(s["quantiles"]["p"])
    assert_close([x.time for x in q], s["quantiles"]["time"], R_SURVIVAL, "quantile")
    assert_close([x.lower for x in q], s["quantiles"]["lower"], R_SURVIVAL, "quantile lower")
    assert_close([x.upper for x in q], s["quantiles"]["upper"], R_SURVIVAL, "quantile upper")
    median = q[list(s["quantiles"]["p"]).index(0.5)]
    assert (km.median.time, km.median.lower, km.median.upper) == pytest.approx(
        (median.time, median.lower, median.upper), nan_ok=True)


@pytest.mark.parametrize("item", KM_CASES, ids=[_km_id(i) for i in KM_CASES])
def test_at_risk_table_matches_summary_survfit(item):
    """summary(fit, times = …, extend = TRUE): n.risk, n.event, n.censor, surv, std.err, limits."""
    case, s = item
    t, e = _km_inputs(case, s)
    km = kaplan_meier(t, e, conf_type=case["conf_type"], conf_level=case["conf_int"])
    at = s["at"]
    table = at_risk_table(km, num(at["time"]))
    assert_close(table.n_risk, at["n_risk"], 0.0, "n.risk")
    assert_close(table.n_event, at["n_event"], 0.0, "n.event")
    assert_close(table.n_censor, at["n_censor"], 0.0, "n.censor")
    assert_close(table.survival, at["surv"], R_SURVIVAL, "surv")
    assert_close(table.se_survival, at["std_err"], R_SURVIVAL, "std.err")
    assert_close(table.lower, at["lower"], R_SURVIVAL, "lower")
    assert_close(table.upper, at["upper"], R_SURVIVAL, "upper")


def _complete(data: str, cols):
    arrays = {c: column(data, c) for c in cols}
    ok = np.ones(len(next(iter(arrays.values()))), dtype=bool)
    for a in arrays.values():
        if a.dtype != object:
            ok &= ~np.isnan(a)
        else:
            ok &= np.array([v != "NA" for v in a])
    return {c: a[ok] for c, a in arrays.items()}


@pytest.mark.parametrize("case", REF["logrank"], ids=[c["id"] for c in REF["logrank"]])
def test_logrank_matches_survdiff(case):
    cols = ["time", "event", case["group"]] + ([case["strata"]] if case["strata"] else [])
    d = _complete(case["data"], cols)
    res = logrank_test(d["time"], d["event"], d[case["group"]], d[case["strata"]] if case["strata"] else None)
    assert [f"{g:g}" if isinstance(g, float) else str(g) for g in res.groups] == case["groups"]
    assert_close(res.n, case["n"], 0.0, "n")
    assert_close(res.observed, case["observed"], R_SURVIVAL, "obs")
    assert_close(res.expected, case["expected"], R_SURVIVAL, "exp")
    assert_close(res.variance.ravel(), np.ravel(case["variance"]), R_SURVIVAL, "var")
    assert_close(res.chisq, case["chisq"], R_SURVIVAL, "chisq")
    assert res.df == case["df"]
    assert_close(res.p_value, case["p"], R_SURVIVAL, "p")


@pytest.mark.parametrize("case", REF["cox"], ids=[c["id"] for c in REF["cox"]])
def test_cox_matches_coxph_efron(case):
    cols = ["time", "event"] + list(case["covariates"]) + ([case["strata"]] if case["strata"] else [])
    d = _complete(case["data"], cols)
    fit = cox_ph(d["time"], d["event"], {c: d[c] for c in case["covariates"]},
                 strata=d[case["strata"]] if case["strata"] else None, conf_level=case["conf_int"])
    assert fit.converged
    assert (fit.n, fit.n_events) == (case["n"], case["n_event"])
    assert_close(fit.coef, case["coef"], R_SURVIVAL, "coef")
    assert_close(fit.se, case["se"], R_SURVIVAL, "se(coef)")
    assert_close(fit.hr, case["hr"], R_SURVIVAL, "exp(coef)")
    assert_close(fit.hr_lower, case["hr_lower"], R_SURVIVAL, "lower")
    assert_close(fit.hr_upper, case["hr_upper"], R_SURVIVAL, "upper")
    assert_close(fit.z, case["z"], R_SURVIVAL, "z")
    assert_close(fit.p_value, case["p"], R_SURVIVAL, "p")
    assert_close(fit.variance.ravel(), np.ravel(case["var"]), R_SURVIVAL, "var")
    assert_close(fit.loglik_null, case["loglik_null"], R_SURVIVAL, "loglik[1]")
    assert_close(fit.loglik, case["loglik"], R_SURVIVAL, "loglik[2]")
    for ours, name in ((fit.lr_test, "lr_test"), (fit.wald_test, "wald_test"), (fit.score_test, "score_test")):
        assert_close(ours.statistic, case[name]["stat"], R_SURVIVAL, name)
        assert ours.df == case[name]["df"]
        assert_close(ours.p_value, case[name]["p"], R_SURVIVAL, name + " p")
