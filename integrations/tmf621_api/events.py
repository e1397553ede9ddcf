"""Our faults' domain events (`faults.events`) in TMF621 v4's words: which v4 events a change
is, and the body each is posted with. No database and no HTTP here.

=========================  ==========================================================
domain event               v4 events (in this order)
=========================  ==========================================================
FaultCreated               troubleTicketCreateEvent; for a draft, which the API shows as
                           `pending` (it waits on us), troubleTicketInformationRequiredEvent
StatusChanged              troubleTicketStatusChangeEvent, for every change of our status
                           (the ticket's `statusChange` gains an entry even when the TMF word
                           stays the same, e.g. open → in-progress); and
  … to resolved            troubleTicketResolvedEvent (MEF 124 R64)
  … to on-hold             troubleTicketInformationRequiredEvent (the supplier waits on us)
  … draft to cancelled     troubleTicketDeleteEvent (a ticket withdrawn before it was raised:
                           the only deletion the API allows)
AttributesChanged          troubleTicketAttributeValueChangeEvent, `fieldPath` the ticket's
                           attributes the changed fields show in, comma-separated; a change
                           the ticket does not show (the appointment, a late-repair figure,
                           the closure code) is no event
CommentAdded               troubleTicketAttributeValueChangeEvent, `fieldPath` "note"
AttachmentAdded            troubleTicketAttributeValueChangeEvent, `fieldPath` "attachment"
=========================  ==========================================================

A body is v4's notification: `{"eventId", "eventTime", "eventType", "fieldPath"?, "event":
{"troubleTicket": <the whole ticket>}}`, posted to `{callback}/listener/{eventType}`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from faults.choices import FaultStatus
from faults.events import (
    AttachmentAdded,
    AttributesChanged,
    CommentAdded,
    DomainEvent,
    FaultCreated,
    StatusChanged,
)
from integrations.tmf621.builders import CONTACT_ROLES
from integrations.tmf621_api.details import BY_FIELD
from integrations.tmf621_api.representation import FIELD_NAMES

CREATE = "troubleTicketCreateEvent"
ATTRIBUTE_VALUE_CHANGE = "troubleTicketAttributeValueChangeEvent"
STATUS_CHANGE = "troubleTicketStatusChangeEvent"
RESOLVED = "troubleTicketResolvedEvent"
INFORMATION_REQUIRED = "troubleTicketInformationRequiredEvent"
DELETE = "troubleTicketDeleteEvent"
# Every event type the hub sends, in the spec's order (what a subscription without a query gets).
EVENT_TYPES = (
    CREATE,
    ATTRIBUTE_VALUE_CHANGE,
    STATUS_CHANGE,
    RESOLVED,
    INFORMATION_REQUIRED,
    DELETE,
)
CONTENT_TYPE = "application/json;charset=utf-8"
OPERATION = "event"  # OutboundMessage.operation of a delivery to a subscriber

# The ticket attributes (`representation.ATTRIBUTES`) a changed field of ours shows in, beyond
# the characteristic every fault detail is (`details.DETAILS`). A name that is itself a ticket
# attribute (a change the API records in TMF's words) is its own path; a field in none of these
# is not shown by the ticket, and its change is no event.
FIELD_PATHS: dict[str, tuple[str, ...]] = {
    "description": ("description",),
    # Another priority or type may fall under another SLA policy: another expected date.
    "priority": ("priority", "expectedResolutionDate"),
    "fault_type": ("name", "severity", "expectedResolutionDate"),
    # The supplier's own fix time, once given, is the ticket's expected date.
    "supplier_expected_resolution_at": ("expectedResolutionDate",),
    "service_id": ("name", "relatedEntity"),
    "product_name": ("relatedEntity",),
    "maintainer_fault_reference": ("relatedParty",),
    **{f"{prefix}_name": ("relatedParty",) for prefix in CONTACT_ROLES},
    # The ticket's own attributes (`TicketAttributes`), by their field names.
    "ticket_type": ("ticketType",),
    "external_id": ("externalId",),
}
CHARACTERISTIC = "troubleTicketCharacteristic"
STATUS_REASON_PATH = "statusChangeReason"  # what an information required event points at


@dataclass(frozen=True)
class HubEvent:
    """One v4 event a domain event is: its type and, for the two that have one, `fieldPath`."""

    event_type: str
    field_path: str | None = None

    @property
    def listener_path(self) -> str:
        """Where it is posted, under the subscriber's callback."""
        return f"listener/{self.event_type}"


def hub_events(event: DomainEvent) -> list[HubEvent]:
    """The v4 events a domain event is, in the order they are sent (see the module's table)."""
    if isinstance(event, FaultCreated):
        created = [HubEvent(CREATE)]
        if event.status == FaultStatus.DRAFT:
            created.append(HubEvent(INFORMATION_REQUIRED, STATUS_REASON_PATH))
        return created
    if isinstance(event, StatusChanged):
        return _status_events(event)
    if isinstance(event, AttributesChanged):
        paths = field_paths(event.fields)
        return [HubEvent(ATTRIBUTE_VALUE_CHANGE, ",".join(paths))] if paths else []
    if isinstance(event, CommentAdded):
        return [HubEvent(ATTRIBUTE_VALUE_CHANGE, "note")]
    if isinstance(event, AttachmentAdded):
        return [HubEvent(ATTRIBUTE_VALUE_CHANGE, "attachment")]
    return []


def field_paths(fields: tuple[str, ...]) -> list[str]:
    """The ticket attributes that changed fields show in, sorted (see `FIELD_PATHS`)."""
    paths: set[str] = set()
    for name in fields:
        paths.update(FIELD_PATHS.get(name, ()))
        if name in BY_FIELD:
            paths.add(CHARACTERISTIC)
        if name in FIELD_NAMES:
            paths.add(name)
    return sorted(paths)


def _status_events(event: StatusChanged) -> list[HubEvent]:
    events = [HubEvent(STATUS_CHANGE)]
    if event.to_status == FaultStatus.RESOLVED:
        events.append(HubEvent(RESOLVED))
    elif event.to_status == FaultStatus.ON_HOLD:
        events.append(HubEvent(INFORMATION_REQUIRED, STATUS_REASON_PATH))
    elif event.from_status == FaultStatus.DRAFT and event.to_status == FaultStatus.CANCELLED:
        events.append(HubEvent(DELETE))
    return events


def event_body(
    *, event_id: str, hub_event: HubEvent, at: datetime, ticket: dict[str, Any]
) -> dict[str, Any]:
    """The v4 notification of one event about a ticket."""
    body: dict[str, Any] = {
        "eventId": event_id,
        "eventTime": timestamp(at),
        "eventType": hub_event.event_type,
    }
    if hub_event.field_path:
        body["fieldPath"] = hub_event.field_path
    body["event"] = {"troubleTicket": ticket}
    return body


def timestamp(at: datetime) -> str:
    """An instant as v4 writes it: UTC, milliseconds, `Z`."""
    return at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
