"""From an HTTP POST to an operation's answer: the outage switch, the hardened parser, the SOAP
envelope, the table of operations by root element, the XSD, the buyer identifier, repeats, and the
record of every request.

Operations are looked up by the request's root element (its local name), and by the path when the
caller POSTs to `/<operation>` as our adapter does. `register` is the extension point: the
fault-report operations of `fault_reports` and the NICC ALA appointment messages of `appointments`
(queryAppointmentAvailability, reserveAppointment) register themselves here.

An operation without a schema (`xsd=False`: the ALA messages) checks its request itself, and what
goes wrong before its handler runs (an outage, broken XML, the wrong message) is answered with a
SOAP Fault: no element of the fault-report XSD fits its answers.
"""

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from lxml import etree

from integrations.cityfibre import soap
from integrations.cityfibre.schema import schema_deviations
from integrations.cityfibre.simulator.ala_messages import header_text
from integrations.cityfibre.simulator.lifecycle import Lifecycle
from integrations.cityfibre.simulator.messages import (
    fault_response,
    generic_response,
    local_name,
    soap_fault,
)
from integrations.cityfibre.simulator.state import utc_now
from integrations.cityfibre.simulator.validation import (
    check_buyer_identifier,
    error_text,
    xsd_refusal,
)
from integrations.xml import XmlRejected, parse_xml

__all__ = ["Operation", "Reply", "Request", "handle_request", "operation_named", "register"]

logger = logging.getLogger("integrations.cityfibre.simulator")
Handler = Callable[["Request", Lifecycle], "Reply"]


@dataclass(frozen=True)
class Operation:
    name: str  # the path segment and SOAPAction, e.g. "addFaultReport"
    root: str  # the request's root element
    response_root: str
    handler: Handler
    with_status: bool  # answered in receivedFaultReportType (with a status) or genericResponseType
    xsd: bool = True  # validated against the fault-report XSD and its buyer identifier checked
    broken_xml_status: int = 500  # seed 004: "500 Internal Server Error (Broken XML)"


_BY_ROOT: dict[str, Operation] = {}
_BY_NAME: dict[str, Operation] = {}


def register(operation: Operation) -> Operation:
    _BY_ROOT[operation.root] = operation
    _BY_NAME[operation.name] = operation
    return operation


def operation_named(name: str) -> Operation | None:
    return _BY_NAME.get(name)


@dataclass
class Reply:
    http_status: int
    body: bytes
    status: str | None = None  # the status the answer carried, for the record and the log
    error: str = ""
    # Run once the answer has been written: what must not happen before our side has it.
    after: list[Callable[[], None]] = field(default_factory=list)


@dataclass
class Request:
    operation: Operation
    element: etree._Element
    body: bytes
    xsd_errors: list[str]

    def text(self, path: str) -> str:
        return (self.element.findtext(path) or "").strip()

    @property
    def message_id(self) -> str:
        return header_text(self.element, "messageId")

    @property
    def buyer_identifier(self) -> str:
        return header_text(self.element, "buyerIdentifier")

    @property
    def buyer_fault_reference(self) -> str:
        return self.text("buyerFaultReference")

    def respond(self, http_status: int, *, status: str | None = None, error: str = "") -> Reply:
        return respond(
            self.operation,
            http_status=http_status,
            message_id=self.message_id,
            buyer_identifier=self.buyer_identifier,
            buyer_fault_reference=self.buyer_fault_reference,
            status=status,
            error=error,
        )


def respond(
    operation: Operation,
    *,
    http_status: int,
    message_id: str = "",
    buyer_identifier: str = "",
    buyer_fault_reference: str = "",
    status: str | None = None,
    error: str = "",
) -> Reply:
    """The operation's documented answer in a SOAP envelope; responseCode is the HTTP status."""
    now = utc_now()
    if operation.with_status:
        status = status or ("rejected" if http_status >= 400 else "pending")
        element = fault_response(
            operation.response_root,
            message_id=message_id,
            buyer_identifier=buyer_identifier,
            buyer_fault_reference=buyer_fault_reference,
            status=status,
            response_code=http_status,
            error=error,
            sent_at=now,
        )
    else:
        element = generic_response(
            operation.response_root,
            message_id=message_id,
            buyer_identifier=buyer_identifier,
            response_code=http_status,
            error=error,
            sent_at=now,
        )
    return Reply(http_status, soap.wrap(element), status=status, error=error)


def _fault_reply(http_status: int, code: str, text: str) -> Reply:
    return Reply(http_status, soap_fault(code, text), error=text)


