"""Raise a fault, or edit a draft: one form, two buttons ("Save draft", "Submit to supplier"),
and a validate endpoint that htmx calls as the agent types."""

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from faults.choices import FaultStatus
from faults.contributions import RaiseFormStep
from faults.errors import FaultError, FaultNotFound
from faults.models import Fault
from faults.selectors import fault_get, fault_list_queryset
from faults.services import Actor, fault_draft_update_with_steps, fault_raise_with_steps
from faults.services.raising import RaiseStep
from faults.ui.access import agent_required
from faults.ui.fault.detail_views import fault_or_404, render_detail
from faults.ui.fault.forms import SUBMIT, FaultRaiseForm
from faults.ui.fault.live_check import set_aside_what_is_missing

TEMPLATE = "faults/fault/raise.html"
ERRORS_TEMPLATE = "faults/fault/_form_errors.html"


def _parent_initial(request: HttpRequest) -> dict[str, Any]:
    """`?parent=<ref>`: a child fault of a mass incident starts from its parent's details."""
    reference = request.GET.get("parent", "").strip()
    if not reference:
        return {}
    try:
        parent = fault_get(reference=reference, queryset=fault_list_queryset())
    except FaultNotFound:
        messages.warning(request, f"No fault with buyer reference {reference} to raise under.")
        return {}
    return {
        "parent": parent.buyer_fault_reference,
        "supplier": parent.supplier_id,
        "buyer_identifier": parent.buyer_identifier_id,
        "fault_type": parent.fault_type,
        "priority": parent.priority,
        "fault_start_time": parent.fault_start_time,
        "fault_location": parent.fault_location,
        "product_name": parent.product_name,
        "description": parent.description,
    }


def _saving(step: RaiseFormStep, form: FaultRaiseForm, actor: Actor) -> RaiseStep:
    def save(fault: Fault) -> None:
        step.save(fault=fault, data=form.cleaned_data, actor=actor)

    return save


def _save(request: HttpRequest, form: FaultRaiseForm, *, dry_run: bool = False) -> Fault:
    """Run the services behind the form, with the contributed steps (e.g. attach the reserved
    appointment) between the save and the submit; FaultError when they refuse.

    With `dry_run` the same steps run and are rolled back: the form is checked as the agent
    types by the services' own rules, and nothing is written or sent (the outbox publishes only
    after a commit)."""
    actor = Actor.for_user(request.user)
    steps = [_saving(step, form, actor) for step in form.steps]
    submit = dry_run or request.POST.get("intent") == SUBMIT
    with transaction.atomic():
        if form.draft is None:
            fault = fault_raise_with_steps(
                actor=actor, details=form.raise_data(), steps=steps, submit=submit
            )
        else:
            fault = fault_draft_update_with_steps(
                actor=actor,
                fault_id=form.draft.pk,
                changes=form.changes(),
                steps=steps,
                submit=submit,
            )
        if dry_run:
            transaction.set_rollback(True)
    return fault


def _form_page(
    request: HttpRequest, form: FaultRaiseForm, *, draft: Fault | None, status: int = 200
) -> HttpResponse:
    context = {"form": form, "draft": draft, **_steps_context(form)}
    return render(request, TEMPLATE, context, status=status)


@dataclass(frozen=True)
class ShownStep:
    """A contributed step's panel as the page shows it: in its element, filled when the step
    applies to what the form holds; `swap` when the live check must swap it in or out."""

    template: str
    element_id: str
    shown: bool
    swap: bool = False


def _steps_context(form: FaultRaiseForm, data: Any = None) -> dict[str, Any]:
    """The steps' panels (`raise_steps`) and what their templates need. With the posted `data`
    of a live check, a panel is swapped only when it should appear or disappear."""
    context: dict[str, Any] = {}
    shown = []
    for step in form.steps:
        applies = step.applies(form)
        context.update(step.context(form))
        swap = data is not None and applies != (data.get(step.shown_marker) == "shown")
        shown.append(ShownStep(step.template, step.element_id, applies, swap))
    context["raise_steps"] = shown
    return context


def _handle(request: HttpRequest, *, draft: Fault | None) -> HttpResponse:
    if request.method != "POST":
        form = FaultRaiseForm(
            instance=draft, draft=draft, initial=_parent_initial(request) if draft is None else {}
        )
        return _form_page(request, form, draft=draft)
    form = FaultRaiseForm(request.POST, instance=draft, draft=draft)
    if form.is_valid():
        try:
            fault = _save(request, form)
        except FaultError as error:
            form.add_service_errors(error)
        else:
            submitted = fault.status != FaultStatus.DRAFT
            messages.success(
                request,
                f"Fault {fault} submitted to {fault.supplier}."
                if submitted
                else f"Draft {fault} saved.",
            )
            return redirect("fault-detail", reference=fault.buyer_fault_reference)
    messages.error(request, "Nothing was saved: please correct the fields marked below.")
    return _form_page(request, form, draft=draft, status=400)


@agent_required
@require_http_methods(["GET", "POST"])
def fault_raise(request: HttpRequest) -> HttpResponse:
    return _handle(request, draft=None)


@agent_required
@require_http_methods(["GET", "POST"])
def fault_edit(request: HttpRequest, reference: str) -> HttpResponse:
    fault = fault_or_404(reference)
    if fault.status != FaultStatus.DRAFT:
        messages.error(request, f"Fault {fault} is {fault.status}: only a draft is edited here.")
        return render_detail(request, fault, status=409)
    return _handle(request, draft=fault)


def _validate(request: HttpRequest, *, draft: Fault | None) -> HttpResponse:
    form = FaultRaiseForm(request.POST, instance=draft, draft=draft)
    if form.is_valid():
        try:
            _save(request, form, dry_run=True)
        except FaultError as error:
            form.add_service_errors(error)
    needed = set_aside_what_is_missing(form)
    context = {
        "form": form,
        "still_needed": needed,
        "draft": draft,
        # Swap a step's panel in or out only when it starts or stops applying (the appointment
        # panel when the fault type crosses Service Outage).
        **_steps_context(form, request.POST),
    }
    return render(request, ERRORS_TEMPLATE, context)


@agent_required
@require_POST
def fault_raise_validate(request: HttpRequest) -> HttpResponse:
    return _validate(request, draft=None)


@agent_required
@require_POST
def fault_edit_validate(request: HttpRequest, reference: str) -> HttpResponse:
    fault = fault_or_404(reference)
    if fault.status != FaultStatus.DRAFT:
        return HttpResponse(status=204)
    return _validate(request, draft=fault)
