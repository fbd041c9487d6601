"""``lenvici trial``: the tables, the unchanged JSON, and the ``--scheduler`` / progress pass-through to
``run_trial`` (replaced here by a recording stand-in, so these tests do not simulate)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

import lenvici.sim.trials as sim_trials
from lenvici.cli import app
from lenvici.sim.trials import ArmResult, Comparison, TrialResult
from lenvici.sim.validation import Validation
from tests.cli._tables import column, row_for, table_titled

runner = CliRunner()


def _result(trial: str, seed: int) -> TrialResult:
    arms = [ArmResult("Lenvatinib", 10, 0.241, 0.406, 0.75, 7.4, (5.6, 9.1), 13.6, (12.1, 14.9)),
            ArmResult("Sorafenib", 10, 0.065, 0.092, 0.6, 3.7, (3.6, 4.6), 12.3, (10.4, None))]
    return TrialResult(trial, seed, arms, [Comparison(("Lenvatinib", "Sorafenib"), 0.92, (0.79, 1.06), 0.66,
                                                      (0.57, 0.77))])


@pytest.fixture
def calls(monkeypatch):
    """Replace ``run_trial`` by a stand-in with the new keywords; the calls are recorded."""
    seen = []

    def run_trial(protocol, n_per_arm=100, seed=0, *, scheduler=None, progress=None, pk="average"):
        seen.append({"protocol": protocol.id, "n": n_per_arm, "seed": seed, "scheduler": scheduler,
                     "progress": progress, "pk": pk})
        return _result(protocol.id, seed)

    monkeypatch.setattr(sim_trials, "run_trial", run_trial)
    return seen


def test_run_prints_arm_and_hazard_ratio_tables(calls):
    result = runner.invoke(app, ["trial", "run", "reflect", "--n", "10", "--seed", "4"])
    assert result.exit_code == 0, result.output
    arms = table_titled(result.stdout, "reflect (seed 4)")
    lenv = row_for(arms, "Lenvatinib")
    assert (lenv["ORR RECIST 1.1"], lenv["ORR mRECIST"], lenv["DCR RECIST 1.1"]) == ("24.1%", "40.6%", "75.0%")
    assert lenv["median OS, mo [95% CI]"] == "13.6 [12.1, 14.9]"
    assert row_for(arms, "Sorafenib")["median OS, mo [95% CI]"] == "12.3 [10.4, NR]"
    hrs = table_titled(result.stdout, "hazard ratios")
    assert row_for(hrs, "Lenvatinib vs Sorafenib")["HR OS [95% CI]"] == "0.92 [0.79, 1.06]"
    assert calls == [{"protocol": "reflect", "n": 10, "seed": 4, "scheduler": None, "progress": None, "pk": "average"}]


def test_run_json_is_the_result_unchanged(calls):
    result = runner.invoke(app, ["trial", "run", "reflect", "--n", "10", "--seed", "4", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == _result("reflect", 4).to_dict()
    assert result.stderr == ""


@pytest.mark.parametrize("address", ["local", "tcp://127.0.0.1:8786"])
def test_scheduler_is_passed_through(calls, address):
    result = runner.invoke(app, ["trial", "run", "keynote-524", "--n", "12", "--scheduler", address, "--json"])
    assert result.exit_code == 0, result.output
    assert calls[-1]["scheduler"] == address and calls[-1]["n"] == 12
    assert calls[-1]["progress"] is None  # no progress bar when stderr is not a terminal
    assert calls[-1]["pk"] == "average"


def test_pk_mode_is_passed_through(calls):
    result = runner.invoke(app, ["trial", "run", "keynote-524", "--n", "12", "--pk", "doses", "--json"])
    assert result.exit_code == 0, result.output
    assert calls[-1]["pk"] == "doses"


def test_a_shown_bar_is_run_trials_progress_callback(calls, monkeypatch):
    import lenvici.cli.trial as trial_cli

    monkeypatch.setattr(trial_cli, "progress_shown", lambda json_out: not json_out)  # as on a terminal
    result = runner.invoke(app, ["trial", "run", "reflect", "--n", "10"])
    assert result.exit_code == 0, result.output
    assert callable(calls[-1]["progress"]) and calls[-1]["scheduler"] is None


def test_validate_table_marks_hits_and_misses(monkeypatch):
    import lenvici.cli.trial as trial_cli

    rows = [{"trial": "reflect", "role": "calibration", "arm": "Lenvatinib", "endpoint": "os_median_months",
             "simulated": 13.1, "published": 13.6, "published_ci": [12.1, 14.9], "hit": True},
            {"trial": "leap-002", "role": "validation", "arm": "Lenvatinib + pembrolizumab vs Lenvatinib + placebo",
             "endpoint": "hr_os", "simulated": 0.7, "published": 0.84, "published_ci": [0.708, 0.997], "hit": False},
            {"trial": "reflect", "role": "calibration", "arm": "Sorafenib", "endpoint": "orr_recist",
             "simulated": 0.07, "published": 0.065, "published_ci": [None, None], "hit": None}]
    seen = []

    def validate(n, reps, seed=0, progress=None):
        seen.append((n, reps, seed, progress))
        return Validation(rows, {})

    monkeypatch.setattr(trial_cli, "validate_trials", validate)
    result = runner.invoke(app, ["trial", "validate", "--n", "10"])
    assert result.exit_code == 0, result.output
    assert seen == [(10, 1, 0, None)]  # stderr is no terminal here: no bar, no callback
    table = table_titled(result.stdout, "validation: 1 HIT, 1 MISS")
    assert column(table, "") == ["HIT", "MISS", "–"]
    assert column(table, "simulated") == ["13.1", "0.70", "7.0%"]
    assert column(table, "published 95% CI") == ["12.1 to 14.9", "0.71 to 1.00", "–"]
    doc = json.loads(runner.invoke(app, ["trial", "validate", "--n", "10", "--json"]).stdout)
    assert doc == {"rows": rows, "hits": 1, "misses": 1}


def test_validate_draws_its_progress_bar_from_the_simulations(monkeypatch):
    """On a terminal the bar is ``validate``'s progress callback; with --json there is none."""
    import lenvici.cli.trial as trial_cli

    seen = []

    def validate(n, reps, seed=0, progress=None):
        seen.append(progress)
        if progress is not None:
            progress(5, 10)
            progress(10, 10)
        return Validation([], {})

    monkeypatch.setattr(trial_cli, "validate_trials", validate)
    monkeypatch.setattr(trial_cli, "progress_shown", lambda json_out: not json_out)  # as on a terminal
    assert runner.invoke(app, ["trial", "validate", "--n", "10", "--reps", "2"]).exit_code == 0
    result = runner.invoke(app, ["trial", "validate", "--n", "10", "--json"])
    assert result.exit_code == 0 and result.stderr == ""
    assert callable(seen[0]) and seen[1] is None
