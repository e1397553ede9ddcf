"""The database unreachable while TEP posts to our hosted service: answered with the seed's
ServiceUnavailableFault (1000), HTTP 503 and Retry-After, which TEP retries; then the same
message is taken once. Real PostgreSQL made unreachable (new connections pointed at a closed
port), over a real socket (the live server)."""

import contextlib

import pytest
import requests
from django.conf import settings as django_settings
from django.db import connection, connections

from integrations.models import InboundMessage
from integrations.security import proxy_headers
from integrations.tep.soap import fault_from_envelope
from tests.nginx_proxy import free_port
from tests.tep.edge.conftest import SLUG, post_ticket_body

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@contextlib.contextmanager
def database_unreachable():
    """New connections (the live server opens one per request) go where nothing listens."""
    settings_dict = connection.settings_dict  # shared by every thread's connection
    port = settings_dict["PORT"]
    settings_dict["PORT"] = str(free_port())
    try:
        yield
    finally:
        settings_dict["PORT"] = port


def test_an_outage_is_a_service_unavailable_fault_and_the_retry_is_taken(
    live_server, pki, tep_partner, monkeypatch
):
    monkeypatch.setitem(connections.settings["default"], "CONN_MAX_AGE", 0)
    url = f"{live_server.url}/integrations/tep/{SLUG}/TicketService.svc"
    headers = {
        "Content-Type": "text/xml; charset=utf-8",
        **proxy_headers(
            escaped_cert=pki.supplier_client.proxy_header,
            forwarded_for="127.0.0.1",
            secret=django_settings.PARTNER_PROXY_SECRET,
        ),
    }
    body = post_ticket_body()

    with database_unreachable():
        during = requests.post(url, data=body, headers=headers, timeout=30)

    assert during.status_code == 503, during.text
    assert during.headers["Retry-After"] == str(django_settings.OUTAGE_RETRY_AFTER_SECONDS)
    fault = fault_from_envelope(during.content)
    assert (fault.fault_type, fault.code) == ("ServiceUnavailableFault", 1000)
    assert not InboundMessage.objects.exists()

    after = requests.post(url, data=body, headers=headers, timeout=30)
    assert after.status_code == 200, after.text
    assert InboundMessage.objects.count() == 1
