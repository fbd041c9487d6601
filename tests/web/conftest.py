"""Fixtures of the web tests: one app over one evidence store built once, a test client, and the CLI.

The app gets its store path and limits from :class:`~lenvici.web.WebSettings`, never from a request; the
command line is run through Typer's ``CliRunner`` so the API's JSON can be compared with the CLI's.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the web tests need the 'web' extra (fastapi, jinja2, python-multipart)")

from fastapi.testclient import TestClient  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from lenvici.evidence import build_store  # noqa: E402
from lenvici.web import WebSettings, create_app  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
#: The PSA cap of the test app: small, so that the fuzzer's largest request stays fast.
TEST_MAX_PSA = 300
#: The virtual-trial cap of the test app (patients per arm): small, so that fuzzed runs stay fast.
TEST_MAX_TRIAL_N = 20


@pytest.fixture(scope="session")
def store(tmp_path_factory) -> Path:
    """The evidence store every web test reads, built once."""
    return build_store(tmp_path_factory.mktemp("web-store") / "evidence.duckdb").path


@pytest.fixture(scope="session")
def settings(store) -> WebSettings:
    return WebSettings(db_path=store, models_dir=EXAMPLES / "economics", max_upload_bytes=64 * 1024,
                       max_psa_samples=TEST_MAX_PSA, max_trial_n=TEST_MAX_TRIAL_N)


@pytest.fixture(scope="session")
def app(settings):
    return create_app(settings)


@pytest.fixture(scope="session")
def client(app) -> TestClient:
    return TestClient(app)


@pytest.fixture(scope="session")
def cli():
    """``cli(*args)``: run the ``lenvici`` command line (plus ``meta``) and return its JSON document."""
    import typer

    from lenvici.cli import app as lenvici_app
    from lenvici.cli.meta import app as meta_app

    root = typer.Typer()
    root.add_typer(lenvici_app, name="lenvici")
    root.add_typer(meta_app, name="meta")
    runner = CliRunner()

    def run(*args: str):
        group = "meta" if args[0] == "meta" else "lenvici"
        argv = [group, *(args[1:] if group == "meta" else args)]
        result = runner.invoke(root, argv)
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    return run


def assert_input_error(response, field: str, *fragments: str, where: str | None = None) -> dict:
    """A 422 whose first error names ``field`` (in ``loc`` and in the message) and each fragment."""
    assert response.status_code == 422, response.text
    item = response.json()["detail"][0]
    assert item["loc"][-1] == field, item
    if where is not None:
        assert item["loc"][0] == where, item
    for fragment in fragments:
        assert fragment in item["msg"], item["msg"]
    return item
