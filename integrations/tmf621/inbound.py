"""Applying what a TMF621 supplier tells us to our faults, from the inbox (design §7: stored raw
and acknowledged first, applied after).

Two kinds of stored message:

* an event from the listener (its `eventType` as the message type): the ticket it carries is
  applied as of the event's time; an event carrying only the ticket's id (MEF 124) fetches the
  ticket first (`client.fetch_ticket`) and applies it as of the ticket's own time. A fetch that
  fails raises, so the inbox keeps the event and tries again;
* a whole ticket (`TICKET_MESSAGE_TYPE`), stored by `store_ticket` from a GET answer or the
  back-fill, applied as of its `lastUpdate`.

Either way, the ticket becomes a `SupplierReport` (`tickets.ticket_to_report`) applied by the
faults service, which never lets an older status override a newer one.
"""

from __future__ import annotations

import json
from typing import Any

from faults.services import Actor, fault_apply_supplier_report
from integrations.inbox import Received, UnknownFault, inbox_store
from integrations.models import InboundMessage, Partner
from integrations.tmf621 import schema
from integrations.tmf621.client import TicketFetchFailed, fetch_ticket
from integrations.tmf621.events import MAX_TICKET_ID, read_event
from integrations.tmf621.models import Tmf621Connection
from integrations.tmf621.tickets import (
    buyer_party_id,
    clean_text,
    our_reference,
    ticket_id,
    ticket_time,
    ticket_to_report,
)

TICKET_MESSAGE_TYPE = "troubleTicket"


def holds_pause_sla(partner: Partner) -> bool:
    """The partner's setting; False for a partner without TMF621 connection settings."""
    setting = (
        Tmf621Connection.objects.filter(partner=partner)
        .values_list("holds_pause_sla", flat=True)
        .first()
    )
    return bool(setting)


def _is_storable(*values: str | None) -> bool:
    """Every identity can be kept as database text (no NUL, no lone surrogate)."""
    for value in values:
        if value is None:
            continue
        if "\x00" in value:
            return False
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
    return True


def store_ticket(*, partner: Partner, ticket: dict[str, Any], source: str) -> int | None:
    """Store a whole ticket (a GET answer, the back-fill) in the inbox, to be applied like an
    event; the same state of the same ticket is stored once (message id
    `{source}:{id}:{lastUpdate}`). Its fault is found by its `externalId`, else by its id, under
    the buyer it names (any of the partner's when it names none). Returns the inbound id, or
    None when the ticket names no fault of ours. Runs in the caller's transaction: the apply
    task is queued when it commits."""
    the_ticket_id = ticket_id(ticket)
    try:
        buyer = buyer_party_id(ticket)
    except ValueError:
        return None
    if the_ticket_id is None or len(the_ticket_id) > MAX_TICKET_ID:
        return None
    if buyer is not None and not _buyer_is_ours(partner, buyer):
        return None
    ours = our_reference(ticket)
    last_update = ticket.get("lastUpdate")
    message_id = f"{source}:{the_ticket_id}:{last_update if isinstance(last_update, str) else ''}"
    if not _is_storable(message_id, buyer):
        return None
    try:
        body = json.dumps(ticket, ensure_ascii=True).encode()
        errors = schema.validation_errors("ticket", ticket)
    except (ValueError, RecursionError):
        return None
    received = Received(
        partner=partner,
        message_type=TICKET_MESSAGE_TYPE,
        message_id=message_id,
        body=body,
        buyer_identifier=buyer,
        buyer_fault_reference=ours,
        partner_fault_reference=the_ticket_id,
        sent_at=ticket_time(ticket),
        deviations=[clean_text(error)[:300] for error in errors[:50]],
    )
    try:
        return inbox_store(received).inbound_id
    except UnknownFault:  # WrongBuyerIdentifier included
        return None


def _buyer_is_ours(partner: Partner, code: str) -> bool:
    return partner.buyer_identifiers.filter(code=code, is_active=True).exists()


def apply_inbound(message: InboundMessage) -> None:
    """Apply a stored event or ticket to its fault (in the inbox's transaction)."""
    if message.fault_id is None:
        raise ValueError("A TMF621 message is always stored against a fault.")
    data = json.loads(bytes(message.body))
    partner = message.partner
    if message.message_type == TICKET_MESSAGE_TYPE:
        ticket, sent_at = data, ticket_time(data)
    else:
        event = read_event(data)
        if event.only_id:
            ticket = fetch_ticket(partner, event.ticket_id)
            _check_fetched(ticket, message)
            sent_at = ticket_time(ticket) or event.event_time
        else:
            ticket = event.ticket
            sent_at = event.event_time or ticket_time(ticket)
    report = ticket_to_report(ticket, sent_at=sent_at, holds_pause_sla=holds_pause_sla(partner))
    fault_apply_supplier_report(
        fault_id=message.fault_id, report=report, actor=Actor.partner(message.message_id)
    )


def _check_fetched(ticket: dict[str, Any], message: InboundMessage) -> None:
    """The fetched ticket must be about the fault the event was stored against: a ticket that
    names another of our faults is not applied to this one."""
    external_id = ticket.get("externalId")
    reference = message.fault.buyer_fault_reference
    if isinstance(external_id, str) and external_id and external_id != reference:
        raise TicketFetchFailed(
            f"The supplier's ticket {ticket_id(ticket)} names our fault "
            f"{clean_text(external_id)[:40]!r}, not {reference}."
        )
