"""``lenvici cohort score`` through Typer's CliRunner, on a small app built here from the sub-app (DESIGN §4).

Output written atomically as CSV or Parquet; ``--json`` prints one summary document; invalid arguments print
one line ``error: …`` on stderr and exit with code 2.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
import typer
from typer.testing import CliRunner

from lenvici.cli.cohort import app as cohort_app
from lenvici.clinical.cohort import SYNTHETIC_UNITS, score_cohort, synthetic_cohort

app = typer.Typer()
app.add_typer(cohort_app, name="cohort")
runner = CliRunner()
BUNDLE = Path(__file__).resolve().parents[2] / "examples" / "fhir" / "bundle.json"
UNITS = ",".join(f"{k}={v}" for k, v in SYNTHETIC_UNITS.items())


def invoke(*args):
    return runner.invoke(app, ["cohort", "score", *map(str, args)])


def assert_one_line_error(result, *fragments):
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr.startswith("error: ")
    assert len(result.stderr.strip().splitlines()) == 1
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr


@pytest.fixture
def cohort_csv(tmp_path) -> Path:
    path = tmp_path / "cohort.csv"
    synthetic_cohort(120, seed=3, missing=0.05, invalid=0.02).write_csv(path)
    return path


def test_scores_a_csv_into_parquet_with_a_json_summary(cohort_csv, tmp_path):
    out = tmp_path / "scored.parquet"
    result = invoke("--data", cohort_csv, "--units", UNITS, "--out", out, "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["patients"] == 120 and doc["out"] == str(out)
    assert {s["score"] for s in doc["scores"]} >= {"albi", "child-pugh", "g8", "lep", "bclc"}
    written = pl.read_parquet(out)
    expected = score_cohort(pl.read_csv(cohort_csv, infer_schema=False), SYNTHETIC_UNITS).frame
    assert written.equals(expected)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary file left


def test_named_scores_and_options(cohort_csv, tmp_path):
    out = tmp_path / "scored.csv"
    result = invoke("--data", cohort_csv, "--units", UNITS, "--out", out, "--scores", "gps,albi",
                    "--option", "gps.variant=japanese")
    assert result.exit_code == 0, result.output
    assert "gps" in result.stdout and "albi" in result.stdout
    header = out.read_text().splitlines()[0].split(",")
    assert header[-6:] == ["gps", "gps_error", "albi", "albi_grade", "albi_error", "input_errors"]
    assert "child_pugh" not in header


def test_a_fhir_bundle(tmp_path):
    out = tmp_path / "scored.csv"
    result = invoke("--data", BUNDLE, "--out", out, "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["patients"] == 4 and doc["fhir"]["observations_used"] == 39 and len(doc["fhir"]["notes"]) == 2
    assert pl.read_csv(out)["patient"].to_list() == ["hcc-001", "hcc-002", "hcc-003", "hcc-004"]


@pytest.mark.parametrize("args, fragments", [
    (["--units", "albumin=g/mL"], ["unknown unit 'g/mL'", "accepted units: g/L, g/dL"]),
    (["--units", "albumin"], ["--units must be NAME=UNIT"]),
    (["--scores", "albi,nope"], ["unknown score 'nope'"]),
    (["--scores", "albs"], ["'albs' is unavailable"]),
    (["--option", "gps=japanese"], ["--option must be SCORE.NAME=VALUE"]),
    (["--option", "gps.variant=scottish"], ["'variant' must be one of mcmillan, japanese"]),
])
def test_invalid_arguments_exit_2_with_one_line(cohort_csv, tmp_path, args, fragments):
    units = [] if args[0] == "--units" else ["--units", UNITS]
    result = invoke("--data", cohort_csv, "--out", tmp_path / "o.csv", *units, *args)
    assert_one_line_error(result, *fragments)
    assert not (tmp_path / "o.csv").exists()


def test_bad_paths_exit_2(cohort_csv, tmp_path):
    assert_one_line_error(invoke("--data", cohort_csv, "--units", UNITS, "--out", tmp_path / "o.xlsx"),
                          "--out must end in .csv or .parquet")
    assert_one_line_error(invoke("--data", tmp_path / "none.csv", "--out", tmp_path / "o.csv"), "does not exist")
    numbers = tmp_path / "numbers.parquet"
    pl.DataFrame({"albumin": [4.0], "bilirubin": [0.8]}).write_parquet(numbers)
    assert_one_line_error(invoke("--data", numbers, "--out", tmp_path / "o.csv"), "column 'albumin' has no unit")
