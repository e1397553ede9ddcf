"""Raise again: copy a rejected or cancelled fault into a new draft.

The supplier refused the fault (or it was withdrawn), and the agent wants to try again with the
details corrected. The new draft carries what the agent entered on the old one (the service, the
fault type, the description, the contacts, site access…) and nothing the supplier gave or the
product computed (the supplier's reference, status and reason, the appointment reservation, the
SLA, the late-repair figures): those belong to the old fault's life, not the new one's. The two
are linked both ways (`Fault.raised_again_from`, `raised_again_as`) and each timeline says so.
"""

from django.db import transaction
from django.utils import timezone

from faults.choices import EventKind, FaultStatus
from faults.errors import FaultValidationError
from faults.models import Fault
from faults.services.actors import Actor
from faults.services.audit import fault_event_record
from faults.services.raising import AMENDABLE_FIELDS, DRAFT_ONLY_FIELDS, fault_create_draft
from faults.services.transitions import fault_lock

# A fault is raised again only once it is over without a fix: the supplier refused it, or it was
# withdrawn. Any other fault is still being worked (or was fixed) and is amended instead.
RAISE_AGAIN_STATUSES = frozenset({FaultStatus.REJECTED, FaultStatus.CANCELLED})
# What the agent entered on the raise form, copied as it was (`priority` included).
COPIED_FIELDS = tuple(sorted((AMENDABLE_FIELDS | DRAFT_ONLY_FIELDS) - {"priority"}))


def raise_again_refusal(fault: Fault) -> str:
    """Why the fault cannot be raised again, in words; "" when it can."""
    if fault.opened_by_supplier:
        return (
            f"{fault} is an incident {fault.supplier} opened with us: there is nothing of ours "
            "to raise again."
        )
    if fault.status not in RAISE_AGAIN_STATUSES:
        status = FaultStatus(fault.status).label.lower()
        return (
            f"{fault} is {status}: only a rejected or cancelled fault is raised again "
            "(amend a fault that is still open)."
        )
    return ""


@transaction.atomic
def fault_raise_again(*, fault_id: int, actor: Actor) -> Fault:
    """A new draft from the rejected or cancelled fault `fault_id`, linked to it and recorded
    (EventKind.RAISED_AGAIN) on both timelines. The draft is not sent: the agent corrects what
    the supplier refused and submits it. FaultValidationError, and nothing written, for a fault
    in another status, or when the draft cannot be made (e.g. the supplier is no longer active).
    """
    old = fault_lock(fault_id=fault_id)
    refusal = raise_again_refusal(old)
    if refusal:
        raise FaultValidationError(refusal, errors={"status": [refusal]})
    buyer_identifier = old.buyer_identifier
    details = {name: getattr(old, name) for name in COPIED_FIELDS}
    new = fault_create_draft(
        actor=actor,
        supplier=old.supplier,
        # An identifier retired since falls back to the supplier's default.
        buyer_identifier=buyer_identifier if buyer_identifier.is_active else None,
        priority=old.priority,
        **details,
    )
    new.raised_again_from = old
    new.save(update_fields=["raised_again_from", "updated_at"])
    at = timezone.now()
    fault_event_record(
        fault=new,
        kind=EventKind.RAISED_AGAIN,
        actor=actor,
        at=at,
        message=f"Raised again from {old}.",
        data={"from": old.buyer_fault_reference},
    )
    fault_event_record(
        fault=old,
        kind=EventKind.RAISED_AGAIN,
        actor=actor,
        at=at,
        message=f"Raised again as {new}.",
        data={"as": new.buyer_fault_reference},
    )
    return new
