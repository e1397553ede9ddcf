"""Events that carry only the ticket's id (MEF 124): applying one reads the ticket back from the
supplier (`GET troubleTicket/{id}`, a real HTTP server on loopback here) and applies what it
says. A fetch that fails leaves the event in the inbox to be tried again, the fault untouched;
a ticket that is not the one asked for is never applied."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from faults.choices import FaultStatus
from integrations.choices import InboundStatus
from integrations.inbox import MAX_APPLY_ATTEMPTS, inbox_apply
from integrations.models import InboundMessage, Partner
from integrations.tmf621.client import TicketFetchFailed, fetch_ticket
from tests.tmf621.listener.conftest import (
    BASE_PATH,
    BUYER,
    apply_received,
    free_port_in_range,
    post_event,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def id_only_event(ticket_id: str, *, event_id: str = "EV-1", at: datetime | None = None) -> dict:
    return {
        "eventId": event_id,
        "eventType": "troubleTicketStatusChangeEvent",
        "eventTime": (at or timezone.now()).isoformat(),
        "event": {"id": ticket_id},
    }


def supplier_ticket(fault, status: str, *, at: datetime, **fields) -> dict:
    return {
        "id": fault.maintainer_fault_reference,
        "externalId": fault.buyer_fault_reference,
        "status": status,
        "lastUpdate": at.isoformat(),
        "relatedParty": [{"id": BUYER, "role": "buyer", "@referredType": "Organization"}],
        **fields,
    }


@pytest.fixture
def fault(raise_fault):
    return raise_fault("in-progress", ticket="TT-1001")


def test_the_ticket_is_fetched_and_applied_as_of_its_own_time(client, fault, supplier_tickets):
    updated = datetime.now(UTC) - timedelta(minutes=2)
    supplier_tickets.tickets["TT-1001"] = supplier_ticket(
        fault, "resolved", at=updated, statusChangeReason="Card replaced"
    )

    assert post_event(client, id_only_event("TT-1001")).status_code == 201
    (message,) = apply_received()

    assert message.status == InboundStatus.APPLIED, message.last_error
    # Once, with the access token the supplier's token endpoint gave for our credentials.
    ((path, authorization),) = supplier_tickets.requests
    assert path == f"{BASE_PATH}/troubleTicket/TT-1001"
    assert authorization.startswith("Bearer token-")
    assert len(supplier_tickets.token_requests) == 1
    fault.refresh_from_db()
    assert (fault.status, fault.status_reason) == (FaultStatus.RESOLVED, "Card replaced")
    assert fault.resolved_at == updated


def test_a_late_id_only_event_applies_the_tickets_state_now(client, fault, supplier_tickets):
    """An event from before a newer one only points at the ticket: what is fetched is the
    ticket as it is now, so nothing older is applied."""
    now = datetime.now(UTC)
    supplier_tickets.tickets["TT-1001"] = supplier_ticket(fault, "resolved", at=now)
    post_event(client, id_only_event("TT-1001", event_id="NEW", at=now))
    post_event(client, id_only_event("TT-1001", event_id="OLD", at=now - timedelta(hours=1)))

    apply_received()

    fault.refresh_from_db()
    assert fault.status == FaultStatus.RESOLVED
    assert fault.events.filter(to_status=FaultStatus.RESOLVED).count() == 1


# A 401 is answered twice: the first only makes the token be renewed (next test).
@pytest.mark.parametrize(("status", "answers"), [(503, 1), (500, 1), (404, 1), (401, 2)])
def test_a_failed_fetch_keeps_the_event_to_try_again_and_changes_nothing(
    client, fault, supplier_tickets, status, answers
):
    supplier_tickets.tickets["TT-1001"] = supplier_ticket(fault, "resolved", at=datetime.now(UTC))
    supplier_tickets.fail_next(answers, status)
    post_event(client, id_only_event("TT-1001"))

    (message,) = apply_received()

    assert message.status == InboundStatus.RECEIVED
    assert message.last_error.startswith(
        f"TicketFetchFailed: GET troubleTicket/TT-1001 answered HTTP {status}: Try again later"
    )
    fault.refresh_from_db()
    assert fault.status == FaultStatus.IN_PROGRESS

    (message,) = apply_received()  # the sweep queues it again; the supplier answers this time

    assert message.status == InboundStatus.APPLIED
    fault.refresh_from_db()
    assert fault.status == FaultStatus.RESOLVED


def test_a_token_the_supplier_no_longer_takes_is_renewed_once_and_the_fetch_goes_on(
    client, fault, supplier_tickets
):
    supplier_tickets.tickets["TT-1001"] = supplier_ticket(fault, "resolved", at=datetime.now(UTC))
    post_event(client, id_only_event("TT-1001"))
    supplier_tickets.fail_next(1, 401)  # the token it just issued is refused once

    (message,) = apply_received()

    assert message.status == InboundStatus.APPLIED, message.last_error
    assert len(supplier_tickets.token_requests) == 2
    fault.refresh_from_db()
    assert fault.status == FaultStatus.RESOLVED


def test_a_supplier_that_is_down_is_tried_until_the_inbox_gives_up(client, tmf_supplier, fault):
    Partner.objects.filter(pk=tmf_supplier.pk).update(
        base_url=f"http://127.0.0.1:{free_port_in_range()}{BASE_PATH}", connect_timeout=1
    )
    post_event(client, id_only_event("TT-1001"))
    message = InboundMessage.objects.get()

    for _ in range(MAX_APPLY_ATTEMPTS):
        inbox_apply(inbound_id=message.pk)

    message.refresh_from_db()
    assert (message.status, message.attempts) == (InboundStatus.FAILED, MAX_APPLY_ATTEMPTS)
    assert "TicketFetchFailed: GET troubleTicket/TT-1001 failed" in message.last_error
    fault.refresh_from_db()
    assert fault.status == FaultStatus.IN_PROGRESS


def test_a_ticket_unknown_to_the_supplier_is_not_applied(client, fault, supplier_tickets):
    post_event(client, id_only_event("TT-1001"))

    (message,) = apply_received()

    assert message.status == InboundStatus.RECEIVED
    assert "answered HTTP 404: No such ticket" in message.last_error


def test_an_answer_with_another_ticket_is_not_applied(client, fault, supplier_tickets):
    supplier_tickets.tickets["TT-1001"] = {
        **supplier_ticket(fault, "resolved", at=datetime.now(UTC)),
        "id": "TT-2002",
    }
    post_event(client, id_only_event("TT-1001"))

    (message,) = apply_received()

    assert message.status == InboundStatus.RECEIVED
    assert "answered with the ticket 'TT-2002'" in message.last_error
    fault.refresh_from_db()
    assert fault.status == FaultStatus.IN_PROGRESS


def test_a_fetched_ticket_naming_another_fault_of_ours_is_not_applied(
    client, fault, raise_fault, supplier_tickets
):
    other = raise_fault("in-progress", ticket="TT-2002")
    supplier_tickets.tickets["TT-1001"] = {
        **supplier_ticket(fault, "resolved", at=datetime.now(UTC)),
        "externalId": other.buyer_fault_reference,
    }
    post_event(client, id_only_event("TT-1001"))

    (message,) = apply_received()

    assert message.status == InboundStatus.RECEIVED
    assert f"names our fault '{other.buyer_fault_reference}'" in message.last_error
    for each in (fault, other):
        each.refresh_from_db()
        assert each.status == FaultStatus.IN_PROGRESS


@pytest.mark.parametrize(
    ("answer", "error"),
    [(b"<html>oops</html>", "is not JSON"), (b"[1, 2]", "JSON that is not a ticket")],
)
def test_an_answer_that_is_no_ticket_is_not_applied(client, fault, supplier_tickets, answer, error):
    supplier_tickets.tickets["TT-1001"] = answer
    post_event(client, id_only_event("TT-1001"))

    (message,) = apply_received()

    assert message.status == InboundStatus.RECEIVED
    assert error in message.last_error


def test_a_supplier_whose_credentials_were_refused_is_not_asked(client, tmf_supplier, fault):
    Partner.objects.filter(pk=tmf_supplier.pk).update(credentials_broken_at=timezone.now())
    tmf_supplier.refresh_from_db()

    with pytest.raises(TicketFetchFailed, match="refused our credentials"):
        fetch_ticket(tmf_supplier, "TT-1001")


def test_a_ticket_id_is_one_path_segment_whatever_it_holds(tmf_supplier, supplier_tickets):
    supplier_tickets.tickets["..%2F..%2Fhub%3Fx%3D1"] = {"id": "../../hub?x=1"}

    ticket = fetch_ticket(tmf_supplier, "../../hub?x=1")

    assert ticket == {"id": "../../hub?x=1"}
    assert supplier_tickets.requests[-1][0] == f"{BASE_PATH}/troubleTicket/..%2F..%2Fhub%3Fx%3D1"
