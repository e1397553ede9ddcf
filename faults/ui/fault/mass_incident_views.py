"""Raise a mass incident: the form, a preview of every line (OK, or refused and why) before
anything is created or sent, then the agent's confirmation (every line, or only the valid ones)."""

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from faults.errors import FaultError
from faults.services import Actor
from faults.services.mass_incident import (
    LineCheck,
    MassIncident,
    mass_incident_check,
    mass_incident_raise,
)
from faults.ui.access import agent_required
from faults.ui.fault.mass_incident_forms import (
    PREVIEW,
    RAISE_ALL,
    RAISE_VALID,
    MassIncidentForm,
)

TEMPLATE = "faults/fault/mass_incident.html"


def _raise(request: HttpRequest, form: MassIncidentForm, *, only_valid: bool) -> MassIncident:
    return mass_incident_raise(
        actor=Actor.for_user(request.user),
        supplier=form.cleaned_data["supplier"],
        buyer_identifier=form.cleaned_data.get("buyer_identifier"),
        lines=form.lines(),
        details=form.details(),
        only_valid=only_valid,
    )


def _dry_run(request: HttpRequest, form: MassIncidentForm) -> None:
    """Raise the valid lines and roll back: the supplier's rules on the shared details (what it
    requires before a fault is sent) refuse now, on the preview, not after the confirmation."""
    with transaction.atomic():
        _raise(request, form, only_valid=True)
        transaction.set_rollback(True)


def _page(
    request: HttpRequest,
    form: MassIncidentForm,
    checks: list[LineCheck] | None = None,
    status: int = 200,
) -> HttpResponse:
    context: dict[str, Any] = {"form": form, "checks": checks}
    if checks is not None:
        context["valid_count"] = sum(check.ok for check in checks)
        context["refused_count"] = len(checks) - context["valid_count"]
        context["first_ok_index"] = next((i for i, check in enumerate(checks) if check.ok), None)
    return render(request, TEMPLATE, context, status=status)


def _with_lines_pasted(request: HttpRequest, form: MassIncidentForm) -> MassIncidentForm:
    """The same form with an uploaded file's lines in the text area, so that the confirmation
    posts them again without the file."""
    data = request.POST.copy()
    data["services"] = form.cleaned_data["services"]
    again = MassIncidentForm(data)
    again.is_valid()
    return again


@agent_required
@require_http_methods(["GET", "POST"])
def mass_incident_raise_view(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _page(request, MassIncidentForm())
    form = MassIncidentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "Nothing was raised: please correct the fields marked below.")
        return _page(request, form, status=400)
    form = _with_lines_pasted(request, form)
    intent = request.POST.get("intent", PREVIEW)
    checks: list[LineCheck] | None = None
    try:
        checks = mass_incident_check(
            supplier=form.cleaned_data["supplier"],
            buyer_identifier=form.cleaned_data.get("buyer_identifier"),
            lines=form.lines(),
        )
        if intent in (RAISE_ALL, RAISE_VALID):
            incident = _raise(request, form, only_valid=intent == RAISE_VALID)
        else:
            if any(check.ok for check in checks):
                _dry_run(request, form)
            return _page(request, form, checks)
    except FaultError as error:
        form.add_service_errors(error)
        messages.error(request, f"Nothing was raised: {error.message}")
        return _page(request, form, checks, status=error.status_code)
    count = len(incident.left_out)
    left_out = f"; {count} refused line{'s' if count > 1 else ''} left out" if count else ""
    messages.success(
        request,
        f"Mass incident raised with {incident.parent.supplier}: parent {incident.parent} and "
        f"{len(incident.children)} child faults{left_out}.",
    )
    return redirect("fault-detail", reference=incident.parent.buyer_fault_reference)
