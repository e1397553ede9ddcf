"""The outbox contract: a message row written with the change that causes it, delivered to a
real HTTP server on loopback in the protocol's wire format, retried with backoff, refused for
good, given up on, held while the partner refuses our credentials, and sent one fault at a time
in write order. Cityfibre's own outbound assertions are in tests/cityfibre/test_outbound.py."""

from datetime import timedelta

import lxml.html
import pytest
from django.db import transaction
from django.utils import timezone

from faults.choices import FaultStatus, PartnerOperation
from faults.errors import FaultValidationError
from faults.models import Fault
from faults.services import Actor, fault_amend, fault_comment_add, fault_submit
from integrations.choices import OutboundStatus
from integrations.models import OutboundMessage, Partner
from integrations.outbox import (
    outbox_deliver,
    outbox_dismiss,
    outbox_retry,
    outbox_sweep,
    partner_credentials_restored,
)
from tests.factories import SlaPolicyFactory
from tests.scripted_partner import Reply

AGENT = Actor.system("test")
REASON = "Service ID not valid"


@pytest.fixture
def partner(protocol_driver):
    partner = protocol_driver.make_partner(
        retry_base_seconds=30,
        retry_max_seconds=3600,
        max_attempts=3,
        read_timeout=0.5,
        connect_timeout=0.5,
    )
    SlaPolicyFactory(partner=partner)
    return partner


@pytest.fixture
def fault(protocol_driver, partner):
    return protocol_driver.make_fault(partner)


@pytest.fixture
def server(protocol_driver, partner):
    """The partner, on loopback, accepting everything unless told otherwise."""
    with protocol_driver.partner_server(partner) as server:
        yield server


def raised(fault: Fault) -> OutboundMessage:
    fault_submit(fault_id=fault.pk, actor=AGENT)
    return OutboundMessage.objects.get(fault=fault, operation=PartnerOperation.RAISE)


def deliver(message: OutboundMessage) -> OutboundMessage:
    outbox_deliver(outbound_id=message.pk)
    message.refresh_from_db()
    return message


def spend_every_attempt(message: OutboundMessage) -> OutboundMessage:
    for _ in range(3):
        OutboundMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
        message = deliver(message)
    return message


# --- written with the change ------------------------------------------------------------------
def test_the_row_is_written_with_the_change_and_names_the_fault(protocol_driver, fault):
    message = raised(fault)

    assert (message.status, message.attempts) == (OutboundStatus.PENDING, 0)
    assert message.partner_id == fault.supplier_id
    assert protocol_driver.subject_of(message) == fault.buyer_fault_reference


def test_no_row_when_the_change_is_rolled_back(fault):
    with pytest.raises(RuntimeError), transaction.atomic():
        raised(fault)
        raise RuntimeError("the rest of the change failed")

    assert OutboundMessage.objects.count() == 0
    assert Fault.objects.get(pk=fault.pk).status == FaultStatus.DRAFT


def test_no_row_when_the_change_is_refused(fault):
    Fault.objects.filter(pk=fault.pk).update(triage_findings="")
    with pytest.raises(FaultValidationError):
        fault_submit(fault_id=fault.pk, actor=AGENT)
    assert OutboundMessage.objects.count() == 0


# --- delivered ----------------------------------------------------------------------------------
def test_delivered_in_the_protocols_wire_format_and_the_fault_stays_pending(
    protocol_driver, fault, server
):
    message = deliver(raised(fault))

    (request,) = server.received
    protocol_driver.assert_wire(request, message)
    assert (message.status, message.attempts, message.response_code) == ("delivered", 1, 201)
    assert message.delivered_at is not None
    fault.refresh_from_db()
    assert fault.status == FaultStatus.PENDING


def test_sent_once_the_change_commits_never_before(
    protocol_driver, fault, server, django_capture_on_commit_callbacks, tasks_run_when_published
):
    with django_capture_on_commit_callbacks(execute=False) as on_commit:
        message = raised(fault)
    assert server.received == []  # nothing leaves while the change may still roll back

    for callback in on_commit:  # the commit
        callback()

    message.refresh_from_db()
    assert message.status == OutboundStatus.DELIVERED
    (request,) = server.received
    protocol_driver.assert_wire(request, message)


