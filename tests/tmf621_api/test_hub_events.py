"""Which v4 events each change of a fault is (`events.hub_events`), and the body each is posted
with: the table of `integrations/tmf621_api/events.py`."""

from datetime import UTC, datetime

import pytest

from faults.events import (
    APPOINTMENT,
    AttachmentAdded,
    AttributesChanged,
    CommentAdded,
    FaultCreated,
    FaultResolved,
    InformationRequired,
    StatusChanged,
)
from integrations.tmf621.schema import validation_errors
from integrations.tmf621_api.events import HubEvent, event_body, hub_events

AT = datetime(2026, 11, 23, 9, 30, 15, 123456, tzinfo=UTC)
COMMON = {"fault_id": 1, "at": AT, "actor": "test", "audit_event_id": 1}
CREATE = "troubleTicketCreateEvent"
CHANGE = "troubleTicketAttributeValueChangeEvent"
STATUS = "troubleTicketStatusChangeEvent"
RESOLVED = "troubleTicketResolvedEvent"
INFO = "troubleTicketInformationRequiredEvent"
DELETE = "troubleTicketDeleteEvent"


def status(from_status: str, to_status: str, kind=StatusChanged):
    return kind(from_status=from_status, to_status=to_status, **COMMON)


def changed(*fields: str) -> AttributesChanged:
    return AttributesChanged(fields=fields, **COMMON)


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        # A fault raised at once; a draft, which the API shows `pending` (it waits on us).
        (FaultCreated(status="pending", **COMMON), [(CREATE, None)]),
        (
            FaultCreated(status="draft", **COMMON),
            [(CREATE, None), (INFO, "statusChangeReason")],
        ),
        # Every status change, and the three the spec names on top of it.
        (status("draft", "pending"), [(STATUS, None)]),
        (status("open", "in-progress"), [(STATUS, None)]),
        (status("resolved", "re-opened"), [(STATUS, None)]),
        (status("in-progress", "resolved", FaultResolved), [(STATUS, None), (RESOLVED, None)]),
        (
            status("in-progress", "on-hold", InformationRequired),
            [(STATUS, None), (INFO, "statusChangeReason")],
        ),
        (status("draft", "cancelled"), [(STATUS, None), (DELETE, None)]),
        (status("in-progress", "cancelled"), [(STATUS, None)]),
        # Attribute changes: the ticket attributes the fields show in.
        (changed("description"), [(CHANGE, "description")]),
        (changed("priority"), [(CHANGE, "expectedResolutionDate,priority")]),
        (changed("supplier_expected_resolution_at"), [(CHANGE, "expectedResolutionDate")]),
        (changed("maintainer_fault_reference"), [(CHANGE, "relatedParty")]),
        (changed("triage_findings"), [(CHANGE, "troubleTicketCharacteristic")]),
        (
            changed("reporter_name", "fault_location"),
            [(CHANGE, "relatedParty,troubleTicketCharacteristic")],
        ),
        (changed("severity", "external_id"), [(CHANGE, "externalId,severity")]),
        (CommentAdded(comment_id=3, **COMMON), [(CHANGE, "note")]),
        (AttachmentAdded(attachment_id=4, **COMMON), [(CHANGE, "attachment")]),
        # What the ticket does not show is no news to a subscriber.
        (changed(APPOINTMENT), []),
        (changed("late_repair_total_days", "late_repair_seller_days"), []),
        (changed("closure_code"), []),
    ],
)
def test_the_v4_events_each_change_is(event, expected):
    assert [(e.event_type, e.field_path) for e in hub_events(event)] == expected


def definition(event_type: str) -> str:
    return event_type[0].upper() + event_type[1:]


@pytest.mark.parametrize(
    "hub_event",
    [
        HubEvent(CREATE),
        HubEvent(STATUS),
        HubEvent(RESOLVED),
        HubEvent(DELETE),
        HubEvent(CHANGE, "note"),
        HubEvent(INFO, "statusChangeReason"),
    ],
    ids=lambda e: e.event_type,
)
def test_a_body_is_the_v4_notification_with_the_whole_ticket(hub_event):
    ticket = {"id": "NOC-1", "href": "http://x/troubleTicket/NOC-1", "@type": "TroubleTicket"}

    body = event_body(event_id="e-1", hub_event=hub_event, at=AT, ticket=ticket)

    assert validation_errors(definition(hub_event.event_type), body) == []
    assert body["eventId"] == "e-1"
    assert body["eventType"] == hub_event.event_type
    assert body["eventTime"] == "2026-11-23T09:30:15.123Z"
    assert body["event"] == {"troubleTicket": ticket}
    assert body.get("fieldPath") == hub_event.field_path
    assert hub_event.listener_path == f"listener/{hub_event.event_type}"
