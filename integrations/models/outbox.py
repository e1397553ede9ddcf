from django.conf import settings
from django.db import models
from django.db.models import Q

from faults.choices import PartnerOperation
from integrations.choices import OUTBOUND_NEEDS_AGENT, OUTBOUND_UNFINISHED, OutboundStatus
from integrations.http import OutboundRequest


class OutboundMessageQuerySet(models.QuerySet):
    """The one rule for which messages need an agent: the queue, the wallboard and integration
    health show `needing_agent()`, and retry and dismiss act only on those rows."""

    def agent_can_act(self) -> "OutboundMessageQuerySet":
        """Messages that will not reach the partner unless an agent acts (OUTBOUND_NEEDS_AGENT:
        refused, or dead after the last attempt), dismissed or not. A refused raise is not one
        of them: it rejected its fault, so the agent raises a new fault, and sending the same
        addFaultReport again would raise a fault the supplier has rejected."""
        return self.filter(status__in=OUTBOUND_NEEDS_AGENT).exclude(
            status=OutboundStatus.REFUSED, operation=PartnerOperation.RAISE
        )

    def needing_agent(self) -> "OutboundMessageQuerySet":
        """Those of `agent_can_act()` that no agent has dismissed yet."""
        return self.agent_can_act().filter(dismissed_at__isnull=True)


class OutboundMessage(models.Model):
    """A message to a partner, written in the same transaction as the change that causes it
    (design §7). The row, not the broker, is what makes the message durable."""

    partner = models.ForeignKey("integrations.Partner", on_delete=models.PROTECT, related_name="+")
    fault = models.ForeignKey(
        "faults.Fault", null=True, blank=True, on_delete=models.PROTECT, related_name="outbound"
    )
    operation = models.CharField(max_length=40, help_text="The domain operation (raise, amend…).")
    message_type = models.CharField(max_length=60, help_text="The protocol's message name.")
    message_id = models.CharField(max_length=36, unique=True)
    payload = models.JSONField(default=dict, blank=True, help_text="The domain intent.")
    # The request as the adapter built it (`integrations.http.OutboundRequest`): every attempt
    # sends exactly this, to the partner's base URL followed by `path`.
    method = models.CharField(max_length=6, default="POST")
    path = models.CharField(max_length=500, blank=True, help_text="After the partner's base URL.")
    query = models.JSONField(default=dict, blank=True)
    headers = models.JSONField(default=dict, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    body = models.TextField(blank=True, help_text="What is sent, exactly.")
    status = models.CharField(
        max_length=10, choices=OutboundStatus.choices, default=OutboundStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    lease_expires_at = models.DateTimeField(
        null=True, blank=True, help_text="A sender that dies mid-call gives the row back then."
    )
    last_error = models.TextField(blank=True)
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    dismissed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="A dead or refused message an agent has dealt with: no longer in the queue.",
    )
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OutboundMessageQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status__in=OUTBOUND_UNFINISHED),
                name="outbound_due",
            ),
            # Delivery order is kept per (partner, fault): `outbox._claim` looks for an earlier
            # unfinished row of the same partner and fault, `_queue_next_in_line` for the next.
            models.Index(fields=["fault", "partner", "id"], name="outbound_fault_partner_order"),
            models.Index(fields=["partner", "status"], name="outbound_partner_status"),
            # The agent's queue: dead or refused and not yet dealt with, newest first.
            models.Index(
                fields=["-updated_at", "-id"],
                condition=Q(status__in=OUTBOUND_NEEDS_AGENT, dismissed_at__isnull=True),
                name="outbound_needs_agent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.message_type} {self.message_id} ({self.status})"

    @property
    def request(self) -> OutboundRequest:
        """The stored request, as the adapter built it."""
        return OutboundRequest(
            message_type=self.message_type,
            method=self.method,
            path=self.path,
            query=self.query,
            headers=self.headers,
            body=self.body,
            content_type=self.content_type,
        )

    @property
    def refused(self) -> bool:
        """The partner answered with a final refusal (a 4xx): the same message would be refused
        again. Otherwise a message that needs an agent is dead (never answered)."""
        return self.status == OutboundStatus.REFUSED
