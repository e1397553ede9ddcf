"""The agent transitions the admin offers, as changelist actions and change-form buttons."""

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from faults.errors import FaultError, TransitionNotAllowed
from faults.models import Fault
from faults.services import Actor, fault_accept_resolution, fault_cancel, fault_submit

if TYPE_CHECKING:
    from faults.admin.fault import FaultAdmin

# Reject resolution needs a reason, so it is left to the API and the UI.
AGENT_ACTIONS: dict[str, tuple[str, Callable[..., Fault]]] = {
    "submit": ("Submit to supplier", fault_submit),
    "cancel": ("Cancel", fault_cancel),
    "accept_resolution": ("Accept resolution", fault_accept_resolution),
}


def run_agent_action(request: HttpRequest, fault: Fault, name: str) -> str | None:
    """Apply one agent transition; returns why it was refused, or None when applied."""
    _label, service = AGENT_ACTIONS[name]
    try:
        service(fault_id=fault.pk, actor=Actor.for_user(request.user))
    except TransitionNotAllowed:
        return f"{fault.buyer_fault_reference} ({fault.get_status_display().lower()})"
    except FaultError as exc:
        return f"{fault.buyer_fault_reference} ({exc.message})"
    return None


def bulk_action(name: str) -> Callable[..., None]:
    label = AGENT_ACTIONS[name][0]

    def action(modeladmin: "FaultAdmin", request: HttpRequest, queryset: QuerySet[Fault]) -> None:
        applied, refused = 0, []
        for fault in queryset.order_by("pk"):
            reason = run_agent_action(request, fault, name)
            if reason is None:
                applied += 1
            else:
                refused.append(reason)
        text = f"{label}: applied to {applied}, not allowed for {len(refused)}"
        if refused:
            text += f": {', '.join(refused)}"
        level = messages.WARNING if refused else messages.SUCCESS
        modeladmin.message_user(request, text + ".", level)

    action.__name__ = f"action_{name}"
    return admin.action(description=f"{label} (selected faults)", permissions=["act_on_fault"])(
        action
    )
