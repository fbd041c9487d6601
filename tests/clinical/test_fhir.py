"""FHIR R4 Bundles as cohorts (``lenvici.clinical.fhir``): the example bundle, latest values, units, refusals.

The expected scores are the per-patient public functions on the values written in ``examples/fhir/bundle.json``.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from lenvici.clinical.cohort import read_cohort, score_cohort
from lenvici.clinical.fhir import LOINC_FIELDS, read_bundle
from lenvici.clinical.scores.inflammation import car, nlr
from lenvici.clinical.scores.liver import albi
from lenvici.clinical.scores.nutrition import conut, gnri
from lenvici.errors import InputError

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "fhir" / "bundle.json"


@pytest.fixture(scope="module")
def example():
    return read_bundle(EXAMPLE)


def _bundle(*resources) -> dict:
    return {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": r} for r in resources]}


def _observation(code: str, value, unit: str, when: str | None = "2024-01-01", patient="p1", **extra) -> dict:
    obs = {"resourceType": "Observation", "status": "final", "subject": {"reference": f"Patient/{patient}"},
           "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
           "valueQuantity": {"value": value, "system": "http://unitsofmeasure.org", "code": unit}, **extra}
    if when:
        obs["effectiveDateTime"] = when
    return obs


PATIENT = {"resourceType": "Patient", "id": "p1", "gender": "male", "birthDate": "1950-06-15"}


def test_the_loinc_table_is_the_issue_list():
    assert dict(LOINC_FIELDS) == {
        "1751-7": "albumin", "1975-2": "bilirubin", "6301-6": "inr", "1988-5": "crp", "777-3": "platelets",
        "731-0": "lymphocytes", "751-8": "neutrophils", "2093-3": "cholesterol", "1834-1": "afp", "2324-2": "ggt",
        "29463-7": "weight", "8302-2": "height"}


def test_the_example_bundle_gives_one_row_per_patient_with_the_latest_values(example):
    frame = example.frame
    assert frame["patient"].to_list() == ["hcc-001", "hcc-002", "hcc-003", "hcc-004"]
    first = frame.row(0, named=True)
    assert first["sex"] == "male" and first["age"] == "71 a"  # born 1952-04-10, latest value 2024-01-10
    assert first["albumin"] == "3.9 g/dL"  # 2024-01-10 beats 3.2 g/dL of 2023-10-01
    assert first["inr"] == "1.05 1"  # UCUM annotation {INR} is the unity
    assert first["albumin_date"].startswith("2024-01-09T23:30")  # 08:30 at +09:00, in UTC
    second = frame.row(1, named=True)
    # The CBC panel's components, subject given by the Patient's fullUrl.
    assert (second["lymphocytes"], second["neutrophils"], second["platelets"]) == ("0.9 10*3/uL", "4.2 10*3/uL",
                                                                                    "98 10*3/uL")
    assert second["weight"] == "121 [lb_av]" and second["cholesterol"] == "4.1 mmol/L"
    third = frame.row(2, named=True)
    assert third["albumin"] == "2.9 g/dL"  # the later 4.4 g/dL is entered-in-error
    assert third["crp"] == "<0.1 mg/dL"
    assert frame.row(3, named=True)["cholesterol"] is None
    assert example.notes == ("Observation/obs-023: status 'entered-in-error', not used",
                             "Observation/obs-chol-004: LOINC 2093-3 (cholesterol) has no valueQuantity, not used")
    assert example.to_dict()["observations_used"] == example.observations_used == 39


def test_the_example_bundle_scores_equal_the_per_patient_functions(example):
    result = score_cohort(example.frame)
    out = result.frame
    assert [s.score for s in result.scores] == ["albi", "malbi", "ez-albi", "nlr", "plr", "car", "gps", "mgps", "conut",
                                                "pni", "gnri"]
    row = out.row(0, named=True)
    expected = albi("0.8 mg/dL", "3.9 g/dL")
    assert (row["albi"], row["albi_grade"]) == (expected.value, expected.category)
    assert row["nlr"] == nlr("3.1 10*3/uL", "1.4 10*3/uL").value
    assert row["car"] == car("0.3 mg/dL", "3.9 g/dL").value
    assert row["conut"] == conut("3.9 g/dL", "1.4 10*3/uL", "172 mg/dL").value
    assert row["gnri"] == gnri("3.9 g/dL", "68.2 kg", "170 cm", "male").value
    second = out.row(1, named=True)
    assert second["gnri"] == gnri("34 g/L", "121 [lb_av]", "158 cm", "female").value
    assert second["conut"] == conut("34 g/L", "0.9 10*3/uL", "4.1 mmol/L").value


def test_a_comparator_and_an_unknown_unit_are_refused_by_name(example):
    out = score_cohort(example.frame).frame
    assert out["car"][2] is None
    assert out["car_error"][2] == "'crp' must be 'VALUE UNIT' (e.g. '1.0 mg/L'); got '<0.1 mg/dL'"
    assert out["gps_error"][3] == "'crp': unknown unit 'mg/mL'; accepted units: mg/L, mg/dL"
    assert out["input_errors"][3] == out["gps_error"][3]
    assert out["conut_error"][3] == "'cholesterol' is missing"


def test_read_cohort_and_the_file_path_read_bundles(example):
    assert read_cohort(EXAMPLE).equals(example.frame)
    assert score_cohort(EXAMPLE).frame.equals(score_cohort(example.frame).frame)


def test_latest_value_by_effective_time_with_partial_dates_and_undated_values():
    bundle = _bundle(
        PATIENT,
        _observation("1751-7", 30, "g/L", "2024-03"),            # March 2024 (its 1st day)
        _observation("1751-7", 31, "g/L", "2024-02-28T23:00:00-05:00"),  # = 2024-02-29T04:00Z: earlier
        _observation("1751-7", 29, "g/L", None),                # undated: only if nothing is dated
        _observation("1975-2", 12, "umol/L", None),
        _observation("1975-2", 14, "umol/L", None),              # two undated: the later entry
        _observation("8302-2", 170, "cm", "2024-05-01"),
        _observation("8302-2", 171, "cm", "2024-05-01"),          # a tie: the later entry
    )
    row = read_bundle(bundle).frame.row(0, named=True)
    assert (row["albumin"], row["bilirubin"], row["height"]) == ("30 g/L", "14 umol/L", "171 cm")
    assert row["bilirubin_date"] is None
    assert row["age"] == "73 a"  # born 1950-06-15; latest dated value 2024-05-01


def test_observations_that_cannot_be_used_are_noted_not_dropped_silently():
    no_subject = _observation("1751-7", 30, "g/L")
    del no_subject["subject"]
    bundle = _bundle(
        _observation("1751-7", 30, "g/L", patient="ghost"),
        no_subject,
        _observation("1751-7", 30, "g/L", status="cancelled"),
        {"resourceType": "Observation", "status": "final", "code": {"coding": [
            {"system": "http://loinc.org", "code": "1975-2"}]}, "subject": {"reference": "Patient/ghost"},
         "valueString": "high"},
        _observation("2345-7", 5.5, "mmol/L"),  # glucose: not an input, ignored
    )
    cohort = read_bundle(bundle)
    assert cohort.frame["patient"].to_list() == ["ghost"]
    assert cohort.frame["sex"][0] is None and cohort.frame["albumin"][0] == "30 g/L"
    notes = " | ".join(cohort.notes)
    assert "has no Patient resource" in notes and "no subject" in notes and "status 'cancelled'" in notes
    assert "LOINC 1975-2 (bilirubin) has no valueQuantity" in notes


@pytest.mark.parametrize("document, match", [
    ({"resourceType": "Patient", "id": "x"}, "a FHIR Bundle is needed"),
    ({"resourceType": "Bundle", "type": "collection", "timestamp": "yesterday"}, "not a valid FHIR R4 Bundle at timestamp"),
    (_bundle({"resourceType": "Patient", "birthDate": "soon"}), "at entry.0.resource.birthDate"),
    (_bundle({"resourceType": "Observation", "status": "final", "code": {}, "valueQuantity": {"value": "abc"}}),
     "not a valid FHIR R4 Bundle"),
])
def test_invalid_bundles_raise_input_error(document, match):
    with pytest.raises(InputError, match=match):
        read_bundle(document)


def test_unreadable_files_raise_input_error(tmp_path):
    bad = tmp_path / "bundle.json"
    bad.write_text("{not json")
    with pytest.raises(InputError, match="is not JSON"):
        read_bundle(bad)
    with pytest.raises(InputError, match="cannot read FHIR bundle"):
        read_bundle(tmp_path / "missing.json")


def test_an_empty_bundle_is_an_empty_cohort():
    cohort = read_bundle(_bundle())
    assert cohort.frame.height == 0
    assert score_cohort(cohort.frame).frame.height == 0


def test_the_example_file_is_a_collection_bundle_of_patients_and_observations():
    document = json.loads(EXAMPLE.read_text())
    kinds = {e["resource"]["resourceType"] for e in document["entry"]}
    assert document["type"] == "collection" and kinds == {"Patient", "Observation"}
    mutated = copy.deepcopy(document)
    mutated["entry"][0]["resource"]["gender"] = "other"
    out = score_cohort(read_bundle(mutated).frame, scores=["gnri"]).frame
    assert out["gnri_error"][0] == "'sex' must be one of male, female; got 'other'"
