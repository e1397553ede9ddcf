"""Ticket messages received through our hosted service and applied by the inbox: a partner's New
opens a fault under the reference we answered with; updates that arrive out of order, one of them
twice, are applied once each in the order they arrived (a message older than the status it would
move is recorded as stale, never applied over a newer one)."""

from datetime import UTC, datetime, timedelta

from faults.choices import EventKind, FaultStatus, OpenedBy
from faults.models import Fault
from integrations.choices import InboundStatus
from integrations.inbox import inbox_apply
from integrations.models import InboundMessage
from integrations.tep.namespaces import TYPES_NS
from tests.helpers import events
from tests.tep.edge.conftest import TICKET_URL, answer_of, new_stid, post, post_ticket_body

T = f"{{{TYPES_NS}}}"
T0 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
OPENING = {
    "Status": "Active",
    "Severity": "2-High",
    "ServiceId": "SVC-7",
    "Description": "Duct damaged; circuits down.",
}


def _send(client, pki, **ticket) -> str:
    response = post(client, TICKET_URL, post_ticket_body(**ticket), pki=pki)
    return answer_of(response).findtext(f".//{T}TicketReference")


def _apply_in_arrival_order() -> None:
    for inbound_id in (
        InboundMessage.objects.filter(status=InboundStatus.RECEIVED)
        .order_by("id")
        .values_list("id", flat=True)
    ):
        inbox_apply(inbound_id=inbound_id)


def test_a_partners_new_ticket_opens_the_fault_we_promised(client, pki, tep_partner):
    reference = _send(client, pki, stid=new_stid(), at=T0, details=OPENING)
    _apply_in_arrival_order()

    fault = Fault.objects.get(buyer_fault_reference=reference)
    assert (fault.supplier, fault.opened_by) == (tep_partner, OpenedBy.SUPPLIER)
    assert fault.maintainer_fault_reference == "INC-77"
    assert fault.status == FaultStatus.OPEN


def test_reordered_and_repeated_updates_are_applied_once_and_never_backwards(
    client, pki, tep_partner
):
    reference = _send(client, pki, at=T0, details=OPENING)
    _apply_in_arrival_order()
    resolved = new_stid()
    later = {"Status": "Resolved", "Resolution": "Spliced"}

    # Sent 09:05 (in progress) and 09:10 (resolved); the 09:10 one arrives first, and twice.
    for stid, at, details in (
        (resolved, T0 + timedelta(minutes=10), later),
        (new_stid(), T0 + timedelta(minutes=5), {"Status": "In Progress"}),
        (resolved, T0 + timedelta(minutes=11), later),
    ):
        ours = _send(
            client,
            pki,
            message_type="Update",
            receiver_reference=reference,
            stid=stid,
            at=at,
            details=details,
        )
        assert ours == reference
    _apply_in_arrival_order()

    fault = Fault.objects.get(buyer_fault_reference=reference)
    assert fault.status == FaultStatus.RESOLVED
    moves = [(e.from_status, e.to_status) for e in events(fault, EventKind.STATUS)]
    # Applied as they arrived (the inbox's order, as for every protocol): the resolution once,
    # and the in-progress sent before it, arriving after it, recorded as stale, not applied.
    assert moves.count(("open", "resolved")) == 1
    assert ("resolved", "in-progress") not in moves
    (stale,) = events(fault, EventKind.STALE_STATUS)
    assert stale.to_status == FaultStatus.IN_PROGRESS
    repeated = InboundMessage.objects.get(message_id=resolved)
    assert (repeated.duplicates_received, repeated.status) == (1, InboundStatus.APPLIED)


def test_an_update_older_than_the_status_applied_is_stale(client, pki, tep_partner):
    reference = _send(client, pki, at=T0, details=OPENING)
    _apply_in_arrival_order()
    _send(
        client,
        pki,
        message_type="Update",
        receiver_reference=reference,
        at=T0 + timedelta(minutes=10),
        details={"Status": "In Progress"},
    )
    _apply_in_arrival_order()
    # Applied already when the older one arrives: it cannot come first any more.
    _send(
        client,
        pki,
        message_type="Update",
        receiver_reference=reference,
        at=T0 + timedelta(minutes=5),
        details={"Status": "On Hold"},
    )
    _apply_in_arrival_order()

    fault = Fault.objects.get(buyer_fault_reference=reference)
    assert fault.status == FaultStatus.IN_PROGRESS
    assert len(events(fault, EventKind.STALE_STATUS)) == 1
