"""``lenvici survival`` through Typer's CliRunner (the sub-app; wiring into ``lenvici`` is separate)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from lenvici.cli.survival import app

runner = CliRunner()

CURVE = "time,survival\n0,1\n2,0.9\n4,0.8\n6,0.7\n8,0.6\n10,0.5\n"
RISK = "time,n_at_risk\n0,20\n5,14\n"


@pytest.fixture
def files(tmp_path):
    (tmp_path / "curve.csv").write_text(CURVE)
    (tmp_path / "risk.csv").write_text(RISK)
    return tmp_path


def test_reconstruct_writes_time_event_csv_and_json_summary(files):
    out = files / "ipd.csv"
    res = runner.invoke(app, ["reconstruct", "--curve", str(files / "curve.csv"), "--at-risk", str(files / "risk.csv"),
                              "--out", str(out), "--json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert (doc["n"], doc["events"], doc["censored"]) == (20, 9, 11)
    assert doc["median"] == 10.0 and len(doc["median_ci"]) == 2 and doc["conf_type"] == "log"
    lines = out.read_text().splitlines()
    assert lines[0] == "time,event" and len(lines) == 21


def test_reconstruct_with_events_and_plain_output(files):
    out = files / "ipd.csv"
    res = runner.invoke(app, ["reconstruct", "--curve", str(files / "curve.csv"), "--at-risk", str(files / "risk.csv"),
                              "--events", "8", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert res.stdout.startswith("20 patients, 8 events")


def test_km_json_per_group_with_logrank(tmp_path):
    rows = ["t,status,arm"] + [f"{t},{e},{a}" for a, data in (("A", [(2, 1), (4, 1), (6, 0), (8, 1), (9, 1)]),
                                                           ("B", [(3, 1), (7, 0), (11, 1), (14, 1), (15, 0)]))
                               for t, e in data]
    path = tmp_path / "ipd.csv"
    path.write_text("\n".join(rows) + "\n")
    res = runner.invoke(app, ["km", "--data", str(path), "--time-col", "t", "--event-col", "status",
                              "--group-col", "arm", "--at", "0,5,10", "--json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert [g["group"] for g in doc["groups"]] == ["A", "B"]
    a = doc["groups"][0]
    assert a["n"] == 5 and a["events"] == 4 and a["median"] == 8.0
    assert [r["n_at_risk"] for r in a["at_risk"]] == [5, 3, 0]
    assert doc["logrank"]["df"] == 1 and 0 < doc["logrank"]["p"] < 1


def test_km_plain_text(tmp_path):
    path = tmp_path / "ipd.csv"
    path.write_text("time,event\n1,1\n2,1\n3,0\n4,1\n")
    res = runner.invoke(app, ["km", "--data", str(path), "--every", "2"])
    assert res.exit_code == 0, res.output
    assert "median" in res.stdout and "at risk: 0: 4, 2: 3, 4: 1" in res.stdout


@pytest.mark.parametrize(
    ("curve", "risk", "message"),
    [
        ("time,surv\n0,1\n", RISK, "missing column 'survival'"),
        (CURVE, "time,n_at_risk\n0,20\n5,abc\n", "risk.csv line 3, column 'n_at_risk': 'abc' is not a number"),
        (CURVE, "time,n_at_risk\n0,20\n5,24\n", "risk.csv line 3, column 'n_at_risk': 24 at time 5 is more than 20"),
        ("time,survival\n0,1\n2,90\n", RISK, "curve.csv line 3, column 'survival': 90 is outside"),
    ],
)
def test_reconstruct_invalid_input_is_one_error_line_and_exit_2(tmp_path, curve, risk, message):
    (tmp_path / "curve.csv").write_text(curve)
    (tmp_path / "risk.csv").write_text(risk)
    out = tmp_path / "ipd.csv"
    res = runner.invoke(app, ["reconstruct", "--curve", str(tmp_path / "curve.csv"), "--at-risk",
                              str(tmp_path / "risk.csv"), "--out", str(out)])
    assert res.exit_code == 2
    assert res.stdout == ""
    assert res.stderr.count("\n") == 1 and res.stderr.startswith("error: ") and message in res.stderr
    assert not out.exists()


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        ("time,event\n1,2\n", [], "line 2, column 'event': 2 must be 0 (censored) or 1"),
        ("time,event\n-1,1\n", [], "is negative"),
        ("time,event\n1,1\n", ["--conf-type", "logit"], "'conf_type' must be one of log, log-log, plain"),
        ("time,event\n1,1\n", ["--at", "0,x"], "--at must be comma-separated numbers"),
        ("time,event\n1,1\n", ["--group-col", "arm"], "missing column 'arm'"),
    ],
)
def test_km_invalid_input_exit_2(tmp_path, content, args, message):
    path = tmp_path / "ipd.csv"
    path.write_text(content)
    res = runner.invoke(app, ["km", "--data", str(path), *args])
    assert res.exit_code == 2, res.output
    assert res.stderr.startswith("error: ") and message in res.stderr and res.stderr.count("\n") == 1


def test_missing_file_is_exit_2(tmp_path):
    res = runner.invoke(app, ["km", "--data", str(tmp_path / "nope.csv")])
    assert res.exit_code == 2 and "no such file" in res.stderr
