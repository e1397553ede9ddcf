"""Receiving the fake protocol's notification: the shared edge has authenticated the caller and
limited the body; this parses it, stores it in the inbox and answers in JSON. Nothing here
applies the message."""

from django.http import HttpRequest, HttpResponse

from integrations.edge import PartnerEndpoint, partner_inbound
from integrations.inbox import Received, UnknownFault, WrongBuyerIdentifier, inbox_store
from integrations.partner_cache import PartnerEdge
from integrations.security import Caller
from tests.fake_protocol import PROTOCOL, wire


def json_answer(*, code: int, message_id: str = "", error: str = "") -> HttpResponse:
    body = wire.answer(code=code, message_id=message_id, error=error)
    return HttpResponse(body, status=code, content_type=wire.CONTENT_TYPE)


class FakeNotifyEndpoint(PartnerEndpoint):
    """`POST /integrations/fake/<slug>/notify/`: every answer, refusals included, is
    {"code", "messageId", "error"} with the HTTP status as its code."""

    protocol = PROTOCOL

    def receive(self, edge: PartnerEdge, body: bytes, caller: Caller) -> HttpResponse:
        try:
            notification = wire.parse_notification(body)
        except wire.Unreadable as exc:
            return json_answer(code=400, error=str(exc))
        message_id = notification.message_id
        if notification.buyer_identifier not in edge.buyer_codes:
            return json_answer(code=400, message_id=message_id, error="unknown buyer identifier")
        received = Received(
            partner=edge.partner,
            message_type=wire.NOTIFY,
            message_id=message_id,
            body=body,
            buyer_fault_reference=notification.buyer_fault_reference,
            buyer_identifier=notification.buyer_identifier,
            sent_at=notification.sent_at,
            remote_addr=caller.address,
            client_cert_fingerprint=caller.cert_fingerprint,
        )
        try:
            inbox_store(received)
        except WrongBuyerIdentifier:
            error = "no fault with that reference under that buyer identifier"
            return json_answer(code=400, message_id=message_id, error=error)
        except UnknownFault:
            error = "no fault with that reference"
            return json_answer(code=400, message_id=message_id, error=error)
        return json_answer(code=200, message_id=message_id)

    @classmethod
    def render_error(cls, request: HttpRequest, *, status: int, message: str) -> HttpResponse:
        inbound = partner_inbound(request, protocol=cls.protocol)
        return json_answer(
            code=status, message_id=wire.echo_message_id(inbound.body), error=message
        )
