"""The fault detail page and the fragments htmx refreshes on it (header, timeline, actions)."""

from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django import forms
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from faults.choices import (
    AMENDABLE_STATUSES,
    SLA_ACTIVE_STATES,
    TERMINAL_STATUSES,
    FaultStatus,
    PartnerOperation,
    SlaCalendar,
)
from faults.contributions import FaultAction, FaultFacts, contributions
from faults.errors import FaultNotFound
from faults.models import Fault
from faults.ports import partner_call_refusal
from faults.roles import can_act_on_faults
from faults.selectors import fault_get, fault_list_queryset
from faults.services import fault_allowed_transitions
from faults.services.raise_again import raise_again_refusal
from faults.sla.wall_clock import calendar_words, fault_clock_time
from faults.timeline import fault_timeline
from faults.timeline_filter import PARAMETER as TIMELINE_FILTER
from faults.timeline_filter import timeline_filtered
from faults.ui.access import reader_required
from faults.ui.fault.children import children_context
from faults.ui.fault.forms import (
    AmendForm,
    AttachmentForm,
    CancelForm,
    CommentForm,
    NoInputForm,
    NoteForm,
    RejectResolutionForm,
)
from faults.ui.fault.ownership_forms import AssignForm

TEMPLATE = "faults/fault/detail.html"
STATUS_CHANGED_EVENT = "fault-status-changed"


def fault_page_queryset() -> QuerySet[Fault]:
    return (
        fault_list_queryset()
        .select_related("sla_policy")
        .prefetch_related(
            Prefetch(
                "children",
                queryset=Fault.objects.only(
                    "id", "parent_id", "buyer_fault_reference", "status", "service_id"
                ).order_by("id"),
            )
        )
    )


def fault_or_404(reference: str) -> Fault:
    try:
        return fault_get(reference=reference, queryset=fault_page_queryset())
    except FaultNotFound as error:
        raise Http404(error.message) from None


@dataclass(frozen=True)
class Offered:
    """The actions the page offers: what the state machine and the services' rules allow, and
    nothing to a user who may only read."""

    submit: bool = False
    edit_draft: bool = False
    amend: bool = False
    comment: bool = False
    # An internal note: on every fault, finished ones too (it is never sent to the supplier).
    note: bool = False
    attach: bool = False
    request_update: bool = False
    accept_resolution: bool = False
    reject_resolution: bool = False
    cancel: bool = False
    raise_child: bool = False
    # A rejected or cancelled fault of ours copied into a new draft (`fault_raise_again`).
    raise_again: bool = False
    # The actions the apps above add (e.g. re-appoint), offered for this fault.
    contributed: tuple[FaultAction, ...] = ()
    # When nothing is offered, why, in words: an empty column says nothing.
    none_because: str = ""

    @property
    def any(self) -> bool:
        return bool(self.contributed) or any(value is True for value in vars(self).values())

    @property
    def reader_only(self) -> bool:
        return self.none_because == READ_ONLY


READ_ONLY = "You can read this fault; acting on it is for agents."


def _finished(fault: Fault) -> str:
    if fault.status == FaultStatus.REJECTED:
        return (
            "The supplier rejected this fault, so nothing more can be done on it. "
            "To try again, raise it again and correct the details in the new draft."
        )
    status = FaultStatus(fault.status).label.lower()
    return f"The fault is {status}: nothing more can be done on it."


def offered_actions(fault: Fault, user: AbstractBaseUser | AnonymousUser) -> Offered:
    if not can_act_on_faults(user):
        return Offered(none_because=READ_ONLY)
    allowed = set(fault_allowed_transitions(fault=fault))
    unfinished = fault.status not in TERMINAL_STATUSES
    raised = unfinished and fault.status != FaultStatus.DRAFT
    offered = Offered(
        submit="submit" in allowed,
        edit_draft=fault.status == FaultStatus.DRAFT,
        amend=fault.status in AMENDABLE_STATUSES,
        comment=unfinished,
        note=True,
        attach=unfinished,
        # Not every protocol can be asked (TEP has no call that reads a ticket back).
        request_update=raised
        and bool(fault.maintainer_fault_reference)
        and partner_call_refusal(supplier=fault.supplier, operation=PartnerOperation.REQUEST_UPDATE)
        is None,
        accept_resolution="accept_resolution" in allowed,
        reject_resolution="reject_resolution" in allowed,
        cancel="cancel" in allowed,
        raise_child=unfinished and fault.parent_id is None,
        raise_again=not raise_again_refusal(fault),
        contributed=tuple(a for a in contributions(FaultAction) if a.offered(fault)),
    )
    # A note alone does not make a finished fault actionable: say why nothing else is offered.
    toward_supplier = replace(offered, note=False, raise_again=False)
    return offered if toward_supplier.any else replace(offered, none_because=_finished(fault))


