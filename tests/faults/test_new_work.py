"""New work since a moment, as the queue announces it and the digest lists it: each of the five
kinds appears once it happened after the moment, not before, and not once it is dealt with."""

from datetime import timedelta

import pytest
from django.utils import timezone

from faults.choices import FaultStatus, OpenedBy, SlaState
from faults.exceptions.models import CallToAction, TicketException, TicketExceptionRule
from faults.exceptions.shipped import ship_rules
from faults.new_work import LONGEST_WINDOW, new_work_since
from tests.factories import FaultFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def now():
    ship_rules(TicketExceptionRule, CallToAction)  # flushed by an earlier transactional test
    return timezone.now()


def kinds(items):
    return [(item.kind, item.reference) for item in items]


def test_each_kind_after_the_moment_is_new_work_newest_first(now):
    since = now - timedelta(minutes=10)
    rejected = FaultFactory(status=FaultStatus.REJECTED, rejected_at=now - timedelta(minutes=9))
    resolved = FaultFactory(status=FaultStatus.RESOLVED, resolved_at=now - timedelta(minutes=8))
    breached = FaultFactory(
        status=FaultStatus.IN_PROGRESS,
        sla_state=SlaState.BREACHED,
        sla_due_at=now - timedelta(minutes=7),
    )
    opened = FaultFactory(status=FaultStatus.ACCEPTED, opened_by=OpenedBy.SUPPLIER)
    type(opened).objects.filter(pk=opened.pk).update(created_at=now - timedelta(minutes=6))
    excepted = FaultFactory(status=FaultStatus.IN_PROGRESS)
    TicketException.objects.create(
        fault=excepted,
        rule=TicketExceptionRule.objects.get(type_name="NO_SUPPLIER_UPDATE"),
        subject="Supplier 4 silent for 24 hours",
        raised_at=now - timedelta(minutes=5),
    )

    items = new_work_since(since, now)

    assert kinds(items) == [
        ("exception", excepted.buyer_fault_reference),
        ("supplier-opened", opened.buyer_fault_reference),
        ("breached", breached.buyer_fault_reference),
        ("resolved", resolved.buyer_fault_reference),
        ("rejected", rejected.buyer_fault_reference),
    ]
    assert items[0].text == "Supplier 4 silent for 24 hours"
    assert items[-1].title == "Rejected by the supplier"
    assert items[-1].text == rejected.supplier.name


def test_work_from_before_the_moment_is_not_new(now):
    FaultFactory(status=FaultStatus.REJECTED, rejected_at=now - timedelta(minutes=11))
    FaultFactory(
        status=FaultStatus.IN_PROGRESS,
        sla_state=SlaState.BREACHED,
        sla_due_at=now - timedelta(minutes=11),
    )
    assert new_work_since(now - timedelta(minutes=10), now) == []


def test_work_already_dealt_with_is_not_announced(now):
    since = now - timedelta(minutes=10)
    # Rejected, then raised again by the agent: no longer a rejection waiting.
    FaultFactory(status=FaultStatus.CANCELLED, rejected_at=now - timedelta(minutes=9))
    # Resolved, and we already accepted it.
    FaultFactory(status=FaultStatus.CLOSED, resolved_at=now - timedelta(minutes=9))
    # An exception raised and solved in the window.
    TicketException.objects.create(
        fault=FaultFactory(status=FaultStatus.IN_PROGRESS),
        rule=TicketExceptionRule.objects.get(type_name="NO_SUPPLIER_UPDATE"),
        subject="Silent",
        raised_at=now - timedelta(minutes=9),
        solved_at=now - timedelta(minutes=1),
    )
    assert new_work_since(since, now) == []


def test_it_looks_back_a_day_at_most_and_lists_a_bounded_number(now):
    FaultFactory(status=FaultStatus.REJECTED, rejected_at=now - LONGEST_WINDOW - timedelta(hours=1))
    recent = [
        FaultFactory(status=FaultStatus.REJECTED, rejected_at=now - timedelta(minutes=n))
        for n in range(1, 6)
    ]
    items = new_work_since(now - timedelta(days=30), now, limit=3)
    assert kinds(items) == [("rejected", f.buyer_fault_reference) for f in recent[:3]]
