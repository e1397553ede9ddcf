"""Domain events: one typed event for each change of a fault, for the subscribers integration
packages register (a TMF621 hub that notifies listeners, a ticket exchange that posts updates).

Where they come from. Every change of a fault writes one row through the audit funnel
(`faults.services.audit.fault_event_record`); the funnel turns that row into at most one event
here (`event_for`) and hands it to every subscriber. Rows that record no change of the fault emit
nothing: an anomaly, an ignored older status, a queued or dismissed call to a partner, and the
auto-accept note (its status change, resolved → closed, is the transition's own row and event),
and an internal note (it never leaves the NOC).

Which event a row means:

=====================  ============================================================
audit row kind          event
=====================  ============================================================
created                 FaultCreated (status: the status it was created in)
status                  StatusChanged(from_status, to_status); when the fault becomes
                        resolved a FaultResolved, when it goes on-hold (the supplier waits
                        on us: TMF621/MEF 124 `pending`) an InformationRequired. Both are
                        StatusChanged subclasses, so a change is still one event: a TMF621
                        hub sends TroubleTicketStatusChangeEvent for every StatusChanged and,
                        for these two, TroubleTicketResolvedEvent or
                        TroubleTicketInformationRequiredEvent too (MEF 124 R62, R64, R66).
                        A status that skips steps is one row, so one event, per step.
amended                 AttributesChanged(fields: the fault fields the agent changed)
supplier-data           AttributesChanged(fields: the fault fields the supplier changed)
comment                 CommentAdded(comment_id), ours or the supplier's
attachment              AttachmentAdded(attachment_id)
=====================  ============================================================

`AttributesChanged.fields` names fault fields, and `APPOINTMENT` when what changed is the fault's
appointment as the appointments app tracks it (the supplier confirmed, moved or cancelled it)
rather than a field of the fault.

The durable contract. Subscribers are called synchronously, inside the transaction of the change,
right after its audit row is written, one event at a time in the order the rows are written (a
change a subscriber itself makes is delivered after the event that caused it has reached every
subscriber). So a row a subscriber writes (an outbound message) commits with the change, and a
rollback leaves none. A subscriber is called before the outcome is known: whatever it does
outside the database must wait for the commit (`transaction.on_commit`), as the outbox does. An
exception a subscriber raises is not caught: the change fails with it. A subscriber that must not
stop a change must catch its own errors.

Demo history. While faults are given a past (`events_recording_history`, entered by the demo's
`recording_history`), events are still emitted, with `history=True`: the change happened long
ago, and a subscriber should deliver nothing to a partner for it (the outbox already records
what it is asked to send then as delivered, never sent).

This module imports nothing of the integration or appointment apps; they import it.
"""

from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from faults.choices import EventKind, FaultStatus

if TYPE_CHECKING:
    from faults.models import FaultEvent as AuditRow

# What `AttributesChanged.fields` names when the fault's appointment changed, not a fault field.
APPOINTMENT = "appointment"
# A late-repair notification replaces these figures together.
LATE_REPAIR_FIELDS = (
    "late_repair_total_days",
    "late_repair_seller_days",
    "late_repair_non_seller_days",
    "late_repair_exclusions",
)


@dataclass(frozen=True, kw_only=True)
class DomainEvent:
    """Something that changed on a fault. Not the audit row (`faults.models.FaultEvent`): the
    typed, stable thing subscribers see; `audit_event_id` points at the row."""

    fault_id: int
    at: datetime
    actor: str  # the audit row's actor label: a username, "Partner message <id>", "Timer <name>"
    audit_event_id: int
    history: bool = False  # recorded as the demo's past: deliver nothing to partners for it


@dataclass(frozen=True, kw_only=True)
class FaultCreated(DomainEvent):
    status: str


@dataclass(frozen=True, kw_only=True)
class StatusChanged(DomainEvent):
    from_status: str
    to_status: str


@dataclass(frozen=True, kw_only=True)
class FaultResolved(StatusChanged):
    """The fault became resolved: we accept or reject the resolution next."""


@dataclass(frozen=True, kw_only=True)
class InformationRequired(StatusChanged):
    """The fault went on-hold: the supplier waits on us (TMF621 `pending`)."""


@dataclass(frozen=True, kw_only=True)
class AttributesChanged(DomainEvent):
    fields: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class CommentAdded(DomainEvent):
    comment_id: int


@dataclass(frozen=True, kw_only=True)
class AttachmentAdded(DomainEvent):
    attachment_id: int


Subscriber = Callable[[DomainEvent], None]