def test_a_message_is_never_delivered_twice(fault, server):
    message = deliver(raised(fault))

    assert outbox_deliver(outbound_id=message.pk) is None
    outbox_sweep()
    assert outbox_deliver(outbound_id=message.pk) is None
    assert len(server.received) == 1


# --- retried ------------------------------------------------------------------------------------
@pytest.mark.parametrize("status", [503, 500, 502, 429])
def test_server_errors_are_retried_later_with_backoff_and_jitter(
    protocol_driver, fault, server, status
):
    server.default = protocol_driver.reply(status)
    before = timezone.now()
    message = deliver(raised(fault))

    assert (message.status, message.attempts) == (OutboundStatus.PENDING, 1)
    wait = (message.next_attempt_at - before).total_seconds()
    assert 15 <= wait <= 46  # 30 s base, jitter between half and one and a half
    assert outbox_deliver(outbound_id=message.pk) is None  # not due yet


def test_a_timeout_is_retried(protocol_driver, fault, server):
    ok = protocol_driver.reply(201)
    server.default = Reply(ok.status, ok.body, delay=1.5)
    message = deliver(raised(fault))

    assert message.status == OutboundStatus.PENDING
    assert "timeout" in message.last_error


def test_a_connection_refused_is_retried(fault):
    message = deliver(raised(fault))  # the partner points at port 9, where nothing listens

    assert message.status == OutboundStatus.PENDING
    assert "connection error" in message.last_error


def test_after_the_last_attempt_the_message_is_dead_and_can_be_retried(
    protocol_driver, fault, server
):
    server.default = protocol_driver.reply(503)
    message = spend_every_attempt(raised(fault))
    assert (message.status, message.attempts) == (OutboundStatus.DEAD, 3)
    assert len(server.received) == 3

    assert outbox_retry(outbound_ids=[message.pk]) == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboundStatus.PENDING, 0)
    server.default = protocol_driver.reply(201)
    assert deliver(message).status == OutboundStatus.DELIVERED


def test_a_dismissal_stays_in_the_faults_history_after_a_retry(
    protocol_driver, fault, server, agent_user, client
):
    """The agent dismissed a dead message (settled with the supplier by phone), later retried
    it: the retry clears the row's dismissal mark, the audit trail still says who dismissed it
    and when."""
    server.default = protocol_driver.reply(503)
    message = spend_every_attempt(raised(fault))
    dismissed_at = timezone.now()

    assert outbox_dismiss(outbound_ids=[message.pk], user=agent_user, at=dismissed_at) == 1
    assert outbox_dismiss(outbound_ids=[message.pk], user=agent_user, at=timezone.now()) == 0
    assert outbox_retry(outbound_ids=[message.pk]) == 1
    server.default = protocol_driver.reply(201)
    assert deliver(message).status == OutboundStatus.DELIVERED

    (event,) = fault.events.filter(actor_user=agent_user)
    assert event.at == dismissed_at
    assert message.message_id in event.message
    client.force_login(agent_user)
    page = lxml.html.fromstring(client.get(f"/faults/{fault.buyer_fault_reference}/").content)
    (entry,) = page.xpath("//li[@data-kind='message-dismissed']")
    text = " ".join(entry.text_content().split())
    assert "Message dismissed · test-agent" in text
    assert f"Raise fault ({message.message_type}, message {message.message_id}), dead" in text


# --- refused ------------------------------------------------------------------------------------
@pytest.mark.parametrize("status", [400, 403, 409])
def test_a_refusal_is_final_and_a_refused_raise_rejects_its_fault(
    protocol_driver, fault, server, status
):
    server.default = protocol_driver.reply(status, reason=REASON)
    message = deliver(raised(fault))

    assert (message.status, message.attempts, message.last_error) == ("refused", 1, REASON)
    fault.refresh_from_db()
    assert (fault.status, fault.status_reason) == (FaultStatus.REJECTED, REASON)
    # Sending the raise again would raise a fault the partner rejected: no retry, no dismissal.
    assert outbox_retry(outbound_ids=[message.pk]) == 0
    outbox_sweep()
    assert deliver(message).status == OutboundStatus.REFUSED
    assert len(server.received) == 1


