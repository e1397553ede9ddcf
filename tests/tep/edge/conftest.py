"""Fixtures for receiving from TEP: a TEP partner that pins the demo PKI's partner certificate
and calls from loopback through the proxy's mutual-TLS site, ticket messages written as the
contract's XSD says, and posting them to our hosted endpoints as the proxy passes them on."""

import uuid
from datetime import UTC, datetime

import pytest
from django.conf import settings as django_settings
from lxml import etree

from integrations.choices import Environment, InboundStatus
from integrations.models import InboundMessage, Partner
from integrations.security import PROXY_SECRET_HEADER
from integrations.tep.models import ReceiveMode, TepConnection
from integrations.tep.namespaces import PARTNER_SERVICE_NS, SOAP_ENV_NS, TYPES_NS, soap_action
from integrations.tep.soap import fault_from_envelope
from tests.factories import BuyerIdentifierFactory, FaultFactory, PartnerFactory

SLUG = "tep-partner"
TICKET_URL = f"/integrations/tep/{SLUG}/TicketService.svc"
ATTACHMENT_URL = f"/integrations/tep/{SLUG}/AttachmentService.svc"
REST_TICKET_URL = f"/integrations/tep/{SLUG}/rest/ticket"
REST_RECEIPT_URL = f"/integrations/tep/{SLUG}/rest/receipt"


@pytest.fixture(autouse=True)
def through_the_proxy(settings) -> None:
    settings.TRUSTED_PROXY_IPS = ["127.0.0.1/32"]


def make_tep_partner(pki, *, slug: str = SLUG, mode: str = ReceiveMode.HOSTED, **fields) -> Partner:
    partner = PartnerFactory(
        slug=slug,
        name=f"TEP partner {slug}",
        protocol="tep",
        environment=Environment.SIMULATOR,
        client_cert_fingerprints=pki.supplier_client.fingerprint,
        allowed_networks="127.0.0.1/32",
        **fields,
    )
    BuyerIdentifierFactory(partner=partner, code=f"TEP-{slug}"[:36], is_default=True)
    TepConnection.objects.create(
        partner=partner,
        our_partner_id=101,
        their_partner_id=202,
        conversation_role_id=7,
        receive_mode=mode,
    )
    return partner


@pytest.fixture
def tep_partner(db, pki) -> Partner:
    return make_tep_partner(pki)


@pytest.fixture
def our_fault(tep_partner):
    """A fault we raised with the TEP partner; its tickets name it by our reference."""
    return FaultFactory(supplier=tep_partner, buyer_identifier=tep_partner.buyer_identifiers.get())


def new_stid() -> str:
    return str(uuid.uuid4())


def ticket_xml(
    message_type: str = "New",
    *,
    stid: str | None = None,
    at: datetime | None = None,
    sender_reference: str = "INC-77",
    receiver_reference: str | None = None,
    tag: str = "Ticket",
    details: dict[str, str] | None = None,
    note: str = "Line card replaced",
) -> str:
    """A ticket message as the contract's XSD has it, its element named `tag` (prefix `t`
    stands for the types namespace, `p` for the partner service's)."""
    at = at or datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
    receiver = (
        f"<t:Receiver><t:ID>101</t:ID><t:TicketReference>{receiver_reference}</t:TicketReference>"
        "</t:Receiver>"
        if receiver_reference
        else ""
    )
    detail_xml = "".join(
        f"<t:Detail><t:Name>{name}</t:Name><t:Value>{value}</t:Value></t:Detail>"
        for name, value in (details or {"Status": "InProgress", "Severity": "2"}).items()
    )
    return (
        f"<{tag}><t:MessageType>{message_type}</t:MessageType>"
        f"<t:RequestDateTime>{at.strftime('%Y-%m-%dT%H:%M:%S.%fZ')}</t:RequestDateTime>"
        f"<t:SystemTransactionID>{stid or new_stid()}</t:SystemTransactionID>"
        "<t:TrackingReference>TR-1</t:TrackingReference>"
        "<t:Sender><t:ID>202</t:ID><t:Name>Carrier</t:Name><t:ConversationRoleID>7"
        f"</t:ConversationRoleID><t:TicketReference>{sender_reference}</t:TicketReference>"
        f"</t:Sender>{receiver}<t:Details>{detail_xml}</t:Details>"
        "<t:Notes><t:Note><t:NoteId>N-1</t:NoteId><t:Content>"
        f"{note}</t:Content><t:CreatedDateTime>5/21/2012 1:00:00 PM</t:CreatedDateTime>"
        f"</t:Note></t:Notes></{tag}>"
    )


def envelope(operation: str, inner: str, *, namespace: str = PARTNER_SERVICE_NS) -> bytes:
    return (
        f'<s:Envelope xmlns:s="{SOAP_ENV_NS}" xmlns:p="{namespace}" xmlns:t="{TYPES_NS}">'
        f"<s:Body><p:{operation}>{inner}</p:{operation}></s:Body></s:Envelope>"
    ).encode()


def post_ticket_body(**ticket) -> bytes:
    return envelope("PostTicket", ticket_xml(tag="p:Ticket", **ticket))


def bare(xml: str, root: str) -> bytes:
    """A bare REST body: `xml` whose root element is `t:<root>`, namespaces declared."""
    return xml.replace(f"<t:{root}>", f'<t:{root} xmlns:t="{TYPES_NS}">', 1).encode()


def post(
    client,
    url: str,
    body: bytes,
    *,
    pki=None,
    cert: str | None = None,
    content_type: str = "text/xml; charset=utf-8",
    action: str | None = None,
    **extra: str,
):
    """POST as the proxy's mutual-TLS site passes a partner's call on."""
    headers = {
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_X_FORWARDED_FOR": "127.0.0.1",
        PROXY_SECRET_HEADER: django_settings.PARTNER_PROXY_SECRET,
    }
    if cert is not None:
        headers["HTTP_X_SSL_CLIENT_CERT"] = cert
    elif pki is not None:
        headers["HTTP_X_SSL_CLIENT_CERT"] = pki.supplier_client.proxy_header
    if action is not None:
        headers["HTTP_SOAPACTION"] = f'"{action}"'
    headers.update(extra)
    return client.post(url, data=body, content_type=content_type, **headers)


def action(operation: str) -> str:
    return soap_action(PARTNER_SERVICE_NS, operation)


def assert_fault(response, *, fault_type: str, code: int, status: int | None = None):
    """The answer is a SOAP 1.1 fault of this type and code; returns the TepFault."""
    assert response.status_code != 500, response.content
    if status is not None:
        assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("text/xml")
    fault = fault_from_envelope(response.content)
    assert fault is not None, response.content
    assert (fault.fault_type, fault.code) == (fault_type, code), fault
    return fault


def answer_of(response) -> etree._Element:
    from integrations.tep.soap import unwrap

    assert response.status_code == 200, response.content
    return unwrap(response.content)[1]


def stored(partner: Partner) -> list[InboundMessage]:
    return list(InboundMessage.objects.filter(partner=partner).order_by("id"))


def unapplied_count() -> int:
    return InboundMessage.objects.filter(status=InboundStatus.RECEIVED).count()
