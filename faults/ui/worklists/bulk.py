"""Bulk actions from the fault list: the chosen faults (ticked, the whole page, or every fault
matching the list's filters) and one action, handed to `faults.services.bulk`; then the run's
page, which shows its progress (polled with htmx while faults are still waiting) and a result
per fault. Agents only, as each action is on a single fault."""

from django.db.models import Case, When
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from faults.errors import FaultError, FaultValidationError
from faults.models.bulk import BulkItemState, BulkRun
from faults.services import Actor
from faults.services.bulk import bulk_max_faults, bulk_run_counts, bulk_run_start
from faults.ui.access import agent_required
from faults.ui.worklists.filters import FaultFilterForm
from faults.ui.worklists.rendering import render_page_or_fragment
from faults.ui.worklists.sorting import parse_sort
from faults.worklists import faults_matching

SCOPES = ("selected", "page", "filter")


def _ids(values: list[str]) -> list[int]:
    try:
        return [int(value) for value in values]
    except ValueError:
        raise FaultValidationError(
            "The selection could not be read; reload the list and select again.",
            errors={"faults": ["Not fault ids."]},
        ) from None


def chosen_fault_ids(request: HttpRequest) -> list[int]:
    """The faults the form asks for: the ticked ones, the page's, or all matching the filters
    (read again now, with the list's own selector)."""
    scope = request.POST.get("scope", "selected")
    if scope not in SCOPES:
        raise FaultValidationError(
            "Choose which faults to apply the action to.", errors={"scope": ["Unknown choice."]}
        )
    if scope == "selected":
        return _ids(request.POST.getlist("fault"))
    if scope == "page":
        return _ids(request.POST.getlist("page_fault"))
    form = FaultFilterForm(QueryDict(request.POST.get("filters", "")))
    if not form.is_valid():
        raise FaultValidationError(
            "The list's filters could not be read; nothing was applied.",
            errors={"filters": ["Correct the filters on the list first."]},
        )
    sort, _ = parse_sort(None)
    faults = faults_matching(form.criteria(user=request.user, ordering=sort.ordering()))
    return list(faults.values_list("pk", flat=True)[: bulk_max_faults() + 1])


def _list_url(request: HttpRequest) -> str:
    filters = request.POST.get("filters", "")
    return reverse("fault-list") + (f"?{filters}" if filters else "")


@agent_required
@require_POST
def bulk_run_start_view(request: HttpRequest) -> HttpResponse:
    try:
        fault_ids = chosen_fault_ids(request)
        run = bulk_run_start(
            action=request.POST.get("action", ""),
            fault_ids=fault_ids,
            actor=Actor.for_user(request.user),
            params={
                "text": request.POST.get("text", ""),
                "reason": request.POST.get("reason", ""),
                "owner": request.POST.get("owner", "me"),
                "team": request.POST.get("team", ""),
            },
        )
    except FaultError as error:
        context = {"error": error, "back": _list_url(request)}
        return render(
            request, "faults/worklists/bulk_refused.html", context, status=error.status_code
        )
    return redirect("bulk-run", pk=run.pk)


@agent_required
def bulk_run_view(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(BulkRun.objects.select_related("created_by"), pk=pk)
    counts = bulk_run_counts(run.pk)
    # The refused first: what an agent has to look at again.
    first = Case(
        When(state=BulkItemState.REFUSED, then=0),
        When(state=BulkItemState.PENDING, then=1),
        default=2,
    )
    items = run.items.select_related("fault", "fault__supplier").order_by(first, "pk")
    return render_page_or_fragment(
        request,
        page="faults/worklists/bulk_run.html",
        fragment="faults/worklists/_bulk_run.html",
        context={
            "run": run,
            "items": items,
            "done": counts[BulkItemState.DONE],
            "refused": counts[BulkItemState.REFUSED],
            "waiting": counts[BulkItemState.PENDING],
            "total": sum(counts.values()),
            "applied": counts[BulkItemState.DONE] + counts[BulkItemState.REFUSED],
        },
    )
