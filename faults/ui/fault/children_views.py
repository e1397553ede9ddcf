"""Apply one action to every child of a mass incident's parent: a bulk run over the children
(`faults.services.bulk.bulk_run_start`), each child through its own service, and the parent's
page shows the result per child."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from faults.errors import FaultError
from faults.models.bulk import BulkItemState
from faults.services import Actor
from faults.services.bulk import bulk_run_start
from faults.ui.access import agent_required
from faults.ui.fault.children import RUN_PARAMETER, ChildrenActionForm
from faults.ui.fault.detail_views import fault_or_404, render_detail


@agent_required
@require_POST
def fault_children_apply_view(request: HttpRequest, reference: str) -> HttpResponse:
    parent = fault_or_404(reference)
    form = ChildrenActionForm(request.POST)
    child_ids = list(parent.children.order_by("id").values_list("id", flat=True))
    if form.is_valid():
        try:
            run = bulk_run_start(
                action=form.cleaned_data["action"],
                fault_ids=child_ids,
                actor=Actor.for_user(request.user),
                params=form.params(),
            )
        except FaultError as error:
            form.add_service_errors(error)
            messages.error(request, f"Nothing was applied: {error.message}")
            return render_detail(request, parent, status=error.status_code, children_form=form)
        done = run.items.filter(state=BulkItemState.DONE).count()
        refused = run.items.filter(state=BulkItemState.REFUSED).count()
        waiting = run.items.filter(state=BulkItemState.PENDING).count()
        said = f"{done} done, {refused} refused" + (f", {waiting} waiting" if waiting else "")
        messages.success(
            request, f"{form.action_label()} on {len(child_ids)} child faults: {said}."
        )
        url = reverse("fault-detail", args=[parent.buyer_fault_reference])
        return redirect(f"{url}?{RUN_PARAMETER}={run.pk}#children-title")
    messages.error(request, "Nothing was applied: choose an action.")
    return render_detail(request, parent, status=400, children_form=form)