def _error(operation: Operation | None, http_status: int, text: str) -> Reply:
    """An answer before the request could be read: the path's operation's answer if the path
    named one with an XSD answer, else a SOAP Fault (no element of the XSD fits)."""
    if operation is None or not operation.xsd:
        return _fault_reply(http_status, "Server" if http_status >= 500 else "Client", text)
    return respond(operation, http_status=http_status, error=text)


@dataclass
class _Seen:
    """What the record says about a request, as far as it could be read."""

    operation: str = ""
    enveloped: bool = False
    element: etree._Element | None = None

    def text(self, name: str) -> str:
        if self.element is None:
            return ""
        return header_text(self.element, name)


def _read(body: bytes) -> tuple[_Seen, str]:
    """The message element (or why there is none: the text of a 500 "Broken XML")."""
    seen = _Seen()
    try:
        root = parse_xml(body)
        seen.enveloped = soap.is_envelope(root)
        seen.element = soap.unwrap(root)
    except XmlRejected as exc:
        return seen, f"Broken XML: {exc.reason}"
    except soap.SoapFault as exc:
        return seen, f"A SOAP Fault is not a request: {exc}"
    seen.operation = local_name(seen.element)
    return seen, ""


def handle_request(life: Lifecycle, path: str, body: bytes, *, soap_action: str = "") -> Reply:
    """Answer one POST to the supplier API (anything outside `/_sim/`) and record it."""
    state = life.state
    name = path.strip("/")
    by_path = _BY_NAME.get(name) if name else None
    seen, unreadable = _read(body)
    xsd_errors: list[str] | None = None
    repeat = False

    if name and by_path is None:
        reply = _fault_reply(404, "Client", f"No operation at /{name}")
    elif (outage := state.take_outage()) is not None:
        reply = _error(by_path, outage, "Service temporarily unavailable (simulated outage)")
    elif unreadable:
        broken = by_path.broken_xml_status if by_path is not None else 500
        reply = _error(by_path, broken if unreadable.startswith("Broken") else 400, unreadable)
    elif (operation := _BY_ROOT.get(seen.operation)) is None:
        reply = _error(by_path, 400, f"Unsupported message {seen.operation[:60]!r}")
    elif by_path is not None and operation is not by_path:
        text = f"Expected {by_path.root} at /{by_path.name}, received {seen.operation}"
        reply = _error(by_path, 400, error_text(message=text))
    else:
        assert seen.element is not None
        xsd_errors = schema_deviations(seen.element) if operation.xsd else None
        request = Request(operation, seen.element, body, xsd_errors or [])
        key = (operation.name, request.message_id, hashlib.sha256(body).hexdigest())
        with state.lock:
            previous = state.answered.get(key)
        if previous is not None:
            repeat = True
            reply = Reply(previous[0], previous[1], status=None)
        else:
            reply = _checked(request, life)
            if 200 <= reply.http_status < 300:
                state.remember_answer(key, (reply.http_status, reply.body))

    _record(life, path, soap_action, body, seen, reply, xsd_errors, repeat)
    return reply


def _checked(request: Request, life: Lifecycle) -> Reply:
    """The checks every fault-report message gets, then the operation's own handler."""
    if request.operation.xsd:
        refusal = xsd_refusal(request.xsd_errors)
        if refusal is None:
            with life.state.lock:
                known = set(life.state.config.buyer_identifiers)
            refusal = check_buyer_identifier(request.buyer_identifier, known)
        if refusal is not None:
            return request.respond(refusal.http_status, error=refusal.error)
    return request.operation.handler(request, life)


def _record(
    life: Lifecycle,
    path: str,
    soap_action: str,
    body: bytes,
    seen: _Seen,
    reply: Reply,
    xsd_errors: list[str] | None,
    repeat: bool,
) -> None:
    entry = {
        "at": utc_now().isoformat(),
        "path": path,
        "soap_action": soap_action,
        "operation": seen.operation,
        "message_id": seen.text("messageId"),
        "buyer_identifier": seen.text("buyerIdentifier"),
        "buyer_fault_reference": seen.text("buyerFaultReference"),
        "soap": seen.enveloped,
        "http_status": reply.http_status,
        "status": reply.status,
        "error": reply.error,
        "xsd_valid": None if xsd_errors is None else not xsd_errors,
        "xsd_errors": xsd_errors or [],
        "repeat": repeat,
        "body": body.decode("utf-8", errors="replace"),
    }
    with life.state.lock:
        life.state.received.append(entry)
    logger.info(
        "<- %s %s %s -> %s%s%s",
        seen.operation or path,
        entry["message_id"] or "-",
        entry["buyer_fault_reference"] or "-",
        reply.http_status,
        f" {reply.status}" if reply.status else "",
        f" {reply.error}" if reply.error else (" (repeat)" if repeat else ""),
    )
