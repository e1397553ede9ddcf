"""The inbound edge every protocol's partner endpoints share (design §7, "One spine for every
protocol"). For `POST …/<partner_slug>/…` it runs, in this order, answering each refusal in the
protocol's own shape:

1. the partner named by the URL, active and of this protocol (else 404);
2. the partner's authentication strategy (`integrations.auth`, chosen per partner in the admin):
   where the call comes from (the trusted proxy, the partner's source networks) and the
   credentials in the headers: pinned client certificate, HTTP Basic, bearer token, or the
   timestamp of an HMAC signature (else 401/403). Nobody unauthenticated gets a body read;
3. the content type: one the protocol accepts (else 415). A request that declares none is let
   through to the parser: some HTTP clients send raw bytes without one;
4. the size limit, from the declared length before reading and from what is read (else 413);
5. for a strategy whose proof covers the body (HMAC), the signature over it and the replay
   window, in one transaction with storing the message; a body refused here is forgotten, so
   the error answer echoes nothing of it;
6. the protocol's message: parsed, its subject identified (an identity no database text can
   hold, a NUL character, is refused with 400), the buyer identifier it names checked against
   the partner's active ones, stored in the inbox (`integrations.inbox`), answered.

A protocol's endpoint subclasses `PartnerEndpoint` and supplies only its format:

* `protocol`: the `Partner.protocol` value it serves;
* `content_types`: the media types it accepts, lower case, without parameters;
* `parse(body) -> message`: the message, in whatever form the protocol likes; raises
  `Unreadable(reason)` for a body it cannot read (answered 400);
* `identify(message) -> Identified`: the message's type, id, sent time, deviations from its
  schema, and its `Subject`: our reference, the partner's reference, or neither (a ticket the
  partner opens), plus the buyer identifier it is addressed to, or None when the message does
  not say (an event carrying only a ticket id); may raise `Unreadable`;
* `answer(edge, message, *, status, error=None) -> HttpResponse`: its answer, an acknowledgment
  (200, no error) or a refusal of a message it parsed (`message`) or could not (None);
* `unknown_buyer_error`, `wrong_buyer_error`, `unknown_fault_error`: the wording of those
  refusals, in its terms;
* `render_error(request, *, status, message)`: its error answer for what the edge refuses before
  any message is read (a classmethod). It must not touch the database, because it also answers
  when the database is down: `config.middleware` catches an infrastructure outage anywhere in the
  request and answers it with this renderer, a 503 and `Retry-After`, so that the partner retries
  instead of reading an HTML error page.

What the edge learnt before the error (the partner, the body it read) is kept on the request as
`PartnerInbound`, for the renderer to echo what it can (e.g. the message id).

`receive_message(endpoint, edge, body, caller)` is step 6 alone, for those who receive a body
without a request (the demo data)."""

from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Protocol

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.views import APIView

from integrations.auth import strategy_for
from integrations.inbox import Received, UnknownFault, WrongBuyerIdentifier, inbox_store
from integrations.partner_cache import PartnerEdge, cached_partner_edge, partner_edge
from integrations.security import AccessRefused, Caller


