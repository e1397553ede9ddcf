"""The exception rules the appointments app contributes (`faults.exceptions.rules.register`, so
that `faults` never imports this app):

* APPOINTMENT_MISSED_BY_SUPPLIER, a fault still being worked whose current engineer appointment
  the supplier missed (counted against the seller). It clears when a new appointment replaces
  it, or the fault is resolved or finished;
* ETA_MISSING, a fault the supplier accepted N hours ago and still works on, with neither an
  expected resolution time nor a booked appointment. It clears when either arrives."""

from datetime import datetime, timedelta

from django.db.models import Exists, OuterRef

from appointments.choices import AppointmentState, MissedSide
from appointments.models import Appointment
from faults.choices import TERMINAL_STATUSES, FaultStatus
from faults.exceptions.models import TicketExceptionRule
from faults.exceptions.rules import Finding, register
from faults.models import Fault
from faults.models.fault import FIX_TIME_OWED_STATUSES


@register("APPOINTMENT_MISSED_BY_SUPPLIER")
def appointment_missed_by_supplier(rule: TicketExceptionRule, now: datetime) -> dict[int, Finding]:
    rows = (
        Appointment.objects.filter(state=AppointmentState.MISSED, missed_side=MissedSide.SELLER)
        .exclude(fault__status__in=(*TERMINAL_STATUSES, FaultStatus.RESOLVED, FaultStatus.DRAFT))
        .values_list("fault_id", "partner__name", "appointment_date", "start_time", "end_time")
    )
    return {
        fault_id: Finding(
            subject=f"{supplier} missed the engineer appointment",
            comment=(
                f"The appointment on {day:%a %d %b %Y}"
                + (f", {start} to {end}" if start and end else "")
                + " was missed by the supplier. Book a new one; the miss counts towards "
                "service credits."
            )
            if day
            else "The supplier missed the engineer appointment. Book a new one.",
        )
        for fault_id, supplier, day, start, end in rows
    }


# Accepted and being worked: the supplier owes a fix time (pending is not accepted yet; on hold
# and resolved wait on us). The fault model's partial index for this rule names the same ones.
BEING_WORKED = FIX_TIME_OWED_STATUSES
# A visit still to come: reserved or attached by us, or confirmed by the supplier. Cancelled,
# superseded, missed, failed and completed appointments promise no visit.
BOOKED_STATES = (AppointmentState.RESERVED, AppointmentState.ATTACHED, AppointmentState.CONFIRMED)
ETA_MISSING_HOURS = 4  # when the rule has no threshold


@register("ETA_MISSING")
def eta_missing(rule: TicketExceptionRule, now: datetime) -> dict[int, Finding]:
    """Accepted by the supplier N hours ago, still being worked, with neither an expected
    resolution time from the supplier nor a booked engineer appointment. It clears when the
    supplier gives a time, an appointment is booked, or the fault leaves those statuses."""
    hours = rule.threshold_hours if rule.threshold_hours is not None else ETA_MISSING_HOURS
    waited = timedelta(hours=hours)
    # The supplier's time is the fault's column (`fault_apply_supplier_report` keeps its latest).
    booked = Appointment.objects.filter(
        fault=OuterRef("pk"), state__in=BOOKED_STATES, cancelled=False, missed=False
    )
    rows = (
        Fault.objects.filter(
            status__in=BEING_WORKED,
            accepted_at__lte=now - waited,
            supplier_expected_resolution_at__isnull=True,
        )
        .filter(~Exists(booked))
        .order_by()  # a sweep needs no order: no sort of the rows found
        .values_list("pk", "supplier__name", "accepted_at")
    )
    words = f"{hours:g} hour{'s' if hours != 1 else ''}"
    return {
        pk: Finding(
            subject=f"No fix time from {supplier} {words} after acceptance",
            comment=f"{supplier} accepted the fault at {accepted:%Y-%m-%d %H:%M} UTC and has given "
            "neither an expected resolution time nor an engineer appointment. Ask for one.",
        )
        for pk, supplier, accepted in rows
    }
