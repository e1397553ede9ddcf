"""Every error of the ticket exceptions API in the seed's envelope, not Django's pages."""

import pytest
from rest_framework.test import APIClient

from tests.exceptions_api.test_auth import assert_envelope

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    [
        "/ticketExceptions/v1/nothing",
        "/ticketExceptions/public/v1/nothing",
        "/ticketExceptions/v2/rules",
        "/ticketExceptions/",
    ],
)
def test_an_unknown_path_is_not_found(api, path):
    assert_envelope(api.get(path), 404, "NotFound")


def test_an_unknown_path_asks_an_anonymous_caller_for_a_token(db):
    assert_envelope(APIClient().get("/ticketExceptions/v1/nothing"), 401, "Unauthorized")


def test_a_method_the_route_does_not_have(api):
    assert_envelope(api.delete("/ticketExceptions/v1/rules"), 405, "MethodNotAllowed")


def test_a_body_that_is_not_json(admin_api):
    rule_id = admin_api.get("/ticketExceptions/v1/rules").json()["ticketExceptionRules"][0]["id"]

    body = assert_envelope(
        admin_api.patch(
            f"/ticketExceptions/v1/rules/{rule_id}", "{not json", content_type="application/json"
        ),
        400,
        "ValidationFailed",
    )
    assert "body" in body["errors"]


def test_a_body_in_another_media_type(admin_api):
    rule_id = admin_api.get("/ticketExceptions/v1/rules").json()["ticketExceptionRules"][0]["id"]

    assert_envelope(
        admin_api.patch(
            f"/ticketExceptions/v1/rules/{rule_id}", "isActive=false", content_type="text/plain"
        ),
        415,
        "UnsupportedMediaType",
    )


def test_an_unexpected_error_is_an_internal_server_error_and_logged(api, monkeypatch, caplog):
    from faults.exceptions.api import rules

    def broken(*args, **kwargs):
        raise RuntimeError("the database fell over")

    monkeypatch.setattr(rules, "rules_page", broken)

    answer = api.get("/ticketExceptions/v1/rules")

    body = assert_envelope(answer, 500, "InternalServerError")
    assert "fell over" not in body["message"]  # no internals to the caller
    assert any("the database fell over" in str(r.exc_info) for r in caplog.records if r.exc_info)


def test_the_answer_is_json_whatever_the_client_accepts(api):
    answer = api.get("/ticketExceptions/v1/nothing", HTTP_ACCEPT="text/html")

    assert_envelope(answer, 404, "NotFound")


def test_the_rest_api_keeps_its_own_error_shape(agent_api):
    answer = agent_api.get("/api/v1/nothing/")

    assert answer.status_code == 404
    assert "error" in answer.json()
