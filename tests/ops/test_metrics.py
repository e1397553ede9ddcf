"""/metrics (issue 17): the values move when a supplier's notification is received and applied,
and only a holder of the metrics token or a staff user may read them."""

import pytest
from django.utils import timezone

from integrations.choices import InboundStatus
from integrations.inbox import inbox_apply
from integrations.models import InboundMessage, Partner
from tests.ops.scrape import TOKEN, scrape, value
from tests.partner_posts import notification, pending_fault_of_pinned_supplier
from tests.spine.drivers.cityfibre import CityFibreDriver

pytestmark = pytest.mark.django_db
SLUG = "metrics-supplier"


@pytest.fixture(autouse=True)
def _metrics_settings(settings):
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_TOTALS_SECONDS = 0  # counted on every scrape here
    settings.PROMETHEUS_MULTIPROC_DIR = ""  # this process's own request metrics
    settings.TRUSTED_PROXY_IPS = ["127.0.0.1/32"]


def test_a_notification_received_then_applied_moves_the_partners_counts(client, pki):
    fault = pending_fault_of_pinned_supplier(pki, slug=SLUG)
    before = scrape(client)
    assert value(before, "noc_inbound_messages", partner=SLUG, status="received") == 0
    assert value(before, "noc_inbound_oldest_unapplied_age_seconds", partner=SLUG) == 0
    webhook_before = value(
        before, "noc_http_requests_total", view="cityfibre:notify", method="POST", status="200"
    )

    answer = CityFibreDriver(pki=pki).post(
        client, SLUG, notification(fault.buyer_fault_reference, message_id="CF-MET-1")
    )
    assert answer.status_code == 200
    received = scrape(client)
    assert value(received, "noc_inbound_messages", partner=SLUG, status="received") == 1
    assert value(received, "noc_inbound_messages", partner=SLUG, status="applied") == 0
    assert value(received, "noc_inbound_oldest_unapplied_age_seconds", partner=SLUG) > 0
    # The webhook's request, counted by its URL name and status.
    webhook_after = value(
        received, "noc_http_requests_total", view="cityfibre:notify", method="POST", status="200"
    )
    assert webhook_after == webhook_before + 1

    assert inbox_apply(inbound_id=InboundMessage.objects.get().pk) == InboundStatus.APPLIED
    applied = scrape(client)
    assert value(applied, "noc_inbound_messages", partner=SLUG, status="received") == 0
    assert value(applied, "noc_inbound_messages", partner=SLUG, status="applied") == 1
    assert value(applied, "noc_inbound_oldest_unapplied_age_seconds", partner=SLUG) == 0
    # The fault is now accepted (open, no SLA policy): counted under its supplier.
    fault.refresh_from_db()
    assert (
        value(
            applied, "noc_open_faults", partner=SLUG, sla_policy="none", sla_state=fault.sla_state
        )
        == 1
    )


def test_a_partner_whose_credentials_were_refused_is_flagged(client, pki):
    pending_fault_of_pinned_supplier(pki, slug=SLUG)
    assert value(scrape(client), "noc_partner_credentials_refused", partner=SLUG) == 0

    Partner.objects.filter(slug=SLUG).update(credentials_broken_at=timezone.now())
    assert value(scrape(client), "noc_partner_credentials_refused", partner=SLUG) == 1


def test_without_credentials_the_metrics_are_refused_401(client):
    response = client.get("/metrics")

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert b"noc_" not in response.content


def test_a_wrong_token_is_refused_403(client):
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer not-the-token")

    assert response.status_code == 403
    assert b"noc_" not in response.content


def test_no_token_is_accepted_when_none_is_configured(client, settings):
    settings.METRICS_TOKEN = ""

    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer anything").status_code == 403


def test_an_agent_is_refused_and_a_staff_user_may_read_them(agent_client, admin_user, client):
    assert agent_client.get("/metrics").status_code == 403

    client.force_login(admin_user)
    response = client.get("/metrics")
    assert response.status_code == 200
    assert b"noc_inbound_messages" in response.content
