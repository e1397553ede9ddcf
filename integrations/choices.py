from django.db import models

# Partner.protocol's choices are the enabled protocol packages: integrations.packages.


class InboundAuth(models.TextChoices):
    """How a partner proves who it is on its calls to us (`integrations.auth`, one strategy
    each). The secret-based ones need no client certificate, so no mutual-TLS site."""

    CLIENT_CERTIFICATE = "client_certificate", "Pinned client certificate (mutual TLS)"
    BASIC = "basic", "HTTP Basic (user name and password)"
    BEARER = "bearer", "Bearer token (shared secret)"
    HMAC = "hmac", "HMAC-SHA256 signature over timestamp and body"


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

# Badge colours of a message's delivery (the fault page's timeline).
OUTBOUND_STATUS_COLOURS = {
    OutboundStatus.PENDING: "blue",
    OutboundStatus.SENDING: "cyan",
    OutboundStatus.DELIVERED: "green",
    OutboundStatus.REFUSED: "red",
    OutboundStatus.DEAD: "red",
}


class InboundStatus(models.TextChoices):
    RECEIVED = "received", "Received, not applied yet"
    APPLIED = "applied", "Applied"
    FAILED = "failed", "Could not be applied"


INBOUND_STATUS_COLOURS = {
    InboundStatus.RECEIVED: "blue",
    InboundStatus.APPLIED: "green",
    InboundStatus.FAILED: "red",
}


class CertificateKind(models.TextChoices):
    """The TLS material of a partner whose expiry we track (`integrations.certificates`)."""

    CLIENT = "client", "Our client certificate"
    CA = "ca", "CA bundle"
    PINNED = "pinned", "Partner's pinned certificate"


# What a kind's expiry stops: ours and the CA bundle stop our calls to the partner (the partner
# is flagged, as for refused credentials); an expired pinned certificate stops its calls to us.
CERTIFICATE_KINDS_WE_SEND_WITH = (CertificateKind.CLIENT, CertificateKind.CA)
