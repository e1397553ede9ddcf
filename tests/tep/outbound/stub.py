"""A tiny TEP on loopback for the outbound tests: a real HTTP server (port 0) answering each
request with the next SOAP envelope of a script (the full simulator is `integrations.tep
.simulator`). The answers are written here, with lxml, from the contract's namespaces: what the
adapter reads of them is tested, not assumed."""

from __future__ import annotations

from lxml import etree

from integrations.tep.faults import TepFault
from integrations.tep.namespaces import SOAP_ENV_NS, TICKET_SERVICE_NS, TYPES_NS
from integrations.tep.soap import fault_envelope
from integrations.xml import parse_xml
from tests.scripted_partner import Received, Reply, ScriptedPartner

__all__ = ["Reply", "ScriptedPartner", "accepted", "attachment_uri", "sent_payload", "soap_fault"]


def _envelope(body: etree._Element) -> bytes:
    root = etree.Element(f"{{{SOAP_ENV_NS}}}Envelope", nsmap={"s": SOAP_ENV_NS})
    etree.SubElement(root, f"{{{SOAP_ENV_NS}}}Body").append(body)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def accepted(interaction_id: int) -> Reply:
    """TEP took a PostTicket: PostTicketResponse with the InteractionID."""
    response = etree.Element(f"{{{TICKET_SERVICE_NS}}}PostTicketResponse")
    result = etree.SubElement(response, f"{{{TICKET_SERVICE_NS}}}PostTicketResult")
    etree.SubElement(result, f"{{{TYPES_NS}}}InteractionID").text = str(interaction_id)
    return Reply(200, _envelope(response), headers={"Content-Type": "text/xml; charset=utf-8"})


def attachment_uri(filename: str, uri: str) -> Reply:
    """TEP took a PostAttachment: the AttachmentUri a ticket refers to it by."""
    response = etree.Element(f"{{{TICKET_SERVICE_NS}}}PostAttachmentResponse")
    result = etree.SubElement(response, f"{{{TICKET_SERVICE_NS}}}PostAttachmentResult")
    etree.SubElement(result, f"{{{TYPES_NS}}}Filename").text = filename
    etree.SubElement(result, f"{{{TYPES_NS}}}Uri").text = uri
    return Reply(200, _envelope(response), headers={"Content-Type": "text/xml; charset=utf-8"})


def soap_fault(code: int, message: str) -> Reply:
    """A SOAP fault of the seed, as WCF answers it (HTTP 500)."""
    return Reply(
        500,
        fault_envelope(TepFault(code, message)),
        headers={"Content-Type": "text/xml; charset=utf-8"},
    )


def sent_payload(received: Received) -> etree._Element:
    """The Body's element of a request the stub received."""
    root = parse_xml(received.body)
    (body,) = root.findall(f"{{{SOAP_ENV_NS}}}Body")
    (payload,) = list(body)
    return payload


def ticket_of(received: Received) -> etree._Element:
    return sent_payload(received).find(f"{{{TICKET_SERVICE_NS}}}Ticket")


def text(element: etree._Element, path: str) -> str | None:
    """The text at a path of TYPES_NS local names ("Sender/TicketReference")."""
    found = element.find("/".join(f"{{{TYPES_NS}}}{name}" for name in path.split("/")))
    return None if found is None else found.text
