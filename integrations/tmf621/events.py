"""A TMF621 event, as a supplier posts it to our listener, read once into what the spine needs:
which event, its id and time, and the ticket it is about, whole or only its id. No HTTP and no
database here.

Two forms reach us (the contract, `INTERFACES.md`):

* v4's, the whole ticket: `{"eventId", "eventTime", "eventType", "event": {"troubleTicket":
  {...}}}`, with `fieldPath` on the attribute value change and information required events;
* MEF 124's, only the ticket's id: `"event": {"id": "<ticket id>"}`, or a ticket that is only
  a reference (`{"id", "href"}`). The ticket is fetched when the event is applied.

What we refuse (`EventUnreadable`, answered 400) is what we cannot use: a body that is no JSON
object, no `eventType` or one that is not the URL's, no `event`, no ticket id, an identity the
database cannot hold. Everything else v4 leaves loose is taken, and where the body departs from
the v4 schema (with the profile) is kept as the message's deviations.

Event types are v4's lowerCamel names; the seed writes them with a capital T
(`TroubleTicketStatusChangeEvent`), and both spellings are read as the same event.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from integrations.tmf621 import schema
from integrations.tmf621.tickets import (
    buyer_party_id,
    carries_only_id,
    clean_text,
    our_reference,
    parse_time,
    ticket_id,
)

EVENT_TYPES = schema.EVENT_TYPES
MAX_TICKET_ID = 36  # what `Fault.maintainer_fault_reference` holds
MAX_DEVIATIONS = 50
MAX_DEVIATION_LENGTH = 300


class EventUnreadable(Exception):
    """Not an event we can use; `reason` says why, for the sender."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def event_type_named(name: object) -> str | None:
    """v4's name of the event type `name` spells (v4's own spelling or the seed's capitalised
    one); None when it names none of the four events."""
    if not isinstance(name, str) or not name:
        return None
    v4_name = name[0].lower() + name[1:]
    if v4_name not in EVENT_TYPES or name not in (v4_name, v4_name[0].upper() + v4_name[1:]):
        return None
    return v4_name


@dataclass(frozen=True)
class TicketEvent:
    """What an event says, in the spine's terms."""

    event_type: str  # v4's name
    event_id: str  # the supplier's, or one made of the event's type, ticket and time
    event_time: datetime | None
    ticket: dict[str, Any]  # as sent: the whole ticket, or only a reference to it
    ticket_id: str
    buyer_fault_reference: str | None  # the ticket's externalId, when it is one of ours
    buyer_identifier: str | None  # the ticket's buyer party, None when it names none
    deviations: list[str] = field(default_factory=list)

    @property
    def only_id(self) -> bool:
        """Whether the event carries only the ticket's id (its state is to be fetched)."""
        return carries_only_id(self.ticket)


def _storable(value: str, name: str) -> str:
    """An identity the database can hold, or the reason it cannot (the edge refuses NUL)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise EventUnreadable(f"The {name} is not valid Unicode (a lone surrogate).") from None
    return value


def _text_id(value: object) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    return value if isinstance(value, str) and value else None


def _deviations(event_type: str, data: dict[str, Any]) -> list[str]:
    try:
        found = schema.validation_errors(event_type, data)
    except RecursionError:
        return ["(body): too deeply nested to check against the schema"]
    shown = [clean_text(problem)[:MAX_DEVIATION_LENGTH] for problem in found[:MAX_DEVIATIONS]]
    if len(found) > MAX_DEVIATIONS:
        shown.append(f"… and {len(found) - MAX_DEVIATIONS} more")
    return shown


def _ticket(payload: Any) -> dict[str, Any]:
    """The ticket the event's payload carries: v4's `troubleTicket`, or MEF 124's bare id."""
    if not isinstance(payload, dict):
        raise EventUnreadable("'event' is missing or not an object.")
    if "troubleTicket" in payload:
        ticket = payload["troubleTicket"]
        if not isinstance(ticket, dict):
            raise EventUnreadable("'event.troubleTicket' is not an object.")
        return ticket
    if "id" in payload:
        return {"id": payload["id"]}
    raise EventUnreadable("'event' carries no troubleTicket and no ticket id.")


def read_event_body(body: bytes, *, url_event_type: str | None = None) -> TicketEvent:
    """The event in a posted body (`read_event`), parsed from JSON."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        raise EventUnreadable(f"The body is not JSON: {exc}") from None
    return read_event(data, url_event_type=url_event_type)


def read_event(data: Any, *, url_event_type: str | None = None) -> TicketEvent:
    """The event in a parsed body. `url_event_type` (v4's name): the event the URL it was posted
    to is for; the body's must be the same."""
    if not isinstance(data, dict):
        raise EventUnreadable("The body is not a JSON object.")
    named = data.get("eventType")
    if named is None:
        raise EventUnreadable("'eventType' is missing.")
    event_type = event_type_named(named)
    if event_type is None:
        shown = clean_text(str(named))[:100]
        raise EventUnreadable(f"'eventType' {shown!r} is none of {', '.join(EVENT_TYPES)}.")
    if url_event_type is not None and event_type != url_event_type:
        raise EventUnreadable(
            f"'eventType' {event_type!r} is not the event of this listener URL "
            f"({url_event_type!r})."
        )
    ticket = _ticket(data.get("event"))
    the_ticket_id = ticket_id(ticket)
    if the_ticket_id is None:
        raise EventUnreadable("The ticket's 'id' is missing or empty.")
    _storable(the_ticket_id, "ticket id")
    if len(the_ticket_id) > MAX_TICKET_ID:
        raise EventUnreadable(f"The ticket id is longer than {MAX_TICKET_ID} characters.")
    deviations = _deviations(event_type, data)
    try:
        buyer = buyer_party_id(ticket)
    except ValueError as exc:
        raise EventUnreadable(f"The ticket's {exc}.") from None
    if buyer is not None:
        _storable(buyer, "buyer id")
    external_id = ticket.get("externalId")
    ours = our_reference(ticket)
    if external_id not in (None, "") and ours is None:
        deviations.append(
            f"externalId {clean_text(str(external_id))[:60]!r} is none of our references: "
            "the ticket is found by its id"
        )
    event_time = parse_time(data.get("eventTime"))
    if event_time is None:
        deviations.append("eventTime: missing or unreadable; taken as the ticket's own time")
    event_id = _text_id(data.get("eventId"))
    if event_id is None:
        stamp = event_time.isoformat() if event_time else ""
        event_id = f"{event_type}:{the_ticket_id}:{stamp}"
        deviations.append("eventId: missing; the event is known by its type, ticket and time")
    return TicketEvent(
        event_type=event_type,
        event_id=_storable(event_id, "event id"),
        event_time=event_time,
        ticket=ticket,
        ticket_id=the_ticket_id,
        buyer_fault_reference=ours,
        buyer_identifier=buyer,
        deviations=deviations,
    )
