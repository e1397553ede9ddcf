"""How the test suite fuzzes a published OpenAPI schema with schemathesis (our REST API in
tests/api/test_api_schema.py, the TMF621 API in tests/tmf621_api/test_schemathesis.py): the app
as a WSGI server runs it, in this process, inside the test's transaction; valid and invalid
requests for one operation; every answer checked against the schema; each request rolled back
before the next, so a failure reproduces on its own."""

import os
from collections.abc import Iterator

import hypothesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, given
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Bounded so that `make test` stays short, and derandomized so that a failure in CI is the same
# failure on a developer's machine. API_SCHEMA_EXAMPLES=1000 (and API_SCHEMA_RANDOM=1 for new
# examples each run) looks deeper.
EXAMPLES_PER_OPERATION = int(os.environ.get("API_SCHEMA_EXAMPLES", "50"))
DERANDOMIZE = os.environ.get("API_SCHEMA_RANDOM", "") != "1"


def in_process_wsgi_app() -> Iterator[WSGIHandler]:
    """The app as a WSGI server would run it (a fixture's body). Like Django's test client, it
    keeps the database connection across requests, so the requests see (and stay inside) the
    test's transaction."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield WSGIHandler()
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def hypothesis_settings(max_examples: int = EXAMPLES_PER_OPERATION) -> hypothesis.settings:
    return hypothesis.settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=DERANDOMIZE,
        database=None,
        suppress_health_check=list(HealthCheck),
    )


def cases(operation) -> st.SearchStrategy:
    """Requests the schema allows and requests it does not (wrong types, missing fields, …)."""
    return st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    )


def fuzz(operation, *, headers: dict[str, str], checks=CHECKS) -> str:
    """Send generated requests to one operation; return the failures' report ("" for none:
    the checks, the response and a curl command to reproduce each, shown once)."""

    @given(case=cases(operation))
    @hypothesis_settings()
    def call(case) -> None:
        # Every request starts from the same rows: what one changed (or a database error it
        # caused) is rolled back before the next.
        savepoint = transaction.savepoint()
        try:
            case.call_and_validate(headers=headers, checks=checks)
        finally:
            transaction.savepoint_rollback(savepoint)

    try:
        call()
    except FailureGroup as group:
        return str(group)
    return ""
