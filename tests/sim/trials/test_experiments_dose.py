"""Lenvatinib dose experiments: 12 mg vs 8 mg around 60 kg, and the AE dose ladder vs a fixed RDI."""

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from lenvici.cli.trial import app
from lenvici.sim.experiments import EXPERIMENTS, WEIGHT_WINDOW_KG, run_experiment
from lenvici.sim.exposure import arm_exposures
from lenvici.sim.protocols import LadderModel, Number, load_protocol


def test_dose_protocols_load():
    p = load_protocol("lenvatinib-60kg")
    assert [c.dose_mg for a in p.arms for c in a.components] == [12.0, 8.0]
    assert all(isinstance(p.dose_model_for("lenvatinib", a.label), LadderModel) for a in p.arms)
    q = load_protocol("lenvatinib-dose-intensity")
    assert isinstance(q.dose_model_for("lenvatinib", q.arms[0].label), LadderModel)
    assert isinstance(q.dose_model_for("lenvatinib", q.arms[1].label), Number)
    assert q.dose_intensity_for("lenvatinib", q.arms[1].label) == 0.85
    assert q.dose_intensity_for("lenvatinib", q.arms[0].label) == 1.0  # the ladder supplies the course
    # the calibrated protocols keep the fixed-RDI route
    for name in ("reflect", "keynote-524", "leap-002", "scheduling"):
        assert load_protocol(name).dose_intensity_for("lenvatinib") == 0.85
    assert {"weight-threshold", "dose-intensity", "cadonilimab", "biomarker", "scheduling"} <= set(EXPERIMENTS)


def test_exposure_increases_with_dose():
    p = load_protocol("lenvatinib-60kg")
    cov = {"weight_kg": np.random.default_rng(1).uniform(55.0, 65.0, 50)}
    arm = p.arms[0]
    conc = {}
    for mg in (4.0, 8.0, 12.0):
        comp = arm.components[0].model_copy(update={"dose_mg": mg})
        q = p.model_copy(update={"arms": (arm.model_copy(update={"components": (comp,)}), p.arms[1])})
        conc[mg] = arm_exposures(q, arm.label, cov, seed=3)[:, 0]
    assert np.all(conc[4.0] < conc[8.0]) and np.all(conc[8.0] < conc[12.0])
    np.testing.assert_allclose(conc[12.0] / conc[4.0], 3.0, rtol=1e-12)  # linear PK, same patients


def test_weight_threshold_experiment_is_reproducible_and_in_window():
    out = run_experiment("weight-threshold", 12, seed=5)
    a, b = out["arms"]["12mg"], out["arms"]["8mg"]
    assert a["n"] == b["n"] == 12
    lo, hi = WEIGHT_WINDOW_KG
    assert lo <= a["weight_kg_mean"] < hi and lo <= b["weight_kg_mean"] < hi
    assert a["dose_ladder"]["start_daily_mg_mean"] == 12.0 and b["dose_ladder"]["start_daily_mg_mean"] == 8.0
    for arm in (a, b):
        s6, s12 = arm["dose_ladder"]["months_6"], arm["dose_ladder"]["months_12"]
        assert 0 < s12["mean_dose_intensity"] <= s6["mean_dose_intensity"] <= 1
        assert s6["reduction_share"] <= s12["reduction_share"]
    r = CliRunner().invoke(app, ["experiment", "weight-threshold", "--n", "12", "--seed", "5", "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output) == json.loads(json.dumps(out))


def test_dose_intensity_experiment_reports_the_ladder_against_reflect():
    out = run_experiment("dose-intensity", 12, seed=1)
    ladder, rdi = out["arms"]["ladder"], out["arms"]["rdi"]
    assert rdi["relative_dose_intensity"] == 0.85 and rdi["dose_ladder"] is None
    assert ladder["relative_dose_intensity"] is None
    assert 0 < ladder["dose_ladder"]["months_6"]["mean_dose_intensity"] <= 1
    cited = out["observed"]["adverse_event_dose_changes"]
    assert cited["reduction_share"]["value"] == 0.37 and cited["reduction_share"]["status"] == "recalled"
    assert out["observed"]["arms"]["lenvatinib"]["os_median_months"] == pytest.approx(13.6)
    hr = out["hazard_ratio"]
    assert hr["hr_os_ci"][0] < hr["hr_os"] < hr["hr_os_ci"][1]


def test_rdi_route_is_the_documented_formula():
    """REFLECT's lenvatinib arm: fu * F * dose / (tau * CL) / MW * 1e6 * RDI, with the PK draws the exposure
    module makes (default_rng([seed, component index])); fu 0.015, MW 426.86 g/mol (pk_parameters.yaml)."""
    from lenvici.sim.exposure import arm_exposure
    from lenvici.sim.pk import default_model

    p = load_protocol("reflect")
    w = np.array([50.0, 59.9, 60.0, 85.0])
    pk = default_model("lenvatinib").sample_parameters({"weight_kg": w}, seed=np.random.default_rng([21, 0]))
    dose = np.array([8.0, 8.0, 12.0, 12.0])
    expected = 0.015 * np.asarray(pk["F"]) * dose / (1.0 * np.asarray(pk["CL"])) / 426.86 * 1e6 * 0.85
    got = arm_exposure(p, "Lenvatinib", {"weight_kg": w}, 21).values(np.zeros(4), np.arange(4), np.zeros(4))[0]
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_ladder_summary_uses_the_trials_exposure_seeds(monkeypatch):
    """The experiment re-draws each ladder arm's dose course for its summary with the seed run_trial gives
    the arm's exposure (seed * 1000 + arm index): guard that convention."""
    import lenvici.sim.trials as trials
    from lenvici.sim.exposure import arm_exposure

    seen = []

    def spy(protocol, label, cov, seed, **kw):
        seen.append((label, seed))
        return arm_exposure(protocol, label, cov, seed, **kw)

    monkeypatch.setattr(trials, "arm_exposure", spy)
    p = load_protocol("lenvatinib-dose-intensity")
    trials.run_trial(p, 4, seed=3)
    assert sorted(seen) == sorted((a.label, 3 * 1000 + i) for i, a in enumerate(p.arms))
