"""The app as a whole: its OpenAPI schema, the error shape, the 500 guard, and how ``lenvici serve`` binds."""

from __future__ import annotations

import inspect
import logging

import pytest
from fastapi.testclient import TestClient

from lenvici.web import create_app

API = {
    ("get", "/api/trials"), ("post", "/api/trials/{name}/runs"), ("get", "/api/trials/runs/{id}"),
    ("get", "/api/scores"), ("post", "/api/scores/{score}"), ("post", "/api/patient/scores"), ("post", "/api/bclc"),
    ("get", "/api/dose"), ("get", "/api/dose/events"), ("post", "/api/dose/{drug}"), ("get", "/api/dose/{drug}"),
    ("post", "/api/dose/{drug}/modify"), ("post", "/api/response/assess"), ("get", "/api/evidence/studies"),
    ("get", "/api/evidence/summary"), ("get", "/api/evidence/pooled"), ("get", "/api/evidence/pooled/forest.svg"),
    ("post", "/api/meta/pool"), ("post", "/api/meta/pool/csv"), ("get", "/api/cea/models"), ("post", "/api/cea/run"),
    ("get", "/api/cea/plot/{model}.svg"), ("get", "/api/knowledge/neighbours/{node}"),
    ("get", "/api/knowledge/neighbourhood/{node}.svg"), ("get", "/api/knowledge/references/{number}"),
}


def test_openapi_lists_every_endpoint_and_no_page(client):
    schema = client.get("/openapi.json").json()
    found = {(method, path) for path, ops in schema["paths"].items() for method in ops}
    assert found == API
    assert all(path.startswith("/api/") for path in schema["paths"])


def test_docs_are_served(client):
    assert client.get("/docs").status_code == 200


def test_a_bug_is_a_bare_500_and_its_message_is_not_logged(settings, caplog):
    app = create_app(settings)

    @app.get("/api/boom")
    def boom(value: str) -> None:
        raise RuntimeError(f"secret value {value}")

    caplog.set_level(logging.INFO)
    response = TestClient(app).get("/api/boom", params={"value": "P-12345"})
    assert response.status_code == 500 and response.json() == {"detail": "internal server error"}
    logged = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("httpx"))
    assert "RuntimeError" in logged and "/api/boom" in logged and "P-12345" not in logged


def test_serve_binds_loopback_by_default():
    from lenvici.cli.serve import serve

    params = inspect.signature(serve).parameters
    assert params["host"].default == "127.0.0.1" and params["port"].default == 8000


def test_serve_passes_settings_to_uvicorn(monkeypatch, tmp_path):
    import typer
    import uvicorn
    from typer.testing import CliRunner

    from lenvici.cli.serve import serve

    seen = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(app=app, **kw))
    cli = typer.Typer()
    cli.command()(serve)
    result = CliRunner().invoke(cli, ["--port", "8123", "--max-psa", "50", "--db", str(tmp_path / "s.duckdb")])
    assert result.exit_code == 0, result.output
    assert seen["host"] == "127.0.0.1" and seen["port"] == 8123 and seen["access_log"] is False
    assert seen["app"].state.lenvici.settings.max_psa_samples == 50


@pytest.mark.parametrize("path", ["/api/cea/run", "/api/meta/pool", "/api/bclc", "/api/patient/scores"])
def test_malformed_json_is_422_not_500(client, path):
    response = client.post(path, content=b"{not json", headers={"content-type": "application/json"})
    assert response.status_code == 422