class Unreadable(Exception):
    """The body is not a message of the protocol (or not one the endpoint takes): 400."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Subject:
    """Which fault a message is about, as the message names it: by our reference, by the
    partner's, or by neither (both None: a ticket the partner opens; a fault is created when
    the message is applied). A reference named but empty is refused like an unknown one.

    `buyer_identifier` is the code the message is addressed to, or None when the message does
    not say (MEF 124's events carry only a ticket id): its fault is then looked up under any of
    the partner's active buyer identifiers."""

    buyer_identifier: str | None
    buyer_fault_reference: str | None = None
    partner_fault_reference: str | None = None


@dataclass(frozen=True)
class Identified:
    """What a protocol learnt of a parsed message, for the inbox."""

    message_type: str
    message_id: str
    subject: Subject
    sent_at: datetime | None = None
    deviations: list[str] = field(default_factory=list)


class InboundProtocol(Protocol):
    """The part of an endpoint that knows the protocol's format (see the module docstring)."""

    unknown_buyer_error: str
    wrong_buyer_error: str
    unknown_fault_error: str

    def parse(self, body: bytes) -> Any: ...

    def identify(self, message: Any) -> Identified: ...

    def answer(
        self, edge: PartnerEdge, message: Any, *, status: int, error: str | None = None
    ) -> HttpResponse: ...


def receive_message(
    endpoint: InboundProtocol, edge: PartnerEdge, body: bytes, caller: Caller
) -> HttpResponse:
    """Parse, identify, check the buyer identifier, store and answer an authenticated body
    within the size limit. Nothing is applied here: the inbox does that after the answer."""
    try:
        message = endpoint.parse(body)
        identified = endpoint.identify(message)
    except Unreadable as exc:
        return endpoint.answer(edge, None, status=400, error=exc.reason)
    unstorable = _unstorable(identified)
    if unstorable:
        return endpoint.answer(edge, message, status=400, error=unstorable)
    subject = identified.subject
    if subject.buyer_identifier is not None and subject.buyer_identifier not in edge.buyer_codes:
        return endpoint.answer(edge, message, status=400, error=endpoint.unknown_buyer_error)
    received = Received(
        partner=edge.partner,
        message_type=identified.message_type,
        message_id=identified.message_id,
        body=body,
        buyer_identifier=subject.buyer_identifier,
        buyer_fault_reference=subject.buyer_fault_reference,
        partner_fault_reference=subject.partner_fault_reference,
        sent_at=identified.sent_at,
        remote_addr=caller.address,
        client_cert_fingerprint=caller.cert_fingerprint,
        deviations=identified.deviations,
    )
    try:
        inbox_store(received)
    except WrongBuyerIdentifier:
        return endpoint.answer(edge, message, status=400, error=endpoint.wrong_buyer_error)
    except UnknownFault:
        return endpoint.answer(edge, message, status=400, error=endpoint.unknown_fault_error)
    return endpoint.answer(edge, message, status=200)


def _unstorable(identified: Identified) -> str:
    """Why the message's identity cannot be stored or looked up, or "". A NUL character is
    valid JSON (`\\u0000`) but no PostgreSQL text: refused here rather than a 500 there."""
    subject = identified.subject
    names = {
        "message id": identified.message_id,
        "message type": identified.message_type,
        "buyer identifier": subject.buyer_identifier,
        "buyer fault reference": subject.buyer_fault_reference,
        "partner fault reference": subject.partner_fault_reference,
    }
    for name, value in names.items():
        if isinstance(value, str) and "\x00" in value:
            return f"The {name} contains a NUL character."
    return ""


@dataclass
class PartnerInbound:
    """What the edge knows of the request so far; `request.partner_inbound`."""

    slug: str
    edge: PartnerEdge | None = None
    body: bytes | None = None


def partner_inbound(request: HttpRequest, *, protocol: str) -> PartnerInbound:
    """The request's inbound context; for a request that failed before the partner was read,
    the partner as this process last cached it, if it did (never the database)."""
    inbound = getattr(request, "partner_inbound", None)
    if inbound is None:
        match = getattr(request, "resolver_match", None)
        slug = str(match.kwargs.get("partner_slug", "")) if match else ""
        inbound = PartnerInbound(slug=slug)
    if inbound.edge is None and inbound.slug:
        inbound.edge = cached_partner_edge(slug=inbound.slug, protocol=protocol)
    return inbound


def _declared_length(request: HttpRequest) -> int | None:
    declared = request.META.get("CONTENT_LENGTH") or "0"
    # isdigit() alone lets through digits int() cannot read ("²"): ASCII digits only.
    if not (declared.isascii() and declared.isdigit()):
        return None
    return int(declared)


def _media_type(request: HttpRequest) -> str:
    return request.META.get("CONTENT_TYPE", "").split(";", 1)[0].strip().lower()


class PartnerEndpoint(APIView):
    """`POST …/<partner_slug>/…` from a partner. Partners authenticate at the edge (source
    address, then their strategy), not as users, so DRF's authentication and parsing are off:
    the raw body is what is stored."""

    protocol: ClassVar[str]
    content_types: ClassVar[frozenset[str]]
    unknown_buyer_error: ClassVar[str] = "Unknown buyer identifier."
    wrong_buyer_error: ClassVar[str] = "No fault with that reference under that buyer identifier."
    unknown_fault_error: ClassVar[str] = "No fault found with that reference."

    authentication_classes: ClassVar[list] = []
    permission_classes: ClassVar[list] = [AllowAny]
    parser_classes: ClassVar[list] = []
    # Not the API's per-address throttle: a supplier's burst (a mass outage) must be stored,
    # not answered 429 in the API's JSON shape; partners are limited by who they are (the edge).
    throttle_classes: ClassVar[list] = []

    def post(self, request: Request, partner_slug: str) -> HttpResponse:
        django_request = request._request
        inbound = PartnerInbound(slug=partner_slug)
        django_request.partner_inbound = inbound
        inbound.edge = partner_edge(slug=partner_slug, protocol=self.protocol)
        if inbound.edge is None:
            # In the protocol's shape like every other refusal (the body is not read: no
            # partner, no size limit).
            return self.render_error(django_request, status=404, message="No such partner.")
        partner = inbound.edge.partner
        try:
            strategy = strategy_for(partner)
            caller = strategy.authenticate(partner, django_request)
        except AccessRefused as exc:
            return self._refused(django_request, exc)
        media_type = _media_type(django_request)
        if media_type and media_type not in self.content_types:
            accepted = ", ".join(sorted(self.content_types))
            return self.render_error(
                django_request,
                status=415,
                message=f"Content type {media_type} is not accepted; send {accepted}.",
            )
        limit = partner.max_inbound_bytes
        too_big = f"Body over {limit} bytes."
        declared = _declared_length(django_request)
        if declared is None or declared > limit:
            return self.render_error(django_request, status=413, message=too_big)
        body = django_request.read(limit + 1)
        if len(body) > limit:
            return self.render_error(django_request, status=413, message=too_big)
        inbound.body = body
        # A strategy that records what it saw (a signature) records it with the message, or not
        # at all; the others keep the hot path's single statement out of a transaction.
        with transaction.atomic() if strategy.records_requests else nullcontext():
            try:
                strategy.verify_body(partner, django_request, body)
            except AccessRefused as exc:
                # Not the partner's body after all: its renderer must not read it, nor echo
                # what it says (a message id) to whoever sent it.
                inbound.body = None
                return self._refused(django_request, exc)
            return self.receive(inbound.edge, body, caller)

    def _refused(self, request: HttpRequest, refusal: AccessRefused) -> HttpResponse:
        response = self.render_error(request, status=refusal.status, message=str(refusal))
        if refusal.challenge:
            response["WWW-Authenticate"] = refusal.challenge
        if refusal.status == 503:  # ours to fix (an unreadable key): the partner sends it again
            response["Retry-After"] = str(settings.OUTAGE_RETRY_AFTER_SECONDS)
        return response

    def receive(self, edge: PartnerEdge, body: bytes, caller: Caller) -> HttpResponse:
        """Parse, store and answer an authenticated body within the size limit."""
        return receive_message(self, edge, body, caller)

    def parse(self, body: bytes) -> Any:
        raise NotImplementedError

    def identify(self, message: Any) -> Identified:
        raise NotImplementedError

    def answer(
        self, edge: PartnerEdge, message: Any, *, status: int, error: str | None = None
    ) -> HttpResponse:
        raise NotImplementedError

    @classmethod
    def render_error(cls, request: HttpRequest, *, status: int, message: str) -> HttpResponse:
        """The protocol's error answer with this HTTP status. Never touches the database."""
        raise NotImplementedError
