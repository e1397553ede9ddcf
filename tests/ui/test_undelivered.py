"""A message the supplier refuses (a final 4xx) reaches the agent's queue, the wallboard and
integration health with what was refused, the supplier's reason in words and what to do next;
the agent can retry it or, having dealt with it another way, dismiss it (issue 10 #17).

The supplier is a real HTTP server on loopback answering as the Ticketing API does."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from faults.choices import FaultStatus
from faults.services import Actor, fault_accept_resolution
from integrations.choices import OutboundStatus
from integrations.models import OutboundMessage, Partner
from integrations.outbox import outbox_deliver
from tests.factories import FaultFactory
from tests.helpers import bring_to
from tests.scripted_partner import Reply, ScriptedPartner
from tests.ui.test_queue import count_badge, section

pytestmark = pytest.mark.django_db

REFUSAL = b"""<receivedResolvedResponse><apiVersion>1.0</apiVersion>
<buyerIdentifier>SPTEST1</buyerIdentifier><sentAt>2026-11-23T12:00:00Z</sentAt>
<messageId>m</messageId><responseCode>400</responseCode>
<errorMessage>{"resolveAccepted": "The resolution is under review and cannot be answered yet"}
</errorMessage>
</receivedResolvedResponse>"""
IN_WORDS = "Answer to the resolution: The resolution is under review and cannot be answered yet"


@pytest.fixture
def refused_acceptance(partner, buyer_identifier, sla_policy, agent_user):
    """A resolved fault whose acceptance the supplier refused with HTTP 400."""
    fault = bring_to(FaultFactory(supplier=partner, buyer_identifier=buyer_identifier), "resolved")
    OutboundMessage.objects.filter(fault=fault).update(status=OutboundStatus.DELIVERED)
    fault_accept_resolution(fault_id=fault.pk, actor=Actor.for_user(agent_user))
    message = OutboundMessage.objects.get(fault=fault, message_type="resolveResponse")
    with ScriptedPartner(Reply(400, REFUSAL)) as server:
        Partner.objects.filter(pk=partner.pk).update(base_url=server.url)
        assert outbox_deliver(outbound_id=message.pk) == OutboundStatus.REFUSED
    fault.refresh_from_db()
    assert fault.status == FaultStatus.CLOSED  # closed here, though the supplier said no
    return fault, message


def test_a_refused_resolution_acceptance_is_in_the_queue_with_what_to_do(
    agent_client, refused_acceptance
):
    fault, message = refused_acceptance

    html = agent_client.get("/queue/").content.decode()

    assert count_badge(html, "dead") == "1"
    row = section(html, "dead")
    assert "Our acceptance of the resolution" in row
    assert "Refused by the supplier (HTTP 400)" in row
    assert IN_WORDS in row
    assert "{" not in re.sub(r"<[^>]+>", "", row)  # no raw JSON left for the agent to decode
    assert "contact the supplier" in row
    assert f'href="/faults/{fault.buyer_fault_reference}/">Open the fault</a>' in row
    assert f'action="/integrations/health/outbound/{message.pk}/retry/"' in row
    assert f'action="/integrations/health/outbound/{message.pk}/dismiss/"' in row


def test_the_refusal_counts_on_the_wallboard_and_shows_on_integration_health(
    agent_client, refused_acceptance
):
    wallboard = agent_client.get("/wallboard/").content.decode()
    figure = re.search(r'data-figure="dead".*?data-value="(\d+)"', wallboard, re.S)
    health = agent_client.get("/integrations/health/").content.decode()

    assert figure and figure[1] == "1"
    assert "Refused by the supplier (HTTP 400)" in health  # the queue's words
    assert IN_WORDS in health


def test_dismissing_takes_it_out_of_the_queue_and_the_timeline_says_who(
    agent_client, refused_acceptance
):
    fault, message = refused_acceptance

    answer = agent_client.post(
        f"/integrations/health/outbound/{message.pk}/dismiss/", {"next": "/queue/"}
    )

    assert answer.status_code == 302 and answer["Location"] == "/queue/"
    html = agent_client.get("/queue/").content.decode()
    assert count_badge(html, "dead") == "0"
    timeline = agent_client.get(f"/faults/{fault.buyer_fault_reference}/").content.decode()
    assert re.search(
        r'data-kind="message-dismissed".*?Message dismissed</strong> · '
        r'<span class="muted timeline-who">test-agent<',
        timeline,
        re.S,
    )
    assert f"Supplier's reason: {IN_WORDS}" in timeline


def test_retry_from_the_queue_sends_it_again_and_comes_back_to_the_queue(
    agent_client, refused_acceptance
):
    _fault, message = refused_acceptance

    answer = agent_client.post(
        f"/integrations/health/outbound/{message.pk}/retry/", {"next": "/queue/"}
    )

    assert answer["Location"] == "/queue/"
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboundStatus.PENDING, 0)
    assert count_badge(agent_client.get("/queue/").content.decode(), "dead") == "0"


def test_next_must_be_one_of_our_pages(agent_client, refused_acceptance):
    _fault, message = refused_acceptance

    answer = agent_client.post(
        f"/integrations/health/outbound/{message.pk}/dismiss/", {"next": "https://evil.example/"}
    )

    assert answer["Location"] == "/integrations/health/"


def test_managers_cannot_dismiss(manager_client, refused_acceptance):
    _fault, message = refused_acceptance

    assert (
        manager_client.post(f"/integrations/health/outbound/{message.pk}/dismiss/").status_code
        == 403
    )
    message.refresh_from_db()
    assert message.dismissed_at is None


@pytest.fixture
def refused_raise(partner, buyer_identifier, sla_policy):
    """A fault the supplier rejected by refusing its addFaultReport with HTTP 400."""
    fault = FaultFactory(supplier=partner, buyer_identifier=buyer_identifier)
    bring_to(fault, "pending")
    raise_message = OutboundMessage.objects.get(fault=fault)
    OutboundMessage.objects.filter(pk=raise_message.pk).update(next_attempt_at=timezone.now())
    refusal = REFUSAL.replace(b"receivedResolvedResponse", b"receivedFaultReport").replace(
        b'"resolveAccepted"', b'"serviceAffected"'
    )
    with ScriptedPartner(Reply(400, refusal)) as server:
        Partner.objects.filter(pk=partner.pk).update(base_url=server.url)
        assert outbox_deliver(outbound_id=raise_message.pk) == OutboundStatus.REFUSED
    fault.refresh_from_db()
    assert fault.status == FaultStatus.REJECTED
    raise_message.refresh_from_db()
    return fault, raise_message


def test_a_refused_raise_is_shown_as_a_rejected_fault_not_twice(agent_client, refused_raise):
    html = agent_client.get("/queue/").content.decode()

    assert count_badge(html, "dead") == "0"
    assert "Service ID: The resolution is under review" in section(html, "rejected")


def test_retry_all_dead_leaves_dismissed_messages_alone(agent_client, partner, buyer_identifier):
    fault = bring_to(FaultFactory(supplier=partner, buyer_identifier=buyer_identifier), "pending")
    OutboundMessage.objects.filter(fault=fault).update(status=OutboundStatus.DEAD, attempts=8)
    dismissed = OutboundMessage.objects.get(fault=fault)
    agent_client.post(f"/integrations/health/outbound/{dismissed.pk}/dismiss/")

    health = agent_client.get("/integrations/health/").content.decode()
    agent_client.post(reverse("integration-partner-retry-dead", args=[partner.pk]))

    assert "Retry all" not in health
    dismissed.refresh_from_db()
    assert (dismissed.status, dismissed.dismissed_at is not None) == (OutboundStatus.DEAD, True)


def test_a_refused_raise_is_not_offered_for_retry_anywhere_and_cannot_be_retried(
    agent_client, refused_raise, django_capture_on_commit_callbacks
):
    # Sending the addFaultReport again would raise a fault the supplier has rejected.
    fault, message = refused_raise
    wallboard = agent_client.get("/wallboard/").content.decode()
    health = agent_client.get("/integrations/health/").content.decode()

    with django_capture_on_commit_callbacks(execute=False) as queued:
        retried = agent_client.post(
            f"/integrations/health/outbound/{message.pk}/retry/", follow=True
        ).content.decode()
    agent_client.post(f"/integrations/health/outbound/{message.pk}/dismiss/")

    assert re.search(r'data-figure="dead".*?data-value="0"', wallboard, re.S)
    assert f'id="outbound-{message.pk}"' not in health
    assert f"/outbound/{message.pk}/retry/" not in health
    assert "failure" not in health  # the rejected fault is the agent's to act on, not this
    assert "its fault is rejected, so raise a new fault" in retried
    assert queued == []
    message.refresh_from_db()
    assert (message.status, message.attempts, message.dismissed_at) == (
        OutboundStatus.REFUSED,
        1,
        None,
    )
    assert [m.status for m in OutboundMessage.objects.filter(fault=fault)] == ["refused"]


def test_the_queue_the_wallboard_and_integration_health_count_the_same_messages(
    agent_client, refused_acceptance, refused_raise, partner, buyer_identifier
):
    # Given, besides the refused acceptance and the refused raise: a dead comment, a dismissed
    # dead amendment and a delivered message.
    dead = bring_to(FaultFactory(supplier=partner, buyer_identifier=buyer_identifier), "accepted")
    OutboundMessage.objects.filter(fault=dead).update(status=OutboundStatus.DELIVERED)
    comment = OutboundMessage.objects.create(
        partner=partner, fault=dead, operation="comment", message_type="amendFaultReport",
        message_id="dead-comment", body="<x/>", status=OutboundStatus.DEAD, attempts=1,
        next_attempt_at=timezone.now(),
    )  # fmt: skip
    dismissed = OutboundMessage.objects.create(
        partner=partner, fault=dead, operation="amend", message_type="amendFaultReport",
        message_id="dismissed-amend", body="<x/>", status=OutboundStatus.DEAD, attempts=8,
        next_attempt_at=timezone.now(),
    )  # fmt: skip
    agent_client.post(f"/integrations/health/outbound/{dismissed.pk}/dismiss/")

    queue = agent_client.get("/queue/").content.decode()
    wallboard = agent_client.get("/wallboard/").content.decode()
    health = agent_client.get("/integrations/health/").content.decode()

    _fault, acceptance = refused_acceptance
    listed = {int(pk) for pk in re.findall(r'id="undelivered-(\d+)"', section(queue, "dead"))}
    on_health = {int(pk) for pk in re.findall(r'id="outbound-(\d+)"', health)}
    assert listed == on_health == {acceptance.pk, comment.pk}
    assert count_badge(queue, "dead") == "2"
    assert re.search(r'data-figure="dead".*?data-value="2"', wallboard, re.S)
    assert "Dead or refused outbound messages (2)" in health
    assert "2 failures" in health
    assert "Not delivered after 1 attempt<" in queue and "Not delivered after 1 attempt<" in health


def test_a_dismissed_message_no_longer_counts_as_a_failure(agent_client, refused_acceptance):
    _fault, message = refused_acceptance
    before = agent_client.get("/integrations/health/").content.decode()

    agent_client.post(f"/integrations/health/outbound/{message.pk}/dismiss/")

    after = agent_client.get("/integrations/health/").content.decode()
    assert "1 failure<" in before
    assert "failure" not in after
