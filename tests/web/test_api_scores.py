"""Scores, "all applicable scores for this patient" and BCLC over HTTP: the CLI's JSON (DESIGN §4), and 422
naming the field and the accepted units for a bare number, an unknown unit or an out-of-range value."""

from __future__ import annotations

import pytest

from lenvici.clinical.scores import list_scores
from lenvici.clinical.staging import bclc_stage
from lenvici.web.schemas import PatientInputs
from tests.web.conftest import assert_input_error

#: One patient with every input some score needs (units deliberately mixed).
PATIENT = {
    "bilirubin": "1.2 mg/dL", "albumin": "3.5 g/dL", "inr": "1.1", "ascites": "none", "encephalopathy": "none",
    "crp": "0.3 mg/dL", "cholesterol": "160 mg/dL", "neutrophils": "3500 /uL", "lymphocytes": "1.2 10*9/L",
    "platelets": "15 10*4/uL", "afp": "20 ng/mL", "pivka": "40 mAU/mL", "ggt": "60 U/L", "weight": "62 kg",
    "height": "165 cm", "sex": "male", "age": "72 a", "ecog": "0", "tumour_count": "2", "largest_tumour": "25 mm",
    "macrovascular_invasion": False, "extrahepatic_spread": False, "liver_function": "preserved",
    "prior_tace": False, "bclc_stage": "B", "grip_strength": "24 kg", "muscle_area": "120 cm2",
    "bia_smi": "6.8 kg/m2", "food_intake": "normal", "weight_loss": "none", "mobility": "goes-out",
    "neuropsychological": "none", "polypharmacy": False, "self_rated_health": "as-good",
}
#: Inputs the CLI has an option for (DESIGN §4); the others go through --set.
_SHARED = {"bilirubin", "albumin", "inr", "ascites", "encephalopathy", "crp", "cholesterol", "neutrophils",
           "lymphocytes", "platelets", "afp", "pivka", "ggt", "weight", "height", "sex", "age", "ecog",
           "tumour_count", "largest_tumour", "macrovascular_invasion", "extrahepatic_spread", "liver_function"}
AVAILABLE = [s for s in list_scores() if s.status == "available"]


def _cli_args(values: dict) -> list[str]:
    args: list[str] = []
    for name, value in values.items():
        option = "--" + name.replace("_", "-")
        if isinstance(value, bool):
            args.append(option if value else f"--no-{name.replace('_', '-')}") if name in _SHARED \
                else args.extend(["--set", f"{name}={str(value).lower()}"])
        elif name in _SHARED:
            args.extend([option, str(value)])
        else:
            args.extend(["--set", f"{name}={value}"])
    return args


def test_patient_inputs_cover_every_available_score():
    """Contract: the patient model names every input an available score requires or accepts as optional."""
    needed = {name for spec in AVAILABLE for name in (*spec.inputs, *spec.optional)}
    assert needed <= set(PatientInputs.model_fields)
    assert needed <= set(PATIENT)


def test_list_matches_cli(client, cli):
    response = client.get("/api/scores")
    assert response.status_code == 200
    assert response.json() == cli("score", "--list", "--json")
    statuses = {row["score"]: row["status"] for row in response.json()}
    assert statuses["albi"] == "available" and "requires-imaging" in statuses.values()


def _inputs(spec) -> dict:
    """The patient's values for every input ``spec`` takes (one muscle-mass measure: CT, not BIA)."""
    names = [n for n in (*spec.inputs, *spec.optional) if not (n == "bia_smi" and "muscle_area" in spec.optional)]
    return {name: PATIENT[name] for name in names}


@pytest.mark.parametrize("spec", AVAILABLE, ids=lambda s: s.name)
def test_every_available_score_equals_the_cli(client, cli, spec):
    values = _inputs(spec)
    response = client.post(f"/api/scores/{spec.name}", json=values)
    assert response.status_code == 200, response.text
    assert response.json() == cli("score", spec.name, *_cli_args(values), "--json")


def test_names_with_dashes_are_accepted(client):
    values = {"tumour-count": 1, "largest-tumour": "8 cm", "macrovascular-invasion": False,
              "extrahepatic-spread": False, "ecog": 0, "liver-function": "preserved"}
    response = client.post("/api/scores/bclc", json=values)
    assert response.status_code == 200 and response.json()["category"] == "A"


@pytest.mark.parametrize("value, fragments", [
    ("40", ("needs a unit", "g/L", "g/dL")),           # a bare number
    (40, ("needs a unit", "g/L", "g/dL")),             # a JSON number is a bare number too
    ("40 mmol/L", ("unknown unit", "g/L, g/dL")),      # an unknown unit
    ("40 g/dL", ("physiological range", "g/L")),       # 400 g/L: out of range
])
def test_invalid_albumin_is_422_naming_the_field(client, value, fragments):
    response = client.post("/api/scores/albi", json={"bilirubin": "10 umol/L", "albumin": value})
    assert_input_error(response, "albumin", "albumin", *fragments, where="body")


def test_missing_and_unknown_inputs_are_named(client):
    assert_input_error(client.post("/api/scores/albi", json={"bilirubin": "10 umol/L"}), "albumin", "needs input")
    assert_input_error(client.post("/api/scores/albi", json={"bilirubin": "10 umol/L", "albumin": "40 g/L",
                                                              "weight": "70 kg"}), "weight", "does not use")


