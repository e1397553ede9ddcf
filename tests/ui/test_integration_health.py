"""The integration health page: counts by status per partner, failures, dead messages with
their Retry buttons, partners whose credentials are broken; who may read and who may retry."""

import hashlib
from datetime import timedelta

import lxml.html
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from integrations.choices import InboundStatus, OutboundStatus
from integrations.health import integration_health
from integrations.models import InboundMessage, OutboundMessage, Partner
from integrations.outbox import outbox_deliver
from tests.factories import FaultFactory, PartnerFactory
from tests.helpers import bring_to
from tests.scripted_partner import Reply, ScriptedPartner

pytestmark = pytest.mark.django_db
HEALTH = reverse("integration-health")
PENDING_ANSWER = (
    b"<receivedFaultReport><apiVersion>1.0</apiVersion><buyerIdentifier>SPTEST1</buyerIdentifier>"
    b"<sentAt>2026-11-23T12:00:00Z</sentAt><messageId>m</messageId>"
    b"<buyerFaultReference>r</buyerFaultReference><status>pending</status>"
    b"<responseCode>201</responseCode></receivedFaultReport>"
)


def retry_url(message: OutboundMessage) -> str:
    return reverse("integration-outbound-retry", args=[message.pk])


def inbound(partner, status: str, *, n: int, age: timedelta = timedelta(0)) -> None:
    for i in range(n):
        body = f"<m>{status}{i}{age}</m>".encode()
        row = InboundMessage.objects.create(
            partner=partner,
            message_type="notifyFaultReportUpdate",
            message_id=f"IN-{status}-{i}-{age.days}",
            body_sha256=hashlib.sha256(body).hexdigest(),
            body=body,
            status=status,
        )
        InboundMessage.objects.filter(pk=row.pk).update(received_at=timezone.now() - age)


@pytest.fixture
def dead_message(partner, buyer_identifier):
    """A raise that died after its only attempt: nothing listens on the partner's port 9."""
    Partner.objects.filter(pk=partner.pk).update(max_attempts=1, connect_timeout=0.5)
    fault = bring_to(FaultFactory(supplier=partner, buyer_identifier=buyer_identifier), "pending")
    message = OutboundMessage.objects.get(fault=fault)
    assert outbox_deliver(outbound_id=message.pk) == OutboundStatus.DEAD
    message.refresh_from_db()
    return message


def test_every_role_reads_the_page(agent_client, manager_client, admin_client, dead_message):
    for client in (agent_client, manager_client, admin_client):
        response = client.get(HEALTH)
        assert response.status_code == 200
        assert dead_message.message_id in response.content.decode()


def test_counts_by_status_for_the_last_24_hours_and_all_time(partner):
    # Given 3 applied and 1 failed today, 2 applied and 1 failed a week ago, for one partner,
    inbound(partner, InboundStatus.APPLIED, n=3)
    inbound(partner, InboundStatus.FAILED, n=1)
    inbound(partner, InboundStatus.APPLIED, n=2, age=timedelta(days=7))
    inbound(partner, InboundStatus.FAILED, n=1, age=timedelta(days=7))
    quiet = PartnerFactory(slug="quiet", name="Quiet")

    health = {h.partner.pk: h for h in integration_health()}

    counts = health[partner.pk].inbound
    assert counts.rows() == [("received", 0, 0), ("applied", 3, 5), ("failed", 1, 2)]
    assert (counts.total_recent, counts.total) == (4, 7)
    assert counts.last_at > timezone.now() - timedelta(minutes=1)
    assert health[partner.pk].failures == 2
    assert health[quiet.pk].inbound.total == 0
    assert health[quiet.pk].inbound.last_at is None


