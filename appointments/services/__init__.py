"""The appointment services: every change to an appointment goes through one of these."""

from appointments.services.booking import (
    appointment_attach,
    appointment_reserve,
    appointment_slots_query,
)
from appointments.services.changes import appointment_cancel, appointment_reappoint
from appointments.services.raising import (
    fault_draft_update_with_appointment,
    fault_raise_with_appointment,
)
from appointments.services.supplier import appointment_apply_supplier_event, missed_side

__all__ = [
    "appointment_apply_supplier_event",
    "appointment_attach",
    "appointment_cancel",
    "appointment_reappoint",
    "appointment_reserve",
    "appointment_slots_query",
    "fault_draft_update_with_appointment",
    "fault_raise_with_appointment",
    "missed_side",
]
