"""The six TEP-hosted operations: a SOAP request in, a SOAP answer (or the seed's fault) out.

Every request is parsed with the project's hardened parser and its payload checked against our
XSD before anything happens (a message that is not well-formed, or breaks the schema:
ServiceValidationFault 3000); every answer we write is checked too, and a schema error in it is
logged and kept in the call's record (a simulator bug, never silently sent).
"""

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from lxml import etree

from integrations.tep import faults, soap
from integrations.tep.faults import TepFault
from integrations.tep.namespaces import TICKET_SERVICE_NS
from integrations.tep.schema import validate_or_raise
from integrations.tep.simulator import wire
from integrations.tep.simulator.lifecycle import Lifecycle
from integrations.xml import XmlRejected

__all__ = ["OPERATIONS", "Reply", "handle_soap"]

logger = logging.getLogger("integrations.tep.simulator")
XML = "text/xml; charset=utf-8"
TICKET_OPERATIONS = frozenset({"PostTicket", "GetTicket", "ReportTicketResult", "GetReceipt"})
ATTACHMENT_OPERATIONS = frozenset({"PostAttachment", "GetAttachment"})
OPERATIONS = TICKET_OPERATIONS | ATTACHMENT_OPERATIONS
SERVICE_PATHS = {
    "/ticketservice.svc": TICKET_OPERATIONS,
    "/attachmentservice.svc": ATTACHMENT_OPERATIONS,
}


@dataclass
class Reply:
    http_status: int
    body: bytes
    content_type: str = XML
    after: list[Callable[[], None]] = field(default_factory=list)


def handle_soap(lifecycle: Lifecycle, *, path: str, body: bytes, caller: str) -> Reply:
    """Answer one SOAP request; every outcome is recorded in the state's calls."""
    operation = ""
    try:
        try:
            operation, payload = soap.unwrap(body)
        except XmlRejected as exc:
            raise TepFault(
                faults.VALIDATION, f"Not a readable SOAP request: {exc.reason}"
            ) from None
        except TepFault:  # a Fault in the request's Body
            raise TepFault(faults.VALIDATION, "A SOAP Fault is not a request") from None
        allowed = SERVICE_PATHS.get(path.rstrip("/").lower(), OPERATIONS)
        if operation not in allowed or etree.QName(payload).namespace != TICKET_SERVICE_NS:
            raise TepFault(faults.VALIDATION, f"Unknown operation {operation!r} at {path}")
        validate_or_raise(payload)
        answer = _HANDLERS[operation](lifecycle, payload, caller)
    except TepFault as fault:
        lifecycle.state.record_call(
            operation=operation or "?", caller=caller, fault_code=fault.code, fault=fault.message
        )
        logger.info("<- %s: fault %d %s", operation or "?", fault.code, fault.message)
        return Reply(500, soap.fault_envelope(fault))
    errors = wire.answer_errors(answer)
    if errors:
        logger.error("%s answer breaks the XSD: %s", operation, "; ".join(errors))
    lifecycle.state.record_call(
        operation=operation, caller=caller, fault_code=None, answer_schema_errors=errors
    )
    return Reply(200, soap.envelope(answer))


def _post_ticket(lifecycle: Lifecycle, payload, caller: str):
    ticket_element = wire.request_ticket(payload)
    ticket = wire.ticket_dict(ticket_element)
    digest = hashlib.sha256(wire.canonical(ticket_element)).hexdigest()
    interaction_id = lifecycle.post_ticket(ticket, digest=digest)
    return wire.post_ticket_response(interaction_id)


def _get_ticket(lifecycle: Lifecycle, payload, caller: str):
    lifecycle.check_poll(caller, "GetTicket")
    message = lifecycle.next_message()
    return wire.get_ticket_response(message)


def _report_ticket_result(lifecycle: Lifecycle, payload, caller: str):
    message_id, reference, status = wire.request_result(payload)
    lifecycle.report(message_id, reference, status)
    return wire.report_ticket_result_response()


def _get_receipt(lifecycle: Lifecycle, payload, caller: str):
    count = wire.request_count(payload)
    lifecycle.check_poll(caller, "GetReceipt")
    receipts = lifecycle.take_receipts(count)
    with lifecycle.state.lock:
        config = lifecycle.state.config
        return wire.get_receipt_response(receipts, config)


def _post_attachment(lifecycle: Lifecycle, payload, caller: str):
    attachment = wire.request_attachment(payload)
    uri = lifecycle.post_attachment(attachment)
    return wire.post_attachment_response(uri)


def _get_attachment(lifecycle: Lifecycle, payload, caller: str):
    uri = wire.request_attachment_uri(payload)
    stored = lifecycle.attachment_for(uri)
    if stored is None:
        raise TepFault(faults.VALIDATION, f"No attachment at {uri}")
    return wire.get_attachment_response(stored)


_HANDLERS = {
    "PostTicket": _post_ticket,
    "GetTicket": _get_ticket,
    "ReportTicketResult": _report_ticket_result,
    "GetReceipt": _get_receipt,
    "PostAttachment": _post_attachment,
    "GetAttachment": _get_attachment,
}
