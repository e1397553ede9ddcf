"""Read queries for appointments: what the API, the admin and reports show."""

from datetime import date

from django.db.models import Count, Prefetch, QuerySet

from appointments.errors import AppointmentNotFound
from appointments.models import Appointment, AppointmentEvent
from faults.models import Fault
from faults.suppliers import Supplier


def appointment_queryset() -> QuerySet[Appointment]:
    """Appointments with their partner, fault and history in a fixed number of queries."""
    return Appointment.objects.select_related("partner", "fault").prefetch_related(
        Prefetch("history", queryset=AppointmentEvent.objects.order_by("at", "id"))
    )


def appointment_get(*, appointment_id: int) -> Appointment:
    appointment = appointment_queryset().filter(pk=appointment_id).first()
    if appointment is None:
        raise AppointmentNotFound(f"No appointment with id {appointment_id}.")
    return appointment


def fault_appointments(*, fault: Fault) -> QuerySet[Appointment]:
    """Every appointment the fault has had, the current one first."""
    return appointment_queryset().filter(fault=fault).order_by("-created_at", "-id")


def appointment_query_defaults(*, fault: Fault) -> dict[str, str]:
    """Where and for what a fault's slots are asked: the fault's own address key and product,
    else those of its latest appointment."""
    latest = Appointment.objects.filter(fault=fault).order_by("-created_at", "-id").first()
    return {
        "address_key": fault.address_key or (latest.address_key if latest else ""),
        "product_name": fault.product_name or (latest.product_name if latest else ""),
    }


def missed_appointment_counts(
    *,
    partner: Supplier | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> dict[str, int]:
    """Missed appointments per side (seller, end-user, mborc, "" for unattributed), by the
    appointment's day: one grouped query over the (missed, missed_side, date) index."""
    rows = Appointment.objects.filter(missed=True)
    if partner is not None:
        rows = rows.filter(partner=partner)
    if date_from is not None:
        rows = rows.filter(appointment_date__gte=date_from)
    if date_to is not None:
        rows = rows.filter(appointment_date__lte=date_to)
    grouped = rows.order_by().values("missed_side").annotate(count=Count("id"))
    return {row["missed_side"]: row["count"] for row in grouped}
