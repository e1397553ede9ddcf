"""What the raise form does, as the supplier's flow for a Service Outage fault requires it:
create the draft, attach the reserved appointment, and submit — all or nothing, so an invalid
form saves nothing. Each step is the service the API calls for it; nothing here re-checks a rule.

The same steps, rolled back, validate the form as the agent types (`dry_run=True`): the errors
shown are the services' own, and nothing is written or sent.
"""

from typing import Any

from django.db import transaction

from appointments.models import Appointment
from appointments.services import appointment_attach
from faults.models import Fault
from faults.services import Actor, fault_amend, fault_raise, fault_submit


def raise_fault(
    *,
    actor: Actor,
    data: dict[str, Any],
    appointment: Appointment | None,
    submit: bool,
    dry_run: bool = False,
) -> Fault:
    with transaction.atomic():
        fault = fault_raise(actor=actor, submit=False, **data)
        if appointment is not None:
            appointment_attach(appointment_id=appointment.pk, fault_id=fault.pk, actor=actor)
        if submit:
            fault = fault_submit(fault_id=fault.pk, actor=actor)
        if dry_run:
            transaction.set_rollback(True)
    return fault


def update_draft(
    *,
    actor: Actor,
    fault: Fault,
    changes: dict[str, Any],
    appointment: Appointment | None,
    submit: bool,
    dry_run: bool = False,
) -> Fault:
    """Edit a draft: amend what changed, attach a newly reserved appointment, and submit."""
    with transaction.atomic():
        fault = fault_amend(fault_id=fault.pk, actor=actor, changes=changes)
        if appointment is not None:
            appointment_attach(appointment_id=appointment.pk, fault_id=fault.pk, actor=actor)
        if submit:
            fault = fault_submit(fault_id=fault.pk, actor=actor)
        if dry_run:
            transaction.set_rollback(True)
    return fault
