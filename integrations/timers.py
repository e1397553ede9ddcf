"""The spine's pending timers for a fault (`faults.exceptions.timers`), and what firing each does:

* OutboundDelivery — a message of ours about the fault waiting in the outbox (its first attempt,
  or a retry after a failure), due at `next_attempt_at`; the outbox sweep (OUTBOX_SWEEP_SECONDS)
  queues it then. A partner whose credentials are refused holds its messages until an admin
  fixes them: those have no due time. Fired: the message is made due now and delivered at once
  (`outbox_deliver`, the worker's own call), in its fault's line: one behind an earlier message
  of the fault still waits for it.
* Reconcile — the reconciliation sweep (RECONCILE_SWEEP_SECONDS) asks the supplier for a full
  update of a fault it has been silent about for the partner's `reconcile_after` (only for
  protocols that can be asked; none while a request is on its way). Fired: the request is made
  now, as the sweep makes it."""

from datetime import datetime

from django.db.models import Max

from faults.choices import SUPPLIER_MOVES_NEXT_STATUSES, EventKind, PartnerOperation
from faults.errors import FaultError
from faults.exceptions import timers
from faults.models import Fault
from faults.services import Actor, fault_request_update
from integrations.choices import OUTBOUND_UNFINISHED, OutboundStatus
from integrations.models import OutboundMessage
from integrations.outbox import outbox_deliver
from integrations.reconcile import RECONCILE_TIMER, protocols_that_can_be_asked

OUTBOUND_DELIVERY = "OutboundDelivery"
RECONCILE = "Reconcile"


def outbound_delivery_due(fault: Fault, now: datetime) -> list[timers.Due]:
    rows = (
        OutboundMessage.objects.filter(
            fault=fault,
            status=OutboundStatus.PENDING,
            partner__credentials_broken_at__isnull=True,
        )
        .order_by("id")
        .values_list("pk", "next_attempt_at")
    )
    return [timers.Due(due_at, key=str(pk)) for pk, due_at in rows]


def outbound_delivery_fire(fault: Fault, key: str, now: datetime) -> str:
    made_due = OutboundMessage.objects.filter(
        pk=int(key), fault=fault, status=OutboundStatus.PENDING
    ).update(next_attempt_at=now)
    if not made_due:
        return "nothing: the message left the outbox meanwhile."
    if outbox_deliver(outbound_id=int(key), now=now) is None:
        return "not sent now: an earlier message of the fault goes first (this one follows it)."
    message = OutboundMessage.objects.get(pk=int(key))
    said = f" ({message.last_error})" if message.last_error else ""
    return (
        f"{message.message_type} was sent now (attempt {message.attempts}): "
        f"{message.get_status_display().lower()}{said}."
    )


def _silent_since(fault: Fault) -> datetime | None:
    """Since when the supplier is silent, counting our last request as the start of the quiet
    period the sweep leaves it (None: a request is on its way)."""
    requests = OutboundMessage.objects.filter(
        fault=fault, partner_id=fault.supplier_id, operation=PartnerOperation.REQUEST_UPDATE
    )
    if requests.filter(status__in=OUTBOUND_UNFINISHED).exists():
        return None
    last_request = requests.aggregate(last=Max("created_at"))["last"]
    heard = fault.last_supplier_message_at or fault.submitted_at
    return max(filter(None, (heard, last_request)), default=None)


def reconcile_due(fault: Fault, now: datetime) -> list[timers.Due]:
    supplier = fault.supplier
    if (
        fault.status not in SUPPLIER_MOVES_NEXT_STATUSES
        or not fault.maintainer_fault_reference
        or not supplier.is_active
        or supplier.protocol not in protocols_that_can_be_asked()
    ):
        return []
    since = _silent_since(fault)
    return [timers.Due(since + supplier.reconcile_after)] if since is not None else []


def reconcile_fire(fault: Fault, key: str, now: datetime) -> str:
    try:
        fault_request_update(fault_id=fault.pk, actor=Actor.timer(RECONCILE_TIMER), at=now)
    except FaultError as exc:
        return f"nothing: {exc.message}"
    return f"a request for a full update was queued for {fault.supplier.name}."


def register_spine_timers() -> None:
    timers.register(
        OUTBOUND_DELIVERY,
        source=outbound_delivery_due,
        fire=outbound_delivery_fire,
        audit_kind=EventKind.EXCEPTION,
    )
    timers.register(
        RECONCILE, source=reconcile_due, fire=reconcile_fire, audit_kind=EventKind.EXCEPTION
    )
