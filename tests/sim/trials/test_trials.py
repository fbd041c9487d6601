import json
import math

from typer.testing import CliRunner

from lenvici.cli.trial import app
from lenvici.sim.trials import run_trial


def _finite(x):
    if isinstance(x, dict):
        return all(_finite(v) for v in x.values())
    if isinstance(x, list):
        return all(_finite(v) for v in x)
    return not (isinstance(x, float) and math.isnan(x))


def test_small_trial_end_to_end_json():
    res = run_trial("reflect", 50, seed=3)
    d = json.loads(res.to_json())
    assert d["trial"] == "reflect" and [a["label"] for a in d["arms"]] == ["Lenvatinib", "Sorafenib"]
    for a in d["arms"]:
        assert a["n"] == 50 and a["n_failed"] == 0
        for k in ("orr_recist", "orr_mrecist", "dcr_recist"):
            assert 0.0 <= a[k] <= 1.0
        assert a["orr_mrecist"] >= a["orr_recist"] - 0.05
        assert a["pfs_median_months"] is None or a["pfs_median_months"] > 0
    (c,) = d["comparisons"]
    assert c["arms"] == ["Lenvatinib", "Sorafenib"] and c["hr_os"] > 0 and c["hr_pfs_ci"][0] < c["hr_pfs_ci"][1]
    assert _finite(d)
    # PFS never exceeds OS for any patient
    p = res.patients
    assert (p["pfs_months"] <= p["os_months"] + 1e-9).all()


def test_reproducible():
    assert run_trial("keynote-524", 20, seed=1).to_json() == run_trial("keynote-524", 20, seed=1).to_json()


def test_cli_run_and_exit_codes():
    r = CliRunner().invoke(app, ["run", "keynote-524", "--n", "20", "--seed", "2", "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["arms"][0]["n"] == 20
    bad = CliRunner().invoke(app, ["run", "no-such-trial", "--n", "20"])
    assert bad.exit_code == 2
    assert CliRunner().invoke(app, ["run", "reflect", "--n", "1"]).exit_code != 0


def test_cli_validate_reports_hits_and_misses():
    r = CliRunner().invoke(app, ["validate", "--n", "10", "--json"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    roles = {(row["trial"], row["role"]) for row in d["rows"]}
    assert ("leap-002", "validation") in roles and ("reflect", "calibration") in roles
    assert d["hits"] + d["misses"] == sum(row["hit"] is not None for row in d["rows"])
