"""Dosing over HTTP equals ``lenvici dose … --json``; invalid input is 422 naming the field."""

from __future__ import annotations

import pytest

from tests.web.conftest import assert_input_error


def test_catalogue_matches_cli(client, cli):
    doc = client.get("/api/dose").json()
    assert doc["regimens"] == cli("dose", "list", "--json")["regimens"]
    assert "lenvatinib" in doc["drugs"] and "pembrolizumab" in doc["drugs"]


def test_events_match_cli(client, cli):
    assert client.get("/api/dose/events").json() == cli("dose", "events", "--json")


@pytest.mark.parametrize("weight, level, dose_mg, schedule", [
    ("72 kg", 0, 12.0, "once daily"), ("59.9 kg", 0, 8.0, "once daily"), ("55 kg", 2, 4.0, "every other day")])
def test_lenvatinib_equals_cli(client, cli, weight, level, dose_mg, schedule):
    response = client.post("/api/dose/lenvatinib", json={"weight": weight, "level": level})
    assert response.status_code == 200, response.text
    doc = response.json()
    assert (doc["dose_mg"], doc["schedule"]) == (dose_mg, schedule)
    assert doc == cli("dose", "lenvatinib", "--weight", weight, "--level", str(level), "--json")


def test_get_with_query_equals_post(client):
    post = client.post("/api/dose/atezolizumab", json={"weight": "70 kg", "regimen": None})
    get = client.get("/api/dose/atezolizumab", params={"weight": "70 kg"})
    assert get.status_code == 200 and get.json() == post.json()


def test_impairment_and_jurisdiction_pass_through(client, cli):
    body = {"weight": "70 kg", "child_pugh": "B", "jurisdiction": "eu"}
    doc = client.post("/api/dose/lenvatinib", json=body).json()
    assert doc == cli("dose", "lenvatinib", "--weight", "70 kg", "--child-pugh", "B", "--jurisdiction", "eu", "--json")


def test_modify_equals_cli(client, cli):
    body = {"event": "hypertension", "grade": "3", "current": "12 mg", "weight": "72 kg"}
    response = client.post("/api/dose/lenvatinib/modify", json=body)
    assert response.status_code == 200, response.text
    assert response.json() == cli("dose", "modify", "lenvatinib", "--event", "hypertension", "--grade", "3",
                                  "--current", "12 mg", "--weight", "72 kg", "--json")
    assert response.json()["action"] == "withhold-reduce"


def test_invalid_dosing_input_names_the_field(client):
    assert_input_error(client.post("/api/dose/lenvatinib", json={"weight": "72"}), "weight", "kg", where="body")
    assert_input_error(client.post("/api/dose/lenvatinib", json={"weight": "72 stone"}), "weight", "unknown unit")
    assert_input_error(client.post("/api/dose/lenvatinib", json={"weight": "900 kg"}), "weight", "range")
    assert_input_error(client.get("/api/dose/lenvatinib", params={"weight": "70 kg", "level": "9"}), "level",
                       where="query")
    assert_input_error(client.post("/api/dose/aspirin", json={}), "drug", "lenvatinib", where="path")
    assert_input_error(client.post("/api/dose/lenvatinib/modify", json={"event": "sneezing", "current": "12 mg"}),
                       "event")
