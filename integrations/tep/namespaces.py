"""The XML namespaces of our TEP contract, and the SOAP actions of its operations.

No public WSDL exists for TEP (seed 000: "Sample XML is available on the Customer Extranet
Site"), so the namespaces are ours, under the reserved `.example` domain so that nobody mistakes
them for the real platform's. Their shape is WCF's: the data contracts (the seed's types) in one
namespace, each side's service contracts (the wrapper elements of document/literal wrapped
operations) in another, and the SOAP action of an operation is
`<service namespace><contract>/<operation>`.
"""

from typing import Literal

__all__ = [
    "ATTACHMENT_CONTRACT",
    "NSMAP",
    "PARTNER_SERVICE_NS",
    "SERVICES",
    "SERVICE_PATHS",
    "SOAP_ENV_NS",
    "TICKET_CONTRACT",
    "TICKET_SERVICE_NS",
    "TYPES_NS",
    "XSI_NS",
    "contract_for",
    "soap_action",
]

# The seed's types (Ticket, Receipt, ...) and the fault detail elements.
TYPES_NS = "http://schemas.ticketexchange.example/2013/06/types"
# The services TEP hosts (TicketService, AttachmentService).
TICKET_SERVICE_NS = "http://schemas.ticketexchange.example/2013/06/tep/"
# The services a partner hosts for TEP (we do, in hosted mode).
PARTNER_SERVICE_NS = "http://schemas.ticketexchange.example/2013/06/partner/"

SOAP_ENV_NS = "http://schemas.xmlsoap.org/soap/envelope/"  # SOAP 1.1 (WCF basicHttpBinding)
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"

# The prefixes we write (WCF's own: `s` for the envelope; ours for the rest).
NSMAP = {"s": SOAP_ENV_NS, "t": TYPES_NS, "tep": TICKET_SERVICE_NS, "p": PARTNER_SERVICE_NS}

TICKET_CONTRACT = "ITicketService"
ATTACHMENT_CONTRACT = "IAttachmentService"

Service = Literal["ticket", "attachment"]
SERVICES: tuple[Service, ...] = ("ticket", "attachment")
# Each service's endpoint under a base URL (TEP's, or ours for a partner: `<base>/<path>`), as
# WCF hosts them; also the WSDL's service names without ".svc".
SERVICE_PATHS: dict[Service, str] = {
    "ticket": "TicketService.svc",
    "attachment": "AttachmentService.svc",
}

_ATTACHMENT_OPERATIONS = frozenset({"PostAttachment", "GetAttachment"})


def contract_for(operation: str) -> str:
    """The service contract (WSDL portType) an operation belongs to, on either side."""
    return ATTACHMENT_CONTRACT if operation in _ATTACHMENT_OPERATIONS else TICKET_CONTRACT


def soap_action(namespace: str, operation: str) -> str:
    """The SOAPAction of an operation in the services of `namespace` (TEP's or the partner's),
    unquoted: `http://…/tep/ITicketService/PostTicket`."""
    return f"{namespace}{contract_for(operation)}/{operation}"
