"""TEP's partner-hosted services, received at the inbound edge (`integrations.edge`): what we host
when a partner's `TepConnection.receive_mode` is `hosted` (seed 000, "Partner Hosted Web Service
Methods" and "Supported Partner Hosted REST Service Transactions").

`integrations.edge.PartnerEndpoint` has authenticated the caller (the partner's strategy: a pinned
client certificate by default, as the seed's X.509 demands), checked the content type and the size
limit before anything here runs. This module reads the body with the hardened parser, checks it
against our XSD (`schema`), dispatches the operation, stores what must be applied in the inbox
(`received`) and answers in the protocol's shape:

* SOAP (`…/TicketService.svc`: PostTicket, PostReceipt; `…/AttachmentService.svc`: PostAttachment,
  GetAttachment): the operation's wrapped answer, or a SOAP 1.1 fault whose detail is the seed's
  fault type with its FaultCode (`soap.fault_envelope`);
* REST (`…/rest/ticket`, `…/rest/receipt`): bare XML, and the seed's HTTP semantics: 200 success,
  500 failure, 503 unavailable (retried by TEP).

HTTP status of a SOAP fault (`soap_status`): 503 for the unavailable family (TEP retries it), the
edge's own status for what the edge refused (401, 403, 404, 413, 415), 400 for a message we refuse
(configuration and validation families), 500 only for our own processing errors (4000-5000).
Hostile input is never a 500: it is refused before anything is stored or applied.

Nothing is applied here: the inbox applies a stored ticket message after the answer."""

import base64
import binascii
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.http import HttpResponse
from lxml import etree

from integrations.inbox import UnknownFault
from integrations.models import Partner
from integrations.security import Caller
from integrations.tep import faults, messages, operations, received, schema, soap
from integrations.tep.faults import FaultFamily, TepFault
from integrations.tep.namespaces import PARTNER_SERVICE_NS, TYPES_NS, soap_action
from integrations.tep.receipts import record_receipt
from integrations.xml import XmlRejected, parse_xml

SOAP_CONTENT_TYPE = soap.CONTENT_TYPE
REST_CONTENT_TYPE = "application/xml; charset=utf-8"
CONTENT_TYPES = frozenset({"text/xml", "application/xml", "application/soap+xml"})

# What the edge refuses before reading a message, as the seed's faults.
_EDGE_FAULTS = {
    400: faults.VALIDATION,
    401: faults.AUTHORIZATION_FAILURE,
    403: faults.AUTHORIZATION_FAILURE,
    404: faults.CONFIGURATION,
    413: faults.VALIDATION,
    415: faults.VALIDATION,
    503: faults.UNAVAILABLE,
}


def edge_fault(status: int, message: str) -> TepFault:
    """The seed's fault for an HTTP status the edge (or an outage) answers with."""
    return TepFault(_EDGE_FAULTS.get(status, faults.UNHANDLED), message)


def soap_status(fault: TepFault, edge_status: int | None = None) -> int:
    """The HTTP status of a SOAP fault answer (see the module docstring)."""
    if fault.family is FaultFamily.UNAVAILABLE:
        return 503
    if edge_status is not None and 400 <= edge_status < 500:
        return edge_status
    if fault.family in (FaultFamily.CONFIGURATION, FaultFamily.VALIDATION):
        return 400
    return 500


def rest_status(fault: TepFault) -> int:
    """The seed's REST semantics: 503 unavailable (retried), 500 any other failure."""
    return 503 if fault.family is FaultFamily.UNAVAILABLE else 500


def soap_fault_response(fault: TepFault, edge_status: int | None = None) -> HttpResponse:
    return HttpResponse(
        soap.fault_envelope(fault),
        status=soap_status(fault, edge_status),
        content_type=SOAP_CONTENT_TYPE,
    )


def fault_detail_element(fault: TepFault) -> etree._Element:
    """The fault type's element (FaultCode, Message), exactly as our SOAP fault carries it."""
    written = soap.body_element(parse_xml(soap.fault_envelope(fault)))
    return soap.fault_detail(written)


def rest_fault_response(fault: TepFault) -> HttpResponse:
    """A REST failure: the fault type's element, bare, with the seed's status."""
    return HttpResponse(
        etree.tostring(fault_detail_element(fault), xml_declaration=True, encoding="UTF-8"),
        status=rest_status(fault),
        content_type=REST_CONTENT_TYPE,
    )


