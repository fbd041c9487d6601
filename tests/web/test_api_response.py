"""Tumour response from an uploaded lesion CSV equals ``lenvici response assess --json``; size limit, bad files."""

from __future__ import annotations

import pytest

from tests.web.conftest import EXAMPLES, assert_input_error

LESIONS = EXAMPLES / "lesions" / "example_lesions.csv"


@pytest.mark.parametrize("criteria", ["recist1.1", "mrecist"])
def test_assessment_equals_cli(client, cli, criteria):
    with LESIONS.open("rb") as f:
        response = client.post("/api/response/assess", files={"file": ("lesions.csv", f, "text/csv")},
                               data={"criteria": criteria})
    assert response.status_code == 200, response.text
    assert response.json() == cli("response", "assess", "--data", str(LESIONS), "--criteria", criteria, "--json")


def test_confirmation_option_passes_through(client, cli):
    with LESIONS.open("rb") as f:
        response = client.post("/api/response/assess", files={"file": ("x.csv", f)},
                               data={"confirm": "true", "sd_min_days": "42"})
    assert response.json() == cli("response", "assess", "--data", str(LESIONS), "--confirm", "--json")


def test_upload_over_the_limit_is_413(client, settings):
    body = b"patient,day,lesion,kind,organ,diameter_mm,viable_diameter_mm,status\n" + b"x" * settings.max_upload_bytes
    response = client.post("/api/response/assess", files={"file": ("big.csv", body)})
    assert response.status_code == 413
    assert response.json()["detail"][0]["loc"] == ["body", "file"]


def test_bad_files_are_422_naming_what_is_wrong(client):
    missing = b"patient,day,lesion\nP1,0,L1\n"
    assert_input_error(client.post("/api/response/assess", files={"file": ("a.csv", missing)}), "kind",
                       "missing column")
    binary = bytes(range(256)) * 4
    response = client.post("/api/response/assess", files={"file": ("b.csv", binary)})
    assert response.status_code == 422
    assert_input_error(client.post("/api/response/assess", files={"file": ("c.csv", LESIONS.read_bytes())},
                                   data={"criteria": "who"}), "criteria")


def test_file_is_required(client):
    response = client.post("/api/response/assess", data={"criteria": "mrecist"})
    assert response.status_code == 422 and response.json()["detail"][0]["loc"] == ["body", "file"]


def test_a_body_declared_too_large_is_refused_before_parsing(client, settings):
    body = b"x" * (settings.max_upload_bytes + 128 * 1024)
    response = client.post("/api/response/assess", content=body,
                           headers={"content-type": "multipart/form-data; boundary=zzz"})
    assert response.status_code == 413 and response.json()["detail"][0]["type"] == "too_large"
