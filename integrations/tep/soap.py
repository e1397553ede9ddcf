"""SOAP 1.1 envelopes and faults as TEP (a WCF basicHttpBinding service) puts them on the wire.

    <s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">
      <s:Body><tep:PostTicket>…</tep:PostTicket></s:Body>
    </s:Envelope>

A fault carries the seed's fault type as its detail element, with the code and the message:

    <s:Fault>
      <faultcode>s:Client</faultcode><faultstring xml:lang="en-US">…</faultstring>
      <detail><t:ServiceValidationFault><t:FaultCode>3000</t:FaultCode>
        <t:Message>…</t:Message></t:ServiceValidationFault></detail>
    </s:Fault>

Everything received is parsed by the project's hardened parser (`integrations.xml.parse_xml`:
no DTD, no entities, no network). What is not a SOAP 1.1 envelope with exactly one Body element
is `XmlRejected`; a Fault in the Body is a `TepFault`.
"""

from __future__ import annotations

import copy
import re

from lxml import etree

from integrations.tep.faults import FAULT_TYPES, UNHANDLED, FaultFamily, TepFault
from integrations.tep.namespaces import SOAP_ENV_NS, TYPES_NS
from integrations.xml import XmlRejected, parse_xml

__all__ = [
    "CONTENT_TYPE",
    "body_element",
    "envelope",
    "fault_detail",
    "fault_detail_element",
    "fault_envelope",
    "fault_from_element",
    "fault_from_envelope",
    "unwrap",
    "xml_text",
]

CONTENT_TYPE = "text/xml; charset=utf-8"
SOAP12_ENV_NS = "http://www.w3.org/2003/05/soap-envelope"
XML_NS = "http://www.w3.org/XML/1998/namespace"

_MAX_MESSAGE = 300_000  # the detail's Message is a String of the contract
# What XML 1.0 cannot carry at all (lxml refuses to write it).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    """Text XML can carry, within the contract's string limit: what XML 1.0 cannot hold
    (NUL, most control characters) becomes U+FFFD."""
    return _NOT_XML.sub("\ufffd", text)[:_MAX_MESSAGE]


_xml_text = xml_text  # the name other modules of the package first used


def _children(parent: etree._Element) -> list[etree._Element]:
    return [child for child in parent if isinstance(child.tag, str)]


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname


def envelope(body_element: etree._Element) -> bytes:
    """The element in a SOAP 1.1 envelope, UTF-8 with an XML declaration. The element is
    copied, so the caller's tree is left as it was."""
    root = etree.Element(f"{{{SOAP_ENV_NS}}}Envelope", nsmap={"s": SOAP_ENV_NS})
    body = etree.SubElement(root, f"{{{SOAP_ENV_NS}}}Body")
    body.append(copy.deepcopy(body_element))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def body_element(root: etree._Element) -> etree._Element:
    """The single element in the Body of a SOAP 1.1 envelope (a Fault included), or
    `XmlRejected` saying what is wrong with the envelope."""
    qname = etree.QName(root)
    if qname.localname != "Envelope" or qname.namespace not in (SOAP_ENV_NS, SOAP12_ENV_NS):
        raise XmlRejected(f"not a SOAP envelope: the root element is {qname.localname!r}")
    if qname.namespace != SOAP_ENV_NS:
        raise XmlRejected("a SOAP 1.2 envelope: this service speaks SOAP 1.1")
    bodies = [child for child in _children(root) if child.tag == f"{{{SOAP_ENV_NS}}}Body"]
    if len(bodies) != 1:
        raise XmlRejected(f"the SOAP envelope has {len(bodies)} Body elements, expected one")
    children = _children(bodies[0])
    if len(children) != 1:
        raise XmlRejected(f"the SOAP Body holds {len(children)} elements, expected exactly one")
    return children[0]


