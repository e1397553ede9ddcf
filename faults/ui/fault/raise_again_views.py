"""The fault page's "Raise again": a rejected or cancelled fault copied into a new draft, which
opens in the raise form so that the agent corrects what the supplier refused before sending it."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from faults.errors import FaultError
from faults.services import Actor
from faults.services.raise_again import fault_raise_again
from faults.ui.access import agent_required
from faults.ui.fault.detail_views import fault_or_404, render_detail


@agent_required
@require_POST
def fault_raise_again_view(request: HttpRequest, reference: str) -> HttpResponse:
    fault = fault_or_404(reference)
    try:
        draft = fault_raise_again(fault_id=fault.pk, actor=Actor.for_user(request.user))
    except FaultError as error:
        messages.error(request, f"Not raised again: {error.message}")
        return render_detail(request, fault_or_404(reference), status=error.status_code)
    messages.success(
        request,
        f"Draft {draft} raised again from {fault}: correct what the supplier refused, then "
        "submit it.",
    )
    return redirect("fault-edit", reference=draft.buyer_fault_reference)
