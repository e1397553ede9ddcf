from django.db import models


class Protocol(models.TextChoices):
    CITYFIBRE = "cityfibre", "Supplier Ticketing API (XML/SOAP, mutual TLS)"
    TMF621 = "tmf621", "TMF621 Trouble Ticket (REST/JSON)"
    TEP = "tep", "Ticket Exchange Platform (SOAP)"


class Environment(models.TextChoices):
    SIMULATOR = "simulator", "Local simulator"
    INTEGRATION = "integration", "Supplier integration / staging"
    PRODUCTION = "production", "Production"


class OutboundStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENDING = "sending", "Being sent"
    DELIVERED = "delivered", "Delivered"
    REFUSED = "refused", "Refused by the partner"
    DEAD = "dead", "Dead (gave up retrying)"


# A row in one of these still has to reach the partner; later rows of its (partner, fault)
# wait for it.
OUTBOUND_UNFINISHED = (OutboundStatus.PENDING, OutboundStatus.SENDING)
# A row in one of these will not reach the partner unless an agent acts (retry, or deal with the
# supplier and dismiss it): a final refusal (4xx) or the last attempt spent.
OUTBOUND_NEEDS_AGENT = (OutboundStatus.REFUSED, OutboundStatus.DEAD)


class InboundStatus(models.TextChoices):
    RECEIVED = "received", "Received, not applied yet"
    APPLIED = "applied", "Applied"
    FAILED = "failed", "Could not be applied"
