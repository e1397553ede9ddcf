from integrations.models.inbox import InboundMessage
from integrations.models.outbox import OutboundMessage
from integrations.models.partner import BuyerIdentifier, Partner, normalise_fingerprint

__all__ = [
    "BuyerIdentifier",
    "InboundMessage",
    "OutboundMessage",
    "Partner",
    "normalise_fingerprint",
]
