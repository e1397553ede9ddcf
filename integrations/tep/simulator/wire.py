"""The simulator's messages to and from XML, by the contract's XSD (`integrations/tep/wsdl/`).

Written with lxml from the schema, not with our own `integrations.tep.messages`: the simulator is
the other side of the wire, and a mistake in our message code must not be made on both sides
(where it would pass unnoticed). Tickets are plain dicts in the seed's property names
(`{"MessageType": "Update", "Sender": {"ID": 2002, …}, "Details": [{"Name": …, "Value": …}]}`).
"""

import base64
from typing import Any

from lxml import etree

from integrations.tep import soap
from integrations.tep.faults import VALIDATION, TepFault
from integrations.tep.namespaces import PARTNER_SERVICE_NS, TICKET_SERVICE_NS, TYPES_NS, soap_action
from integrations.tep.schema import schema_errors
from integrations.tep.simulator.state import OutgoingReceipt, SimConfig

__all__ = [
    "answer_errors",
    "canonical",
    "ticket_dict",
    "ticket_element",
]

T = f"{{{TYPES_NS}}}"
TEP = f"{{{TICKET_SERVICE_NS}}}"
P = f"{{{PARTNER_SERVICE_NS}}}"
NSMAP = {"t": TYPES_NS}

PARTNER_FIELDS = ("ID", "Name", "ConversationRoleID", "TicketReference")
DETAIL_FIELDS = ("Name", "Value", "Context")
NOTE_FIELDS = ("NoteId", "Type", "Content", "CreatedDateTime")
CONTACT_FIELDS = (
    "Email",
    "FirstName",
    "LastName",
    "PhoneNumber",
    "Type",
    "IsPrimary",
    "IsEmailEnabled",
)


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname


def _children(parent: etree._Element | None) -> list[etree._Element]:
    if parent is None:
        return []
    return [child for child in parent if isinstance(child.tag, str)]


def _child(parent: etree._Element | None, name: str) -> etree._Element | None:
    return next((c for c in _children(parent) if _local(c) == name), None)


def _text(parent: etree._Element | None, name: str) -> str | None:
    element = _child(parent, name)
    return None if element is None else (element.text or "")


def _flat(element: etree._Element | None, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: value for name in names if (value := _text(element, name)) is not None}


def _details(parent: etree._Element | None) -> list[dict[str, Any]]:
    return [_flat(d, DETAIL_FIELDS) for d in _children(_child(parent, "Details"))]


# --- reading ---------------------------------------------------------------------------------
def ticket_dict(ticket: etree._Element) -> dict[str, Any]:
    """A Ticket element (checked against the XSD already) as a dict in the seed's names."""
    result: dict[str, Any] = _flat(
        ticket, ("MessageType", "RequestDateTime", "SystemTransactionID", "TrackingReference")
    )
    for role in ("Sender", "Receiver"):
        partner = _child(ticket, role)
        if partner is not None:
            values = _flat(partner, PARTNER_FIELDS)
            for number in ("ID", "ConversationRoleID"):
                if number in values:
                    values[number] = int(values[number])
            result[role] = values
    result["Details"] = _details(ticket)
    result["Contacts"] = [
        {**_flat(c, CONTACT_FIELDS), "Details": _details(c)}
        for c in _children(_child(ticket, "Contacts"))
    ]
    result["Notes"] = [
        {**_flat(n, NOTE_FIELDS), "Details": _details(n)}
        for n in _children(_child(ticket, "Notes"))
    ]
    result["Attachments"] = [
        _flat(a, ("Filename", "Uri")) for a in _children(_child(ticket, "Attachments"))
    ]
    return result


def canonical(element: etree._Element) -> bytes:
    """The element's exclusive canonical form: the same message, the same bytes."""
    return etree.tostring(element, method="c14n", exclusive=True)


def _only(payload: etree._Element, name: str) -> etree._Element:
    element = _child(payload, name)
    if element is None:  # the XSD has been checked: only a bug gets here
        raise TepFault(VALIDATION, f"{_local(payload)} without {name}")
    return element


def request_ticket(payload: etree._Element) -> etree._Element:
    return _only(payload, "Ticket")


def request_result(payload: etree._Element) -> tuple[int, str, str]:
    result = _only(payload, "TicketMessageProcessingResult")
    return (
        int(_text(result, "MessageID") or 0),
        _text(result, "TicketReference") or "",
        _text(result, "ProcessingStatus") or "",
    )


