"""``response assess`` through Typer's CliRunner: the JSON contract and the error contract (DESIGN §4)."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lenvici.cli.response import app

runner = CliRunner()
EXAMPLE = str(Path(__file__).resolve().parents[3] / "examples" / "lesions" / "example_lesions.csv")
HEADER = "patient,day,lesion,kind,organ,diameter_mm,viable_diameter_mm,status"


def invoke(*args):
    return runner.invoke(app, ["assess", *args])


def test_json_document_has_exactly_the_contract_keys():
    result = invoke("--data", EXAMPLE, "--criteria", "recist1.1", "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert list(doc) == ["patients"]
    for p in doc["patients"]:
        assert set(p) == {"patient", "visits", "best_overall_response", "progression_day"}
        for v in p["visits"]:
            assert set(v) == {"day", "sum_mm", "category"}
    p05 = next(p for p in doc["patients"] if p["patient"] == "P05")
    # 30 + 20 = 50 → 20 + 15 = 35 (−30 %: PR) → 25 + 18 = 43 (+22.9 %, +8 mm over 35: PD)
    assert p05["visits"] == [{"day": 0, "sum_mm": 50.0, "category": None},
                             {"day": 56, "sum_mm": 35.0, "category": "PR"},
                             {"day": 112, "sum_mm": 43.0, "category": "PD"}]
    assert p05["best_overall_response"] == "PR" and p05["progression_day"] == 112


def test_mrecist_and_confirm():
    out = invoke("--data", EXAMPLE, "--criteria", "mrecist", "--confirm", "--json")
    assert out.exit_code == 0, out.output
    doc = {p["patient"]: p for p in json.loads(out.stdout)["patients"]}
    # P04 viable sums 73 → 30 (day 56) → 23 (day 112): PR confirmed 56 days later.
    assert doc["P04"]["best_overall_response"] == "PR"
    assert [v["sum_mm"] for v in doc["P04"]["visits"]] == [73.0, 30.0, 23.0]


def test_text_output():
    out = invoke("--data", EXAMPLE)
    assert out.exit_code == 0 and "P03: best overall response PD, progression day 56" in out.stdout


@pytest.mark.parametrize(("lines", "message"), [
    (["P1,0,T1,target,liver,30,,", "P1,56,T1,target,liver,-2,,"], "row 2 (line 3), column 'diameter_mm'"),
    (["P1,0,T1,tumour,liver,30,,"], "row 1 (line 2), column 'kind'"),
    (["P1,0,T1,target,liver,30,,", "P1,0,N1,non-target,bone,,,maybe"], "row 2 (line 3), column 'status'"),
    (["P1,0,T1,target,liver,30,,", "P1,0,T1,target,liver,31,,"], "row 2 (line 3), column 'lesion': duplicated"),
    (["P1,0,T1,target,liver,30,,", "P1,0,N1,non-target,bone,12,,present"], "row 2 (line 3), column 'diameter_mm'"),
    (["P1,0,T1,target,liver,8,,"], "row 1 (line 2), column 'diameter_mm'"),
])
def test_invalid_input_is_one_error_line_and_exit_2(tmp_path, lines, message):
    path = tmp_path / "lesions.csv"
    path.write_text("\n".join([HEADER, *lines]) + "\n")
    out = invoke("--data", str(path), "--json")
    assert out.exit_code == 2
    assert out.stdout == ""
    err = out.stderr.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and message in err[0]


def test_missing_column_unknown_criteria_and_missing_file(tmp_path):
    path = tmp_path / "lesions.csv"
    path.write_text("patient,day,lesion,kind,organ,diameter_mm,status\nP1,0,T1,target,liver,30,\n")
    for args, message in (([str(path)], "missing column 'viable_diameter_mm'"),
                          ([EXAMPLE, "--criteria", "who"], "'criteria' must be one of recist1.1, mrecist"),
                          ([str(tmp_path / "none.csv")], "does not exist"),
                          ([EXAMPLE, "--pd-min-increase-mm", "-1"], "pd_min_increase_mm")):
        out = invoke("--data", *args, "--json")
        assert out.exit_code == 2 and out.stdout == ""
        assert out.stderr.startswith("error: ") and message in out.stderr and out.stderr.count("\n") == 1
