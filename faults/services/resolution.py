"""Our answer to a resolved fault, and the 48-hour auto-close when we give none."""

from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from faults.choices import EventKind, FaultStatus, PartnerOperation
from faults.errors import FaultValidationError
from faults.models import Fault
from faults.models.fault import TEXT_MAX
from faults.ports import request_partner_call
from faults.services.actors import Actor
from faults.services.audit import fault_event_record
from faults.services.transitions import fault_lock, fault_transition
from faults.validators import is_blank

AUTO_CLOSE_TIMER = "auto-close-48h"


@transaction.atomic
def fault_accept_resolution(*, fault_id: int, actor: Actor, at: datetime | None = None) -> Fault:
    at = at or timezone.now()
    fault = fault_lock(fault_id=fault_id)
    fault_transition(fault=fault, name="accept_resolution", actor=actor, at=at)
    request_partner_call(
        fault=fault, operation=PartnerOperation.RESOLUTION_ANSWER, payload={"accepted": True}, at=at
    )
    return fault


@transaction.atomic
def fault_reject_resolution(
    *, fault_id: int, actor: Actor, reason: str, at: datetime | None = None
) -> Fault:
    at = at or timezone.now()
    if is_blank(reason):
        raise FaultValidationError(
            "Rejecting a resolution needs a reason.",
            errors={"reason": ["Say why the resolution is rejected."]},
        )
    if len(reason) > TEXT_MAX:
        raise FaultValidationError(
            "The reason is too long.", errors={"reason": [f"At most {TEXT_MAX} characters."]}
        )
    fault = fault_lock(fault_id=fault_id)
    fault_transition(fault=fault, name="reject_resolution", actor=actor, at=at, reason=reason)
    request_partner_call(
        fault=fault,
        operation=PartnerOperation.RESOLUTION_ANSWER,
        payload={"accepted": False, "reason": reason},
        at=at,
    )
    return fault


def faults_auto_close_due(*, now: datetime | None = None, batch_size: int | None = None) -> int:
    """Close every fault resolved at least 48 hours ago that we have not answered, as
    auto-accepted (the supplier does the same on its side, so nothing is sent).

    Each fault is closed in its own short transaction under its row lock and re-checked there, so
    a concurrent answer from an agent wins and running the sweep twice closes nothing twice.
    Rows locked by someone else are skipped and picked up by the next sweep.
    """
    now = now or timezone.now()
    batch_size = batch_size or settings.FAULT_AUTO_CLOSE_BATCH_SIZE
    due = Fault.objects.filter(status=FaultStatus.RESOLVED, auto_close_due_at__lte=now)
    closed = 0
    last_id = 0
    while True:
        ids = list(
            due.filter(id__gt=last_id).order_by("id").values_list("id", flat=True)[:batch_size]
        )
        if not ids:
            return closed
        last_id = ids[-1]
        for fault_id in ids:
            closed += _auto_close_one(fault_id=fault_id, now=now)


@transaction.atomic
def _auto_close_one(*, fault_id: int, now: datetime) -> int:
    fault = (
        Fault.objects.select_for_update(skip_locked=True)
        .filter(pk=fault_id, status=FaultStatus.RESOLVED, auto_close_due_at__lte=now)
        .first()
    )
    if fault is None:
        return 0
    deadline = fault.auto_close_due_at
    actor = Actor.timer(AUTO_CLOSE_TIMER)
    fault_transition(fault=fault, name="auto_close", actor=actor, at=now)
    fault_event_record(
        fault=fault,
        kind=EventKind.AUTO_ACCEPTED,
        actor=actor,
        at=now,
        message="Resolution auto-accepted: no answer within 48 hours of resolution.",
        data={"deadline": deadline.isoformat()},
    )
    return 1
