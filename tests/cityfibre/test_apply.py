"""Applying a stored notifyFaultReportUpdate: the fault's part and its appointment events in
one transaction. The inbox's behaviour every protocol shares is the contract in
tests/spine/contract/test_inbox.py."""

from datetime import UTC, datetime

import pytest

from faults.choices import FaultStatus
from faults.models import Fault
from integrations.choices import InboundStatus
from integrations.inbox import Received, inbox_apply, inbox_store
from integrations.models import InboundMessage
from tests.factories import FaultFactory
from tests.helpers import bring_to
from tests.partner_posts import notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending(partner, buyer_identifier, sla_policy):
    fault = FaultFactory(supplier=partner, buyer_identifier=buyer_identifier)
    return bring_to(fault, "pending", start=datetime(2026, 11, 20, 9, 0, tzinfo=UTC))


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
    body = notification(
        pending.buyer_fault_reference,
        message_id="CF-1",
        sent_at=datetime(2026, 11, 20, 10, 5, tzinfo=UTC),
    ).replace(b">SPDEV1<", f">{pending.buyer_identifier.code}<".encode())
    received = Received(
        partner=pending.supplier,
        message_type="notifyFaultReportUpdate",
        message_id="CF-1",
        body=body,
        buyer_fault_reference=pending.buyer_fault_reference,
        buyer_identifier=pending.buyer_identifier.code,
    )
    message = InboundMessage.objects.get(pk=inbox_store(received).inbound_id)

    assert inbox_apply(inbound_id=message.pk) == InboundStatus.RECEIVED

    pending.refresh_from_db()
    message.refresh_from_db()
    assert pending.status == FaultStatus.PENDING
    assert pending.maintainer_fault_reference == ""
    assert pending.updates.count() == 0
    assert pending.events.count() == events_before
    assert (message.attempts, message.last_error) == (1, "RuntimeError: appointment store down")