def unwrap(body: bytes) -> tuple[str, etree._Element]:
    """The operation's (or answer's) local name and its element, from a SOAP 1.1 envelope.

    Raises `XmlRejected` for what is not such an envelope, and the fault as `TepFault` when the
    Body holds a Fault."""
    payload = body_element(parse_xml(body))
    if payload.tag == f"{{{SOAP_ENV_NS}}}Fault":
        raise fault_from_element(payload)
    return _local(payload), payload


def fault_envelope(fault: TepFault) -> bytes:
    """A SOAP 1.1 fault for `fault`, its detail the fault type's element (`tep-types.xsd`)."""
    root = etree.Element(f"{{{SOAP_ENV_NS}}}Envelope", nsmap={"s": SOAP_ENV_NS})
    body = etree.SubElement(root, f"{{{SOAP_ENV_NS}}}Body")
    element = etree.SubElement(body, f"{{{SOAP_ENV_NS}}}Fault")
    sender_at_fault = fault.family in (FaultFamily.CONFIGURATION, FaultFamily.VALIDATION)
    etree.SubElement(element, "faultcode").text = "s:Client" if sender_at_fault else "s:Server"
    faultstring = etree.SubElement(element, "faultstring")
    faultstring.set(f"{{{XML_NS}}}lang", "en-US")
    faultstring.text = xml_text(fault.message)
    etree.SubElement(element, "detail").append(fault_detail_element(fault))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def fault_detail_element(fault: TepFault) -> etree._Element:
    """The fault type's element (`<ServiceValidationFault><FaultCode>…<Message>…`): a SOAP
    fault's detail, or the whole body of a REST failure."""
    typed = etree.Element(f"{{{TYPES_NS}}}{fault.fault_type}", nsmap={None: TYPES_NS})
    # A code outside every range is written as the unknown family's own, as the XSD requires.
    code = fault.code if fault.code in fault.family.codes else fault.family.base_code
    etree.SubElement(typed, f"{{{TYPES_NS}}}FaultCode").text = str(code)
    etree.SubElement(typed, f"{{{TYPES_NS}}}Message").text = xml_text(fault.message)
    return typed


def _text(element: etree._Element | None) -> str:
    return "" if element is None else " ".join("".join(element.itertext()).split())


def _child(parent: etree._Element, *names: str) -> etree._Element | None:
    """The first child of one of those local names, whatever its namespace (senders differ)."""
    return next((child for child in _children(parent) if _local(child) in names), None)


def fault_detail(fault: etree._Element) -> etree._Element | None:
    """The seed's fault type element in a SOAP Fault's detail, if there is one."""
    detail = _child(fault, "detail")
    if detail is None:
        return None
    return next((c for c in _children(detail) if _local(c) in FAULT_TYPES), None)


def fault_from_element(fault: etree._Element) -> TepFault:
    """The `TepFault` a SOAP Fault element carries. The code is read from the detail ourselves
    (zeep leaves it raw); a detail code that cannot be read gives the fault type's generic
    code, and a fault without the seed's detail (a WCF internal error) is 5000 Unhandled."""
    soap_code = _text(_child(fault, "faultcode"))
    faultstring = _text(_child(fault, "faultstring"))
    typed = fault_detail(fault)
    if typed is None:
        return TepFault(UNHANDLED, faultstring, soap_code=soap_code)
    family = FAULT_TYPES[_local(typed)]
    code_text = _text(_child(typed, "FaultCode"))
    try:
        code = int(code_text)
    except ValueError:
        code = family.base_code
    message = _text(_child(typed, "Message")) or faultstring
    return TepFault(code, message, soap_code=soap_code)


def fault_from_envelope(body: bytes) -> TepFault | None:
    """The fault a SOAP answer carries; None when the answer is not a SOAP fault (a message,
    or not SOAP at all: the transport's status says what happened then)."""
    try:
        payload = body_element(parse_xml(body))
    except XmlRejected:
        return None
    if _local(payload) != "Fault" or etree.QName(payload).namespace != SOAP_ENV_NS:
        return None
    return fault_from_element(payload)
