"""What a TEP partner needs beyond the spine's `Partner`, and what we keep of every message we
send through TEP.

`TepConnection`: the TEP PartnerIDs (ours, and the partner's behind the hub), how we receive
(TEP posts to our hosted endpoints, or we poll GetTicket/GetReceipt), the "conversation type"
profile that maps ticket Details to our fault (`integrations.tep.profiles`), and the poll
timestamps that keep each poll to at most once a minute (the seed's limit).

`TepTransaction`: one per outbound message (PostTicket or PostAttachment). Its
SystemTransactionID is unique (no two messages ever share one) and is written into the stored
request, so every retry of the message sends its own again; the TrackingReference and the
InteractionID TEP answers with match the receipts that come back (`integrations.tep.receipts`).
"""

from django.db import models

from integrations.models import OutboundMessage, Partner


class ReceiveMode(models.TextChoices):
    POLLING = "polling", "We poll TEP (GetTicket / GetReceipt, at most once a minute)"
    HOSTED = "hosted", "TEP posts to our hosted endpoints (PostTicket / PostReceipt)"


class TepConnection(models.Model):
    partner = models.OneToOneField(Partner, on_delete=models.CASCADE, related_name="tep_connection")
    # TEP's Partner.ID is an xs:int.
    our_partner_id = models.PositiveIntegerField(
        "our TEP PartnerID",
        help_text="The PartnerID TEP gave us: the Sender of every ticket message we post.",
    )
    their_partner_id = models.PositiveIntegerField(
        "their TEP PartnerID",
        help_text="The partner's PartnerID on TEP: the Receiver of the tickets we raise with it "
        "(explicit routing).",
    )
    conversation_role_id = models.PositiveIntegerField(
        "our conversation role ID",
        help_text="The conversation role we take in the tickets we open (Sender."
        "ConversationRoleID, which TEP requires on every New ticket message).",
    )
    receive_mode = models.CharField(
        max_length=10, choices=ReceiveMode.choices, default=ReceiveMode.POLLING
    )
    profile = models.JSONField(
        "conversation type profile",
        default=dict,
        blank=True,
        help_text="How ticket Details map to our fault fields and their value vocabularies. "
        "Empty: the default profile (see the TEP README).",
    )
    last_ticket_poll_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_receipt_poll_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "TEP connection"

    def __str__(self) -> str:
        return f"TEP connection to {self.partner}"


class TepMessageKind(models.TextChoices):
    TICKET = "ticket", "PostTicket"
    ATTACHMENT = "attachment", "PostAttachment"


class TepTransaction(models.Model):
    """What we sent through TEP in one outbound message, and what came back about it."""

    # The outbound row, by its message id: the row is written just after this one, in the same
    # transaction (the adapter builds the request before the outbox stores it).
    outbound = models.OneToOneField(
        OutboundMessage,
        to_field="message_id",
        on_delete=models.CASCADE,
        related_name="tep_transaction",
    )
    kind = models.CharField(max_length=10, choices=TepMessageKind.choices)
    system_transaction_id = models.CharField(max_length=36, unique=True)
    tracking_reference = models.CharField(max_length=100, blank=True, db_index=True)
    # New, Update (a ticket message); empty for an attachment.
    message_type = models.CharField(max_length=10, blank=True)
    # An attachment posted for a ticket message: that message's id (its PostTicket carries the
    # AttachmentUri TEP answered with).
    for_message_id = models.CharField(max_length=36, blank=True, db_index=True)
    fault_attachment_id = models.BigIntegerField(null=True, blank=True)
    filename = models.CharField(max_length=255, blank=True)
    uri = models.TextField("attachment URI", blank=True)
    interaction_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    fault_code = models.IntegerField(null=True, blank=True)
    fault_message = models.TextField(blank=True)
    # Every receipt TEP sent about this message, as received: a list of dicts (Status,
    # StatusMessage, DateTime, InteractionID), oldest first.
    receipts = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "TEP transaction"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.system_transaction_id}"

    @property
    def last_receipt_status(self) -> str:
        return self.receipts[-1].get("Status", "") if self.receipts else ""
