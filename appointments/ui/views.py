"""The slot picker (htmx fragments) and the re-appointment of a raised Service Outage fault.

Before the fault exists the agent queries slots and reserves one; the reservation is attached
when the fault is saved (see `appointments.services.raising`). A raised fault is re-appointed in one
step (`appointment_reappoint`: the supplier is asked again, the slot reserved, the supplier told).
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from appointments.gateways import Slot
from appointments.services import (
    appointment_reappoint,
    appointment_reserve,
    appointment_slots_query,
)
from appointments.ui.forms import ReappointForm, ReserveForm, SupplierSlotQueryForm, slot_value
from faults.errors import FaultError
from faults.services import Actor
from faults.ui.access import agent_required
from faults.ui.fault.detail_views import fault_or_404, render_detail
from faults.ui.fault.live_check import RAISE_STEP_CHANGED


def _fragment_status(request: HttpRequest, error: FaultError) -> int:
    """htmx swaps only 2xx answers: a refusal it must show comes back as 200."""
    return 200 if getattr(request, "htmx", False) else error.status_code


@agent_required
@require_POST
def appointment_slots(request: HttpRequest) -> HttpResponse:
    """The supplier's slots as a radio list. `mode=reappoint` (with `fault`) lists them for the
    re-appointment form; otherwise for the raise form's Reserve button."""
    reappoint = request.POST.get("mode") == "reappoint"
    form_class = ReappointForm if reappoint else SupplierSlotQueryForm
    form = form_class(request.POST)
    form.fields.pop("slot", None)
    context: dict = {"form": form, "reappoint": reappoint, "slots": []}
    status = 200
    if form.is_valid():
        if reappoint:
            partner = fault_or_404(request.POST.get("fault", "")).supplier
        else:
            partner = form.cleaned_data["supplier"]
        try:
            slots: list[Slot] = appointment_slots_query(
                partner=partner, query=form.query(reappointment=reappoint)
            )
        except FaultError as error:
            form.add_service_errors(error)
            status = _fragment_status(request, error)
        else:
            context["slots"] = [(slot_value(slot), slot) for slot in slots]
            context["queried"] = True
    return render(request, "appointments/_slots.html", context, status=status)


@agent_required
@require_POST
def appointment_reserve_view(request: HttpRequest) -> HttpResponse:
    """Reserve the picked slot for the fault being raised (attached when the fault is saved)."""
    form = ReserveForm(request.POST)
    context: dict = {"form": form}
    status = 200
    if form.is_valid():
        try:
            context["reserved"] = appointment_reserve(
                partner=form.cleaned_data["supplier"],
                actor=Actor.for_user(request.user),
                query=form.query(),
                slot=form.cleaned_data["slot"],
            )
        except FaultError as error:
            form.add_service_errors(error)
            status = _fragment_status(request, error)
    response = render(request, "appointments/_reservation.html", context, status=status)
    if "reserved" in context:
        # The raise form's live check runs again, once the reservation is on the page, so that it
        # posts the reservation with the rest of the form.
        response["HX-Trigger-After-Swap"] = RAISE_STEP_CHANGED
    return response


@agent_required
@require_POST
def appointment_reappoint_view(request: HttpRequest, reference: str) -> HttpResponse:
    fault = fault_or_404(reference)
    form = ReappointForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            appointment = appointment_reappoint(
                fault_id=fault.pk,
                actor=Actor.for_user(request.user),
                query=form.query(reappointment=True),
                slot=form.cleaned_data["slot"],
            )
        except FaultError as error:
            form.add_service_errors(error)
            messages.error(request, error.message)
            status = error.status_code
        else:
            messages.success(
                request, f"Re-appointed {appointment.slot_display} ({appointment.reservation_key})."
            )
            if getattr(request, "htmx", False):
                return render_detail(request, fault_or_404(reference))
            return redirect("fault-detail", reference=fault.buyer_fault_reference)
    else:
        messages.error(request, "Nothing was changed: please correct the re-appointment form.")
    return render_detail(request, fault_or_404(reference), status=status, reappoint=form)
