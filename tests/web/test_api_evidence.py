"""Evidence and meta-analysis over HTTP equal ``lenvici evidence …`` and ``lenvici meta …`` (metafor's names)."""

from __future__ import annotations

import pytest

from tests.web.conftest import EXAMPLES, assert_input_error

META = EXAMPLES / "meta"


def test_studies_equal_cli(client, cli, store):
    response = client.get("/api/evidence/studies")
    assert response.status_code == 200
    assert response.json() == cli("evidence", "studies", "--db", str(store), "--json")
    assert all({"id", "ref", "source", "arms"} <= set(s) for s in response.json())


@pytest.mark.parametrize("params, options", [
    ({"regimen_contains": "tace"}, ["--regimen-contains", "tace"]),
    ({"source": "table2"}, ["--source", "table2"]),
    ({"regimen_class": "LEN+ICI"}, ["--regimen-class", "LEN+ICI"]),
])
def test_filters_equal_cli(client, cli, store, params, options):
    response = client.get("/api/evidence/studies", params=params)
    assert response.json() == cli("evidence", "studies", "--db", str(store), *options, "--json")
    assert 0 < len(response.json()) < len(client.get("/api/evidence/studies").json())


def test_summary_equals_cli(client, cli, store):
    assert client.get("/api/evidence/summary").json() == cli("evidence", "summary", "--db", str(store), "--json")


def test_pooled_equals_cli(client, cli, store):
    response = client.get("/api/evidence/pooled", params={"endpoint": "orr"})
    assert response.status_code == 200, response.text
    expected = cli("meta", "evidence", "--endpoint", "orr", "--db", str(store), "--json")
    expected.pop("forest")  # the CLI's path of a written plot; the API serves the plot itself
    assert response.json() == expected


def test_pooled_comparison_and_forest(client, cli, store):
    params = {"endpoint": "orr", "compare": ["LEN+ICI", "LEN"], "knha": "true"}
    response = client.get("/api/evidence/pooled", params=params)
    assert response.status_code == 200, response.text
    expected = cli("meta", "evidence", "--endpoint", "orr", "--compare", "LEN+ICI", "LEN", "--knha",
                   "--db", str(store), "--json")
    expected.pop("forest")
    assert response.json() == expected
    forest = client.get("/api/evidence/pooled/forest.svg", params={"endpoint": "os_median"})
    assert forest.status_code == 200 and forest.headers["content-type"] == "image/svg+xml"
    assert forest.text.lstrip().startswith("<?xml") and "<svg" in forest.text


def test_pooled_invalid_input_is_422(client):
    assert_input_error(client.get("/api/evidence/pooled", params={"method": "XX"}), "method", where="query")
    assert_input_error(client.get("/api/evidence/pooled", params={"compare": "LEN"}), "compare")
    assert client.get("/api/evidence/pooled", params={"endpoint": "qol"}).status_code == 422


@pytest.mark.parametrize("name, measure, options", [
    ("bcg.csv", "RR", []), ("pritz1997.csv", "PFT", ["--method", "DL"]),
    ("anti_pd1_os_loghr.csv", "GEN", ["--knha", "--level", "90"]),
])
def test_meta_pool_csv_equals_cli(client, cli, name, measure, options):
    path = META / name
    form = {"measure": measure}
    if "--method" in options:
        form["method"] = "DL"
    if "--knha" in options:
        form.update(knha="true", level="90")
    response = client.post("/api/meta/pool/csv", files={"file": (name, path.read_bytes())}, data=form)
    assert response.status_code == 200, response.text
    assert response.json() == cli("meta", "pool", "--data", str(path), "--measure", measure, *options, "--json")


def test_meta_pool_json_rows_equal_the_csv(client, cli):
    import csv

    path = META / "bcg.csv"
    with path.open(encoding="utf-8") as f:
        rows = [{k: (v if k == "study" else float(v)) for k, v in r.items()} for r in csv.DictReader(f)]
    response = client.post("/api/meta/pool", json={"measure": "OR", "method": "REML", "rows": rows})
    assert response.status_code == 200, response.text
    doc = response.json()
    assert doc == cli("meta", "pool", "--data", str(path), "--measure", "OR", "--json")
    assert {"k", "estimate", "se", "zval", "pval", "ci_lb", "ci_ub", "pi_lb", "pi_ub", "tau2", "I2", "H2", "QE",
            "QEp", "transformed"} <= set(doc)


def test_meta_pool_invalid_rows_name_the_column(client):
    assert_input_error(client.post("/api/meta/pool", json={"measure": "PLO", "rows": [{"xi": 3}]}), "ni", "missing")
    assert_input_error(client.post("/api/meta/pool", json={"measure": "PLO", "rows": [{"xi": 30, "ni": 20}]}), "xi")
    assert_input_error(client.post("/api/meta/pool", json={"measure": "XYZ", "rows": [{"xi": 3, "ni": 20}]}),
                       "measure")
    bad = b"study,xi,ni\nA,3,20\nB,x,25\n"
    item = assert_input_error(client.post("/api/meta/pool/csv", files={"file": ("t.csv", bad)},
                                          data={"measure": "PR"}), "xi", "line 3")
    assert "upload.csv" in item["msg"] and "/" not in item["msg"].split("upload.csv")[0][-2:]


def test_extreme_outcomes_are_not_a_server_error(client):
    rows = [{"yi": 1e308, "vi": 1e-308}, {"yi": -1e308, "vi": 1e-308}]
    response = client.post("/api/meta/pool", json={"measure": "GEN", "rows": rows})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "vi"
