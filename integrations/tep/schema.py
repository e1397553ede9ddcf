"""Every TEP message, sent or received, checked against our XSD (`wsdl/`), compiled once per
process.

`schema_errors` accepts any element the contract defines: a type's own element (`Ticket`,
`Receipt`, `RestfulTicketRequest`… as the REST variants post them), an operation's wrapper
(`PostTicket`, `GetReceiptResponse`… of either side) or a fault detail; given bytes, it parses
them with the hardened parser and checks the Body's element of a SOAP envelope (a Fault's
detail element for a fault). Beside the XSD
it checks the one rule the schema leaves to us: an Attachment's filename extension is one of
the seed's, whatever its case.

lxml rather than xmlschema: this is every message's path, and lxml validates ~30x faster with
errors as readable (design §7).
"""

from __future__ import annotations

import functools
import threading
from pathlib import Path

from lxml import etree

from integrations.tep import soap
from integrations.tep.faults import VALIDATION, TepFault
from integrations.tep.namespaces import (
    PARTNER_SERVICE_NS,
    SOAP_ENV_NS,
    TICKET_SERVICE_NS,
    TYPES_NS,
)
from integrations.xml import XmlRejected, parse_xml

__all__ = [
    "ATTACHMENT_EXTENSIONS",
    "WSDL_DIR",
    "get_schema",
    "schema_errors",
    "validate_or_raise",
]

WSDL_DIR = Path(__file__).resolve().parent / "wsdl"
_SCHEMA_FILES = {
    TYPES_NS: "tep-types.xsd",
    TICKET_SERVICE_NS: "tep-service.xsd",
    PARTNER_SERVICE_NS: "partner-service.xsd",
}

# The seed's allow-list for Attachment.Filename (Attachment Type), as the seed writes it.
_SEED_EXTENSIONS = (
    "accdb,avi,bmp,cab,cap,chls,csv,doc,docx,dotx,eml,err,evt,gif,gz,htm,html,hwl,ico,jpeg,jpg,"
    "lic,log,mdb,mht,mp3,mpg,msg,msi,nfo,oft,pcap,pdf,png,potx,ppt,pptx,psf,pst,pub,rar,rtf,saz,"
    "stp,swf,text,tiff,tif,txt,uccapilog,uccp,uccplog,vcf,vsd,wdb,wks,wma,wmf,wmv,wps,wpt,xlr,xls,"
    "xlsx,xlt,xltx,xml,xps,zip"
)
ATTACHMENT_EXTENSIONS = frozenset(_SEED_EXTENSIONS.split(","))

_MAX_REASONS = 20
_MAX_REASON_CHARS = 300
_SHORT_NS = {
    TYPES_NS: "t",
    TICKET_SERVICE_NS: "tep",
    PARTNER_SERVICE_NS: "p",
    SOAP_ENV_NS: "s",
}

# A compiled schema's error_log belongs to its last validation, so one validation at a time.
_lock = threading.Lock()


@functools.cache
def get_schema() -> etree.XMLSchema:
    """The three schemas as one, from the local files (no network, no DTD, no entities)."""
    imports = "".join(
        f'<xs:import namespace="{namespace}" schemaLocation="{(WSDL_DIR / name).as_uri()}"/>'
        for namespace, name in _SCHEMA_FILES.items()
    )
    root = etree.fromstring(
        f'<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">{imports}</xs:schema>',
        etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False),
        base_url=(WSDL_DIR / "all.xsd").as_uri(),
    )
    return etree.XMLSchema(root)


def _short(text: str) -> str:
    for namespace, prefix in _SHORT_NS.items():
        text = text.replace(f"{{{namespace}}}", f"{prefix}:")
    text = " ".join(text.split())
    if len(text) > _MAX_REASON_CHARS:
        text = text[: _MAX_REASON_CHARS - 1] + "…"
    return text


def _payload(element_or_bytes: etree._Element | bytes) -> etree._Element:
    """The element to check: the one given, or the Body's element of an envelope."""
    if isinstance(element_or_bytes, bytes | str):
        element = parse_xml(element_or_bytes)
    else:
        element = element_or_bytes
    if element.tag == f"{{{SOAP_ENV_NS}}}Envelope":
        element = soap.body_element(element)
        if element.tag == f"{{{SOAP_ENV_NS}}}Fault":
            detail = soap.fault_detail(element)
            if detail is None:
                raise XmlRejected("a SOAP Fault without one of the seed's fault types as detail")
            element = detail
    return element


def _extension_errors(element: etree._Element) -> list[str]:
    errors = []
    for filename in element.iter(f"{{{TYPES_NS}}}Filename"):
        parent = filename.getparent()
        if parent is None or parent.find(f"{{{TYPES_NS}}}Payload") is None:
            continue  # an AttachmentUri's filename: the seed checks attachments only
        name = (filename.text or "").strip()
        extension = name.rsplit(".", 1)[1].lower() if "." in name else ""
        if extension not in ATTACHMENT_EXTENSIONS:
            errors.append(
                _short(
                    f"Attachment Filename {name[:100]!r}: the extension "
                    f"{extension or '(none)'!r} is not one of the seed's allowed extensions"
                )
            )
    return errors


def schema_errors(element_or_bytes: etree._Element | bytes) -> list[str]:
    """Why the message breaks the contract, one readable line per reason; [] when it is valid.
    Bytes that are not a readable document, or an envelope without exactly one Body element,
    give that as the only reason."""
    try:
        element = _payload(element_or_bytes)
    except XmlRejected as exc:
        return [exc.reason]
    schema = get_schema()
    with _lock:
        valid = schema.validate(element)
        errors = [] if valid else [_short(error.message) for error in schema.error_log]
    errors += _extension_errors(element)
    if len(errors) > _MAX_REASONS:
        errors = [*errors[:_MAX_REASONS], f"… and {len(errors) - _MAX_REASONS} more"]
    return errors


def validate_or_raise(element_or_bytes: etree._Element | bytes) -> None:
    """Raise `TepFault(3000)` (ServiceValidationFault, Validation Failure) with the reasons
    unless the message satisfies the contract."""
    errors = schema_errors(element_or_bytes)
    if errors:
        raise TepFault(VALIDATION, "; ".join(errors))
