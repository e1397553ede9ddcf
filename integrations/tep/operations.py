"""The ten operations of the contract, each as its request and response elements
(document/literal wrapped, as in `wsdl/`): `<Op><Parameter>…</Parameter></Op>` and
`<OpResponse><OpResult>…</OpResult></OpResponse>`, in the namespace of the side that hosts it.

For whoever speaks the wire without zeep: our hosted endpoints (read a request, write the
answer), the simulator (the other way round) and the client (reading TEP's answers).

    op = operation_for(payload)                  # the operation a request element asks for
    ticket = read_request(op, payload)           # messages.Ticket
    response_element(op, PartnerPostTicketResponse(ticket_reference="F-1"))
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lxml import etree

from integrations.tep import messages
from integrations.tep.namespaces import (
    PARTNER_SERVICE_NS,
    TICKET_SERVICE_NS,
    TYPES_NS,
    XSI_NS,
    Service,
)

__all__ = [
    "PARTNER_OPERATIONS",
    "TEP_OPERATIONS",
    "Operation",
    "operation_for",
    "read_request",
    "read_response",
    "request_element",
    "response_element",
]


@dataclass(frozen=True)
class Operation:
    """One operation of one side. `parameter` and `result` are the names of the request's and
    the response's single child (None: the element is empty), `*_type` what they hold: a
    `messages` type, `int` (GetReceipt's Count) or `list` (GetReceipt's receipts)."""

    name: str
    namespace: str
    service: Service
    parameter: str | None = None
    parameter_type: Any = None
    result: str | None = None
    result_type: Any = None

    @property
    def request_tag(self) -> str:
        return f"{{{self.namespace}}}{self.name}"

    @property
    def response_tag(self) -> str:
        return f"{{{self.namespace}}}{self.name}Response"


_ATTACHMENTS = (
    ("PostAttachment", "Attachment", messages.Attachment, messages.AttachmentUri),
    ("GetAttachment", "AttachmentUri", messages.AttachmentUri, messages.Attachment),
)


def _attachment_operations(namespace: str) -> list[Operation]:
    return [
        Operation(name, namespace, "attachment", parameter, given, f"{name}Result", answer)
        for name, parameter, given, answer in _ATTACHMENTS
    ]


TEP_OPERATIONS: dict[str, Operation] = {
    op.name: op
    for op in [
        Operation(
            "PostTicket",
            TICKET_SERVICE_NS,
            "ticket",
            "Ticket",
            messages.Ticket,
            "PostTicketResult",
            messages.PostTicketResponse,
        ),
        Operation(
            "GetTicket",
            TICKET_SERVICE_NS,
            "ticket",
            result="GetTicketResult",
            result_type=messages.GetTicketResponse,
        ),
        Operation(
            "ReportTicketResult",
            TICKET_SERVICE_NS,
            "ticket",
            "TicketMessageProcessingResult",
            messages.TicketMessageProcessingResult,
        ),
        Operation(
            "GetReceipt", TICKET_SERVICE_NS, "ticket", "Count", int, "GetReceiptResult", list
        ),
        *_attachment_operations(TICKET_SERVICE_NS),
    ]
}

PARTNER_OPERATIONS: dict[str, Operation] = {
    op.name: op
    for op in [
        Operation(
            "PostTicket",
            PARTNER_SERVICE_NS,
            "ticket",
            "Ticket",
            messages.Ticket,
            "PostTicketResult",
            messages.PartnerPostTicketResponse,
        ),
        Operation("PostReceipt", PARTNER_SERVICE_NS, "ticket", "Receipt", messages.Receipt),
        *_attachment_operations(PARTNER_SERVICE_NS),
    ]
}

_BY_REQUEST_TAG = {
    op.request_tag: op for op in [*TEP_OPERATIONS.values(), *PARTNER_OPERATIONS.values()]
}


def operation_for(element: etree._Element) -> Operation | None:
    """The operation a request element asks for (by its qualified name), or None."""
    return _BY_REQUEST_TAG.get(element.tag)


def _wrapped(tag: str, namespace: str, child: str | None, kind: Any, value: Any) -> etree._Element:
    element = etree.Element(tag, nsmap={None: namespace})
    if child is None or value is None:
        return element
    child_tag = f"{{{namespace}}}{child}"
    if kind is int:
        etree.SubElement(element, child_tag).text = str(int(value))
    elif kind is list:
        wrapper = etree.SubElement(element, child_tag, nsmap={"t": TYPES_NS})
        for receipt in value:
            wrapper.append(receipt.to_element())
    else:
        element.append(value.to_element(child_tag))
    return element


def _unwrapped(element: etree._Element, namespace: str, child: str | None, kind: Any) -> Any:
    if child is None:
        return None
    found = element.find(f"{{{namespace}}}{child}")
    if found is None or found.get(f"{{{XSI_NS}}}nil") in ("true", "1"):
        return [] if kind is list else None
    if kind is int:
        return int(found.text or "")
    if kind is list:
        return [
            messages.Receipt.from_element(item)
            for item in found.iterchildren(f"{{{TYPES_NS}}}Receipt")
        ]
    return kind.from_element(found)


def request_element(op: Operation, value: Any = None) -> etree._Element:
    """The request of `op` carrying `value` (nothing for GetTicket)."""
    return _wrapped(op.request_tag, op.namespace, op.parameter, op.parameter_type, value)


def read_request(op: Operation, element: etree._Element) -> Any:
    """What a request of `op` carries (None for GetTicket)."""
    return _unwrapped(element, op.namespace, op.parameter, op.parameter_type)


def response_element(op: Operation, value: Any = None) -> etree._Element:
    """The response of `op` carrying `value`: nothing for ReportTicketResult and PostReceipt,
    None for a GetTicket with no message waiting, a list of receipts for GetReceipt."""
    return _wrapped(op.response_tag, op.namespace, op.result, op.result_type, value)


def read_response(op: Operation, element: etree._Element) -> Any:
    """What a response of `op` carries (None when empty or nil, as WCF writes a GetTicket
    with no message waiting; a list for GetReceipt)."""
    return _unwrapped(element, op.namespace, op.result, op.result_type)
