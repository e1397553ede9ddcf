"""The outbox: rows written with the change that causes them, delivered to a real HTTP server
on loopback, retried, refused, given up on, and sent one fault at a time in write order."""

from datetime import timedelta

import lxml.html
import pytest
from django.utils import timezone

from faults.choices import FaultStatus
from faults.errors import FaultValidationError
from faults.models import Fault
from faults.services import Actor, fault_amend, fault_comment_add, fault_submit
from integrations.choices import OutboundStatus
from integrations.cityfibre import soap
from integrations.cityfibre.schema import get_schema
from integrations.models import OutboundMessage, Partner
from integrations.outbox import (
    outbox_deliver,
    outbox_dismiss,
    outbox_retry,
    outbox_sweep,
    partner_credentials_restored,
)
from integrations.xml import parse_xml
from tests.factories import FaultFactory
from tests.scripted_partner import Reply, ScriptedPartner

pytestmark = pytest.mark.django_db
AGENT = Actor.system("test")

HEAD = b"""<receivedFaultReport><apiVersion>1.0</apiVersion>
<buyerIdentifier>SPTEST1</buyerIdentifier><sentAt>2026-11-23T12:00:00Z</sentAt>
<messageId>m</messageId><buyerFaultReference>r</buyerFaultReference>"""
PENDING = HEAD + b"<status>pending</status><responseCode>201</responseCode></receivedFaultReport>"
REJECTED = (
    HEAD
    + b"""<status>rejected</status><responseCode>400</responseCode>
<errorMessage>Service ID not valid</errorMessage></receivedFaultReport>"""
)


@pytest.fixture
def fault(partner, buyer_identifier, sla_policy):
    Partner.objects.filter(pk=partner.pk).update(
        retry_base_seconds=30,
        retry_max_seconds=3600,
        max_attempts=3,
        read_timeout=0.5,
        connect_timeout=0.5,
    )
    return FaultFactory(supplier=partner, buyer_identifier=buyer_identifier)


def point_at(partner_server: ScriptedPartner, fault: Fault) -> None:
    Partner.objects.filter(pk=fault.supplier_id).update(base_url=partner_server.url)


def raised(fault: Fault) -> OutboundMessage:
    fault_submit(fault_id=fault.pk, actor=AGENT)
    return OutboundMessage.objects.get(fault=fault, message_type="addFaultReport")


def deliver(message: OutboundMessage) -> OutboundMessage:
    outbox_deliver(outbound_id=message.pk)
    message.refresh_from_db()
    return message


def test_the_row_is_written_with_the_change_and_holds_a_valid_soap_message(fault):
    message = raised(fault)

    assert message.status == OutboundStatus.PENDING
    element = soap.unwrap(parse_xml(message.body.encode()))
    assert element.tag == "addFaultReport"
    assert get_schema().validate(element)
    assert element.findtext("buyerFaultReference") == fault.buyer_fault_reference


def test_no_row_when_the_change_is_refused(fault):
    Fault.objects.filter(pk=fault.pk).update(triage_findings="")
    with pytest.raises(FaultValidationError):
        fault_submit(fault_id=fault.pk, actor=AGENT)
    assert OutboundMessage.objects.count() == 0


def test_a_pending_answer_delivers_and_keeps_the_fault_pending(fault):
    message = raised(fault)
    with ScriptedPartner(Reply(201, PENDING)) as server:
        point_at(server, fault)
        message = deliver(message)

    assert server.operations == ["addFaultReport"]
    assert server.received[0].headers["SOAPAction"] == '"addFaultReport"'
    assert server.received[0].body == message.body.encode()
    assert (message.status, message.attempts, message.response_code) == ("delivered", 1, 201)
    fault.refresh_from_db()
    assert fault.status == FaultStatus.PENDING


