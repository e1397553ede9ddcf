"""An engineer appointment reserved with a supplier, and its history (design §6)."""

from django.core.exceptions import ValidationError
from django.core.validators import MinLengthValidator, RegexValidator
from django.db import models

from appointments.choices import (
    INACTIVE_STATES,
    STATE_COLOURS,
    AppointmentEventKind,
    AppointmentState,
    AppointmentType,
    ConfirmationStatus,
    MissedSide,
)
from faults.choices import ActorKind, ClosureCode

RESERVATION_KEY_MAX = 36
ADDRESS_KEY_MAX = 63
PRODUCT_NAME_MAX = 80
HHMM_PATTERN = r"^([01]\d|2[0-3]):[0-5]\d$"
HHMM_MESSAGE = "Give the time as HH:MM (24-hour), e.g. 08:00."
hhmm_validator = RegexValidator(HHMM_PATTERN, HHMM_MESSAGE, code="invalid_time")


class Appointment(models.Model):
    """A reserved slot: created when the supplier reserves it (or when the supplier names one
    we never saw), attached to a Service Outage fault, and then followed through the supplier's
    notifications. Re-appointing supersedes it with a new one; the old row stays as history."""

    partner = models.ForeignKey(
        "integrations.Partner", on_delete=models.PROTECT, related_name="appointments"
    )
    fault = models.ForeignKey(
        "faults.Fault",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="appointments",
        help_text="Empty until the reservation is attached to a fault.",
    )
    reservation_key = models.CharField(
        max_length=RESERVATION_KEY_MAX, db_index=True, validators=[MinLengthValidator(1)]
    )
    appointment_date = models.DateField(null=True, blank=True)
    start_time = models.CharField(max_length=5, blank=True, validators=[hhmm_validator])
    end_time = models.CharField(max_length=5, blank=True, validators=[hhmm_validator])
    valid_until = models.DateTimeField(
        null=True, blank=True, help_text="The supplier holds the reservation until then."
    )
    appointment_type = models.CharField(
        max_length=10, choices=AppointmentType.choices, default=AppointmentType.FAULT
    )
    product_name = models.CharField(max_length=PRODUCT_NAME_MAX, blank=True)
    address_key = models.CharField("address key (UPRN)", max_length=ADDRESS_KEY_MAX, blank=True)
    is_reappointment = models.BooleanField(default=False)

    state = models.CharField(
        max_length=12,
        choices=AppointmentState.choices,
        default=AppointmentState.RESERVED,
        db_index=True,
    )
    confirmation_status = models.CharField(
        max_length=10, choices=ConfirmationStatus.choices, blank=True
    )
    cancelled = models.BooleanField(default=False)
    # The supplier's code, verbatim even when it is not one of ours (then flagged on the fault's
    # timeline), and the label it had when it was stored.
    closure_code = models.CharField(max_length=36, choices=ClosureCode.choices, blank=True)
    closure_label = models.CharField(max_length=100, blank=True)

    # The supplier's missed-appointment flags, as sent.
    seller_missed = models.BooleanField("seller missed", default=False)
    amended = models.BooleanField(default=False)
    missed_cancelled = models.BooleanField("cancelled (missed flag)", default=False)
    end_user_missed = models.BooleanField("end user missed", default=False)
    end_user_pre_agreed = models.BooleanField("end user pre-agreed", default=False)
    mborc = models.BooleanField("MBORC", default=False)
    # Derived from the flags when a missed event is applied, stored so that reports count
    # missed appointments per side with an indexed query.
    missed = models.BooleanField(default=False)
    missed_side = models.CharField(
        max_length=10, choices=MissedSide.choices, blank=True, db_index=True
    )
    missed_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["fault"],
                condition=models.Q(fault__isnull=False)
                & ~models.Q(state__in=sorted(INACTIVE_STATES)),
                name="appointment_one_active_per_fault",
            ),
        ]
        indexes = [
            models.Index(fields=["partner", "reservation_key"], name="appt_partner_key"),
            models.Index(
                fields=["missed", "missed_side", "appointment_date"], name="appt_missed_side_date"
            ),
            models.Index(fields=["partner", "appointment_date"], name="appt_partner_date"),
            # The SLA dashboard's missed appointments by side (appointments.contributions): a
            # period's few missed ones with all the query reads, an index-only scan. Over a year
            # at 1 000 000 faults (make bench) the index above lost to a table scan (~28 ms,
            # its rows' heap pages scattered); this reads ~1 400 index entries (~10 ms).
            models.Index(
                fields=["appointment_date"],
                include=["partner", "missed_side", "fault", "id"],
                condition=models.Q(missed=True, fault__isnull=False),
                name="appt_missed_fault_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reservation_key} {self.slot_display}".strip()

    @property
    def slot_display(self) -> str:
        day = self.appointment_date.isoformat() if self.appointment_date else ""
        times = f"{self.start_time}-{self.end_time}" if self.start_time else ""
        return f"{day} {times}".strip()

    @property
    def state_colour(self) -> str:
        return STATE_COLOURS[AppointmentState(self.state)]

    @property
    def is_active(self) -> bool:
        return self.state not in INACTIVE_STATES

    def clean(self) -> None:
        if self.start_time and self.end_time and self.end_time <= self.start_time:
            raise ValidationError({"end_time": "The slot must end after it starts."})


class AppointmentEvent(models.Model):
    """One row of an appointment's history: what happened, when, and who or which message."""

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="history")
    kind = models.CharField(max_length=20, choices=AppointmentEventKind.choices)
    at = models.DateTimeField(help_text="When it took effect.")
    recorded_at = models.DateTimeField(auto_now_add=True)
    actor_kind = models.CharField(max_length=10, choices=ActorKind.choices)
    actor_ref = models.CharField(
        max_length=100, blank=True, help_text="User name, partner message id, …"
    )
    message = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["appointment", "at"], name="appt_event_appt_at")]

    def __str__(self) -> str:
        return f"{self.appointment.reservation_key} {self.kind} {self.at:%Y-%m-%d %H:%M}"
