"""Who may call the TMF621 API: API tokens, HTTP Basic for service accounts and the session;
agents and admins write, managers read, anyone else is refused. Every route answers 401 and 403
in the TMF error shape."""

import base64
import json

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from faults.models import Fault
from integrations.tmf621.schema import validation_errors
from tests.conftest import TEST_PASSWORD
from tests.tmf621_api.conftest import TICKETS, patch_ticket, post_ticket, ticket_body

pytestmark = pytest.mark.django_db


def _basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def _routes(ticket_id: str) -> list[tuple[str, str]]:
    one = f"{TICKETS}/{ticket_id}"
    return [
        ("GET", TICKETS),
        ("GET", f"{TICKETS}/"),
        ("POST", TICKETS),
        ("GET", one),
        ("PATCH", one),
        ("DELETE", one),
        ("GET", f"{one}/attachment/1"),
        ("GET", "/tmf-api/troubleTicket/v4/nothing-here"),
    ]


def _call(client, method: str, path: str):
    body = json.dumps(ticket_body()) if method in ("POST", "PATCH") else ""
    return client.generic(method, path, body, content_type="application/json")


def _assert_error(response, status: int) -> dict:
    assert response.status_code == status, response.content
    error = response.json()
    assert validation_errors("error", error) == []
    assert error["status"] == str(status)
    return error


def test_every_route_answers_an_anonymous_caller_401_saying_how_to_authenticate(draft):
    for method, path in _routes(draft.buyer_fault_reference):
        response = _call(APIClient(), method, path)
        error = _assert_error(response, 401)
        assert "Token" in error["message"] and "Basic" in error["message"]
        assert response["WWW-Authenticate"].startswith("Token")


def test_every_route_refuses_a_user_in_no_role_403(draft):
    nobody = get_user_model().objects.create_user("no-role", password=TEST_PASSWORD)
    client = APIClient()
    client.force_authenticate(nobody)
    for method, path in _routes(draft.buyer_fault_reference)[:-1]:
        error = _assert_error(_call(client, method, path), 403)
        assert "role" in error["reason"]


def test_a_manager_reads_and_may_not_write(manager_tmf, draft):
    ref = draft.buyer_fault_reference
    assert manager_tmf.get(TICKETS).status_code == 200
    assert manager_tmf.get(f"{TICKETS}/{ref}").status_code == 200
    for response in (
        post_ticket(manager_tmf, ticket_body()),
        patch_ticket(manager_tmf, ref, {"description": "changed by a manager"}),
        manager_tmf.delete(f"{TICKETS}/{ref}"),
    ):
        error = _assert_error(response, 403)
        assert "managers read" in error["reason"]
    draft.refresh_from_db()
    assert draft.description != "changed by a manager"
    assert draft.status == "draft"


def test_an_admin_writes(admin_user, supplier_ready):
    client = APIClient()
    client.force_authenticate(admin_user)
    assert post_ticket(client, ticket_body()).status_code == 201


def test_an_api_token_authenticates(agent_user, supplier_ready):
    token = Token.objects.create(user=agent_user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    assert client.get(TICKETS).status_code == 200
    assert post_ticket(client, ticket_body()).status_code == 201

    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    _assert_error(client.get(TICKETS), 401)


def test_a_service_account_authenticates_with_http_basic(agent_user, supplier_ready):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=_basic(agent_user.username, TEST_PASSWORD))

    response = post_ticket(client, ticket_body())

    assert response.status_code == 201, response.content
    fault = Fault.objects.get(buyer_fault_reference=response.json()["id"])
    assert fault.created_by == agent_user

    client.credentials(HTTP_AUTHORIZATION=_basic(agent_user.username, "wrong"))
    _assert_error(client.get(TICKETS), 401)
    assert Fault.objects.count() == 1


def test_a_session_reads_and_writes_with_its_csrf_token(agent_user, supplier_ready):
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent_user)
    assert client.get(TICKETS).status_code == 200

    _assert_error(post_ticket(client, ticket_body()), 403)
    assert not Fault.objects.exists()

    client.get("/accounts/password/")  # a page with a form sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    response = client.post(
        TICKETS, json.dumps(ticket_body()), content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert response.status_code == 201, response.content
