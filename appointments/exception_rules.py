"""The exception rule the appointments app contributes (`faults.exceptions.rules.register`, so
that `faults` never imports this app): APPOINTMENT_MISSED_BY_SUPPLIER, a fault still being
worked whose current engineer appointment the supplier missed (counted against the seller). It
clears when a new appointment replaces it, or the fault is resolved or finished."""

from datetime import datetime

from appointments.choices import AppointmentState, MissedSide
from appointments.models import Appointment
from faults.choices import TERMINAL_STATUSES, FaultStatus
from faults.exceptions.models import TicketExceptionRule
from faults.exceptions.rules import Finding, register


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
