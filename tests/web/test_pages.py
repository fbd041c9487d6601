"""The HTML pages render, hold their inputs in the URL, show each result's source, and store nothing."""

from __future__ import annotations

import logging

PATIENT_QUERY = {
    "bilirubin": "1.2", "bilirubin_unit": "mg/dL", "albumin": "3.5", "albumin_unit": "g/dL", "inr": "1.1",
    "ascites": "none", "encephalopathy": "none", "weight": "72", "weight_unit": "kg", "tumour_count": "1",
    "largest_tumour": "35", "largest_tumour_unit": "mm", "macrovascular_invasion": "false",
    "extrahepatic_spread": "false", "ecog": "0", "liver_function": "preserved",
}


def test_index_links_every_page(client):
    text = client.get("/").text
    for path in ("/patient", "/evidence", "/economics", "/mechanisms", "/docs"):
        assert f'href="{path}"' in text


def test_patient_form_has_unit_selectors(client):
    response = client.get("/patient")
    assert response.status_code == 200
    assert 'name="albumin_unit"' in response.text and '<option value="g/dL"' in response.text
    assert 'name="platelets_unit"' in response.text and "10*4/uL" in response.text


def test_patient_results_show_scores_stage_dose_and_sources(client):
    response = client.get("/patient", params=PATIENT_QUERY)
    assert response.status_code == 200
    text = response.text
    assert 'data-score="albi"' in text and 'data-score="child-pugh"' in text
    assert 'id="bclc-stage"' in text and "Stage <span class=\"category\">A</span>" in text
    assert "lenvatinib 12 mg once daily" in text
    assert "Johnson PJ" in text and "Reig M" in text and "LENVIMA" in text.upper()


def test_patient_page_stores_nothing(client):
    response = client.get("/patient", params=PATIENT_QUERY)
    assert response.headers["cache-control"] == "no-store"
    assert "set-cookie" not in response.headers


def test_patient_error_names_the_field(client):
    response = client.get("/patient", params={"albumin": "3.5", "albumin_unit": "mg/dL"})
    assert response.status_code == 422
    assert 'role="alert"' in response.text and "albumin" in response.text and "g/dL" in response.text
    assert 'class="field invalid"' in response.text


def test_patient_data_is_not_logged(client, caplog):
    caplog.set_level(logging.DEBUG)
    client.get("/patient", params={**PATIENT_QUERY, "albumin": "3.123456"})
    client.post("/api/scores/albi", json={"bilirubin": "17.654321 umol/L", "albumin": "41.98765 g/L"})
    # the server's records (the test client's own httpx log shows the URL it sent, as any client would)
    logged = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("httpx"))
    assert "/patient" in logged  # the access line is there…
    for secret in ("3.123456", "17.654321", "41.98765", "albumin="):  # …without the values
        assert secret not in logged


def test_evidence_page_has_table_with_provenance_and_forest(client):
    response = client.get("/evidence")
    assert response.status_code == 200
    text = response.text
    assert 'id="studies"' in text and "KEYNOTE-524" in text and "table1 row 1" in text
    assert 'id="forest"' in text and "data:image/png;base64," in text


def test_evidence_page_comparison(client):
    response = client.get("/evidence", params={"endpoint": "os_median", "compare_a": "LEN+ICI", "compare_b": "LEN"})
    assert response.status_code == 200 and "LEN+ICI vs LEN" in response.text


def test_economics_page_runs_base_case_and_psa(client):
    response = client.get("/economics", params={"model": "dmhee_hiv", "psa": "100", "seed": "3"})
    assert response.status_code == 200
    text = response.text
    assert 'id="base-case"' in text and 'id="psa"' in text
    assert "Cost-effectiveness acceptability curve" in text and "Cost-effectiveness plane" in text
    assert text.count("data:image/png;base64,") == 4


def test_economics_page_refuses_paths_and_huge_psa(client):
    assert client.get("/economics", params={"model": "../../etc/passwd"}).status_code == 422
    assert client.get("/economics", params={"model": "dmhee_hiv", "psa": "100000000"}).status_code == 422
    assert client.get("/economics", params={"model": "dmhee_hiv", "psa": "many"}).status_code == 422


def test_mechanisms_page_shows_neighbours_references_and_drawing(client):
    response = client.get("/mechanisms", params={"node": "FGFR4"})
    assert response.status_code == 200
    text = response.text
    assert 'id="neighbours"' in text and "<svg" in text and 'id="ref-' in text
    assert client.get("/mechanisms", params={"node": "NOT-A-GENE"}).status_code == 422


def test_static_assets(client):
    assert client.get("/static/app.js").status_code == 200
    assert client.get("/static/style.css").status_code == 200
    assert client.get("/static/../app.py").status_code == 404