def action_forms(fault: Fault, **bound: forms.Form) -> dict[str, forms.Form]:
    """A blank form per action, except those given (bound, with their errors)."""
    blank = {
        "submit": NoInputForm(prefix="submit"),
        "amend": AmendForm(instance=fault),
        "comment": CommentForm(),
        "note": NoteForm(),
        "attach": AttachmentForm(),
        "request_update": NoInputForm(prefix="request_update"),
        "accept_resolution": NoInputForm(prefix="accept_resolution"),
        "reject_resolution": RejectResolutionForm(),
        "cancel": CancelForm(),
        "assign": AssignForm.for_fault(fault),
        "assign_to_me": NoInputForm(prefix="assign_to_me"),
    }
    return {**blank, **bound}


def header_context(fault: Fault) -> dict[str, Any]:
    policy = fault.sla_policy
    facts = contributions(FaultFacts)
    contributed: dict[str, Any] = {}
    for part in facts:
        contributed.update(part.context(fault))
    return {
        **contributed,
        "contributed_facts": facts,
        "fault": fault,
        "children": list(fault.children.all()),
        "raised_again_as": list(fault.raised_again_as.order_by("id")),
        "sla_active": fault.sla_state in SLA_ACTIVE_STATES,
        # What the SLA figures count, and the fault's time in clock time beside them.
        "sla_counts": calendar_words(policy) if policy is not None else "",
        "sla_in_business_hours": (
            policy is not None and policy.calendar == SlaCalendar.BUSINESS_HOURS
        ),
        "clock_time": fault_clock_time(fault, now=timezone.now()),
        "statuses": FaultStatus,
    }


def actions_context(request: HttpRequest, fault: Fault, **bound: forms.Form) -> dict[str, Any]:
    offered = offered_actions(fault, request.user)
    context: dict[str, Any] = {"fault": fault, "offered": offered}
    for action in offered.contributed:
        if action.key not in bound:
            bound[action.key] = action.blank_form(fault)
    if offered.any:
        context["forms"] = action_forms(fault, **bound)
    return context


def timeline_filter_values(request: HttpRequest) -> list[str]:
    """The kinds the timeline is filtered to: the query string's; for an action posted by htmx,
    those of the page it was posted from (its address keeps them), so the panel it answers
    with shows the timeline as the agent had filtered it."""
    values = request.GET.getlist(TIMELINE_FILTER)
    if not values and request.method == "POST" and getattr(request, "htmx", False):
        page = urlsplit(request.headers.get("HX-Current-URL", ""))
        values = parse_qs(page.query).get(TIMELINE_FILTER, [])
    return values


def timeline_context(request: HttpRequest, fault: Fault) -> dict[str, Any]:
    """The timeline, filtered by kind as the query string asks (`faults.timeline_filter`)."""
    filtered = timeline_filtered(fault_timeline(fault=fault), timeline_filter_values(request))
    return {"fault": fault, "timeline": filtered.entries, "timeline_filter": filtered}


def detail_context(request: HttpRequest, fault: Fault, **bound: forms.Form) -> dict[str, Any]:
    children_form = bound.pop("children_form", None)
    return {
        **header_context(fault),
        **children_context(request, fault, children_form),  # type: ignore[arg-type]
        **actions_context(request, fault, **bound),
        **timeline_context(request, fault),
        "fragment": bool(getattr(request, "htmx", False)),
    }


def render_detail(
    request: HttpRequest, fault: Fault, *, status: int = 200, **bound: forms.Form
) -> HttpResponse:
    """The whole page, or for htmx the panel (header, actions, timeline) it swaps in place."""
    context = detail_context(request, fault, **bound)
    template = "faults/fault/_panel.html" if context["fragment"] else TEMPLATE
    return render(request, template, context, status=status)


@reader_required
@require_GET
def fault_detail(request: HttpRequest, reference: str) -> HttpResponse:
    return render_detail(request, fault_or_404(reference))


@reader_required
@require_GET
def fault_header(request: HttpRequest, reference: str) -> HttpResponse:
    """The header, polled every 10 s. When the status differs from the one the page shows, the
    page is told (HX-Trigger) so that it refreshes the actions the new status allows."""
    fault = fault_or_404(reference)
    response = render(request, "faults/fault/_header.html", header_context(fault))
    if request.GET.get("seen") and request.GET["seen"] != fault.status:
        response["HX-Trigger"] = STATUS_CHANGED_EVENT
    return response


@reader_required
@require_GET
def fault_timeline_fragment(request: HttpRequest, reference: str) -> HttpResponse:
    fault = fault_or_404(reference)
    return render(request, "faults/fault/_timeline.html", timeline_context(request, fault))


@reader_required
@require_GET
def fault_actions_fragment(request: HttpRequest, reference: str) -> HttpResponse:
    fault = fault_or_404(reference)
    return render(request, "faults/fault/_actions.html", actions_context(request, fault))
