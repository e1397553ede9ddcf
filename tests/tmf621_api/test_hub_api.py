"""The hub's routes over HTTP (Django's test client through the whole stack): subscribe, read
back and unsubscribe, who may, and every bad request answered as a v4 Error that changes
nothing — never a 500."""

import base64
import json

import pytest
from django.contrib.auth import get_user_model
from django.http import HttpRequest
from rest_framework.authtoken.models import Token

from integrations.models import Partner
from integrations.tmf621.schema import validation_errors
from integrations.tmf621_api.models import HubSubscription
from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.django_db

HUB = "/tmf-api/troubleTicket/v4/hub"
CALLBACK = "https://oss.example.test/tmf-listener"
JSON = "application/json;charset=utf-8"
STATUS = "troubleTicketStatusChangeEvent"
RESOLVED = "troubleTicketResolvedEvent"


def post(client, body, *, path=HUB, content_type=JSON, **headers):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(path, data=data, content_type=content_type, **headers)


def assert_tmf_error(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == JSON
    body = response.json()
    assert validation_errors("error", body) == []
    assert body["status"] == str(status)
    return body


def nothing_subscribed() -> bool:
    return not HubSubscription.objects.exists() and not Partner.objects.exists()


# --- subscribe, read back, unsubscribe ---------------------------------------------------------


def test_subscribing_answers_the_subscription_and_makes_its_partner(agent_client, agent_user):
    query = f"eventType={STATUS},{RESOLVED}"

    response = post(agent_client, {"callback": CALLBACK, "query": query})

    assert response.status_code == 201, response.content
    assert response["Content-Type"] == JSON
    body = response.json()
    assert validation_errors("subscription", body) == []
    assert body == {"id": body["id"], "callback": CALLBACK, "query": query}
    assert response["Location"] == f"http://testserver{HUB}/{body['id']}"
    subscription = HubSubscription.objects.select_related("partner").get(pk=int(body["id"]))
    assert subscription.event_types == [STATUS, RESOLVED]
    assert subscription.created_by == agent_user
    # Its deliveries go to a partner of its own: the callback is the partner's base URL.
    partner = subscription.partner
    assert (partner.protocol, partner.base_url, partner.is_active) == ("tmf621-hub", CALLBACK, True)
    assert f"Hub subscription {body['id']}" in partner.name
    assert not partner.is_supplier


def test_a_subscription_without_a_query_wants_every_event(agent_client):
    response = post(agent_client, {"callback": CALLBACK})

    assert response.status_code == 201
    assert response.json()["query"] == ""
    assert HubSubscription.objects.get().event_types == []


def test_the_routes_answer_with_a_trailing_slash_too_without_redirecting(agent_client):
    created = post(agent_client, {"callback": CALLBACK}, path=f"{HUB}/")
    assert created.status_code == 201
    subscription_id = created.json()["id"]

    assert agent_client.get(f"{HUB}/{subscription_id}/").status_code == 200
    assert agent_client.delete(f"{HUB}/{subscription_id}/").status_code == 204


def test_a_subscription_reads_back_until_it_is_deleted(agent_client, manager_client):
    subscription_id = post(agent_client, {"callback": CALLBACK, "query": ""}).json()["id"]

    read = manager_client.get(f"{HUB}/{subscription_id}")
    assert read.status_code == 200
    assert read.json() == {"id": subscription_id, "callback": CALLBACK, "query": ""}

    deleted = agent_client.delete(f"{HUB}/{subscription_id}")
    assert deleted.status_code == 204
    assert deleted.content == b""
    subscription = HubSubscription.objects.select_related("partner").get()
    assert subscription.deleted_at is not None
    assert not subscription.partner.is_active  # nothing more is written for it

    assert_tmf_error(agent_client.get(f"{HUB}/{subscription_id}"), 404)
    assert_tmf_error(agent_client.delete(f"{HUB}/{subscription_id}"), 404)


def test_the_same_listener_may_subscribe_again_once_it_unsubscribed(agent_client):
    first = post(agent_client, {"callback": CALLBACK}).json()["id"]
    agent_client.delete(f"{HUB}/{first}")

    again = post(agent_client, {"callback": CALLBACK})

    assert again.status_code == 201
    assert again.json()["id"] != first


def test_the_same_listener_subscribed_twice_to_the_same_events_is_a_conflict(agent_client):
    first = post(agent_client, {"callback": CALLBACK, "query": f"eventType={STATUS}"}).json()
    # The same events, named another way.
    body = assert_tmf_error(
        post(agent_client, {"callback": CALLBACK, "query": f"eventType = {STATUS}"}), 409
    )

    assert first["id"] in body["message"]
    assert HubSubscription.objects.count() == Partner.objects.count() == 1
    # Other events for the same listener are another subscription.
    assert post(agent_client, {"callback": CALLBACK}).status_code == 201


@pytest.mark.parametrize("unknown", ["999999", "0", "abc", "1e3", "-1", "9" * 30, "\uff11"])
def test_an_unknown_subscription_id_is_a_404(agent_client, unknown):
    post(agent_client, {"callback": CALLBACK})

    assert_tmf_error(agent_client.get(f"{HUB}/{unknown}"), 404)
    assert_tmf_error(agent_client.delete(f"{HUB}/{unknown}"), 404)
    assert HubSubscription.objects.filter(deleted_at__isnull=True).count() == 1


# --- who may ---------------------------------------------------------------------------------


def test_an_anonymous_caller_is_asked_to_authenticate(client):
    response = post(client, {"callback": CALLBACK})

    body = assert_tmf_error(response, 401)
    assert response["WWW-Authenticate"].startswith("Token")
    assert "token" in body["message"]
    assert_tmf_error(client.get(f"{HUB}/1"), 401)
    assert nothing_subscribed()


def test_a_manager_reads_subscriptions_but_may_not_make_or_delete_them(
    agent_client, manager_client
):
    subscription_id = post(agent_client, {"callback": CALLBACK}).json()["id"]

    assert_tmf_error(post(manager_client, {"callback": f"{CALLBACK}/2"}), 403)
    assert_tmf_error(manager_client.delete(f"{HUB}/{subscription_id}"), 403)
    assert manager_client.get(f"{HUB}/{subscription_id}").status_code == 200
    assert HubSubscription.objects.filter(deleted_at__isnull=True).count() == 1


def test_a_user_in_no_role_may_do_nothing(client):
    get_user_model().objects.create_user("no-role", password=TEST_PASSWORD)
    client.login(username="no-role", password=TEST_PASSWORD, request=HttpRequest())

    assert_tmf_error(post(client, {"callback": CALLBACK}), 403)
    assert_tmf_error(client.get(f"{HUB}/1"), 403)
    assert nothing_subscribed()


def test_an_api_token_and_a_service_accounts_basic_credentials_are_accepted(client, agent_user):
    token = Token.objects.create(user=agent_user).key
    by_token = post(client, {"callback": CALLBACK}, HTTP_AUTHORIZATION=f"Token {token}")
    assert by_token.status_code == 201

    basic = base64.b64encode(f"{agent_user.username}:{TEST_PASSWORD}".encode()).decode()
    by_basic = post(client, {"callback": f"{CALLBACK}/b"}, HTTP_AUTHORIZATION=f"Basic {basic}")
    assert by_basic.status_code == 201

    wrong = base64.b64encode(f"{agent_user.username}:wrong".encode()).decode()
    assert_tmf_error(
        post(client, {"callback": f"{CALLBACK}/c"}, HTTP_AUTHORIZATION=f"Basic {wrong}"), 401
    )
    assert_tmf_error(
        post(client, {"callback": f"{CALLBACK}/d"}, HTTP_AUTHORIZATION="Token not-a-token"), 401
    )
    assert HubSubscription.objects.count() == 2


def test_a_browser_session_needs_its_csrf_token_to_subscribe(agent_user):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(agent_user)

    body = assert_tmf_error(post(browser, {"callback": CALLBACK}), 403)

    assert "CSRF" in body["message"]
    assert nothing_subscribed()


# --- bad requests: a v4 Error, nothing changed --------------------------------------------------


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ('{"callback": ', "not valid JSON"),
        ("[]", "must be a JSON object"),
        ('"https://oss.example.test/"', "must be a JSON object"),
        ({}, "callback is required"),
        ({"query": f"eventType={STATUS}"}, "callback is required"),
        ({"callback": None}, "callback must be the listener's URL"),
        ({"callback": 42}, "callback must be the listener's URL"),
        ({"callback": ["https://oss.example.test/"]}, "callback must be the listener's URL"),
        ({"callback": ""}, "callback must be the listener's URL"),
        ({"callback": "not a url"}, "is not an absolute http or https URL"),
        ({"callback": "/relative/listener"}, "is not an absolute http or https URL"),
        ({"callback": "ftp://oss.example.test/"}, "is not an absolute http or https URL"),
        ({"callback": "https://user:secret@oss.example.test/"}, "must not carry credentials"),
        ({"callback": "https://oss.example.test/l?token=1"}, "no query or fragment"),
        ({"callback": "https://oss.example.test/l#here"}, "no query or fragment"),
        ({"callback": "https://oss.example.test/" + "x" * 500}, "longer than 500 characters"),
        # A NUL anywhere in a body is refused before the body is read (the API's base view).
        ({"callback": "https://oss.example.test/a\u0000b"}, "NUL character"),
        ({"callback": "https://oss.example.test/a\u0007b"}, "control characters"),
        ({"callback": "https://oss.example.test/\u202eevil"}, "control characters"),
        ({"callback": CALLBACK, "query": 3}, "query must be a string"),
        ({"callback": CALLBACK, "query": {"eventType": STATUS}}, "query must be a string"),
        ({"callback": CALLBACK, "query": "status=resolved"}, "by eventType only"),
        ({"callback": CALLBACK, "query": "eventType=nope"}, "'nope' is not an event type"),
        ({"callback": CALLBACK, "query": "eventType=" + "a," * 600}, "longer than 1000"),
        ({"callback": CALLBACK, "query": " " * 1001}, "longer than 1000"),
    ],
)
def test_a_bad_subscription_is_a_400_that_says_why(agent_client, body, words):
    response = post(agent_client, body)

    error = assert_tmf_error(response, 400)
    assert words in f"{error['reason']} {error['message']}"
    assert nothing_subscribed()


def test_a_body_that_is_not_json_is_a_415(agent_client):
    response = post(agent_client, f"callback={CALLBACK}", content_type="text/plain")

    assert_tmf_error(response, 415)
    assert nothing_subscribed()


def test_what_v4_sets_or_does_not_know_is_ignored(agent_client):
    response = post(agent_client, {"callback": CALLBACK, "id": "mine", "@type": "Hub"})

    assert response.status_code == 201
    assert response.json()["id"] != "mine"


@pytest.mark.parametrize(("method", "path"), [("get", HUB), ("put", HUB), ("patch", f"{HUB}/1")])
def test_a_method_the_hub_has_not_is_a_405(agent_client, method, path):
    post(agent_client, {"callback": CALLBACK})
    send = getattr(agent_client, method)

    response = send(path) if method == "get" else send(path, data="{}", content_type=JSON)

    assert_tmf_error(response, 405)
