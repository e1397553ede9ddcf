"""The open ticket exceptions, most urgent first, and an agent solving one with a reason or
linking a helpdesk ticket to it.

A page of its own rather than a form in the queue: the queue redraws itself every few seconds,
and a reason being typed there would be lost."""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from faults.errors import FaultNotFound, FaultValidationError
from faults.exceptions.escalation import escalation_candidates
from faults.exceptions.helpdesk import external_reference_link, external_reference_unlink
from faults.exceptions.models import EscalationThreshold, TicketException
from faults.exceptions.services import exception_solve
from faults.exceptions.shifts import shift_at, shift_label, with_calls_to_action
from faults.roles import can_act_on_faults
from faults.services import Actor
from faults.ui.access import agent_required, manager_required, reader_required
from faults.ui.exceptions.helpdesk import LinkForm, with_ticket_links
from faults.worklists import open_exceptions

PAGE_SIZE = 50


class SolveForm(forms.Form):
    reason = forms.CharField(
        label="Why is it solved?",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Recorded on the fault's timeline.",
    )


def _page(
    request: HttpRequest,
    *,
    failed: TicketException | None = None,
    form=None,
    link_failed: TicketException | None = None,
    link_form: LinkForm | None = None,
    status=200,
):
    now = timezone.now()
    page = Paginator(open_exceptions(), PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = with_ticket_links(with_calls_to_action(page.object_list, now))
    return render(
        request,
        "faults/exceptions/open.html",
        {
            "page": page,
            "shift": shift_label(shift_at(now)),
            "can_act": can_act_on_faults(request.user),
            "failed_id": failed.pk if failed else None,
            "failed_form": form,
            "link_failed_id": link_failed.pk if link_failed else None,
            "link_form": link_form,
        },
        status=status,
    )


@reader_required
def exception_list(request: HttpRequest) -> HttpResponse:
    return _page(request)


@agent_required
@require_POST
def exception_solve_view(request: HttpRequest, pk: int) -> HttpResponse:
    exception = get_object_or_404(TicketException.objects.select_related("rule", "fault"), pk=pk)
    form = SolveForm(request.POST)
    if form.is_valid():
        try:
            exception_solve(
                exception_id=exception.pk,
                actor=Actor.for_user(request.user),
                reason=form.cleaned_data["reason"],
            )
        except FaultValidationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                f"Solved on {exception.fault.buyer_fault_reference}: {exception.rule.name}.",
            )
            return redirect("exception-list")
    return _page(request, failed=exception, form=form, status=400)


@agent_required
@require_POST
def exception_link_view(request: HttpRequest, pk: int) -> HttpResponse:
    """An agent links a helpdesk ticket to the exception, by its number or its address."""
    exception = get_object_or_404(TicketException.objects.select_related("rule", "fault"), pk=pk)
    form = LinkForm(request.POST)
    if form.is_valid():
        try:
            reference, created = external_reference_link(
                exception_id=exception.pk,
                identifier=form.cleaned_data["identifier"],
                actor=Actor.for_user(request.user),
            )
        except FaultValidationError as error:
            for message in error.errors.get("identifier") or [error.message]:
                form.add_error("identifier", message)
        else:
            where = f"{exception.fault.buyer_fault_reference}: {exception.rule.name}"
            if created:
                messages.success(request, f"Linked ticket {reference.identifier} to {where}.")
            else:
                messages.info(
                    request, f"Ticket {reference.identifier} was already linked to {where}."
                )
            return redirect(f"{reverse('exception-list')}#exception-{exception.pk}")
    return _page(request, link_failed=exception, link_form=form, status=400)


@agent_required
@require_POST
def exception_unlink_view(request: HttpRequest, pk: int) -> HttpResponse:
    """An agent removes a ticket's link (the timeline keeps that it was linked)."""
    try:
        reference = external_reference_unlink(reference_id=pk, actor=Actor.for_user(request.user))
    except FaultNotFound as missing:
        raise Http404(missing.message) from None
    messages.success(request, f"Unlinked ticket {reference.identifier}.")
    return redirect(f"{reverse('exception-list')}#exception-{reference.exception_id}")


@manager_required
def escalation_candidate_list(request: HttpRequest) -> HttpResponse:
    """The suppliers to escalate with, over the admin's threshold."""
    return render(
        request,
        "faults/exceptions/escalations.html",
        {"candidates": escalation_candidates(), "threshold": EscalationThreshold.current()},
    )
