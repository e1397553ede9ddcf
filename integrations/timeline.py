"""The messages exchanged with the supplier, on a fault's timeline (a contribution to
`faults.timeline`): what happened to each message, never its body."""

from faults.choices import EventKind
from faults.contributions import TimelinePart, TimelineSource
from faults.models import Fault
from faults.timeline import TimelineActors, TimelineEntry, operation_label
from integrations.choices import INBOUND_STATUS_COLOURS, OUTBOUND_STATUS_COLOURS
from integrations.models import InboundMessage, OutboundMessage

# A partner message's delivery state (outbound and inbound values differ), with its badge colour.
DELIVERY_COLOURS = {**OUTBOUND_STATUS_COLOURS, **INBOUND_STATUS_COLOURS}


def _outbound_entry(message: OutboundMessage, supplier: str) -> TimelineEntry:
    return TimelineEntry(
        kind="outbound",
        label="Sent to supplier",
        at=message.created_at,
        who=f"Us → {supplier}",
        text=f"{operation_label(message.operation)} ({message.message_type})",
        delivery=message.status,
        delivery_label=message.get_status_display(),
        delivery_colour=DELIVERY_COLOURS.get(message.status, "grey"),
        attempts=message.attempts,
        last_error=message.last_error,
        details={"response_code": message.response_code, "delivered_at": message.delivered_at},
        order=message.pk,
    )


def _inbound_entry(message: InboundMessage, supplier: str) -> TimelineEntry:
    return TimelineEntry(
        kind="inbound",
        label="Received from supplier",
        at=message.sent_at or message.received_at,
        who=supplier,
        text=message.message_type,
        delivery=message.status,
        delivery_label=message.get_status_display(),
        delivery_colour=DELIVERY_COLOURS.get(message.status, "grey"),
        attempts=message.attempts,
        last_error=message.last_error,
        details={"duplicates": message.duplicates_received},
        order=message.pk,
    )


def read_outbound(*, fault: Fault) -> TimelinePart:
    """Our messages to the supplier; their ids name the supplier's answers on the timeline.
    Messages about the fault to other partners (a package's event deliveries to its
    subscribers) are not calls to the supplier and are not shown here."""
    outbound = list(
        OutboundMessage.objects.filter(fault_id=fault.pk, partner_id=fault.supplier_id).defer(
            "body", "payload", "response_body"
        )
    )

    def entries(actors: TimelineActors) -> list[TimelineEntry]:
        return [_outbound_entry(m, actors.supplier) for m in outbound]

    names = {m.message_id: operation_label(m.operation) for m in outbound}
    return TimelinePart(entries=entries, message_names=names)


def read_inbound(*, fault: Fault) -> TimelinePart:
    inbound = list(InboundMessage.objects.filter(fault_id=fault.pk).defer("body", "deviations"))

    def entries(actors: TimelineActors) -> list[TimelineEntry]:
        return [_inbound_entry(m, actors.supplier) for m in inbound]

    return TimelinePart(entries=entries)


# After the appointment history (rank 10): a supplier's message below what it caused.
TIMELINE_SOURCES = (
    # A call to the supplier is shown as its message, with how its delivery went.
    TimelineSource(key="outbound", read=read_outbound, rank=20, shows=(EventKind.PARTNER_CALL,)),
    TimelineSource(key="inbound", read=read_inbound, rank=30),
)
