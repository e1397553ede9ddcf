"""Issue 10 #6: the shared partner edge (`integrations.edge.PartnerEndpoint`) answers an outage
of what the app depends on — here a Redis cache or broker that does not answer, really tried on a
closed port — in the protocol's own shape with 503 and Retry-After. Its refusals (403, 404, 413)
are the contract in tests/spine/contract/test_partner_edge.py, run for every protocol package."""

import json

import pytest
from django.core.cache.backends.redis import RedisCache
from django.http import HttpRequest, HttpResponse, JsonResponse
from kombu import Connection

from devtools.pki import ensure_demo_pki
from integrations.edge import PartnerEndpoint
from integrations.partner_cache import PartnerEdge
from integrations.security import PROXY_SECRET_HEADER, Caller
from tests.factories import PartnerFactory
from tests.nginx_proxy import free_port

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.edge_urls")]
SLUG = "json-partner"
URL = f"/integrations/json-listener/{SLUG}/listener/"


class ListenerEndpoint(PartnerEndpoint):
    """A listener of a protocol no package has (not TMF621's, which is a real package): JSON in,
    JSON errors out (`{"code", "reason"}`)."""

    protocol = "json-listener"
    content_types = frozenset({"application/json"})

    def receive(self, edge: PartnerEdge, body: bytes, caller: Caller) -> HttpResponse:
        # The test says (in the event) what this receiver finds down: a Redis where nothing listens.
        event = json.loads(body)
        down = f"redis://127.0.0.1:{free_port()}/0"
        if event.get("down") == "cache":
            RedisCache(down, {}).set("last-event", event["eventType"])
        elif event.get("down") == "broker":
            with Connection(down, connect_timeout=1) as broker:
                broker.ensure_connection(max_retries=1, interval_start=0)
        elif event.get("down") == "bug":
            raise RuntimeError("a bug, not an outage")
        return JsonResponse({"received": event["eventType"]}, status=201)

    @classmethod
    def render_error(cls, request: HttpRequest, *, status: int, message: str) -> HttpResponse:
        return JsonResponse({"code": str(status), "reason": message}, status=status)


@pytest.fixture
def post(client, settings, tmp_path):
    pki = ensure_demo_pki(tmp_path / "pki")
    settings.TRUSTED_PROXY_IPS = ["127.0.0.1/32"]
    PartnerFactory(
        slug=SLUG,
        protocol="json-listener",
        client_cert_fingerprints=pki.supplier_client.fingerprint,
        allowed_networks="127.0.0.1/32",
    )

    def send(down: str = "", **extra: str):
        event = json.dumps({"eventType": "TroubleTicketStatusChangeEvent", "down": down})
        headers = {
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_X_SSL_CLIENT_CERT": pki.supplier_client.proxy_header,
            "HTTP_X_FORWARDED_FOR": "127.0.0.1",
            PROXY_SECRET_HEADER: settings.PARTNER_PROXY_SECRET,
            **extra,
        }
        return client.post(URL, data=event, content_type="application/json", **headers)

    return send


def test_a_new_protocols_endpoint_receives_through_the_shared_edge(post):
    response = post()

    assert response.status_code == 201
    assert response.json() == {"received": "TroubleTicketStatusChangeEvent"}


@pytest.mark.parametrize("what", ["cache", "broker"])
def test_an_outage_while_receiving_is_503_with_retry_after_in_the_protocols_shape(post, what):
    response = post(down=what)

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response.json() == {
        "code": "503",
        "reason": "Temporarily unavailable; retry after 30 seconds.",
    }


def test_a_bug_is_not_taken_for_an_outage(post):
    with pytest.raises(RuntimeError):  # Django's 500, logged with its traceback
        post(down="bug")
