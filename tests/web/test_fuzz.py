"""Property-based fuzz of the REST API from its own OpenAPI schema (schemathesis): no input, valid or not,
makes the server answer 5xx, and every answer fits the schema it publishes.

Every operation of the schema gets ``FUZZ_EXAMPLES`` generated requests (default 12; deterministic, no
example database). The app under test has a small PSA cap and upload limit (see ``conftest.py``).
schemathesis' own pytest plugin is not used (its fixture loader does not run on pytest 9); the loop over the
operations below drives the same strategies.
"""

from __future__ import annotations

import os

import pytest

schemathesis = pytest.importorskip("schemathesis", reason="the API fuzz needs schemathesis (the 'test' extra)")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_schema_conformance,
)

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


@pytest.fixture(scope="module")
def operations(app):
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    return [result.ok() for result in schema.get_all_operations()]


def _fuzz(operation) -> None:
    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def run(case):
        response = case.call()
        assert response.status_code < 500, f"{case.method} {case.formatted_path} → {response.status_code}"
        case.validate_response(response, checks=CHECKS)

    run()


def test_every_operation_is_fuzzed(operations):
    from tests.web.test_app import API

    assert {(op.method.lower(), op.path) for op in operations} == API


def test_no_server_errors(operations):
    failures = []
    for operation in operations:
        try:
            _fuzz(operation)
        except Exception as exc:  # collect every operation's failure, then report them together
            failures.append(f"{operation.method.upper()} {operation.path}: {type(exc).__name__}: {exc}"[:2000])
    assert not failures, "\n\n".join(failures)
