"""Everything that accumulates around a fault: the supplier-shared updates list, comments,
attachments, SLA pauses and the audit trail."""

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q

from faults.choices import ActorKind, EventKind, FaultStatus, Party
from faults.models.fault import TEXT_MAX


class FaultUpdate(models.Model):
    """One entry of the updates list. Suppliers resend the whole list on every notification, so
    each entry carries a fingerprint of its content and is stored once per fault."""

    fault = models.ForeignKey("faults.Fault", on_delete=models.CASCADE, related_name="updates")
    description = models.TextField(validators=[MaxLengthValidator(TEXT_MAX)])
    updated_by = models.CharField(max_length=10, choices=Party.choices, blank=True)
    updated_time = models.DateTimeField(null=True, blank=True)
    fingerprint = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = [models.F("updated_time").asc(nulls_last=True), "id"]
        constraints = [
            models.UniqueConstraint(fields=["fault", "fingerprint"], name="fault_update_once")
        ]

    def __str__(self) -> str:
        return self.description[:60]


class FaultComment(models.Model):
    fault = models.ForeignKey("faults.Fault", on_delete=models.CASCADE, related_name="comments")
    text = models.TextField(validators=[MaxLengthValidator(TEXT_MAX)])
    commented_by = models.CharField(max_length=10, choices=Party.choices)
    commented_time = models.DateTimeField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    fingerprint = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["commented_time", "id"]
        constraints = [
            models.UniqueConstraint(fields=["fault", "fingerprint"], name="fault_comment_once")
        ]

    def __str__(self) -> str:
        return self.text[:60]


class FaultAttachment(models.Model):
    fault = models.ForeignKey("faults.Fault", on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(max_length=255)
    file = models.FileField(upload_to="attachments/%Y/%m/", blank=True)
    url = models.URLField(max_length=1000, blank=True)
    uploaded = models.BooleanField(default=False, help_text="Delivered to the supplier.")
    size_bytes = models.PositiveIntegerField(null=True, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.filename


class SlaPause(models.Model):
    """A stretch of on-hold: the SLA clock does not run between `started_at` and `ended_at`."""

    fault = models.ForeignKey("faults.Fault", on_delete=models.CASCADE, related_name="sla_pauses")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["started_at", "id"]
        verbose_name = "SLA pause"
        constraints = [
            models.UniqueConstraint(
                fields=["fault"],
                condition=models.Q(ended_at__isnull=True),
                name="sla_pause_one_open_per_fault",
            )
        ]

    def __str__(self) -> str:
        return f"{self.fault} paused {self.started_at:%Y-%m-%d %H:%M}"


class FaultEvent(models.Model):
    """The audit trail and timeline: every change, who or what made it, from what, to what."""

    fault = models.ForeignKey("faults.Fault", on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    at = models.DateTimeField(help_text="When it took effect.")
    recorded_at = models.DateTimeField(auto_now_add=True)
    actor_kind = models.CharField(max_length=10, choices=ActorKind.choices)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_ref = models.CharField(
        max_length=100, blank=True, help_text="Partner message id, task name, …"
    )
    from_status = models.CharField(max_length=20, choices=FaultStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=FaultStatus.choices, blank=True)
    message = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["fault", "at"], name="fault_event_fault_at"),
            models.Index(fields=["kind", "at"], name="fault_event_kind_at"),
            # The few faults whose partner purged its ticket (faults.services.partner_ticket's
            # PURGED key), for the PARTNER_TICKET_PURGED rule: without it the rule reads every
            # audit row.
            models.Index(
                fields=["fault"],
                condition=Q(data__has_key="partner_ticket_purged"),
                name="fault_event_partner_purged",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.fault} {self.kind} {self.at:%Y-%m-%d %H:%M}"

    @property
    def actor_display(self) -> str:
        if self.actor_kind == ActorKind.USER and self.actor_user_id:
            return self.actor_user.get_username()
        return f"{self.get_actor_kind_display()} {self.actor_ref}".strip()
