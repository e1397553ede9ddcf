"""The 48-hour auto-close (seed 001 step 13): a resolved fault we have not answered is closed as
auto-accepted by the periodic sweep, exactly once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from faults.choices import EventKind, FaultStatus
from faults.services import (
    Actor,
    fault_accept_resolution,
    fault_apply_supplier_status,
    fault_reject_resolution,
    faults_auto_close_due,
)
from faults.tasks import auto_close_resolved_faults
from tests.factories import FaultFactory
from tests.helpers import bring_to, events

pytestmark = pytest.mark.django_db


@pytest.fixture
def resolved(partner, buyer_identifier, sla_policy):
    fault = FaultFactory(supplier=partner, buyer_identifier=buyer_identifier)
    return bring_to(fault, "resolved", start=timezone.now() - timedelta(days=5))


def test_not_closed_at_47_hours_59_minutes(resolved):
    closed = faults_auto_close_due(now=resolved.resolved_at + timedelta(hours=47, minutes=59))

    resolved.refresh_from_db()
    assert closed == 0
    assert resolved.status == FaultStatus.RESOLVED
    assert events(resolved, EventKind.AUTO_ACCEPTED) == []


def test_closed_as_auto_accepted_at_48_hours(resolved):
    at = resolved.resolved_at + timedelta(hours=48)

    closed = faults_auto_close_due(now=at)

    resolved.refresh_from_db()
    assert closed == 1
    assert resolved.status == FaultStatus.CLOSED
    assert resolved.closed_at == at
    assert resolved.auto_close_due_at is None
    (auto,) = events(resolved, EventKind.AUTO_ACCEPTED)
    assert auto.actor_kind == "timer"
    assert "auto-accepted" in auto.message
    status = events(resolved, EventKind.STATUS)[-1]
    assert (status.from_status, status.to_status, status.data["transition"]) == (
        "resolved",
        "closed",
        "auto_close",
    )


def test_not_closed_when_the_buyer_accepted(resolved, agent_user):
    fault_accept_resolution(fault_id=resolved.pk, actor=Actor.for_user(agent_user))

    assert faults_auto_close_due(now=resolved.resolved_at + timedelta(hours=49)) == 0
    assert events(resolved, EventKind.AUTO_ACCEPTED) == []


def test_not_closed_when_the_buyer_rejected(resolved, agent_user):
    fault_reject_resolution(
        fault_id=resolved.pk, actor=Actor.for_user(agent_user), reason="Still no light"
    )

    assert faults_auto_close_due(now=resolved.resolved_at + timedelta(hours=49)) == 0
    resolved.refresh_from_db()
    assert resolved.status == FaultStatus.REOPENED


def test_safe_to_run_twice(resolved):
    at = resolved.resolved_at + timedelta(hours=48, minutes=1)

    assert faults_auto_close_due(now=at) == 1
    assert faults_auto_close_due(now=at + timedelta(minutes=1)) == 0
    assert len(events(resolved, EventKind.AUTO_ACCEPTED)) == 1
    assert len([e for e in events(resolved, EventKind.STATUS) if e.to_status == "closed"]) == 1


def test_a_second_resolution_gets_its_own_deadline(resolved, agent_user):
    fault_reject_resolution(
        fault_id=resolved.pk,
        actor=Actor.for_user(agent_user),
        reason="No",
        at=resolved.resolved_at + timedelta(hours=1),
    )
    second_resolve = resolved.resolved_at + timedelta(hours=30)
    fault_apply_supplier_status(
        fault_id=resolved.pk, status="resolved", actor=Actor.partner("M2"), sent_at=second_resolve
    )

    # 48 h after the first resolution but only 18 h after the second: stays open for an answer.
    assert faults_auto_close_due(now=resolved.resolved_at + timedelta(hours=48)) == 0
    assert faults_auto_close_due(now=second_resolve + timedelta(hours=48)) == 1


def test_closes_in_batches_until_none_is_due(partner, buyer_identifier, sla_policy):
    start = timezone.now() - timedelta(days=5)
    faults = [
        bring_to(
            FaultFactory(supplier=partner, buyer_identifier=buyer_identifier),
            "resolved",
            start=start,
        )
        for _ in range(5)
    ]
    not_due = bring_to(
        FaultFactory(supplier=partner, buyer_identifier=buyer_identifier), "resolved"
    )

    closed = faults_auto_close_due(now=timezone.now(), batch_size=2)

    assert closed == 5
    for fault in faults:
        fault.refresh_from_db()
        assert fault.status == FaultStatus.CLOSED
    not_due.refresh_from_db()
    assert not_due.status == FaultStatus.RESOLVED


def test_the_periodic_task_closes_what_is_due(resolved):
    # `resolved` was resolved about five days ago, so it is due now.
    assert auto_close_resolved_faults.apply().get() == 1
    resolved.refresh_from_db()
    assert resolved.status == FaultStatus.CLOSED