@pytest.mark.parametrize("code", [400, 403])
def test_a_refused_raise_rejects_the_fault_with_the_suppliers_reason(fault, code):
    message = raised(fault)
    with ScriptedPartner(Reply(code, REJECTED)) as server:
        point_at(server, fault)
        message = deliver(message)

    assert message.status == OutboundStatus.REFUSED
    assert message.last_error == "Service ID not valid"
    fault.refresh_from_db()
    assert (fault.status, fault.status_reason) == (FaultStatus.REJECTED, "Service ID not valid")


def test_a_refused_raise_is_neither_retried_nor_dismissed(fault, agent_user):
    # Its fault is rejected: sending addFaultReport again would raise it behind the agent's
    # back; the agent raises a new fault instead.
    message = raised(fault)
    with ScriptedPartner(Reply(400, REJECTED)) as server:
        point_at(server, fault)
        message = deliver(message)

        assert outbox_retry(outbound_ids=[message.pk]) == 0
        assert outbox_dismiss(outbound_ids=[message.pk], user=agent_user, at=timezone.now()) == 0
        outbox_sweep()
        assert deliver(message).status == OutboundStatus.REFUSED

    assert server.operations == ["addFaultReport"]
    assert (message.attempts, message.dismissed_at) == (1, None)


@pytest.mark.parametrize("reply", [Reply(503), Reply(500), Reply(502), Reply(429)])
def test_server_errors_are_retried_later_with_backoff_and_jitter(fault, reply):
    message = raised(fault)
    with ScriptedPartner(reply) as server:
        point_at(server, fault)
        before = timezone.now()
        message = deliver(message)

    assert message.status == OutboundStatus.PENDING
    assert message.attempts == 1
    wait = (message.next_attempt_at - before).total_seconds()
    assert 15 <= wait <= 46  # 30 s base, jitter between half and one and a half


def test_a_timeout_is_retried(fault):
    message = raised(fault)
    with ScriptedPartner(Reply(201, PENDING, delay=1.5)) as server:
        point_at(server, fault)
        message = deliver(message)
    assert message.status == OutboundStatus.PENDING
    assert "timeout" in message.last_error


def test_a_connection_refused_is_retried(fault):
    message = raised(fault)  # the partner fixture points at port 9, where nothing listens
    message = deliver(message)
    assert message.status == OutboundStatus.PENDING
    assert "connection error" in message.last_error


def test_after_the_last_attempt_the_message_is_dead_and_can_be_retried(fault):
    message = raised(fault)
    with ScriptedPartner(Reply(503)) as server:
        point_at(server, fault)
        for _ in range(3):
            OutboundMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
            message = deliver(message)
        assert (message.status, message.attempts) == (OutboundStatus.DEAD, 3)

        assert outbox_retry(outbound_ids=[message.pk]) == 1
        message.refresh_from_db()
        assert (message.status, message.attempts) == (OutboundStatus.PENDING, 0)
        server.default = Reply(201, PENDING)
        assert deliver(message).status == OutboundStatus.DELIVERED


def test_a_dismissal_stays_in_the_faults_history_after_a_retry(fault, agent_user, client):
    """The agent dismissed a dead message (settled with the supplier by phone), later retried
    it: the retry clears the row's dismissal mark, the audit trail still says who dismissed it
    and when."""
    message = raised(fault)
    with ScriptedPartner(Reply(503)) as server:
        point_at(server, fault)
        for _ in range(3):
            OutboundMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
            message = deliver(message)
        dismissed_at = timezone.now()

        assert outbox_dismiss(outbound_ids=[message.pk], user=agent_user, at=dismissed_at) == 1
        assert outbox_dismiss(outbound_ids=[message.pk], user=agent_user, at=timezone.now()) == 0
        assert outbox_retry(outbound_ids=[message.pk]) == 1
        server.default = Reply(201, PENDING)
        assert deliver(message).status == OutboundStatus.DELIVERED

    (event,) = fault.events.filter(actor_user=agent_user)
    assert event.at == dismissed_at
    assert message.message_id in event.message
    client.force_login(agent_user)
    page = lxml.html.fromstring(client.get(f"/faults/{fault.buyer_fault_reference}/").content)
    (entry,) = page.xpath("//li[@data-kind='message-dismissed']")
    text = " ".join(entry.text_content().split())
    assert "Message dismissed · test-agent" in text
    assert f"Raise fault (addFaultReport, message {message.message_id}), dead" in text


