"""A test-only protocol endpoint on the shared inbound edge, storing what it receives in the
inbox like a real one: JSON ticket events (TMF621-like) that name their ticket by our reference
(`ourRef`), the partner's (`partnerRef`), or neither (a ticket the partner opened), addressed to
a buyer identifier (`buyer`) or, without one, to none in particular (like MEF 124's id-only
events). It supplies only what `integrations.edge` asks of a protocol: its content type, parse,
identify, answer."""

import json
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse

from integrations.edge import Identified, PartnerEndpoint, Subject, Unreadable
from integrations.partner_cache import PartnerEdge

EVENTS_URL = "/integrations/ticket-events/{slug}/events/"


class TicketEventEndpoint(PartnerEndpoint):
    protocol = "ticket-events"
    content_types = frozenset({"application/json"})
    unknown_fault_error = "No such ticket."

    def parse(self, body: bytes) -> dict[str, Any]:
        try:
            event = json.loads(body)
        except (UnicodeDecodeError, ValueError) as exc:
            raise Unreadable(f"Not JSON: {exc}") from exc
        if not isinstance(event, dict) or not isinstance(event.get("id"), str):
            raise Unreadable("An event is an object with an id.")
        return event

    def identify(self, event: dict[str, Any]) -> Identified:
        return Identified(
            message_type=str(event.get("eventType", "")),
            message_id=event["id"],
            subject=Subject(
                buyer_identifier=str(event["buyer"]) if "buyer" in event else None,
                buyer_fault_reference=event.get("ourRef"),
                partner_fault_reference=event.get("partnerRef"),
            ),
        )

    def answer(
        self, edge: PartnerEdge, event: Any, *, status: int, error: str | None = None
    ) -> HttpResponse:
        if error is not None:
            return JsonResponse({"code": str(status), "reason": error}, status=status)
        return JsonResponse({"received": event["id"]}, status=201)

    @classmethod
    def render_error(cls, request: HttpRequest, *, status: int, message: str) -> HttpResponse:
        return JsonResponse({"code": str(status), "reason": message}, status=status)
