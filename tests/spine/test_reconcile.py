"""Reconciliation: a fault whose next move is the supplier's (on hold included) and that has heard
nothing from it for the partner's `reconcile_after` gets one requestFaultReportUpdate;
quiet-enough faults, resolved faults waiting for us and finished faults get none."""

from datetime import timedelta

import pytest
from django.utils import timezone

from faults.choices import PartnerOperation
from integrations.choices import OutboundStatus
from integrations.http import OutboundRequest
from integrations.models import OutboundMessage, Partner
from integrations.outbox import outbox_enqueue
from integrations.reconcile import faults_request_reconciliation
from tests.factories import FaultFactory, PartnerFactory
from tests.helpers import bring_to

pytestmark = pytest.mark.django_db


@pytest.fixture
def make(partner, buyer_identifier, sla_policy):
    Partner.objects.filter(pk=partner.pk).update(reconcile_after=timedelta(hours=6))

    def make(status: str, *, hours_ago: float):
        start = timezone.now() - timedelta(hours=hours_ago)
        return bring_to(
            FaultFactory(supplier=partner, buyer_identifier=buyer_identifier), status, start=start
        )

    return make


def update_requests(fault) -> list[OutboundMessage]:
    return list(
        OutboundMessage.objects.filter(fault=fault, message_type="requestFaultReportUpdate")
    )


def test_a_silent_open_fault_gets_one_request_for_a_full_update(make):
    silent = make("in-progress", hours_ago=7)
    recent = make("in-progress", hours_ago=1)

    assert faults_request_reconciliation() == 1
    (request,) = update_requests(silent)
    assert b"<maintainerFaultReference>CS0001</maintainerFaultReference>" in request.body.encode()
    assert update_requests(recent) == []

    # Still unanswered: no second request while the first is on its way.
    assert faults_request_reconciliation() == 0


def test_a_delivered_request_that_brought_nothing_is_asked_again_a_quiet_period_later(make):
    silent = make("re-opened", hours_ago=7)
    faults_request_reconciliation()
    OutboundMessage.objects.filter(fault=silent).update(status=OutboundStatus.DELIVERED)
    assert faults_request_reconciliation() == 0  # asked less than 6 hours ago

    OutboundMessage.objects.filter(fault=silent).update(
        created_at=timezone.now() - timedelta(hours=6, minutes=1)
    )
    assert faults_request_reconciliation() == 1
    assert len(update_requests(silent)) == 2


@pytest.mark.parametrize("status", ["accepted", "open", "in-progress", "re-opened"])
def test_every_status_that_waits_for_the_supplier_is_asked_about(make, status):
    silent = make(status, hours_ago=7)

    assert faults_request_reconciliation() == 1
    assert len(update_requests(silent)) == 1


def test_a_silent_fault_on_hold_is_asked_about(make):
    """Only the supplier takes a fault off hold: if its "resumed" or "resolved" is lost, the fault
    stays on hold with its SLA clock paused for good unless we ask."""
    held = make("on-hold", hours_ago=7)

    assert faults_request_reconciliation() == 1
    (request,) = update_requests(held)
    assert b"<maintainerFaultReference>CS0001</maintainerFaultReference>" in request.body.encode()


def test_a_resolved_fault_waiting_for_our_answer_is_not_asked_about(make):
    """Issue 10 #8: a resolved fault awaits our answer; asking the supplier every 6 hours only
    adds traffic (up to 8 in a resolution's 48 h)."""
    waiting = make("resolved", hours_ago=7)

    assert faults_request_reconciliation() == 0
    later = timezone.now() + timedelta(hours=30)
    assert faults_request_reconciliation(now=later) == 0
    assert update_requests(waiting) == []


@pytest.mark.parametrize("status", ["draft", "pending", "closed", "rejected", "cancelled"])
def test_faults_without_a_supplier_reference_or_finished_are_left_alone(make, status):
    make(status, hours_ago=30)
    assert faults_request_reconciliation() == 0


def test_a_message_about_the_fault_to_another_partner_is_not_a_request_to_the_supplier(make):
    silent = make("in-progress", hours_ago=7)
    hub = PartnerFactory(slug="hub", protocol="tep")
    outbox_enqueue(
        partner=hub,
        fault=silent,
        operation=PartnerOperation.REQUEST_UPDATE,
        payload={},
        request=OutboundRequest(message_type="GetTicket", body="<GetTicket/>"),
        at=timezone.now(),
    )

    assert faults_request_reconciliation() == 1
    assert len(update_requests(silent)) == 1
