"""``lenvici score`` through Typer's CliRunner, on a small app built here from the command (DESIGN §4).

The JSON contract ``{"score","value","category","components","inputs","source"}``, the listing, and the
error contract: invalid input is one line ``error: …`` on stderr and exit code 2, naming the accepted units.
"""

from __future__ import annotations

import json

import pytest
import typer
from typer.testing import CliRunner

from lenvici.cli.score import score

app = typer.Typer()
app.command()(score)
runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, list(args))


def assert_one_line_error(result, *fragments):
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr.startswith("error: ")
    assert len(result.stderr.strip().splitlines()) == 1
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr


def test_albi_json_contract():
    result = invoke("albi", "--bilirubin", "10 umol/L", "--albumin", "40 g/L", "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert set(doc) == {"score", "value", "category", "components", "inputs", "source"}
    # 0.66·log10(10) − 0.085·40 = −2.74 → grade 1 (Johnson 2015)
    assert doc["score"] == "albi" and doc["value"] == pytest.approx(-2.74) and doc["category"] == "1"
    assert doc["inputs"] == {"bilirubin": 10.0, "albumin": 40.0}
    assert "Johnson" in doc["source"]


def test_inputs_are_reported_in_canonical_units():
    result = invoke("albi", "--bilirubin", "1 mg/dL", "--albumin", "4.0 g/dL", "--json")
    doc = json.loads(result.stdout)
    assert doc["inputs"]["bilirubin"] == pytest.approx(17.104) and doc["inputs"]["albumin"] == pytest.approx(40.0)


def test_child_pugh_with_choices_and_an_option_through_set():
    result = invoke("child-pugh", "--bilirubin", "4 mg/dL", "--albumin", "3.5 g/dL", "--inr", "1.7",
                    "--ascites", "slight", "--encephalopathy", "none", "--set", "cholestatic=true", "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    # PBC/PSC bands: bilirubin 4 mg/dL → 2; albumin 3.5 → 2; INR 1.7 → 2; slight → 2; none → 1 = 9 → B
    assert doc["value"] == 9 and doc["category"] == "B" and doc["inputs"]["cholestatic"] is True


def test_score_specific_inputs_through_set():
    result = invoke("sarcopenia-jsh", "--sex", "male", "--height", "170 cm", "--set", "grip_strength=25 kg",
                    "--set", "muscle-area=110 cm2", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["category"] == "sarcopenia"


def test_text_output_without_json():
    result = invoke("nlr", "--neutrophils", "4000 /uL", "--lymphocytes", "1000 /uL")
    assert result.exit_code == 0 and result.stdout.startswith("nlr: 4 (high)")


def test_list_json_has_every_score_with_status_inputs_and_source():
    result = invoke("--list", "--json")
    assert result.exit_code == 0, result.output
    listing = {row["score"]: row for row in json.loads(result.stdout)}
    for name in ("child-pugh", "albi", "malbi", "ez-albi", "albs", "nlr", "plr", "car", "gps", "mgps", "conut",
                 "pni", "gnri", "smi", "sarcopenia-jsh", "g8", "mg8"):
        row = listing[name]
        assert row["status"] in {"available", "unavailable", "requires-imaging"} and row["source"]
        assert isinstance(row["inputs"], list)
    assert listing["albs"]["status"] == "unavailable" and listing["albs"]["reason"]
    assert listing["albi"]["inputs"] == ["bilirubin", "albumin"]
    assert listing["gps"]["options"] == {"variant": ["mcmillan", "japanese"]}


def test_list_without_json_is_a_table():
    result = invoke("--list")
    assert result.exit_code == 0 and "albi" in result.stdout and "unavailable" in result.stdout


def test_bare_number_is_exit_2_naming_the_accepted_units():
    result = invoke("albi", "--bilirubin", "1.2", "--albumin", "40 g/L")
    assert_one_line_error(result, "'bilirubin'", "umol/L, mg/dL, mg/L")


def test_unknown_unit_is_exit_2_naming_the_accepted_units():
    result = invoke("albi", "--bilirubin", "1.2 mg/dL", "--albumin", "4 g/100mL")
    assert_one_line_error(result, "'albumin'", "unknown unit", "g/L, g/dL")


def test_out_of_range_is_exit_2_naming_the_range_and_unit():
    result = invoke("albi", "--bilirubin", "1.2 mg/dL", "--albumin", "9 g/dL")
    assert_one_line_error(result, "'albumin'", "physiological range", "[5, 70] g/L")


def test_an_input_the_score_does_not_use_is_exit_2_naming_it():
    result = invoke("albi", "--bilirubin", "1 mg/dL", "--albumin", "4 g/dL", "--crp", "0.3 mg/dL")
    assert_one_line_error(result, "'crp'", "bilirubin, albumin")
    result = invoke("albi", "--bilirubin", "1 mg/dL", "--albumin", "4 g/dL", "--set", "grip_strength=30 kg")
    assert_one_line_error(result, "'grip_strength'")


def test_missing_input_and_bad_choice_are_exit_2():
    assert_one_line_error(invoke("albi", "--bilirubin", "1 mg/dL"), "needs input 'albumin'")
    result = invoke("child-pugh", "--bilirubin", "1 mg/dL", "--albumin", "4 g/dL", "--inr", "1.0",
                    "--ascites", "mild", "--encephalopathy", "none")
    assert_one_line_error(result, "'ascites'", "none, slight, moderate")


def test_set_errors_are_exit_2():
    assert_one_line_error(invoke("albi", "--set", "bilirubin"), "NAME=VALUE")
    result = invoke("albi", "--bilirubin", "1 mg/dL", "--albumin", "4 g/dL", "--set", "albumin=3 g/dL")
    assert_one_line_error(result, "'albumin'", "given both")


def test_unknown_and_unavailable_scores_are_exit_2():
    assert_one_line_error(invoke("meld", "--bilirubin", "1 mg/dL"), "unknown score 'meld'")
    assert_one_line_error(invoke("albs", "--albumin", "3.5 g/dL"), "unavailable")
    assert_one_line_error(invoke(), "--list")
