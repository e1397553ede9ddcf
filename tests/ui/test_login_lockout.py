"""Issue 17, hardening at the door: password guessing at the login page and the API token
endpoints is stopped by django-axes, per username and per address, and a locked-out person is
told when to try again and how an administrator unlocks them."""

import re

import pytest
from django.core.management import call_command
from django.test import Client
from rest_framework.test import APIClient

from faults.roles import AGENT, ensure_role_groups
from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.AXES_FAILURE_LIMIT = 3


def log_in(client: Client, username: str, password: str, address: str = "10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def fail(client: Client, username: str, times: int, address: str = "10.0.0.1") -> None:
    for _ in range(times):
        answer = log_in(client, username, "wrong-password", address)
        assert answer.status_code == 200  # the form again, "didn't match"


def test_the_third_wrong_password_locks_the_username_with_a_page_saying_how_to_get_back_in(
    agent_user,
):
    client = Client()
    fail(client, agent_user.username, 2)

    answer = log_in(client, agent_user.username, "wrong-password")

    assert answer.status_code == 429
    page = answer.content.decode()
    assert "Too many failed logins" in page
    assert re.search(r"try again at <strong>\d\d:\d\d</strong>", page)
    assert "the lock lasts 15 minutes" in page
    assert f"manage.py axes_reset_username {agent_user.username}" in page
    assert int(answer["Retry-After"]) > 14 * 60
    # Now even the right password is refused, from another address too (the username is locked).
    again = log_in(Client(), agent_user.username, TEST_PASSWORD, address="10.9.9.9")
    assert again.status_code == 429
    assert "_auth_user_id" not in again.wsgi_request.session


def test_an_admin_unlocks_a_username_with_axes_reset_username(agent_user):
    client = Client()
    fail(client, agent_user.username, 2)
    assert log_in(client, agent_user.username, "wrong-password").status_code == 429
    assert log_in(client, agent_user.username, TEST_PASSWORD).status_code == 429

    call_command("axes_reset_username", agent_user.username)

    answer = log_in(client, agent_user.username, TEST_PASSWORD)
    assert answer.status_code == 302
    assert client.get("/queue/").status_code == 200


def test_a_success_resets_the_count(agent_user):
    client = Client()
    fail(client, agent_user.username, 2)
    assert log_in(client, agent_user.username, TEST_PASSWORD).status_code == 302
    client.post("/accounts/logout/")

    fail(client, agent_user.username, 2)  # two more, not a fifth: still not locked

    assert log_in(client, agent_user.username, TEST_PASSWORD).status_code == 302


def test_guessing_across_usernames_locks_the_address(agent_user, manager_user):
    client = Client()
    fail(client, "alice", 1, address="10.0.0.66")
    fail(client, "bob", 1, address="10.0.0.66")
    assert log_in(client, "carol", "guess", "10.0.0.66").status_code == 429

    # The address is locked, for a real user with the right password too...
    assert log_in(client, manager_user.username, TEST_PASSWORD, "10.0.0.66").status_code == 429
    # ...but not that user from elsewhere.
    assert log_in(Client(), manager_user.username, TEST_PASSWORD, "10.0.0.7").status_code == 302


def test_behind_the_proxy_the_address_is_the_forwarded_one(settings, agent_user):
    """nginx replaces X-Forwarded-For with the caller's address: locking REMOTE_ADDR (the proxy)
    would lock everyone out at once."""
    settings.BEHIND_PROXY = True
    client = Client()
    for name in ("alice", "bob", "carol"):
        client.post(
            LOGIN,
            {"username": name, "password": "x"},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR="203.0.113.5",
        )

    other = Client().post(
        LOGIN,
        {"username": agent_user.username, "password": TEST_PASSWORD},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="203.0.113.6",
    )
    assert other.status_code == 302


# --- the API token endpoints ----------------------------------------------------------------
def test_the_api_token_endpoint_locks_out_with_a_429_in_the_apis_error_shape(agent_user):
    client = APIClient()
    for _ in range(2):
        answer = client.post(
            "/api/v1/auth/token/", {"username": agent_user.username, "password": "nope"}
        )
        assert answer.status_code == 400

    answer = client.post(
        "/api/v1/auth/token/", {"username": agent_user.username, "password": "nope"}
    )

    assert answer.status_code == 429
    assert answer.json()["error"]["code"] == "locked_out"
    assert "axes_reset_username" in answer.json()["error"]["message"]
    assert int(answer["Retry-After"]) > 0
    right = client.post(
        "/api/v1/auth/token/", {"username": agent_user.username, "password": TEST_PASSWORD}
    )
    assert right.status_code == 429


def test_the_exceptions_api_token_endpoint_locks_out_too(agent_user):
    client = APIClient()
    body = {"username": agent_user.username, "password": "nope"}
    for _ in range(2):
        assert client.post("/ticketExceptions/v1/token", body, format="json").status_code == 401

    answer = client.post("/ticketExceptions/v1/token", body, format="json")

    assert answer.status_code == 429
    assert "Too many failed logins" in answer.content.decode()
    assert int(answer["Retry-After"]) > 0
    right = {"username": agent_user.username, "password": TEST_PASSWORD}
    assert client.post("/ticketExceptions/v1/token", right, format="json").status_code == 429


def test_tmf621_basic_authentication_locks_out_too(agent_user):
    import base64

    def basic(password: str) -> str:
        pair = f"{agent_user.username}:{password}".encode()
        return "Basic " + base64.b64encode(pair).decode()

    client = APIClient()
    tickets = "/tmf-api/troubleTicket/v4/troubleTicket"
    for _ in range(2):
        assert client.get(tickets, HTTP_AUTHORIZATION=basic("nope")).status_code == 401
    assert client.get(tickets, HTTP_AUTHORIZATION=basic("nope")).status_code == 429

    answer = client.get(tickets, HTTP_AUTHORIZATION=basic(TEST_PASSWORD))

    assert answer.status_code == 429
    assert "axes_reset_username" in answer.content.decode()


def test_a_user_with_a_role_still_gets_a_token_on_the_first_try(django_user_model):
    user = django_user_model.objects.create_user(username="fresh", password=TEST_PASSWORD)
    user.groups.add(ensure_role_groups()[AGENT])
    answer = APIClient().post(
        "/api/v1/auth/token/", {"username": "fresh", "password": TEST_PASSWORD}
    )
    assert answer.status_code == 200
    assert answer.json()["token"]
