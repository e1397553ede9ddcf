"""The fault page's ownership actions: take the fault ("Assign to me") and reassign it. Like the
other actions (`action_views.perform`), a refusal is shown on the page with its status and
changes nothing; nothing is sent to the supplier."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_POST

from faults.models import Fault
from faults.services import Actor, fault_assign, fault_assign_to_me
from faults.ui.access import agent_required
from faults.ui.fault.action_views import perform
from faults.ui.fault.forms import NoInputForm
from faults.ui.fault.ownership_forms import AssignForm


def _who(fault: Fault) -> str:
    owner = fault.owner.get_username() if fault.owner else "nobody"
    team = fault.team.name if fault.team else "no team"
    return f"{owner} ({team})"


def _assign(fault: Fault, data: dict[str, Any], actor: Actor) -> str:
    done = fault_assign(fault_id=fault.pk, owner=data["owner"], team=data["team"], actor=actor)
    return f"Fault {fault} is now assigned to {_who(done)}."


def _assign_to_me(fault: Fault, data: dict[str, Any], actor: Actor) -> str:
    done = fault_assign_to_me(fault_id=fault.pk, actor=actor)
    return f"Fault {fault} is now yours: {_who(done)}."


@agent_required
@require_POST
def fault_assign_view(request: HttpRequest, reference: str) -> HttpResponse:
    form = AssignForm(request.POST)
    return perform(request, reference, key="assign", form=form, call=_assign)


@agent_required
@require_POST
def fault_assign_to_me_view(request: HttpRequest, reference: str) -> HttpResponse:
    form = NoInputForm(request.POST, prefix="assign_to_me")
    return perform(request, reference, key="assign_to_me", form=form, call=_assign_to_me)
