"""One home for the appointment status values, their groups and their colours."""

from django.db import models


class AppointmentState(models.TextChoices):
    """Where an appointment stands. Local actions move it to reserved, attached, cancelled or
    superseded; the supplier's notifications to confirmed, failed, cancelled, completed or
    missed."""

    RESERVED = "reserved", "Reserved"
    ATTACHED = "attached", "Attached to a fault"
    CONFIRMED = "confirmed", "Confirmed"
    FAILED = "failed", "Confirmation failed"
    CANCELLED = "cancelled", "Cancelled"
    COMPLETED = "completed", "Completed"
    MISSED = "missed", "Missed"
    SUPERSEDED = "superseded", "Superseded"


S = AppointmentState
# A fault has at most one appointment outside these (the model's constraint).
INACTIVE_STATES = frozenset({S.CANCELLED, S.SUPERSEDED})
ACTIVE_STATES = tuple(s for s in S.values if s not in INACTIVE_STATES)
# Still waiting for the visit: a supplier's confirmation may move these.
PENDING_VISIT_STATES = frozenset({S.RESERVED, S.ATTACHED, S.CONFIRMED, S.FAILED})

STATE_COLOURS = {
    S.RESERVED: "blue",
    S.ATTACHED: "cyan",
    S.CONFIRMED: "indigo",
    S.FAILED: "red",
    S.CANCELLED: "grey",
    S.COMPLETED: "green",
    S.MISSED: "orange",
    S.SUPERSEDED: "grey",
}


class AppointmentType(models.TextChoices):
    """The NICC ALA appointmentType: a fault visit or an order (provision) visit."""

    FAULT = "fault", "Fault"
    ORDER = "order", "Order"


class ConfirmationStatus(models.TextChoices):
    """The supplier's appointmentConfirmationStatus."""

    CONFIRMED = "Confirmed", "Confirmed"
    FAILED = "Failed", "Failed"


class MissedSide(models.TextChoices):
    """Who a missed appointment is counted against (SLA and compensation reporting)."""

    NONE = "", "Not attributed"
    SELLER = "seller", "Seller (supplier)"
    END_USER = "end-user", "End user"
    MBORC = "mborc", "MBORC (beyond reasonable control)"


class AppointmentEventKind(models.TextChoices):
    """What a row of an appointment's history records."""

    RESERVED = "reserved", "Reserved"
    ATTACHED = "attached", "Attached to a fault"
    SUPERSEDED = "superseded", "Superseded by a re-appointment"
    CANCELLED = "cancelled", "Cancelled by us"
    DISCOVERED = "discovered", "Named by the supplier"
    SUPPLIER_UPDATE = "supplier-update", "Updated by the supplier"
    CONFIRMED = "confirmed", "Confirmed by the supplier"
    CONFIRMATION_FAILED = "confirmation-failed", "Confirmation failed"
    SUPPLIER_CANCELLED = "supplier-cancelled", "Cancelled by the supplier"
    COMPLETED = "completed", "Completed"
    MISSED = "missed", "Missed"
