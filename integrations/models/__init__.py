from integrations.models.certificate import PartnerCertificate
from integrations.models.inbox import InboundMessage
from integrations.models.outbox import OutboundMessage
from integrations.models.partner import BuyerIdentifier, Partner, normalise_fingerprint
from integrations.models.seen_signature import SeenSignature

__all__ = [
    "BuyerIdentifier",
    "InboundMessage",
    "OutboundMessage",
    "Partner",
    "PartnerCertificate",
    "SeenSignature",
    "normalise_fingerprint",
]