def _t(name: str) -> str:
    return f"{{{TYPES_NS}}}{name}"


def _p(name: str) -> str:
    return f"{{{PARTNER_SERVICE_NS}}}{name}"


def _op(name: str) -> operations.Operation:
    return operations.PARTNER_OPERATIONS[name]


def _only_child(wrapper: etree._Element, name: str) -> etree._Element:
    child = wrapper.find(_p(name))
    if child is None:  # the schema has said so already; kept for a reader's certainty
        raise TepFault(faults.VALIDATION, f"{etree.QName(wrapper).localname} has no {name}.")
    return child


def _validated(element: etree._Element) -> etree._Element:
    schema.validate_or_raise(element)
    return element


def _readable(body: bytes) -> etree._Element:
    try:
        return parse_xml(body)
    except XmlRejected as exc:
        raise TepFault(faults.VALIDATION, f"Unreadable XML: {exc.reason}") from None


# --- what each operation does -------------------------------------------------------------------
@dataclass(frozen=True)
class Inbound:
    """An authenticated message's context."""

    partner: Partner
    caller: Caller

    def stored_by(self) -> dict[str, object]:
        return {
            "remote_addr": self.caller.address,
            "client_cert_fingerprint": self.caller.cert_fingerprint,
        }


def take_ticket(inbound: Inbound, ticket: etree._Element) -> received.StoredTicket:
    """Store a validated ticket message; its refusals as the seed's faults: an Update or Add
    naming no ticket of ours is 3100 Ticket Not Found, one naming a ticket whose New is still
    waiting to be applied is 1000 Unavailable (TEP sends it again)."""
    try:
        return received.store_ticket(inbound.partner, ticket, **inbound.stored_by())
    except received.TicketNotYetKnown:
        raise TepFault(
            faults.UNAVAILABLE, "The ticket is still being opened here; send the update again."
        ) from None
    except UnknownFault:
        raise TepFault(faults.TICKET_NOT_FOUND, "No ticket here has that reference.") from None


def post_ticket(inbound: Inbound, wrapper: etree._Element) -> etree._Element:
    stored = take_ticket(inbound, _only_child(wrapper, "Ticket"))
    answer = messages.PartnerPostTicketResponse(ticket_reference=stored.ticket_reference)
    return operations.response_element(_op("PostTicket"), answer)


def take_receipt(inbound: Inbound, receipt: etree._Element) -> None:
    """Keep the receipt on our message it is about; one about no message of ours is taken all
    the same (nothing to keep it on: `record_receipt` logs it)."""
    record_receipt(inbound.partner, messages.Receipt.from_element(receipt))


def post_receipt(inbound: Inbound, wrapper: etree._Element) -> etree._Element:
    take_receipt(inbound, _only_child(wrapper, "Receipt"))
    return operations.response_element(_op("PostReceipt"))


def post_attachment(inbound: Inbound, wrapper: etree._Element) -> etree._Element:
    attachment = _only_child(wrapper, "Attachment")
    filename = (attachment.findtext(_t("Filename")) or "").strip()
    payload = _payload(attachment)
    received.check_attachment(filename, payload)
    uri = received.store_attachment(inbound.partner, attachment, **inbound.stored_by())
    answer = messages.AttachmentUri(filename=filename, uri=uri)
    return operations.response_element(_op("PostAttachment"), answer)


def _payload(attachment: etree._Element) -> bytes:
    text = attachment.findtext(_t("Payload")) or ""
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        raise TepFault(faults.VALIDATION, "The attachment's Payload is not base64.") from None


def get_attachment(inbound: Inbound, wrapper: etree._Element) -> etree._Element:
    uri = (_only_child(wrapper, "AttachmentUri").findtext(_t("Uri")) or "").strip()
    stored = received.stored_attachment(inbound.partner, uri)
    if stored is None:
        raise TepFault(faults.VALIDATION, "No attachment here has that URI.")
    attachment = messages.Attachment.from_element(parse_xml(stored))
    return operations.response_element(_op("GetAttachment"), attachment)


Operation = Callable[[Inbound, etree._Element], etree._Element]
TICKET_SERVICE: dict[str, Operation] = {"PostTicket": post_ticket, "PostReceipt": post_receipt}
ATTACHMENT_SERVICE: dict[str, Operation] = {
    "PostAttachment": post_attachment,
    "GetAttachment": get_attachment,
}


