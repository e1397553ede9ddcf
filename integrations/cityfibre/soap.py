"""SOAP 1.1 Document/Literal envelopes, as the supplier's overview (seed 001) requires:

    <soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">
        <soap:Body> ... single request or response element ... </soap:Body>
    </soap:Envelope>

We always wrap what we send. We accept what we receive bare or wrapped (the published samples are
bare), whatever prefix the sender chose; SOAP 1.2's envelope namespace and an unqualified
`Envelope` are tolerated too.

A SOAP Fault in the body raises `SoapFault` (not `XmlRejected`): it is a well-formed answer that
carries the partner's error, and the caller decides what it means (e.g. retry on HTTP 5xx).
"""

import copy

from lxml import etree

from integrations.http import OutboundRequest
from integrations.xml import XmlRejected

__all__ = ["CONTENT_TYPE", "SOAP_ENV_NS", "SoapFault", "is_envelope", "request", "unwrap", "wrap"]

CONTENT_TYPE = "text/xml; charset=utf-8"

SOAP_ENV_NS = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12_ENV_NS = "http://www.w3.org/2003/05/soap-envelope"
_ENVELOPE_NAMESPACES = frozenset({SOAP_ENV_NS, SOAP12_ENV_NS, None})


class SoapFault(Exception):
    """The body held a SOAP Fault instead of a message."""

    def __init__(self, code: str, message: str, element: etree._Element) -> None:
        super().__init__(f"SOAP Fault {code}: {message}".strip())
        self.code = code
        self.message = message
        self.element = element


def _qname(element: etree._Element) -> tuple[str | None, str]:
    qname = etree.QName(element)
    return qname.namespace, qname.localname


def _elements(parent: etree._Element) -> list[etree._Element]:
    return [child for child in parent if isinstance(child.tag, str)]


def is_envelope(root: etree._Element) -> bool:
    namespace, name = _qname(root)
    return name == "Envelope" and namespace in _ENVELOPE_NAMESPACES


def wrap(element: etree._Element) -> bytes:
    """The element in a SOAP 1.1 envelope, serialised as UTF-8 with an XML declaration.

    The element is copied, so the caller's tree is left as it was."""
    envelope = etree.Element(f"{{{SOAP_ENV_NS}}}Envelope", nsmap={"soap": SOAP_ENV_NS})
    body = etree.SubElement(envelope, f"{{{SOAP_ENV_NS}}}Body")
    body.append(copy.deepcopy(element))
    return etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")


def request(element: etree._Element, *, name: str | None = None) -> OutboundRequest:
    """The call that sends a message: POST of its envelope to `<base_url>/<name>`, with the name
    as SOAPAction (the supplier's overview, seed 001); the name is the element's unless given."""
    name = name or etree.QName(element).localname
    return OutboundRequest(
        message_type=name,
        method="POST",
        path=name,
        headers={"SOAPAction": f'"{name}"'},
        body=wrap(element).decode(),
        content_type=CONTENT_TYPE,
    )


def _fault_text(fault: etree._Element, *names: str) -> str:
    for child in fault.iter():
        if isinstance(child.tag, str) and etree.QName(child).localname in names:
            return " ".join("".join(child.itertext()).split())
    return ""


def unwrap(root: etree._Element) -> etree._Element:
    """The message element: `root` itself if bare, else the single element in the Body.

    Raises `XmlRejected` for an envelope without a Body or whose Body does not hold exactly one
    element, and `SoapFault` when that element is a SOAP Fault."""
    if not is_envelope(root):
        return root
    bodies = [child for child in _elements(root) if _qname(child)[1] == "Body"]
    if len(bodies) != 1:
        raise XmlRejected("SOAP envelope without exactly one Body")
    children = _elements(bodies[0])
    if len(children) != 1:
        raise XmlRejected(f"SOAP Body holds {len(children)} elements, expected exactly one")
    message = children[0]
    namespace, name = _qname(message)
    if name == "Fault" and namespace in _ENVELOPE_NAMESPACES:
        code = _fault_text(message, "faultcode", "Code")
        text = _fault_text(message, "faultstring", "Reason")
        raise SoapFault(code, text, message)
    return message
