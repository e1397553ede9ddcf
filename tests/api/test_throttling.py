"""Issue 17, hardening at the door: the API, the TMF621 API and the exceptions API throttle each
user and each anonymous address (settings REST_FRAMEWORK, rates from API_THROTTLE_USER and
API_THROTTLE_ANON); over the rate a caller is answered 429 in the API's own error shape with
Retry-After. Partner webhooks are not throttled (integrations/edge.py says why)."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from faults.exceptions.api.auth import access_token_for

pytestmark = pytest.mark.django_db

FAULTS = "/api/v1/faults/"
TICKETS = "/tmf-api/troubleTicket/v4/troubleTicket"
RULES = "/ticketExceptions/v1/rules"


@pytest.fixture(autouse=True)
def low_rates(monkeypatch):
    # The conftest lifts the rates for every other test; here a user may make 3 calls a minute
    # and an anonymous address 2.
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": "2/min", "user": "3/min"})


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def assert_throttled(answer) -> None:
    assert answer.status_code == 429, answer.content
    assert 0 < int(answer["Retry-After"]) <= 60


def test_a_user_over_the_rate_is_answered_429_with_retry_after(agent_user, manager_user):
    client = token_client(agent_user)
    for _ in range(3):
        assert client.get(FAULTS).status_code == 200

    answer = client.get(FAULTS)

    assert_throttled(answer)
    assert answer.json()["error"]["code"] == "throttled"
    # Another user is not held back by the first one's calls.
    assert token_client(manager_user).get(FAULTS).status_code == 200


def test_anonymous_callers_are_throttled_by_address(agent_user):
    """Only the token endpoints answer anonymous callers (every other call is a 401 first)."""
    client = APIClient()
    guess = {"username": "someone", "password": "x"}
    for _ in range(2):
        assert client.post("/api/v1/auth/token/", guess, REMOTE_ADDR="10.1.1.1").status_code == 400

    answer = client.post("/api/v1/auth/token/", guess, REMOTE_ADDR="10.1.1.1")

    assert_throttled(answer)
    assert answer.json()["error"]["code"] == "throttled"
    # A forged X-Forwarded-For does not make a new address (the app is not behind a proxy).
    forged = client.post(
        "/api/v1/auth/token/", guess, REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR="198.51.100.1"
    )
    assert_throttled(forged)
    assert client.post("/api/v1/auth/token/", guess, REMOTE_ADDR="10.1.1.2").status_code == 400


def test_the_exceptions_token_endpoint_is_throttled_per_address():
    client = APIClient()
    guess = {"username": "someone", "password": "x"}
    for _ in range(2):
        client.post("/ticketExceptions/v1/token", guess, format="json", REMOTE_ADDR="10.1.1.3")
    assert_throttled(
        client.post("/ticketExceptions/v1/token", guess, format="json", REMOTE_ADDR="10.1.1.3")
    )


def test_the_tmf621_api_is_throttled_in_its_own_error_shape(agent_user):
    client = token_client(agent_user)
    for _ in range(3):
        assert client.get(TICKETS).status_code == 200

    answer = client.get(TICKETS)

    assert_throttled(answer)
    assert answer.json()["code"] == "429"
    assert "throttled" in answer.json()["reason"].lower()


def test_the_exceptions_api_is_throttled_in_its_envelope(agent_user):
    client = APIClient()
    token = access_token_for(agent_user, persona="DirectSupplyPartner")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    for _ in range(3):
        assert client.get(RULES).status_code == 200

    answer = client.get(RULES)

    assert_throttled(answer)
