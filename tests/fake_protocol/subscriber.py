"""The fake protocol's domain-event subscriber (declared in package.py): what a TMF621 hub does,
kept small. Every event of a fault is written, in the change's transaction, as one outbound
message to each subscriber partner: an active partner of the fake protocol that is not the
fault's supplier (the supplier hears about the fault through its adapter's calls instead). The
outbox sends it after commit, in order per (partner, fault).

An event recorded as the demo's past (`history=True`) is not news to anyone: nothing is written."""

import dataclasses

from faults.events import DomainEvent
from faults.models import Fault
from integrations.http import OutboundRequest
from integrations.models import Partner
from integrations.outbox import new_message_id, outbox_enqueue
from tests.fake_protocol import PROTOCOL, wire

OPERATION = "event"  # OutboundMessage.operation of a subscriber's message
# What every event carries and the document says elsewhere (or not at all: the flag is False).
COMMON_FIELDS = frozenset({"fault_id", "audit_event_id", "history"})


def subscriber_partners(fault: Fault) -> list[Partner]:
    return list(
        Partner.objects.filter(protocol=PROTOCOL, is_active=True)
        .exclude(pk=fault.supplier_id)
        .order_by("pk")
    )


def event_fields(event: DomainEvent) -> dict:
    fields = dataclasses.asdict(event)
    return {name: value for name, value in fields.items() if name not in COMMON_FIELDS}


def notify_subscribers(event: DomainEvent) -> None:
    if event.history:
        return
    fault = Fault.objects.get(pk=event.fault_id)
    for partner in subscriber_partners(fault):
        message_id = new_message_id()
        body = wire.event_body(
            message_id=message_id,
            event_type=type(event).__name__,
            sent_at=event.at,
            buyer_fault_reference=fault.buyer_fault_reference,
            fields=event_fields(event),
        )
        outbox_enqueue(
            partner=partner,
            fault=fault,
            operation=OPERATION,
            payload={"event": type(event).__name__, "audit_event_id": event.audit_event_id},
            request=OutboundRequest(
                message_type=wire.EVENT,
                method="POST",
                path=wire.EVENTS_PATH,
                body=body,
                content_type=wire.CONTENT_TYPE,
            ),
            at=event.at,
            message_id=message_id,
        )
