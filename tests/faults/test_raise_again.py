"""Raise again (`fault_raise_again`): a rejected or cancelled fault copied into a new draft, with
what the agent entered and nothing the supplier gave, linked both ways and on both timelines."""

import pytest

from faults import events as domain_events
from faults.choices import EventKind, FaultStatus
from faults.errors import FaultValidationError
from faults.models import Fault
from faults.services import fault_amend, fault_apply_supplier_status
from faults.services.raise_again import COPIED_FIELDS, fault_raise_again
from integrations.models import BuyerIdentifier
from tests.factories import BuyerIdentifierFactory
from tests.helpers import SUPPLIER, bring_to, events

pytestmark = pytest.mark.django_db


@pytest.fixture
def rejected(draft, agent):
    fault_amend(
        fault_id=draft.pk,
        actor=agent,
        changes={
            "reporter_name": "Rita Reporter",
            "end_user_email": "end.user@example.test",
            "address_key": "100012345678",
            "product_name": "ftthl2r",
            "priority": 2,
        },
    )
    fault = bring_to(draft, FaultStatus.ACCEPTED)
    # What the supplier gave along the way must not be copied.
    fault_apply_supplier_status(
        fault_id=fault.pk, status="cancelled", actor=SUPPLIER, reason="Duplicate of CS0099"
    )
    fault.refresh_from_db()
    return fault


def test_the_new_draft_copies_what_the_agent_entered_and_nothing_the_supplier_gave(rejected, agent):
    new = fault_raise_again(fault_id=rejected.pk, actor=agent)

    assert new.status == FaultStatus.DRAFT
    assert new.buyer_fault_reference != rejected.buyer_fault_reference
    for name in COPIED_FIELDS:
        assert getattr(new, name) == getattr(rejected, name), name
    assert (new.supplier, new.buyer_identifier, new.priority) == (
        rejected.supplier,
        rejected.buyer_identifier,
        2,
    )
    assert rejected.maintainer_fault_reference == "CS0001"
    assert new.maintainer_fault_reference == ""
    assert new.status_reason == "" and rejected.status_reason
    assert new.sla_due_at is None and new.submitted_at is None and new.accepted_at is None
    assert new.created_by == agent.user


def test_the_two_are_linked_both_ways_and_each_timeline_says_so(rejected, agent):
    new = fault_raise_again(fault_id=rejected.pk, actor=agent)

    assert new.raised_again_from == rejected
    assert list(rejected.raised_again_as.all()) == [new]
    [on_new] = events(new, EventKind.RAISED_AGAIN)
    [on_old] = events(rejected, EventKind.RAISED_AGAIN)
    assert on_new.message == f"Raised again from {rejected}."
    assert on_old.message == f"Raised again as {new}."
    assert on_old.actor_user == agent.user


def test_a_rejected_fault_is_raised_again(draft, agent):
    fault = bring_to(draft, FaultStatus.REJECTED)
    assert fault_raise_again(fault_id=fault.pk, actor=agent).raised_again_from == fault


@pytest.mark.parametrize(
    "status",
    [
        FaultStatus.DRAFT,
        FaultStatus.PENDING,
        FaultStatus.ACCEPTED,
        FaultStatus.IN_PROGRESS,
        FaultStatus.RESOLVED,
        FaultStatus.CLOSED,
    ],
)
def test_a_fault_in_another_status_is_refused_and_nothing_is_made(draft, agent, status):
    fault = bring_to(draft, status)
    before = Fault.objects.count()

    with pytest.raises(FaultValidationError) as refused:
        fault_raise_again(fault_id=fault.pk, actor=agent)

    assert "only a rejected or cancelled fault is raised again" in refused.value.message
    assert Fault.objects.count() == before
    assert events(fault, EventKind.RAISED_AGAIN) == []


def test_a_retired_buyer_identifier_falls_back_to_the_suppliers_default(draft, agent, partner):
    old_identifier = BuyerIdentifierFactory(partner=partner, code="SPOLD1")
    fault = Fault.objects.get(pk=draft.pk)
    fault.buyer_identifier = old_identifier
    fault.save()
    fault = bring_to(fault, FaultStatus.REJECTED)
    BuyerIdentifier.objects.filter(pk=old_identifier.pk).update(is_active=False)

    new = fault_raise_again(fault_id=fault.pk, actor=agent)

    assert new.buyer_identifier.code == "SPTEST1"


def test_raising_again_tells_no_partner_about_the_old_fault(draft, agent):
    fault = bring_to(draft, FaultStatus.REJECTED)
    heard = []
    with domain_events.subscribed(heard.append):
        new = fault_raise_again(fault_id=fault.pk, actor=agent)

    assert [(type(e).__name__, e.fault_id) for e in heard] == [("FaultCreated", new.pk)]
