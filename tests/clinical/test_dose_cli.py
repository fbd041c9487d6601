"""``lenvici dose``: the DESIGN §4 contract, on the Typer app of :mod:`lenvici.cli.dose` (CliRunner)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from lenvici.cli.dose import app

runner = CliRunner()


def _ok(args: list[str]) -> dict:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _error(args: list[str]) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert result.stdout == ""
    return lines[0]


def test_lenvatinib_contract():
    """DESIGN §4: ``lenvici dose lenvatinib --weight "W kg" [--level N] --json``; US PI §2.4/§2.6."""
    doc = _ok(["lenvatinib", "--weight", "72 kg", "--json"])
    assert {"drug", "dose_mg", "schedule", "level"} <= set(doc)
    assert (doc["drug"], doc["dose_mg"], doc["schedule"], doc["level"]) == ("lenvatinib", 12.0, "once daily", 0)
    doc = _ok(["lenvatinib", "--weight", "55 kg", "--level", "2", "--json"])
    assert (doc["dose_mg"], doc["schedule"], doc["level"]) == (4.0, "every other day", 2)
    doc = _ok(["lenvatinib", "--weight", "55 kg", "--level", "3", "--json"])
    assert (doc["dose_mg"], doc["status"]) == (None, "discontinue")


def test_lenvatinib_with_impairment():
    doc = _ok(["lenvatinib", "--weight", "72 kg", "--child-pugh", "B", "--jurisdiction", "eu", "--json"])
    assert doc["status"] == "no-labelled-dose" and doc["jurisdiction"] == "eu"


def test_other_drugs():
    doc = _ok(["pembrolizumab", "--json"])
    assert (doc["dose_mg"], doc["schedule"]) == (200.0, "every 3 weeks")
    doc = _ok(["pembrolizumab", "--regimen", "pembrolizumab-q6w", "--json"])
    assert doc["dose_mg"] == 400.0
    doc = _ok(["atezolizumab", "--weight", "60 kg", "--json"])
    assert [(c["drug"], c["dose_mg"]) for c in doc["components"]] == [("atezolizumab", 1200.0), ("bevacizumab", 900.0)]
    doc = _ok(["cadonilimab", "--weight", "50 kg", "--json"])
    assert doc["components"][0]["dose_mg"] == 300.0 and doc["components"][1]["dose_mg"] == 8.0
    doc = _ok(["sorafenib", "--level", "1", "--json"])
    assert (doc["dose_mg"], doc["schedule"], doc["level"]) == (400.0, "once daily", 1)


def test_modify_contract():
    doc = _ok(["modify", "lenvatinib", "--event", "hypertension", "--grade", "3", "--current", "12 mg",
               "--jurisdiction", "us", "--json"])
    assert (doc["action"], doc["next_dose"]["dose_mg"], doc["jurisdiction"]) == ("withhold-reduce", 8.0, "us")
    doc = _ok(["modify", "lenvatinib", "--event", "gi-perforation", "--grade", "3", "--current", "8 mg",
               "--jurisdiction", "eu", "--json"])
    assert doc["action"] == "withhold-reduce" and doc["other_action"] == "discontinue"
    assert doc["differs_by_jurisdiction"] is True
    doc = _ok(["modify", "lenvatinib", "--event", "proteinuria", "--urine-protein", "2.4 g/24h", "--current",
               "8 mg", "--json"])
    assert doc["action"] == "withhold-reduce" and doc["measurements"] == {"urine_protein": 2.4}
    doc = _ok(["modify", "lenvatinib", "--event", "ppe", "--grade", "2", "--intolerable", "--current", "12 mg",
               "--json"])
    assert doc["action"] == "withhold-reduce"


def test_text_output():
    result = runner.invoke(app, ["lenvatinib", "--weight", "72 kg"])
    assert result.exit_code == 0 and "lenvatinib 12 mg once daily (level 0)" in result.stdout
    result = runner.invoke(app, ["modify", "lenvatinib", "--event", "hepatotoxicity", "--grade", "4",
                                 "--current", "12 mg", "--jurisdiction", "eu"])
    assert result.exit_code == 0 and "the US label differs" in result.stdout


def test_list_and_events():
    regimens = _ok(["list", "--json"])["regimens"]
    assert {"lenvatinib", "stride", "atezolizumab-bevacizumab", "nivolumab-ipilimumab"} <= {r["regimen"] for r in regimens}
    events = _ok(["events", "--json"])["events"]
    assert "hypertension" in {e["event"] for e in events}


@pytest.mark.parametrize("args,field", [
    (["lenvatinib", "--json"], "'weight'"),
    (["lenvatinib", "--weight", "72", "--json"], "'weight'"),
    (["lenvatinib", "--weight", "72 kg", "--level", "9", "--json"], "'level'"),
    (["lenvatinib", "--weight", "72 kg", "--level", "x", "--json"], "'level'"),
    (["lenvatinib", "--weight", "72 kg", "--jurisdiction", "jp", "--json"], "'jurisdiction'"),
    (["pembrolizumab", "--regimen", "weekly", "--json"], "'regimen'"),
    (["atezolizumab", "--json"], "'weight'"),
    (["modify", "lenvatinib", "--event", "hypertension", "--grade", "3", "--json"], "'current'"),
    (["modify", "lenvatinib", "--event", "headache", "--grade", "3", "--current", "12 mg", "--json"], "'event'"),
    (["modify", "sorafenib", "--event", "hypertension", "--grade", "3", "--current", "400 mg", "--json"], "'drug'"),
    (["modify", "lenvatinib", "--event", "ppe", "--grade", "4", "--current", "12 mg", "--json"], "'grade'"),
    (["modify", "lenvatinib", "--event", "proteinuria", "--current", "12 mg", "--json"], "urine_protein"),
])
def test_invalid_input_is_one_line_exit_2(args, field):
    assert field in _error(args)
