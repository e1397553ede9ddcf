"""The one place a fault's status moves. Every caller holds the fault's row lock
(`fault_lock`) inside a transaction, so two workers applying two messages to one fault end in the
same state as applying them one after the other."""

from collections import deque
from datetime import datetime
from functools import cache
from typing import Any

from django.conf import settings
from django.utils import timezone
from django_fsm import can_proceed

from faults.choices import EventKind, FaultStatus
from faults.errors import FaultNotFound, TransitionNotAllowed
from faults.models import Fault, FaultEvent, SlaPause
from faults.services.actors import Actor
from faults.services.audit import fault_event_record
from faults.services.held import fault_save, held_fault_lock
from faults.sla import fault_sla_recompute

S = FaultStatus

MILESTONE_FIELDS = {
    S.PENDING: "submitted_at",
    S.ACCEPTED: "accepted_at",
    S.REJECTED: "rejected_at",
    S.RESOLVED: "resolved_at",
    S.CLOSED: "closed_at",
    S.CANCELLED: "cancelled_at",
}

# The transitions a supplier's status drives; the others belong to an agent or the timer.
SUPPLIER_TRANSITIONS = (
    "accept",
    "reject",
    "open",
    "start",
    "hold",
    "resolve",
    "reopen",
    "close",
    "cancel",
)
AGENT_TRANSITIONS = ("submit", "accept_resolution", "reject_resolution", "cancel")


def fault_lock(*, fault_id: int) -> Fault:
    """Load the fault with its row locked until the surrounding transaction ends (the held
    instance when the fault is held: `faults.services.held`)."""
    held = held_fault_lock(fault_id)
    if held is not None:
        return held
    try:
        return Fault.objects.select_for_update().get(pk=fault_id)
    except Fault.DoesNotExist:
        raise FaultNotFound(f"No fault with id {fault_id}.") from None


def fault_transition(
    *,
    fault: Fault,
    name: str,
    actor: Actor,
    at: datetime,
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> FaultEvent:
    """Apply transition `name` to a locked fault, with what it causes locally: the milestone
    time, the 48-hour deadline, SLA pauses, the audit row and the SLA figures."""
    method = getattr(fault, name)
    if not can_proceed(method):
        raise TransitionNotAllowed(
            reference=fault.buyer_fault_reference, status=fault.status, action=name
        )
    from_status = fault.status
    method()
    to_status = fault.status

    fault.status_reason = reason
    if to_status in MILESTONE_FIELDS:
        setattr(fault, MILESTONE_FIELDS[to_status], at)
    fault.auto_close_due_at = (
        at + settings.FAULT_AUTO_CLOSE_AFTER if to_status == S.RESOLVED else None
    )
    if from_status == S.ON_HOLD:
        SlaPause.objects.filter(fault=fault, ended_at__isnull=True).update(ended_at=at)
    if to_status == S.ON_HOLD:
        SlaPause.objects.create(fault=fault, started_at=at, reason=reason)

    event = fault_event_record(
        fault=fault,
        kind=EventKind.STATUS,
        actor=actor,
        at=at,
        from_status=from_status,
        to_status=to_status,
        message=reason,
        data={"transition": name, **(data or {})},
    )
    fault_sla_recompute(fault, now=max(timezone.now(), at))
    fault_save(fault)
    return event


def fault_allowed_transitions(
    *, fault: Fault, among: tuple[str, ...] = AGENT_TRANSITIONS
) -> list[str]:
    """The transitions of `among` that the fault's current status allows (for offering actions)."""
    return [name for name in among if can_proceed(getattr(fault, name))]


@cache
def _supplier_graph() -> dict[str, list[tuple[str, str]]]:
    field = Fault._meta.get_field("status")
    graph: dict[str, list[tuple[str, str]]] = {}
    for transition in field.get_all_transitions(Fault):
        if transition.name in SUPPLIER_TRANSITIONS:
            graph.setdefault(transition.source, []).append((transition.name, transition.target))
    order = {name: i for i, name in enumerate(SUPPLIER_TRANSITIONS)}
    for edges in graph.values():
        edges.sort(key=lambda edge: order[edge[0]])
    return graph


def supplier_path(*, from_status: str, to_status: str) -> list[str] | None:
    """The shortest chain of supplier transitions from one status to another (breadth-first),
    e.g. pending → in-progress is [accept, start]. None when the supplier cannot get there."""
    graph = _supplier_graph()
    queue: deque[tuple[str, list[str]]] = deque([(from_status, [])])
    seen = {from_status}
    while queue:
        status, path = queue.popleft()
        for name, target in graph.get(status, []):
            if target == to_status:
                return [*path, name]
            if target not in seen:
                seen.add(target)
                queue.append((target, [*path, name]))
    return None