def request_count(payload: etree._Element) -> int:
    return int((_text(payload, "Count") or "0").strip())


def request_attachment(payload: etree._Element) -> dict[str, Any]:
    attachment = _only(payload, "Attachment")
    return {
        "filename": (_text(attachment, "Filename") or "").strip(),
        "mime_type": "application/octet-stream",
        "payload": base64.b64decode(_text(attachment, "Payload") or ""),
        "system_transaction_id": _text(attachment, "SystemTransactionID") or "",
    }


def request_attachment_uri(payload: etree._Element) -> str:
    return (_text(_only(payload, "AttachmentUri"), "Uri") or "").strip()


# --- writing ---------------------------------------------------------------------------------
def _add(parent: etree._Element, name: str, value: Any) -> etree._Element:
    element = etree.SubElement(parent, f"{T}{name}")
    if isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = str(value)
    return element


def _add_flat(parent: etree._Element, values: dict[str, Any], names: tuple[str, ...]) -> None:
    for name in names:
        if values.get(name) is not None:
            _add(parent, name, values[name])


def _add_details(parent: etree._Element, details: list[dict[str, Any]]) -> None:
    if details:
        holder = _add(parent, "Details", None)
        for detail in details:
            _add_flat(_add(holder, "Detail", None), detail, DETAIL_FIELDS)


def _add_partner(parent: etree._Element, name: str, partner: dict[str, Any] | None) -> None:
    if partner is not None:
        _add_flat(_add(parent, name, None), partner, PARTNER_FIELDS)


def fill_ticket(element: etree._Element, ticket: dict[str, Any]) -> etree._Element:
    """Write the ticket's parts, in the XSD's order, into `element` (a Ticket-typed element)."""
    _add_flat(
        element,
        ticket,
        ("MessageType", "RequestDateTime", "SystemTransactionID", "TrackingReference"),
    )
    _add_partner(element, "Sender", ticket.get("Sender"))
    _add_partner(element, "Receiver", ticket.get("Receiver"))
    _add_details(element, ticket.get("Details") or [])
    if ticket.get("Contacts"):
        holder = _add(element, "Contacts", None)
        for contact in ticket["Contacts"]:
            item = _add(holder, "Contact", None)
            _add_flat(item, contact, CONTACT_FIELDS)
            _add_details(item, contact.get("Details") or [])
    if ticket.get("Notes"):
        holder = _add(element, "Notes", None)
        for note in ticket["Notes"]:
            item = _add(holder, "Note", None)
            _add_flat(item, note, NOTE_FIELDS)
            _add_details(item, note.get("Details") or [])
    if ticket.get("Attachments"):
        holder = _add(element, "Attachments", None)
        for uri in ticket["Attachments"]:
            _add_flat(_add(holder, "AttachmentUri", None), uri, ("Filename", "Uri"))
    return element


def ticket_element(ticket: dict[str, Any]) -> etree._Element:
    """The ticket as the global `t:Ticket` element."""
    return fill_ticket(etree.Element(f"{T}Ticket", nsmap=NSMAP), ticket)


def _wrapper(namespace: str, name: str) -> etree._Element:
    return etree.Element(f"{namespace}{name}", nsmap={None: namespace[1:-1], "t": TYPES_NS})


def post_ticket_response(interaction_id: int) -> etree._Element:
    root = _wrapper(TEP, "PostTicketResponse")
    result = etree.SubElement(root, f"{TEP}PostTicketResult")
    _add(result, "InteractionID", interaction_id)
    return root


def get_ticket_response(message) -> etree._Element:
    """GetTicketResponse: the message and its MessageID, or no result (nothing waiting: the
    seed's null, written as `integrations.tep.operations` writes it)."""
    root = _wrapper(TEP, "GetTicketResponse")
    if message is None:
        return root
    result = etree.SubElement(root, f"{TEP}GetTicketResult")
    _add(result, "MessageID", message.message_id)
    fill_ticket(_add(result, "Ticket", None), message.ticket)
    return root


def report_ticket_result_response() -> etree._Element:
    return _wrapper(TEP, "ReportTicketResultResponse")


