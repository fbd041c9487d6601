"""Cost-effectiveness over HTTP equals ``lenvici cea run MODEL --json``; models by name only; PSA capped."""

from __future__ import annotations

import pytest

from tests.web.conftest import EXAMPLES, TEST_MAX_PSA, assert_input_error

MODELS = EXAMPLES / "economics"


def test_models_are_the_shipped_examples(client):
    names = [m["name"] for m in client.get("/api/cea/models").json()]
    assert names == sorted(p.stem for p in MODELS.glob("*.yaml"))


@pytest.mark.parametrize("name", ["dmhee_hiv", "dmhee_thr"])
def test_base_case_equals_cli(client, cli, name):
    response = client.post("/api/cea/run", json={"model": name})
    assert response.status_code == 200, response.text
    assert response.json() == cli("cea", "run", str(MODELS / f"{name}.yaml"), "--json")


def test_psa_equals_cli(client, cli):
    response = client.post("/api/cea/run", json={"model": "dmhee_thr", "psa": 200, "seed": 7})
    assert response.status_code == 200, response.text
    doc = response.json()
    assert doc == cli("cea", "run", str(MODELS / "dmhee_thr.yaml"), "--psa", "200", "--seed", "7", "--json")
    assert {"psa", "ceac", "ceaf", "evpi"} <= set(doc)


def test_hiv_icer_is_the_textbook_value(client):
    icers = {r["strategy"]: r for r in client.post("/api/cea/run", json={"model": "dmhee_hiv"}).json()["icers"]}
    assert icers["combination"]["icer"] == pytest.approx(6275.9556, abs=1e-3)


@pytest.mark.parametrize("model", ["../dmhee_hiv", "/etc/passwd", "dmhee_hiv.yaml", "nope", ""])
def test_only_catalogue_names_run(client, model):
    assert_input_error(client.post("/api/cea/run", json={"model": model}), "model", "must be one of")


def test_psa_size_is_capped(client):
    assert_input_error(client.post("/api/cea/run", json={"model": "dmhee_hiv", "psa": TEST_MAX_PSA + 1}), "psa",
                       str(TEST_MAX_PSA))
    assert_input_error(client.post("/api/cea/run", json={"model": "dmhee_hiv", "psa": 0}), "psa")


@pytest.mark.parametrize("kind", ["frontier", "ce", "ceac", "evpi"])
def test_plots_are_svg(client, kind):
    response = client.get("/api/cea/plot/dmhee_hiv.svg", params={"kind": kind, "psa": 50, "seed": 1})
    assert response.status_code == 200 and response.headers["content-type"] == "image/svg+xml"
    assert "<svg" in response.text


def test_psa_plot_needs_psa(client):
    assert_input_error(client.get("/api/cea/plot/dmhee_hiv.svg", params={"kind": "ceac"}), "psa")