# Audit rows that record no change of the fault (see the module docstring).
EVENTLESS_KINDS = frozenset(
    {
        EventKind.ANOMALY,
        EventKind.STALE_STATUS,
        EventKind.AUTO_ACCEPTED,
        EventKind.PARTNER_CALL,
        EventKind.MESSAGE_DISMISSED,
        EventKind.SLA,
        EventKind.EXCEPTION,
        # An internal note stays inside the NOC: no subscriber (a partner) may hear of it.
        EventKind.NOTE,
        # The link between a fault and the draft raised again from it: the draft's own creation
        # is its event, and the old fault (rejected or cancelled) did not change.
        EventKind.RAISED_AGAIN,
        # Who in our NOC works the fault: nothing the supplier (or any partner) is told of.
        EventKind.ASSIGNED,
    }
)
STATUS_EVENTS: dict[str, type[StatusChanged]] = {
    FaultStatus.RESOLVED: FaultResolved,
    FaultStatus.ON_HOLD: InformationRequired,
}

_subscribers: list[Subscriber] = []
_recording_history: ContextVar[bool] = ContextVar("events_recording_history", default=False)
# The events waiting for delivery while one is being delivered (None when none is).
_delivering: ContextVar[deque[DomainEvent] | None] = ContextVar("events_delivering", default=None)


def subscribe(subscriber: Subscriber) -> None:
    """Call `subscriber` with every event from now on. Subscribing it again changes nothing, so
    it never gets an event twice."""
    if subscriber not in _subscribers:
        _subscribers.append(subscriber)


def unsubscribe(subscriber: Subscriber) -> None:
    """Stop calling `subscriber` (one never subscribed is ignored)."""
    if subscriber in _subscribers:
        _subscribers.remove(subscriber)


@contextmanager
def subscribed(subscriber: Subscriber) -> Iterator[Subscriber]:
    """`subscriber` receives events within this block only (for tests)."""
    subscribe(subscriber)
    try:
        yield subscriber
    finally:
        unsubscribe(subscriber)


@contextmanager
def events_recording_history() -> Iterator[None]:
    """Within this block faults are being given a past: events carry `history=True`. The
    inbox's and outbox's counterparts are `inbox_recording_history` and
    `outbox_recording_history`."""
    token = _recording_history.set(True)
    try:
        yield
    finally:
        _recording_history.reset(token)


def event_for(row: "AuditRow") -> DomainEvent | None:
    """The domain event an audit row means, or None for a row that records no change."""
    if row.kind in EVENTLESS_KINDS:
        return None
    common = {
        "fault_id": row.fault_id,
        "at": row.at,
        "actor": row.actor_display,
        "audit_event_id": row.pk,
        "history": _recording_history.get(),
    }
    data = row.data or {}
    if row.kind == EventKind.CREATED:
        return FaultCreated(status=row.to_status, **common)
    if row.kind == EventKind.STATUS:
        event_type = STATUS_EVENTS.get(row.to_status, StatusChanged)
        return event_type(from_status=row.from_status, to_status=row.to_status, **common)
    if row.kind in (EventKind.AMENDED, EventKind.SUPPLIER_DATA):
        return AttributesChanged(fields=changed_fields(row.kind, data), **common)
    if row.kind == EventKind.COMMENT:
        return CommentAdded(comment_id=data["comment_id"], **common)
    if row.kind == EventKind.ATTACHMENT:
        return AttachmentAdded(attachment_id=data["attachment_id"], **common)
    raise ValueError(f"No domain event decided for audit rows of kind {row.kind!r}.")


def changed_fields(kind: str, data: dict) -> tuple[str, ...]:
    """The fields an amended or supplier-data row says changed, from its data: an amend keeps
    them under "changes", the supplier's rows by name; a late-repair notification and the
    fault's appointment have their own keys."""
    if kind == EventKind.AMENDED:
        names = set(data.get("changes") or {})
    else:
        names = set(data) - {"late_repair", APPOINTMENT}
        if "late_repair" in data:
            names.update(LATE_REPAIR_FIELDS)
    if not names and APPOINTMENT in data:
        names = {APPOINTMENT}
    return tuple(sorted(names))


def emit(row: "AuditRow") -> DomainEvent | None:
    """Deliver the event an audit row means to every subscriber (the audit funnel calls this)."""
    if not _subscribers:
        return None
    event = event_for(row)
    if event is not None:
        _deliver(event)
    return event


def _deliver(event: DomainEvent) -> None:
    pending = _delivering.get()
    if pending is not None:  # a subscriber changed a fault: after the current event
        pending.append(event)
        return
    pending = deque([event])
    token = _delivering.set(pending)
    try:
        while pending:
            current = pending.popleft()
            for subscriber in tuple(_subscribers):
                subscriber(current)
    finally:
        _delivering.reset(token)
