from django.http import HttpRequest, HttpResponse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request

from integrations.edge import PartnerEndpoint
from integrations.tmf621.endpoint import ListenerProtocol
from integrations.tmf621.errors import tmf_error_response
from integrations.tmf621.events import EVENT_TYPES, event_type_named
from integrations.tmf621.package import PROTOCOL


class TroubleTicketListenerView(ListenerProtocol, PartnerEndpoint):
    """The supplier's events: `POST …/<partner_slug>/listener/<eventType>` (v4's listener
    paths), one per event type, with or without a trailing slash. Every refusal is a v4
    `Error`."""

    protocol = PROTOCOL

    @extend_schema(
        request={"application/json": {"type": "object"}},
        responses={
            201: OpenApiResponse(description="Received: {id: eventId, callback: this URL}"),
            400: OpenApiResponse(description="Unreadable, wrong event, unknown ticket or buyer"),
            401: OpenApiResponse(description="Missing or wrong credentials"),
            403: OpenApiResponse(description="Source address or certificate refused"),
            404: OpenApiResponse(description="No such partner, or no such event type"),
            413: OpenApiResponse(description="Body over the partner's size limit"),
            415: OpenApiResponse(description="Not application/json"),
            503: OpenApiResponse(description="Briefly unavailable: retry after Retry-After"),
        },
    )
    def post(
        self, request: Request, partner_slug: str, event_type: str | None = None
    ) -> HttpResponse:
        event_type = event_type or ""
        named = event_type_named(event_type)
        if named is None:
            return tmf_error_response(
                status=404,
                reason=f"No listener for the event type {event_type[:100]!r}.",
                message=f"The listener takes {', '.join(EVENT_TYPES)}.",
            )
        self.event_type = named
        self.callback = request._request.build_absolute_uri()
        return super().post(request, partner_slug)

    def http_method_not_allowed(self, request: Request, *args: object, **kwargs: object):
        """In TMF's shape too (DRF adds the Allow header)."""
        return tmf_error_response(
            status=405, reason=f"{request.method} is not allowed on the listener."
        )

    @classmethod
    def render_error(cls, request: HttpRequest, *, status: int, message: str) -> HttpResponse:
        return tmf_error_response(status=status, reason=message)


@extend_schema(exclude=True)
class ListenerAliasView(TroubleTicketListenerView):
    """The same listener at the paths v4 does not name (see `urls`), kept out of the published
    schema."""
