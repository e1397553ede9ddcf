from django.http import HttpRequest, HttpResponse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request

from integrations.cityfibre import soap
from integrations.cityfibre.endpoint import XML, NotifyProtocol, answer_body
from integrations.cityfibre.package import PROTOCOL
from integrations.cityfibre.parsers import parse_notification
from integrations.edge import PartnerEndpoint, partner_inbound
from integrations.xml import parse_xml


def _echo(body: bytes | None) -> tuple[str, str]:
    """The message id and buyer identifier of a body already read, to echo in an error answer;
    empty when there is none or it cannot be read."""
    if not body:
        return "", ""
    try:
        notification = parse_notification(soap.unwrap(parse_xml(body)))
    except Exception:  # an error answer must be written whatever the body holds
        return "", ""
    return notification.message_id, notification.buyer_identifier


class NotifyFaultReportUpdateView(NotifyProtocol, PartnerEndpoint):
    """The supplier's webhook: `notifyFaultReportUpdate`, bare or in a SOAP envelope. Every answer,
    refusals included, is a receivedNotifyFaultReportUpdate whose responseCode is the HTTP
    status."""

    protocol = PROTOCOL

    @extend_schema(
        request={"text/xml": {"type": "string"}},
        responses={
            200: OpenApiResponse(description="receivedNotifyFaultReportUpdate, responseCode 200"),
            400: OpenApiResponse(description="Unreadable, unknown buyer or fault reference"),
            401: OpenApiResponse(description="Missing or wrong credentials (secret strategies)"),
            403: OpenApiResponse(description="Certificate or source address refused"),
            404: OpenApiResponse(description="No active partner of this protocol has the slug"),
            413: OpenApiResponse(description="Body over the partner's size limit"),
            415: OpenApiResponse(description="Not text/xml, application/xml or SOAP 1.2"),
            503: OpenApiResponse(description="Briefly unavailable: retry after Retry-After"),
        },
    )
    def post(self, request: Request, partner_slug: str) -> HttpResponse:
        return super().post(request, partner_slug)

    @classmethod
    def render_error(cls, request: HttpRequest, *, status: int, message: str) -> HttpResponse:
        inbound = partner_inbound(request, protocol=cls.protocol)
        message_id, buyer_identifier = _echo(inbound.body)
        if not buyer_identifier and inbound.edge is not None:
            buyer_identifier = inbound.edge.default_buyer_code
        body = answer_body(
            code=status, message_id=message_id, buyer_identifier=buyer_identifier, error=message
        )
        return HttpResponse(body, status=status, content_type=XML)
