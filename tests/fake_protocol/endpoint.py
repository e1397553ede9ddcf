"""Receiving the fake protocol's notification: the shared edge (`integrations.edge`)
authenticates, checks the content type and the size, and stores; this supplies only the format:
parse the JSON, identify its subject (always our reference), and answer in JSON. Nothing here
applies the message."""

from django.http import HttpRequest, HttpResponse

from integrations.edge import Identified, PartnerEndpoint, Subject, Unreadable, partner_inbound
from integrations.partner_cache import PartnerEdge
from tests.fake_protocol import PROTOCOL, wire


def json_answer(*, code: int, message_id: str = "", error: str = "") -> HttpResponse:
    body = wire.answer(code=code, message_id=message_id, error=error)
    return HttpResponse(body, status=code, content_type=wire.CONTENT_TYPE)


class FakeNotifyEndpoint(PartnerEndpoint):
    """`POST /integrations/fake/<slug>/notify/`: every answer, refusals included, is
    {"code", "messageId", "error"} with the HTTP status as its code."""

    protocol = PROTOCOL
    content_types = frozenset({wire.CONTENT_TYPE})
    unknown_buyer_error = "unknown buyer identifier"
    wrong_buyer_error = "no fault with that reference under that buyer identifier"
    unknown_fault_error = "no fault with that reference"

    def parse(self, body: bytes) -> wire.Notification:
        try:
            return wire.parse_notification(body)
        except wire.Unreadable as exc:
            raise Unreadable(str(exc)) from exc

    def identify(self, notification: wire.Notification) -> Identified:
        return Identified(
            message_type=wire.NOTIFY,
            message_id=notification.message_id,
            subject=Subject(
                buyer_identifier=notification.buyer_identifier,
                buyer_fault_reference=notification.buyer_fault_reference,
            ),
            sent_at=notification.sent_at,
        )

    def answer(
        self,
        edge: PartnerEdge,
        notification: wire.Notification | None,
        *,
        status: int,
        error: str | None = None,
    ) -> HttpResponse:
        message_id = notification.message_id if notification is not None else ""
        return json_answer(code=status, message_id=message_id, error=error or "")

    @classmethod
    def render_error(cls, request: HttpRequest, *, status: int, message: str) -> HttpResponse:
        inbound = partner_inbound(request, protocol=cls.protocol)
        message_id = wire.echo_message_id(inbound.body)
        return json_answer(code=status, message_id=message_id, error=message)