def _fill_receipt(element: etree._Element, receipt: OutgoingReceipt, config: SimConfig) -> None:
    _add(element, "DateTime", receipt.created_at.isoformat())
    _add(element, "Status", receipt.status)
    if receipt.status_message:
        _add(element, "StatusMessage", receipt.status_message)
    _add_partner(
        element,
        "TicketSender",
        {
            "ID": config.our_partner_id,
            "Name": config.our_partner_name,
            "TicketReference": receipt.our_reference or None,
        },
    )
    _add_partner(
        element,
        "TicketReceiver",
        {
            "ID": config.supplier_partner_id,
            "Name": config.supplier_partner_name,
            "TicketReference": receipt.supplier_reference or None,
        },
    )
    if receipt.tracking_reference:
        _add(element, "TrackingReference", receipt.tracking_reference)
    _add(element, "InteractionID", receipt.interaction_id)


def get_receipt_response(receipts: list[OutgoingReceipt], config: SimConfig) -> etree._Element:
    root = _wrapper(TEP, "GetReceiptResponse")
    result = etree.SubElement(root, f"{TEP}GetReceiptResult")
    for receipt in receipts:
        _fill_receipt(_add(result, "Receipt", None), receipt, config)
    return root


def _fill_uri(element: etree._Element, uri: dict[str, str]) -> etree._Element:
    _add(element, "Filename", uri["Filename"])
    _add(element, "Uri", uri["Uri"])
    return element


def _fill_attachment(element: etree._Element, stored: dict[str, Any]) -> etree._Element:
    _add(element, "Filename", stored["filename"])
    _add(element, "Payload", base64.b64encode(stored["payload"]).decode("ascii"))
    _add(element, "SystemTransactionID", stored["system_transaction_id"])
    return element


def post_attachment_response(uri: dict[str, str]) -> etree._Element:
    root = _wrapper(TEP, "PostAttachmentResponse")
    _fill_uri(etree.SubElement(root, f"{TEP}PostAttachmentResult"), uri)
    return root


def get_attachment_response(stored: dict[str, Any]) -> etree._Element:
    root = _wrapper(TEP, "GetAttachmentResponse")
    _fill_attachment(etree.SubElement(root, f"{TEP}GetAttachmentResult"), stored)
    return root


def answer_errors(element: etree._Element) -> list[str]:
    return schema_errors(element)


# --- calling our hosted services (hosted delivery) -------------------------------------------
def _request(operation: str, element: etree._Element) -> tuple[bytes, str, list[str]]:
    return (
        soap.envelope(element),
        soap_action(PARTNER_SERVICE_NS, operation),
        schema_errors(element),
    )


def partner_post_ticket(ticket: dict[str, Any]) -> tuple[bytes, str, list[str]]:
    """PostTicket to our hosted TicketService: (envelope, SOAPAction, its schema errors)."""
    root = _wrapper(P, "PostTicket")
    fill_ticket(etree.SubElement(root, f"{P}Ticket"), ticket)
    return _request("PostTicket", root)


def partner_post_receipt(
    receipt: OutgoingReceipt, config: SimConfig
) -> tuple[bytes, str, list[str]]:
    root = _wrapper(P, "PostReceipt")
    _fill_receipt(etree.SubElement(root, f"{P}Receipt"), receipt, config)
    return _request("PostReceipt", root)


def post_attachment_request(stored: dict[str, Any]) -> tuple[bytes, str, list[str]]:
    root = _wrapper(P, "PostAttachment")
    _fill_attachment(etree.SubElement(root, f"{P}Attachment"), stored)
    return _request("PostAttachment", root)


def _answer(body: bytes, name: str) -> etree._Element | None:
    """The `<name>` inside the answer's wrapper (None when the answer is not that)."""
    try:
        _operation, payload = soap.unwrap(body)
    except Exception:
        return None
    return _child(payload, name)


def partner_ticket_reference(body: bytes) -> str:
    """The TicketReference of our PartnerPostTicketResponse ("" when it has none)."""
    return (_text(_answer(body, "PostTicketResult"), "TicketReference") or "").strip()


def attachment_uri(body: bytes) -> dict[str, str] | None:
    result = _answer(body, "PostAttachmentResult")
    if result is None:
        return None
    return {
        "Filename": (_text(result, "Filename") or "").strip(),
        "Uri": (_text(result, "Uri") or "").strip(),
    }


def fault_of(body: bytes) -> TepFault | None:
    return soap.fault_from_envelope(body)
