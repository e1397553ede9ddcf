"""`inbound.store_ticket`: a whole ticket read back from the supplier (a GET answer, the
back-fill) stored in the inbox like an event and applied by it; the same state stored once; a
ticket that names no fault of ours stored not at all."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction

from faults.choices import FaultStatus
from integrations.choices import InboundStatus
from integrations.models import InboundMessage
from integrations.tmf621.inbound import TICKET_MESSAGE_TYPE, store_ticket
from tests.factories import BuyerIdentifierFactory
from tests.tmf621.listener.conftest import BUYER, apply_received

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

UPDATED = datetime(2024, 3, 1, 9, 30, tzinfo=UTC)


def ticket_of(fault, status: str = "resolved", **fields) -> dict:
    return {
        "id": fault.maintainer_fault_reference,
        "externalId": fault.buyer_fault_reference,
        "status": status,
        "statusChangeReason": "Card replaced",
        "lastUpdate": "2024-03-01T09:30:00Z",
        "relatedParty": [{"id": BUYER, "role": "buyer", "@referredType": "Organization"}],
        **fields,
    }


@pytest.fixture
def fault(raise_fault):
    return raise_fault("in-progress", ticket="TT-1001", start=UPDATED - timedelta(hours=2))


def test_a_ticket_is_stored_for_its_fault_and_applied_as_of_its_last_update(fault):
    inbound_id = store_ticket(partner=fault.supplier, ticket=ticket_of(fault), source="get")

    stored = InboundMessage.objects.get(pk=inbound_id)
    assert (stored.fault, stored.message_type, stored.message_id, stored.sent_at) == (
        fault,
        TICKET_MESSAGE_TYPE,
        "get:TT-1001:2024-03-01T09:30:00Z",
        UPDATED,
    )
    (applied,) = apply_received()
    assert applied.status == InboundStatus.APPLIED, applied.last_error
    fault.refresh_from_db()
    assert (fault.status, fault.status_reason, fault.resolved_at) == (
        FaultStatus.RESOLVED,
        "Card replaced",
        UPDATED,
    )


def test_the_same_state_of_a_ticket_is_stored_once_a_new_one_again(fault):
    first = store_ticket(partner=fault.supplier, ticket=ticket_of(fault), source="backfill")
    again = store_ticket(partner=fault.supplier, ticket=ticket_of(fault), source="backfill")
    later = store_ticket(
        partner=fault.supplier,
        ticket=ticket_of(fault, "closed", lastUpdate="2024-03-01T10:00:00Z"),
        source="backfill",
    )

    assert first == again != later
    assert InboundMessage.objects.count() == 2
    assert InboundMessage.objects.get(pk=first).duplicates_received == 1


def test_a_ticket_without_our_reference_is_found_by_its_id(fault):
    ticket = ticket_of(fault)
    del ticket["externalId"]

    inbound_id = store_ticket(partner=fault.supplier, ticket=ticket, source="get")

    assert InboundMessage.objects.get(pk=inbound_id).fault == fault


def test_a_ticket_naming_no_buyer_is_looked_up_under_the_partners_buyer_ids(fault):
    ticket = ticket_of(fault, relatedParty=[])

    assert store_ticket(partner=fault.supplier, ticket=ticket, source="get") is not None


@pytest.mark.parametrize(
    "change",
    [
        {"id": "TT-9999", "externalId": None},
        {"externalId": "NOC-NO-SUCH"},
        {"relatedParty": [{"id": "SOMEONE-ELSE", "role": "buyer"}]},
        {"relatedParty": [{"id": "NOC-TMF-2", "role": "buyer"}]},
        {"relatedParty": [{"role": "buyer"}]},
        {"id": None},
        {"id": "T" * 37, "externalId": None},
        {"lastUpdate": "2024\x00"},
    ],
    ids=[
        "unknown ticket",
        "unknown reference",
        "another buyer",
        "our other buyer id",
        "buyer without id",
        "no id",
        "id too long",
        "NUL",
    ],
)
def test_a_ticket_that_names_no_fault_of_ours_is_not_stored(fault, change):
    BuyerIdentifierFactory(partner=fault.supplier, code="NOC-TMF-2")
    ticket = {**ticket_of(fault), **change}
    ticket = {name: value for name, value in ticket.items() if value is not None}

    assert store_ticket(partner=fault.supplier, ticket=ticket, source="get") is None
    assert not InboundMessage.objects.exists()


def test_it_queues_the_apply_when_the_callers_transaction_commits(
    fault, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        store_ticket(partner=fault.supplier, ticket=ticket_of(fault), source="get")

    assert len(callbacks) == 1
