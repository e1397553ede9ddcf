"""The open ticket exceptions, most urgent first, and an agent solving one with a reason.

A page of its own rather than a form in the queue: the queue redraws itself every few seconds,
and a reason being typed there would be lost."""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from faults.errors import FaultValidationError
from faults.exceptions.escalation import escalation_candidates
from faults.exceptions.models import EscalationThreshold, TicketException
from faults.exceptions.services import exception_solve
from faults.exceptions.shifts import shift_at, shift_label, with_calls_to_action
from faults.roles import can_act_on_faults
from faults.services import Actor
from faults.ui.access import agent_required, manager_required, reader_required
from faults.worklists import open_exceptions

PAGE_SIZE = 50


class SolveForm(forms.Form):
    reason = forms.CharField(
        label="Why is it solved?",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Recorded on the fault's timeline.",
    )


def _page(request: HttpRequest, *, failed: TicketException | None = None, form=None, status=200):
    now = timezone.now()
    page = Paginator(open_exceptions(), PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = with_calls_to_action(page.object_list, now)
    return render(
        request,
        "faults/exceptions/open.html",
        {
            "page": page,
            "shift": shift_label(shift_at(now)),
            "can_act": can_act_on_faults(request.user),
            "failed_id": failed.pk if failed else None,
            "failed_form": form,
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


@manager_required
def escalation_candidate_list(request: HttpRequest) -> HttpResponse:
    """The suppliers to escalate with, over the admin's threshold."""
    return render(
        request,
        "faults/exceptions/escalations.html",
        {"candidates": escalation_candidates(), "threshold": EscalationThreshold.current()},
    )
