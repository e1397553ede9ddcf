"""The spine's periodic reconciliation works for a TMF621 supplier: a silent open fault gets one
`GET /troubleTicket/{id}`, sent with the token, and the ticket read back goes to the inbox
(`inbound.store_ticket(source="get")`), where it is applied like an event."""

from datetime import timedelta

import pytest
from django.utils import timezone

from faults.choices import EventKind, FaultStatus, PartnerOperation
from faults.models import Fault, FaultEvent
from faults.services import Actor, fault_apply_supplier_status, fault_submit
from integrations.choices import OutboundStatus
from integrations.inbox import inbox_apply
from integrations.models import InboundMessage, OutboundMessage
from integrations.outbox import outbox_deliver
from integrations.reconcile import faults_request_reconciliation
from tests.tmf621.supplier_stub import Reply

pytestmark = pytest.mark.django_db
AGENT = Actor.system("test-agent")


@pytest.fixture
def silent(tmf_fault, tmf_stub) -> Fault:
    """Raised with the supplier (ticket TT-2), in progress, and nothing heard for 7 hours."""
    fault_submit(fault_id=tmf_fault.pk, actor=AGENT)
    assert outbox_deliver(outbound_id=OutboundMessage.objects.get().pk) == "delivered"
    seven_hours_ago = timezone.now() - timedelta(hours=7)
    fault_apply_supplier_status(
        fault_id=tmf_fault.pk,
        status="in-progress",
        actor=Actor.partner("tmf-event"),
        sent_at=seven_hours_ago,
    )
    Fault.objects.filter(pk=tmf_fault.pk).update(last_supplier_message_at=seven_hours_ago)
    tmf_fault.refresh_from_db()
    return tmf_fault


def reconcile_request(fault: Fault) -> OutboundMessage:
    return OutboundMessage.objects.get(fault=fault, operation=PartnerOperation.REQUEST_UPDATE)


def test_a_silent_fault_gets_one_get_of_its_ticket(silent):
    assert faults_request_reconciliation() == 1
    assert faults_request_reconciliation() == 0  # not again while the first is on its way

    request = reconcile_request(silent)
    assert (request.method, request.path) == ("GET", "troubleTicket/TT-2")
    assert request.message_type == "retrieveTroubleTicket"
    assert request.body == ""


def test_an_answer_that_is_no_ticket_is_an_anomaly_on_the_fault(silent, tmf_stub):
    faults_request_reconciliation()
    tmf_stub.then(Reply(200, ["not", "a", "ticket"]))

    assert outbox_deliver(outbound_id=reconcile_request(silent).pk) == OutboundStatus.DELIVERED

    anomaly = FaultEvent.objects.get(fault=silent, kind=EventKind.ANOMALY)
    assert "is not a ticket" in anomaly.message
    assert not InboundMessage.objects.exists()


def test_the_ticket_read_back_is_stored_in_the_inbox_and_applied(silent, tmf_stub):
    """Needs the listener's `inbound.store_ticket` and `apply_inbound` (integrations.tmf621
    .inbound, the listener's part of issue 12)."""
    later = (timezone.now() - timedelta(minutes=5)).isoformat().replace("+00:00", "Z")
    tmf_stub.tickets["TT-2"].update(
        status="resolved", statusChangeDate=later, lastUpdate=later, resolutionDate=later
    )
    faults_request_reconciliation()

    assert outbox_deliver(outbound_id=reconcile_request(silent).pk) == OutboundStatus.DELIVERED

    (call,) = [call for call in tmf_stub.received if call.method == "GET"]
    assert call.path == "troubleTicket/TT-2"
    assert call.bearer in tmf_stub.valid_tokens
    stored = InboundMessage.objects.get(partner=silent.supplier)
    assert stored.fault_id == silent.pk
    assert stored.message_id == f"get:TT-2:{later}"
    inbox_apply(inbound_id=stored.pk)
    silent.refresh_from_db()
    assert silent.status == FaultStatus.RESOLVED
