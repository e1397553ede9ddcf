"""What the TMF621 API keeps beside a fault: the ticket's attributes as the client sent them
(our fault model has no severity, ticket type or channel), and the hub's subscriptions."""

from django.conf import settings
from django.db import models

from integrations.models import Partner


class TicketAttributes(models.Model):
    """A fault's TMF621 attributes that have no field of their own on the fault: stored as
    sent and returned as sent. A fault raised elsewhere (the UI, our REST API) has none; the
    API then shows what the shared mapping derives from the fault."""

    fault = models.OneToOneField(
        "faults.Fault", on_delete=models.CASCADE, related_name="tmf_ticket"
    )
    severity = models.CharField(max_length=50, blank=True, db_index=True)
    ticket_type = models.CharField(max_length=100, blank=True, db_index=True)
    external_id = models.CharField(max_length=255, blank=True, db_index=True)
    name = models.CharField(max_length=255, blank=True)
    channel = models.JSONField(null=True, blank=True)
    # As sent (also kept as sent in `document`), as a column so that the list filters on it.
    requested_resolution_date = models.DateTimeField(null=True, blank=True, db_index=True)
    # The rest of the ticket as sent (notes, attachments' metadata, @type, …), without what the
    # system sets (id, href, status, dates) and without attachments' content.
    document = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "TMF621 ticket attributes"
        verbose_name_plural = "TMF621 ticket attributes"

    def __str__(self) -> str:
        return f"TMF621 attributes of fault {self.fault_id}"


class HubSubscription(models.Model):
    """One `POST /hub`: where (callback) and which events (query) to deliver. Its partner (protocol
    `tmf621-hub`, base URL the callback) is what the outbox sends to, retries and shows."""

    partner = models.OneToOneField(
        Partner, on_delete=models.PROTECT, related_name="hub_subscription"
    )
    callback = models.URLField(max_length=1000)
    query = models.CharField(max_length=1000, blank=True)
    # The event types the query selects ([] = every event type).
    event_types = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "TMF621 hub subscription"
        constraints = [
            # The same listener subscribed twice for the same events would hear each twice.
            models.UniqueConstraint(
                fields=["callback", "event_types"],
                condition=models.Q(deleted_at__isnull=True),
                name="hub_subscription_once_per_callback_and_types",
            )
        ]

    def __str__(self) -> str:
        return f"Hub subscription {self.pk} → {self.callback}"

    @property
    def public_id(self) -> str:
        """The subscription's `id` in the API."""
        return str(self.pk)

    def wants(self, event_type: str) -> bool:
        """Whether its query selects this event type (no query: every type)."""
        return not self.event_types or event_type in self.event_types