def test_a_refused_raise_is_not_for_an_agent_to_dismiss(protocol_driver, fault, server, agent_user):
    server.default = protocol_driver.reply(400, reason=REASON)
    message = deliver(raised(fault))

    assert outbox_dismiss(outbound_ids=[message.pk], user=agent_user, at=timezone.now()) == 0
    message.refresh_from_db()
    assert message.dismissed_at is None


def test_redirects_are_not_followed(protocol_driver, fault, server):
    server.default = Reply(302, headers={"Location": "http://127.0.0.1:9/elsewhere"})
    message = deliver(raised(fault))

    assert message.status == OutboundStatus.REFUSED
    assert len(server.received) == 1


# --- credentials refused -----------------------------------------------------------------------
def test_a_401_flags_the_credentials_and_holds_every_message_of_the_partner(
    protocol_driver, partner, fault, server
):
    other_fault = protocol_driver.make_fault(partner)
    server.default = protocol_driver.reply(401)
    message = deliver(raised(fault))
    other = raised(other_fault)

    assert (message.status, message.attempts) == (OutboundStatus.PENDING, 0)
    assert "401" in message.last_error
    partner.refresh_from_db()
    assert partner.credentials_broken_at is not None
    assert "401" in partner.credentials_broken_reason
    assert outbox_deliver(outbound_id=message.pk) is None  # held, not attempted
    assert outbox_deliver(outbound_id=other.pk) is None  # the partner's other faults too
    assert outbox_sweep() == 0
    assert len(server.received) == 1

    server.default = protocol_driver.reply(201)
    partner_credentials_restored(partner_id=partner.pk)
    assert deliver(message).status == OutboundStatus.DELIVERED
    assert deliver(other).status == OutboundStatus.DELIVERED


# --- order ------------------------------------------------------------------------------------
def test_one_faults_messages_go_in_the_order_they_were_written(protocol_driver, fault, server):
    first = raised(fault)
    fault_comment_add(fault_id=fault.pk, actor=AGENT, text="Engineer can call after 2pm")
    fault_amend(fault_id=fault.pk, actor=AGENT, changes={"description": "Now no sync at all"})
    second, third = OutboundMessage.objects.filter(fault=fault).exclude(pk=first.pk).order_by("id")
    assert (second.operation, third.operation) == (PartnerOperation.COMMENT, PartnerOperation.AMEND)

    server.then(protocol_driver.reply(503))
    deliver(first)  # 503: stays first in line
    assert outbox_deliver(outbound_id=second.pk) is None
    assert outbox_deliver(outbound_id=third.pk) is None
    OutboundMessage.objects.filter(pk=first.pk).update(next_attempt_at=timezone.now())
    delivered = [deliver(message) for message in (first, second, third)]

    assert [m.status for m in delivered] == [OutboundStatus.DELIVERED] * 3
    assert len(server.received) == 4
    for request, message in zip(server.received, [first, *delivered], strict=True):
        protocol_driver.assert_wire(request, message)


def test_another_faults_message_does_not_wait(protocol_driver, partner, fault, server):
    first = raised(fault)
    other = raised(protocol_driver.make_fault(partner))

    assert deliver(other).status == OutboundStatus.DELIVERED
    first.refresh_from_db()
    assert first.status == OutboundStatus.PENDING


# --- the sweep --------------------------------------------------------------------------------
def test_the_sweep_gives_back_rows_whose_sender_died_and_queues_due_rows(fault, server):
    message = raised(fault)
    OutboundMessage.objects.filter(pk=message.pk).update(
        status=OutboundStatus.SENDING, lease_expires_at=timezone.now() - timedelta(seconds=1)
    )

    assert outbox_sweep() == 1
    message.refresh_from_db()
    assert (message.status, message.lease_expires_at) == (OutboundStatus.PENDING, None)
    assert deliver(message).status == OutboundStatus.DELIVERED


def test_the_sweep_leaves_rows_not_yet_due_and_held_partners(fault):
    message = raised(fault)
    OutboundMessage.objects.filter(pk=message.pk).update(
        next_attempt_at=timezone.now() + timedelta(minutes=5)
    )
    assert outbox_sweep() == 0
    OutboundMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    Partner.objects.filter(pk=fault.supplier_id).update(credentials_broken_at=timezone.now())
    assert outbox_sweep() == 0
