from django.conf import settings
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from faults.choices import (
    NON_TERMINAL_STATUSES,
    STATUS_COLOURS,
    ClosureCode,
    FaultStatus,
    OpenedBy,
    SlaState,
    is_tlos_type,
)
from faults.validators import (
    REFERENCE_MAX_LENGTH,
    REFERENCE_RULE,
    not_blank,
    validate_reference,
)

S = FaultStatus
DESCRIPTION_MAX = 4000
TEXT_MAX = 4000
LOCATION_MAX = 1000
# Accepted and being worked: the supplier owes a fix time (ETA_MISSING, contributed by the
# appointments app, looks for faults in these without one; the partial index below is for it).
FIX_TIME_OWED_STATUSES = (S.ACCEPTED, S.OPEN, S.IN_PROGRESS, S.REOPENED)


class Fault(ConcurrentTransitionMixin, models.Model):
    """A fault we raised with a supplier, mirroring the supplier's fault report (design §3), or
    one a supplier opened with us (`opened_by`).

    The transition methods below only move `status` (django-fsm guards which moves are allowed);
    everything a transition causes lives in `faults.services`. The services move a fault under
    its row lock; ConcurrentTransitionMixin also refuses to save a status that changed in the
    database since the instance was read, should any code path forget the lock.
    """

    buyer_fault_reference = models.CharField(
        max_length=REFERENCE_MAX_LENGTH,
        unique=True,
        validators=[validate_reference],
        help_text=f"Ours: {REFERENCE_RULE}.",
    )
    # The supplier's document calls it maintainerFaultReference; the agent knows it as the
    # supplier's reference (abbreviated "Supplier's ref." only where a column is narrow).
    maintainer_fault_reference = models.CharField(
        "supplier's reference",
        max_length=36,
        blank=True,
        db_index=True,
        help_text="The supplier's, set on acceptance.",
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    supplier = models.ForeignKey(
        "integrations.Partner", on_delete=models.PROTECT, related_name="faults"
    )
    buyer_identifier = models.ForeignKey(
        "integrations.BuyerIdentifier", on_delete=models.PROTECT, related_name="faults"
    )

    # The supplier's document calls it serviceAffected, "the service ID"; the agent types an ID.
    service_id = models.CharField("service ID", max_length=255, validators=[not_blank])
    address_key = models.CharField("address key (UPRN)", max_length=63, blank=True)
    product_name = models.CharField(max_length=80, blank=True)
    fault_type = models.CharField(max_length=100, validators=[not_blank])
    opened_by = models.CharField(
        max_length=10,
        choices=OpenedBy.choices,
        default=OpenedBy.US,
        help_text="Us (raised with the supplier), or the supplier (an incident it opened with "
        "us through its ticket exchange).",
    )
    description = models.TextField(blank=True, validators=[MaxLengthValidator(DESCRIPTION_MAX)])
    fault_start_time = models.DateTimeField(null=True, blank=True)
    fault_location = models.TextField(blank=True, validators=[MaxLengthValidator(LOCATION_MAX)])
    site_access_details = models.TextField(
        blank=True, validators=[MaxLengthValidator(LOCATION_MAX)]
    )
    site_access_contact_name = models.CharField(max_length=100, blank=True)
    site_access_contact_phone = models.CharField(max_length=50, blank=True)
    site_access_contact_email = models.EmailField(max_length=254, blank=True)
    reporter_name = models.CharField(max_length=100, blank=True)
    reporter_phone = models.CharField(max_length=50, blank=True)
    reporter_email = models.EmailField(max_length=254, blank=True)
    end_user_name = models.CharField(max_length=100, blank=True)
    end_user_phone = models.CharField(max_length=50, blank=True)
    end_user_email = models.EmailField(max_length=254, blank=True)
    triage_complete = models.BooleanField(null=True, blank=True)
    triage_findings = models.TextField(blank=True, validators=[MaxLengthValidator(TEXT_MAX)])
    priority = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text="1 is highest.",
    )

    status = FSMField(
        default=S.DRAFT, choices=S.choices, protected=True, max_length=20, db_index=True
    )
    status_reason = models.TextField(blank=True, validators=[MaxLengthValidator(TEXT_MAX)])
    supplier_status_sent_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Sent time of the supplier message that last set the status: an older "
        "message's status is not applied. Our own actions do not move it, so the two clocks "
        "are never compared.",
    )
    closure_code = models.CharField(max_length=36, blank=True)
    # The appointment the supplier requires for a Service Outage (TLOS) raise: its reservation
    # key, and until when the supplier holds it. Set by the appointments app.
    appointment_reservation_key = models.CharField(max_length=36, blank=True)
    appointment_valid_until = models.DateTimeField(null=True, blank=True)

    late_repair_total_days = models.IntegerField(null=True, blank=True)
    late_repair_seller_days = models.IntegerField(null=True, blank=True)
    late_repair_non_seller_days = models.IntegerField(null=True, blank=True)
    late_repair_exclusions = models.JSONField(default=list, blank=True)

    # The supplier's own expected resolution time (TMF621 expectedResolutionDate and the like).
    supplier_expected_resolution_at = models.DateTimeField(null=True, blank=True)
    # Who in our NOC works the fault (issue 16).
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_faults",
    )
    team = models.ForeignKey(
        "faults.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="faults"
    )
    # A rejected or cancelled fault copied into a new draft: the new one points at the old.
    raised_again_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="raised_again_as"
    )

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    rejected_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    last_supplier_message_at = models.DateTimeField(null=True, blank=True)
    auto_close_due_at = models.DateTimeField(
        null=True, blank=True, help_text="Resolved + 48 h: closed as auto-accepted if unanswered."
    )

    sla_policy = models.ForeignKey(
        "faults.SlaPolicy", null=True, blank=True, on_delete=models.PROTECT, related_name="faults"
    )
    sla_state = models.CharField(max_length=16, choices=SlaState.choices, default=SlaState.NONE)
    sla_elapsed_seconds = models.PositiveIntegerField(default=0)
    sla_paused_seconds = models.PositiveIntegerField(default=0)
    sla_due_at = models.DateTimeField(null=True, blank=True)
    sla_computed_at = models.DateTimeField(null=True, blank=True)
    # The SLA dashboard's time to repair of a resolved (or closed) fault, kept by PostgreSQL's
    # triggers (faults.reports.repair_times); NULL while not resolved, and on other databases,
    # where the dashboard computes it (faults.reports.durations). An instance may hold a stale
    # value after save(): the row is the truth.
    repair_seconds = models.FloatField(
        null=True,
        blank=True,
        editable=False,
        help_text="Raised to resolved in wall-clock seconds, on hold included.",
    )
    repair_hold_seconds = models.FloatField(
        null=True,
        blank=True,
        editable=False,
        help_text="The part of repair_seconds the fault spent on hold (its SLA pauses).",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["supplier", "status"], name="fault_supplier_status"),
            # The queue and list filtered to mine / my team's / unassigned.
            models.Index(fields=["owner", "status"], name="fault_owner_status"),
            models.Index(fields=["team", "status"], name="fault_team_status"),
            models.Index(fields=["sla_state", "sla_due_at"], name="fault_sla_state_due"),
            models.Index(fields=["status", "auto_close_due_at"], name="fault_status_autoclose"),
            models.Index(fields=["supplier", "priority", "created_at"], name="fault_supplier_prio"),
            # The fault list's default order (Meta.ordering), newest first, and its sortable
            # columns (each ends with the id, as faults.ui.worklists.sorting orders), so that a
            # page of a sorted list is an index scan, not a sort of every fault.
            models.Index(fields=["-created_at", "-id"], name="fault_created_desc"),
            models.Index(fields=["priority", "id"], name="fault_sort_priority"),
            models.Index(fields=["status", "id"], name="fault_sort_status"),
            models.Index(fields=["fault_type", "id"], name="fault_sort_type"),
            # The SLA dashboard (faults.reports): period figures by milestone time, and the
            # "open now" figures over a partial index that stays small as history grows.
            models.Index(
                fields=["submitted_at"],
                condition=Q(submitted_at__isnull=False),
                name="fault_submitted_at",
            ),
            models.Index(
                fields=["resolved_at"],
                condition=Q(resolved_at__isnull=False),
                name="fault_resolved_at",
            ),
            # The dashboard's time to repair (faults.reports.dashboard): the resolved faults of
            # a period with everything the query reads (the stored times to repair, kept by
            # faults.reports.repair_times), an index-only scan of the period.
            models.Index(
                fields=["resolved_at"],
                include=["supplier", "priority", "repair_seconds", "repair_hold_seconds"],
                condition=Q(
                    status__in=[FaultStatus.RESOLVED, FaultStatus.CLOSED],
                    resolved_at__isnull=False,
                ),
                name="fault_resolved_repair",
            ),
            # The same per supplier and priority: the time to repair per dashboard row reads
            # each row's faults of the period in one index range, without sorting the period's
            # faults by row first (faults.reports.dashboard.repair_found).
            models.Index(
                fields=["supplier", "priority", "resolved_at"],
                include=["repair_seconds", "repair_hold_seconds"],
                condition=Q(
                    status__in=[FaultStatus.RESOLVED, FaultStatus.CLOSED],
                    resolved_at__isnull=False,
                ),
                name="fault_row_resolved_repair",
            ),
            models.Index(
                fields=["rejected_at"],
                condition=Q(rejected_at__isnull=False),
                name="fault_rejected_at",
            ),
            # The queue's "Opened by a supplier" and the list's filter: few rows, newest first.
            models.Index(
                fields=["-created_at", "-id"],
                condition=Q(opened_by=OpenedBy.SUPPLIER),
                name="fault_opened_by_supplier",
            ),
            models.Index(
                fields=["supplier", "priority", "status"],
                condition=Q(status__in=sorted(NON_TERMINAL_STATUSES)),
                name="fault_open_now",
            ),
            # ETA_MISSING: the faults still owed a fix time, few among the open ones (measured
            # at 100 000 open faults: 35 ms as a table scan, 8 ms over this index).
            models.Index(
                fields=["accepted_at"],
                condition=Q(
                    supplier_expected_resolution_at__isnull=True,
                    status__in=FIX_TIME_OWED_STATUSES,
                ),
                name="fault_fix_time_owed",
            ),
        ]
        permissions = [("act_on_fault", "Can raise and work faults")]

    def __str__(self) -> str:
        return self.buyer_fault_reference

    @property
    def status_colour(self) -> str:
        return STATUS_COLOURS[self.status]

    @property
    def closure_code_label(self) -> str:
        return ClosureCode(self.closure_code).label if self.closure_code in ClosureCode else ""

    @property
    def opened_by_supplier(self) -> bool:
        return self.opened_by == OpenedBy.SUPPLIER

    @property
    def is_tlos(self) -> bool:
        return is_tlos_type(self.fault_type)

    # --- the state machine (design §4) -------------------------------------------------------
    @transition(field=status, source=S.DRAFT, target=S.PENDING)
    def submit(self) -> None:
        """Agent: send the fault to the supplier."""

    @transition(field=status, source=S.PENDING, target=S.ACCEPTED)
    def accept(self) -> None:
        """Supplier: the fault is accepted and has a maintainer reference."""

    @transition(field=status, source=S.PENDING, target=S.REJECTED)
    def reject(self) -> None:
        """Supplier: the raise was refused (synchronous 400/403 or a rejected notification)."""

    @transition(field=status, source=S.ACCEPTED, target=S.OPEN)
    def open(self) -> None:
        """Supplier: the fault is open."""

    @transition(
        field=status, source=[S.ACCEPTED, S.OPEN, S.ON_HOLD, S.REOPENED], target=S.IN_PROGRESS
    )
    def start(self) -> None:
        """Supplier: work is in progress (leaving on-hold resumes the SLA clock)."""

    @transition(
        field=status, source=[S.ACCEPTED, S.OPEN, S.IN_PROGRESS, S.REOPENED], target=S.ON_HOLD
    )
    def hold(self) -> None:
        """Supplier: waiting on us or the end user; the SLA clock pauses."""

    @transition(
        field=status,
        source=[S.ACCEPTED, S.OPEN, S.IN_PROGRESS, S.ON_HOLD, S.REOPENED],
        target=S.RESOLVED,
    )
    def resolve(self) -> None:
        """Supplier: fixed; we have 48 hours to accept or reject."""

    @transition(field=status, source=S.RESOLVED, target=S.CLOSED)
    def accept_resolution(self) -> None:
        """Agent: the resolution is accepted."""

    @transition(field=status, source=S.RESOLVED, target=S.REOPENED)
    def reject_resolution(self) -> None:
        """Agent: the resolution is rejected (with a reason); the SLA clock resumes."""

    @transition(field=status, source=S.RESOLVED, target=S.REOPENED)
    def reopen(self) -> None:
        """Supplier: re-opened on its side (e.g. our rejection reached it by another channel)."""

    @transition(field=status, source=S.RESOLVED, target=S.CLOSED)
    def auto_close(self) -> None:
        """Timer: 48 hours after resolved with no answer from us; recorded as auto-accepted."""

    @transition(field=status, source=S.RESOLVED, target=S.CLOSED)
    def close(self) -> None:
        """Supplier: closed on its side."""

    @transition(field=status, source=list(NON_TERMINAL_STATUSES), target=S.CANCELLED)
    def cancel(self) -> None:
        """Supplier, or an agent (as an amend): the fault is withdrawn."""
