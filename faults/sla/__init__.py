"""SLA clocks: calendars, the pure engine and the services that apply them to faults (design §5)."""

from faults.sla.calendars import (
    AlwaysCalendar,
    BusinessHoursCalendar,
    Calendar,
    calendar_for,
)
from faults.sla.engine import SlaFigures, compute_sla_figures
from faults.sla.services import fault_sla_recompute, faults_sla_sweep, sla_policy_for

__all__ = [
    "AlwaysCalendar",
    "BusinessHoursCalendar",
    "Calendar",
    "SlaFigures",
    "calendar_for",
    "compute_sla_figures",
    "fault_sla_recompute",
    "faults_sla_sweep",
    "sla_policy_for",
]
