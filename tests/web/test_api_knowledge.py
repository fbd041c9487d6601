"""The mechanisms graph over HTTP equals ``lenvici knowledge … --json``."""

from __future__ import annotations

from tests.web.conftest import assert_input_error


def test_neighbours_equal_cli(client, cli):
    response = client.get("/api/knowledge/neighbours/FGFR4")
    assert response.status_code == 200
    assert response.json() == cli("knowledge", "neighbours", "FGFR4", "--json")
    assert all(n["edge"]["refs"] for n in response.json()["neighbours"])


def test_direction_filter_equals_cli(client, cli):
    response = client.get("/api/knowledge/neighbours/lenvatinib", params={"direction": "in"})
    assert response.json() == cli("knowledge", "neighbours", "lenvatinib", "--direction", "in", "--json")


def test_unknown_node_is_422_on_the_path(client):
    assert_input_error(client.get("/api/knowledge/neighbours/NOT-A-GENE"), "node", "no node", where="path")
    assert_input_error(client.get("/api/knowledge/neighbourhood/NOT-A-GENE.svg"), "node", where="path")


def test_neighbourhood_drawing_is_svg(client):
    response = client.get("/api/knowledge/neighbourhood/FGFR4.svg", params={"radius": 2})
    assert response.status_code == 200 and response.headers["content-type"] == "image/svg+xml"
    assert "<svg" in response.text
    assert client.get("/api/knowledge/neighbourhood/FGFR4.svg", params={"radius": 9}).status_code == 422


def test_reference(client, cli):
    assert client.get("/api/knowledge/references/76").json() == cli("knowledge", "ref", "76", "--json")
    assert_input_error(client.get("/api/knowledge/references/999"), "number", where="path")
