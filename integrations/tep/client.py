"""Calling TEP (and, for tests, our own partner-hosted endpoints) with zeep.

The WSDL is always our local file (`wsdl/`), parsed once per process and never fetched; zeep
refuses DTDs, entities and external references (`forbid_external` works from zeep 4.3.3, hence
the pin). Calls go through the partner's hardened session (`integrations.http.partner_session`:
its client certificate and CA bundle, no redirects, no proxies from the environment, a size
cap on answers), with the partner's timeouts on every operation.

`call(partner, service, operation, **kwargs)` is the way to call TEP: zeep builds the request
from the WSDL (kwargs as zeep takes them, or our `messages` dataclasses), we check it against
the schema before it leaves, and we read the answer ourselves (zeep leaves a fault's detail
raw): a SOAP fault is raised as `TepFault`, any other answer than a 200 as zeep's
`TransportError`, an answer that breaks the contract as `ResponseInvalid`, and the answer's
content is returned as `messages` dataclasses (`operations.read_response`). Timeouts, refused
connections and TLS failures are the session's `requests` exceptions.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

import requests
import zeep
from django.conf import settings as django_settings
from lxml import etree
from zeep.exceptions import TransportError
from zeep.proxy import ServiceProxy
from zeep.wsdl import Document

from integrations.http import MAX_RESPONSE_BYTES, partner_session, partner_url
from integrations.tep import operations, soap
from integrations.tep.faults import VALIDATION, TepFault
from integrations.tep.messages import _Message
from integrations.tep.namespaces import (
    PARTNER_SERVICE_NS,
    SERVICE_PATHS,
    SOAP_ENV_NS,
    TICKET_SERVICE_NS,
    TYPES_NS,
    Service,
    contract_for,
)
from integrations.tep.schema import WSDL_DIR, schema_errors
from integrations.xml import XmlRejected

if TYPE_CHECKING:
    from integrations.models import Partner

__all__ = [
    "PARTNER_WSDL",
    "TEP_WSDL",
    "ZEEP_SETTINGS",
    "ExternalReferenceRefused",
    "ResponseInvalid",
    "call",
    "call_partner",
    "partner_client",
    "read_answer",
    "tep_client",
]

TEP_WSDL = WSDL_DIR / "tep.wsdl"
PARTNER_WSDL = WSDL_DIR / "partner.wsdl"

ZEEP_SETTINGS = zeep.Settings(
    strict=True,
    forbid_dtd=True,
    forbid_entities=True,
    forbid_external=True,
    xml_huge_tree=False,
)
_BASE64_OVERHEAD = 64 * 1024


class ResponseInvalid(Exception):
    """The answer is not the operation's answer in our contract: not a SOAP 1.1 envelope, the
    wrong element, or a message that fails the schema. `errors` says why."""

    def __init__(self, errors: list[str], *, body: bytes = b"") -> None:
        self.errors = list(errors)
        self.body = body  # the answer as it came, for whoever can salvage something from it
        super().__init__("; ".join(self.errors) or "invalid answer")


class ExternalReferenceRefused(requests.RequestException):
    """The WSDL tried to load something over the network."""


class _OfflineSession(requests.Session):
    """The session of the WSDL loader: the WSDL and its schemas are local files, so any
    request at all is a mistake."""

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        raise ExternalReferenceRefused(f"the TEP WSDL must not fetch {request.url}")


@functools.cache
def _document(path: str) -> Document:
    """The parsed WSDL (with its schemas), once per process."""
    transport = zeep.Transport(session=_OfflineSession())
    return Document(path, transport, settings=ZEEP_SETTINGS)


class _ValidateEgress(zeep.Plugin):
    """Every request zeep built is checked against our schema before it leaves: one that
    breaks the contract (an agent's note over 300000 characters) is never sent, and is
    refused as TEP would refuse it (3000, final, shown to the agent)."""

    def egress(
        self, envelope: etree._Element, http_headers: dict, operation: Any, binding_options: Any
    ) -> tuple[etree._Element, dict]:
        body = envelope.find(f"{{{SOAP_ENV_NS}}}Body")
        payload = next(iter(body), None) if body is not None else None
        errors = ["no request in the SOAP Body"] if payload is None else schema_errors(payload)
        if errors:
            raise TepFault(VALIDATION, "not sent, it breaks the contract: " + "; ".join(errors))
        return envelope, http_headers


def _client(wsdl: str, session: requests.Session, timeout: Any) -> zeep.Client:
    transport = zeep.Transport(session=session, timeout=timeout, operation_timeout=timeout)
    return zeep.Client(
        _document(wsdl), transport=transport, settings=ZEEP_SETTINGS, plugins=[_ValidateEgress()]
    )


def _bind(client: zeep.Client, namespace: str, service: Service, url: str) -> ServiceProxy:
    operation = "GetAttachment" if service == "attachment" else "PostTicket"
    binding = f"{{{namespace}}}BasicHttpBinding_{contract_for(operation)}"
    return client.create_service(binding, url)


def _max_answer_bytes(service: Service) -> int:
    """An attachment comes back whole, base64 in the envelope; a message fits the default."""
    if service != "attachment":
        return MAX_RESPONSE_BYTES
    limit = getattr(django_settings, "ATTACHMENT_MAX_BYTES", MAX_RESPONSE_BYTES)
    return max(MAX_RESPONSE_BYTES, limit * 4 // 3 + _BASE64_OVERHEAD)


def tep_client(partner: Partner, service: Service) -> ServiceProxy:
    """TEP's `service` ("ticket" or "attachment") for this partner: a zeep service proxy bound
    to `<partner's base URL>/TicketService.svc` (or `AttachmentService.svc`), through the
    partner's hardened session with its timeouts on every operation."""
    session = partner_session(partner, max_response_bytes=_max_answer_bytes(service))
    timeout = (partner.connect_timeout, partner.read_timeout)
    client = _client(str(TEP_WSDL), session, timeout)
    return _bind(client, TICKET_SERVICE_NS, service, partner_url(partner, SERVICE_PATHS[service]))


def partner_client(
    url: str,
    service: Service,
    *,
    session: requests.Session | None = None,
    timeout: float | tuple[float, float] = (5.0, 20.0),
) -> ServiceProxy:
    """A partner-hosted `service` (`partner.wsdl`) at `url`, e.g. our own
    `/integrations/tep/<slug>/TicketService.svc`; the session carries the client certificate
    (by default a plain one that takes nothing from the environment)."""
    if session is None:
        session = requests.Session()
        session.trust_env = False
    return _bind(_client(str(PARTNER_WSDL), session, timeout), PARTNER_SERVICE_NS, service, url)


def _zeep_value(proxy: ServiceProxy, value: Any) -> Any:
    """Our dataclass as the zeep value of its type; anything else as it is."""
    if not isinstance(value, _Message):
        return value
    client = proxy._client
    xsd_type = client.get_type(f"{{{TYPES_NS}}}{value.xml_name}")
    return xsd_type.parse_xmlelement(value.to_element(), client.wsdl.types)


def read_answer(op: operations.Operation, response: requests.Response) -> Any:
    """The content of an answer to `op` (see the module docstring for what is raised)."""
    fault = soap.fault_from_envelope(response.content)
    if fault is not None:
        raise fault
    if op.result is None and response.status_code in (200, 202) and not response.content.strip():
        return None  # a void operation answered with nothing but its status
    if response.status_code != 200:
        raise TransportError(
            f"HTTP {response.status_code} to {op.name}",
            status_code=response.status_code,
            content=response.content,
        )
    try:
        _name, payload = soap.unwrap(response.content)
    except XmlRejected as exc:
        raise ResponseInvalid([exc.reason], body=response.content) from None
    if payload.tag != op.response_tag:
        got = etree.QName(payload).localname
        raise ResponseInvalid([f"expected {op.name}Response, got {got}"], body=response.content)
    errors = schema_errors(payload)
    if errors:
        raise ResponseInvalid(errors, body=response.content)
    return operations.read_response(op, payload)


def _call(proxy: ServiceProxy, op: operations.Operation, kwargs: dict[str, Any]) -> Any:
    values = {name: _zeep_value(proxy, value) for name, value in kwargs.items()}
    with proxy._client.settings(raw_response=True):
        response = proxy[op.name](**values)
    return read_answer(op, response)


def call(partner: Partner, service: Service, operation: str, **kwargs: Any) -> Any:
    """Call one of TEP's operations for this partner and return what it answers:
    `PostTicketResponse`, `GetTicketResponse` or None (no message waiting), None
    (ReportTicketResult), a list of `Receipt`, an `AttachmentUri` or an `Attachment`.

        call(partner, "ticket", "PostTicket", Ticket=ticket)
        call(partner, "ticket", "GetReceipt", Count=20)
    """
    op = operations.TEP_OPERATIONS.get(operation)
    if op is None or op.service != service:
        raise ValueError(f"TEP's {service} service has no operation {operation!r}")
    return _call(tep_client(partner, service), op, kwargs)


def call_partner(proxy: ServiceProxy, operation: str, **kwargs: Any) -> Any:
    """The same for a partner-hosted operation, on a `partner_client` proxy."""
    op = operations.PARTNER_OPERATIONS.get(operation)
    if op is None:
        raise ValueError(f"the partner services have no operation {operation!r}")
    return _call(proxy, op, kwargs)
