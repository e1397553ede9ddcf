from django.db import models
from django.db.models import Q

from integrations.choices import InboundStatus


class InboundMessage(models.Model):
    """A webhook as received: stored raw and acknowledged before anything is applied
    (design §7). Suppliers reuse message ids across different messages, so a duplicate is the
    same (partner, message id, body hash)."""

    partner = models.ForeignKey("integrations.Partner", on_delete=models.PROTECT, related_name="+")
    fault = models.ForeignKey(
        "faults.Fault", null=True, blank=True, on_delete=models.PROTECT, related_name="inbound"
    )
    message_type = models.CharField(max_length=60)
    message_id = models.CharField(max_length=100)
    body_sha256 = models.CharField(max_length=64)
    body = models.BinaryField()
    sent_at = models.DateTimeField(null=True, blank=True)
    remote_addr = models.GenericIPAddressField(null=True, blank=True)
    client_cert_fingerprint = models.CharField(max_length=64, blank=True)
    deviations = models.JSONField(
        default=list, blank=True, help_text="Where the message departs from the published schema."
    )
    status = models.CharField(
        max_length=10, choices=InboundStatus.choices, default=InboundStatus.RECEIVED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    duplicates_received = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "message_id", "body_sha256"], name="inbound_once"
            )
        ]
        indexes = [
            models.Index(
                fields=["received_at"],
                condition=Q(status="received"),
                name="inbound_unapplied",
            ),
            models.Index(fields=["partner", "received_at"], name="inbound_partner_received"),
            # /metrics counts messages by partner and status on every scrape (ops.collectors):
            # from this index alone, not the table with its bodies.
            models.Index(fields=["partner", "status"], name="inbound_partner_status"),
        ]

    def __str__(self) -> str:
        return f"{self.message_type} {self.message_id} ({self.status})"