def test_a_401_marks_the_credentials_broken_and_holds_every_message_of_the_partner(fault):
    message = raised(fault)
    with ScriptedPartner(Reply(401)) as server:
        point_at(server, fault)
        message = deliver(message)
        assert (message.status, message.attempts) == (OutboundStatus.PENDING, 0)
        partner = Partner.objects.get(pk=fault.supplier_id)
        assert partner.credentials_broken_at is not None

        assert outbox_deliver(outbound_id=message.pk) is None  # held, not attempted
        assert len(server.received) == 1

        server.default = Reply(201, PENDING)
        partner_credentials_restored(partner_id=partner.pk)
        assert deliver(message).status == OutboundStatus.DELIVERED


def test_redirects_are_not_followed(fault):
    message = raised(fault)
    with ScriptedPartner(Reply(302, headers={"Location": "http://127.0.0.1:9/elsewhere"})) as s:
        point_at(s, fault)
        message = deliver(message)
    assert message.status == OutboundStatus.REFUSED
    assert len(s.received) == 1


def test_one_faults_messages_go_in_the_order_they_were_written(fault):
    first = raised(fault)
    fault_comment_add(fault_id=fault.pk, actor=AGENT, text="Engineer can call after 2pm")
    fault_amend(fault_id=fault.pk, actor=AGENT, changes={"description": "Now no sync at all"})
    second, third = OutboundMessage.objects.filter(fault=fault).exclude(pk=first.pk)
    with ScriptedPartner(Reply(201, PENDING)) as server:
        point_at(server, fault)
        server.then(Reply(503))
        deliver(first)  # 503: stays first in line
        assert outbox_deliver(outbound_id=second.pk) is None
        assert outbox_deliver(outbound_id=third.pk) is None
        OutboundMessage.objects.filter(pk=first.pk).update(next_attempt_at=timezone.now())
        for message in (first, second, third):
            assert deliver(message).status == OutboundStatus.DELIVERED

    assert server.operations == [
        "addFaultReport",
        "addFaultReport",
        "amendFaultReport",
        "amendFaultReport",
    ]
    assert b"Engineer can call" in server.received[2].body
    assert b"Now no sync" in server.received[3].body


def test_another_faults_message_does_not_wait(fault, partner, buyer_identifier):
    first = raised(fault)
    other = raised(FaultFactory(supplier=partner, buyer_identifier=buyer_identifier))
    with ScriptedPartner(Reply(201, PENDING)) as server:
        point_at(server, fault)
        assert deliver(other).status == OutboundStatus.DELIVERED
    first.refresh_from_db()
    assert first.status == OutboundStatus.PENDING


def test_the_sweep_gives_back_rows_whose_sender_died_and_queues_due_rows(fault):
    message = raised(fault)
    OutboundMessage.objects.filter(pk=message.pk).update(
        status=OutboundStatus.SENDING, lease_expires_at=timezone.now() - timedelta(seconds=1)
    )

    assert outbox_sweep() == 1
    message.refresh_from_db()
    assert (message.status, message.lease_expires_at) == (OutboundStatus.PENDING, None)


def test_the_sweep_leaves_rows_not_yet_due_and_held_partners(fault):
    message = raised(fault)
    OutboundMessage.objects.filter(pk=message.pk).update(
        next_attempt_at=timezone.now() + timedelta(minutes=5)
    )
    assert outbox_sweep() == 0
    OutboundMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    Partner.objects.filter(pk=fault.supplier_id).update(credentials_broken_at=timezone.now())
    assert outbox_sweep() == 0


def test_a_message_is_never_delivered_twice(fault):
    message = raised(fault)
    with ScriptedPartner(Reply(201, PENDING)) as server:
        point_at(server, fault)
        deliver(message)
        assert outbox_deliver(outbound_id=message.pk) is None
    assert len(server.received) == 1
