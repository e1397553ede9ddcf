"""Pending timers: every action the product has scheduled for a fault, listed by the fault's
reference (the seed's "pending triggers"), and fired at once where diagnostics are allowed.

The product schedules nothing per fault in the broker: each timer is a due time kept in a row
(the fault's `auto_close_due_at`, its SLA figures, an outbound message's `next_attempt_at`, a
partner's last poll) that a beat sweep acts on once it has passed. So a timer here is read from
those rows, never stored twice, and lists what the sweeps will do and when.

Each app contributes its timer types with `register` (as the exception rules do, so that `faults`
imports neither `appointments` nor `integrations`): a message type, a source `(fault, now) ->
[Due]` and a fire function `(fault, key, now) -> str` that does now what the sweep would do at the
due time and says what it did. A trigger's name is `<messageType>:<fault reference>[:<key>]`
(references hold no colon); it is stable while the timer is pending.

Firing is for test and demonstration environments only: `diagnostics_enabled()`
(EXCEPTIONS_DIAGNOSTICS_ENABLED, DEBUG by default) must be on; every fire is written on the
fault's timeline with who fired it."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from faults.choices import EventKind
from faults.errors import FaultError, FaultNotFound
from faults.models import Fault
from faults.services.actors import Actor
from faults.services.audit import fault_event_record

__all__ = [
    "DiagnosticsDisabled",
    "Due",
    "Fired",
    "PendingTimer",
    "TimerNotFound",
    "diagnostics_enabled",
    "fire_now",
    "pending_timers",
    "register",
    "registered_message_types",
    "trigger_name",
]

SEPARATOR = ":"


@dataclass(frozen=True)
class Due:
    """One pending timer as a source sees it: when, and which one when a fault can have several
    of the type (an outbound message's id)."""

    due_at: datetime
    key: str = ""


@dataclass(frozen=True)
class PendingTimer:
    trigger_name: str
    due_at: datetime
    message_type: str


@dataclass(frozen=True)
class Fired:
    trigger_name: str
    message_type: str
    due_at: datetime
    outcome: str  # what was done, a sentence for a person


Source = Callable[[Fault, datetime], list[Due]]
Fire = Callable[[Fault, str, datetime], str]


@dataclass(frozen=True)
class TimerType:
    message_type: str
    source: Source
    fire: Fire
    audit_kind: str


_TYPES: dict[str, TimerType] = {}


class TimerNotFound(FaultNotFound):
    """No pending timer of that name (unknown type, unknown fault, or not pending now)."""


class DiagnosticsDisabled(FaultError):
    """Firing timers is not allowed here (a production setting)."""

    code = "not_found"
    status_code = 404


def register(
    message_type: str, *, source: Source, fire: Fire, audit_kind: str = EventKind.EXCEPTION
) -> None:
    """Add a timer type. `message_type` is a stable name without a colon, e.g. "AutoClose"."""
    if SEPARATOR in message_type:
        raise ValueError(f"A timer's message type has no '{SEPARATOR}': {message_type!r}")
    _TYPES[message_type] = TimerType(message_type, source, fire, audit_kind)


def registered_message_types() -> list[str]:
    return sorted(_TYPES)


def diagnostics_enabled() -> bool:
    return bool(getattr(settings, "EXCEPTIONS_DIAGNOSTICS_ENABLED", settings.DEBUG))


def trigger_name(message_type: str, reference: str, key: str = "") -> str:
    return SEPARATOR.join(part for part in (message_type, reference, key) if part)


def _fault(reference: str) -> Fault:
    try:
        return Fault.objects.select_related("supplier", "sla_policy").get(
            buyer_fault_reference=reference
        )
    except Fault.DoesNotExist:
        raise FaultNotFound(f"No fault with the reference {reference!r}.") from None


def _pending(fault: Fault, timer_type: TimerType, now: datetime) -> list[PendingTimer]:
    reference = fault.buyer_fault_reference
    return [
        PendingTimer(
            trigger_name(timer_type.message_type, reference, due.key),
            due.due_at,
            timer_type.message_type,
        )
        for due in timer_type.source(fault, now)
    ]


def pending_timers(
    reference: str, *, message_type_contains: str = "", now: datetime | None = None
) -> list[PendingTimer]:
    """The fault's pending timers, soonest first; `message_type_contains` keeps those whose type
    contains it (ignoring case). Raises FaultNotFound for an unknown reference."""
    now = now or timezone.now()
    fault = _fault(reference)
    wanted = message_type_contains.strip().casefold()
    timers = [
        timer
        for message_type, timer_type in sorted(_TYPES.items())
        if wanted in message_type.casefold()
        for timer in _pending(fault, timer_type, now)
    ]
    return sorted(timers, key=lambda timer: (timer.due_at, timer.trigger_name))


def fire_now(name: str, *, actor: Actor, now: datetime | None = None) -> Fired:
    """Do now what the timer `name` would do at its due time, and write on the fault's timeline
    who fired it. Raises DiagnosticsDisabled where firing is not allowed, and TimerNotFound for a
    name that is not a pending timer (then nothing is done)."""
    if not diagnostics_enabled():
        raise DiagnosticsDisabled("Firing timers is switched off here.")
    now = now or timezone.now()
    message_type, _, rest = (name or "").partition(SEPARATOR)
    reference, _, key = rest.partition(SEPARATOR)
    timer_type = _TYPES.get(message_type)
    not_found = TimerNotFound(f"No pending trigger named {name!r}.")
    if timer_type is None or not reference:
        raise not_found
    try:
        fault = _fault(reference)
    except FaultNotFound:
        raise not_found from None
    pending = {timer.trigger_name: timer for timer in _pending(fault, timer_type, now)}
    if name not in pending:
        raise not_found
    due_at = pending[name].due_at
    outcome = timer_type.fire(fault, key, now)
    fault_event_record(
        fault=fault,
        kind=timer_type.audit_kind,
        actor=actor,
        at=now,
        message=f"Timer {name} (due {due_at:%Y-%m-%d %H:%M:%S} UTC) fired now for testing: "
        f"{outcome}",
        data={"trigger": name, "message_type": message_type, "due_at": due_at.isoformat()},
    )
    return Fired(name, message_type, due_at, outcome)
