"""The inbox: stored once, applied at most once, failures recorded and retried, stuck rows
picked up again by the sweep."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from faults.choices import FaultStatus
from faults.models import Fault
from integrations.choices import InboundStatus
from integrations.inbox import (
    MAX_APPLY_ATTEMPTS,
    Received,
    UnknownFault,
    WrongBuyerIdentifier,
    inbox_apply,
    inbox_store,
    inbox_sweep,
)
from integrations.models import InboundMessage
from tests.factories import BuyerIdentifierFactory, FaultFactory
from tests.helpers import bring_to

pytestmark = pytest.mark.django_db

NOTIFY = """<notifyFaultReportUpdate><apiVersion>1.0</apiVersion>
<buyerIdentifier>SPTEST1</buyerIdentifier><sentAt>{sent}</sentAt><messageId>{mid}</messageId>
<serviceAffected>S1</serviceAffected><buyerFaultReference>{ref}</buyerFaultReference>
<maintainerFaultReference>CS0000042</maintainerFaultReference>
<faultDetails><type>Impaired Service</type><status>{status}</status>
<faultStartTime>2026-11-20T09:00:00Z</faultStartTime><faultLocation>Cabinet 12</faultLocation>
<siteAccessDetails>Reception</siteAccessDetails><siteAccessContactDetails><phone>1</phone>
</siteAccessContactDetails><triageComplete>true</triageComplete>
<triageFindings>Fibre break</triageFindings></faultDetails>
<updates><update><description>{status} by the supplier</description><updatedBy>seller</updatedBy>
<updatedTime>{sent}</updatedTime></update></updates></notifyFaultReportUpdate>"""


@pytest.fixture
def pending(partner, buyer_identifier, sla_policy):
    fault = FaultFactory(supplier=partner, buyer_identifier=buyer_identifier)
    return bring_to(fault, "pending", start=datetime(2026, 11, 20, 9, 0, tzinfo=UTC))


def received(fault, *, status="accepted", mid="CF-1", minute=5, body=None) -> Received:
    sent = f"2026-11-20T10:{minute:02d}:00Z"
    body = (
        body
        or NOTIFY.format(
            sent=sent, mid=mid, ref=fault.buyer_fault_reference, status=status
        ).encode()
    )
    return Received(
        partner=fault.supplier,
        message_type="notifyFaultReportUpdate",
        message_id=mid,
        body=body,
        buyer_fault_reference=fault.buyer_fault_reference,
        buyer_identifier=fault.buyer_identifier.code,
    )


def test_stored_once_and_applied_once(pending):
    stored = inbox_store(received(pending))
    again = inbox_store(received(pending))

    assert (stored.created, again.created) == (True, False)
    assert again.inbound_id == stored.inbound_id
    message = InboundMessage.objects.get(pk=stored.inbound_id)
    assert message.duplicates_received == 1
    assert inbox_apply(inbound_id=message.pk) == InboundStatus.APPLIED
    assert inbox_apply(inbound_id=message.pk) is None
    pending.refresh_from_db()
    assert pending.status == FaultStatus.ACCEPTED
    assert pending.updates.count() == 1


def test_a_reused_message_id_with_another_body_is_another_message(pending):
    first = inbox_store(received(pending, status="accepted", mid="CF-7", minute=5))
    second = inbox_store(received(pending, status="in-progress", mid="CF-7", minute=9))

    assert second.created and second.inbound_id != first.inbound_id
    for stored in (first, second):
        inbox_apply(inbound_id=stored.inbound_id)
    pending.refresh_from_db()
    assert pending.status == FaultStatus.IN_PROGRESS


def test_a_failure_is_recorded_retried_and_given_up_after_the_last_attempt(pending):
    message = InboundMessage.objects.get(
        pk=inbox_store(received(pending, body=b"<notifyFaultReportUpdate><broken>")).inbound_id
    )

    for attempt in range(1, MAX_APPLY_ATTEMPTS + 1):
        status = inbox_apply(inbound_id=message.pk)
        message.refresh_from_db()
        assert message.attempts == attempt
        assert "XmlRejected" in message.last_error
    assert status == InboundStatus.FAILED
    assert inbox_apply(inbound_id=message.pk) is None
    pending.refresh_from_db()
    assert pending.status == FaultStatus.PENDING


def test_a_failed_apply_changes_nothing_in_the_domain(pending, monkeypatch):
    """The fault's part of the notification is applied, then its appointment part fails: the
    fault's status, updates and audit rows are rolled back with it, and the row is kept."""
    from integrations.cityfibre import adapter

    def appointment_fails(**kwargs):
        assert Fault.objects.get(pk=pending.pk).status == FaultStatus.ACCEPTED  # it got that far
        raise RuntimeError("appointment store down")

    monkeypatch.setattr(adapter, "notification_to_appointment_events", lambda n: ["event"])
    monkeypatch.setattr(adapter, "appointment_apply_supplier_event", appointment_fails)
    events_before = pending.events.count()
    message = InboundMessage.objects.get(pk=inbox_store(received(pending)).inbound_id)

    assert inbox_apply(inbound_id=message.pk) == InboundStatus.RECEIVED

    pending.refresh_from_db()
    message.refresh_from_db()
    assert pending.status == FaultStatus.PENDING
    assert pending.maintainer_fault_reference == ""
    assert pending.updates.count() == 0
    assert pending.events.count() == events_before
    assert (message.attempts, message.last_error) == (1, "RuntimeError: appointment store down")


def test_a_message_for_an_unknown_fault_is_not_stored(pending):
    message = received(pending)
    unknown = Received(**{**message.__dict__, "buyer_fault_reference": "NOPE-1"})
    with pytest.raises(UnknownFault):
        inbox_store(unknown)
    assert InboundMessage.objects.count() == 0


def test_a_message_under_another_buyer_identifier_is_not_stored(pending, partner):
    """Issue 10 #2: the partner has the fault, but raised under another of our buyer
    identifiers; the message is not for it."""
    BuyerIdentifierFactory(partner=partner, code="HOLDOUT2")
    message = received(pending)
    elsewhere = Received(**{**message.__dict__, "buyer_identifier": "HOLDOUT2"})

    with pytest.raises(WrongBuyerIdentifier):
        inbox_store(elsewhere)

    assert InboundMessage.objects.count() == 0
    pending.refresh_from_db()
    assert pending.status == FaultStatus.PENDING


@pytest.mark.parametrize("reference", ["HO-a/b", "../x", ".", "a b", "x" * 37, ""])
def test_a_message_naming_a_reference_outside_the_rule_is_an_unknown_fault(pending, reference):
    """Issue 10 #1: no fault can have such a reference, so none is looked up, even one stored
    before the rule."""
    Fault.objects.filter(pk=pending.pk).update(buyer_fault_reference=reference[:36])
    message = received(pending)
    outside = Received(**{**message.__dict__, "buyer_fault_reference": reference})

    with pytest.raises(UnknownFault):
        inbox_store(outside)

    assert InboundMessage.objects.count() == 0


def test_the_sweep_queues_again_what_is_still_unapplied_after_a_while(pending):
    old = inbox_store(received(pending, mid="CF-1")).inbound_id
    inbox_store(received(pending, mid="CF-2", minute=6))
    applied = inbox_store(received(pending, mid="CF-3", minute=7)).inbound_id
    inbox_apply(inbound_id=applied)
    InboundMessage.objects.filter(pk__in=[old, applied]).update(
        received_at=timezone.now() - timedelta(minutes=5)
    )

    assert inbox_sweep() == 1
