"""A fault raised the way the supplier wants a Service Outage raised: the draft, the reserved
appointment attached, then the submit, in one transaction, so a refusal at any step keeps
nothing. Each step is the service the API calls for it; nothing here re-checks a rule.

The raise form takes the same steps through its contributed step (`appointments.contributions`)
and `faults.services.fault_raise_with_steps`; the API takes them as separate calls."""

from typing import Any

from appointments.services.booking import appointment_attach
from faults.models import Fault
from faults.services import (
    Actor,
    fault_draft_update_with_steps,
    fault_raise_with_steps,
)
from faults.services.raising import RaiseStep


def attach_step(*, appointment_id: int | None, actor: Actor) -> list[RaiseStep]:
    """The raise step that attaches the reserved appointment (none without one)."""
    if appointment_id is None:
        return []

    def attach(fault: Fault) -> None:
        appointment_attach(appointment_id=appointment_id, fault_id=fault.pk, actor=actor)

    return [attach]


def fault_raise_with_appointment(
    *, actor: Actor, details: dict[str, Any], appointment_id: int | None, submit: bool
) -> Fault:
    """Create the draft from `details` (fault_raise's arguments), attach the reservation, and
    submit when asked."""
    steps = attach_step(appointment_id=appointment_id, actor=actor)
    return fault_raise_with_steps(actor=actor, details=details, steps=steps, submit=submit)


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
    steps = attach_step(appointment_id=appointment_id, actor=actor)
    return fault_draft_update_with_steps(
        actor=actor, fault_id=fault_id, changes=changes, steps=steps, submit=submit
    )
