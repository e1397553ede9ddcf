"""The actions of the detail page. Each parses its form, calls one service with the logged-in
user as the actor, and goes back to the page with a message (or, for htmx, re-renders the
panel). A refusal of the services is shown with its status (400, 409, …), never as a 500, and
changes nothing: the services raise before they write."""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from faults.errors import FaultError
from faults.field_labels import field_labels
from faults.models import Fault
from faults.services import (
    Actor,
    fault_accept_resolution,
    fault_add_note,
    fault_amend,
    fault_attachment_add,
    fault_cancel,
    fault_comment_add,
    fault_reject_resolution,
    fault_request_update,
    fault_submit,
)
from faults.ui.access import agent_required
from faults.ui.fault.detail_views import fault_or_404, render_detail
from faults.ui.fault.forms import (
    AmendForm,
    AttachmentForm,
    CancelForm,
    CommentForm,
    NoInputForm,
    NoteForm,
    RejectResolutionForm,
)

# The service call of an action: (fault, cleaned data, actor) -> what the success message says.
Call = Callable[[Fault, dict[str, Any], Actor], str]


def perform(
    request: HttpRequest,
    reference: str,
    *,
    key: str,
    form: forms.Form,
    call: Call,
) -> HttpResponse:
    """Run one action: the form's shape first, then the service; both refuse with the form
    shown again next to the fault as it is."""
    fault = fault_or_404(reference)
    status = 400
    if form.is_valid():
        try:
            done = call(fault, form.cleaned_data, Actor.for_user(request.user))
        except FaultError as error:
            form.add_service_errors(error)  # type: ignore[attr-defined]
            messages.error(request, error.message)
            status = error.status_code
        else:
            messages.success(request, done)
            if getattr(request, "htmx", False):
                return render_detail(request, fault_or_404(reference))
            return redirect("fault-detail", reference=fault.buyer_fault_reference)
    else:
        messages.error(request, "Nothing was changed: please correct the form.")
    return render_detail(request, fault_or_404(reference), status=status, **{key: form})


def _submit(fault: Fault, data: dict[str, Any], actor: Actor) -> str:
    fault_submit(fault_id=fault.pk, actor=actor)
    return f"Fault {fault} submitted to {fault.supplier}."


def _request_update(fault: Fault, data: dict[str, Any], actor: Actor) -> str:
    fault_request_update(fault_id=fault.pk, actor=actor)
    return f"A full update of {fault} was requested from {fault.supplier}."


def _accept_resolution(fault: Fault, data: dict[str, Any], actor: Actor) -> str:
    fault_accept_resolution(fault_id=fault.pk, actor=actor)
    return f"Resolution of {fault} accepted; the fault is closed."


def _reject_resolution(fault: Fault, data: dict[str, Any], actor: Actor) -> str:
    fault_reject_resolution(fault_id=fault.pk, actor=actor, reason=data["reason"])
    return f"Resolution of {fault} rejected; the fault is re-opened."


def _cancel(fault: Fault, data: dict[str, Any], actor: Actor) -> str:
    fault_cancel(fault_id=fault.pk, actor=actor, reason=data["reason"])
    return f"Fault {fault} cancelled."


def _comment(fault: Fault, data: dict[str, Any], actor: Actor) -> str:
    fault_comment_add(fault_id=fault.pk, actor=actor, text=data["text"])
    return "Comment added."


def _note(fault: Fault, data: dict[str, Any], actor: Actor) -> str:
    fault_add_note(fault_id=fault.pk, text=data["text"], actor=actor)
    return "Internal note added (not sent to the supplier)."


def _attach(fault: Fault, data: dict[str, Any], actor: Actor) -> str:
    attachment = fault_attachment_add(fault_id=fault.pk, actor=actor, upload=data["file"])
    return f"{attachment.filename} attached."


@agent_required
@require_POST
def fault_submit_view(request: HttpRequest, reference: str) -> HttpResponse:
    form = NoInputForm(request.POST, prefix="submit")
    return perform(request, reference, key="submit", form=form, call=_submit)


@agent_required
@require_POST
def fault_request_update_view(request: HttpRequest, reference: str) -> HttpResponse:
    form = NoInputForm(request.POST, prefix="request_update")
    return perform(request, reference, key="request_update", form=form, call=_request_update)


@agent_required
@require_POST
def fault_accept_resolution_view(request: HttpRequest, reference: str) -> HttpResponse:
    form = NoInputForm(request.POST, prefix="accept_resolution")
    return perform(request, reference, key="accept_resolution", form=form, call=_accept_resolution)


@agent_required
@require_POST
def fault_reject_resolution_view(request: HttpRequest, reference: str) -> HttpResponse:
    form = RejectResolutionForm(request.POST)
    return perform(request, reference, key="reject_resolution", form=form, call=_reject_resolution)


@agent_required
@require_POST
def fault_cancel_view(request: HttpRequest, reference: str) -> HttpResponse:
    return perform(request, reference, key="cancel", form=CancelForm(request.POST), call=_cancel)


@agent_required
@require_POST
def fault_comment_view(request: HttpRequest, reference: str) -> HttpResponse:
    form = CommentForm(request.POST)
    return perform(request, reference, key="comment", form=form, call=_comment)


@agent_required
@require_POST
def fault_note_view(request: HttpRequest, reference: str) -> HttpResponse:
    form = NoteForm(request.POST)
    return perform(request, reference, key="note", form=form, call=_note)


@agent_required
@require_POST
def fault_attach_view(request: HttpRequest, reference: str) -> HttpResponse:
    form = AttachmentForm(request.POST, request.FILES)
    return perform(request, reference, key="attach", form=form, call=_attach)


@agent_required
@require_POST
def fault_amend_view(request: HttpRequest, reference: str) -> HttpResponse:
    fault = fault_or_404(reference)
    form = AmendForm(request.POST, instance=fault)

    def amend(fault: Fault, data: dict[str, Any], actor: Actor) -> str:
        changes = form.changes()
        fault_amend(fault_id=fault.pk, actor=actor, changes=changes)
        if not changes:
            return "Nothing changed."
        return f"Fault {fault} amended: {field_labels(changes)}."

    return perform(request, reference, key="amend", form=form, call=amend)
