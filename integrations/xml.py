"""The hardened XML parser for every inbound body, whatever the protocol (design §7).

Every webhook body and every partner response goes through `parse_xml` before anything else
reads it. It never resolves entities, never loads a DTD, never touches the network, and refuses
any document that carries a DOCTYPE at all: no protocol we speak uses one, so refusing them
outright stops XXE and entity-expansion ("billion laughs") attacks before any expansion could
happen, instead of trusting the parser's limits.

This is the hot path: no schema validation here (that is `integrations.cityfibre.schema`).
"""

import re
import threading

from lxml import etree

__all__ = ["XmlRejected", "parse_xml"]

# Anything up to the root element's start tag: the XML declaration, comments, PIs and a DOCTYPE.
_ROOT_START = re.compile(rb"<[^?!]")
_FORBIDDEN_IN_PROLOG = (b"<!DOCTYPE", b"<!ENTITY")
_REASON_MAX = 200

_local = threading.local()


class XmlRejected(Exception):
    """The body is not an XML document we are willing to read; `reason` says why, briefly."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _parser() -> etree.XMLParser:
    """One parser per thread: lxml parser objects keep per-parse state and are not meant to be
    shared by threads running at the same time."""
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = etree.XMLParser(
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            dtd_validation=False,
            huge_tree=False,
            remove_pis=True,
            remove_comments=True,
            collect_ids=False,
        )
        _local.parser = parser
    return parser


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _REASON_MAX else text[: _REASON_MAX - 1] + "…"


def parse_xml(body: bytes) -> etree._Element:
    """Parse an inbound body into its root element, or raise `XmlRejected`.

    Refused: an empty body, anything not well-formed (including bytes that are not text in the
    declared or detected encoding), and any document with a DOCTYPE or entity declaration.
    """
    if isinstance(body, str):
        body = body.encode("utf-8")
    if not body or not body.strip():
        raise XmlRejected("empty body")

    # Fast refusal on the raw bytes, before the parser sees a declaration. The check on docinfo
    # after parsing catches what this cannot see (e.g. a DOCTYPE in a UTF-16 body).
    match = _ROOT_START.search(body)
    prolog = (body[: match.start()] if match else body).upper()
    for token in _FORBIDDEN_IN_PROLOG:
        if token in prolog:
            raise XmlRejected("DOCTYPE and entity declarations are not allowed")

    try:
        root = etree.fromstring(body, _parser())
    except etree.XMLSyntaxError as exc:
        raise XmlRejected(_short(f"not well-formed: {exc.msg or exc}")) from None
    except (ValueError, LookupError) as exc:  # e.g. an unknown declared encoding
        raise XmlRejected(_short(f"not readable as XML: {exc}")) from None
    if root is None:
        raise XmlRejected("no root element")

    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise XmlRejected("DOCTYPE and entity declarations are not allowed")
    return root