def test_the_page_lists_dead_messages_failures_and_broken_credentials(
    agent_client, dead_message, partner
):
    Partner.objects.filter(pk=partner.pk).update(
        credentials_broken_at=timezone.now(), credentials_broken_reason="401 from the supplier"
    )

    html = agent_client.get(HEALTH).content.decode()

    assert "Credentials broken" in html and "401 from the supplier" in html
    assert f'id="outbound-{dead_message.pk}"' in html
    assert f'action="{retry_url(dead_message)}"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert "Retry all 1 dead" in html
    health = integration_health()[0]
    assert health.outbound.all_time == {OutboundStatus.DEAD: 1}
    assert health.outbound.last_at == dead_message.created_at


def test_retry_requeues_a_dead_message_which_is_then_delivered(
    agent_client, dead_message, partner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as queued:
        response = agent_client.post(retry_url(dead_message))

    assert response.status_code == 302 and response["Location"] == HEALTH
    dead_message.refresh_from_db()
    assert (dead_message.status, dead_message.attempts, dead_message.last_error) == (
        OutboundStatus.PENDING,
        0,
        "",
    )
    assert len(queued) == 1  # delivery is queued after commit
    with ScriptedPartner(Reply(201, PENDING_ANSWER)) as server:
        Partner.objects.filter(pk=partner.pk).update(base_url=server.url)
        assert outbox_deliver(outbound_id=dead_message.pk) == OutboundStatus.DELIVERED
    assert server.operations == ["addFaultReport"]


def test_retry_all_dead_of_a_partner(admin_client, dead_message, partner):
    url = reverse("integration-partner-retry-dead", args=[partner.pk])

    response = admin_client.post(url, follow=True)

    assert "1 dead message to Test Supplier queued again." in response.content.decode()
    dead_message.refresh_from_db()
    assert dead_message.status == OutboundStatus.PENDING


def test_managers_may_not_retry(manager_client, dead_message, partner):
    assert manager_client.post(retry_url(dead_message)).status_code == 403
    url = reverse("integration-partner-retry-dead", args=[partner.pk])
    assert manager_client.post(url).status_code == 403
    dead_message.refresh_from_db()
    assert dead_message.status == OutboundStatus.DEAD
    assert "Retry all" not in manager_client.get(HEALTH).content.decode()


def test_retry_needs_a_post_with_csrf(agent_user, dead_message):
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent_user)

    assert client.get(retry_url(dead_message)).status_code == 405
    assert client.post(retry_url(dead_message)).status_code == 403
    dead_message.refresh_from_db()
    assert dead_message.status == OutboundStatus.DEAD


def test_a_message_that_is_not_dead_is_left_alone(agent_client, dead_message):
    OutboundMessage.objects.filter(pk=dead_message.pk).update(status=OutboundStatus.DELIVERED)

    response = agent_client.post(retry_url(dead_message), follow=True)

    assert "is not dead or refused; nothing to retry" in response.content.decode()
    dead_message.refresh_from_db()
    assert dead_message.status == OutboundStatus.DELIVERED


def test_the_page_names_statuses_and_operations_in_words(agent_client, dead_message, partner):
    # The rows read "received", "applied", "dead" and the operation "raise": internal values.
    inbound(partner, InboundStatus.APPLIED, n=2)

    document = lxml.html.fromstring(agent_client.get(HEALTH).content)
    rows = {
        table.xpath("string(caption)").split(" ·")[0]: [
            " ".join(th.text_content().split()) for th in table.xpath("tbody/tr/th")
        ]
        for table in document.xpath("//div[contains(@class, 'health-tables')]/table")
    }
    dead_row = document.get_element_by_id(f"outbound-{dead_message.pk}")

    assert rows == {
        "Inbound": ["Received, not applied yet", "Applied", "Could not be applied"],
        "Outbound": [
            "Waiting to be sent",
            "Being sent",
            "Delivered",
            "Refused by the partner",
            "Dead (gave up retrying)",
        ],
    }
    assert "Raise fault" in [cell.text_content() for cell in dead_row.xpath("td")]
