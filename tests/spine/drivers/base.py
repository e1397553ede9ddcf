"""What a contract test asks of a protocol package, and the parts every package shares: its
partners here authenticate with the default strategy, a pinned client certificate behind the
proxy's mutual-TLS site (the other strategies are tests/spine/test_partner_auth.py)."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from django.conf import settings as django_settings
from django.test import Client

from devtools.pki import DemoPki, Identity
from faults.models import Fault
from integrations.inbox import Received
from integrations.models import BuyerIdentifier, OutboundMessage, Partner
from integrations.security import PROXY_SECRET_HEADER
from tests import scripted_partner
from tests.factories import BuyerIdentifierFactory, FaultFactory, PartnerFactory
from tests.scripted_partner import ScriptedPartner

BUYER_IDENTIFIER = "SPDEV1"
PINNED = object()  # `post(cert=…)`: the certificate pinned on the partner
CONFIGURED = object()  # `post(proxy_secret=…)`: the secret the mutual-TLS site adds


@dataclass(frozen=True)
class Answer:
    """Our answer to a partner's message, read back in the protocol's own format."""

    code: int  # the status the body states (every protocol here repeats the HTTP status)
    message_id: str  # the partner's message id echoed, "" when there is none
    error: str  # "" when the message was taken


class ProtocolDriver:
    protocol: ClassVar[str]

    def __init__(self, *, pki: DemoPki) -> None:
        self.pki = pki

    def enable(self, settings: Any) -> None:
        """Make the package's adapter and URLs live for this test (`settings`: pytest-django's
        fixture, restored after the test)."""

    def disable(self, settings: Any) -> None:
        """Undo `enable` where restoring the settings is not enough (runs before they are)."""

    # --- partners and faults ------------------------------------------------------------------
    def make_partner(self, *, slug: str | None = None, **fields: Any) -> Partner:
        """An active partner of this protocol that pins the demo PKI's supplier client
        certificate, calls from loopback and has buyer identifier SPDEV1 (its default)."""
        partner = PartnerFactory(
            **({"slug": slug} if slug else {}),
            protocol=self.protocol,
            client_cert_fingerprints=self.pki.supplier_client.fingerprint,
            allowed_networks="127.0.0.1/32",
            **fields,
        )
        BuyerIdentifierFactory(partner=partner, code=BUYER_IDENTIFIER, is_default=True)
        return partner

    def make_fault(self, partner: Partner, *, buyer_identifier: str = BUYER_IDENTIFIER) -> Fault:
        """A draft fault of the partner, raised under one of its buyer identifiers."""
        buyer = BuyerIdentifier.objects.get(partner=partner, code=buyer_identifier)
        return FaultFactory(supplier=partner, buyer_identifier=buyer)

    # --- inbound ------------------------------------------------------------------------------
    def notify_url(self, slug: str) -> str:
        raise NotImplementedError

    def notification(
        self,
        fault: Fault,
        *,
        message_id: str,
        status: str = "accepted",
        buyer_identifier: str | None = None,
        reference: str | None = None,
        sent_at: datetime | None = None,
    ) -> bytes:
        """A well-formed notification moving `fault` to `status`, carrying one update entry of
        its own (so a message applied twice would show as two updates)."""
        raise NotImplementedError

    # A body the endpoint would refuse and the adapter cannot apply (for inbox-level tests).
    unreadable_body: ClassVar[bytes]
    notification_type: ClassVar[str]

    def received(
        self,
        fault: Fault,
        *,
        message_id: str,
        body: bytes | None = None,
        reference: str | None = None,
        buyer_identifier: str | None = None,
    ) -> Received:
        """What the endpoint hands the inbox for a notification of `fault` (inbox-level tests)."""
        return Received(
            partner=fault.supplier,
            message_type=self.notification_type,
            message_id=message_id,
            body=body if body is not None else self.notification(fault, message_id=message_id),
            buyer_fault_reference=(
                reference if reference is not None else fault.buyer_fault_reference
            ),
            buyer_identifier=buyer_identifier or fault.buyer_identifier.code,
        )

    def post(
        self,
        client: Client,
        slug: str,
        body: bytes,
        *,
        cert: object = PINNED,
        forwarded_for: str | None = "127.0.0.1",
        remote_addr: str = "127.0.0.1",
        proxy_secret: object = CONFIGURED,
        content_type: str | None = None,
        **extra: str,
    ):
        """POST to the partner's endpoint as the proxy's mutual-TLS site passes it on. `cert`: an
        `Identity`, a raw header, or None for none; `forwarded_for=None` sends no
        X-Forwarded-For; `proxy_secret=None` sends no secret; `content_type` defaults to the
        protocol's."""
        headers: dict[str, str] = {"REMOTE_ADDR": remote_addr}
        if cert is PINNED:
            cert = self.pki.supplier_client
        if isinstance(cert, Identity):
            headers["HTTP_X_SSL_CLIENT_CERT"] = cert.proxy_header
        elif isinstance(cert, str):
            headers["HTTP_X_SSL_CLIENT_CERT"] = cert
        if forwarded_for is not None:
            headers["HTTP_X_FORWARDED_FOR"] = forwarded_for
        if proxy_secret is CONFIGURED:
            proxy_secret = django_settings.PARTNER_PROXY_SECRET
        if proxy_secret is not None:
            headers[PROXY_SECRET_HEADER] = proxy_secret
        headers.update(extra)
        return client.post(
            self.notify_url(slug),
            data=body,
            content_type=content_type or self.content_type,
            **headers,
        )

    content_type: ClassVar[str]

    def read_answer(self, response) -> Answer:
        """Our answer read back; fails the test unless it is in the protocol's format."""
        raise NotImplementedError

    # --- outbound -----------------------------------------------------------------------------
    def reply(self, status: int, *, reason: str = "") -> scripted_partner.Reply:
        """The partner's answer with this HTTP status, as the protocol writes it (`reason`: why
        it refuses, for a 4xx)."""
        raise NotImplementedError

    @contextmanager
    def partner_server(self, partner: Partner, *, status: int = 201) -> Iterator[ScriptedPartner]:
        """The partner, on loopback, answering every call with `reply(status)` until told
        otherwise (`server.default`, `server.then(...)`); the partner's base URL points at it."""
        with ScriptedPartner(self.reply(status)) as server:
            Partner.objects.filter(pk=partner.pk).update(base_url=server.url)
            yield server

    def subject_of(self, message: OutboundMessage) -> str:
        """The buyer fault reference the stored message names, read from its body."""
        raise NotImplementedError

    def assert_wire(self, request: scripted_partner.Received, message: OutboundMessage) -> None:
        """The partner received exactly `message`, in the protocol's wire format."""
        raise NotImplementedError
