"""The inbound edge every protocol's partner endpoints share (design §7, "One spine for every
protocol"): the partner named by the URL, who is calling (`integrations.security`: the proxy's
secret, the pinned certificate and source networks), the size limit before reading, and an answer
in the protocol's own shape for whatever the edge refuses.

A protocol's endpoint subclasses `PartnerEndpoint` and supplies two things:

* `receive(edge, body, caller)`: parse, store and answer, in its own format;
* `render_error(request, status=…, message=…)`: its error answer. It must not touch the
  database, because it also answers when the database is down: `config.middleware` catches an
  infrastructure outage anywhere in the request and answers it with this renderer, a 503 and
  `Retry-After`, so that the partner retries instead of reading an HTML error page.

What the edge learnt before the error (the partner, the body it read) is kept on the request as
`PartnerInbound`, for the renderer to echo what it can (e.g. the message id)."""

from dataclasses import dataclass
from typing import ClassVar

from django.http import HttpRequest, HttpResponse
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.views import APIView

from integrations.partner_cache import PartnerEdge, cached_partner_edge, partner_edge
from integrations.security import AccessRefused, Caller, authenticate_partner_request


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


class PartnerEndpoint(APIView):
    """`POST …/<partner_slug>/…` from a partner. Partners authenticate at the edge (proxy secret,
    client certificate, source address), not as users, so DRF's authentication and parsing are
    off: the raw body is what is stored."""

    protocol: ClassVar[str]
    authentication_classes: ClassVar[list] = []
    permission_classes: ClassVar[list] = [AllowAny]
    parser_classes: ClassVar[list] = []

    def post(self, request: Request, partner_slug: str) -> HttpResponse:
        django_request = request._request
        inbound = PartnerInbound(slug=partner_slug)
        django_request.partner_inbound = inbound
        inbound.edge = partner_edge(slug=partner_slug, protocol=self.protocol)
        if inbound.edge is None:
            # In the protocol's shape like every other refusal (the body is not read: no
            # partner, no size limit).
            return self.render_error(django_request, status=404, message="No such partner.")
        try:
            caller = authenticate_partner_request(inbound.edge.partner, django_request)
        except AccessRefused as exc:
            return self.render_error(django_request, status=403, message=str(exc))
        limit = inbound.edge.partner.max_inbound_bytes
        too_big = f"Body over {limit} bytes."
        declared = _declared_length(django_request)
        if declared is None or declared > limit:
            return self.render_error(django_request, status=413, message=too_big)
        body = django_request.read(limit + 1)
        if len(body) > limit:
            return self.render_error(django_request, status=413, message=too_big)
        inbound.body = body
        return self.receive(inbound.edge, body, caller)

    def receive(self, edge: PartnerEdge, body: bytes, caller: Caller) -> HttpResponse:
        """Parse, store and answer an authenticated body within the size limit."""
        raise NotImplementedError

    @classmethod
    def render_error(cls, request: HttpRequest, *, status: int, message: str) -> HttpResponse:
        """The protocol's error answer with this HTTP status. Never touches the database."""
        raise NotImplementedError