def _declared_action(soap_action_header: str) -> str:
    return soap_action_header.strip().strip('"').strip()


def answer_soap(
    service: dict[str, Operation], inbound: Inbound, body: bytes, soap_action_header: str = ""
) -> bytes:
    """The SOAP answer to an authenticated body for one service (its operations by name), or a
    TepFault."""
    try:
        operation, payload = soap.unwrap(body)
    except XmlRejected as exc:
        raise TepFault(faults.VALIDATION, f"Unreadable SOAP message: {exc.reason}") from None
    except TepFault as fault:  # a Fault sent to us: no operation of ours
        raise TepFault(faults.VALIDATION, "A SOAP Fault is no request.") from fault
    namespace = etree.QName(payload).namespace
    handler = service.get(operation) if namespace == PARTNER_SERVICE_NS else None
    if handler is None:
        offered = ", ".join(sorted(service))
        raise TepFault(
            faults.CONFIGURATION,
            f"This service has no operation {operation!r} in that namespace; it offers {offered}.",
        )
    declared = _declared_action(soap_action_header)
    if declared and declared != soap_action(PARTNER_SERVICE_NS, operation):
        raise TepFault(
            faults.CONFIGURATION, f"SOAPAction {declared!r} does not match the {operation} body."
        )
    _validated(payload)
    with transaction.atomic():
        answer = handler(inbound, payload)
    schema.validate_or_raise(answer)
    return soap.envelope(answer)


# --- REST --------------------------------------------------------------------------------------
def _processing_status(fault: TepFault) -> str:
    """What ReportTicketResult says of a message we could read but not take."""
    if fault.code == faults.TICKET_NOT_FOUND:
        return "NotFound"
    if fault.family is FaultFamily.UNAVAILABLE:
        return "Unavailable"
    return "Failure"


def answer_rest_ticket(inbound: Inbound, body: bytes) -> HttpResponse:
    """`…/rest/ticket`: a Ticket (synchronous: PartnerPostTicketResponse, or a failure status)
    or a RestfulTicketRequest (asynchronous: 200 at once, then a TicketMessageProcessingResult
    reported by a task after the message is stored, `tasks.report_ticket_result`)."""
    root = _readable(body)
    if root.tag == _t("Ticket"):
        _validated(root)
        with transaction.atomic():
            stored = take_ticket(inbound, root)
        answer = messages.PartnerPostTicketResponse(ticket_reference=stored.ticket_reference)
        answer = answer.to_element()
        schema.validate_or_raise(answer)
        return HttpResponse(
            etree.tostring(answer, xml_declaration=True, encoding="UTF-8"),
            status=200,
            content_type=REST_CONTENT_TYPE,
        )
    if root.tag == _t("RestfulTicketRequest"):
        _validated(root)
        message_text = (root.findtext(_t("MessageID")) or "").strip()
        if not (message_text.isascii() and message_text.isdigit()) or len(message_text) > 18:
            raise TepFault(faults.VALIDATION, "MessageID must be a number (TEP's long).")
        ticket = root.find(_t("InputTicket"))
        facts = received.ticket_facts(ticket)
        with transaction.atomic():
            try:
                stored = take_ticket(inbound, ticket)
            except TepFault as fault:
                reference = facts.receiver_reference or facts.sender_reference or ""
                status = _processing_status(fault)
            else:
                reference, status = stored.ticket_reference, "Success"
            later = _report_later(inbound.partner.pk, int(message_text), reference, status)
            transaction.on_commit(later)
        return HttpResponse(status=200)
    found = etree.QName(root).localname
    raise TepFault(
        faults.VALIDATION, f"Expected a Ticket or a RestfulTicketRequest, received {found}."
    )


def _report_later(partner_id: int, message_id: int, reference: str, status: str) -> Callable:
    def publish_report() -> None:
        from integrations.broker import publish
        from integrations.tep.tasks import report_ticket_result

        publish(report_ticket_result, partner_id, message_id, reference, status)

    return publish_report


def answer_rest_receipt(inbound: Inbound, body: bytes) -> HttpResponse:
    """`…/rest/receipt`: a Receipt, answered with an HTTP status only."""
    root = _readable(body)
    if root.tag != _t("Receipt"):
        found = etree.QName(root).localname
        raise TepFault(faults.VALIDATION, f"Expected a Receipt, received {found}.")
    _validated(root)
    with transaction.atomic():
        take_receipt(inbound, root)
    return HttpResponse(status=200)
