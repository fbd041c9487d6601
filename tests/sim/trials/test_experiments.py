import json

import pytest
from typer.testing import CliRunner

from lenvici.cli.trial import app
from lenvici.errors import InputError
from lenvici.sim.experiments import run_experiment
from lenvici.sim.protocols import Component, load_protocol
from lenvici.sim.trials import run_trial


def test_start_day_defaults_to_zero_and_is_validated():
    c = Component(drug="pembrolizumab", rule="fixed", dose_mg=200, interval_days=21)
    assert c.start_day == 0.0
    with pytest.raises(ValueError):
        Component(drug="pembrolizumab", rule="fixed", dose_mg=200, interval_days=21, start_day=-1)
    arms = load_protocol("scheduling").arms
    assert [c.start_day for c in arms[0].components] == [0.0, 0.0]
    assert [c.start_day for c in arms[1].components] == [0.0, 42.0]


def test_start_after_cutoff_equals_placebo():
    p = load_protocol("scheduling")

    def swap(update):
        arms = tuple(a.model_copy(update={"components": tuple(
            c.model_copy(update=update) if c.drug == "pembrolizumab" else c for c in a.components)})
            for a in p.arms)
        return p.model_copy(update={"arms": arms})

    late = run_trial(swap({"start_day": 10_000.0}), 10, seed=2)
    placebo = run_trial(swap({"drug": "placebo", "start_day": 0.0}), 10, seed=2)
    assert late.to_dict()["arms"] == placebo.to_dict()["arms"]


def test_scheduling_experiment_and_cli():
    out = run_experiment("scheduling", 30, seed=0)
    assert set(out["arms"]) == {"synchronous", "asynchronous"}
    assert out["arms"]["asynchronous"]["start_day"]["pembrolizumab"] == 42.0
    for a in out["arms"].values():
        assert a["n"] == 30 and 0 <= a["orr_recist"] <= 1
    hr = out["hazard_ratio"]
    assert hr["hr_os"] > 0 and hr["hr_pfs_ci"][0] < hr["hr_pfs"] < hr["hr_pfs_ci"][1]
    assert "non-randomised" in out["observed"]["design"] and "not randomised" in out["caveat"]
    assert out["observed"]["arms"]["synchronous"]["os_median_months"] == 24.6
    r = CliRunner().invoke(app, ["experiment", "scheduling", "--n", "30", "--seed", "0", "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["hazard_ratio"] == hr
    assert CliRunner().invoke(app, ["experiment", "nope", "--n", "5"]).exit_code == 2
    with pytest.raises(InputError):
        run_experiment("nope", 5)