def test_unknown_or_unavailable_score_names_the_path_parameter(client):
    assert_input_error(client.post("/api/scores/nope", json={}), "score", "unknown score", where="path")
    assert_input_error(client.post("/api/scores/agh", json={}), "score", "unavailable", where="path")


def test_body_must_be_an_object_of_scalars(client):
    response = client.post("/api/scores/albi", json=["10 umol/L"])
    assert response.status_code == 422
    response = client.post("/api/scores/albi", json={"albumin": {"value": 40}})
    assert response.status_code == 422 and response.json()["detail"][0]["loc"][:2] == ["body", "albumin"]


def test_patient_scores_are_every_applicable_score(client, cli):
    patient = {k: v for k, v in PATIENT.items() if k != "bia_smi"}
    response = client.post("/api/patient/scores", json=patient)
    assert response.status_code == 200, response.text
    doc = response.json()
    assert {s["score"] for s in doc["scores"]} == {s.name for s in AVAILABLE}
    albi = next(s for s in doc["scores"] if s["score"] == "albi")
    assert albi == cli("score", "albi", "--bilirubin", "1.2 mg/dL", "--albumin", "3.5 g/dL", "--json")
    skipped = {s["score"]: s for s in doc["skipped"]}
    assert skipped["agh"]["status"] == "unavailable" and skipped["agh"]["reason"]
    assert all(s["status"] != "available" for s in doc["skipped"])


def test_patient_scores_skip_what_lacks_inputs(client):
    doc = client.post("/api/patient/scores", json={"bilirubin": "20 umol/L", "albumin": "38 g/L"}).json()
    assert {s["score"] for s in doc["scores"]} == {"albi", "ez-albi", "malbi"}
    child_pugh = next(s for s in doc["skipped"] if s["score"] == "child-pugh")
    assert child_pugh["missing"] == ["inr", "ascites", "encephalopathy"]
    assert "needs inr" in child_pugh["reason"]


def test_patient_scores_refuse_a_bad_value_even_when_no_score_uses_it(client):
    assert_input_error(client.post("/api/patient/scores", json={"afp": "20"}), "afp", "needs a unit", "ng/mL")
    assert_input_error(client.post("/api/patient/scores", json={"bilirubin": "1 mg/dL", "albumin": "35 mg/dL"}),
                       "albumin", "unknown unit")


def test_a_refused_combination_skips_only_that_score(client):
    """Both muscle-mass measures: sarcopenia-jsh takes one, so it alone is skipped, with its message."""
    doc = client.post("/api/patient/scores", json=PATIENT).json()
    skipped = {s["score"]: s for s in doc["skipped"]}
    assert skipped["sarcopenia-jsh"]["status"] == "not-computed"
    assert "exactly one muscle-mass measure" in skipped["sarcopenia-jsh"]["reason"]
    assert "albi" in {s["score"] for s in doc["scores"]}


@pytest.mark.parametrize("field, value", [("ascites", "lots"), ("ecog", "5"), ("prior_tace", "maybe"),
                                          ("sex", "other"), ("tumour_count", "0")])
def test_patient_scores_refuse_a_bad_choice_flag_or_integer(client, field, value):
    assert_input_error(client.post("/api/patient/scores", json={"albumin": "35 g/L", field: value}), field)


def test_patient_scores_refuse_unknown_inputs(client):
    response = client.post("/api/patient/scores", json={"albumin": "35 g/L", "potassium": "4 mmol/L"})
    assert response.status_code == 422 and response.json()["detail"][0]["loc"] == ["body", "potassium"]


BCLC = {"tumour_count": 3, "largest_tumour": "2.5 cm", "macrovascular_invasion": False,
        "extrahepatic_spread": False, "ecog": 0, "liver_function": "preserved"}


def test_bclc_equals_the_library(client):
    response = client.post("/api/bclc", json=BCLC)
    assert response.status_code == 200
    assert response.json() == bclc_stage(3, "2.5 cm", False, False, 0, "preserved").to_dict()
    assert response.json()["stage"] == "A"


def test_bclc_score_equals_the_cli(client, cli):
    response = client.post("/api/scores/bclc", json=BCLC)
    assert response.json() == cli("score", "bclc", *_cli_args(BCLC), "--json")


@pytest.mark.parametrize("field, value, fragment", [
    ("largest_tumour", "25", "needs a unit"),
    ("largest_tumour", "25 in", "unknown unit"),
    ("largest_tumour", "60 cm", "physiological range"),
    ("ecog", 7, "[0, 4]"),
    ("liver_function", "fine", "preserved"),
])
def test_bclc_invalid_input_names_the_field(client, field, value, fragment):
    assert_input_error(client.post("/api/bclc", json={**BCLC, field: value}), field, fragment, where="body")


def test_bclc_missing_input_is_422(client):
    body = dict(BCLC)
    del body["ecog"]
    response = client.post("/api/bclc", json=body)
    assert response.status_code == 422 and response.json()["detail"][0]["loc"] == ["body", "ecog"]
