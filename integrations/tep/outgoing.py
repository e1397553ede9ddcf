"""The SOAP requests we send TEP, as the outbox stores them: document/literal wrapped
(`<tep:PostTicket><tep:Ticket>…`), each checked against our XSD before it is stored, and again
when it is completed before an attempt (`schema.validate_or_raise`).

Why plain requests through the outbox rather than zeep: the outbox stores the exact request an
adapter builds and sends exactly it on every attempt (`integrations.http.send`, through the
partner's hardened session: client certificate, CA bundle, timeouts, no redirects, size cap).
That stored body is what makes a retry carry its own SystemTransactionID and never a new one,
and what the admin shows. zeep builds its envelope anew on each call, so it is used for the
calls that are not queued (polling, admin and test round trips: `integrations.tep.client`),
over the same session; both are checked against the same XSD.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from lxml import etree

from integrations.http import OutboundRequest
from integrations.tep import soap
from integrations.tep.messages import Attachment, AttachmentUri, Ticket
from integrations.tep.namespaces import SERVICE_PATHS, TICKET_SERVICE_NS, TYPES_NS, soap_action
from integrations.tep.operations import TEP_OPERATIONS, read_response, request_element
from integrations.tep.schema import validate_or_raise

# Where each TEP service answers, after the partner's base URL (as the zeep client binds it).
TICKET_PATH = SERVICE_PATHS["ticket"]
ATTACHMENT_PATH = SERVICE_PATHS["attachment"]
POST_TICKET = "PostTicket"
POST_ATTACHMENT = "PostAttachment"


def _request(operation: str, path: str, payload: etree._Element) -> OutboundRequest:
    body = soap.envelope(payload)
    validate_or_raise(body)  # what is sent, as written (not only the tree it was written from)
    return OutboundRequest(
        message_type=operation,
        method="POST",
        path=path,
        headers={"SOAPAction": f'"{soap_action(TICKET_SERVICE_NS, operation)}"'},
        body=body.decode("utf-8"),
        content_type=soap.CONTENT_TYPE,
    )


def post_ticket(ticket: Ticket) -> OutboundRequest:
    """PostTicket(Ticket), checked against the XSD (raises `TepFault(3000)` when it breaks it)."""
    return _request(POST_TICKET, TICKET_PATH, request_element(TEP_OPERATIONS[POST_TICKET], ticket))


def post_attachment(attachment: Attachment) -> OutboundRequest:
    """PostAttachment(Attachment), checked against the XSD (and the seed's extensions)."""
    payload = request_element(TEP_OPERATIONS[POST_ATTACHMENT], attachment)
    return _request(POST_ATTACHMENT, ATTACHMENT_PATH, payload)


def with_attachments(request: OutboundRequest, uris: list[AttachmentUri]) -> OutboundRequest:
    """The stored PostTicket with the AttachmentUris TEP gave our files, checked again."""
    _name, payload = soap.unwrap(request.body.encode("utf-8"))
    ticket = payload.find(f"{{{TICKET_SERVICE_NS}}}Ticket")
    old = ticket.find(f"{{{TYPES_NS}}}Attachments")
    if old is not None:
        ticket.remove(old)
    attachments = etree.SubElement(ticket, f"{{{TYPES_NS}}}Attachments")  # last in the sequence
    for uri in uris:
        attachments.append(uri.to_element(f"{{{TYPES_NS}}}AttachmentUri"))
    body = soap.envelope(payload)
    validate_or_raise(body)
    return replace(request, body=body.decode("utf-8"))


def read_answer(body: bytes, operation: str) -> Any:
    """What TEP's answer to the operation carries (`PostTicketResponse`, `AttachmentUri`),
    checked against the XSD. Raises `XmlRejected` or `TepFault` (a fault, or an answer that
    breaks the contract: 3000) or `ValueError` (not the answer to this operation)."""
    op = TEP_OPERATIONS[operation]
    name, payload = soap.unwrap(body)
    if payload.tag != op.response_tag:
        raise ValueError(f"TEP answered {operation} with {name}")
    validate_or_raise(payload)
    result = read_response(op, payload)
    if result is None:
        raise ValueError(f"TEP's {name} holds no {op.result}")
    return result
