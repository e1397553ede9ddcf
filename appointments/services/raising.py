"""A fault raised the way the supplier wants a Service Outage raised: the draft, the reserved
appointment attached, then the submit, in one transaction, so a refusal at any step keeps
nothing. Each step is the service the API calls for it; nothing here re-checks a rule.

The raise form uses these (the API takes the same steps as separate calls)."""

from typing import Any

from django.db import transaction

from appointments.services.booking import appointment_attach
from faults.models import Fault
from faults.services import Actor, fault_amend, fault_raise, fault_submit


def _attach_and_submit(
    fault: Fault, *, actor: Actor, appointment_id: int | None, submit: bool
) -> Fault:
    if appointment_id is not None:
        appointment_attach(appointment_id=appointment_id, fault_id=fault.pk, actor=actor)
    if submit:
        fault = fault_submit(fault_id=fault.pk, actor=actor)
    return fault


@transaction.atomic
def fault_raise_with_appointment(
    *, actor: Actor, details: dict[str, Any], appointment_id: int | None, submit: bool
) -> Fault:
    """Create the draft from `details` (fault_raise's arguments), attach the reservation, and
    submit when asked."""
    fault = fault_raise(actor=actor, submit=False, **details)
    return _attach_and_submit(fault, actor=actor, appointment_id=appointment_id, submit=submit)


@transaction.atomic
def fault_draft_update_with_appointment(
    *,
    actor: Actor,
    fault_id: int,
    changes: dict[str, Any],
    appointment_id: int | None,
    submit: bool,
) -> Fault:
    """Amend a draft with what changed, attach a newly reserved appointment, and submit when
    asked."""
    fault = fault_amend(fault_id=fault_id, actor=actor, changes=changes)
    return _attach_and_submit(fault, actor=actor, appointment_id=appointment_id, submit=submit)
