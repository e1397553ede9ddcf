"""What appointments add to the fault pages (`faults.contributions`): the appointment history
on a fault's timeline, the missed appointments on the SLA dashboard, the reservation step of
the raise form, and the appointment on the fault page with its re-appointment. Registered by
`AppointmentsConfig.ready()`."""

from collections.abc import Iterable
from typing import Any

from django import forms
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db.models import Count
from django.utils import timezone

from appointments.choices import MissedSide
from appointments.models import Appointment
from appointments.selectors import appointment_query_defaults, fault_appointments
from appointments.services.booking import appointment_attach
from appointments.timeline import TIMELINE_SOURCE
from appointments.ui.forms import ReappointForm
from faults.choices import AMENDABLE_STATUSES, is_tlos_type
from faults.contributions import (
    DashboardCounts,
    FaultAction,
    FaultFacts,
    RaiseFormStep,
    register,
)
from faults.models import Fault
from faults.services import Actor
from faults.suppliers import Supplier

# --- the SLA dashboard: missed appointments by side ------------------------------------------

_SIDE_OF = {MissedSide.SELLER: "seller", MissedSide.END_USER: "end-user"}


def missed_by_side(filters: Any) -> Iterable[tuple[int, int, str, int]]:
    """Missed appointments of the period (by appointment day) per supplier, priority and side.
    Only appointments attached to a fault carry a priority; others are not counted here."""
    rows = Appointment.objects.filter(
        missed=True,
        # Every side, spelled out, so the (missed, missed_side, date) index is read by date
        # range for each side instead of across all missed appointments ever.
        missed_side__in=MissedSide.values,
        fault__isnull=False,
        appointment_date__gte=filters.date_from,
        appointment_date__lte=filters.date_to,
    )
    if filters.supplier is not None:
        rows = rows.filter(partner=filters.supplier)
    if filters.priority is not None:
        rows = rows.filter(fault__priority=filters.priority)
    grouped = (
        rows.order_by()
        .values("partner_id", "fault__priority", "missed_side")
        .annotate(n=Count("id"))
    )
    for g in grouped:
        side = _SIDE_OF.get(g["missed_side"], "other")
        yield g["partner_id"], g["fault__priority"], side, g["n"]


MISSED_APPOINTMENTS = DashboardCounts(
    key="missed",
    title="Missed appointments",
    columns_label="Missed appointments, by side",
    columns=(("seller", "Seller"), ("end-user", "End user"), ("other", "Other")),
    csv_prefix="missed_appointments_",
    explained=(
        "Missed appointments",
        "are counted by the appointment's day, against the side the supplier named: seller, "
        "end user, or other (beyond reasonable control, or not attributed).",
    ),
    counts=missed_by_side,
    applies_to=lambda supplier: supplier.offers_appointments,
)

# --- the raise form: reserve an engineer appointment (Service Outage) ------------------------


def _appointment_field() -> dict[str, Any]:
    """The reserved appointment the panel's reservation puts in the form (a hidden input)."""
    field = forms.ModelChoiceField(
        queryset=Appointment.objects.select_related("partner"),
        required=False,
        widget=forms.HiddenInput,
    )
    return {"appointment": field}


def _tlos_selected(form: forms.BaseForm) -> bool:
    return is_tlos_type(form["fault_type"].value())


def _selected_supplier(form: forms.BaseForm) -> Supplier | None:
    """The supplier the form raises the fault with: the draft's, else the one chosen (the
    list's first before anything is posted, as the page shows it); None when the input names
    none of the list."""
    draft = getattr(form, "draft", None)
    if draft is not None:
        return draft.supplier
    field = form.fields.get("supplier")
    if field is None:
        return None
    value = form["supplier"].value()
    try:
        return field.queryset.first() if value in (None, "") else field.queryset.get(pk=value)
    except (ObjectDoesNotExist, ValueError, TypeError, ValidationError):
        return None


def _books_appointments(form: forms.BaseForm) -> bool:
    supplier = _selected_supplier(form)
    return supplier is None or supplier.offers_appointments


def _reservation_needed(form: forms.BaseForm) -> bool:
    return _tlos_selected(form) and _books_appointments(form)


def _raised_without_appointment(form: forms.BaseForm) -> bool:
    return _tlos_selected(form) and not _books_appointments(form)


def _reserved(form: forms.BaseForm) -> dict[str, Any]:
    return {"reserved": getattr(form, "cleaned_data", {}).get("appointment")}


def _no_appointment_context(form: forms.BaseForm) -> dict[str, Any]:
    return {"no_appointment_supplier": _selected_supplier(form)}


def _nothing_to_save(*, fault: Fault, data: dict[str, Any], actor: Actor) -> None:
    """The note has no input: the fault is raised without an appointment."""


def _attach_reserved(*, fault: Fault, data: dict[str, Any], actor: Actor) -> None:
    appointment = data.get("appointment")
    if appointment is not None:
        appointment_attach(appointment_id=appointment.pk, fault_id=fault.pk, actor=actor)


RESERVATION_STEP = RaiseFormStep(
    key="appointment",
    template="appointments/_panel.html",
    element_id="appointment-panel",
    shown_marker="appointment_panel",
    fields=_appointment_field,
    applies=_reservation_needed,
    context=_reserved,
    save=_attach_reserved,
)
# A Service Outage fault with a supplier we book no appointments with (TMF621): no reservation
# is asked for, and the form says so, and who arranges the engineer's visit.
NO_APPOINTMENT_NOTE = RaiseFormStep(
    key="no-appointment",
    template="appointments/_no_appointment.html",
    element_id="no-appointment-note",
    shown_marker="no_appointment_note",
    fields=dict,
    applies=_raised_without_appointment,
    context=_no_appointment_context,
    save=_nothing_to_save,
)

# --- the fault page: the appointment, and re-appointing --------------------------------------


def _current_appointment(fault: Fault) -> dict[str, Any]:
    return {"appointment": fault_appointments(fault=fault).first() if fault.is_tlos else None}


def _reappoint_offered(fault: Fault) -> bool:
    return (
        fault.status in AMENDABLE_STATUSES and fault.is_tlos and fault.supplier.offers_appointments
    )


def _blank_reappoint_form(fault: Fault) -> ReappointForm:
    defaults = {**appointment_query_defaults(fault=fault), "from_date": timezone.localdate()}
    return ReappointForm(initial=defaults)


APPOINTMENT_FACTS = FaultFacts(
    key="appointment",
    template="appointments/_fault_facts.html",
    context=_current_appointment,
)
REAPPOINT_ACTION = FaultAction(
    key="reappoint",
    template="appointments/_reappoint_action.html",
    offered=_reappoint_offered,
    blank_form=_blank_reappoint_form,
)


def register_contributions() -> None:
    register(
        TIMELINE_SOURCE,
        MISSED_APPOINTMENTS,
        RESERVATION_STEP,
        NO_APPOINTMENT_NOTE,
        APPOINTMENT_FACTS,
        REAPPOINT_ACTION,
    )
